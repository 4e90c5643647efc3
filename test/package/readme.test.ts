/**
 * The README, followed in order in a clean copy of the repository (the files
 * git knows, no lib/, dist/ or .tools/): the quick start, the CLI commands of
 * "The values, rendered like `helm template`", `npm run chart` and the
 * `helm template` commands of "Helm chart" (with the Helm 3 the tests
 * extract), then `npm run synth` again, which must leave the chart in place.
 * Every step exits 0 and prints no error or stack trace.
 *
 * node_modules is seeded with hard links to this checkout's (a warm npm cache
 * would give the same tree), so `npm install` finds it up to date and runs
 * what a first install runs on top: the `prepare` script.
 */
import { execFileSync, spawnSync } from 'child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { delimiter, dirname, join } from 'path';

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'ibc-readme-'));
const copy = join(work, 'repo');

jest.setTimeout(300_000);

/** The text of a section: from its heading to the next heading of the same or a higher level. */
function section(heading: string): string {
  const lines = README.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) throw new Error(`README has no heading ${heading}`);
  const level = heading.indexOf(' ');
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && l.indexOf(' ') <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** The ```sh blocks of a section, as lists of commands (continuation lines joined, comments dropped). */
function shBlocks(text: string): string[][] {
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1]
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter((l) => l !== '' && !l.startsWith('#')),
  );
}

function run(command: string) {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  Object.assign(env, {
    PATH: [join(ROOT, '.tools', 'helm3'), dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter),
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  });
  const r = spawnSync('bash', ['-c', command], { cwd: copy, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 0, and nothing on stderr that looks like an error or a stack trace. */
function expectClean(command: string, r: { code: number | null; stdout: string; stderr: string }) {
  const problems = r.stderr.split('\n').filter((l) => /\berror\b|Error\b|^\s+at .+:\d+:\d+\)?$/.test(l) && !/^npm warn /.test(l));
  expect({ command, problems, code: r.code }).toEqual({ command, problems: [], code: 0 });
}

beforeAll(() => {
  if (!existsSync(join(ROOT, '.tools', 'helm3', 'helm'))) execFileSync(process.execPath, [join(ROOT, 'scripts', 'install-helm.js')], { cwd: ROOT, stdio: 'pipe' });
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(ROOT, f)) && statSync(join(ROOT, f)).isFile());
  for (const f of files) {
    mkdirSync(dirname(join(copy, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(copy, f));
  }
  execFileSync('cp', ['-al', join(ROOT, 'node_modules'), join(copy, 'node_modules')]);
  // npm rewrites its record of the tree: a copy of its own, not a link to this checkout's.
  rmSync(join(copy, 'node_modules', '.package-lock.json'), { force: true });
  copyFileSync(join(ROOT, 'node_modules', '.package-lock.json'), join(copy, 'node_modules', '.package-lock.json'));
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the README, in order, in a clean copy', () => {
  test('the copy has no build output, and the bin says so in one line instead of a stack trace', () => {
    for (const d of ['lib', 'dist', '.tools']) expect(existsSync(join(copy, d))).toBe(false);
    const r = run('node bin/infrahub-backup-cdk8s version');
    expect(r).toEqual({ code: 1, stdout: '', stderr: `error: lib/ is not built: run \`npm run build\` in ${copy}\n` });
  });

  test('quick start: npm install, npm run synth', () => {
    const [commands] = shBlocks(section('## Quick start'));
    expect(commands).toEqual(['npm install', 'npm run synth']);
    for (const c of commands) expectClean(c, run(c));
    expect(readFileSync(join(copy, 'dist', 'manifests', 'infrahub-backup.k8s.yaml'), 'utf8')).toContain('kind: CronJob');
  });

  test('the CLI commands', () => {
    const [commands] = shBlocks(section('### 2. The values, rendered like `helm template`'));
    expect(commands.length).toBeGreaterThanOrEqual(3);
    for (const c of commands) {
      expect(c).toMatch(/^npx infrahub-backup-cdk8s /);
      const r = run(c);
      expectClean(c, r);
      expect(r.stdout).not.toBe('');
    }
  });

  test('the chart: npm run chart, then the helm template commands', () => {
    const text = section('### 3. Helm chart');
    expect(text).toContain('`npm run chart` builds the chart');
    expectClean('npm run chart', run('npm run chart'));
    const helmTemplates = shBlocks(text).flat().filter((c) => c.startsWith('helm template '));
    expect(helmTemplates.length).toBeGreaterThanOrEqual(3);
    for (const c of helmTemplates) {
      const r = run(c);
      expectClean(c, r);
      expect(r.stdout).toMatch(/^kind: (Job|CronJob)$/m);
    }
  });

  test('npm run synth again keeps the chart npm run chart built', () => {
    expectClean('npm run synth', run('npm run synth'));
    const version = (JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as { version: string }).version;
    expect(existsSync(join(copy, 'dist', 'chart', 'infrahub-backup', 'Chart.yaml'))).toBe(true);
    expect(existsSync(join(copy, 'dist', `infrahub-backup-${version}.tgz`))).toBe(true);
    expect(existsSync(join(copy, 'dist', 'manifests', 'infrahub-backup.k8s.yaml'))).toBe(true);
  });
});
