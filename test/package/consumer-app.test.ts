/**
 * The construct library as a cdk8s app installs it: the packed tarball goes
 * into a fresh app that already has its own cdk8s and constructs, at the
 * lowest versions the peer ranges allow and at the newest (the ones this
 * repository develops with). For each: one copy of cdk8s and of constructs,
 * a chart placing InfrahubBackup beside its own objects type-checks with the
 * app's strict tsconfig and synthesizes, the library entry point loads none of
 * the CLI, S3 or Argo CD code, and the install adds at most 25 MB (printed).
 *
 * The same tarball (packed once, with its prepack script, from a copy of the
 * packed files) then: declares no install-time script; installs with
 * --engine-strict and no warning on Node.js 20, 22, 24 and 26, whose binaries
 * this test fetches (scripts/fetch-node.sh) and whose npm runs the install;
 * beside cdk8s-plus-33 as `cdk8s init typescript-app` scaffolds it. And the
 * package installs from a Git URL (a repository of this working tree), where
 * `prepare` builds lib/.
 *
 * Uses the local npm cache first (--prefer-offline); the registry fills what
 * the cache lacks.
 */
import { execFileSync, spawnSync } from 'child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { delimiter, dirname, join } from 'path';
import { parseAllDocuments } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const NPM_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', '--ignore-scripts'];
/** The most a consumer's install may grow by, in bytes (25 MB). */
const MAX_ADDED = 25 * 1000 * 1000;
const PEERS = ['cdk8s', 'constructs', 'cdk8s-plus-28'] as const;

const work = mkdtempSync(join(tmpdir(), 'ibc-consumer-'));
let tarball: string;

