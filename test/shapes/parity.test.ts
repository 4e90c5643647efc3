/**
 * The two renderers of a shape agree: every primitive, evaluated in
 * TypeScript (`evaluate`) and by Helm from the emitted define, gives the same
 * JSON, on the values where Go's truthiness and TypeScript's differ (0,
 * false, null, "", empty lists and maps) and on strings with `$`, `.`, `@`;
 * written inline in its caller and called through its own define (a shared
 * shape, `sharedShapes`) both.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as fc from 'fast-check';
import { parse } from 'yaml';
import { emitShapes, sharedShapes } from '../../src/helm/shapes-emitter';
import { evaluate } from '../../src/shapes/evaluate';
import {
  afterFirst,
  arg,
  call,
  concat,
  entry1,
  eq,
  fill,
  format,
  has,
  intString,
  longer,
  matches,
  join as joinList,
  kubeletEscape,
  lower,
  mapList,
  maybe,
  merge,
  not,
  omitEmpty,
  omitNull,
  only,
  or,
  orDefault,
  replace,
  sha256,
  shape,
  startsWith,
  truthy,
  and,
  val,
  trimSuffix,
  when,
} from '../../src/shapes/expr';
import { ensureHelm, helm, valuesYaml } from '../support/helm';

const inner = shape('probeInner', 'A called shape', ['x'], { got: arg('x'), scope: val('v.s') });

/** One shape that uses every primitive. */
const probe = shape('probe', 'Every primitive', ['any', 'other', 's', 'list', 'map', 'num'], {
  omitNull: omitNull(arg('any')),
  omitEmpty: omitEmpty(arg('any')),
  truthy: when(truthy(arg('any')), 'yes', 'no'),
  not: when(not(truthy(arg('any'))), 'yes', 'no'),
  andOr: when(or(and(truthy(arg('any')), truthy(arg('other'))), truthy(arg('s'))), 'yes', 'no'),
  eq: when(eq(arg('s'), 'a.b'), 'yes', 'no'),
  has: when(has(arg('list'), 'x'), 'yes', 'no'),
  matches: when(matches('^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', arg('s')), 'yes', 'no'),
  longer: when(longer(arg('s'), 3), 'yes', 'no'),
  startsWith: when(startsWith(arg('s'), format('%s', val('v.s'))), 'yes', 'no'),
  onlyWhen: only(truthy(arg('other')), arg('s')),
  default: orDefault(arg('any'), 'fallback'),
  concat: concat(arg('list'), maybe(truthy(arg('any')), 'maybe'), [arg('s')]),
  merge: merge({ first: 'wins' }, arg('map')),
  format: format('<%s|%s>', arg('s'), val('v.s')),
  intString: intString(arg('num')),
  escape: kubeletEscape(concat([arg('s')], arg('list'))),
  map: mapList(arg('list'), (item) => ({ item, upper: replace('.', '[.]', item) })),
  join: joinList('|', arg('list')),
  trimSuffix: trimSuffix('.b', arg('s')),
  afterFirst: afterFirst('.', arg('s')),
  lower: lower(arg('s')),
  sha: sha256(16, arg('s')),
  fill: fill('@A@-@B@-@A@', { A: arg('s'), B: val('v.s') }),
  entry: entry1(format('%s.json', arg('s')), 'v'),
  call: call(inner, { x: arg('map') }),
});

/**
 * The probe called twice, so that it is a shared shape (its own define,
 * called by include, its value through JSON); the second call leaves an
 * argument out, which the callee reads as null.
 */
const probeTwice = shape('probeTwice', 'The probe, called twice', ['any', 'other', 's', 'list', 'map', 'num'], {
  first: call(probe, { any: arg('any'), other: arg('other'), s: arg('s'), list: arg('list'), map: arg('map'), num: arg('num') }),
  second: call(probe, { any: arg('other'), s: arg('s'), list: arg('list'), map: arg('map'), num: arg('num') }),
});

