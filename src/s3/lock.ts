/**
 * S3 Object Lock: `s3 lock --mode GOVERNANCE|COMPLIANCE --days N` sets a
 * retention (retain-until = the archive's upload time + N days) on every
 * restorable archive under the prefix that has none, so that no credential
 * (the companion's included) can delete it before then. It never shortens or
 * replaces a retention (it never sends x-amz-bypass-governance-retention),
 * skips archives whose retain-until date would already be past (S3 refuses
 * a date in the past), and reads nothing of a proven archive (its proof says
 * it is restorable); an unproven one must look complete at both ends
 * (restorable.ts), as `latest --accept-unproven` requires. Failures are one
 * line each; one archive refused does not stop the others (exit 1 at the end).
 *
 * Also here: what `preflight` and `prune` ask of Object Lock (the bucket's
 * configuration, its versioning, an object's retention).
 */
import {
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  PutObjectRetentionCommand,
} from '@aws-sdk/client-s3';
import { Archive, formatDate } from './archives';
import { Session, withSession } from './client';
import { EXIT_FAILED, EXIT_OK, S3Failure, wholeNumber } from './common';
import type { S3Io } from '../io';
import { ConnectionFlags, endpointLabel, resolveSettings, s3Uri } from './config';
import { describeS3Error } from './errors';
import { InputError, errorLines, problemCollector, sanitizeLine } from '../input-error';
import { listArchivesOrFail } from './listing';
import { candidates, listedProblem, readEnds, restorableProblem } from './restorable';

export const LOCK_MODES = ['GOVERNANCE', 'COMPLIANCE'] as const;
export type LockMode = (typeof LOCK_MODES)[number];

/** The longest retention `s3 lock` sets: 100 years (S3 takes more; a typo of a few zeros should not lock a bucket for ever). */
export const MAX_LOCK_DAYS = 36_500;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The S3 error code of a failure, if S3 answered one. */
function codeOf(error: unknown): string | undefined {
  const e = error as { name?: string; Code?: string };
  return e?.Code ?? e?.name;
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** What a bucket says of Object Lock. */
export type BucketLock =
  | { readonly state: 'enabled'; readonly defaultMode?: string; readonly defaultDays?: number; readonly defaultYears?: number }
  | { readonly state: 'none' }
  | { readonly state: 'denied' };

/** The bucket's Object Lock configuration (GetObjectLockConfiguration): enabled (with its default retention), none, or not readable with these credentials. */
export async function readBucketLock(session: Session, bucket: string): Promise<BucketLock> {
  try {
    const out = await session.call((abortSignal) => session.client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }), { abortSignal }));
    const config = out.ObjectLockConfiguration;
    if (config?.ObjectLockEnabled !== 'Enabled') return { state: 'none' };
    const d = config.Rule?.DefaultRetention;
    return { state: 'enabled', defaultMode: d?.Mode, defaultDays: d?.Days, defaultYears: d?.Years };
  } catch (e) {
    // AWS: 404 ObjectLockConfigurationNotFoundError. Some S3-compatible stores answer 501 NotImplemented, or 400 for a feature they lack.
    const code = codeOf(e);
    if (code === 'ObjectLockConfigurationNotFoundError' || code === 'NotImplemented' || statusOf(e) === 501) return { state: 'none' };
    if (code === 'AccessDenied') return { state: 'denied' };
    throw new S3Failure(describeS3Error(e, { action: 'read-lock-configuration', bucket, settings: session.settings }));
  }
}

/** The bucket's versioning (GetBucketVersioning): `Enabled`, `Suspended`, `never` (never enabled: no Status), or `denied`. */
export async function readVersioning(session: Session, bucket: string): Promise<'Enabled' | 'Suspended' | 'never' | 'denied'> {
  try {
    const out = await session.call((abortSignal) => session.client.send(new GetBucketVersioningCommand({ Bucket: bucket }), { abortSignal }));
    return out.Status === 'Enabled' || out.Status === 'Suspended' ? out.Status : 'never';
  } catch (e) {
    if (codeOf(e) === 'AccessDenied') return 'denied';
    if (codeOf(e) === 'NotImplemented' || statusOf(e) === 501) return 'never';
    throw new S3Failure(describeS3Error(e, { action: 'read-versioning', bucket, settings: session.settings }));
  }
}

