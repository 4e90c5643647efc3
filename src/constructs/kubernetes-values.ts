/**
 * Values written in TypeScript with the cdk8s Kubernetes types, turned into
 * the JSON that Kubernetes (and the values schema) reads: `k8s.Quantity` and
 * `k8s.IntOrString` become their value, and the few properties that cdk8s
 * spells differently (`scaleIo`, `downwardApi`, `volumeId`...) get their
 * Kubernetes names. Values already in Kubernetes JSON (a YAML file) come out
 * unchanged.
 */
import { VALUES_SPEC } from '../model/spec';
import { ObjectField } from '../model/spec-types';
import { K8S_PROPERTIES, PASS_THROUGH_TYPES } from '../imports/k8s';

type Lookup = ReadonlyMap<string, readonly [string, string | undefined]>;

const lookups = new Map<string, Lookup>();

/** A type's properties by both their TypeScript and their Kubernetes names. */
function lookupOf(type: string | undefined): Lookup | undefined {
  if (type === undefined || !K8S_PROPERTIES[type]) return undefined;
  let lookup = lookups.get(type);
  if (!lookup) {
    const map = new Map<string, readonly [string, string | undefined]>();
    for (const [ts, json, nested] of K8S_PROPERTIES[type]) {
      map.set(ts, [json, nested]);
      map.set(json, [json, nested]);
    }
    lookups.set(type, (lookup = map));
  }
  return lookup;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `k8s.Quantity` and `k8s.IntOrString` (class instances holding a `value`) as that value. */
function wrappedValue(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !isPlainObject(value)) {
    const inner = (value as { value?: unknown }).value;
    if (typeof inner === 'string' || typeof inner === 'number') return inner;
  }
  return value;
}

/** A Kubernetes object of a type (or a list of them), in Kubernetes JSON. */
export function kubernetesJson(type: string | undefined, value: unknown): unknown {
  const unwrapped = wrappedValue(value);
  if (Array.isArray(unwrapped)) return unwrapped.map((item) => kubernetesJson(type, item));
  if (!isPlainObject(unwrapped)) return unwrapped;
  const lookup = lookupOf(type);
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(unwrapped)) {
    const property = lookup?.get(key);
    const name = property?.[0] ?? key;
    // Both spellings given: the Kubernetes one wins, as in a YAML file.
    if (name !== key && Object.prototype.hasOwnProperty.call(unwrapped, name)) continue;
    out[name] = kubernetesJson(property?.[1], child);
  }
  return out;
}

function convertObject(values: Record<string, unknown>, spec: ObjectField, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const field = spec.fields[key];
    const path = prefix ? `${prefix}.${key}` : key;
    if (field?.type === 'object' && isPlainObject(value)) out[key] = convertObject(value, field, path);
    else if (field?.type === 'kubernetes') out[key] = kubernetesJson((PASS_THROUGH_TYPES as Record<string, string>)[path], value);
    else if (field?.type === 'stringMap' && isPlainObject(value)) out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wrappedValue(v)]));
    else out[key] = value;
  }
  return out;
}

/**
 * The values with their Kubernetes parts in Kubernetes JSON. Anything that is
 * not a map is returned as it is, for the values checks to report.
 */
export function valuesAsKubernetesJson<T>(values: T): T {
  return (isPlainObject(values) ? convertObject(values, VALUES_SPEC, '') : values) as T;
}
