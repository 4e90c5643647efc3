/**
 * `s3 copy`: the second copy of the archives (3-2-1). Copies the newest
 * restorable archive under the source prefix, and then any other restorable
 * archive the destination lacks, newest first, at most --max-copies per run,
 * to a second location (another bucket, prefix, region, endpoint or
 * provider) configured by the COPY_ variables (config.ts copyEnvironment) and
 * the --to-* flags.
 *
 * Restorable is what `latest` takes (restorable.ts): a proven archive (one
 * `s3 verify` read whole), or with --accept-unproven one whose ends look
 * complete. An archive is at the destination when an object of the same name
 * and size is there and, for a proven archive, a proof at the destination
 * binds it (so `latest` there takes it as it would here).
 *
 * Each copy is streamed: the source's GetObject body (asked with If-Match on
 * the listed ETag, so an archive replaced since the listing is refused, not
 * copied) flows through a SHA-256 into a multipart upload of bounded parts
 * and queue (@aws-sdk/lib-storage), so memory holds at most a few parts and
 * nothing touches the disk. Then it is checked: the bytes read are the listed
 * size (and, when the source's ETag is a single-part MD5, that MD5); the
 * destination's HeadObject gives the size and the ETag the upload returned;
 * and the destination object, read back whole (If-Match on that ETag), has
 * the SHA-256 of what was read from the source. Only the read-back proves
 * what the destination keeps: a multipart ETag is not a digest of the
 * object, a single-part one is not either under SSE-KMS or on several
 * S3-compatible stores, and S3's own checksums are not kept by every store.
 * An object that fails a check is deleted; the run fails with one line.
 * Then, for a proven archive, the proof is established again at the
 * destination: a marker bound to the destination's size and ETag (a copied
 * marker would name the source's ETag, which a multipart copy does not have),
 * whose body names the source and the SHA-256.
 *
 * An upload that fails part-way is aborted (its parts deleted) and leaves no
 * object: S3 shows a multipart upload only once it is completed. The next run
 * finds the archive missing and copies it again.
 */
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash, Hash } from 'crypto';
import { Readable, Transform, TransformCallback, pipeline } from 'stream';
import { Archive, formatBytes, formatDate } from './archives';
import { Session, deadlineMs, openSession, putProof } from './client';
import { EXIT_OK, S3Failure, wholeNumber } from './common';
import type { S3Io } from '../io';
import { ConnectionFlags, S3Settings, S3_ENV, copyEnvName, copyEnvironment, endpointLabel, forCopy, resolveSettings, s3Uri } from './config';
import { Deadline, DeadlineExceeded } from './deadline';
import { describeS3Error } from './errors';
import { durationFlag } from './duration';
import { backupAge } from './freshness';
import { InputError, problemCollector, sanitizeLine } from '../input-error';
import { Listing, listArchivesOrFail } from './listing';
import { etagToken, proofKey } from './proofs';
import { HeadReader, UNPROVEN, candidates, listedProblem, readEnds, restorableProblem } from './restorable';
import { minRateBytesPerSecond, throughputWindowMs, watchThroughput } from './throughput';

export interface CopyOptions extends ConnectionFlags {
  readonly toBucket?: string;
  readonly toPrefix?: string;
  readonly toEndpoint?: string;
  readonly toRegion?: string;
  /** At most this many archives copied per run (--max-copies). */
  readonly maxCopies?: string;
  /** Also copy archives whose ends look complete but that no proof binds (encrypted archives). */
  readonly acceptUnproven?: boolean;
  /** --min-rate, in KiB/s (throughput.ts). */
  readonly minRate?: string;
  /** Only archives younger than this duration (`30d`) are copied. */
  readonly within?: string;
  /** "Now", for tests. */
  readonly now?: Date;
  /** Part size, for tests and benchmarks (at least 5 MiB, S3's smallest part). */
  readonly partSizeBytes?: number;
}

