/**
 * What the `s3` commands share: exit codes and the
 * wrapper that turns every failure into `error: ...` lines and an exit code.
 */
import type { CliIo } from '../io';
import { EXIT_INVALID, InputError, errorLines } from '../input-error';

export { EXIT_INVALID };

/** Success. */
export const EXIT_OK = 0;
/** An S3 check failed (access, missing object, failed verification, ...). */
export const EXIT_FAILED = 1;

/** An S3 failure already described in one line (without `error: `). */
export class S3Failure extends Error {
  constructor(public readonly line: string) {
    super(line);
  }
}

/** Runs a command body: bad input gives exit 2, any other failure (an S3Failure's message is its line) exit 1 with its first line. Never throws. */
export async function guarded(io: CliIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof InputError) {
      io.stderr(errorLines(e.lines));
      return EXIT_INVALID;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.stderr(errorLines([message.split('\n')[0]]));
    return EXIT_FAILED;
  }
}

/** A whole number of at least `min`, or an InputError naming the flag. */
export function wholeNumber(raw: string, flag: string, min = 1): number {
  const text = raw.trim();
  if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new InputError([`${flag}: "${raw}" is not a whole number of at least ${min}`]);
  }
  return Number(text);
}
