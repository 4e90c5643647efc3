/**
 * `s3 prune --keep-last N [--keep-days D] [--dry-run]`: deletes old archives
 * under the prefix, failing closed. The plan (restorable.ts) keeps the N newest
 * restorable archives and everything newer than them, archives named in the
 * future, the most recent upload, and with --keep-days the young ones; only
 * archive-named keys directly under the prefix are ever deleted, and nothing
 * at all if the listing or reading an archive fails, or if no archive is
 * restorable. Deletes with DeleteObjects, 1000 keys per call; a key whose
 * deletion is denied (Object Lock, a policy) is reported as retained.
 */
import { DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { Archive, archiveOf, batches } from './archives';
import { Session, withSession } from './client';
import { InputError, errorLines, sanitizeLine } from '../input-error';
import { ConnectionFlags, S3Settings, endpointLabel, resolveSettings, s3Uri } from './config';
import { EXIT_FAILED, EXIT_OK, S3Failure, S3Io, wholeNumber } from './common';
import { describeS3Error } from './errors';
import { listArchivesOrFail } from './listing';
import { planRetention, readEnds } from './restorable';

/** DeleteObjects takes at most this many keys. */
export const DELETE_BATCH = 1000;

/** Per-key answers to a delete that mean the object is protected, not that pruning failed. */
const RETAINED_CODES = new Set(['AccessDenied', 'ObjectLocked', 'InvalidObjectState']);

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
    if (options.keepLast === undefined) throw new InputError(['--keep-last is required (at least 1: the newest restorable archive is always kept)']);
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
  return withSession(settings, io.stderr, (session) => pruneArchives(session, { keepLast, keepDays }, options, io));
}

/** Lists, plans and deletes, with one session. */
async function pruneArchives(session: Session, { keepLast, keepDays }: { keepLast: number; keepDays?: number }, options: PruneOptions, io: S3Io): Promise<number> {
  const settings = session.settings;
  const bucket = settings.bucket!;
  const where = s3Uri(bucket, settings.keyPrefix);
  const rule = `keep-last ${keepLast}${keepDays !== undefined ? `, keep-days ${keepDays}` : ''}`;
  const { archives } = await listArchivesOrFail(session);
  if (archives.length === 0) {
    io.stderr(`nothing to delete: 0 archives under ${where}, all kept (${rule})\n`);
    return EXIT_OK;
  }
  const plan = await planRetention(archives, { keepLast, keepDays }, options.now ?? new Date(), (a) => readEnds(session, bucket, a));
  const keep = plan.entries.filter((e) => e.action === 'keep');
  const remove = plan.entries.filter((e) => e.action === 'delete').map((e) => e.archive);
  const { newest } = plan;

  if (options.dryRun) {
    io.stdout(plan.entries.map((e) => `${e.action === 'keep' ? 'keep' : 'would delete'} ${s3Uri(bucket, e.archive.key)}: ${e.reason}\n`).join(''));
  } else {
    for (const entry of plan.entries) {
      if (entry.problem !== undefined) io.stderr(`warning: ${sanitizeLine(`${s3Uri(bucket, entry.archive.key)}: ${entry.reason}`)}\n`);
    }
  }
  if (newest === undefined) {
    throw new S3Failure(
      `no restorable archive: none of the ${archives.length} archives under ${s3Uri(bucket, settings.keyPrefix)} at ${endpointLabel(settings)} is restorable, so nothing is deleted: check the backup Job's logs (the warnings above say what is wrong with each)`,
    );
  }

  // Belt and braces: only archive keys directly under the prefix, never the newest restorable one.
  for (const archive of remove) {
    if (archiveOf(archive.key, settings.keyPrefix) === undefined || archive.key === newest.key) {
      throw new S3Failure(`refusing to delete ${s3Uri(bucket, archive.key)}: not a deletable archive`);
    }
  }
  if (options.dryRun) {
    io.stderr(`dry run: would delete ${remove.length} and keep ${keep.length} archives under ${where} (${rule}); newest restorable: ${newest.name}\n`);
    return EXIT_OK;
  }
  if (remove.length === 0) {
    io.stderr(`nothing to delete: ${archives.length} archive${archives.length === 1 ? '' : 's'} under ${where}, all kept (${rule})\n`);
    return EXIT_OK;
  }
  return deleteArchives(session, remove, keep.length, { where, rule, newest }, io);
}

/**
 * Whether a failed DeleteObjects call certainly deleted nothing: its only
 * attempt was refused with a 4xx status. A 5xx, a 200 whose body could not be
 * read, or a refusal after an earlier attempt that got no answer may follow a
 * batch that was carried out.
 */
function refusedAtOnce(error: unknown): boolean {
  const meta = (error as { $metadata?: { httpStatusCode?: number; attempts?: number } }).$metadata;
  const status = meta?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500 && (meta?.attempts ?? 1) <= 1;
}

async function deleteArchives(
  session: Session,
  remove: readonly Archive[],
  kept: number,
  report: { where: string; rule: string; newest: Archive },
  io: S3Io,
): Promise<number> {
  const settings = session.settings;
  const bucket = settings.bucket!;
  let deleted = 0;
  let retained = 0;
  let failed = 0;
  for (const batch of batches(remove, DELETE_BATCH)) {
    let result;
    try {
      result = await session.call((abortSignal) =>
        session.client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((a) => ({ Key: a.key })), Quiet: true } }), { abortSignal }),
      );
    } catch (e) {
      io.stderr(errorLines([describeS3Error(e, { action: 'delete', bucket, settings })]));
      if (refusedAtOnce(e)) {
        // S3 refused the call: nothing of this batch was deleted.
        io.stderr(`deleted ${deleted} of ${remove.length} archives before the failure\n`);
        return EXIT_FAILED;
      }
      // No answer (a deadline, a dropped connection), a server error, an answer that could not be read, or a
      // refusal after a retried attempt: the batch may have been carried out all the same.
      io.stderr(
        `deleted ${deleted} of ${remove.length} archives for certain before the failure; the ${batch.length} of the batch in flight (${s3Uri(bucket, batch[0].key)} to ${s3Uri(bucket, batch[batch.length - 1].key)}) may be deleted or not: list the prefix (s3 list) to see what remains\n`,
      );
      return EXIT_FAILED;
    }
    const errors = new Map((result.Errors ?? []).filter((e) => e.Key !== undefined).map((e) => [e.Key!, e]));
    for (const archive of batch) {
      const error = errors.get(archive.key);
      if (error === undefined) {
        deleted++;
        io.stdout(`deleted ${s3Uri(bucket, archive.key)}\n`);
      } else if (RETAINED_CODES.has(error.Code ?? '')) {
        retained++;
        io.stdout(`retained ${s3Uri(bucket, archive.key)}: the delete was refused (${error.Code}): Object Lock retention or a policy protects it\n`);
      } else {
        failed++;
        const detail = describeS3Error(Object.assign(new Error(error.Message ?? error.Code ?? 'failed'), { name: error.Code ?? 'Error' }), {
          action: 'delete',
          bucket,
          key: archive.key,
          settings,
        });
        io.stderr(errorLines([detail]));
      }
    }
  }
  io.stderr(
    `deleted ${deleted}${retained > 0 ? `, retained ${retained} protected` : ''}, kept ${kept} archives under ${report.where} (${report.rule}); newest restorable: ${report.newest.name}\n`,
  );
  return failed > 0 ? EXIT_FAILED : EXIT_OK;
}
