/**
 * Bad input, wherever it is found (values files, `--set`s, plugin parameters,
 * s3 flags and environment): one line per problem. The CLI prints each line
 * as `error: <line>` and exits with EXIT_INVALID.
 */
export class InputError extends Error {
  constructor(public readonly lines: string[]) {
    super(lines.join('\n'));
  }
}

/** Exit code for invalid input (values, files, flags, parameters). */
export const EXIT_INVALID = 2;
