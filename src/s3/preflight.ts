/**
 * `s3 preflight --for backup|restore [--uri s3://bucket/key] [--output FILE]`: checks, before
 * the backup image runs, that it will be able to reach S3 with its credentials
 * and do its job. Stops at the first failure, which is one line saying what is
 * wrong and what to check. Bounded by PREFLIGHT_DEADLINE_SECONDS as a whole.
 */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'stream';
import { formatBytes, formatDate, parseArchiveName } from './archives';
import { NotS3Answer, Session, deadlineMs as commandDeadlineMs, openSession } from './client';
import { InputError } from '../input-error';
import type { S3Io } from '../io';
import { ConnectionFlags, S3Settings, endpointLabel, parseS3Uri, resolveSettings, s3Uri } from './config';
import { EXIT_OK, S3Failure } from './common';
import { S3Action, describeS3Error, maskKeyId } from './errors';
import { checkOutputPath, findLatest, handOffUri } from './latest';
import { GZIP_TRAILER_BYTES, MIN_GZIP_BYTES, firstBytes, headProblem } from './restorable';

/** The whole preflight answers within this many seconds (a pod's startup budget is 30 s). */
export const PREFLIGHT_DEADLINE_SECONDS = 25;
/**
 * The object a backup preflight writes and deletes (never an archive name).
 * Always the same key: with put-only credentials it cannot be deleted, and
 * the next preflight overwrites it instead of leaving one more.
 */
export const PREFLIGHT_OBJECT = '.infrahub-backup-cdk8s-preflight';

/**
 * The IAM action each preflight step uses (docs/s3.md). Only
 * s3:PutObject is required for a backup; a step refused with AccessDenied for
 * another action is reported as not checked, not as a failure.
 */
export const PREFLIGHT_ACTIONS = {
  backup: { list: 's3:ListBucket', write: 's3:PutObject', delete: 's3:DeleteObject' },
  restore: { read: 's3:GetObject', list: 's3:ListBucket (only without --uri)' },
  /** Read for the report of a backup preflight, never required. */
  protection: { lock: 's3:GetBucketObjectLockConfiguration', versioning: 's3:GetBucketVersioning' },
} as const;

export interface PreflightOptions extends ConnectionFlags {
  readonly for?: string;
  readonly uri?: string;
  /** For a restore: write the checked archive's URI to this file, as `s3 latest --output` does. */
  readonly output?: string;
  /** For a restore without --uri: take the newest archive whose ends look complete even when it is not proven. */
  readonly acceptUnproven?: boolean;
  /** Overall deadline in milliseconds (tests shorten it). */
  readonly deadlineMs?: number;
}

type Step = Session;

async function attempt<T>(step: Step, action: S3Action, bucket: string, key: string | undefined, call: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  try {
    return await step.call(call);
  } catch (e) {
    throw new S3Failure(describeS3Error(e, { action, bucket, key, settings: step.settings }));
  }
}

/** Whether S3 answered AccessDenied (a permission the credentials lack, as opposed to a wrong key, a missing bucket or no answer). */
function accessDenied(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return e.$metadata?.httpStatusCode === 403 && (e.name === 'AccessDenied' || e.Code === 'AccessDenied');
}

/** Like attempt, but AccessDenied resolves to `denied` (the step could not be checked) instead of failing. */
async function attemptOptional<T>(step: Step, action: S3Action, bucket: string, key: string | undefined, call: (abortSignal: AbortSignal) => Promise<T>): Promise<T | 'denied'> {
  try {
    return await step.call(call);
  } catch (e) {
    if (accessDenied(e)) return 'denied';
    throw new S3Failure(describeS3Error(e, { action, bucket, key, settings: step.settings }));
  }
}

/** Refuses an answer that did not come from an S3 API (an endpoint that answers 200 to everything): `shaped` says whether it has what every S3 answer of that call has. */
function requireS3Answer(step: Step, action: S3Action, bucket: string, key: string | undefined, shaped: boolean, status: number | undefined): void {
  if (!shaped) throw new S3Failure(describeS3Error(new NotS3Answer(status ?? 200, undefined), { action, bucket, key, settings: step.settings }));
}

/**
 * The size and first bytes of an object: a GET (unlike HEAD, its errors say
 * what is wrong) whose body is dropped after its first chunk. No Range header:
 * some S3-compatible servers mishandle a range on an empty object.
 */
async function probeObject(step: Step, bucket: string, key: string): Promise<{ size: number; lastModified?: Date; head: Buffer }> {
  return attempt(step, 'read', bucket, key, async (abortSignal) => {
    const out = await step.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal });
    const body = out.Body as Readable;
    // Every S3 GetObject answer names the object's ETag.
    if (out.ETag === undefined) {
      body.destroy();
      throw new NotS3Answer(out.$metadata.httpStatusCode ?? 200, undefined);
    }
    let head = Buffer.alloc(0);
    try {
      for await (const chunk of body) {
        head = Buffer.concat([head, chunk as Buffer]);
        if (head.length >= 2) break;
      }
    } finally {
      body.destroy();
    }
    return { size: out.ContentLength ?? head.length, lastModified: out.LastModified, head: head.subarray(0, 2) };
  });
}

