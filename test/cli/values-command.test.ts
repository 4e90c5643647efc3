/**
 * `infrahub-backup-cdk8s values`: the merged user values exactly as Helm
 * passes them to templates (compared with Helm 3 and Helm 4 through the probe
 * chart), or with `--all` the resolved values; bad input gives one sanitised
 * line per problem and nothing on stdout.
 */
import { execFileSync } from 'child_process';
import { join } from 'path';
import { parse } from 'yaml';
import { EXIT_INVALID, runCli } from '../../src/cli';
import type { CliIo } from '../../src/io';
import { pool } from '../support/helm';
import { probe, tempFile } from '../support/helm-probe';

jest.setTimeout(300_000);

function run(...argv: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} };
  const code = runCli(argv, io);
  return { code, stdout, stderr };
}

const BASE = tempFile(
  'base.yaml',
  'backup:\n  enabled: yes\n  storage:\n    s3:\n      bucket: backups\n      prefix: 0o17\nextraEnv:\n  - name: A\n    value: "1"\npodAnnotations:\n  "10": x\n  "9": y\n  é: z\n  time: 2:30\n',
);
const OVERRIDE = tempFile('override.yaml', 'backup:\n  storage:\n    s3:\n      bucket: other\n  schedule: "0 3 * * *"\nextraEnv: []\nempty:\n');

/** Files and flags, as a user would combine them. */
const COMBINATIONS: string[][] = [
  ['-f', BASE],
  ['-f', BASE, '-f', OVERRIDE],
  ['-f', BASE, '--set', 'backup.storage.s3.bucket=b2,backup.keepLast=9007199254740993'],
  ['-f', BASE, '--set', 'extraEnv[1].name=B,extraEnv[1].value=2'],
  ['-f', BASE, '--set-string', 'backup.enabled=true', '--set', 'backup.enabled=false'],
  ['-f', OVERRIDE, '--set', 'podAnnotations.a=<b>&,podLabels.__proto__=x'],
  ['--set', 'a=True,b=+1,c=-0,d={},e=1e3,f=NULL'],
  ['-f', BASE, '--set', 'backup.storage.s3.bucket.x=1'],
  ['-f', BASE, '--set', 'extraEnv.a=1'],
];

describe.each(['helm3', 'helm4'])('values -o json prints what %s passes to templates', (helmName) => {
  test(`${COMBINATIONS.length} combinations of files and flags`, async () => {
    const results = await pool(COMBINATIONS, 2, async (args) => ({ args, theirs: await probe(helmName, args), mine: run('values', '-o', 'json', ...args) }));
    for (const { args, theirs, mine } of results) {
      if (theirs.ok) {
        expect([args, mine.code, mine.stdout]).toEqual([args, 0, `${theirs.json}\n`]);
      } else {
        expect([args, mine.code, mine.stdout]).toEqual([args, EXIT_INVALID, '']);
      }
    }
  });

  test('-o yaml is read back by Helm as the same values', async () => {
    const yaml = run('values', '-f', BASE, '-f', OVERRIDE).stdout;
    const theirs = await probe(helmName, ['-f', tempFile('out.yaml', yaml)]);
    expect(theirs).toEqual(await probe(helmName, ['-f', BASE, '-f', OVERRIDE]));
  });
});

describe('values', () => {
  test('YAML output keeps the keys in Go order and quotes strings Helm would retype', () => {
    const out = run('values', '--set-string', 'a=0o17,b=yes,c=~,d=1e3,e=2:30', '--set', 'n=1');
    expect(out.code).toBe(0);
    expect(out.stdout).toBe('a: "0o17"\nb: "yes"\nc: "~"\nd: "1e3"\ne: 2:30\n"n": 1\n');
  });

  test('--all prints the values after the defaults and the aliases', () => {
    const out = run('values', '--all', '-o', 'json', '--set', 'backup.enabled=true,backup.storage.type=local,backup.storage.local.path=/data');
    expect(out.stderr).toBe('');
    const values = JSON.parse(out.stdout) as { backup: { enabled: boolean; storage: { path: string; local: Record<string, unknown> } }; image: { repository: string } };
    expect(values.backup.enabled).toBe(true);
    expect(values.backup.storage.path).toBe('/data');
    expect(values.backup.storage.local).not.toHaveProperty('path');
    expect(values.image.repository).toBeTruthy();
  });

  test('--all refuses invalid values like synth', () => {
    const out = run('values', '--all', '--set', 'backup.enabled=maybe');
    expect(out.code).toBe(EXIT_INVALID);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^error: backup\.enabled: /);
  });

  test('without --all, unknown keys are printed as given: Helm passes them on too', () => {
    expect(parse(run('values', '--set', 'typo.key=1').stdout)).toEqual({ typo: { key: 1 } });
  });

  test('a bad --set: exit 2, one line, nothing on stdout', () => {
    const out = run('values', '--set', 'a=x,a.b=y');
    expect(out).toEqual({ code: EXIT_INVALID, stdout: '', stderr: 'error: --set "a=x,a.b=y": "a" is string "x", not a map\n' });
  });

  test('a key cannot forge an error line', () => {
    const out = run('synth', '--set', 'a\nerror: everything is fine=1', '--set', 'b\u001b\\[2K\rx=1');
    expect(out.code).toBe(EXIT_INVALID);
    const lines = out.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.startsWith('error: '))).toBe(true);
    expect(out.stderr).toContain('a\\nerror: everything is fine: unknown key');
    expect(out.stderr).toContain('b\\u001b[2K\\rx: unknown key');
    // eslint-disable-next-line no-control-regex -- the control characters are what must not reach the terminal
    expect(out.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  test('a long or binary value is cut in the error line', () => {
    const out = run('synth', '--set', `${'\u0000\u00ff'.repeat(5000)}=1`);
    expect(out.code).toBe(EXIT_INVALID);
    const lines = out.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0].length).toBeLessThan(1100);
    expect(lines[0]).toMatch(/… \(\d+ more characters\)$/);
  });
});

describe('the installed command', () => {
  test('-f - reads standard input; integers beyond 2^53 keep their digits in YAML too', () => {
    const bin = join(__dirname, '..', '..', 'bin', 'infrahub-backup-cdk8s');
    const out = execFileSync(process.execPath, [bin, 'values', '-f', '-', '--set', 'b=9007199254740993'], { input: 'a: 0o17\n' }).toString();
    expect(out).toBe('a: 15\nb: 9007199254740993\n');
  });
});