/** Archives copied per run unless --max-copies says otherwise. */
export const DEFAULT_MAX_COPIES = 3;
const MAX_MAX_COPIES = 1000;
/** The smallest part S3 takes (but the last), and this command's default part. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const DEFAULT_PART_BYTES = 8 * 1024 * 1024;
/** Parts in flight at once: with the part being filled, memory holds about (QUEUE_SIZE + 1) parts. */
export const QUEUE_SIZE = 2;
/** S3 takes at most 10,000 parts; the part size grows with the archive to stay well below. */
const MAX_PARTS = 9000;

/** The part size for an archive of `size` bytes: at least `base`, whole MiB, at most MAX_PARTS parts. */
export function partSizeFor(size: number, base = DEFAULT_PART_BYTES): number {
  const mib = 1024 * 1024;
  return Math.max(base, Math.ceil(size / MAX_PARTS / mib) * mib);
}

/** The destination's settings, from the COPY_ variables and the --to-* flags; its problems name those. */
export function resolveDestination(options: CopyOptions, env: NodeJS.ProcessEnv, source: S3Settings): S3Settings {
  try {
    const settings = resolveSettings(
      { bucket: options.toBucket, prefix: options.toPrefix, endpoint: options.toEndpoint, region: options.toRegion },
      copyEnvironment(env),
      { needBucket: true },
    );
    // A "." or ".." segment is resolved by some servers, proxies and clients and kept by others (S3 keeps it):
    // the copy would be written elsewhere (into the source's own prefix) than where its listing looks.
    if (settings.keyPrefix.split('/').some((segment) => segment === '.' || segment === '..')) {
      throw new InputError([
        `${options.toPrefix !== undefined ? '--to-prefix' : copyEnvName(S3_ENV.prefix)}: ${JSON.stringify(settings.prefix)} has a "." or ".." segment, which some servers resolve and others keep: the copy could land elsewhere than where it is looked for (the source's own prefix included): give the prefix without them`,
      ]);
    }
    return {
      ...settings,
      // Without keys of its own, the destination gets what the AWS default chain would give it: the source's keys first.
      credentials: settings.credentials ?? source.credentials,
      timeoutMs: source.timeoutMs,
      ...(source.deadlineMs !== undefined ? { deadlineMs: source.deadlineMs } : {}),
    };
  } catch (e) {
    if (e instanceof InputError) throw new InputError(e.lines.map(forCopy));
    throw e;
  }
}

