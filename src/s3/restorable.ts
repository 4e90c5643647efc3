/**
 * What `prune`, `latest`, `preflight --for restore` and `verify --latest`
 * trust, and the retention plan built on it.
 *
 * Proven (proofs.ts): `s3 verify` read the archive whole and recorded a proof
 * bound to its size and ETag. Retention counts only proven archives and reads
 * nothing but the listing; `latest` takes the newest proven archive.
 *
 * Restorable (a heuristic, for `latest --accept-unproven`, `preflight` and
 * `verify --latest`): an archive-named object directly under the prefix
 * (archives.ts), not empty, starting as gzip (a ranged GET of its first two
 * bytes) and ending as a complete gzip of a tar (its trailer's ISIZE is whole
 * 512-byte blocks, at least two: a cut upload almost never is), not named after
 * now + NAME_CLOCK_TOLERANCE_MS. Only a 206 of exactly the bytes asked, of an
 * object of the listed size, is read: a server that ignores Range proves
 * nothing. An encrypted `.enc` archive cannot be read without the key: it only
 * has to start with byte 0x02 and be at least 1 KiB. Its ends say nothing of
 * its middle: never enough for retention.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'stream';
import { Archive, backupTime, formatDate, sortNewestFirst } from './archives';
import { BUCKET_NOUN, CALENDAR_RULES, CalendarRule, DEFAULT_TIME_ZONE, bucketsOf } from './calendar';
import type { Session } from './client';
import { S3Failure } from './common';
import { describeS3Error } from './errors';
import { ORPHAN_GRACE_MS, Proof, proofsByStamp, proves } from './proofs';

/**
 * How far an archive's name may be ahead of this machine's clock, and how far
 * its name and its LastModified may disagree, before they are treated as
 * unreliable: the name is the pod's local time (up to UTC+14) plus an hour of
 * clock skew.
 */
export const NAME_CLOCK_TOLERANCE_MS = 15 * 60 * 60 * 1000;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whether the name's time is ahead of the clock by more than the tolerance. */
function namedInFuture(archive: Archive, now: Date): boolean {
  return archive.createdAt.getTime() > now.getTime() + NAME_CLOCK_TOLERANCE_MS;
}

/** Why an archive is not restorable, from its listing entry alone; undefined: it still has to be read. */
export function listedProblem(archive: Archive, now: Date): string | undefined {
  if (namedInFuture(archive, now)) {
    return `named in the future (${formatDate(archive.createdAt)}, more than ${NAME_CLOCK_TOLERANCE_MS / 3_600_000} h ahead of this machine's clock)`;
  }
  if (archive.size === 0) return 'empty (0 bytes)';
  return undefined;
}

/**
 * The smallest complete gzip member: a 10-byte header, the 2 bytes of an
 * empty final deflate block, and the 8-byte trailer (CRC-32, ISIZE).
 */
export const MIN_GZIP_BYTES = 20;
/** The gzip trailer: CRC-32 then ISIZE (the uncompressed length mod 2^32), little-endian. */
export const GZIP_TRAILER_BYTES = 8;
/** A tar stream is whole 512-byte blocks, ending with at least two zero blocks. */
const TAR_BLOCK = 512;
const MIN_TAR_BYTES = 2 * TAR_BLOCK;
/**
 * Below this compressed size the uncompressed length cannot reach 2^32
 * (deflate expands at most about 1032 times), so ISIZE is the whole length and
 * must be at least MIN_TAR_BYTES; above it ISIZE may have wrapped to 0 or 512.
 */
const NO_WRAP_BELOW_BYTES = 4_000_000;
/**
 * An encrypted archive (`.tar.gz.enc`) cannot be read without the key; what
 * is checked is a heuristic: its first byte is ENCRYPTED_FIRST_BYTE (what
 * `verify` recognises as encrypted) and it is at least MIN_ENCRYPTED_BYTES
 * long (a backup of two databases never is smaller).
 */
