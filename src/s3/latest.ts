/**
 * `s3 latest [--prefix P] [--output FILE] [--accept-unproven]`: the newest
 * proven archive under the prefix (one `s3 verify` read whole, proofs.ts), as
 * `s3://bucket/key` on stdout (and in FILE, for an init container that hands
 * it to the restore container); with --accept-unproven, the newest that is
 * proven or whose ends look complete (restorable.ts). Newer archives passed
 * over are named on stderr.
 */
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'fs';
import { basename, dirname, join } from 'path';
import { Archive, formatDate } from './archives';
import { durationFlag } from './duration';
import { Session, withSession } from './client';
import { InputError, problemCollector } from '../input-error';
import type { S3Io } from '../io';
import { ConnectionFlags, endpointLabel, resolveSettings, s3Uri } from './config';
import { EXIT_OK, S3Failure } from './common';
import { listArchivesOrFail } from './listing';
import { backupAge, staleProblem } from './freshness';
import { UNPROVEN, newestRestorable, readEnds } from './restorable';

export interface LatestOptions extends ConnectionFlags {
  readonly output?: string;
  /** A duration (`26h`, `1d2h`): fail when the newest restorable archive is older. */
  readonly maxAge?: string;
  /** Take the newest archive whose ends look complete when it is newer than the newest proven one. */
  readonly acceptUnproven?: boolean;
  /**
   * An RFC 3339 time, or `@FILE` holding one (what `guard record --start-file`
   * wrote): fail when the newest restorable archive was not uploaded after it
   * (the upload of the run that started then did not land).
   */
  readonly newerThan?: string;
  /** "Now", for tests. */
  readonly now?: Date;
}

/** Checks, before any S3 call, that FILE can be written: its folder exists. */
export function checkOutputPath(output: string): void {
  if (output.trim() === '') throw new InputError(['--output: the file name is empty']);
  const folder = dirname(output);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new InputError([`--output: the folder ${folder} does not exist`]);
  }
  if (existsSync(output) && statSync(output).isDirectory()) {
    throw new InputError([`--output: ${output} is a folder`]);
  }
}

/** Writes text to a file through a temporary file and a rename, so a reader never sees half of it. */
export function writeFileAtomically(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } catch (e) {
    rmSync(temporary, { force: true });
    throw e;
  }
}

/** Writes the chosen archive's URI to FILE for the restore container; a failure is one line. */
export function handOffUri(output: string, uri: string): void {
  try {
    writeFileAtomically(output, uri);
  } catch (e) {
    throw new S3Failure(`cannot write ${output}: ${(e as Error).message.split('\n')[0]}`);
  }
}

/**
 * The newest proven archive under the session's prefix (with acceptUnproven,
 * the newest proven or restorable by its ends); newer ones passed over are
 * reported on stderr as warnings. None: an S3Failure.
 */
