/**
 * `s3 prune --keep-last N [--keep-days D] [--dry-run]`: deletes old archives
 * under the prefix. Never the newest archive; never anything that is not named
 * like an archive directly under the prefix; nothing at all if the listing
 * fails part-way. Deletes with DeleteObjects, 1000 keys per call.
 */
import { DeleteObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { archiveOf, batches, selectForDeletion } from './archives';
import { withClient } from './client';
import { InputError } from '../input-error';
import { ConnectionFlags, S3Settings, resolveSettings, s3Uri } from './config';
import { EXIT_FAILED, EXIT_OK, S3Failure, S3Io, wholeNumber } from './common';
import { describeS3Error } from './errors';
import { listArchivesOrFail } from './listing';

/** DeleteObjects takes at most this many keys. */
export const DELETE_BATCH = 1000;

export interface PruneOptions extends ConnectionFlags {
  readonly keepLast?: string;
  readonly keepDays?: string;
  readonly dryRun?: boolean;
  /** "Now", for tests. */
  readonly now?: Date;
}

export async function prune(options: PruneOptions, io: S3Io): Promise<number> {
  const problems: string[] = [];
  let keepLast = 0;
  let keepDays: number | undefined;
  try {
    if (options.keepLast === undefined) throw new InputError(['--keep-last is required (at least 1: the newest archive is always kept)']);
    keepLast = wholeNumber(options.keepLast, '--keep-last');
  } catch (e) {
    if (e instanceof InputError) problems.push(...e.lines);
    else throw e;
  }
  if (options.keepDays !== undefined) {
    try {
      keepDays = wholeNumber(options.keepDays, '--keep-days');
    } catch (e) {
      if (e instanceof InputError) problems.push(...e.lines);
      else throw e;
    }
  }
  let settings: S3Settings | undefined;
  try {
    settings = resolveSettings(options, io.env, { needBucket: true });
  } catch (e) {
    if (e instanceof InputError) problems.push(...e.lines);
    else throw e;
  }
  if (problems.length > 0 || settings === undefined) throw new InputError(problems);
  const checked = settings;
  return withClient(checked, io.stderr, (client) => pruneArchives(client, checked, { keepLast, keepDays }, options, io));
}

/** Lists, selects and deletes, with one client. */
async function pruneArchives(
  client: S3Client,
  settings: S3Settings,
  { keepLast, keepDays }: { keepLast: number; keepDays?: number },
  options: PruneOptions,
  io: S3Io,
): Promise<number> {
  const bucket = settings.bucket!;
  const { archives } = await listArchivesOrFail(client, settings);
  const { keep, remove } = selectForDeletion(archives, { keepLast, keepDays }, options.now ?? new Date());
  const where = s3Uri(bucket, settings.keyPrefix);
  const rule = `keep-last ${keepLast}${keepDays !== undefined ? `, keep-days ${keepDays}` : ''}`;
  if (remove.length === 0) {
    io.stderr(`nothing to delete: ${archives.length} archive${archives.length === 1 ? '' : 's'} under ${where}, all kept (${rule})\n`);
    return EXIT_OK;
  }

  // Belt and braces: only archive keys directly under the prefix, never the newest.
  const newest = keep[0];
  for (const archive of remove) {
    if (archiveOf(archive.key, settings.keyPrefix) === undefined || archive.key === newest.key) {
      throw new S3Failure(`refusing to delete ${s3Uri(bucket, archive.key)}: not a deletable archive`);
    }
  }

  if (options.dryRun) {
    io.stdout(remove.map((a) => `would delete ${s3Uri(bucket, a.key)}\n`).join(''));
    io.stderr(`dry run: would delete ${remove.length} and keep ${keep.length} archives under ${where} (${rule}); newest: ${newest.name}\n`);
    return EXIT_OK;
  }

  let deleted = 0;
  let failed = 0;
  for (const batch of batches(remove, DELETE_BATCH)) {
    let result;
    try {
      result = await client.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((a) => ({ Key: a.key })), Quiet: true } }),
      );
    } catch (e) {
      io.stderr(`error: ${describeS3Error(e, { action: 'delete', bucket, settings })}\n`);
      io.stderr(`deleted ${deleted} of ${remove.length} archives before the failure\n`);
      return EXIT_FAILED;
    }
    const errors = new Map((result.Errors ?? []).filter((e) => e.Key !== undefined).map((e) => [e.Key!, e]));
    for (const archive of batch) {
      const error = errors.get(archive.key);
      if (error) {
        failed++;
        const detail = describeS3Error(Object.assign(new Error(error.Message ?? error.Code ?? 'failed'), { name: error.Code ?? 'Error' }), {
          action: 'delete',
          bucket,
          key: archive.key,
          settings,
        });
        io.stderr(`error: ${detail}\n`);
      } else {
        deleted++;
        io.stdout(`deleted ${s3Uri(bucket, archive.key)}\n`);
      }
    }
  }
  io.stderr(`deleted ${deleted}, kept ${keep.length} archives under ${where} (${rule}); newest: ${newest.name}\n`);
  return failed > 0 ? EXIT_FAILED : EXIT_OK;
}