/** npm, without the npm_* variables of an enclosing `npm test`. */
function npm(args: string[], cwd: string): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return execFileSync('npm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/** The lowest version a peer range `^x.y.z` allows. */
/** Type-checks an app (its tsconfig: strict), runs its compiled entry and returns the manifests it prints. */
function typeCheckAndSynth(app: string): string {
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { cwd: app, encoding: 'utf8' });
  expect(tsc.stdout + tsc.stderr).toBe('');
  expect(tsc.status).toBe(0);
  const run = spawnSync(process.execPath, [join(app, 'dist', 'main.js')], { cwd: app, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout;
}

function lowest(range: string): string {
  const m = /^\^(\d+\.\d+\.\d+)$/.exec(range);
  if (!m) throw new Error(`peer range ${range} is not ^x.y.z`);
  return m[1];
}

/** The version this repository develops with (the newest the peer range was tested at). */
const installed = (name: string): string => (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

/** Bytes of the files under a directory (apparent sizes; symbolic links not followed). */
function bytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = lstatSync(path);
    total += st.isDirectory() ? bytes(path) : st.size;
  }
  return total;
}

/** Every installed copy of a package: the node_modules/<name> directories at any depth. */
function copiesOf(root: string, name: string): string[] {
  const found: string[] = [];
  const walk = (modules: string) => {
    if (!existsSync(modules)) return;
    for (const entry of readdirSync(modules)) {
      const dirs = entry.startsWith('@') ? readdirSync(join(modules, entry)).map((s) => join(entry, s)) : [entry];
      for (const d of dirs) {
        const path = join(modules, d);
        if (d === name) found.push(path);
        walk(join(path, 'node_modules'));
      }
    }
  };
  walk(join(root, 'node_modules'));
  return found;
}

const MAIN_TS = `import { App, ApiObject, Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { BackupMode, InfrahubBackup } from '${PKG.name}';

class Platform extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    new ApiObject(this, 'settings', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'platform-settings' },
      data: { owner: 'platform' },
    });
    const backup = new InfrahubBackup(this, 'backup', {
      releaseName: 'infrahub',
      namespace: 'infrahub',
      values: {
        backup: {
          enabled: true,
          mode: BackupMode.CRONJOB,
          schedule: '0 2 * * *',
          storage: { s3: { bucket: 'infrahub-backups', secretName: 'infrahub-backup-s3' } },
        },
      },
    });
    const objects: ApiObject[] = backup.apiObjects;
    if (objects.length === 0) throw new Error('no objects');
  }
}

const app = new App();
new Platform(app, 'platform', { namespace: 'infrahub' });
process.stdout.write(app.synthYaml());
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2020',
    module: 'commonjs',
    lib: ['es2020'],
    strict: true,
    noImplicitAny: true,
    noUnusedLocals: true,
    declaration: false,
    // A cdk8s app has @types/node; this repository's copy serves (not counted in the install size).
    typeRoots: [join(ROOT, 'node_modules', '@types')],
    types: ['node'],
    outDir: 'dist',
  },
  include: ['main.ts'],
};

beforeAll(() => {
  // `npm test` builds lib/ first; build it here when the test runs alone.
  if (!existsSync(join(ROOT, 'lib', 'index.js')) || !existsSync(join(ROOT, 'lib', 'vendor', 's3.js'))) {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
  }
  // Packed as `npm pack`/`npm publish` do, with the prepack and postpack scripts, but
  // in a copy of the packed files: the checkout's package.json is never rewritten
  // while other test files read it.
  const pack = join(work, 'pack');
  const source = join(work, 'source');
  mkdirSync(pack);
  const [listed] = JSON.parse(npm(['pack', '--dry-run', '--ignore-scripts', '--json'], ROOT)) as Array<{ files: Array<{ path: string }> }>;
  for (const f of [...listed.files.map((x) => x.path), 'scripts/pack-manifest.js']) cpSync(join(ROOT, f), join(source, f));
  const [info] = JSON.parse(npm(['pack', '--json', '--pack-destination', pack], source)) as Array<{ filename: string }>;
  tarball = join(pack, info.filename);
  expect(readFileSync(join(source, 'package.json'), 'utf8')).toBe(readFileSync(join(ROOT, 'package.json'), 'utf8'));
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

test('the peer ranges are ^ ranges (lowest = their floor), the development versions satisfy them, and none is a dependency', () => {
  for (const peer of PEERS) {
    expect(PKG.peerDependencies[peer]).toMatch(/^\^\d+\.\d+\.\d+$/);
    expect(PKG.dependencies[peer]).toBeUndefined();
    expect(PKG.devDependencies[peer]).toBeDefined();
    const [lo, dev] = [lowest(PKG.peerDependencies[peer]), installed(peer)].map((v) => v.split('.').map(Number));
    expect(dev[0]).toBe(lo[0]);
    expect(dev[1] * 1e6 + dev[2]).toBeGreaterThanOrEqual(lo[1] * 1e6 + lo[2]);
  }
});

/** Synthesizes every example values file with InfrahubBackupChart (JavaScript, run in the consumer app). */
const EXAMPLES_JS = `const { readdirSync, readFileSync } = require('fs');
const { join } = require('path');
const { parse } = require('yaml');
const { App } = require('cdk8s');
const { InfrahubBackupChart } = require('${PKG.name}');
const dir = process.argv[2];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
  const app = new App();
  new InfrahubBackupChart(app, 'infrahub-backup', { values: parse(readFileSync(join(dir, file), 'utf8')), releaseName: 'infrahub', namespace: 'infrahub' });
  process.stdout.write('# ' + file + '\\n' + app.synthYaml());
}
`;
/** What the examples synthesize to, per peer-version end. */
const examplesOutput: Record<string, string> = {};

describe.each([
  ['lowest', (peer: string) => lowest(PKG.peerDependencies[peer])],
  ['newest', (peer: string) => installed(peer)],
])('a cdk8s app pinned to the %s supported cdk8s and constructs', (label, version) => {
  const app = join(work, `app-${label}`);
  let before = 0;
  let after = 0;

  beforeAll(() => {
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: `consumer-${label}`, private: true, version: '1.0.0' }, null, 2));
    // The app as `cdk8s init` leaves it: its own cdk8s and constructs.
    npm(['install', '--save-exact', ...NPM_FLAGS, `cdk8s@${version('cdk8s')}`, `constructs@${version('constructs')}`], app);
    before = bytes(join(app, 'node_modules'));
    // Then the library, and cdk8s-plus-28 (a peer npm would add anyway) at the same end of its range.
    npm(['install', ...NPM_FLAGS, tarball, `cdk8s-plus-28@${version('cdk8s-plus-28')}`], app);
    after = bytes(join(app, 'node_modules'));
    writeFileSync(join(app, 'main.ts'), MAIN_TS);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    process.stderr.write(
      `consumer app (${label}: cdk8s@${version('cdk8s')}, constructs@${version('constructs')}, cdk8s-plus-28@${version('cdk8s-plus-28')}): ` +
        `node_modules ${(before / 1e6).toFixed(1)} MB before, ${(after / 1e6).toFixed(1)} MB after, added ${((after - before) / 1e6).toFixed(1)} MB\n`,
    );
  }, 600_000);

  test('one copy each of cdk8s and constructs: the app\'s own, at its pinned version', () => {
    for (const peer of ['cdk8s', 'constructs']) {
      const copies = copiesOf(app, peer);
      expect(copies).toEqual([join(app, 'node_modules', peer)]);
      expect(JSON.parse(readFileSync(join(copies[0], 'package.json'), 'utf8')).version).toBe(version(peer));
    }
    expect(copiesOf(app, 'cdk8s-plus-28')).toHaveLength(1);
  });

  test('the install adds at most 25 MB, and none of the CLI\'s packages', () => {
    expect(after - before).toBeLessThanOrEqual(MAX_ADDED);
    for (const name of ['@aws-sdk/client-s3', '@smithy/node-http-handler', 'commander', 'tar', 'tar-stream', 'tsx', 'esbuild']) {
      expect(copiesOf(app, name)).toEqual([]);
    }
  });

  test('a chart placing InfrahubBackup beside its own objects type-checks (strict) and synthesizes', () => {
    const objects = parseAllDocuments(typeCheckAndSynth(app)).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string } });
    expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'CronJob', 'Role', 'RoleBinding', 'ServiceAccount']);
    expect(objects.find((o) => o.kind === 'ConfigMap')?.metadata.name).toBe('platform-settings');
    expect(objects.find((o) => o.kind === 'CronJob')?.metadata).toMatchObject({ name: 'infrahub-infrahub-backup', namespace: 'infrahub' });
  });

  test('the CLI runs from the same install (S3 client bundled); a TypeScript app for `argocd generate` asks for tsx in one line', () => {
    const bin = join(app, 'node_modules', '.bin', PKG.name);
    const env = { PATH: [join(process.execPath, '..'), '/usr/bin', '/bin'].join(':'), HOME: work };
    const synth = spawnSync(bin, ['synth', '--set', 'backup.enabled=true,backup.storage.s3.bucket=backups'], { cwd: app, env, encoding: 'utf8' });
    expect(synth.stderr).toBe('');
    expect(synth.status).toBe(0);
    expect(synth.stdout).toContain('kind: Job');
    const s3 = spawnSync(bin, ['s3', 'list', '--bucket', 'backups', '--endpoint', 'http://127.0.0.1:9', '--timeout', '2'], {
      cwd: app,
      env: { ...env, AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' },
      encoding: 'utf8',
    });
    expect(s3.stdout).toBe('');
    expect(s3.stderr).toMatch(/^error: endpoint unreachable: 127\.0\.0\.1:9 [^\n]*\n$/);
    expect(s3.status).toBe(1);
    // Beside the app, not inside it: the plugin refuses a package.json or node_modules above the repository.
    const dir = join(work, `argocd-app-${label}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'cdk8s.yaml'), 'language: typescript\napp: npx ts-node main.ts\n');
    writeFileSync(join(dir, 'main.ts'), MAIN_TS);
    const generate = spawnSync(bin, ['argocd', 'generate'], {
      cwd: dir,
      env: { ...env, ARGOCD_APP_NAME: 'backups', ARGOCD_APP_NAMESPACE: 'infrahub', INFRAHUB_BACKUP_APP_MODE: 'enabled', PARAM_MODE: 'app' },
      encoding: 'utf8',
    });
    expect(generate.stdout).toBe('');
    expect(generate.stderr).toMatch(/^error: main\.ts: a TypeScript cdk8s app runs with tsx, which is not installed: run `npm install tsx`[^\n]*\n$/m);
    expect(generate.status).toBe(2);
  });

  test('every example synthesizes', () => {
    writeFileSync(join(app, 'examples.js'), EXAMPLES_JS);
    const run = spawnSync(process.execPath, [join(app, 'examples.js'), join(ROOT, 'examples', 'values')], { cwd: app, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('kind: CronJob');
    examplesOutput[label] = run.stdout;
  });

  test('the library entry point loads none of the CLI, S3, chart-building or Argo CD code', () => {
    const script = `require(${JSON.stringify(PKG.name)}); process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
    const run = spawnSync(process.execPath, ['-e', script], { cwd: app, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const loaded = (JSON.parse(run.stdout) as string[]).map((f) => f.slice(app.length + 1));
    const own = loaded.filter((f) => f.startsWith(`node_modules/${PKG.name}/`));
    expect(own).toContain(`node_modules/${PKG.name}/lib/index.js`);
    expect(own.filter((f) => /\/lib\/(cli|values-io|s3|argocd|helm|vendor)(\/|\.js$)/.test(f))).toEqual([]);
  });
});

test('the examples give the same manifests with the lowest and the newest supported peers', () => {
  expect(examplesOutput.lowest).toBeDefined();
  expect(examplesOutput.lowest).toBe(examplesOutput.newest);
});

/** The lifecycle scripts package managers run when they install a package. */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare', 'preprepare', 'postprepare'];

test('the packed package.json declares no install-time script; the checkout keeps prepare (Git installs build lib/ with it)', () => {
  const packed = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as { scripts: Record<string, string> };
  expect(Object.keys(packed.scripts).filter((s) => INSTALL_SCRIPTS.includes(s))).toEqual([]);
  expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.prepare).toBe('npm run build');
  expect(execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })).not.toMatch(/package\.json\.unpacked|pack-manifest/);
});

/** A JavaScript app: InfrahubBackup beside an object of its own; prints the Node.js version, then the manifests. */
const MAIN_JS = `const { App, ApiObject, Chart } = require('cdk8s');
const { InfrahubBackup } = require('${PKG.name}');
const app = new App();
const chart = new Chart(app, 'platform', { namespace: 'infrahub' });
new ApiObject(chart, 'settings', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'platform-settings' } });
new InfrahubBackup(chart, 'backup', {
  releaseName: 'infrahub',
  values: { backup: { enabled: true, mode: 'cronjob', schedule: '0 2 * * *', storage: { s3: { bucket: 'infrahub-backups', secretName: 's3' } } } },
});
process.stdout.write(process.version + '\\n' + app.synthYaml());
`;

/** npm's own CLI script, run by the fetched node (npm checks --engine-strict against the node that runs it). */
const NPM_CLI = join(dirname(realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim())), 'npm-cli.js');

/** Warning lines of an npm install that name this package or its engines (another package's deprecation is not ours). */
const ourWarnings = (stderr: string) => stderr.split('\n').filter((l) => /warn/i.test(l) && (l.includes(PKG.name) || /EBADENGINE|install-scripts|engine/i.test(l)));

describe.each(['20.20.2', '22.23.5', '24.22.3', '26.12.1'])('Node.js %s (binary fetched by this test)', (version) => {
  const app = join(work, `node-${version}`);
  let nodeBin = '';
  let install = { status: -1 as number | null, stderr: '' };

  beforeAll(() => {
    const fetched = spawnSync('bash', [join(ROOT, 'scripts', 'fetch-node.sh'), version], { encoding: 'utf8', env: { ...process.env, NODE_TOOLS_DIR: join(work, 'nodes') } });
    if (fetched.status !== 0) throw new Error(`scripts/fetch-node.sh ${version}: ${fetched.stderr}`);
    nodeBin = fetched.stdout.trim();
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer-node', private: true, version: '1.0.0' }, null, 2));
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))), PATH: [nodeBin, process.env.PATH].join(delimiter) };
    const r = spawnSync(
      join(nodeBin, 'node'),
      [NPM_CLI, 'install', '--engine-strict', '--no-audit', '--no-fund', '--prefer-offline', tarball, ...PEERS.map((p) => `${p}@${installed(p)}`)],
      { cwd: app, env, encoding: 'utf8' },
    );
    install = { status: r.status, stderr: r.stderr };
    writeFileSync(join(app, 'main.js'), MAIN_JS);
  }, 300_000);

  test('npm install --engine-strict succeeds with no warning about this package (engines, install scripts)', () => {
    expect(ourWarnings(install.stderr)).toEqual([]);
    expect(install.status).toBe(0);
  });

  test('the library synthesizes on it, and the CLI runs on it', () => {
    const run = spawnSync(join(nodeBin, 'node'), [join(app, 'main.js')], { cwd: app, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n')[0]).toBe(`v${version}`);
    expect(run.stdout).toContain('kind: CronJob');
    const env = { PATH: [nodeBin, '/usr/bin', '/bin'].join(':'), HOME: work };
    const synth = spawnSync(join(app, 'node_modules', '.bin', PKG.name), ['synth', '--set', 'backup.enabled=true,backup.storage.s3.bucket=backups'], { cwd: app, env, encoding: 'utf8' });
    expect(synth.stderr).toBe('');
    expect(synth.status).toBe(0);
    expect(synth.stdout).toContain('kind: Job');
  });
});

describe('an app as `cdk8s init typescript-app` scaffolds it (cdk8s-plus-33)', () => {
  const app = join(work, 'app-plus33');
  let before = 0;
  let after = 0;
  const MAIN33 = `import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import { BackupMode, InfrahubBackup, InfrahubBackupChart } from '${PKG.name}';

const app = new App();
const chart = new Chart(app, 'platform', { namespace: 'infrahub' });
// The app's own objects come from cdk8s-plus-33 ...
new kplus.ConfigMap(chart, 'settings', { metadata: { name: 'platform-settings' }, data: { owner: 'platform' } });
// ... the constructs bring their own objects (built with cdk8s-plus-28), in the same chart or their own.
new InfrahubBackup(chart, 'backup', {
  releaseName: 'infrahub',
  values: { backup: { enabled: true, mode: BackupMode.CRONJOB, schedule: '0 2 * * *', storage: { s3: { bucket: 'infrahub-backups', secretName: 's3' } } } },
});
new InfrahubBackupChart(app, 'restore', { releaseName: 'staging', namespace: 'staging', values: { restore: { enabled: true, storage: { s3: { bucket: 'infrahub-backups', latest: true } } } } });
process.stdout.write(app.synthYaml());
`;

  beforeAll(() => {
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer-plus33', private: true, version: '1.0.0' }, null, 2));
    npm(['install', ...NPM_FLAGS, `cdk8s@${installed('cdk8s')}`, `constructs@${installed('constructs')}`, 'cdk8s-plus-33'], app);
    before = bytes(join(app, 'node_modules'));
    // npm adds the peer cdk8s-plus-28 by itself.
    npm(['install', ...NPM_FLAGS, tarball], app);
    after = bytes(join(app, 'node_modules'));
    writeFileSync(join(app, 'main.ts'), MAIN33);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    process.stderr.write(`cdk8s-plus-33 app: node_modules ${(before / 1e6).toFixed(1)} MB before, ${(after / 1e6).toFixed(1)} MB after, added ${((after - before) / 1e6).toFixed(1)} MB (cdk8s-plus-28 ${(bytes(join(app, 'node_modules', 'cdk8s-plus-28')) / 1e6).toFixed(1)} MB)\n`);
  }, 600_000);

  test('one copy of cdk8s and constructs; cdk8s-plus-28 beside cdk8s-plus-33; the install adds at most 25 MB', () => {
    for (const peer of ['cdk8s', 'constructs', 'cdk8s-plus-33', 'cdk8s-plus-28']) expect(copiesOf(app, peer)).toHaveLength(1);
    expect(after - before).toBeLessThanOrEqual(MAX_ADDED);
  });

  test('a cdk8s-plus-33 object, InfrahubBackup and InfrahubBackupChart type-check (strict) and synthesize', () => {
    const kinds = parseAllDocuments(typeCheckAndSynth(app)).map((d) => (d.toJS() as { kind: string }).kind);
    expect(kinds).toEqual(expect.arrayContaining(['ConfigMap', 'CronJob', 'Job']));
  });
});

test('installs from a Git URL before any release: prepare builds lib/, and the library and the CLI run', () => {
  // A repository of this working tree (tracked and new files), as a clone of the project would be.
  const repo = join(work, 'repo');
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  if (listed.status === 0) {
    for (const f of listed.stdout.split('\0').filter((f) => f && existsSync(join(ROOT, f)))) cpSync(join(ROOT, f), join(repo, f));
  } else {
    // Not a Git checkout (an extracted copy): everything but what a build or an install makes.
    const made = new Set(['node_modules', '.tools', 'lib', 'dist', '.git']);
    for (const f of readdirSync(ROOT).filter((f) => !made.has(f))) cpSync(join(ROOT, f), join(repo, f), { recursive: true });
  }
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], { cwd: repo, stdio: 'pipe' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'clone');
  const app = join(work, 'app-git');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer-git', private: true, version: '1.0.0' }, null, 2));
  npm(['install', '--engine-strict', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', `git+file://${repo}`, ...PEERS.map((p) => `${p}@${installed(p)}`)], app);
  expect(existsSync(join(app, 'node_modules', PKG.name, 'lib', 'index.js'))).toBe(true);
  expect(existsSync(join(app, 'node_modules', PKG.name, 'lib', 'model', 'values-validator.js'))).toBe(true);
  writeFileSync(join(app, 'main.js'), MAIN_JS);
  const run = spawnSync(process.execPath, [join(app, 'main.js')], { cwd: app, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.stdout).toContain('kind: CronJob');
  const synth = spawnSync(join(app, 'node_modules', '.bin', PKG.name), ['synth', '--set', 'backup.enabled=true,backup.storage.s3.bucket=backups'], { cwd: app, encoding: 'utf8', env: { PATH: [dirname(process.execPath), '/usr/bin', '/bin'].join(':'), HOME: work } });
  expect(synth.stderr).toBe('');
  expect(synth.stdout).toContain('kind: Job');
}, 600_000);
