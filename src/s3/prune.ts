/**
 * `s3 prune --keep-last N [--keep-days D] [--dry-run]`: deletes old archives
 * under the prefix, failing closed. The plan (restorable.ts) counts only
 * proven archives (proofs.ts: `s3 verify` read them whole), and keeps the N
 * newest proven ones and everything newer than them, archives named in the
 * future, the most recent upload, and with --keep-days the young ones; only
 * archive-named keys directly under the prefix (and the proof markers of the
 * archives deleted, or of archives long gone) are ever deleted, and nothing at
 * all if the listing fails or no archive is proven. Deletes with
 * DeleteObjects, 1000 keys per call. A key whose deletion Object Lock refuses
 * (a retention period or a legal hold) is reported as retained; any other
 * refusal fails the run, naming the permission. On a versioned bucket a delete
 * without a version id only adds a delete marker: reported as such.
 */
import { DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { Archive, archiveOf, batches, formatDate } from './archives';
import { readRetention } from './lock';
import { Session, withSession } from './client';
import { InputError, errorLines, problemCollector, sanitizeLine } from '../input-error';
import type { S3Io } from '../io';
import { ConnectionFlags, S3Settings, endpointLabel, resolveSettings, s3Uri } from './config';
import { EXIT_FAILED, EXIT_OK, S3Failure, wholeNumber } from './common';
import { describeS3Error } from './errors';
import { listArchivesOrFail } from './listing';
import { RetentionPlan, RetentionPolicy, calendarCount, planRetention } from './restorable';
import { CALENDAR_RULES, DEFAULT_TIME_ZONE, checkTimeZone } from './calendar';
import { proofOf } from './proofs';

/** How many archives Object Lock retained a run asks the retain-until date of (GetObjectRetention, one call each). */
export const RETENTION_LOOKUPS = 100;

/** DeleteObjects takes at most this many keys. */
export const DELETE_BATCH = 1000;


export interface PruneOptions extends ConnectionFlags {
  readonly keepLast?: string;
  readonly keepDays?: string;
  readonly keepDaily?: string;
  readonly keepWeekly?: string;
  readonly keepMonthly?: string;
  readonly keepYearly?: string;
  /** The IANA time zone of the calendar rules (default UTC). */
  readonly timeZone?: string;
  readonly dryRun?: boolean;
  /** "Now", for tests. */
  readonly now?: Date;
}

export async function prune(options: PruneOptions, io: S3Io): Promise<number> {
  const problems: string[] = [];
  const read = problemCollector(problems);
  const calendar = {
    keepDaily: options.keepDaily === undefined ? undefined : read(() => wholeNumber(options.keepDaily!, '--keep-daily', 0)),
    keepWeekly: options.keepWeekly === undefined ? undefined : read(() => wholeNumber(options.keepWeekly!, '--keep-weekly', 0)),
    keepMonthly: options.keepMonthly === undefined ? undefined : read(() => wholeNumber(options.keepMonthly!, '--keep-monthly', 0)),
    keepYearly: options.keepYearly === undefined ? undefined : read(() => wholeNumber(options.keepYearly!, '--keep-yearly', 0)),
  };
  const calendarGiven = Object.values(calendar).some((n) => n !== undefined && n > 0);
  let keepLast = 1;
  const calendarFlags = [options.keepDaily, options.keepWeekly, options.keepMonthly, options.keepYearly];
  if (options.keepLast !== undefined) keepLast = read(() => wholeNumber(options.keepLast!, '--keep-last')) ?? 1;
  else if (calendarFlags.every((f) => f === undefined)) {
    problems.push('--keep-last is required (at least 1: the newest restorable archive is always kept), unless a calendar rule is given (--keep-daily, --keep-weekly, --keep-monthly or --keep-yearly)');
  } else if (!calendarGiven && problems.length === 0) {
    problems.push('--keep-last is required when every calendar rule given is 0 (at least 1: the newest restorable archive is always kept)');
  }
  const keepDays = options.keepDays === undefined ? undefined : read(() => wholeNumber(options.keepDays!, '--keep-days'));
  const timeZone = options.timeZone === undefined ? DEFAULT_TIME_ZONE : read(() => checkTimeZone(options.timeZone!));
  if (options.timeZone !== undefined && !calendarGiven && timeZone !== undefined && timeZone !== DEFAULT_TIME_ZONE) {
    io.stderr(`warning: --time-zone ${timeZone} has no effect without a calendar rule (--keep-daily, --keep-weekly, --keep-monthly or --keep-yearly)\n`);
  }
  const settings: S3Settings | undefined = read(() => resolveSettings(options, io.env, { needBucket: true }));
  if (problems.length > 0 || settings === undefined) throw new InputError(problems);
  const policy: RetentionPolicy = { keepLast, keepDays, ...calendar, timeZone };
  return withSession(settings, io.stderr, (session) => pruneArchives(session, policy, options, io));
}

/** The rules in force, for the summary lines: `keep-last 7, keep-days 30, keep-daily 7 (Europe/Berlin)`. */
export function ruleText(policy: RetentionPolicy, keepLastGiven = true): string {
  const parts: string[] = [];
  if (keepLastGiven || CALENDAR_RULES.every((r) => calendarCount(policy, r) === 0)) parts.push(`keep-last ${policy.keepLast}`);
  if (policy.keepDays !== undefined) parts.push(`keep-days ${policy.keepDays}`);
  for (const rule of CALENDAR_RULES) if (calendarCount(policy, rule) > 0) parts.push(`keep-${rule} ${calendarCount(policy, rule)}`);
  const zoned = CALENDAR_RULES.some((r) => calendarCount(policy, r) > 0);
  return `${parts.join(', ')}${zoned ? ` in ${policy.timeZone ?? DEFAULT_TIME_ZONE}` : ''}`;
}

/** Lists, plans and deletes, with one session. */
async function pruneArchives(session: Session, policy: RetentionPolicy, options: PruneOptions, io: S3Io): Promise<number> {
  const settings = session.settings;
  const bucket = settings.bucket!;
  const where = s3Uri(bucket, settings.keyPrefix);
  const { keepLast } = policy;
  const rule = ruleText(policy, options.keepLast !== undefined);
  const { archives, proofs } = await listArchivesOrFail(session);
  if (archives.length === 0) {
    io.stderr(`nothing to delete: 0 archives under ${where}, all kept (${rule})\n`);
    return EXIT_OK;
  }
  const plan = planRetention(archives, proofs, policy, options.now ?? new Date());
  const keep = plan.entries.filter((e) => e.action === 'keep');
  const remove = plan.entries.filter((e) => e.action === 'delete').map((e) => e.archive);
  const { newest } = plan;
  const count = plan.entries.length;

  if (options.dryRun) {
    io.stdout(plan.entries.map((e) => `${e.action === 'keep' ? 'keep' : 'would delete'} ${s3Uri(bucket, e.archive.key)}: ${e.reason}\n`).join(''));
    if (newest !== undefined) io.stdout(plan.markers.map((m) => `would delete ${s3Uri(bucket, m.proof.key)}: the proof of an archive ${m.reason === 'archive deleted' ? 'deleted above' : 'no longer listed'}\n`).join(''));
  } else {
    for (const entry of plan.entries) {
      if (entry.problem !== undefined) io.stderr(`warning: ${sanitizeLine(`${s3Uri(bucket, entry.archive.key)}: ${entry.reason}`)}\n`);
    }
  }
  if (plan.duplicates > 0) io.stderr(`warning: the listing of ${where} gave ${plan.duplicates} key${plan.duplicates === 1 ? '' : 's'} more than once: each archive counted once\n`);
  if (newest === undefined) {
    // A proof binds an archive's ETag: a listing without ETags can never show one, however often verify runs.
    const untagged = plan.entries.filter((e) => !e.archive.encrypted && e.archive.etag === undefined).length;
    if (untagged > 0) {
      throw new S3Failure(
        `no proven archive: the listing of ${where} at ${endpointLabel(settings)} gives no ETag for ${untagged} of its ${count} archives, and a proof is bound to an archive's size and ETag, so nothing is deleted: use an S3 endpoint whose listings carry ETags, or expire old archives with a bucket lifecycle rule`,
      );
    }
    throw new S3Failure(
      plan.entries.every((e) => e.archive.encrypted)
        ? `no proven archive: the ${count} archives under ${where} at ${endpointLabel(settings)} are encrypted, and s3 verify cannot prove an encrypted archive (it holds no private key), so nothing is deleted: delete old encrypted archives with a bucket lifecycle rule`
        : `no proven archive: none of the ${count} archives under ${where} at ${endpointLabel(settings)} has been proven restorable by s3 verify, so nothing is deleted: enable backup.verification (its CronJob runs s3 verify --latest before retention, which records the proof) or run s3 verify --uri on a good archive`,
    );
  }
  if (plan.unprovenKept > 0) {
    io.stderr(
      `kept ${plan.unprovenKept} unproven archive${plan.unprovenKept === 1 ? '' : 's'} newer than the ${plan.proven === keepLast ? `${keepLast} newest proven` : `only ${plan.proven} proven (fewer than --keep-last ${keepLast})`}: prune counts only archives s3 verify has proven, and keeps everything newer than them\n`,
    );
  }

  // Belt and braces: only archive keys directly under the prefix, never the newest proven one; only markers under the prefix.
  for (const archive of remove) {
    if (archiveOf(archive.key, settings.keyPrefix) === undefined || archive.key === newest.key) {
      throw new S3Failure(`refusing to delete ${s3Uri(bucket, archive.key)}: not a deletable archive`);
    }
  }
  for (const { proof } of plan.markers) {
    if (proofOf(proof.key, settings.keyPrefix) === undefined) throw new S3Failure(`refusing to delete ${s3Uri(bucket, proof.key)}: not a proof marker`);
  }
  const markers = plan.markers;
  if (options.dryRun) {
    io.stderr(
      `dry run: would delete ${remove.length}${markers.length > 0 ? ` (and ${markers.length} proof marker${markers.length === 1 ? '' : 's'})` : ''} and keep ${keep.length} archives under ${where} (${rule}); newest proven: ${newest.name}\n`,
    );
    return EXIT_OK;
  }
  if (remove.length === 0 && markers.length === 0) {
    io.stderr(`nothing to delete: ${count} archive${count === 1 ? '' : 's'} under ${where}, all kept (${rule})\n`);
    return EXIT_OK;
  }
  return deleteArchives(session, remove, markers, keep.length, { where, rule, newest }, io);
}

/** Whether a refused delete is Object Lock's doing (a retention period or a legal hold), as AWS S3 and MinIO word it. */
export function lockedByObjectLock(code: string | undefined, message: string | undefined): boolean {
  if (code === 'ObjectLocked') return true;
  // The server's own words only: a permission refusal quotes the resource (`"arn:aws:s3:::long-retention/..."`),
  // whose bucket, prefix or key may contain any of these words.
  const words = (message ?? '').replace(/"[^"]*"|'[^']*'|\barn:\S+|\bs3:\/\/\S+/gi, ' ');
  return code === 'AccessDenied' && /object ?lock|WORM|retention|legal ?hold/i.test(words);
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
  markers: RetentionPlan['markers'],
  kept: number,
  report: { where: string; rule: string; newest: Archive },
  io: S3Io,
): Promise<number> {
  const tally: Tally = { deleted: 0, hidden: 0, retained: 0, failed: 0, retainedKeys: [] };
  const gone = new Set<string>();
  // The archives first; then the markers of those actually deleted, and those of archives long gone.
  const archivesRun = await deleteKeys(session, remove.map((a) => a.key), tally, gone, io);
  const archivesDeleted = tally.deleted;
  if (archivesRun.failed) {
    await reportRetained(session, tally, io);
    const inFlight = archivesRun.inFlight;
    io.stderr(
      inFlight === undefined
        ? `deleted ${archivesDeleted} of ${remove.length} archives before the failure\n`
        : `deleted ${archivesDeleted} of ${remove.length} archives for certain before the failure; the ${inFlight.length} of the batch in flight (${s3Uri(session.settings.bucket!, inFlight[0])} to ${s3Uri(session.settings.bucket!, inFlight[inFlight.length - 1])}) may be deleted or not: list the prefix (s3 list) to see what remains\n`,
    );
    return EXIT_FAILED;
  }
  // A marker proves the unencrypted archive of its timestamp: an encrypted twin deleted says nothing of it.
  const deletedStamps = new Set(remove.filter((a) => !a.encrypted && gone.has(a.key)).map((a) => a.stamp));
  const markerKeys = markers.filter((m) => m.reason === 'archive gone' || deletedStamps.has(m.proof.stamp)).map((m) => m.proof.key);
  const markersRun = await deleteKeys(session, markerKeys, tally, gone, io);
  await reportRetained(session, tally, io);
  if (markersRun.failed) {
    io.stderr(`deleted ${archivesDeleted} of ${remove.length} archives before the failure (their proof markers were not all deleted)\n`);
    return EXIT_FAILED;
  }
  const deletedMarkers = tally.deleted - archivesDeleted;
  const markerText = deletedMarkers > 0 ? ` (and ${deletedMarkers} proof marker${deletedMarkers === 1 ? '' : 's'})` : '';
  const hiddenText = tally.hidden > 0 ? ` (${tally.hidden} only hidden by delete markers: versioned bucket)` : '';
  io.stderr(
    `deleted ${archivesDeleted}${markerText}${hiddenText}${tally.retained > 0 ? `, retained ${tally.retained} protected by Object Lock` : ''}${tally.failed > 0 ? `, failed ${tally.failed}` : ''}, kept ${kept} archives under ${report.where} (${report.rule}); newest proven: ${report.newest.name}\n`,
  );
  return tally.failed > 0 ? EXIT_FAILED : EXIT_OK;
}

/** What a run of deletes did, key by key. */
interface Tally {
  deleted: number;
  hidden: number;
  retained: number;
  failed: number;
  /** The keys Object Lock kept, with the code of the refusal, in the order of the deletes. */
  readonly retainedKeys: Array<{ key: string; code: string }>;
}

/**
 * One `retained` line per key Object Lock kept, with its retain-until date for
 * the first RETENTION_LOOKUPS (one GetObjectRetention each, after every delete
 * was sent; best effort: a legal hold has no date, the permission may be
 * missing, the deadline may have passed). Never changes what was deleted.
 */
async function reportRetained(session: Session, tally: Tally, io: S3Io): Promise<void> {
  const bucket = session.settings.bucket!;
  for (const [i, { key, code }] of tally.retainedKeys.entries()) {
    const retention = i < RETENTION_LOOKUPS && !session.deadline.passed ? await readRetention(session, bucket, key).catch(() => 'none' as const) : 'none';
    const line =
      retention !== 'none' && retention.until.getTime() > Date.now()
        ? `retained ${s3Uri(bucket, key)}: locked until ${formatDate(retention.until)} (${retention.mode}): Object Lock refused the delete (${code})`
        : `retained ${s3Uri(bucket, key)}: the delete was refused (${code}): Object Lock (a retention period or a legal hold) protects it`;
    // The mode and the code are the server's words.
    io.stdout(`${sanitizeLine(line)}\n`);
  }
}

/**
 * How a run of DeleteObjects calls ended: `failed` when a call failed as a
 * whole (then it stops), with the keys of that call when it got no answer
 * (a deadline, a dropped connection), which may have been deleted all the same.
 */
type DeleteRun = { readonly failed: false } | { readonly failed: true; readonly inFlight?: readonly string[] };

/** Deletes keys with DeleteObjects, DELETE_BATCH per call, reporting each. */
async function deleteKeys(session: Session, keys: readonly string[], tally: Tally, gone: Set<string>, io: S3Io): Promise<DeleteRun> {
  const settings = session.settings;
  const bucket = settings.bucket!;
  for (const batch of batches(keys, DELETE_BATCH)) {
    let result;
    try {
      // Not quiet: the answer says, per key, whether a versioned bucket only added a delete marker.
      result = await session.call((abortSignal) =>
        session.client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((key) => ({ Key: key })), Quiet: false } }), { abortSignal }),
      );
    } catch (e) {
      io.stderr(errorLines([describeS3Error(e, { action: 'delete', bucket, settings })]));
      if (refusedAtOnce(e)) {
        // S3 refused the call: nothing of this batch was deleted.
        return { failed: true };
      }
      // No answer (a deadline, a dropped connection), a server error, an answer that could not be read, or a
      // refusal after a retried attempt: the batch may have been carried out all the same.
      return { failed: true, inFlight: batch };
    }
    const errors = new Map((result.Errors ?? []).filter((e) => e.Key !== undefined).map((e) => [e.Key!, e]));
    const markedDeleted = new Set((result.Deleted ?? []).filter((d) => d.Key !== undefined && d.DeleteMarker === true).map((d) => d.Key!));
    for (const key of batch) {
      const error = errors.get(key);
      if (error === undefined) {
        tally.deleted++;
        gone.add(key);
        if (markedDeleted.has(key)) {
          tally.hidden++;
          io.stdout(`deleted ${s3Uri(bucket, key)}: the bucket is versioned, so a delete marker now hides it and its data stays as a noncurrent version (until its Object Lock retention ends and a lifecycle rule expires it)\n`);
        } else {
          io.stdout(`deleted ${s3Uri(bucket, key)}\n`);
        }
      } else if (lockedByObjectLock(error.Code, error.Message)) {
        tally.retained++;
        // Reported once every delete has been sent (reportRetained): the look-ups of their dates never cost a delete its time.
        tally.retainedKeys.push({ key, code: error.Code ?? 'AccessDenied' });
      } else {
        tally.failed++;
        const detail = describeS3Error(Object.assign(new Error(error.Message ?? error.Code ?? 'failed'), { name: error.Code ?? 'Error' }), {
          action: 'delete',
          bucket,
          key,
          settings,
        });
        io.stderr(errorLines([detail]));
      }
    }
  }
  return { failed: false };
}