/** An object's retention (GetObjectRetention), or `none` (AWS: 404 NoSuchObjectLockConfiguration). Throws S3Failure otherwise. */
export async function readRetention(session: Session, bucket: string, key: string): Promise<{ mode: string; until: Date } | 'none'> {
  try {
    const out = await session.call((abortSignal) => session.client.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: key }), { abortSignal }));
    const r = out.Retention;
    if (r?.Mode === undefined || r.RetainUntilDate === undefined) return 'none';
    return { mode: r.Mode, until: r.RetainUntilDate };
  } catch (e) {
    if (codeOf(e) === 'NoSuchObjectLockConfiguration') return 'none';
    if (codeOf(e) === 'InvalidRequest' && /object ?lock/i.test((e as Error).message ?? '')) {
      throw new S3Failure(`no Object Lock: bucket "${bucket}" at ${endpointLabel(session.settings)} has no Object Lock configuration (${(e as Error).message}): ${NO_LOCK_FIX}`);
    }
    throw new S3Failure(describeS3Error(e, { action: 'read-retention', bucket, key, settings: session.settings }));
  }
}

const NO_LOCK_FIX = 'Object Lock is enabled when a bucket is created (or, on AWS, on an existing versioned bucket): use such a bucket, or do not run s3 lock';

export interface LockOptions extends ConnectionFlags {
  readonly mode?: string;
  readonly days?: string;
  readonly dryRun?: boolean;
  /** "Now", for tests. */
  readonly now?: Date;
}

export async function lock(options: LockOptions, io: S3Io): Promise<number> {
  const problems: string[] = [];
  const mode = options.mode?.trim().toUpperCase();
  if (mode === undefined || !(LOCK_MODES as readonly string[]).includes(mode)) {
    problems.push(`--mode: ${JSON.stringify(options.mode ?? '')} must be GOVERNANCE (a principal with s3:BypassGovernanceRetention can still delete) or COMPLIANCE (no one can, the root user included, until the date)`);
  }
  let days = 0;
  try {
    if (options.days === undefined) throw new InputError(['--days is required: how long after its upload each archive stays locked']);
    days = wholeNumber(options.days, '--days');
    if (days > MAX_LOCK_DAYS) throw new InputError([`--days: ${days} is more than ${MAX_LOCK_DAYS} (100 years): a lock cannot be shortened, so this is refused`]);
  } catch (e) {
    if (e instanceof InputError) problems.push(...e.lines);
    else throw e;
  }
  const settings = problemCollector(problems)(() => resolveSettings(options, io.env, { needBucket: true }));
  if (problems.length > 0 || settings === undefined) throw new InputError(problems);
  return withSession(settings, io.stderr, (session) => lockArchives(session, mode as LockMode, days, options, io));
}