/** The gzip trailer of an object of `size` bytes (its last GZIP_TRAILER_BYTES, a ranged GET). */
async function readTail(step: Step, bucket: string, key: string, size: number): Promise<Buffer> {
  return attempt(step, 'read', bucket, key, async (abortSignal) => {
    const out = await step.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${size - GZIP_TRAILER_BYTES}-${size - 1}` }), { abortSignal });
    return firstBytes(out.Body as Readable, GZIP_TRAILER_BYTES);
  });
}

/** What the restore check establishes about an archive. */
interface CheckedArchive {
  readonly size: number;
  readonly lastModified?: Date;
  readonly encrypted: boolean;
}

/** A named object checked as a restorable archive (its first bytes, and a gzip's trailer); an S3Failure otherwise. */
async function checkArchiveObject(step: Step, bucket: string, key: string): Promise<CheckedArchive> {
  const probe = await probeObject(step, bucket, key);
  const uri = s3Uri(bucket, key);
  if (probe.size === 0) throw new S3Failure(`empty object: ${uri} is 0 bytes: it is not a backup archive`);
  // Encrypted by its name, as `latest` decides (the image names its encrypted archives .tar.gz.enc): a
  // .tar.gz starting with 0x02 is not gzip here as there, not an encrypted archive handed to the restore.
  const encrypted = /\.enc$/.test(key);
  // A gzip archive: its last bytes too (a ranged GET), so that a cut upload is not blessed.
  let tail: Buffer | undefined;
  if (!encrypted && probe.size >= MIN_GZIP_BYTES && probe.head[0] === 0x1f && probe.head[1] === 0x8b) {
    tail = await readTail(step, bucket, key, probe.size);
  }
  const problem = headProblem({ encrypted, size: probe.size }, probe.head, tail);
  if (problem !== undefined) {
    throw new S3Failure(`not an archive: ${uri} is ${problem}: it is not an archive the backup image wrote`);
  }
  return { size: probe.size, lastModified: probe.lastModified, encrypted };
}

/**
 * Whether the bucket has Object Lock and versioning (GetObjectLockConfiguration,
 * GetBucketVersioning), as one line: reported, never a failure (the backup
 * needs neither, and a put-only policy may not read them).
 */
async function protectionLine(step: Step, bucket: string, keyId: string): Promise<string> {
  // Loaded only here: the restore preflight never asks.
  const { readBucketLock, readVersioning } = require('./lock') as typeof import('./lock');
  try {
    const lock = await readBucketLock(step, bucket);
    const versioning = await readVersioning(step, bucket);
    const versioned = versioning === 'never' ? 'versioning never enabled' : versioning === 'denied' ? `versioning not readable (${PREFLIGHT_ACTIONS.protection.versioning} is denied)` : `versioning ${versioning}`;
    if (lock.state === 'denied') {
      return `not checked: Object Lock (${PREFLIGHT_ACTIONS.protection.lock} is denied to ${keyId}; ${versioned}): the backup does not need it; s3 lock does`;
    }
    if (lock.state === 'none') {
      return `not protected: bucket "${bucket}" has no Object Lock (${versioned}): any credential with s3:DeleteObject (the companion's included) can delete the archives; a bucket created with Object Lock, and s3 lock, prevent that`;
    }
    const period = lock.defaultDays !== undefined ? `${lock.defaultDays} days` : lock.defaultYears !== undefined ? `${lock.defaultYears} years` : undefined;
    const retention = lock.defaultMode !== undefined && period !== undefined ? `default retention ${lock.defaultMode} ${period}` : 'no default retention: s3 lock sets one per archive';
    return `ok: bucket "${bucket}" has Object Lock (${retention}; ${versioned})`;
  } catch (e) {
    return `not checked: Object Lock and versioning of bucket "${bucket}": ${e instanceof S3Failure ? e.line : (e as Error).message.split('\n')[0]}`;
  }
}

export async function preflight(options: PreflightOptions, io: S3Io): Promise<number> {
  const purpose = options.for;
  if (purpose !== 'backup' && purpose !== 'restore') {
    throw new InputError([`--for: "${purpose ?? ''}" must be backup or restore`]);
  }
  if (purpose === 'backup' && options.uri !== undefined) {
    throw new InputError(['--uri is for --for restore: a backup writes under INFRAHUB_S3_PREFIX']);
  }
  if (purpose === 'backup' && options.output !== undefined) {
    throw new InputError(['--output is for --for restore: it receives the URI of the checked archive']);
  }
  if (options.output !== undefined) checkOutputPath(options.output);
  const location = options.uri !== undefined ? parseS3Uri(options.uri) : undefined;
  const settings = resolveSettings(options, io.env, { needBucket: location === undefined });
  const deadlineMs = Math.min(options.deadlineMs ?? PREFLIGHT_DEADLINE_SECONDS * 1000, commandDeadlineMs(settings));
  const bounded: S3Settings = { ...settings, timeoutMs: Math.min(settings.timeoutMs, deadlineMs) };
  const step = openSession(bounded, io.stderr, { deadlineMs });
  const at = endpointLabel(settings);
  try {
    if (purpose === 'backup') {
      const bucket = settings.bucket!;
      const actions = PREFLIGHT_ACTIONS.backup;
      const keyId = settings.credentials ? `access key ID "${maskKeyId(settings.credentials.accessKeyId)}"` : 'the credentials of the default chain';
      // 1. s3:ListBucket: the credentials and the bucket (not needed by the backup itself).
      const listed = await attemptOptional(step, 'list', bucket, undefined, (abortSignal) =>
        step.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: settings.keyPrefix || undefined, MaxKeys: 1 }), { abortSignal }),
      );
      if (listed === 'denied') {
        io.stdout(`not checked: listing bucket "${bucket}" (${actions.list} is denied to ${keyId}): the backup does not need it; retention, verification, freshness and the restore of the newest archive do\n`);
      } else {
        requireS3Answer(step, 'list', bucket, undefined, listed.Name !== undefined || listed.KeyCount !== undefined || listed.MaxKeys !== undefined || listed.IsTruncated !== undefined, listed.$metadata.httpStatusCode);
        io.stdout(`ok: credentials accepted and bucket "${bucket}" listable at ${at}\n`);
      }
      // 2. s3:PutObject: what the backup does.
      const key = `${settings.keyPrefix}${PREFLIGHT_OBJECT}`;
      const written = await attempt(step, 'write', bucket, key, (abortSignal) =>
        step.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'infrahub-backup-cdk8s preflight: safe to delete\n', ContentType: 'text/plain' }), { abortSignal }),
      );
      // Every S3 PutObject answer names the stored object's ETag.
      requireS3Answer(step, 'write', bucket, key, written.ETag !== undefined, written.$metadata.httpStatusCode);
      // 3. s3:DeleteObject: not needed by the backup (retention needs it).
      const deleted = await attemptOptional(step, 'delete', bucket, key, (abortSignal) => step.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }));
      if (deleted === 'denied') {
        io.stdout(`ok: wrote ${s3Uri(bucket, key)}\n`);
        io.stdout(`not checked: deleting (${actions.delete} is denied to ${keyId}): the backup does not need it; retention does. The test object stays; the next preflight overwrites it\n`);
      } else {
        io.stdout(`ok: wrote and deleted ${s3Uri(bucket, key)}\n`);
      }
      io.stdout(`ok: ready to back up to ${s3Uri(bucket, settings.keyPrefix)}\n`);
      // 4. Reported, never a failure: whether the archives are protected from deletion.
      io.stdout(`${await protectionLine(step, bucket, keyId)}\n`);
      return EXIT_OK;
    }

    // Restore.
    let bucket: string;
    let key: string;
    let checked: CheckedArchive;
    if (location !== undefined) {
      ({ bucket, key } = location);
      if (!parseArchiveName(key.slice(key.lastIndexOf('/') + 1))) {
        io.stderr(`warning: ${s3Uri(bucket, key)} is not named like the image's archives (infrahub_backup_<YYYYMMDD_HHMMSS>.tar.gz)\n`);
      }
      checked = await checkArchiveObject(step, bucket, key);
    } else {
      bucket = settings.bucket!;
      // findLatest chose a proven archive (or, with --accept-unproven, one whose ends it read): restorable by the same rule.
      const found = await findLatest(step, io, new Date(), { acceptUnproven: options.acceptUnproven });
      key = found.archive.key;
      checked = found.archive;
      // "Restorable" would claim more than was checked: newer unproven archives may exist (named on stderr).
      io.stdout(`ok: credentials accepted; the newest ${found.proven ? 'proven' : 'restorable (not proven)'} of ${found.count} archives is ${s3Uri(bucket, key)}\n`);
    }
    const uri = s3Uri(bucket, key);
    io.stdout(
      `ok: ${uri} exists and is readable (${formatBytes(checked.size)}${checked.lastModified ? `, uploaded ${formatDate(checked.lastModified)}` : ''}${
        checked.encrypted ? ', encrypted: the restore needs --decrypt-key' : ''
      })\n`,
    );
    if (options.output !== undefined) handOffUri(options.output, uri);
    return EXIT_OK;
  } finally {
    step.close();
  }
}
