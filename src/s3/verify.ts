/**
 * `s3 verify [--uri s3://bucket/key | --latest] [--json]`: streams an archive
 * from S3 through gunzip and tar (nothing written to disk, memory flat), checks
 * that backup/backup_information.json parses and that every file it lists has
 * its SHA-256, and reports the metadata.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'stream';
import { ArchiveReadError, ArchiveReport, checkArchive } from './archive-check';
import { formatBytes, parseArchiveName } from './archives';
import { Session, withSession } from './client';
import { InputError, errorLines, sanitizeLine } from '../input-error';
import { ConnectionFlags, parseS3Uri, resolveSettings, s3Uri } from './config';
import { DeadlineExceeded } from './deadline';
import { EXIT_FAILED, EXIT_OK, S3Failure, S3Io } from './common';
import { describeS3Error } from './errors';
import { findLatest } from './latest';
import { minRateBytesPerSecond, throughputWindowMs, watchThroughput } from './throughput';

export interface VerifyOptions extends ConnectionFlags {
  readonly uri?: string;
  readonly latest?: boolean;
  readonly json?: boolean;
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
export async function openObject(session: Session, bucket: string, key: string): Promise<{ body: Readable; size: number | undefined; close: () => void }> {
  try {
    const out = await session.call((abortSignal) => session.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }));
    const body = out.Body as Readable;
    return { body, size: out.ContentLength, close: () => body.destroy() };
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
    key = (await findLatest(session, io)).archive.key;
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
  if (settings.deadlineMs === undefined) watchThroughput(object.body, throughputWindowMs(settings.timeoutMs), minRate);
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
    return EXIT_OK;
  }
  const lines = [
    `verified: ${uri}`,
    `size: ${formatBytes(report.compressedBytes)}`,
    ...metadataLines(report.metadata ?? {}),
    `files: ${report.verifiedFiles} verified (${formatBytes(report.verifiedBytes)})`,
  ];
  io.stdout(lines.map((l) => `${l}\n`).join(''));
  return EXIT_OK;
}
