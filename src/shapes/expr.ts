/**
 * Object shapes, described once: a small expression tree that the constructs
 * evaluate in TypeScript (`evaluate.ts`) and the chart build writes as Go
 * template `define`s (`src/helm/shapes-emitter.ts`).
 *
 * A shape reads its scope: `d`, the render scope (`scope.ts`: the values `v`,
 * the object `names`, the `selector` and `common` labels, the `release` and
 * `namespace`; the chart's `infrahub-backup.deployment` gives the same JSON),
 * and `a`, the arguments of its call. Go's truthiness is explicit: `truthy`
 * is false for `false`, `0`, null, `""`, an empty list and an empty map, as a
 * Go template's `if` reads a value; `present` is false for null only
 * (`kindIs "invalid"`).
 */

/** A JSON value. */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

/** A condition, with Go's truthiness. */
export type Cond =
  | { readonly op: 'truthy'; readonly e: Expr }
  | { readonly op: 'present'; readonly e: Expr }
  | { readonly op: 'eq'; readonly a: Expr; readonly b: Expr }
  | { readonly op: 'and'; readonly cs: readonly Cond[] }
  | { readonly op: 'or'; readonly cs: readonly Cond[] }
  | { readonly op: 'not'; readonly c: Cond }
  | { readonly op: 'has'; readonly list: Expr; readonly item: Expr }
  | { readonly op: 'matches'; readonly pattern: string; readonly e: Expr }
  | { readonly op: 'longer'; readonly e: Expr; readonly length: number }
  | { readonly op: 'startsWith'; readonly e: Expr; readonly prefix: Expr };

/** An entry of an object, left out unless `when` holds. */
export interface Entry {
  readonly op: 'entry';
  readonly value: Expr;
  readonly when: Cond;
}

/** An expression: evaluates to a JSON value. */
export type Expr =
  | { readonly op: 'lit'; readonly value: Json }
  | { readonly op: 'ref'; readonly root: 'd' | 'a'; readonly path: readonly string[] }
  | { readonly op: 'obj'; readonly entries: ReadonlyArray<readonly [string, Expr | Entry]> }
  | { readonly op: 'list'; readonly items: readonly Expr[] }
  | { readonly op: 'concat'; readonly lists: readonly Expr[] }
  | { readonly op: 'merge'; readonly objects: readonly Expr[] }
  | { readonly op: 'if'; readonly cond: Cond; readonly then: Expr; readonly else: Expr }
  | { readonly op: 'default'; readonly value: Expr; readonly fallback: Expr }
  | { readonly op: 'printf'; readonly format: string; readonly args: readonly Expr[] }
  | { readonly op: 'intString'; readonly e: Expr }
  | { readonly op: 'kubeletEscape'; readonly e: Expr }
  | { readonly op: 'algorithm'; readonly name: AlgorithmName; readonly arg?: Expr }
  | { readonly op: 'var'; readonly name: string }
  | { readonly op: 'map'; readonly list: Expr; readonly item: string; readonly body: Expr }
  | { readonly op: 'entry1'; readonly key: Expr; readonly value: Expr }
  | { readonly op: 'replace'; readonly old: string; readonly new: string; readonly e: Expr }
  | { readonly op: 'join'; readonly sep: string; readonly list: Expr }
  | { readonly op: 'trimSuffix'; readonly suffix: string; readonly e: Expr }
  | { readonly op: 'afterFirst'; readonly sep: string; readonly e: Expr }
  | { readonly op: 'lower'; readonly e: Expr }
  | { readonly op: 'sha256'; readonly length: number; readonly e: Expr }
  | { readonly op: 'fill'; readonly text: Expr; readonly vars: Expr }
  | { readonly op: 'call'; readonly shape: Shape; readonly args: ReadonlyArray<readonly [string, Expr]> };

/**
 * Algorithms written in each language, that a shape reads as a value: in
 * TypeScript `ALGORITHMS` (evaluate.ts), in the chart the hand-written
 * helper `infrahub-backup.<name>` called with the render scope.
 */
export type AlgorithmName = keyof typeof ALGORITHM_RESULTS;

/**
 * The algorithms, with what their chart helper gives: a string, an integer
 * written in decimal, or JSON. `backupMaxAge` reads the render scope; the
 * others read their argument.
 */
