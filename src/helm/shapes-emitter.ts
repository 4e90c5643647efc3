/**
 * Writes shapes (src/shapes) as Go template defines: each shape becomes
 * `infrahub-backup.shape.<name>`, called with `dict "d" SCOPE "a" ARGS` and
 * giving `{"r": VALUE}` as JSON (a wrapper, so that lists and scalars come
 * back through `fromJson` too). The statements build the value in variables,
 * so that an optional entry's value is read only when the entry is kept, as
 * `evaluate` does. A shape's calls of other shapes are written inline (the
 * arguments in variables): no include, so no JSON round trip at each call;
 * except the calls of a shared shape (`sharedShapes`: a large body called
 * from more than one place), which has its own define and is called with
 * `include`, so that Helm parses its body once and not once per caller.
 */
import { ALGORITHM_RESULTS, type Cond, type Expr, type Json, type Shape } from '../shapes/expr';
import type { CheckRow, WarningRow } from '../shapes/checks';
import type { Node as NotesNode, Part as NotesPart } from './notes';
import type { ObjectShape } from '../shapes/objects';

/** The define's name of a shape. */
export function shapeDefine(name: string): string {
  return `infrahub-backup.shape.${name}`;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function str(text: string): string {
  return JSON.stringify(text);
}

class Body {
  private readonly lines: string[] = [];
  private n = 0;
  /** The variables holding the arguments of the shape being written inline (none: the define's own `$.a`). */
  public args: ReadonlyMap<string, string> | undefined;

  /** @param shared the shapes called by include (their own define), not written inline */
  public constructor(public readonly shared: ReadonlySet<Shape> = new Set()) {}

  public fresh(): string {
    return `$x${++this.n}`;
  }

  public line(text: string): void {
    this.lines.push(text);
  }

  public text(): string {
    return this.lines.join('\n');
  }

  /** The statements written so far, taken out. */
  public take(): string[] {
    return this.lines.splice(0);
  }
}

function literal(value: Json): string {
  if (value === null) throw new Error('a null literal has no Go template operand; leave the entry out');
  if (typeof value === 'string') return str(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`not an integer literal: ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length ? `(list ${value.map(literal).join(' ')})` : '(list)';
  const entries = Object.entries(value as Record<string, Json>);
  return entries.length ? `(dict ${entries.map(([k, v]) => `${str(k)} ${literal(v)}`).join(' ')})` : '(dict)';
}

function ref(root: string, path: readonly string[], b: Body): string {
  if (root === 'a' && b.args) {
    const [name, ...rest] = path;
    // An argument the call does not pass reads as Go reads a missing key: nil.
    const base = b.args.get(name) ?? `(index (dict) ${str(name)})`;
    if (rest.length === 0) return base;
    if (base.startsWith('$') && rest.every((k) => IDENT.test(k))) return `${base}.${rest.join('.')}`;
    return `(index ${base} ${rest.map(str).join(' ')})`;
  }
  if (path.every((k) => IDENT.test(k))) return `$.${[root, ...path].join('.')}`;
  return `(index $ ${[root, ...path].map(str).join(' ')})`;
}

/** Whether an expression is an int64 in Go: a literal holding a number (a list of numbers too), or an algorithm's integer. */
function numberLiteral(e: Expr): boolean {
  const holds = (v: Json): boolean => typeof v === 'number' || (Array.isArray(v) && (v as readonly Json[]).some(holds));
  return (e.op === 'lit' && holds(e.value)) || (e.op === 'algorithm' && ALGORITHM_RESULTS[e.name] === 'int');
}

/**
 * Go's `eq` and sprig's `has` compare by type: a number of the render scope or
 * of a shared shape's result has come through JSON (float64), a literal or an
 * `int` algorithm is an int64, and `eq` of the two fails, `has` answers false.
 * TypeScript cannot tell them apart, so the chart build refuses the comparison
 * (compare `intString`s: strings on both sides).
 */
function refuseNumberLiteral(c: Cond, operands: readonly Expr[]): void {
  if (operands.some(numberLiteral)) throw new Error(`${c.op} with an integer literal or algorithm: Go compares an int64 with the float64 of a value read through JSON as unequal; compare intString(value) with a string`);
}

function cond(c: Cond, b: Body): string {
  switch (c.op) {
    case 'truthy':
      return operand(c.e, b);
    case 'present':
      return `(not (kindIs "invalid" ${operand(c.e, b)}))`;
    case 'eq':
      refuseNumberLiteral(c, [c.a, c.b]);
      return `(eq ${operand(c.a, b)} ${operand(c.b, b)})`;
    case 'and':
      return `(and ${c.cs.map((x) => cond(x, b)).join(' ')})`;
    case 'or':
      return `(or ${c.cs.map((x) => cond(x, b)).join(' ')})`;
    case 'not':
      return `(not ${cond(c.c, b)})`;
    case 'has':
      refuseNumberLiteral(c, [c.list, c.item]);
      return `(has ${operand(c.item, b)} ${operand(c.list, b)})`;
    case 'matches':
      return `(regexMatch ${str(c.pattern)} ${operand(c.e, b)})`;
    case 'longer':
      return `(gt (len ${operand(c.e, b)}) ${c.length})`;
    case 'startsWith':
      return `(hasPrefix ${operand(c.prefix, b)} ${operand(c.e, b)})`;
  }
}

/** The Go operand of an expression; statements it needs go to `b` first. */
function operand(e: Expr, b: Body): string {
  switch (e.op) {
    case 'lit':
      return literal(e.value);
    case 'ref':
      return ref(e.root, e.path, b);
    case 'obj': {
      const x = b.fresh();
      b.line(`{{- ${x} := dict }}`);
      for (const [k, v] of e.entries) {
        if (v.op === 'entry') {
          b.line(`{{- if ${cond(v.when, b)} }}`);
          b.line(`{{- $_ := set ${x} ${str(k)} ${operand(v.value, b)} }}`);
          b.line('{{- end }}');
        } else {
          b.line(`{{- $_ := set ${x} ${str(k)} ${operand(v, b)} }}`);
        }
      }
      return x;
    }
    case 'list':
      return e.items.length ? `(list ${e.items.map((i) => operand(i, b)).join(' ')})` : '(list)';
    case 'concat':
      return `(concat ${e.lists.map((l) => `(${operand(l, b)} | default (list))`).join(' ')})`;
    case 'merge':
      return `(merge (dict) ${e.objects.map((o) => operand(o, b)).join(' ')})`;
    case 'if': {
      const x = b.fresh();
      b.line(`{{- ${x} := "" }}`);
      b.line(`{{- if ${cond(e.cond, b)} }}`);
      b.line(`{{- ${x} = ${operand(e.then, b)} }}`);
      b.line('{{- else }}');
      b.line(`{{- ${x} = ${operand(e.else, b)} }}`);
      b.line('{{- end }}');
      return x;
    }
    case 'default':
      return `(${operand(e.value, b)} | default ${operand(e.fallback, b)})`;
    case 'printf':
      return `(printf ${str(e.format)} ${e.args.map((a) => operand(a, b)).join(' ')})`;
    case 'intString':
      return `(int64 ${operand(e.e, b)} | toString)`;
    case 'kubeletEscape': {
      const x = b.fresh();
      const items = operand(e.e, b);
      b.line(`{{- ${x} := list }}`);
      b.line(`{{- range ${items} }}{{- ${x} = append ${x} (replace "$" "$$" (toString .)) }}{{- end }}`);
      return x;
    }
    case 'algorithm': {
      const call = `include ${str(`infrahub-backup.${e.name}`)} ${e.arg ? operand(e.arg, b) : '$.d'}`;
      const result = ALGORITHM_RESULTS[e.name];
      return result === 'int' ? `(${call} | atoi)` : result === 'json' ? `(${call} | fromJsonArray)` : `(${call})`;
    }
    case 'var':
      return `$${e.name}`;
    case 'map': {
      const x = b.fresh();
      const items = operand(e.list, b);
      b.line(`{{- ${x} := list }}`);
      b.line(`{{- range $${e.item} := ${items} }}`);
      b.line(`{{- ${x} = append ${x} ${operand(e.body, b)} }}`);
      b.line('{{- end }}');
      return x;
    }
    case 'entry1':
      return `(dict ${operand(e.key, b)} ${operand(e.value, b)})`;
    case 'replace':
      return `(replace ${str(e.old)} ${str(e.new)} ${operand(e.e, b)})`;
    case 'trimSuffix':
      return `(trimSuffix ${str(e.suffix)} ${operand(e.e, b)})`;
    case 'afterFirst':
      return `(rest (splitList ${str(e.sep)} ${operand(e.e, b)}) | join ${str(e.sep)})`;
    case 'join':
      return `(join ${str(e.sep)} ${operand(e.list, b)})`;
    case 'lower':
      return `(lower ${operand(e.e, b)})`;
    case 'sha256':
      return `(${operand(e.e, b)} | sha256sum | trunc ${e.length})`;
    case 'fill': {
      const x = b.fresh();
      const vars = operand(e.vars, b);
      b.line(`{{- ${x} := ${operand(e.text, b)} }}`);
      b.line(`{{- range $k, $v := ${vars} }}{{- ${x} = replace (printf "@%s@" $k) (toString $v) ${x} }}{{- end }}`);
      return x;
    }
    case 'call': {
      // Written inline: the arguments in variables, then the callee's body reading them (no include,
      // so no JSON round trip of the arguments at each call). A shared shape's define is included
      // instead, with the same arguments, read the same way (each in a variable first).
      const args = new Map<string, string>();
      for (const [k, v] of e.args) {
        const x = b.fresh();
        b.line(`{{- ${x} := ${operand(v, b)} }}`);
        args.set(k, x);
      }
      if (b.shared.has(e.shape)) {
        const x = b.fresh();
        const pairs = [...args].map(([k, v]) => ` ${str(k)} ${v}`).join('');
        b.line(`{{- ${x} := (include ${str(shapeDefine(e.shape.name))} (dict "d" $.d "a" (dict${pairs})) | fromJson).r }}`);
        return x;
      }
      const outer = b.args;
      b.args = args;
      const value = operand(e.shape.body, b);
      b.args = outer;
      const x = b.fresh();
      b.line(`{{- ${x} := ${value} }}`);
      return x;
    }
  }
}

/** One shape as a define; the shapes of `shared` it calls are included, not written inline. */
export function emitShape(s: Shape, shared: ReadonlySet<Shape> = new Set()): string {
  const b = new Body(shared);
  const value = operand(s.body, b);
  b.line(`{{- dict "r" ${value} | toJson -}}`);
  return [`{{/* ${s.doc} (src/shapes). Arguments: ${s.params.length ? s.params.join(', ') : 'none'}. */}}`, `{{- define ${str(shapeDefine(s.name))} -}}`, b.text(), '{{- end }}'].join('\n');
}

/** The shapes an expression calls, once per call written in it (not through the callees' bodies). */
function callsOf(node: unknown, found: Shape[] = []): Shape[] {
  if (Array.isArray(node)) {
    for (const n of node) callsOf(n, found);
  } else if (typeof node === 'object' && node !== null && typeof (node as { op?: unknown }).op === 'string' && (node as Expr).op !== 'lit') {
    if ((node as Expr).op === 'call') found.push((node as Extract<Expr, { op: 'call' }>).shape);
    for (const [k, v] of Object.entries(node)) if (k !== 'shape') callsOf(v, found);
  }
  return found;
}

/** From this size in bytes of its define written wholly inline, a shape called from two places or more gets a define of its own (sharedShapes). */
export const SHARED_SHAPE_BYTES = 2048;

/**
 * The shapes that get their own define, called by include: those called from
 * two places or more (the calls written in the shapes given and in what they
 * call) whose body, written inline, is at least SHARED_SHAPE_BYTES. Written
 * inline, such a body is repeated in every caller, and Helm parses every copy
 * at every render (it parses each file of each chart copy, subcharts too): the
 * pod templates and containers of the backup, restore and maintenance
 * workloads made `_shapes.tpl` most of the chart's text.
 */
export function sharedShapes(roots: readonly Shape[]): Set<Shape> {
  const sites = new Map<Shape, number>();
  const seen = new Set<Shape>();
  const visit = (s: Shape): void => {
    if (seen.has(s)) return;
    seen.add(s);
    for (const callee of callsOf(s.body)) {
      sites.set(callee, (sites.get(callee) ?? 0) + 1);
      visit(callee);
    }
  };
  roots.forEach(visit);
  const shared = new Set<Shape>();
  for (const [s, n] of sites) {
    if (n >= 2 && emitShape(s).length >= SHARED_SHAPE_BYTES) shared.add(s);
  }
  return shared;
}

/**
 * The shapes given, as defines sorted by name, and a define for each shared
 * shape they call (sharedShapes); the other shapes they call are written inline.
 */
export function emitShapes(shapes: readonly Shape[]): string {
  const shared = sharedShapes(shapes);
  const byName = new Map<string, Shape>();
  for (const s of [...shapes, ...shared]) {
    const other = byName.get(s.name);
    if (other && other !== s) throw new Error(`two shapes named ${s.name}`);
    byName.set(s.name, s);
  }
  return [
    '{{/* Generated from the object shapes (src/shapes) by `npm run chart`. Do not edit. */}}',
    '',
    ...[...byName.keys()].sort().map((k) => `${emitShape(byName.get(k)!, shared)}\n`),
  ].join('\n');
}

/** An object's define: its YAML when its condition holds, else nothing. Called with `dict "d" SCOPE`. */
export function emitObjectDefine(id: string, o: ObjectShape): string {
  const b = new Body();
  const when = cond(o.when, b);
  b.line(`{{- if ${when} }}`);
  b.line(`{{- (include ${str(shapeDefine(o.shape.name))} (dict "d" $.d "a" (dict)) | fromJson).r | toYaml }}`);
  b.line('{{- end }}');
  return [`{{/* ${o.doc} (src/shapes/objects.ts ${id}). */}}`, `{{- define ${str(`infrahub-backup.object.${id}`)} -}}`, b.text(), '{{- end }}'].join('\n');
}

/** An object's template file. */
export function emitObjectFile(id: string, o: ObjectShape): string {
  return [
    // The deployment first: its errors name line 1, column 10, of each file, as the hand-written files did.
    '{{- $d := include "infrahub-backup.deployment" . | fromJson }}',
    `{{- /* ${o.doc}. Generated from src/shapes/objects.ts by \`npm run chart\`. */}}`,
    `{{- include ${str(`infrahub-backup.object.${id}`)} (dict "d" $d) }}`,
    '',
  ].join('\n');
}

/**
 * The render scope every object file and NOTES.txt start from, derived once a
 * render: the hand-written `infrahub-backup.scope` (resolved values, checks,
 * names) is most of a render's work, and Helm gives the templates of one chart
 * one root context, so the first file keeps the JSON there and the others read
 * it (each parses its own copy). Half the CPU of `helm template`, the same output.
 */
export const DEPLOYMENT_DEFINE = [
  '{{/* The render scope as JSON, derived once a render (infrahub-backup.scope) and kept in the root context. */}}',
  '{{- define "infrahub-backup.deployment" -}}',
  '{{- if not (hasKey . "infrahubBackupScope") }}{{- $_ := set . "infrahubBackupScope" (include "infrahub-backup.scope" .) }}{{- end }}',
  '{{- get . "infrahubBackupScope" -}}',
  '{{- end }}',
].join('\n');

/** The chart's generated shapes: every object's shape and define, and the shapes the hand-written templates call. */
export function emitChartShapes(objects: Readonly<Record<string, ObjectShape>>, others: readonly Shape[] = []): string {
  const ids = Object.keys(objects).sort();
  return `${DEPLOYMENT_DEFINE}\n\n${emitShapes([...ids.map((id) => objects[id].shape), ...others])}\n${ids.map((id) => `${emitObjectDefine(id, objects[id])}\n`).join('\n')}`;
}

/** A problem's line as a Go operand: `path: text`, `%s` filled by the arguments. */
function problemLine(text: string, args: readonly string[]): string {
  return args.length ? `(printf ${str(text)} ${args.join(' ')})` : str(text);
}

/**
 * The cross-field checks (src/shapes/checks.ts) in the chart's order, as the
 * define `infrahub-backup.crossFieldProblems`, called with `dict "d" SCOPE`
 * (`v`, `release`, `namespace`, `c`, `p`) and giving the problem lines as a
 * JSON list; and the warnings as `infrahub-backup.warnings` (`dict "d" SCOPE`).
 */
export function emitChecks(rows: readonly CheckRow[], order: readonly string[], warnings: readonly WarningRow[], texts: Readonly<Record<string, { path: string; text: string }>>, warningTexts: Readonly<Record<string, { path: string; text: string }>>): string {
  const byName = new Map(rows.map((r) => [r.name, r] as const));
  if (byName.size !== rows.length || order.length !== rows.length || order.some((n) => !byName.has(n))) {
    throw new Error(`CHART_ORDER must name every row of CHECKS once: ${[...byName.keys()].filter((n) => !order.includes(n)).join(', ') || 'duplicates'}`);
  }
  const b = new Body();
  b.line('{{- $problems := list }}');
  for (const name of order) {
    const r = byName.get(name)!;
    const when = cond(r.when, b);
    let line: string;
    if ('id' in r) {
      const p = texts[r.id];
      line = problemLine(p.path ? `${p.path}: ${p.text}` : p.text, (r.args ?? []).map((a) => operand(a, b)));
    } else {
      line = `(printf "%s: %s" ${str(r.path)} ${operand(r.text, b)})`;
    }
    b.line(`{{- if ${when} }}{{- $problems = append $problems ${line} }}{{- end }}`);
  }
  b.line('{{- $problems | toJson -}}');
  const w = new Body();
  w.line('{{- $out := list }}');
  for (const r of warnings) {
    const t = warningTexts[r.id];
    w.line(`{{- if ${cond(r.when, w)} }}{{- $out = append $out ${problemLine(`${t.path}: ${t.text}`, [operand(r.value, w)])} }}{{- end }}`);
  }
  w.line('{{- $out | toJson -}}');
  return [
    '{{/* The cross-field problems (src/shapes/checks.ts, in CHART_ORDER), as a JSON list of lines: dict "d" (dict "v" VALUES "release" R "namespace" N "c" CONSTANTS "p" TEXTS). */}}',
    '{{- define "infrahub-backup.crossFieldProblems" -}}',
    b.text(),
    '{{- end }}',
    '',
    '{{/* The warnings of the values (src/shapes/checks.ts WARNING_ROWS), as a JSON list of lines: dict "d" DEPLOYMENT. */}}',
    '{{- define "infrahub-backup.warnings" -}}',
    w.text(),
    '{{- end }}',
    '',
  ].join('\n');
}

/**
 * NOTES.txt's description (src/helm/notes.ts) as the define
 * `infrahub-backup.notes`, called with `dict "d" DEPLOYMENT`: each line a
 * newline and its text, each condition a trimmed `if`.
 */
export function emitNotes(nodes: readonly NotesNode[]): string {
  const b = new Body();
  const parts = (ps: readonly NotesPart[]): string =>
    ps
      .map((p) => {
        if (typeof p === 'string') {
          if (p.includes('{{')) throw new Error(`notes text must not hold "{{": ${p}`);
          return p;
        }
        if ('if' in p) return `{{ if ${cond(p.if, b)} }}${parts(p.then)}{{ end }}`;
        return `{{ ${operand(p, b)} }}`;
      })
      .join('');
  const out: string[] = [];
  // Statements an operand needs go before its line (each is trimmed, so prints nothing).
  const flush = (text: string): void => {
    out.push(...b.take(), text);
  };
  const walk = (ns: readonly NotesNode[]): void => {
    for (const n of ns) {
      if ('line' in n) flush(parts(n.line));
      else if ('eachWarning' in n) {
        flush('{{- range $warning := (include "infrahub-backup.warnings" $ | fromJsonArray) }}');
        flush(parts(n.eachWarning));
        flush('{{- end }}');
      } else {
        flush(`{{- if ${cond(n.if, b)} }}`);
        walk(n.then);
        if (n.else) {
          flush('{{- else }}');
          walk(n.else);
        }
        flush('{{- end }}');
      }
    }
  };
  walk(nodes);
  return [
    '{{/* The text Helm prints after an install (src/helm/notes.ts): dict "d" DEPLOYMENT. */}}',
    '{{- define "infrahub-backup.notes" -}}',
    ...out,
    '{{- end }}',
    '',
  ].join('\n');
}

/** NOTES.txt: the deployment first (its errors name line 1, column 10, as every template's), then the notes. */
export const NOTES_FILE = '{{- $d := include "infrahub-backup.deployment" . | fromJson }}\n{{- include "infrahub-backup.notes" (dict "d" $d) }}\n';
