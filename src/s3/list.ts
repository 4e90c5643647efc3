/**
 * `s3 list [--details] [--limit N] [--json]`: the archives under the prefix,
 * newest first, with size and dates; with --details, the metadata read from
 * each archive's backup/backup_information.json (the download stops as soon as
 * it has been read).
 */
import { ArchiveReadError, checkArchive } from './archive-check';
import { Archive, formatBytes, formatDate } from './archives';
import { ConnectionFlags, resolveSettings, s3Uri } from './config';
import { EXIT_OK, S3Failure, wholeNumber } from './common';
import { Session, withSession } from './client';
import { DeadlineExceeded } from './deadline';
import { describeS3Error } from './errors';
import { listArchivesOrFail } from './listing';
import { METADATA_FIELDS, openObject } from './verify';
import type { S3Io } from '../io';

export interface ListOptions extends ConnectionFlags {
  readonly details?: boolean;
  readonly limit?: string;
  readonly json?: boolean;
}

/** `2026-01-31 02:00:00` from `20260131_020000` (the pod's local time, as in the name). */
export function stampText(stamp: string): string {
  return `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)} ${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}`;
}

type Details = { metadata: Record<string, unknown> } | { unavailable: string };

async function detailsOf(session: Session, bucket: string, archive: Archive): Promise<Details> {
  if (archive.encrypted) return { unavailable: 'encrypted archive' };
  let object;
  try {
    object = await openObject(session, bucket, archive.key);
  } catch (e) {
    if (e instanceof S3Failure) return { unavailable: e.line };
    throw e;
  }
  try {
    const report = await checkArchive(object.body, {
      expectedSize: object.size,
      stopAfterMetadata: true,
      // A body cut by the command's deadline is a timeout, named with its bound.
      describeSource: (e) =>
        describeS3Error(session.deadline.passed ? new DeadlineExceeded(session.deadline.seconds) : e, { action: 'read', bucket, key: archive.key, settings: session.settings }),
    });
    if (report.metadata !== undefined) return { metadata: report.metadata };
    return { unavailable: report.problems[0] ?? 'no backup_information.json' };
  } catch (e) {
    if (e instanceof ArchiveReadError) return { unavailable: e.message };
    throw e;
  } finally {
    object.close();
  }
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - text.length));
}

export async function list(options: ListOptions, io: S3Io): Promise<number> {
  const settings = resolveSettings(options, io.env, { needBucket: true });
  const limit = options.limit !== undefined ? wholeNumber(options.limit, '--limit') : undefined;
  return withSession(settings, io.stderr, (session) => listWith(session, limit, options, io));
}

/** Lists (and reads the metadata with --details) with one client. */
async function listWith(session: Session, limit: number | undefined, options: ListOptions, io: S3Io): Promise<number> {
  const settings = session.settings;
  const bucket = settings.bucket!;
  const { archives: all, foreign } = await listArchivesOrFail(session);
  const archives = limit !== undefined ? all.slice(0, limit) : all;
  const where = s3Uri(bucket, settings.keyPrefix);
  if (all.length === 0) {
    io.stderr(`no archives under ${where}${foreign > 0 ? ` (${foreign} other objects there)` : ''}\n`);
    if (options.json) io.stdout('[]\n');
    return EXIT_OK;
  }

  const details = new Map<string, Details>();
  if (options.details) {
    for (const archive of archives) details.set(archive.key, await detailsOf(session, bucket, archive));
  }

  if (options.json) {
    const rows = archives.map((a) => {
      const d = details.get(a.key);
      return {
        uri: s3Uri(bucket, a.key),
        key: a.key,
        name: a.name,
        created: stampText(a.stamp),
        lastModified: a.lastModified ? formatDate(a.lastModified) : null,
        size: a.size,
        encrypted: a.encrypted,
        ...(d === undefined ? {} : 'metadata' in d ? { metadata: Object.fromEntries(Object.entries(d.metadata).filter(([k]) => k !== 'checksums')) } : { metadataError: d.unavailable }),
      };
    });
    io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
  } else {
    const rows = archives.map((a) => [stampText(a.stamp), a.lastModified ? formatDate(a.lastModified) : '-', formatBytes(a.size), s3Uri(bucket, a.key)]);
    const header = ['CREATED', 'UPLOADED', 'SIZE', 'URI'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i]))).join('  ');
    let out = `${line(header)}\n`;
    archives.forEach((archive, i) => {
      out += `${line(rows[i])}\n`;
      const d = details.get(archive.key);
      if (d !== undefined) {
        out +=
          'metadata' in d
            ? `  ${METADATA_FIELDS.filter((f) => d.metadata[f] !== undefined && d.metadata[f] !== null)
                .map((f) => `${f}=${Array.isArray(d.metadata[f]) ? (d.metadata[f] as unknown[]).join(',') : String(d.metadata[f])}`)
                .join(' ')}\n`
            : `  metadata unavailable: ${d.unavailable}\n`;
      }
    });
    io.stdout(out);
  }
  io.stderr(`${all.length} archive${all.length === 1 ? '' : 's'} under ${where}${limit !== undefined && limit < all.length ? `, ${archives.length} shown` : ''}\n`);
  return EXIT_OK;
}