/** Whether two key prefixes may name the same objects on a server that drops a leading "/" and merges "//" (as some do). */
export function samePrefix(a: string, b: string): boolean {
  const norm = (p: string): string => p.replace(/\/{2,}/g, '/').replace(/^\//, '');
  return norm(a) === norm(b);
}

/** What decides which archives a run copies. */
export interface CopyRules {
  /** At most this many archives copied per run. */
  readonly maxCopies: number;
  /** Also copy archives no proof binds when their ends look complete. */
  readonly acceptUnproven: boolean;
  /** Only archives younger than this (their age as freshness.ts measures it), in milliseconds. */
  readonly withinMs?: number;
}

/** What a run of copy decided for the archives of the source. */
export interface CopyPlan {
  /** The restorable archives to copy, newest first (at most --max-copies). */
  readonly copy: ReadonlyArray<{ readonly archive: Archive; readonly proven: boolean }>;
  /** The newest restorable archive, if any. */
  readonly newest: Archive | undefined;
  /** Restorable archives already at the destination. */
  readonly present: number;
  /** Whether more restorable archives are missing at the destination than this run copies. */
  readonly more: boolean;
  /** Archives older than --within, not considered. */
  readonly older: number;
  /** Archives newer than the newest restorable one, passed over, with the reason. */
  readonly skipped: ReadonlyArray<{ readonly archive: Archive; readonly problem: string }>;
}

/**
 * Walks the source's archives newest first: each restorable one is either at
 * the destination (same name and size, and for a proven archive a proof
 * there) or to be copied, until --max-copies are found.
 */
export async function planCopies(
  listing: Pick<Listing, 'archives' | 'proofs'>,
  destination: Pick<Listing, 'archives' | 'proofs'>,
  rules: CopyRules,
  now: Date,
  read: HeadReader,
): Promise<CopyPlan> {
  const { maxCopies, acceptUnproven, withinMs } = rules;
  const there = new Map(candidates(destination.archives, destination.proofs).list.map((c) => [c.archive.name, c]));
  const copy: Array<CopyPlan['copy'][number]> = [];
  const skipped: Array<CopyPlan['skipped'][number]> = [];
  let newest: Archive | undefined;
  let present = 0;
  let more = false;
  let older = 0;
  for (const { archive, proven } of candidates(listing.archives, listing.proofs).list) {
    // Older than --within: not a candidate (a destination whose retention is shorter than the source's does not get them back).
    if (withinMs !== undefined && backupAge(archive, now).ms > withinMs) {
      older++;
      continue;
    }
    const at = there.get(archive.name);
    const isThere = at !== undefined && at.archive.size === archive.size && (!proven || at.proven);
    if (!proven) {
      const problem = listedProblem(archive, now) ?? (acceptUnproven ? (isThere ? undefined : await restorableProblem(archive, now, read)) : UNPROVEN);
      if (problem !== undefined) {
        if (newest === undefined) skipped.push({ archive, problem });
        continue;
      }
    } else {
      const problem = listedProblem(archive, now);
      if (problem !== undefined) {
        if (newest === undefined) skipped.push({ archive, problem });
        continue;
      }
    }
    newest ??= archive;
    if (isThere) {
      present++;
      continue;
    }
    if (copy.length >= maxCopies) {
      more = true;
      break;
    }
    copy.push({ archive, proven });
  }
  return { copy, newest, present, more, skipped, older };
}

/**
 * Counts and digests the bytes that pass; refuses more than `limit` bytes and,
 * at the end (before the upload can complete), fewer, or an MD5 other than
 * `expectedMd5` when given: a copy that fails these checks is never completed,
 * so it never has to be removed (a destination credential without
 * s3:DeleteObject could not) and is never taken for the copy by a later run.
 */
class Digest extends Transform {
  readonly sha256: Hash = createHash('sha256');
  readonly md5: Hash = createHash('md5');
  bytes = 0;
  /** The MD5 of what passed, once it all has. */
  md5Hex: string | undefined;

  constructor(
    private readonly limit: number,
    private readonly expectedMd5?: string,
  ) {
    super();
  }

  override _flush(callback: TransformCallback): void {
    if (this.bytes !== this.limit) {
      callback(new SizeMismatch(`sent ${this.bytes} bytes, not the ${this.limit} it listed`));
      return;
    }
    this.md5Hex = this.md5.digest('hex');
    if (this.expectedMd5 !== undefined && this.md5Hex !== this.expectedMd5) {
      callback(new Md5Mismatch(`sent bytes whose MD5 (${this.md5Hex}) is not its ETag (${this.expectedMd5}): the read was corrupted on its way`));
      return;
    }
    callback();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      callback(new SizeMismatch(`sent more than the ${this.limit} bytes it listed`));
      return;
    }
    this.sha256.update(chunk);
    this.md5.update(chunk);
    callback(null, chunk);
  }
}

class SizeMismatch extends Error {}
class Md5Mismatch extends Error {}

/** A single-part upload's ETag is the MD5 of the object (unless encrypted with KMS, which the caller cannot tell): the hex digest, or undefined for any other ETag. */
function md5Etag(etag: string | undefined): string | undefined {
  const bare = etagToken(etag);
  return bare !== undefined && /^[0-9a-f]{32}$/i.test(bare) ? bare.toLowerCase() : undefined;
}

