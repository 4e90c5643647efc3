/**
 * The README and the pages under docs/, followed in a clean copy of the
 * repository (the files git knows, no lib/, dist/ or .tools/): the quick start
 * of docs/development.md, then every command of the ```sh blocks of README.md
 * and of every page under docs/, page by page, in the order they are written,
 * then `npm run synth` again, which must leave the chart in place. Each command
 * is run as written (`helm install` of the packaged chart as `helm template`,
 * Helm 3 as the tests extract it), or left out for a stated reason (it needs a
 * cluster, a registry, a Docker engine or an S3 bucket); a command no rule
 * knows fails the test. Every step run exits 0 and prints no error or stack
 * trace.
 *
 * node_modules is seeded with hard links to this checkout's (a warm npm cache
 * would give the same tree), so `npm install` finds it up to date and runs
 * what a first install runs on top: the `prepare` script.
 */
import { execFileSync, spawnSync } from 'child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { delimiter, dirname, join, relative } from 'path';

const ROOT = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'ibc-readme-'));
const copy = join(work, 'repo');

jest.setTimeout(300_000);

function markdownUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownUnder(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
  );
}

/** The pages whose commands are followed: the README, then every page under docs/. */
const PAGES = ['README.md', ...markdownUnder(join(ROOT, 'docs')).map((f) => relative(ROOT, f)).sort()];
const page = (name: string): string => readFileSync(join(ROOT, name), 'utf8');

/** The text of a section of a page: from its heading to the next heading of the same or a higher level. */
function section(name: string, heading: string): string {
  const lines = page(name).split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) throw new Error(`${name} has no heading ${heading}`);
  const level = heading.indexOf(' ');
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && l.indexOf(' ') <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** The ```sh blocks of a text, as lists of commands (continuation lines joined, comments dropped). */
function shBlocks(text: string): string[][] {
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1]
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((l) => l.replace(/\s+#.*$/, '').replace(/\s+/g, ' ').trim())
      .filter((l) => l !== '' && !l.startsWith('#')),
  );
}

/** What a command must print on stdout when it is run. */
type Output = 'manifests' | 'anything';

/**
 * How each command of the pages is followed, the first rule that matches: run as
 * written, run as another command, or left out for the reason given.
 */
const RULES: Array<{ match: RegExp; run?: (command: string) => string; output?: Output; leftOut?: string }> = [
  { match: /^npm (install|run synth|run chart)$/, run: (c) => c },
  { match: /^npx infrahub-backup-cdk8s (synth|values|version)\b/, run: (c) => c, output: 'anything' },
  { match: /^cd examples\/\S+ && (\w+=\S+ )+npx infrahub-backup-cdk8s argocd generate$/, run: (c) => c, output: 'manifests' },
  { match: /^helm template \S+ dist\//, run: (c) => c, output: 'manifests' },
  // Installing the packaged chart needs a cluster: the same release rendered shows that Helm takes the values.
  { match: /^helm install \S+ dist\/\S+\.tgz /, run: (c) => c.replace(/^helm install /, 'helm template '), output: 'manifests' },
  { match: /^kubectl /, leftOut: 'needs a cluster' },
  { match: /^helm upgrade argocd /, leftOut: 'needs a cluster with Argo CD' },
  { match: /^helm (registry login|push|install \S+ oci:)/, leftOut: 'needs an OCI registry' },
  { match: /^(docker |npm run docker:|IMAGE=\S+ npm run docker:|mkdir -m 700 \S+ && cd )/, leftOut: 'needs a Docker engine' },
  { match: /^infrahub-backup-cdk8s values -f base\.yaml /, leftOut: 'reads values files of the reader\'s own (base.yaml, prod.yaml)' },
  { match: /^export (COPY_)?(INFRAHUB_S3_|AWS_)\w+=/, leftOut: 'S3 settings of the reader\'s own buckets, for the next command' },
  { match: /^(env (\w+=\S+ )+)?infrahub-backup-cdk8s s3 /, leftOut: 'needs an S3 bucket (the S3 suites run every command against s3rver)' },
];

function ruleFor(command: string) {
  return RULES.find((r) => r.match.test(command));
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
  // The folder itself where node_modules is a symbolic link (a worktree sharing another checkout's): cp -a would copy the link.
  execFileSync('cp', ['-al', realpathSync(join(ROOT, 'node_modules')), join(copy, 'node_modules')]);
  // npm rewrites its record of the tree: a copy of its own, not a link to this checkout's.
  rmSync(join(copy, 'node_modules', '.package-lock.json'), { force: true });
  copyFileSync(join(ROOT, 'node_modules', '.package-lock.json'), join(copy, 'node_modules', '.package-lock.json'));
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The commands already run: a command written on several pages runs once. */
const done = new Set<string>();

/** Follows a command: 'run', 'again' (already run on an earlier page), or why it is left out (its rule's leftOut). */
function follow(command: string): string {
  const rule = ruleFor(command);
  if (!rule) throw new Error(`no rule of test/package/readme.test.ts says how to follow \`${command}\`: add one to RULES`);
  if (rule.leftOut) return rule.leftOut;
  const actual = rule.run!(command);
  if (done.has(actual)) return 'again';
  const r = run(actual);
  expectClean(actual, r);
  if (rule.output === 'manifests') expect({ command, kinds: r.stdout.match(/^kind: (Job|CronJob)$/m) !== null }).toEqual({ command, kinds: true });
  if (rule.output === 'anything') expect({ command, stdout: r.stdout !== '' }).toEqual({ command, stdout: true });
  done.add(actual);
  return 'run';
}

