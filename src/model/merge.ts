/**
 * Merging of values documents with Helm's semantics, so that the CLI, the
 * constructs and `helm template` see the same values.
 *
 * Keys are always own properties: `__proto__`, `constructor` and `prototype`
 * are ordinary keys, never an object's prototype or inherited members.
 */
import { ValuesError } from './errors';

export type Values = Record<string, unknown>;

/** Deepest nesting of maps and lists accepted in values (Helm's own values are a few levels deep). */
export const MAX_VALUES_DEPTH = 100;

export function isPlainObject(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `key` is an own key of `map` (not inherited, e.g. `constructor`). */
export function hasOwn(map: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(map, key);
}

/** Sets an own key, also when it is `__proto__`. */
export function setOwn(map: Values, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  else map[key] = value;
}

function tooDeep(): ValuesError {
  return new ValuesError([{ path: '', message: `values are nested deeper than ${MAX_VALUES_DEPTH} levels` }]);
}

/**
 * A deep copy of a values tree (maps, lists, scalars), made of this realm's
 * objects. Not `structuredClone`: under Jest (or any `vm` sandbox) it returns
 * objects of another realm, whose `constructor` is not `Object`; cdk8s then
 * takes them for number-or-string unions and keeps only their `value` key, so
 * `{name, value}` env vars and tolerations lose every other key.
 *
 * @throws ValuesError when the tree is nested deeper than MAX_VALUES_DEPTH
 */
export function cloneValues<T>(value: T, depth = 0): T {
  if (depth > MAX_VALUES_DEPTH) throw tooDeep();
  if (Array.isArray(value)) return value.map((item: unknown) => cloneValues(item, depth + 1)) as T;
  if (isPlainObject(value)) {
    const out: Values = {};
    for (const key of Object.keys(value)) setOwn(out, key, cloneValues(value[key], depth + 1));
    return out as T;
  }
  return value;
}

/**
 * Merges user documents in order (`-f a -f b`, then `--set`s): maps merge key
 * by key, anything else is replaced by the later document.
 */
export function mergeUserValues(base: Values, override: Values, depth = 0): Values {
  if (depth > MAX_VALUES_DEPTH) throw tooDeep();
  const out: Values = {};
  for (const key of Object.keys(base)) setOwn(out, key, base[key]);
  for (const key of Object.keys(override)) {
    const value = override[key];
    const current = hasOwn(out, key) ? out[key] : undefined;
    setOwn(out, key, isPlainObject(current) && isPlainObject(value) ? mergeUserValues(current, value, depth + 1) : value);
  }
  return out;
}

/**
 * Lays user values over the chart defaults as Helm does: maps merge, other
 * values replace, and a user `null` removes the key (and its default).
 */
export function coalesceWithDefaults(user: Values, defaults: Values, depth = 0): Values {
  if (depth > MAX_VALUES_DEPTH) throw tooDeep();
  const out: Values = {};
  for (const key of Object.keys(user)) {
    const value = user[key];
    if (value === null && hasOwn(defaults, key)) continue;
    setOwn(out, key, value);
  }
  for (const key of Object.keys(defaults)) {
    const def = defaults[key];
    if (hasOwn(user, key)) {
      const value = user[key];
      if (isPlainObject(value) && isPlainObject(def)) setOwn(out, key, coalesceWithDefaults(value, def, depth + 1));
    } else {
      setOwn(out, key, cloneValues(def));
    }
  }
  return out;
}

/** Reads a dotted path. */
export function getPath(values: Values, path: string): unknown {
  let node: unknown = values;
  for (const key of path.split('.')) {
    if (!isPlainObject(node) || !hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** Writes a dotted path, creating maps on the way. */
export function setPath(values: Values, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = values;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(hasOwn(node, key) ? node[key] : undefined)) setOwn(node, key, {});
    node = node[key] as Values;
  }
  setOwn(node, keys[keys.length - 1], value);
}
