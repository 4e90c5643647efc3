/**
 * Values input is bounded and linear: large but legitimate documents are
 * read, oversized, overly deep or exploding ones are refused with one line,
 * and nothing overflows the stack. Times are printed by
 * `npm run bench:values`, not asserted here.
 */
import { execFileSync, spawnSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';
import { EXIT_INVALID, runCli } from '../../src/cli';
import type { CliIo } from '../../src/io';
import { MAX_VALUES_FILE_BYTES, parseValuesText, readValues } from '../../src/values-io/values-input';
import { InputError } from '../../src/input-error';
import { cloneValues, coalesceWithDefaults, MAX_VALUES_DEPTH, mergeUserValues } from '../../src/model/merge';
import { ValuesError } from '../../src/model/errors';
import * as fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { prescanYaml } from '../../src/values-io/yaml-prescan';
import { tempFile } from '../support/helm-probe';
import { inputErrorLinesOrNone } from '../support/input-error';

jest.setTimeout(120_000);

function run(...argv: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} };
  return { code: runCli(argv, io), stdout, stderr };
}

function refusal(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e.lines;
    if (e instanceof ValuesError) return e.problems.map((p) => p.message);
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('large documents are read', () => {
  test('100k keys in one map (the duplicate check is not quadratic)', () => {
    let text = 'podAnnotations:\n';
    for (let i = 0; i < 100_000; i++) text += `  key${i}: v${i}\n`;
    const values = parseValuesText(text, 'keys.yaml');
    expect(Object.keys(values.podAnnotations as object)).toHaveLength(100_000);
  });

  // On a quarter of Node.js's stack (--stack-size=256 KiB, where a call spread over 40,000
  // arguments already overflows, as 130,000 do on the default stack), the built library reads
  // and renders 40,000 entries: no spread or recursion over the list, at a tenth of the time.
  test('40k extraEnv entries build the objects without overflowing a quarter of the stack', () => {
    const lib = join(__dirname, '..', '..', 'lib');
    if (!existsSync(join(lib, 'index.js')) || !existsSync(join(lib, 'model', 'values-validator.js'))) {
      execFileSync('npm', ['run', 'build'], { cwd: join(lib, '..'), stdio: 'pipe' });
    }
    const script = [
      "const lib = process.argv[1];",
      "const { parseValuesText } = require(lib + '/values-io/values-input.js');",
      "const { InfrahubBackupChart } = require(lib + '/index.js');",
      "const { App } = require(require.resolve('cdk8s', { paths: [lib] }));",
      "const spread = new Array(40000).fill(0);",
      "try { [].push(...spread); throw new Error('the stack is too large to tell'); } catch (e) { if (!(e instanceof RangeError)) throw e; }",
      "let text = 'backup:\\n  enabled: true\\n  storage:\\n    s3:\\n      bucket: backups\\nextraEnv:\\n';",
      "for (let i = 0; i < 40000; i++) text += '  - name: VAR_' + i + '\\n    value: \"value ' + i + '\"\\n';",
      "const values = parseValuesText(text, 'env.yaml');",
      "const job = new InfrahubBackupChart(new App(), 'c', { values, releaseName: 'infrahub-backup' }).toJson().find((o) => o.kind === 'Job');",
      "process.stdout.write(JSON.stringify([values.extraEnv.length, job.spec.template.spec.containers[0].env.length]));",
    ].join('\n');
    const out = execFileSync(process.execPath, ['--stack-size=256', '-e', script, lib], { encoding: 'utf8' });
    const [read, rendered] = JSON.parse(out) as [number, number];
    expect(read).toBe(40_000);
    expect(rendered).toBeGreaterThan(40_000);
  });
});

describe('hostile documents are refused with one line', () => {
  test(`a file over ${MAX_VALUES_FILE_BYTES} bytes, before it is parsed`, () => {
    const path = tempFile('big.yaml', Buffer.alloc(MAX_VALUES_FILE_BYTES + 1, 0x61));
    const out = run('synth', '-f', path);
    expect(out.code).toBe(EXIT_INVALID);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe(`error: ${path}: the file is ${MAX_VALUES_FILE_BYTES + 1} bytes; values files are limited to ${MAX_VALUES_FILE_BYTES} bytes (10 MiB)\n`);
  });

  test.each([
    ['block maps', Array.from({ length: MAX_VALUES_DEPTH + 5 }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' 1\n'],
    ['flow lists', `a: ${'['.repeat(MAX_VALUES_DEPTH + 5)}${']'.repeat(MAX_VALUES_DEPTH + 5)}\n`],
    ['flow lists deep enough to overflow a recursive parser', `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`],
    ['flow maps', `a: ${'{a: '.repeat(MAX_VALUES_DEPTH + 5)}1${'}'.repeat(MAX_VALUES_DEPTH + 5)}\n`],
  ])('nesting deeper than the limit: %s', (_, text) => {
    const lines = refusal(() => parseValuesText(text, 'deep.yaml'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^deep\\.yaml: (line \\d+: )?values are nested deeper than ${MAX_VALUES_DEPTH} levels$`));
  });

  test('an alias bomb', () => {
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 9; i++) text += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    const lines = refusal(() => parseValuesText(text, 'bomb.yaml'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^bomb\.yaml: .*(aliasing|expands to more than)/);
  });

  test('--set nesting beyond the limit (lists in lists)', () => {
    const lines = refusal(() => readValues([], [{ expression: `a${'[0]'.repeat(MAX_VALUES_DEPTH + 5)}=1`, asString: false }]));
    expect(lines).toEqual([`--set "a${'[0]'.repeat(MAX_VALUES_DEPTH + 5)}=1": values nested deeper than ${MAX_VALUES_DEPTH} levels`]);
  });

  test('values built in code nested beyond the limit', () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 20_000; i++) deep = (deep.k = {});
    expect(refusal(() => cloneValues(root))).toEqual([`values are nested deeper than ${MAX_VALUES_DEPTH} levels`]);
    expect(refusal(() => mergeUserValues(root, root))).toEqual([`values are nested deeper than ${MAX_VALUES_DEPTH} levels`]);
    expect(refusal(() => coalesceWithDefaults(root, root))).toEqual([`values are nested deeper than ${MAX_VALUES_DEPTH} levels`]);
  });

  test('invalid UTF-8 and control characters name the line', () => {
    expect(run('synth', '-f', tempFile('bad.yaml', Buffer.from('a: 1\nb: "\xff"\n', 'latin1'))).stderr).toMatch(/^error: .*bad\.yaml: line 2: invalid UTF-8.*\n$/);
    expect(run('synth', '-f', tempFile('ctl.yaml', 'a: 1\nb: "x\u001b[2Ky"\n')).stderr).toMatch(/^error: .*ctl\.yaml: line 2: control character U\+001B is not allowed.*\n$/);
  });
});

test('an endless standard input is refused once it passes the limit, not read into memory', () => {
  const bin = join(__dirname, '..', '..', 'bin', 'infrahub-backup-cdk8s');
  const r = spawnSync('/bin/sh', ['-c', `exec "${process.execPath}" "${bin}" values -f - < /dev/zero`], { encoding: 'utf8', timeout: 30_000 });
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(`error: standard input: more than ${MAX_VALUES_FILE_BYTES} bytes; values files are limited to 10 MiB\n`);
  expect(r.status).toBe(EXIT_INVALID);
});

describe('depth and size are bounded before the YAML parser builds anything (the Argo CD sidecar reads any committer\'s file)', () => {
  // The hostile shapes of scripts/bench-input-limits.js, at the 10 MiB limit: before the pass, a 5 MB file of `[`
  // took a minute and 2.8 GiB before its refusal; scalar aliases were quadratic.
  const MiB = 1024 * 1024;
  const SHAPES: Record<string, [string, RegExp]> = {
    'nested [': ["`a: ${'['.repeat(10 * MiB - 4)}\\n`", /^v\.yaml: line 1: values are nested deeper than 100 levels$/],
    'nested {': ["`a: ${'{a: '.repeat((10 * MiB - 5) / 4 | 0)}\\n`", /^v\.yaml: line 1: values are nested deeper than 100 levels$/],
    'nested - on one line': ["`a:\\n${'- '.repeat((10 * MiB - 5) / 2 | 0)}\\n`", /^v\.yaml: line 2: values are nested deeper than 100 levels$/],
    'nested - indented': ["(() => { let t = 'a:\\n'; for (let i = 0; t.length + 2 * i + 2 < 10 * MiB; i++) t += ' '.repeat(2 * i) + '-\\n'; return t; })()", /^v\.yaml: (line \d+: )?values are nested deeper than 100 levels$/],
    'flow maps': ["`a: [${'{a: 1}, '.repeat((10 * MiB - 6) / 8 | 0)}]\\n`", /^v\.yaml: the document expands to more than 15000 values \(aliases included\)$/],
    'aliases of a scalar': ["`x: &x v\\na: [${'*x, '.repeat((10 * MiB - 20) / 4 | 0)}]\\n`", /^v\.yaml: the document expands to more than 15000 values \(aliases included\)$/],
  };

  test('10 MiB of each hostile shape is refused in one line, in a child process that stays under 200 MiB', () => {
    const lib = join(__dirname, '..', '..', 'lib');
    if (!existsSync(join(lib, 'values-io', 'values-input.js')) || !existsSync(join(lib, 'values-io', 'yaml-prescan.js'))) {
      execFileSync('npm', ['run', 'build'], { cwd: join(lib, '..'), stdio: 'pipe' });
    }
    const script = [
      "const { parseValuesText } = require(process.argv[1] + '/values-io/values-input.js');",
      "const { PLUGIN_MAX_VALUES_NODES } = require(process.argv[1] + '/argocd/generate.js');",
      'const MiB = 1024 * 1024;',
      'const out = {};',
      ...Object.entries(SHAPES).map(([name, [make]]) =>
        `{ const text = ${make}; const t = process.cpuUsage(); let line; try { parseValuesText(text, 'v.yaml', PLUGIN_MAX_VALUES_NODES); } catch (e) { line = (e.lines || [String(e)])[0]; } const c = process.cpuUsage(t); out[${JSON.stringify(name)}] = { line, ms: (c.user + c.system) / 1000, bytes: text.length }; }`,
      ),
      'process.stdout.write(JSON.stringify({ out, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));',
    ].join('\n');
    const result = JSON.parse(execFileSync(process.execPath, ['-e', script, lib], { encoding: 'utf8', maxBuffer: 64 * MiB })) as {
      out: Record<string, { line: string; ms: number; bytes: number }>;
      maxRssMiB: number;
    };
    for (const [name, [, expected]] of Object.entries(SHAPES)) {
      expect([name, result.out[name].line]).toEqual([name, expect.stringMatching(expected)]);
      expect(result.out[name].bytes).toBeLessThanOrEqual(MAX_VALUES_FILE_BYTES);
      // Generous: about 0.2 s of CPU each on an idle machine (npm run bench:limits prints the figures).
      expect([name, result.out[name].ms]).toEqual([name, expect.any(Number)]);
      expect(result.out[name].ms).toBeLessThan(5000);
    }
    console.log(`hostile 10 MiB values: ${Object.entries(result.out).map(([n, r]) => `${n} ${r.ms.toFixed(0)} ms`).join(', ')}; peak ${result.maxRssMiB.toFixed(0)} MiB`);
    expect(result.maxRssMiB).toBeLessThan(200);
  });

  test('nesting of exactly 100 levels in every style is read; 101 is refused with the same line', () => {
    // The deepest node of each is at depth `d` (the root map at 0).
    const styles: Record<string, (depth: number) => string> = {
      'flow lists': (d) => `a: ${'['.repeat(d)}${']'.repeat(d)}\n`,
      'flow maps': (d) => `a: ${'{a: '.repeat(d - 1)}1${'}'.repeat(d - 1)}\n`,
      'compact block lists': (d) => `a:\n${'- '.repeat(d - 1)}x\n`,
      'block maps': (d) => Array.from({ length: d }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' 1\n',
      'lists then flow': (d) => `a:\n${'- '.repeat(d / 2)}${'['.repeat(d / 2)}${']'.repeat(d / 2)}\n`,
    };
    for (const [name, make] of Object.entries(styles)) {
      expect([name, inputErrorLinesOrNone(() => parseValuesText(make(MAX_VALUES_DEPTH), 'd.yaml'))]).toEqual([name, []]);
      expect([name, inputErrorLinesOrNone(() => parseValuesText(make(MAX_VALUES_DEPTH + 2), 'd.yaml'))]).toEqual([
        name,
        [expect.stringMatching(new RegExp(`^d\\.yaml: (line \\d+: )?values are nested deeper than ${MAX_VALUES_DEPTH} levels$`))],
      ]);
    }
  });

  test('a line after an explicit `:`, a quoted scalar, an alias or a flow collection is scanned, not taken for a continued plain scalar', () => {
    // Only a plain scalar continues on a more indented line; the parser reads these lines as nodes (1 MiB of them:
    // 2.7 s and 740 MiB before the refusal).
    const deep = `${'['.repeat(MAX_VALUES_DEPTH + 10)}${']'.repeat(MAX_VALUES_DEPTH + 10)}`;
    const shapes: Record<string, string> = {
      'explicit value, same line': `? a\n: ${deep}\n`,
      'explicit value, next line': `? a\n:\n  ${deep}\n`,
      'empty key in a list': `- : \n  ${deep}\n`,
      'after a quoted scalar': `a: "q"\n  ${deep}\n`,
      'after an alias': `b: &x 1\na: *x\n  ${deep}\n`,
      'after a flow list': `a: [x]\n  ${deep}\n`,
    };
    const missed = Object.keys(shapes).filter((name) => prescanYaml(shapes[name], MAX_VALUES_DEPTH, Infinity)?.kind !== 'depth');
    expect(missed).toEqual([]);
  });

  test('a block scalar ends at a line less indented than its first; a byte order mark does not start a plain scalar', () => {
    // The parser reads both as nodes (100k levels: about 0.5 s each before the refusal).
    const deep = `${'['.repeat(MAX_VALUES_DEPTH + 10)}${']'.repeat(MAX_VALUES_DEPTH + 10)}`;
    const shapes: Record<string, string> = {
      'line less indented than the block scalar': `a: |\n    x\n  ${deep}\n`,
      'in a nested map': `a:\n  b: >-\n      x\n\n    ${deep}\n`,
      'byte order mark': `\ufeff${deep}\n`,
    };
    const missed = Object.keys(shapes).filter((name) => prescanYaml(shapes[name], MAX_VALUES_DEPTH, Infinity)?.kind !== 'depth');
    expect(missed).toEqual([]);
    // Lines as indented as the first, or more, and blank lines, stay in the scalar.
    expect(prescanYaml(`a: |\n    x\n\n     ${deep}\n  \n    ${deep}\nb: 1\n`, MAX_VALUES_DEPTH, Infinity)).toBeUndefined();
  });

  test('keys without a value are counted: each stands for a null value (1 MiB of them cost 1.3-2 s and up to 460 MiB before the refusal)', () => {
    const limit = 1000;
    const shapes: Record<string, string> = {
      'flow map of keys': `a: {${'a,'.repeat(limit)}a}\n`,
      'flow map of quoted keys': `a: {${'"",'.repeat(limit)}a}\n`,
      'flow map of explicit keys': `a: {${'? a,'.repeat(limit)}a}\n`,
      'explicit block keys': `a:\n${'  ? a\n'.repeat(limit + 1)}`,
    };
    const missed = Object.keys(shapes).filter((name) => prescanYaml(shapes[name], Infinity, limit)?.kind !== 'nodes');
    expect(missed).toEqual([]);
    // Never more than the document holds: each of these has exactly `count` values (the root map included).
    const exact: Array<[string, number]> = [
      ['? a\n: b\n? c\n', 3],
      ['a: {b, c: d, ? e, ? f : g}\n', 6],
      ['a: [? b : c, d: e, ? f]\n', 8],
      ['a: {b: [c, d], e: {f: g}}\n', 7],
      ['a: {"b":c, \'d\': e,}\n', 4],
      ['? - a\n: - b\n', 3],
    ];
    for (const [text, count] of exact) {
      expect([text, countOfValues(parse(text))]).toEqual([text, count]);
      expect([text, prescanYaml(text, Infinity, count)]).toEqual([text, undefined]);
    }
  });

  test('a values file of many documents is bounded as a whole: only one may hold values, but the parser reads them all first', () => {
    // 1 MiB of documents of 14,000 values each cost 2.4 s and 430 MiB before the one-document refusal.
    const doc = `--- [${'a,'.repeat(999)}a]\n`;
    expect(prescanYaml(doc.repeat(3), Infinity, 2000)).toEqual({ kind: 'nodes', index: expect.any(Number) });
    expect(refusal(() => parseValuesText(doc.repeat(3), 'm.yaml', 2000))).toEqual(['m.yaml: the document expands to more than 2000 values (aliases included)']);
    // An app's output (many objects) is bounded a document at a time.
    expect(prescanYaml(doc.repeat(3), Infinity, 2000, true)).toBeUndefined();
  });

  test('a quoted scalar ends at a document marker, as the parser ends it', () => {
    // The parser reads on past the marker (100k levels: 1 to 2 s before the refusal).
    const deep = `${'['.repeat(MAX_VALUES_DEPTH + 10)}${']'.repeat(MAX_VALUES_DEPTH + 10)}`;
    const shapes: Record<string, string> = {
      'double-quoted, ---': `a: "x\n---\n${deep}\n"\n`,
      'single-quoted, ---': `a: 'x\n---\n${deep}\n'\n`,
      'single-quoted, ...': `a: 'x\n...\n${deep}\n'\n`,
      'in a flow list': `a: ["x\n--- ${deep}\n"]\n`,
    };
    const missed = Object.keys(shapes).filter((name) => prescanYaml(shapes[name], MAX_VALUES_DEPTH, Infinity)?.kind !== 'depth');
    expect(missed).toEqual([]);
    // A marker inside the line, or indented, or followed by other text, is part of the scalar.
    expect(prescanYaml(`a: "x --- ${deep}\n ---\n---x ${deep}\n"\n`, MAX_VALUES_DEPTH, Infinity)).toBeUndefined();
  });

  test('drawn documents: the pass never counts more depth or values than the document holds (so it never refuses a valid one)', () => {
    const text = fc.constantFrom('x', '[[[[[[', '{{{{', '- - -', 'a: b', '# c', '"q', "'q", '|', '>', '*a', '&a', '? k', 'a,b', '--- x', ' #', 'é[');
    const leaf = fc.oneof(fc.stringMatching(/^[a-z]{0,3}$/), fc.array(text, { maxLength: 4 }).map((a) => a.join(' ')), fc.integer(), fc.constant(null));
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.stringMatching(/^[a-z[{ #:-]{1,4}$/), tie('node'), { maxKeys: 4 })),
    })).node;
    const depthOf = (v: unknown): number => (v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0);
    const countOf = (v: unknown): number => (v !== null && typeof v === 'object' ? 1 + Object.values(v).reduce((n: number, x) => n + countOf(x), 0) : 1);
    let drawn = 0;
    fc.assert(
      fc.property(tree, fc.constantFrom('block', 'flow', 'any'), fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED'), (value, collectionStyle, defaultStringType) => {
        const doc = { root: value };
        const yamlText = stringify(doc, { collectionStyle: collectionStyle as 'block', defaultStringType: defaultStringType as 'PLAIN' });
        drawn++;
        // The root map is depth 0: its deepest node is at depthOf(doc) - 1 ... or depthOf(doc) for a leaf under the deepest collection.
        expect([yamlText, prescanYaml(yamlText, depthOf(doc), Infinity)]).toEqual([yamlText, undefined]);
        expect([yamlText, prescanYaml(yamlText, Infinity, countOf(doc))]).toEqual([yamlText, undefined]);
      }),
      { numRuns: 500 },
    );
    console.log(`prescan: ${drawn} drawn documents, none over-counted`);
  });
});

/** Maps, lists and scalars in a parsed value, as the values limit counts them (keys not included). */
function countOfValues(v: unknown): number {
  return v !== null && typeof v === 'object' ? 1 + Object.values(v).reduce((n: number, x) => n + countOfValues(x), 0) : 1;
}