export const ENCRYPTED_FIRST_BYTE = 0x02;
export const MIN_ENCRYPTED_BYTES = 1024;
/** Objects up to this size are read whole in one ranged GET (head and trailer at once). */
const READ_WHOLE_BYTES = 4096;

/** What is read of an archive to decide whether it is restorable: its first bytes and its last GZIP_TRAILER_BYTES. */
export interface ArchiveEnds {
  /** The first bytes (at least 2 when the object has them). */
  readonly head: Buffer;
  /** The last GZIP_TRAILER_BYTES bytes; absent when they were not read (encrypted, or too small to hold them). */
  readonly tail?: Buffer;
  /** Set when the server did not answer the ranged reads with the bytes asked for: nothing was learnt. */
  readonly problem?: string;
}

const TRUNCATED = 'does not end as a complete tar.gz: truncated upload?';

/**
 * Why an archive is not restorable, from its first bytes (and, when given, its
 * size and last bytes); undefined: it is.
 */
export function headProblem(archive: { readonly encrypted: boolean; readonly size?: number }, head: Buffer, tail?: Buffer): string | undefined {
  if (head.length === 0) return 'empty (0 bytes)';
  if (archive.encrypted) {
    if (head[0] !== ENCRYPTED_FIRST_BYTE) {
      return `not an encrypted archive (it starts with 0x${head.subarray(0, 1).toString('hex')}, not 0x${ENCRYPTED_FIRST_BYTE.toString(16).padStart(2, '0')})`;
    }
    if (archive.size !== undefined && archive.size < MIN_ENCRYPTED_BYTES) {
      return `too small for an encrypted archive (${archive.size} bytes, less than ${MIN_ENCRYPTED_BYTES}): truncated upload?`;
    }
    return undefined;
  }
  if (head.length < 2) return 'not gzip data (1 byte)';
  if (head[0] !== 0x1f || head[1] !== 0x8b) return `not gzip data (it starts with 0x${head.subarray(0, 2).toString('hex')})`;
  if (archive.size === undefined) return undefined;
  if (archive.size < MIN_GZIP_BYTES) return `${archive.size} bytes: ${TRUNCATED}`;
  if (tail === undefined || tail.length < GZIP_TRAILER_BYTES) return `its last bytes could not be read: ${TRUNCATED}`;
  const isize = tail.readUInt32LE(tail.length - 4);
  if (isize % TAR_BLOCK !== 0 || (isize < MIN_TAR_BYTES && archive.size < NO_WRAP_BELOW_BYTES)) {
    return `its gzip trailer gives ${isize} bytes of tar, not whole 512-byte blocks ending with two: ${TRUNCATED}`;
  }
  return undefined;
}

/** The first `want` bytes of a response body; the rest is not read (the body is destroyed). */
export async function firstBytes(body: Readable, want: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length >= want) break;
    }
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, want);
}

/**
 * Bytes `first` to `last` of an object (a ranged GET), within the session's
 * deadline; empty for an empty object. Only a 206 whose Content-Range names
 * exactly these bytes of an object of `size` bytes (when given) is an answer:
 * a server that ignores Range (200 with the whole object) or gives other bytes
 * throws RangeRefused, and its bytes are never read as the ones asked for.
 */
