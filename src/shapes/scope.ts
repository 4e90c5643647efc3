/**
 * The render scope a shape reads as `d`: the same JSON as the chart's
 * `infrahub-backup.scope` gives (`_helpers.tpl`), built from a render
 * plan. Only the labels differ by renderer: the chart's `common` labels say
 * Helm manages the objects, these say cdk8s does.
 */
import type { RenderPlan } from '../model/plan';
import type { ResolvedValues } from '../model/types';
import type { ObjectNames } from '../model/objects';
import { commonLabels, selectorLabels } from '../model/objects';

/** What every shape may read as `val(...)`. */
export interface RenderScope {
  /** The canonical values. */
  readonly v: ResolvedValues;
  /** The objects' names. */
  readonly names: ObjectNames;
  /** The selector labels (`app.kubernetes.io/name`, `app.kubernetes.io/instance`). */
  readonly selector: Readonly<Record<string, string>>;
  /** The labels of every object, but its component. */
  readonly common: Readonly<Record<string, string>>;
  readonly release: string;
  /** Undefined: the objects carry no namespace. */
  readonly namespace?: string;
}

const cache = new WeakMap<RenderPlan, RenderScope>();

/** The render scope of a plan (built once per plan). */
export function renderScope(plan: RenderPlan): RenderScope {
  let scope = cache.get(plan);
  if (!scope) {
    const { 'app.kubernetes.io/component': _component, ...common } = commonLabels(plan.values, plan.release, '');
    scope = {
      v: plan.values,
      names: plan.names,
      selector: selectorLabels(plan.values, plan.release),
      common,
      release: plan.release,
      namespace: plan.namespace,
    };
    cache.set(plan, scope);
  }
  return scope;
}
