/**
 * `s3 latest [--prefix P] [--output FILE]`: the newest archive under the
 * prefix, as `s3://bucket/key` on stdout (and in FILE, for an init container
 * that hands it to the restore container).
 */
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'fs';
import { basename, dirname, join } from 'path';
import { withClient } from './client';
import { InputError } from '../input-error';
import { ConnectionFlags, endpointLabel, resolveSettings, s3Uri } from './config';
import { EXIT_OK, S3Failure, S3Io } from './common';
import { listArchivesOrFail } from './listing';

export interface LatestOptions extends ConnectionFlags {
  readonly output?: string;
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

export async function latest(options: LatestOptions, io: S3Io): Promise<number> {
  const settings = resolveSettings(options, io.env, { needBucket: true });
  if (options.output !== undefined) checkOutputPath(options.output);
  const { archives, foreign } = await withClient(settings, io.stderr, (client) => listArchivesOrFail(client, settings));
  const bucket = settings.bucket!;
  if (archives.length === 0) {
    throw new S3Failure(
      `no archive: nothing named infrahub_backup_<YYYYMMDD_HHMMSS>.tar.gz under ${s3Uri(bucket, settings.keyPrefix)} at ${endpointLabel(settings)}${
        foreign > 0 ? ` (${foreign} other objects there)` : ''
      }: check INFRAHUB_S3_PREFIX and that a backup has run`,
    );
  }
  const uri = s3Uri(bucket, archives[0].key);
  if (options.output !== undefined) handOffUri(options.output, uri);
  io.stdout(`${uri}\n`);
  return EXIT_OK;
}
