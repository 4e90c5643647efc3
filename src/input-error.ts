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

/** Longest error line printed, in characters; the rest is cut. */
export const MAX_ERROR_LINE = 1000;

const SHORT_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Characters that would let echoed input forge or hide lines on a terminal or
 * in a log: C0 and C1 controls, DEL, line and paragraph separators, bidi
 * overrides and isolates, the BOM, lone surrogates.
 */
// eslint-disable-next-line no-control-regex -- the control characters are what this pattern finds
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** One printable line: unsafe characters escaped (`\n`, `\u001b`), cut to MAX_ERROR_LINE characters. */
export function sanitizeLine(line: string): string {
  const escaped = line.replace(UNSAFE, (ch) => SHORT_ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (escaped.length <= MAX_ERROR_LINE) return escaped;
  let cut = escaped.slice(0, MAX_ERROR_LINE);
  // Do not split a surrogate pair or an escape.
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  cut = cut.replace(/\\(?:u[0-9a-f]{0,3})?$/, '');
  return `${cut}… (${escaped.length - cut.length} more characters)`;
}

/** `error: <line>\n` for each problem, sanitised. */
export function errorLines(lines: readonly string[]): string {
  return lines.map((line) => `error: ${sanitizeLine(line)}\n`).join('');
}

/**
 * A reader that adds an InputError's lines to `problems` and gives undefined,
 * so a command reports every problem of its input in one run; any other error
 * is thrown on.
 */
export function problemCollector(problems: string[]): <T>(read: () => T) => T | undefined {
  return <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (e) {
      if (e instanceof InputError) problems.push(...e.lines);
      else throw e;
      return undefined;
    }
  };
}
