/**
 * Shapes evaluated in TypeScript, as the chart's generated defines evaluate
 * them in Go templates.
 */
import type { AlgorithmName, Cond, Expr, Json, Shape } from './expr';
import type { RenderScope } from './scope';
import { backupMaxAge } from '../model/max-age';

/** The algorithms shapes read, in TypeScript (the chart has its own). */
const ALGORITHMS: Record<AlgorithmName, (d: RenderScope) => unknown> = {
  backupMaxAge: (d) => backupMaxAge(d.v),
};

/** What a shape reads: the render scope `d` and the call's arguments `a`. */
export interface ShapeScope {
  readonly d: unknown;
  readonly a: Readonly<Record<string, unknown>>;
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
  }
}

function list(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}

function run(e: Expr, s: ShapeScope): any {
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
        if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) if (!(k in out)) out[k] = v;
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
      return ALGORITHMS[e.name](s.d as RenderScope);
    case 'call':
      return evaluate(e.shape, s.d, Object.fromEntries(e.args.map(([k, v]) => [k, run(v, s)])));
  }
}

/** Whether a condition holds for a render scope. */
export function holds(c: Cond, d: unknown): boolean {
  return test(c, { d, a: {} });
}

/** The value of a shape for a render scope and arguments. */
export function evaluate<T = any>(shape: Shape, d: unknown, args: Readonly<Record<string, unknown>> = {}): T {
  return run(shape.body, { d, a: args }) as T;
}

export type { Json };