async function readRange(session: Session, bucket: string, key: string, first: number, last: number, size?: number): Promise<Buffer> {
  const want = last - first + 1;
  try {
    return await session.call(async (abortSignal) => {
      let out;
      try {
        out = await session.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${first}-${last}` }), { abortSignal });
      } catch (e) {
        // An empty object has no byte 0.
        if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) return Buffer.alloc(0);
        throw e;
      }
      const problem = rangeProblem(out.$metadata.httpStatusCode, out.ContentRange, first, last, size);
      if (problem !== undefined) {
        (out.Body as Readable | undefined)?.destroy?.();
        throw new RangeRefused(problem);
      }
      return firstBytes(out.Body as Readable, want);
    });
  } catch (e) {
    if (e instanceof RangeRefused) throw e;
    throw new S3Failure(describeS3Error(e, { action: 'read', bucket, key, settings: session.settings }));
  }
}

/** A ranged read answered with other bytes than those asked for: what was read proves nothing. */
export class RangeRefused extends Error {}

/** Why an answer to a ranged GET of bytes first-last (of an object of `size` bytes, when known) is not those bytes; undefined: it is. */
export function rangeProblem(status: number | undefined, contentRange: string | undefined, first: number, last: number, size?: number): string | undefined {
  const asked = `bytes ${first}-${last}`;
  if (status !== 206) return `the server answered a read of ${asked} with HTTP ${status ?? '?'}${status === 200 ? ' (the whole object: it ignores Range)' : ''}, not 206: its bytes are no proof`;
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec((contentRange ?? '').trim());
  if (!match || Number(match[1]) !== first || Number(match[2]) !== last) {
    return `the server answered a read of ${asked} with Content-Range ${JSON.stringify(contentRange ?? '')}: its bytes are no proof`;
  }
  if (size !== undefined && match[3] !== String(size)) {
    return `the server gives the object ${match[3]} bytes where the listing gave ${size}: its bytes are no proof`;
  }
  return undefined;
}

/** The first two bytes of an object (a ranged GET), within the session's deadline. */
export async function readHead(session: Session, bucket: string, key: string): Promise<Buffer> {
  return readRange(session, bucket, key, 0, 1);
}

/**
 * What headProblem needs of a listed archive: its first bytes and, for a gzip
 * archive, its gzip trailer. One ranged GET for an object of up to
 * READ_WHOLE_BYTES (read whole), else two (the first two bytes, the last eight).
 */
export async function readEnds(session: Session, bucket: string, archive: Pick<Archive, 'key' | 'size' | 'encrypted'>): Promise<ArchiveEnds> {
  const { key, size } = archive;
  try {
    if (size === 0) return { head: await readHead(session, bucket, key) };
    if (archive.encrypted || size < MIN_GZIP_BYTES) return { head: await readRange(session, bucket, key, 0, Math.min(1, size - 1), size) };
    if (size <= READ_WHOLE_BYTES) {
      const whole = await readRange(session, bucket, key, 0, size - 1, size);
      return { head: whole.subarray(0, 2), tail: whole.length === size ? whole.subarray(size - GZIP_TRAILER_BYTES) : undefined };
    }
    const head = await readRange(session, bucket, key, 0, 1, size);
    if (head.length < 2 || head[0] !== 0x1f || head[1] !== 0x8b) return { head };
    return { head, tail: await readRange(session, bucket, key, size - GZIP_TRAILER_BYTES, size - 1, size) };
  } catch (e) {
    if (e instanceof RangeRefused) return { head: Buffer.alloc(0), problem: e.message };
    throw e;
  }
}

/** Reads an archive's first and last bytes; injected so the retention plan can be checked without a server. */
export type HeadReader = (archive: Archive) => Promise<ArchiveEnds>;

/** Whether an archive is restorable: undefined if it is, else why not. */
export async function restorableProblem(archive: Archive, now: Date, read: HeadReader): Promise<string | undefined> {
  const listed = listedProblem(archive, now);
  if (listed !== undefined) return listed;
  const { head, tail, problem } = await read(archive);
  return problem ?? headProblem(archive, head, tail);
}

/** An archive and whether a proof (proofs.ts) binds it. */
export interface Candidate {
  readonly archive: Archive;
  /** A marker of `s3 verify` matches the archive's timestamp, size and ETag. */
  readonly proven: boolean;
}

export interface NewestRestorable {
  /** The archive chosen, if any: the newest proven one, or with acceptUnproven the newest proven or restorable by its ends. */
  readonly archive: Archive | undefined;
  /** Whether the archive chosen is proven. */
  readonly proven: boolean;
  /** The newer archives passed over, with the reason. */
  readonly skipped: Array<{ archive: Archive; problem: string }>;
}

/** What the listing says of its archives: each key once, and whether a proof binds it. */
export function candidates(archives: readonly Archive[], proofs: readonly Proof[]): { list: Candidate[]; duplicates: number } {
  const byStamp = proofsByStamp(proofs);
  const seen = new Map<string, Archive>();
  const disagree = new Set<string>();
  let duplicates = 0;
  for (const archive of archives) {
    const first = seen.get(archive.key);
    if (first === undefined) {
      seen.set(archive.key, archive);
      continue;
    }
    // A key listed twice (a server paging badly) counts once; listed with two sizes or ETags, the listing cannot bind a proof to it.
    duplicates++;
    if (first.size !== archive.size || first.etag !== archive.etag) disagree.add(archive.key);
  }
  const list = sortNewestFirst([...seen.values()]).map((archive) => ({
    archive,
    proven: !disagree.has(archive.key) && (byStamp.get(archive.stamp) ?? []).some((p) => proves(p, archive)),
  }));
  return { list, duplicates };
}

/** Why an unproven archive is passed over by `latest`. */
export const UNPROVEN = 'not proven: s3 verify has not recorded reading it whole and restorable (--accept-unproven takes it if its ends look complete)';

/**
 * The archive `latest` gives: the newest proven one (by the name's timestamp,
 * then LastModified); with acceptUnproven, the newest that is proven or whose
 * ends are those of a complete archive (read newest first until one is).
 * Archives named in the future or empty are never chosen.
 */
export async function newestRestorable(
  archives: readonly Archive[],
  proofs: readonly Proof[],
  now: Date,
  read: HeadReader,
  options: { readonly acceptUnproven?: boolean } = {},
): Promise<NewestRestorable> {
  const skipped: Array<{ archive: Archive; problem: string }> = [];
  for (const { archive, proven } of candidates(archives, proofs).list) {
    const listed = listedProblem(archive, now);
    if (listed !== undefined) {
      skipped.push({ archive, problem: listed });
      continue;
    }
    if (proven) return { archive, proven, skipped };
    if (!options.acceptUnproven) {
      skipped.push({ archive, problem: UNPROVEN });
      continue;
    }
    const problem = await restorableProblem(archive, now, read);
    if (problem === undefined) return { archive, proven: false, skipped };
    skipped.push({ archive, problem });
  }
  return { archive: undefined, proven: false, skipped };
}

export interface RetentionPolicy {
  /** Keep the N newest proven archives (at least 1). */
  readonly keepLast: number;
  /** Also keep every archive younger than D days (optional). */
  readonly keepDays?: number;
  /** Also keep the newest proven archive of each of the N newest calendar days that have one (0 or absent: off). */
  readonly keepDaily?: number;
  /** ... of each of the N newest ISO weeks (Monday to Sunday) that have one. */
  readonly keepWeekly?: number;
  /** ... of each of the N newest calendar months that have one. */
  readonly keepMonthly?: number;
  /** ... of each of the N newest calendar years that have one. */
  readonly keepYearly?: number;
  /** The IANA time zone the calendar rules' days, weeks, months and years are in; default UTC. */
  readonly timeZone?: string;
}

/** The count of a calendar rule in a policy (0: off). */
export function calendarCount(policy: RetentionPolicy, rule: CalendarRule): number {
  const n = { daily: policy.keepDaily, weekly: policy.keepWeekly, monthly: policy.keepMonthly, yearly: policy.keepYearly }[rule];
  return n === undefined || !Number.isFinite(n) ? 0 : Math.max(0, Math.floor(n));
}

/**
 * What the calendar rules keep: for each rule of N > 0, the proven archives
 * not named in the future (`eligible`, newest first) are grouped by the bucket
 * their backup time (archives.ts backupTime) falls in, in the policy's time
 * zone; the N newest buckets (by the calendar) each keep their newest archive
 * (in the order of the list). Returns, per archive kept, why: one line per rule.
 */
export function calendarKeeps(eligible: readonly Archive[], policy: RetentionPolicy, now: Date): Map<Archive, string[]> {
  const timeZone = policy.timeZone ?? DEFAULT_TIME_ZONE;
  const out = new Map<Archive, string[]>();
  const rules = CALENDAR_RULES.filter((rule) => calendarCount(policy, rule) > 0);
  if (rules.length === 0) return out;
  const buckets = eligible.map((archive) => ({ archive, buckets: bucketsOf(backupTime(archive, now).time, timeZone) }));
  for (const rule of rules) {
    const n = calendarCount(policy, rule);
    const newestOf = new Map<string, Archive>();
    for (const { archive, buckets: b } of buckets) if (!newestOf.has(b[rule])) newestOf.set(b[rule], archive);
    const kept = [...newestOf.keys()].sort().reverse().slice(0, n);
    kept.forEach((bucket, i) => {
      const archive = newestOf.get(bucket)!;
      const why = `--keep-${rule} ${n}: the newest proven of ${BUCKET_NOUN[rule]} ${bucket} (${i + 1} of ${n})`;
      out.set(archive, [...(out.get(archive) ?? []), why]);
    });
  }
  return out;
}

export interface PlanEntry {
  readonly archive: Archive;
  readonly action: 'keep' | 'delete';
  /** Why, for the --dry-run report. */
  readonly reason: string;
  /** Set when the archive is kept for a problem worth a warning (named in the future). */
  readonly problem?: string;
  /** Whether a proof binds the archive. */
  readonly proven: boolean;
}

export interface RetentionPlan {
  /** Every archive, newest first, each key once. */
  readonly entries: PlanEntry[];
  /** Proven archives kept by --keep-last. */
  readonly proven: number;
  /** The newest proven archive; undefined when none is (then nothing may be deleted). */
  readonly newest?: Archive;
  /** Unproven archives kept because they are newer than the --keep-last-th proven one (all of them without a proof). */
  readonly unprovenKept: number;
  /** Keys the listing gave more than once (counted once). */
  readonly duplicates: number;
  /** Markers to delete: those of the archives deleted, and those whose archive is gone (older than ORPHAN_GRACE_MS). */
  readonly markers: Array<{ proof: Proof; reason: 'archive deleted' | 'archive gone' }>;
}

/** The time an archive's age is measured from, for --keep-days. */
export function ageReference(archive: Archive): number {
  const named = archive.createdAt.getTime();
  const uploaded = archive.lastModified?.getTime();
  if (uploaded === undefined) return named;
  // A name and an upload time that disagree by more than the tolerance: the name is not to be trusted.
  if (Math.abs(named - uploaded) > NAME_CLOCK_TOLERANCE_MS) return uploaded;
  return Math.max(named, uploaded);
}

/**
 * Decides, for every archive, keep or delete, and why, from the listing alone.
 * Newest first (by name), archives are kept until --keep-last proven ones
 * (proofs.ts: `s3 verify` read them whole) have been counted: those, every
 * archive newer than the last of them (proven or not), every archive named in
 * the future, the most recent upload by LastModified, and with --keep-days
 * every archive younger than D days, are kept; so is, for each calendar rule
 * (--keep-daily/weekly/monthly/yearly N), the newest proven archive of each of
 * the N newest days, ISO weeks, months or years that have one, in the
 * policy's time zone (calendarKeeps). Only archives older than the
 * --keep-last-th proven one can be deleted, so without --keep-last proven
 * archives nothing is, and every archive newer than the newest proven one is
 * always kept. A key listed twice counts once.
 */
export function planRetention(archives: readonly Archive[], proofs: readonly Proof[], policy: RetentionPolicy, now: Date): RetentionPlan {
  const keepLast = Math.max(1, Math.floor(policy.keepLast));
  const { list, duplicates } = candidates(archives, proofs);
  // The most recent upload: the greatest LastModified; of several uploaded in the same second, the newest by name.
  let latestUpload: Archive | undefined;
  for (const { archive } of list) {
    if (archive.lastModified !== undefined && (latestUpload === undefined || archive.lastModified.getTime() > latestUpload.lastModified!.getTime())) latestUpload = archive;
  }
  const cutoff = policy.keepDays !== undefined ? now.getTime() - policy.keepDays * DAY_MS : undefined;
  const calendar = calendarKeeps(
    list.filter((c) => c.proven && !namedInFuture(c.archive, now)).map((c) => c.archive),
    policy,
    now,
  );
  const calendarRules = CALENDAR_RULES.filter((rule) => calendarCount(policy, rule) > 0);
  // Why the calendar rules keep an archive, after the reason of the other rules.
  const also = (archive: Archive, reason: string): string => [reason, ...(calendar.get(archive) ?? [])].join('; ');
  const entries: PlanEntry[] = [];
  let proven = 0;
  let unprovenKept = 0;
  let newest: Archive | undefined;
  for (const { archive, proven: isProven } of list) {
    if (namedInFuture(archive, now)) {
      const problem = listedProblem(archive, now)!;
      entries.push({ archive, action: 'keep', reason: `${problem}: kept, not counted`, problem, proven: isProven });
      continue;
    }
    if (proven < keepLast) {
      if (isProven) {
        proven++;
        newest ??= archive;
        entries.push({ archive, action: 'keep', reason: also(archive, proven === 1 ? 'the newest proven archive' : `proven, ${proven} of --keep-last ${keepLast}`), proven: true });
      } else {
        unprovenKept++;
        entries.push({
          archive,
          action: 'keep',
          reason: newest === undefined ? 'not proven, newer than any proven archive: kept, not counted' : `not proven, newer than the ${keepLast} newest proven: kept, not counted`,
          proven: false,
        });
      }
      continue;
    }
    if (archive === latestUpload) {
      entries.push({ archive, action: 'keep', reason: also(archive, 'the most recent upload'), proven: isProven });
      continue;
    }
    if (cutoff !== undefined && ageReference(archive) > cutoff) {
      entries.push({ archive, action: 'keep', reason: also(archive, `younger than --keep-days ${policy.keepDays}`), proven: isProven });
      continue;
    }
    const byCalendar = calendar.get(archive);
    if (byCalendar !== undefined) {
      entries.push({ archive, action: 'keep', reason: byCalendar.join('; '), proven: true });
      continue;
    }
    entries.push({
      archive,
      action: 'delete',
      reason: `older than the ${keepLast} newest proven${cutoff !== undefined ? ` and than --keep-days ${policy.keepDays}` : ''}${
        calendarRules.length > 0
          ? `, and ${isProven ? `not the newest proven of one of the ${calendarRules.map((r) => `${calendarCount(policy, r)} newest ${BUCKET_NOUN[r]}s`).join(' or ')}` : 'not proven (the calendar rules keep proven archives only)'}`
          : ''
      }`,
      proven: isProven,
    });
  }
  // Markers go with their archive, and once their archive is gone for good.
  const deletedStamps = new Set(entries.filter((e) => e.action === 'delete' && !e.archive.encrypted).map((e) => e.archive.stamp));
  const listedStamps = new Set(list.filter((c) => !c.archive.encrypted).map((c) => c.archive.stamp));
  const markers: RetentionPlan['markers'] = [];
  const seenMarkers = new Set<string>();
  for (const proof of proofs) {
    if (seenMarkers.has(proof.key)) continue;
    seenMarkers.add(proof.key);
    if (deletedStamps.has(proof.stamp)) markers.push({ proof, reason: 'archive deleted' });
    else if (!listedStamps.has(proof.stamp) && proof.lastModified !== undefined && now.getTime() - proof.lastModified.getTime() > ORPHAN_GRACE_MS) {
      markers.push({ proof, reason: 'archive gone' });
    }
  }
  return { entries, proven, newest, unprovenKept, duplicates, markers };
}
