/**
 * The types of the resolved values and of where they are rendered: what the
 * checks, the plan and the constructs read (resolve.ts makes them).
 */
import type { PASS_THROUGH_TYPES } from '../imports/k8s';
import type { InfrahubBackupValues } from './values.generated';

/**
 * Every field present; what the constructs read. The Kubernetes objects passed
 * through (affinity, security contexts) stay as the user wrote them.
 */
export type Complete<T> = {
  readonly [K in keyof T]-?: K extends keyof typeof PASS_THROUGH_TYPES ? NonNullable<T[K]> : CompleteValue<NonNullable<T[K]>>;
};
type CompleteValue<V> = V extends readonly unknown[]
  ? V
  : V extends string | number | boolean
    ? V
    : V extends object
      ? string extends keyof V
        ? V
        : Complete<V>
      : V;

/** The canonical values: aliases folded in, every key present. */
export type ResolvedValues = Complete<Omit<InfrahubBackupValues, 'global' | 'enabled'>>;

/** Where the values are rendered. */
export interface RenderContext {
  /** Helm release name. */
  readonly release: string;
  /**
   * Namespace of the objects; undefined leaves it to whoever applies them
   * (`kubectl apply -n`, Argo CD's destination), as a cdk8s chart without a
   * namespace does.
   */
  readonly namespace?: string;
}
