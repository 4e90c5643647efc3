/** One problem found in a values document. */
export interface ValuesProblem {
  /** Dotted value path, e.g. `backup.storage.s3.bucket` (empty for the document itself). */
  readonly path: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** Thrown when values are invalid; carries every problem found, one line each. */
export class ValuesError extends Error {
  public readonly problems: ValuesProblem[];

  constructor(problems: ValuesProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ValuesError';
    this.problems = problems;
  }
}

/** `path: message`, the line a user sees. */
export function formatProblem(problem: ValuesProblem): string {
  return problem.path ? `${problem.path}: ${problem.message}` : problem.message;
}
