/**
 * A render plan: the checked values with the names of the objects they
 * produce. Built once, read by every construct.
 */
import type { InfrahubBackupValues } from './values.generated';
import { Values } from './merge';
import { ObjectNames, objectNames } from './objects';
import { valuesWarnings } from './checks';
import { resolveValues } from './resolve';
import type { RenderContext, ResolvedValues } from './types';

/** What the constructs build from. */
export interface RenderPlan {
  readonly values: ResolvedValues;
  readonly release: string;
  /** Undefined: the objects carry no namespace (see RenderContext). */
  readonly namespace?: string;
  readonly names: ObjectNames;
  /** Values applied otherwise than written, for safety (checks.ts valuesWarnings): one `path: text` line each. */
  readonly warnings: readonly string[];
}

// Defined beside the names, so the CLI can show it without loading the model.
export { DEFAULT_RELEASE } from './names';

/**
 * Checks the values and plans the objects.
 * @throws ValuesError listing every problem
 */
export function planRender(values: InfrahubBackupValues | Values, context: RenderContext): RenderPlan {
  const resolved = resolveValues(values, context);
  return { values: resolved, release: context.release, namespace: context.namespace, names: objectNames(resolved, context.release), warnings: valuesWarnings(resolved) };
}
