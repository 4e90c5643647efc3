/**
 * `s3 verify [--uri s3://bucket/key | --latest] [--json]`: streams an archive
 * from S3 through gunzip and tar (nothing written to disk, memory flat), checks
 * that backup/backup_information.json parses and that every file it lists has
 * its SHA-256, reports the metadata, and (unless --no-record) records the
 * proof beside the archive (proofs.ts); a proof it cannot write fails the run
 * after the verdict is printed.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'stream';
import { ArchiveReadError, ArchiveReport, checkArchive } from './archive-check';
import { formatBytes, formatDate, parseArchiveName } from './archives';
import { Session, putProof, withSession } from './client';
import { InputError, errorLines, sanitizeLine } from '../input-error';
import type { S3Io } from '../io';
import { ConnectionFlags, parseS3Uri, resolveSettings, s3Uri } from './config';
import { DeadlineExceeded } from './deadline';
import { EXIT_FAILED, EXIT_OK, S3Failure } from './common';
import { describeS3Error } from './errors';
import { findLatest } from './latest';
import { minRateBytesPerSecond, throughputWindowMs, watchThroughput } from './throughput';
import { proofKey } from './proofs';

export interface VerifyOptions extends ConnectionFlags {
  readonly uri?: string;
  readonly latest?: boolean;
  readonly json?: boolean;
  /** Record the verdict as a proof beside the archive (proofs.ts); `--no-record` sets it false. */
  readonly record?: boolean;
  /** --min-rate, in KiB/s (throughput.ts). */
  readonly minRate?: string;
}

/** The metadata fields the image writes, in the order they are reported. */
export const METADATA_FIELDS = [
  'backup_id',
  'created_at',
  'infrahub_version',
  'tool_version',
  'metadata_version',
  'components',
  'neo4j_edition',
  'redacted',
  'encrypted',
] as const;

function show(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

/** `key: value` lines for the metadata fields present. */
export function metadataLines(metadata: Record<string, unknown>): string[] {
  return METADATA_FIELDS.filter((f) => metadata[f] !== undefined && metadata[f] !== null).map((f) => `${f}: ${show(metadata[f])}`);
}

/** Opens an object for streaming; returns its body, its size, and `close`, which drops what is left of the body. The body stops when the session's deadline passes. */
export async function openObject(session: Session, bucket: string, key: string): Promise<{ body: Readable; size: number | undefined; etag: string | undefined; close: () => void }> {
  try {
    const out = await session.call((abortSignal) => session.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }));
    const body = out.Body as Readable;
    return { body, size: out.ContentLength, etag: out.ETag, close: () => body.destroy() };
  } catch (e) {
    throw new S3Failure(describeS3Error(e, { action: 'read', bucket, key, settings: session.settings }));
  }
}

export async function verify(options: VerifyOptions, io: S3Io): Promise<number> {
  if (options.uri !== undefined && options.latest) {
    throw new InputError(['give --uri or --latest, not both']);
  }
  const location = options.uri !== undefined ? parseS3Uri(options.uri) : undefined;
  const settings = resolveSettings(options, io.env, { needBucket: location === undefined });
  const minRate = minRateBytesPerSecond(options.minRate, io.env);
  return withSession(settings, io.stderr, (session) => verifyWith(session, location, minRate, options, io));
}