const anyValue = fc.constantFrom<unknown>(null, 0, 1, false, true, '', 'x', '0', 'false', [], ['x'], {}, { k: 'v' }, { first: 'not' });
const text = fc.constantFrom('', 'a.b', 'A$(B)', '$$', '@A@', 'x', 'Ünï', 'a"b', '{{ x }}');
// Keys are not YAML 1.1 booleans (`n`, `y`): Helm would read them as false and true.
const probeCase = fc.record({
  any: anyValue,
  other: anyValue,
  s: text,
  list: fc.array(fc.constantFrom('x', 'y.z', 'a$b', ''), { maxLength: 3 }),
  map: fc.dictionary(fc.constantFrom('first', 'k', 'a.b'), fc.constantFrom('1', 'v', ''), { maxKeys: 3 }),
  num: fc.integer({ min: 0, max: 2 ** 31 }),
  scope: text,
});

jest.setTimeout(300_000);

beforeAll(() => ensureHelm());

test('evaluate and the emitted define agree on every primitive', async () => {
  const cases = fc.sample(probeCase, { numRuns: 120, seed: 1919 });
  const chart = mkdtempSync(join(tmpdir(), 'ibc-shapes-'));
  mkdirSync(join(chart, 'templates'));
  writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: probe\nversion: 0.0.0\n');
  expect([...sharedShapes([probeTwice])].map((s) => s.name)).toEqual(['probe']);
  writeFileSync(join(chart, 'templates', '_shapes.tpl'), emitShapes([probe, probeTwice]));
  writeFileSync(
    join(chart, 'templates', 'probe.yaml'),
    [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: probe',
      'data:',
      // As the chart's render scope, through toJson and fromJson (numbers become float64).
      '{{- range $i, $c := (dict "cases" .Values.cases | toJson | fromJson).cases }}',
      '  c{{ $i }}: {{ (include "infrahub-backup.shape.probe" (dict "d" (dict "v" (dict "s" $c.scope)) "a" $c) | fromJson).r | toJson | quote }}',
      '  t{{ $i }}: {{ (include "infrahub-backup.shape.probeTwice" (dict "d" (dict "v" (dict "s" $c.scope)) "a" $c) | fromJson).r | toJson | quote }}',
      '{{- end }}',
      '',
    ].join('\n'),
  );
  writeFileSync(join(chart, 'values.yaml'), valuesYaml({ cases }));
  const out = await helm('helm3', ['template', 'probe', chart]);
  expect(out.stderr).toBe('');
  const data = (parse(out.stdout) as { data: Record<string, string> }).data;
  const differ: string[] = [];
  cases.forEach((c, i) => {
    for (const [key, s] of [[`c${i}`, probe], [`t${i}`, probeTwice]] as const) {
      const go = JSON.parse(data[key]);
      const typescript = JSON.parse(JSON.stringify(evaluate(s, { v: { s: c.scope } }, c)));
      if (JSON.stringify(go) !== JSON.stringify(sortKeys(typescript))) differ.push(`${s.name} ${JSON.stringify(c)}\n  go: ${JSON.stringify(go)}\n  ts: ${JSON.stringify(sortKeys(typescript))}`);
    }
  });
  const drawn = (p: (c: (typeof cases)[number]) => boolean): number => cases.filter(p).length;
  console.log(
    `shape parity: ${cases.length} cases (${drawn((c) => c.any === null)} null, ${drawn((c) => c.any === 0 || c.any === false || c.any === '')} zero/false/"", ` +
      `${drawn((c) => Array.isArray(c.any) && c.any.length === 0)} empty list, ${drawn((c) => typeof c.any === 'object' && c.any !== null && !Array.isArray(c.any) && Object.keys(c.any).length === 0)} empty map, ` +
      `${drawn((c) => c.s.includes('$'))} with "$")`,
  );
  expect(differ).toEqual([]);
});

function sortKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortKeys);
  if (x && typeof x === 'object') return Object.fromEntries(Object.keys(x).sort().map((k) => [k, sortKeys((x as Record<string, unknown>)[k])]));
  return x;
}