export const ALGORITHM_RESULTS = {
  /** monitoring.backupMaxAge, or the one derived from the backup schedule (max-age.ts). */
  backupMaxAge: 'string',
  /** The seconds of a duration such as `1h30m`, in decimal (max-age.ts durationSeconds). */
  durationSeconds: 'string',
  /** The port of an S3 endpoint URL (network-policy.ts endpointPort). */
  endpointPort: 'int',
  /** The Role's rules, as the cdk8s-plus Role synthesizes them (role.ts), for the scale guard's marker name (empty: no guard rights). */
  roleRules: 'json',
  /** The problem of a schedule, or empty (schedule.ts scheduleProblemId): arg `{s, c, p}` (`c`, `p`: the chart's constants and texts). */
  scheduleProblem: 'string',
  /** Whether the archives are encrypted (encryption.ts encryptsArchives), `"true"` or empty: reads the scope. */
  encryptsArchives: 'string',
  /** The spelling that turns keyless encryption on when it is turned on `where` (`args`, `env`), else empty (encryption.ts keylessEncryption): arg `{where, v, c}`. */
  keylessEncryption: 'string',
  /** Whether no close bound of the backup's gap exists (max-age.ts maxAgeUnderivable), `"true"` or empty: arg `{c, schedule, zone}`. */
  maxAgeUnderivable: 'string',
  /** Whether a pattern is in the RE2 subset the alerts accept (re2.ts re2Subset), `"true"` or empty: arg `{re, c}`. */
  re2Subset: 'string',
  /** The time zone names Kubernetes knows (spec.ts `cronJob.timeZone`). */
  timeZones: 'json',
} as const;

/** A named shape: its parameters and its body. */
export interface Shape {
  /** The name: `infrahub-backup.shape.<name>` in the chart. */
  readonly name: string;
  /** What the shape renders (the chart's define carries it as its comment). */
  readonly doc: string;
  /** The arguments it reads as `arg(...)`. */
  readonly params: readonly string[];
  readonly body: Expr;
}

/** What a shape's object literal may hold: expressions, entries, nested plain objects and JSON literals. */
export type Template = Expr | Entry | string | number | boolean | null | readonly Template[] | { readonly [key: string]: Template };

function isNode(t: unknown): t is Expr | Entry {
  return typeof t === 'object' && t !== null && !Array.isArray(t) && typeof (t as { op?: unknown }).op === 'string';
}

/** An expression from a template: plain objects become `obj`, arrays `list`, scalars `lit`. */
export function expr(t: Template): Expr {
  if (isNode(t)) {
    if (t.op === 'entry') throw new Error('an optional entry belongs in an object');
    return t;
  }
  if (Array.isArray(t)) return { op: 'list', items: t.map(expr) };
  if (t !== null && typeof t === 'object') {
    return { op: 'obj', entries: Object.entries(t).map(([k, v]) => [k, isNode(v) && v.op === 'entry' ? v : expr(v)] as const) };
  }
  return { op: 'lit', value: t as Json };
}

