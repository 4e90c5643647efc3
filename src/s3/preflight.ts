/**
 * `s3 preflight --for backup|restore [--uri s3://bucket/key] [--output FILE]`: checks, before
 * the backup image runs, that it will be able to reach S3 with its credentials
 * and do its job. Stops at the first failure, which is one line saying what is
 * wrong and what to check. Bounded by PREFLIGHT_DEADLINE_SECONDS as a whole.
 */
import { randomBytes } from 'crypto';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'stream';
import { formatBytes, formatDate, parseArchiveName } from './archives';
import { Session, deadlineMs as commandDeadlineMs, openSession } from './client';
import { InputError } from '../input-error';
import { ConnectionFlags, S3Settings, endpointLabel, parseS3Uri, resolveSettings, s3Uri } from './config';
import { EXIT_OK, S3Failure, S3Io } from './common';
import { S3Action, describeS3Error } from './errors';
import { checkOutputPath, findLatest, handOffUri } from './latest';
import { ENCRYPTED_FIRST_BYTE, GZIP_TRAILER_BYTES, MIN_GZIP_BYTES, firstBytes, headProblem } from './restorable';

/** The whole preflight answers within this many seconds (a pod's startup budget is 30 s). */
export const PREFLIGHT_DEADLINE_SECONDS = 25;
/** The name of the object a backup preflight writes and deletes (never an archive name). */
export const PREFLIGHT_OBJECT = '.infrahub-backup-cdk8s-preflight';

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

/**
 * The size and first bytes of an object: a GET (unlike HEAD, its errors say
 * what is wrong) whose body is dropped after its first chunk. No Range header:
 * some S3-compatible servers mishandle a range on an empty object.
 */
async function probeObject(step: Step, bucket: string, key: string): Promise<{ size: number; lastModified?: Date; head: Buffer }> {
  return attempt(step, 'read', bucket, key, async (abortSignal) => {
    const out = await step.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal });
    const body = out.Body as Readable;
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
  const encrypted = parseArchiveName(key.slice(key.lastIndexOf('/') + 1))?.encrypted === true || probe.head[0] === ENCRYPTED_FIRST_BYTE;
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
      await attempt(step, 'list', bucket, undefined, (abortSignal) =>
        step.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: settings.keyPrefix || undefined, MaxKeys: 1 }), { abortSignal }),
      );
      io.stdout(`ok: credentials accepted and bucket "${bucket}" listable at ${at}\n`);
      const key = `${settings.keyPrefix}${PREFLIGHT_OBJECT}-${randomBytes(6).toString('hex')}`;
      await attempt(step, 'write', bucket, key, (abortSignal) =>
        step.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'infrahub-backup-cdk8s preflight: safe to delete\n', ContentType: 'text/plain' }), { abortSignal }),
      );
      try {
        await attempt(step, 'delete', bucket, key, (abortSignal) => step.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }));
      } catch (e) {
        if (e instanceof S3Failure) throw new S3Failure(`${e.line} (the test object ${s3Uri(bucket, key)} was left behind)`);
        throw e;
      }
      io.stdout(`ok: wrote and deleted ${s3Uri(bucket, key)}\n`);
      io.stdout(`ok: ready to back up to ${s3Uri(bucket, settings.keyPrefix)}\n`);
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
      io.stdout(`ok: credentials accepted; the newest restorable of ${found.count} archives is ${s3Uri(bucket, key)}\n`);
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