function statusOf(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

interface Copied {
  readonly sha256: string;
  readonly etag: string | undefined;
  readonly seconds: number;
}

export async function copy(options: CopyOptions, io: S3Io): Promise<number> {
  const problems: string[] = [];
  const collect = problemCollector(problems);
  const source = collect(() => resolveSettings(options, io.env, { needBucket: true }));
  const destination = source !== undefined ? collect(() => resolveDestination(options, io.env, source)) : undefined;
  const maxCopies = collect(() => (options.maxCopies === undefined ? DEFAULT_MAX_COPIES : wholeNumber(options.maxCopies, '--max-copies')));
  if (maxCopies !== undefined && maxCopies > MAX_MAX_COPIES) problems.push(`--max-copies: "${options.maxCopies}" is more than ${MAX_MAX_COPIES}`);
  const minRate = collect(() => minRateBytesPerSecond(options.minRate, io.env));
  const withinMs = options.within !== undefined ? collect(() => durationFlag(options.within!, '--within')) : undefined;
  // On AWS S3 a bucket name is global: the same bucket whatever the region configured.
  if (source !== undefined && destination !== undefined && source.bucket === destination.bucket && samePrefix(source.keyPrefix, destination.keyPrefix) && source.endpoint === destination.endpoint) {
    problems.push(
      `the destination is the source (${s3Uri(source.bucket!, source.keyPrefix)} at ${endpointLabel(source)}): set ${copyEnvName(S3_ENV.bucket)} (or --to-bucket), ${copyEnvName(S3_ENV.prefix)} or ${copyEnvName(S3_ENV.endpoint)} to the second location`,
    );
  }
  if (problems.length > 0 || source === undefined || destination === undefined || maxCopies === undefined || minRate === undefined) throw new InputError(problems);
  if (source.credentials !== undefined && destination.credentials === source.credentials) {
    io.stderr(
      `warning: ${copyEnvName(S3_ENV.accessKeyId)} and ${copyEnvName(S3_ENV.secretAccessKey)} are not set: the destination is written with the source's keys (${S3_ENV.accessKeyId}), as the AWS default chain would: a copy the source's credentials can delete does not survive their theft\n`,
    );
  }

  const deadline = new Deadline(deadlineMs(source));
  const from = openSession(source, io.stderr, { deadline });
  const to = openSession(destination, io.stderr, { deadline });
  sendContentMd5(to.client);
  try {
    return await run(from, to, { maxCopies, acceptUnproven: options.acceptUnproven === true, withinMs }, minRate, options, io);
  } finally {
    from.close();
    to.close();
  }
}

async function run(from: Session, to: Session, rules: CopyRules, minRate: number, options: CopyOptions, io: S3Io): Promise<number> {
  const { maxCopies } = rules;
  const now = options.now ?? new Date();
  const sourceBucket = from.settings.bucket!;
  const where = `${s3Uri(sourceBucket, from.settings.keyPrefix)} at ${endpointLabel(from.settings)}`;
  const listing = await listArchivesOrFail(from);
  if (listing.archives.length === 0) {
    throw new S3Failure(`no archive: nothing named infrahub_backup_<YYYYMMDD_HHMMSS>.tar.gz under ${where}: check ${S3_ENV.prefix} and that a backup has run`);
  }
  let destinationListing: Listing;
  try {
    destinationListing = await listArchivesOrFail(to);
  } catch (e) {
    if (e instanceof S3Failure) throw new S3Failure(forCopy(e.line));
    throw e;
  }
  const decided = await planCopies(listing, destinationListing, rules, now, (a) => readEnds(from, sourceBucket, a));
  for (const { archive, problem } of decided.skipped) io.stderr(`warning: skipped ${s3Uri(sourceBucket, archive.key)}: ${problem === UNPROVEN ? problem : `not restorable: ${problem}`}\n`);
  if (decided.newest === undefined && decided.older > 0) {
    throw new S3Failure(`no recent archive: none of the ${listing.archives.length} archives under ${where} is both restorable and younger than --within ${options.within!.trim()}: nothing to copy: check the backup CronJob's recent Jobs`);
  }
  if (decided.newest === undefined) {
    throw new S3Failure(
      options.acceptUnproven
        ? `no restorable archive: none of the ${listing.archives.length} archives under ${where} is restorable: nothing to copy`
        : `no proven archive: none of the ${listing.archives.length} archives under ${where} has been proven restorable by s3 verify: nothing to copy (run the verification first, or pass --accept-unproven to copy archives whose ends look complete)`,
    );
  }
  const target = `${s3Uri(to.settings.bucket!, to.settings.keyPrefix)} at ${endpointLabel(to.settings)}`;
  let copied = 0;
  for (const { archive, proven } of decided.copy) {
    const result = await copyOne(from, to, archive, proven, minRate, options, io);
    copied++;
    io.stdout(`${s3Uri(to.settings.bucket!, `${to.settings.keyPrefix}${archive.name}`)}\n`);
    io.stderr(
      `copied ${s3Uri(sourceBucket, archive.key)} (${formatBytes(archive.size)}, SHA-256 ${result.sha256}) in ${result.seconds.toFixed(1)} s, read back and matched${proven ? ', proof recorded' : ''}\n`,
    );
  }
  io.stderr(
    `${copied} copied, ${decided.present} already at ${target}${decided.more ? `; more restorable archives are missing there than --max-copies ${maxCopies}: the next runs copy them, newest first` : ''}\n`,
  );
  return EXIT_OK;
}

/** Copies one archive, checks the copy, records its proof; any failure is an S3Failure (one line) and leaves no unchecked object. */
async function copyOne(from: Session, to: Session, archive: Archive, proven: boolean, minRate: number, options: CopyOptions, io: S3Io): Promise<Copied> {
  const sourceBucket = from.settings.bucket!;
  const bucket = to.settings.bucket!;
  const key = `${to.settings.keyPrefix}${archive.name}`;
  const sourceUri = s3Uri(sourceBucket, archive.key);
  const uri = s3Uri(bucket, key);
  const started = process.hrtime.bigint();
  const deadline = from.deadline;
  // Without --deadline, the archive buys time to be copied and read back at the slowest rate accepted.
  if (from.settings.deadlineMs === undefined) deadline.extend(Math.ceil(((2 * archive.size) / minRate) * 1000));
  const readFailure = (e: unknown): S3Failure => new S3Failure(describeS3Error(e, { action: 'read', bucket: sourceBucket, key: archive.key, settings: from.settings }));
  const destinationFailure = (e: unknown, action: 'read' | 'write' | 'delete'): S3Failure =>
    new S3Failure(forCopy(describeS3Error(e, { action, bucket, key, settings: to.settings })));

  // The source, as listed: If-Match refuses an archive replaced since.
  let body: Readable;
  // Whether the source's ETag may be read as the MD5 of its bytes: not when S3 encrypts with KMS or a customer key.
  let etagMayBeMd5: boolean;
  let contentType: string | undefined;
  try {
    const out = await from.call((abortSignal) => from.client.send(new GetObjectCommand({ Bucket: sourceBucket, Key: archive.key, ...(archive.etag !== undefined ? { IfMatch: archive.etag } : {}) }), { abortSignal }));
    body = out.Body as Readable;
    // A store that ignores If-Match (s3rver does) is caught by the answer's size and ETag.
    const changed =
      out.ContentLength !== undefined && out.ContentLength !== archive.size
        ? `is ${out.ContentLength} bytes, but was listed with ${archive.size}`
        : out.ETag !== undefined && archive.etag !== undefined && etagToken(out.ETag) !== etagToken(archive.etag)
          ? `has the ETag ${out.ETag}, but was listed with ${archive.etag}`
          : undefined;
    if (changed !== undefined) {
      body.destroy();
      throw new S3Failure(`source changed: ${sourceUri} ${changed}: it was replaced while being copied; run again`);
    }
    contentType = out.ContentType;
    etagMayBeMd5 = out.SSECustomerAlgorithm === undefined && (out.ServerSideEncryption === undefined || out.ServerSideEncryption === 'AES256');
  } catch (e) {
    if (e instanceof S3Failure) throw e;
    const name = (e as { name?: string }).name;
    if (statusOf(e) === 412 || name === 'PreconditionFailed') {
      throw new S3Failure(`source changed: ${sourceUri} no longer has the ETag ${archive.etag} it was listed with: it was replaced while being copied; run again`);
    }
    throw readFailure(e);
  }
  if (from.settings.deadlineMs === undefined) watchThroughput(body, throughputWindowMs(from.settings.timeoutMs, io.throughputWindowMs), minRate);
  // A single-part upload's ETag is its MD5 (unless KMS or a customer key encrypts it): what is read must be what the source holds.
  const sourceMd5 = etagMayBeMd5 ? md5Etag(archive.etag) : undefined;
  const digest = new Digest(archive.size, sourceMd5);
  // The first failure of the source's side (its body, or more bytes than listed), recorded as it happens:
  // the upload then fails with it, and the line must name the source.
  let sourceError: unknown;
  const record = (e: unknown): void => void (sourceError ??= e);
  body.once('error', record);
  digest.once('error', record);
  pipeline(body, digest, (e) => {
    if (e) record(e);
  });
  const upload = new Upload({
    client: to.client,
    params: { Bucket: bucket, Key: key, Body: digest, ...(contentType !== undefined ? { ContentType: contentType } : {}) },
    partSize: options.partSizeBytes !== undefined ? partSizeFor(archive.size, Math.max(MIN_PART_BYTES, options.partSizeBytes)) : partSizeFor(archive.size),
    queueSize: QUEUE_SIZE,
    leavePartsOnError: false,
  });
  const stop = (): void => void upload.abort().catch(() => undefined);
  deadline.signal.addEventListener('abort', stop, { once: true });
  let etag: string | undefined;
  try {
    const out = await to.call(() => upload.done());
    etag = (out as { ETag?: string }).ETag;
  } catch (e) {
    body.destroy();
    if (deadline.passed || e instanceof DeadlineExceeded) throw destinationFailure(new DeadlineExceeded(deadline.seconds), 'write');
    // A failure of the source's stream surfaces as the upload's: name the source.
    if (sourceError instanceof SizeMismatch) throw new S3Failure(`source changed: ${sourceUri} ${sourceError.message}: nothing was completed at ${uri}; run again`);
    if (sourceError instanceof Md5Mismatch) throw new S3Failure(`copy differs: ${sourceUri} ${sourceError.message}: nothing was completed at ${uri}; run again`);
    if (sourceError !== undefined) throw readFailure(sourceError);
    throw destinationFailure(e, 'write');
  } finally {
    deadline.signal.removeEventListener('abort', stop);
  }
  const sha256 = digest.sha256.digest('hex');

  // The checks; a copy that fails one is removed before the run fails.
  const mismatch = async (what: string): Promise<never> => {
    let removal: string;
    try {
      await to.call((abortSignal) => to.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }));
      removal = 'removed';
    } catch (e) {
      removal = `and could not be removed, so remove it by hand (${forCopy(describeS3Error(e, { action: 'delete', bucket, key, settings: to.settings }))})`;
    }
    throw new S3Failure(`copy differs: ${uri} ${what}: the copy of ${sourceUri} was ${removal}`);
  };
  // Belt and braces: the digest refuses to end on another size or MD5, so such an upload never completed.
  if (digest.bytes !== archive.size || (sourceMd5 !== undefined && digest.md5Hex !== sourceMd5)) {
    await mismatch(`was written from ${digest.bytes} bytes whose MD5 is ${digest.md5Hex ?? 'unknown'}, where the source listed ${archive.size} bytes${sourceMd5 !== undefined ? ` and the MD5 ${sourceMd5}` : ''}`);
  }

  let head;
  try {
    head = await to.call((abortSignal) => to.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }));
  } catch (e) {
    throw destinationFailure(e, 'read');
  }
  if (head.ContentLength !== archive.size) await mismatch(`is ${head.ContentLength ?? 'of no stated'} bytes at the destination, not ${archive.size}`);
  if (etag === undefined) etag = head.ETag;
  else if (head.ETag !== undefined && etagToken(head.ETag) !== etagToken(etag)) await mismatch(`has the ETag ${head.ETag} at the destination, not the ${etag} its upload returned`);

  // Read back whole: what the destination keeps must be what was read.
  let back;
  try {
    const out = await to.call((abortSignal) => to.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(etag !== undefined ? { IfMatch: etag } : {}) }), { abortSignal }));
    const readBack = out.Body as Readable;
    if (from.settings.deadlineMs === undefined) watchThroughput(readBack, throughputWindowMs(to.settings.timeoutMs, io.throughputWindowMs), minRate);
    back = await to.call(() => digestOf(readBack));
  } catch (e) {
    if (deadline.passed || e instanceof DeadlineExceeded) throw destinationFailure(new DeadlineExceeded(deadline.seconds), 'read');
    if (statusOf(e) === 412) await mismatch(`changed between its upload and its read-back (its ETag is no longer ${etag})`);
    throw destinationFailure(e, 'read');
  }
  if (back.bytes !== archive.size) await mismatch(`reads back as ${back.bytes} bytes, not ${archive.size}`);
  if (back.sha256 !== sha256) await mismatch(`reads back with the SHA-256 ${back.sha256}, not the ${sha256} read from the source`);

  if (proven) {
    const marker = proofKey(to.settings.keyPrefix, archive, archive.size, etag);
    if (marker === undefined) {
      io.stderr(`warning: ${sanitizeLine(uri)}: the destination gave no ETag: no proof recorded there, so latest and prune there do not count it\n`);
    } else {
      try {
        await putProof(to, bucket, marker, { archive: key, size: archive.size, etag, sha256, copiedFrom: sourceUri, sourceEtag: archive.etag, copiedAt: formatDate(new Date()), proven: 's3 verify read the source whole; this copy reads back with the same SHA-256' });
      } catch (e) {
        throw new S3Failure(`${uri} copied and matched, but its proof could not be recorded, so latest and prune there will not count it: ${forCopy(describeS3Error(e, { action: 'write', bucket, key: marker, settings: to.settings }))}`);
      }
    }
  }
  return { sha256, etag, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/**
 * Sends Content-MD5 with every object and part the destination is given (the
 * upload's parts are buffers): S3 then refuses a part damaged on its way
 * (BadDigest), and a bucket with a default Object Lock retention, which
 * refuses uploads without an integrity header, takes them. Content-MD5 rather
 * than S3's newer checksums: every S3-compatible store knows it.
 */
export function sendContentMd5(client: S3Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutObjectCommand' || context.commandName === 'UploadPartCommand') {
        const request = args.request as { headers?: Record<string, string>; body?: unknown };
        const body = request.body;
        if (request.headers !== undefined && (typeof body === 'string' || body instanceof Uint8Array) && request.headers['content-md5'] === undefined) {
          request.headers['content-md5'] = createHash('md5').update(body).digest('base64');
        }
      }
      return next(args);
    },
    { step: 'build', name: 'infrahubContentMd5' },
  );
}

/** The SHA-256 and length of a body, read to its end. */
async function digestOf(body: Readable): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of body) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  } finally {
    body.destroy();
  }
  return { sha256: hash.digest('hex'), bytes };
}
