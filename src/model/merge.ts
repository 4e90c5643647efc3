/**
 * Merging of values documents with Helm's semantics, so that the CLI, the
 * constructs and `helm template` see the same values.
 */

export type Values = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A deep copy of a values tree (maps, lists, scalars), made of this realm's
 * objects. Not `structuredClone`: under Jest (or any `vm` sandbox) it returns
 * objects of another realm, whose `constructor` is not `Object`; cdk8s then
 * takes them for number-or-string unions and keeps only their `value` key, so
 * `{name, value}` env vars and tolerations lose every other key.
 */
export function cloneValues<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => cloneValues(item)) as T;
  if (isPlainObject(value)) {
    const out: Values = {};
    for (const [key, item] of Object.entries(value)) out[key] = cloneValues(item);
    return out as T;
  }
  return value;
}

/**
 * Merges user documents in order (`-f a -f b`, then `--set`s): maps merge key
 * by key, anything else is replaced by the later document.
 */
export function mergeUserValues(base: Values, override: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? mergeUserValues(current, value) : value;
  }
  return out;
}

/**
 * Lays user values over the chart defaults as Helm does: maps merge, other
 * values replace, and a user `null` removes the key (and its default).
 */
export function coalesceWithDefaults(user: Values, defaults: Values): Values {
  const out: Values = {};
  for (const [key, value] of Object.entries(user)) {
    if (value === null && key in defaults) continue;
    out[key] = value;
  }
  for (const [key, def] of Object.entries(defaults)) {
    if (key in user) {
      const value = user[key];
      if (isPlainObject(value) && isPlainObject(def)) out[key] = coalesceWithDefaults(value, def);
    } else {
      out[key] = cloneValues(def);
    }
  }
  return out;
}

/** Reads a dotted path. */
export function getPath(values: Values, path: string): unknown {
  let node: unknown = values;
  for (const key of path.split('.')) {
    if (!isPlainObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** Writes a dotted path, creating maps on the way. */
export function setPath(values: Values, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = values;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Values;
  }
  node[keys[keys.length - 1]] = value;
}