async function lockArchives(session: Session, mode: LockMode, days: number, options: LockOptions, io: S3Io): Promise<number> {
  const now = options.now ?? new Date();
  const bucket = session.settings.bucket!;
  const where = s3Uri(bucket, session.settings.keyPrefix);
  const at = endpointLabel(session.settings);
  const bucketLock = await readBucketLock(session, bucket);
  if (bucketLock.state === 'none') {
    throw new S3Failure(`no Object Lock: bucket "${bucket}" at ${at} has no Object Lock configuration, so no retention can be set: ${NO_LOCK_FIX}`);
  }
  if (bucketLock.state === 'denied') {
    io.stderr(`warning: could not read the Object Lock configuration of bucket "${bucket}" (s3:GetBucketObjectLockConfiguration is denied): each archive's retention is read and set all the same\n`);
  }
  const { archives, proofs } = await listArchivesOrFail(session);
  const tally = { locked: 0, already: 0, past: 0, unrestorable: 0, failed: 0 };
  const read = (archive: Archive) => readEnds(session, bucket, archive);
  for (const { archive, proven } of candidates(archives, proofs).list) {
    const uri = s3Uri(bucket, archive.key);
    const listed = listedProblem(archive, now);
    if (listed !== undefined) {
      tally.unrestorable++;
      io.stdout(`not locked ${uri}: ${listed}\n`);
      continue;
    }
    if (archive.lastModified === undefined) {
      tally.unrestorable++;
      io.stdout(`not locked ${uri}: the listing gives no upload time to count --days from\n`);
      continue;
    }
    const until = new Date(archive.lastModified.getTime() + days * DAY_MS);
    // S3 refuses a retain-until date in the past; the archive is older than the retention asked for.
    if (until.getTime() <= now.getTime()) {
      tally.past++;
      continue;
    }
    try {
      const existing = await readRetention(session, bucket, archive.key);
      if (existing !== 'none' && existing.until.getTime() > now.getTime()) {
        tally.already++;
        io.stdout(`${sanitizeLine(`already locked ${uri} until ${formatDate(existing.until)} (${existing.mode})`)}\n`);
        continue;
      }
      if (!proven) {
        const problem = await restorableProblem(archive, now, read);
        if (problem !== undefined) {
          tally.unrestorable++;
          io.stdout(`${sanitizeLine(`not locked ${uri}: not restorable: ${problem}`)}\n`);
          continue;
        }
      }
      if (options.dryRun) {
        tally.locked++;
        io.stdout(`would lock ${uri} until ${formatDate(until)} (${mode})\n`);
        continue;
      }
      await setRetention(session, bucket, archive.key, mode, until);
      tally.locked++;
      io.stdout(`locked ${uri} until ${formatDate(until)} (${mode}${proven ? '' : ', not proven yet'})\n`);
    } catch (e) {
      if (!(e instanceof S3Failure)) throw e;
      // A bucket without Object Lock answers every archive alike: one line, not one per archive.
      if (e.line.startsWith('no Object Lock:')) throw e;
      tally.failed++;
      io.stderr(errorLines([e.line]));
    }
  }
  const parts = [
    `${options.dryRun ? 'would lock' : 'locked'} ${tally.locked}`,
    `already locked ${tally.already}`,
    ...(tally.unrestorable > 0 ? [`not restorable ${tally.unrestorable}`] : []),
    ...(tally.past > 0 ? [`${tally.past} older than ${days} days (nothing to lock)`] : []),
    ...(tally.failed > 0 ? [`failed ${tally.failed}`] : []),
  ];
  io.stderr(`${options.dryRun ? 'dry run: ' : ''}${parts.join(', ')} of ${archives.length} archives under ${where} (${mode}, ${days} days from upload)\n`);
  return tally.failed > 0 ? EXIT_FAILED : EXIT_OK;
}

/** PutObjectRetention, never bypassing a governance retention: S3 itself refuses to shorten one. */
async function setRetention(session: Session, bucket: string, key: string, mode: LockMode, until: Date): Promise<void> {
  try {
    await session.call((abortSignal) =>
      session.client.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: key, Retention: { Mode: mode, RetainUntilDate: until } }), { abortSignal }),
    );
  } catch (e) {
    if (codeOf(e) === 'InvalidRequest' && /object ?lock/i.test((e as Error).message ?? '')) {
      throw new S3Failure(`no Object Lock: bucket "${bucket}" at ${endpointLabel(session.settings)} has no Object Lock configuration (${(e as Error).message}): ${NO_LOCK_FIX}`);
    }
    throw new S3Failure(describeS3Error(e, { action: 'set-retention', bucket, key, settings: session.settings }));
  }
}