export async function findLatest(
  session: Session,
  io: Pick<S3Io, 'stderr'>,
  now = new Date(),
  options: { readonly acceptUnproven?: boolean } = {},
): Promise<{ archive: Archive; count: number; proven: boolean }> {
  const settings = session.settings;
  const bucket = settings.bucket!;
  const { archives, foreign, proofs } = await listArchivesOrFail(session);
  const where = `${s3Uri(bucket, settings.keyPrefix)} at ${endpointLabel(settings)}`;
  if (archives.length === 0) {
    throw new S3Failure(
      `no archive: nothing named infrahub_backup_<YYYYMMDD_HHMMSS>.tar.gz under ${where}${foreign > 0 ? ` (${foreign} other objects there)` : ''}: check INFRAHUB_S3_PREFIX and that a backup has run`,
    );
  }
  const found = await newestRestorable(archives, proofs, now, (a) => readEnds(session, bucket, a), options);
  for (const { archive, problem } of found.skipped) io.stderr(`warning: skipped ${s3Uri(bucket, archive.key)}: ${problem === UNPROVEN ? problem : `not restorable: ${problem}`}\n`);
  if (found.archive === undefined) {
    if (options.acceptUnproven) {
      throw new S3Failure(`no restorable archive: none of the ${archives.length} archives under ${where} is restorable: check the backup Job's logs (the warnings above say what is wrong with each)`);
    }
    // Verification refuses encrypted archives: advising it would send the reader in a circle.
    throw new S3Failure(
      archives.every((a) => a.encrypted)
        ? `no proven archive: the ${archives.length} archives under ${where} are encrypted, and s3 verify cannot prove an encrypted archive (it holds no private key): pass --accept-unproven (restore.storage.s3.acceptUnproven) to take the newest whose ends look complete, or name the archive (--uri, restore.storage.s3.key)`
        : `no proven archive: none of the ${archives.length} archives under ${where} has been proven restorable by s3 verify: run the verification CronJob (backup.verification), or pass --accept-unproven to take the newest whose ends look complete`,
    );
  }
  return { archive: found.archive, count: archives.length, proven: found.proven };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** The time of --newer-than: RFC 3339, given or read from `@FILE`. */
export function newerThanFlag(value: string): Date {
  let text = value.trim();
  if (text.startsWith('@')) {
    const file = text.slice(1);
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch (e) {
      throw new InputError([`--newer-than: cannot read ${file}: ${(e as Error).message.split('\n')[0]}`]);
    }
  }
  const time = RFC3339.test(text) ? new Date(text) : undefined;
  if (time === undefined || Number.isNaN(time.getTime())) {
    throw new InputError([`--newer-than: ${JSON.stringify(text.slice(0, 64))} is not an RFC 3339 time (like 2026-01-31T02:00:00Z), nor @FILE holding one`]);
  }
  return time;
}

export async function latest(options: LatestOptions, io: S3Io): Promise<number> {
  const problems: string[] = [];
  const collect = problemCollector(problems);
  const settings = collect(() => resolveSettings(options, io.env, { needBucket: true }));
  if (options.output !== undefined) collect(() => checkOutputPath(options.output!));
  const maxAgeMs = options.maxAge !== undefined ? collect(() => durationFlag(options.maxAge!, '--max-age')) : undefined;
  const newerThan = options.newerThan !== undefined ? collect(() => newerThanFlag(options.newerThan!)) : undefined;
  if (problems.length > 0 || settings === undefined) throw new InputError(problems);
  const now = options.now ?? new Date();
  const { archive } = await withSession(settings, io.stderr, (session) => findLatest(session, io, now, { acceptUnproven: options.acceptUnproven }));
  const uri = s3Uri(settings.bucket!, archive.key);
  if (maxAgeMs !== undefined) {
    // Its age: the older of its name and its upload (freshness.ts).
    const stale = staleProblem(uri, archive, now, maxAgeMs, options.maxAge!.trim(), '--max-age');
    if (stale !== undefined) throw new S3Failure(stale);
    const age = backupAge(archive, now);
    io.stderr(`the newest restorable archive is ${age.text} old (${age.source}), within --max-age ${options.maxAge!.trim()}\n`);
  }
  if (newerThan !== undefined) {
    // The upload's time on the S3 server's clock (the name's, when the listing gave none).
    const uploaded = archive.lastModified ?? archive.createdAt;
    if (uploaded.getTime() < newerThan.getTime()) {
      throw new S3Failure(
        `the upload did not land: the newest restorable archive, ${uri}, was uploaded ${formatDate(uploaded)}, before the run that started ${formatDate(newerThan)}: check the backup container's log`,
      );
    }
    io.stderr(`this run's archive landed: ${uri}, uploaded ${formatDate(uploaded)}\n`);
  }
  if (options.output !== undefined) handOffUri(options.output, uri);
  io.stdout(`${uri}\n`);
  return EXIT_OK;
}

/**
 * Whether a heartbeat success may be sent: the newest restorable archive under
 * the configured bucket and prefix, younger than `maxAgeMs`. Returns the line
 * (without `error: `) saying why not, or undefined. Never throws.
 */
export async function heartbeatFreshness(flags: ConnectionFlags, io: Pick<S3Io, 'stderr' | 'env'>, maxAgeMs: number, maxAgeText: string, now = new Date()): Promise<string | undefined> {
  try {
    const settings = resolveSettings(flags, io.env, { needBucket: true });
    const { archive } = await withSession(settings, io.stderr, (session) => findLatest(session, { stderr: () => undefined }, now));
    return staleProblem(s3Uri(settings.bucket!, archive.key), archive, now, maxAgeMs, maxAgeText, 'the heartbeat\'s maximum age');
  } catch (e) {
    if (e instanceof InputError) return e.lines[0];
    return e instanceof S3Failure ? e.line : (e as Error).message.split('\n')[0];
  }
}