describe('the README and docs/, in order, in a clean copy', () => {
  test('the copy has no build output, and the bin says so in one line instead of a stack trace', () => {
    for (const d of ['lib', 'dist', '.tools']) expect(existsSync(join(copy, d))).toBe(false);
    const r = run('node bin/infrahub-backup-cdk8s version');
    expect(r).toEqual({ code: 1, stdout: '', stderr: `error: lib/ is not built: run \`npm run build\` in ${copy}\n` });
  });

  test('quick start (docs/development.md): npm install, npm run synth', () => {
    const [commands] = shBlocks(section('docs/development.md', '## Quick start'));
    expect(commands).toEqual(['npm install', 'npm run synth']);
    for (const c of commands) expect(follow(c)).toBe('run');
    expect(readFileSync(join(copy, 'dist', 'manifests', 'infrahub-backup.k8s.yaml'), 'utf8')).toContain('kind: CronJob');
  });

  test('the README shows the CLI and the chart with commands that run here', () => {
    const cli = shBlocks(section('README.md', '### Render without a cluster')).flat();
    expect(cli.length).toBeGreaterThanOrEqual(3);
    for (const c of cli) expect(c).toMatch(/^npx infrahub-backup-cdk8s /);
    const chart = section('README.md', '### Helm chart');
    expect(chart).toContain('`npm run chart` builds the chart');
    const commands = shBlocks(chart).flat();
    expect(commands[0]).toBe('npm run chart');
    expect(commands.filter((c) => c.startsWith('helm template ')).length).toBeGreaterThanOrEqual(3);
  });

  test('the README\'s examples work: the cdk8s app type-checks and synthesizes, the Argo CD values render', () => {
    const [app] = [...section('README.md', '### Construct library (cdk8s)').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(app).toContain("from 'infrahub-backup-cdk8s'");
    // The package itself, as an app that installed it would import it.
    writeFileSync(join(copy, 'readme-app.ts'), app.replace("from 'infrahub-backup-cdk8s'", "from './lib'"));
    expectClean('tsc readme-app.ts', run('node_modules/.bin/tsc --noEmit --strict --skipLibCheck --target es2022 --module commonjs --moduleResolution node readme-app.ts'));
    const synth = run('CDK8S_OUTDIR=readme-app.out node_modules/.bin/tsx readme-app.ts');
    expectClean('tsx readme-app.ts', synth);
    const manifests = readdirSync(join(copy, 'readme-app.out')).map((f) => readFileSync(join(copy, 'readme-app.out', f), 'utf8')).join('\n');
    expect(manifests).toMatch(/^kind: CronJob$/m);
    expect(manifests).toContain('timeZone: Europe/Paris');

    const [values] = [...section('README.md', '### Argo CD plugin').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1].replace(/^ {3}/gm, ''));
    mkdirSync(join(copy, 'readme-argocd'));
    writeFileSync(join(copy, 'readme-argocd', 'infrahub-backup.yaml'), values);
    const generate = run('cd readme-argocd && ARGOCD_APP_NAME=infrahub-backup ARGOCD_APP_NAMESPACE=infrahub node ../bin/infrahub-backup-cdk8s argocd generate');
    expectClean('argocd generate (the README\'s values)', generate);
    expect(generate.stdout).toMatch(/^kind: CronJob$/m);
    expect(generate.stdout).toContain('infrahub-backups');
  });

  const followed: Array<[string, string, string]> = [];
  test.each(PAGES.map((p) => [p]))('every command of %s', (name) => {
    for (const command of shBlocks(page(name)).flat()) followed.push([name, command, follow(command)]);
  });

  test('the pages hold commands run here, and say why the others are not', () => {
    const ran = followed.filter(([, , how]) => how === 'run');
    const leftOut = followed.filter(([, , how]) => how !== 'run' && how !== 'again');
    console.log(
      [`${followed.length} commands in ${PAGES.length} pages: ${ran.length} run, ${followed.length - ran.length - leftOut.length} already run on an earlier page, ${leftOut.length} left out:`, ...leftOut.map(([n, c, why]) => `  ${n}: ${c.slice(0, 80)} (${why})`)].join('\n'),
    );
    expect(ran.length).toBeGreaterThanOrEqual(8);
  });

  test('npm run synth again keeps the chart npm run chart built', () => {
    expectClean('npm run synth', run('npm run synth'));
    const version = (JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as { version: string }).version;
    expect(existsSync(join(copy, 'dist', 'chart', 'infrahub-backup', 'Chart.yaml'))).toBe(true);
    expect(existsSync(join(copy, 'dist', `infrahub-backup-${version}.tgz`))).toBe(true);
    expect(existsSync(join(copy, 'dist', 'manifests', 'infrahub-backup.k8s.yaml'))).toBe(true);
  });
});