/** A JSON literal (kept whole, never read as a template). */
export const lit = (value: Json): Expr => ({ op: 'lit', value });
/** A path in the render scope: `v.cronJob.suspend`, `names.backupJob`, `common`. */
export const val = (path: string): Expr => ({ op: 'ref', root: 'd', path: path.split('.') });
/** A path in the render scope, by keys (for keys with dots). */
export const valAt = (...path: string[]): Expr => ({ op: 'ref', root: 'd', path });
/** An argument of the shape's call (a dotted path reads into it). */
export const arg = (path: string): Expr => ({ op: 'ref', root: 'a', path: path.split('.') });
/** An entry left out when its value is null (`kindIs "invalid"`). */
export const omitNull = (value: Template): Entry => ({ op: 'entry', value: expr(value), when: present(value) });
/** An entry left out when its value is empty as Go reads it (`""`, `0`, `false`, null, empty list or map). */
export const omitEmpty = (value: Template): Entry => ({ op: 'entry', value: expr(value), when: truthy(value) });
/** An entry present only when `when` holds. */
export const only = (when: Cond, value: Template): Entry => ({ op: 'entry', value: expr(value), when });
/** Go's truthiness of a value. */
export const truthy = (e: Template): Cond => ({ op: 'truthy', e: expr(e) });
/** Not null. */
export const present = (e: Template): Cond => ({ op: 'present', e: expr(e) });
/** Equal (strings, numbers, booleans). */
export const eq = (a: Template, b: Template): Cond => ({ op: 'eq', a: expr(a), b: expr(b) });
export const and = (...cs: Cond[]): Cond => ({ op: 'and', cs });
export const or = (...cs: Cond[]): Cond => ({ op: 'or', cs });
export const not = (c: Cond): Cond => ({ op: 'not', c });
/** `then` when the condition holds, else `otherwise`. */
export const when = (cond: Cond, then: Template, otherwise: Template): Expr => ({ op: 'if', cond, then: expr(then), else: expr(otherwise) });
/** Go's `default`: `fallback` when the value is empty as Go reads it. */
export const orDefault = (value: Template, fallback: Template): Expr => ({ op: 'default', value: expr(value), fallback: expr(fallback) });
/** Lists joined. */
export const concat = (...lists: Template[]): Expr => ({ op: 'concat', lists: lists.map(expr) });
/** Maps merged; the first that has a key gives its value (sprig's `merge`). */
export const merge = (...objects: Template[]): Expr => ({ op: 'merge', objects: objects.map(expr) });
/** A string made with `%s` placeholders only. */
export const format = (f: string, ...args: Template[]): Expr => ({ op: 'printf', format: f, args: args.map(expr) });
/** An integer written in decimal. */
export const intString = (e: Template): Expr => ({ op: 'intString', e: expr(e) });
/** Container arguments as the kubelet passes them on unchanged: every `$` doubled. */
export const kubeletEscape = (e: Template): Expr => ({ op: 'kubeletEscape', e: expr(e) });
/** A list of the items when the condition holds, else an empty list. */
export const maybe = (cond: Cond, ...items: Template[]): Expr => when(cond, items, []);
/** The value of a hand-written algorithm of the render scope. */
export const algorithm = (name: AlgorithmName, argument?: Template): Expr => ({ op: 'algorithm', name, ...(argument === undefined ? {} : { arg: expr(argument) }) });
/** Whether a string matches a regular expression (written for both RE2 and JavaScript). */
export const matches = (pattern: string, e: Template): Cond => ({ op: 'matches', pattern, e: expr(e) });
/** Whether a string is longer than `length` bytes (Go's `len`). */
export const longer = (e: Template, length: number): Cond => ({ op: 'longer', e: expr(e), length });
/** Whether a string starts with a computed prefix (Go's `hasPrefix`). */
export const startsWith = (e: Template, prefix: Template): Cond => ({ op: 'startsWith', e: expr(e), prefix: expr(prefix) });
/** Whether a list holds an item. */
export const has = (list: Template, item: Template): Cond => ({ op: 'has', list: expr(list), item: expr(item) });
let mapCounter = 0;
/** Each item of a list, made into `body(item)`. */
export const mapList = (list: Template, body: (item: Expr) => Template): Expr => {
  const name = `item${++mapCounter}`;
  return { op: 'map', list: expr(list), item: name, body: expr(body({ op: 'var', name })) };
};
/** A map of one entry whose key is computed. */
export const entry1 = (key: Template, value: Template): Expr => ({ op: 'entry1', key: expr(key), value: expr(value) });
/** Every `old` of a string replaced by `new`. */
export const replace = (old: string, by: string, e: Template): Expr => ({ op: 'replace', old, new: by, e: expr(e) });
/** A string without one trailing `suffix`, when it ends with it. */
export const trimSuffix = (suffix: string, e: Template): Expr => ({ op: 'trimSuffix', suffix, e: expr(e) });
/** What follows the first `sep` of a string, empty when it has none (`rest (splitList sep x) | join sep`). */
export const afterFirst = (sep: string, e: Template): Expr => ({ op: 'afterFirst', sep, e: expr(e) });
/** Strings of a list joined by `sep`. */
export const join = (sep: string, list: Template): Expr => ({ op: 'join', sep, list: expr(list) });
/** A string in lower case. */
export const lower = (e: Template): Expr => ({ op: 'lower', e: expr(e) });
/** The first `length` hex digits of a string's SHA-256. */
export const sha256 = (length: number, e: Template): Expr => ({ op: 'sha256', length, e: expr(e) });
/** A text with every `@KEY@` replaced by the value of KEY in `vars`, keys in sorted order (alerts.ts fillAlertText). */
export const fill = (text: Template, vars: Template): Expr => ({ op: 'fill', text: expr(text), vars: expr(vars) });
/** Another shape, with arguments. */
export const call = (shape: Shape, args: Record<string, Template> = {}): Expr => {
  for (const k of Object.keys(args)) if (!shape.params.includes(k)) throw new Error(`shape ${shape.name} has no parameter ${k}`);
  return { op: 'call', shape, args: Object.entries(args).map(([k, v]) => [k, expr(v)] as const) };
};

/** A named shape. */
export function shape(name: string, doc: string, params: readonly string[], body: Template): Shape {
  return { name, doc, params, body: expr(body) };
}
