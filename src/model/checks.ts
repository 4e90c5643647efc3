/**
 * Rules that span several values, which JSON Schema cannot express. The rules
 * are rows of a table (src/shapes/checks.ts), evaluated here and written into
 * the chart as `infrahub-backup.crossFieldProblems`, with the same texts
 * (messages.ts).
 */
import { ValuesProblem } from './errors';
import { problem, warning } from './messages';
import type { RenderContext, ResolvedValues } from './types';
import { CHECKS, WARNING_ROWS } from '../shapes/checks';
import { holds, valueOf } from '../shapes/evaluate';

export { NAMESPACE_MAX_LENGTH, NAMESPACE_PATTERN, RELEASE_NAME_MAX_LENGTH, RELEASE_NAME_PATTERN } from '../shapes/checks';

/** Every cross-field problem of resolved values, in the order of the table. */
export function checkValues(v: ResolvedValues, context: RenderContext): ValuesProblem[] {
  const scope = { v, release: context.release, namespace: context.namespace };
  const problems: ValuesProblem[] = [];
  for (const r of CHECKS) {
    if (!holds(r.when, scope)) continue;
    if ('id' in r) problems.push(problem(r.id, (r.args ?? []).map((a) => String(valueOf(a, scope)))));
    else problems.push({ path: r.path, message: String(valueOf(r.text, scope)) });
  }
  return problems;
}

/**
 * Values that are valid but not applied as written: OpsMill's chart honours
 * them on restores, this one keeps a restore safe instead (never retried,
 * never deleted by a TTL, never overlapping). One `path: text` line each.
 */
export function valuesWarnings(v: ResolvedValues): string[] {
  const scope = { v };
  return WARNING_ROWS.filter((w) => holds(w.when, scope)).map((w) => warning(w.id, String(valueOf(w.value, scope))));
}