/** Finds (without --uri), streams and checks the archive, with one client. */
async function verifyWith(session: Session, location: { bucket: string; key: string } | undefined, minRate: number, options: VerifyOptions, io: S3Io): Promise<number> {
  const settings = session.settings;
  let bucket: string;
  let key: string;
  if (location !== undefined) {
    ({ bucket, key } = location);
  } else {
    bucket = settings.bucket!;
    // The newest archive whose ends look complete, proven or not: proving it is the point.
    key = (await findLatest(session, io, new Date(), { acceptUnproven: true })).archive.key;
    io.stderr(`verifying the newest archive, ${s3Uri(bucket, key)}\n`);
  }
  const uri = s3Uri(bucket, key);
  if (parseArchiveName(key.slice(key.lastIndexOf('/') + 1))?.encrypted) {
    throw new S3Failure(`${uri}: the archive is encrypted (made with --encrypt): its contents can only be checked after decryption with the private key`);
  }

  const started = process.hrtime.bigint();
  const object = await openObject(session, bucket, key);
  // Without --deadline, the archive's size buys it streaming time at the slowest rate accepted.
  if (settings.deadlineMs === undefined && object.size !== undefined) session.deadline.extend(Math.ceil((object.size / minRate) * 1000));
  // ... and must really arrive at that rate: a claimed size buys no time to a server that does not send it (throughput.ts).
  if (settings.deadlineMs === undefined) watchThroughput(object.body, throughputWindowMs(settings.timeoutMs, io.throughputWindowMs), minRate);
  let report: ArchiveReport;
  try {
    report = await session.call(() =>
      checkArchive(object.body, {
        expectedSize: object.size,
        describeSource: (e) => describeS3Error(e, { action: 'read', bucket, key, settings }),
      }),
    );
  } catch (e) {
    if (e instanceof DeadlineExceeded || session.deadline.passed) throw new S3Failure(describeS3Error(new DeadlineExceeded(session.deadline.seconds), { action: 'read', bucket, key, settings }));
    if (e instanceof ArchiveReadError) throw new S3Failure(`${uri}: ${e.message}`);
    throw e;
  } finally {
    object.close();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;

  for (const warning of report.warnings) io.stderr(`warning: ${sanitizeLine(`${uri}: ${warning}`)}\n`);
  if (report.problems.length > 0) {
    io.stderr(errorLines(report.problems.map((p) => `${uri}: ${p}`)));
    return EXIT_FAILED;
  }
  const rate = seconds > 0 ? report.compressedBytes / seconds : 0;
  io.stderr(`read ${formatBytes(report.compressedBytes)} in ${seconds.toFixed(1)} s (${formatBytes(rate)}/s)\n`);
  printVerdict(uri, report, seconds, options, io);
  // The verdict stands whatever happens to the proof; a proof that cannot be written still fails the run.
  if (options.record !== false) {
    const failure = await recordProof(session, bucket, key, object, report, io);
    if (failure !== undefined) {
      io.stderr(errorLines([failure]));
      return EXIT_FAILED;
    }
  }
  return EXIT_OK;
}

/** The report of a verified archive on stdout: JSON with --json, else `key: value` lines. */
function printVerdict(uri: string, report: ArchiveReport, seconds: number, options: VerifyOptions, io: S3Io): void {
  if (options.json) {
    io.stdout(
      `${JSON.stringify(
        {
          uri,
          size: report.compressedBytes,
          metadata: report.metadata,
          files: report.files,
          verifiedFiles: report.verifiedFiles,
          verifiedBytes: report.verifiedBytes,
          seconds: Number(seconds.toFixed(3)),
        },
        null,
        2,
      )}\n`,
    );
    return;
  }
  const lines = [
    `verified: ${uri}`,
    `size: ${formatBytes(report.compressedBytes)}`,
    ...metadataLines(report.metadata ?? {}),
    `files: ${report.verifiedFiles} verified (${formatBytes(report.verifiedBytes)})`,
  ];
  io.stdout(lines.map((l) => `${l}\n`).join(''));
}

/**
 * Writes the proof that the archive was read whole and passed (proofs.ts),
 * bound to the size and ETag of the object read. An archive that is not named
 * like the image's, or an answer without an ETag or whose size is not what was
 * read, gets none (said on stderr). A proof that cannot be written is
 * returned as the line that fails the run (retention will not count the
 * archive); the verdict is printed before, whatever becomes of the proof.
 */
async function recordProof(
  session: Session,
  bucket: string,
  key: string,
  object: { readonly size: number | undefined; readonly etag: string | undefined },
  report: ArchiveReport,
  io: S3Io,
): Promise<string | undefined> {
  const slash = key.lastIndexOf('/') + 1;
  const parsed = parseArchiveName(key.slice(slash));
  const uri = s3Uri(bucket, key);
  if (parsed === undefined) {
    io.stderr(`warning: ${sanitizeLine(uri)} is not named like the image's archives: no proof recorded\n`);
    return undefined;
  }
  const marker = proofKey(key.slice(0, slash), parsed, report.compressedBytes, object.etag);
  if (marker === undefined || object.size !== report.compressedBytes) {
    const why = marker === undefined ? 'no ETag' : object.size === undefined ? 'no size (Content-Length)' : `${object.size} bytes as its size but ${report.compressedBytes} were read`;
    io.stderr(`warning: ${sanitizeLine(uri)}: the server gave ${why}: no proof recorded, so retention does not count it\n`);
    return undefined;
  }
  try {
    await putProof(session, bucket, marker, {
      archive: key,
      size: report.compressedBytes,
      etag: object.etag,
      verifiedAt: formatDate(new Date()),
      verifiedFiles: report.verifiedFiles,
      verifiedBytes: report.verifiedBytes,
      backupId: report.metadata?.backup_id,
    });
  } catch (e) {
    return `${uri} verified, but its proof could not be recorded, so retention will not count it: ${describeS3Error(e, { action: 'write', bucket, key: marker, settings: session.settings })}`;
  }
  io.stderr(`recorded the proof ${s3Uri(bucket, marker)}\n`);
  return undefined;
}
