/**
 * Values input is bounded and linear: large but legitimate documents are
 * read, oversized, overly deep or exploding ones are refused with one line,
 * and nothing overflows the stack. Times are printed by
 * `npm run bench:values`, not asserted here.
 */
import { execFileSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';
import { CliIo, EXIT_INVALID, runCli } from '../../src/cli';
import { MAX_VALUES_FILE_BYTES, parseValuesText, readValues } from '../../src/cli/values-input';
import { InputError } from '../../src/input-error';
import { cloneValues, coalesceWithDefaults, MAX_VALUES_DEPTH, mergeUserValues } from '../../src/model/merge';
import { ValuesError } from '../../src/model/errors';
import { tempFile } from '../support/helm-probe';

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
      "const { parseValuesText } = require(lib + '/cli/values-input.js');",
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
    for (let i = 0; i < 20_000; i++) deep = (deep.k = {}) as Record<string, unknown>;
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
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawnSync } = require('child_process') as typeof import('child_process');
  const bin = require('path').join(__dirname, '..', '..', 'bin', 'infrahub-backup-cdk8s');
  const r = spawnSync('/bin/sh', ['-c', `exec "${process.execPath}" "${bin}" values -f - < /dev/zero`], { encoding: 'utf8', timeout: 30_000 });
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(`error: standard input: more than ${MAX_VALUES_FILE_BYTES} bytes; values files are limited to 10 MiB\n`);
  expect(r.status).toBe(EXIT_INVALID);
});
