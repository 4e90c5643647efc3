/**
 * Backup archive names and the rules that order and retain them. Pure.
 *
 * The image names an archive `infrahub_backup_<YYYYMMDD_HHMMSS>.tar.gz` (the
 * timestamp in the pod's local time, UTC in a container without TZ) and, with
 * `--encrypt`, appends `.enc`. Its object key is `<prefix>/<file>`. Only keys that
 * are exactly `keyPrefix + name` with such a name are archives: anything else
 * under the prefix (other files, sub-folders, names that merely look alike) is
 * foreign and never listed, chosen or deleted.
 */

/** Matches an archive's file name; group 1 is the timestamp, group 2 `.enc` if encrypted. */
export const ARCHIVE_NAME = /^infrahub_backup_(\d{8}_\d{6})\.tar\.gz(\.enc)?$/;

export interface Archive {
  /** The object key. */
  readonly key: string;
  /** The file name (the key without the prefix). */
  readonly name: string;
  /** `YYYYMMDD_HHMMSS` from the name. */
  readonly stamp: string;
  /** The name's timestamp read as UTC. */
  readonly createdAt: Date;
  readonly encrypted: boolean;
  readonly size: number;
  readonly lastModified: Date | undefined;
  /** The ETag the listing gave (what a proof is bound to, with the size); undefined when it gave none. */
  readonly etag?: string;
}

/** The time in an archive name (read as UTC), or undefined if the name is not an archive's or its time does not exist. */
export function parseArchiveName(name: string): { stamp: string; createdAt: Date; encrypted: boolean } | undefined {
  const match = ARCHIVE_NAME.exec(name);
  if (!match) return undefined;
  const s = match[1];
  const [year, month, day, hour, minute, second] = [s.slice(0, 4), s.slice(4, 6), s.slice(6, 8), s.slice(9, 11), s.slice(11, 13), s.slice(13, 15)].map(Number);
  const time = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(time);
  // Reject times that do not exist (month 13, 31 February, 25:00): Date.UTC would roll them over.
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    date.getUTCHours() !== hour ||
    date.getUTCMinutes() !== minute ||
    date.getUTCSeconds() !== second
  ) {
    return undefined;
  }
  return { stamp: s, createdAt: date, encrypted: match[2] !== undefined };
}

/** The archive an object key is, if it is one directly under `keyPrefix`. */
export function archiveOf(key: string, keyPrefix: string, size = 0, lastModified?: Date, etag?: string): Archive | undefined {
  if (!key.startsWith(keyPrefix)) return undefined;
  const name = key.slice(keyPrefix.length);
  if (name.includes('/')) return undefined;
  const parsed = parseArchiveName(name);
  if (!parsed) return undefined;
  return { key, name, ...parsed, size, lastModified, ...(etag !== undefined ? { etag } : {}) };
}

/**
 * The time of a backup, in milliseconds since the epoch: the older of the
 * name's timestamp (read as UTC) and the upload (LastModified); a name after
 * `now` says nothing (the upload counts alone). What freshness measures a
 * backup's age from, and the instant calendar retention buckets it by.
 */
export function backupTime(archive: Pick<Archive, 'createdAt' | 'lastModified'>, now: Date): { time: number; from: 'name' | 'upload' } {
  const named = archive.createdAt.getTime();
  const uploaded = archive.lastModified?.getTime();
  if (uploaded === undefined) return { time: Math.min(named, now.getTime()), from: 'name' };
  if (named > now.getTime()) return { time: uploaded, from: 'upload' };
  return named < uploaded ? { time: named, from: 'name' } : { time: uploaded, from: 'upload' };
}

/** Newest first: by the name's timestamp, then LastModified, then key (so the order is total and stable). */
export function compareNewestFirst(a: Archive, b: Archive): number {
  if (a.stamp !== b.stamp) return a.stamp < b.stamp ? 1 : -1;
  const am = a.lastModified?.getTime() ?? 0;
  const bm = b.lastModified?.getTime() ?? 0;
  if (am !== bm) return bm - am;
  if (a.key !== b.key) return a.key < b.key ? 1 : -1;
  return 0;
}

export function sortNewestFirst(archives: readonly Archive[]): Archive[] {
  return [...archives].sort(compareNewestFirst);
}

/** Splits items into batches of at most `size` (DeleteObjects takes at most DELETE_BATCH keys per call). */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Bytes for people: `512 B`, `1.5 KiB`, `2.00 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** `2026-01-31T02:00:00Z` (no milliseconds). */
export function formatDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
