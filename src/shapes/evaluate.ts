/**
 * Shapes evaluated in TypeScript, as the chart's generated defines evaluate
 * them in Go templates.
 */
import type { AlgorithmName, Cond, Expr, Json, Shape } from './expr';
import { createHash } from 'crypto';
import { fillAlertText } from '../model/alerts';
import { encryptsArchives, keylessEncryption } from '../model/encryption';
import { backupMaxAge, durationSeconds, maxAgeUnderivable } from '../model/max-age';
import { problem } from '../model/messages';
import { re2Subset } from '../model/re2';
import { scheduleProblemId } from '../model/schedule';
import { VALUES_SPEC } from '../model/spec';
import { fieldAt, type StringField } from '../model/spec-types';
import type { ResolvedValues } from '../model/types';
import { endpointPort } from './network-policy';

type Arg = Readonly<Record<string, unknown>>;

/** The algorithms shapes read, in TypeScript (the chart has its own helpers). */
const ALGORITHMS: Record<AlgorithmName, (d: { readonly v: ResolvedValues }, arg: unknown) => unknown> = {
  backupMaxAge: (d) => backupMaxAge(d.v),
  durationSeconds: (_d, duration) => String(durationSeconds(String(duration))),
  endpointPort: (_d, endpoint) => endpointPort(String(endpoint)),
  // Loaded when a Role is shaped: the rules are what cdk8s-plus synthesizes.
  // The argument: the scale guard's marker name, empty without the guard.
  roleRules: (_d, marker) => (require('../constructs/role') as typeof import('../constructs/role')).backupRoleRules(typeof marker === 'string' && marker !== '' ? marker : undefined),
  scheduleProblem: (_d, a) => {
    const found = scheduleProblemId(String((a as Arg).s));
    return found ? problem(found[0], found[1]).message : '';
  },
  encryptsArchives: (d) => encryptsArchives(d.v),
  keylessEncryption: (d, a) => {
    const keyless = keylessEncryption(d.v);
    return keyless && keyless.where === (a as Arg).where ? keyless.spelling : '';
  },
  maxAgeUnderivable: (d) => maxAgeUnderivable(d.v),
  re2Subset: (_d, a) => re2Subset(String((a as Arg).re)),
  // The zone list (tzdata) is read only when a zone is set.
  timeZones: () => (fieldAt(VALUES_SPEC, 'cronJob.timeZone') as StringField).knownValues ?? [],
};

/** What a shape reads: the render scope `d` and the call's arguments `a`. */
export interface ShapeScope {
  readonly d: unknown;
  readonly a: Readonly<Record<string, unknown>>;
  /** The items of the lists being mapped, by name. */
  readonly vars?: Readonly<Record<string, unknown>>;
}

/** Go template truthiness: false, 0, null, "", an empty list and an empty map are false. */
export function goTruthy(x: unknown): boolean {
  if (x === null || x === undefined || x === false || x === 0 || x === '') return false;
  if (Array.isArray(x)) return x.length > 0;
  if (typeof x === 'object') return Object.keys(x).length > 0;
  return true;
}

function at(root: unknown, path: readonly string[]): unknown {
  let x = root;
  for (const k of path) {
    if (x === null || x === undefined || typeof x !== 'object') return undefined;
    x = (x as Record<string, unknown>)[k];
  }
  return x;
}

function test(c: Cond, s: ShapeScope): boolean {
  switch (c.op) {
    case 'truthy':
      return goTruthy(run(c.e, s));
    case 'present':
      return run(c.e, s) != null;
    case 'eq':
      return run(c.a, s) === run(c.b, s);
    case 'and':
      return c.cs.every((x) => test(x, s));
    case 'or':
      return c.cs.some((x) => test(x, s));
    case 'not':
      return !test(c.c, s);
    case 'has':
      return list(run(c.list, s)).includes(run(c.item, s));
    case 'matches':
      return new RegExp(c.pattern).test(String(run(c.e, s)));
    case 'longer':
      return Buffer.byteLength(String(run(c.e, s))) > c.length; // Go's len counts bytes
    case 'startsWith':
      return String(run(c.e, s)).startsWith(String(run(c.prefix, s)));
  }
}

function list(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}

function run(e: Expr, s: ShapeScope): unknown {
  switch (e.op) {
    case 'lit':
      return e.value;
    case 'ref':
      return at(e.root === 'd' ? s.d : s.a, e.path);
    case 'obj': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of e.entries) {
        if (v.op === 'entry') {
          if (test(v.when, s)) out[k] = run(v.value, s);
        } else {
          out[k] = run(v, s);
        }
      }
      return out;
    }
    case 'list':
      return e.items.map((x) => run(x, s));
    case 'concat':
      return e.lists.flatMap((x) => list(run(x, s)));
    case 'merge': {
      const out: Record<string, unknown> = {};
      for (const o of e.objects) {
        const x = run(o, s);
        if (x && typeof x === 'object') for (const [k, v] of Object.entries(x as Record<string, unknown>)) if (!(k in out)) out[k] = v;
      }
      return out;
    }
    case 'if':
      return test(e.cond, s) ? run(e.then, s) : run(e.else, s);
    case 'default': {
      const x = run(e.value, s);
      return goTruthy(x) ? x : run(e.fallback, s);
    }
    case 'printf': {
      const args = e.args.map((x) => run(x, s));
      let i = 0;
      return e.format.replace(/%s/g, () => String(args[i++]));
    }
    case 'intString':
      return String(run(e.e, s));
    case 'kubeletEscape':
      return list(run(e.e, s)).map((x) => String(x).replace(/\$/g, '$$$$'));
    case 'algorithm':
      return ALGORITHMS[e.name](s.d as { readonly v: ResolvedValues }, e.arg && run(e.arg, s));
    case 'var':
      return s.vars?.[e.name];
    case 'map':
      return list(run(e.list, s)).map((item) => run(e.body, { ...s, vars: { ...s.vars, [e.item]: item } }));
    case 'entry1':
      return { [String(run(e.key, s))]: run(e.value, s) };
    case 'replace':
      return String(run(e.e, s)).split(e.old).join(e.new);
    case 'trimSuffix': {
      const text = String(run(e.e, s));
      return e.suffix && text.endsWith(e.suffix) ? text.slice(0, -e.suffix.length) : text;
    }
    case 'afterFirst':
      return String(run(e.e, s)).split(e.sep).slice(1).join(e.sep);
    case 'join':
      return list(run(e.list, s)).join(e.sep);
    case 'lower':
      return String(run(e.e, s)).toLowerCase();
    case 'sha256':
      return createHash('sha256').update(String(run(e.e, s))).digest('hex').slice(0, e.length);
    case 'fill': {
      const vars = run(e.vars, s) as Record<string, unknown>;
      return fillAlertText(String(run(e.text, s)), Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, String(v)])));
    }
    case 'call':
      return run(e.shape.body, { d: s.d, a: Object.fromEntries(e.args.map(([k, v]) => [k, run(v, s)])) });
  }
}

/** Whether a condition holds for a render scope. */
export function holds(c: Cond, d: unknown): boolean {
  return test(c, { d, a: {} });
}

/** The value of an expression for a scope (no arguments). */
export function valueOf(e: Expr, d: unknown): unknown {
  return run(e, { d, a: {} });
}

/** The value of a shape for a render scope and arguments; `T` is what the caller knows it to be (a construct's props). */
export function evaluate<T = unknown>(shape: Shape, d: unknown, args: Readonly<Record<string, unknown>> = {}): T {
  return run(shape.body, { d, a: args }) as T;
}

export type { Json };
