/**
 * The construct library as a cdk8s app installs it: the packed tarball goes
 * into a fresh app that already has its own cdk8s and constructs, at the
 * lowest versions the peer ranges allow and at the newest (the ones this
 * repository develops with). For each: one copy of cdk8s and of constructs,
 * a chart placing InfrahubBackup beside its own objects type-checks with the
 * app's strict tsconfig and synthesizes, the library entry point loads none of
 * the CLI, S3 or Argo CD code, and the install adds at most 25 MB (printed).
 * The packed tarball (packed once, with its prepack script, from a copy of the
 * packed files: test/support/packed.ts) declares no install-time script.
 *
 * The other installs run in their own files, so that jest's workers run them
 * side by side: consumer-node.test.ts (Node.js 20 to 26, and beside
 * cdk8s-plus-33) and consumer-git.test.ts (from a Git URL).
 *
 * Uses the local npm cache first (--prefer-offline); the registry fills what
 * the cache lacks.
 */
import { execFileSync, spawnSync } from 'child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { MAIN_TS, MAX_ADDED, NPM_FLAGS, PEERS, PKG, ROOT, TSCONFIG, bytes, copiesOf, installed, lowest, packedBeforeAll, typeCheckAndSynth, workFolder } from '../support/consumer';
import { npm } from '../support/packed';

const work = workFolder();
const tarball = packedBeforeAll();

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
    npm(['install', ...NPM_FLAGS, tarball(), `cdk8s-plus-28@${version('cdk8s-plus-28')}`], app);
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
    expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'CronJob', 'CronJob', 'Role', 'RoleBinding', 'ServiceAccount']);
    expect(objects.find((o) => o.kind === 'ConfigMap')?.metadata.name).toBe('platform-settings');
    // The backup CronJob, and the scale guard's repair CronJob beside it.
    const cronJobs = objects.filter((o) => o.kind === 'CronJob').map((o) => o.metadata);
    expect(cronJobs.map((m) => `${m.namespace}/${m.name}`).sort()).toEqual(['infrahub/infrahub-infrahub-backup', 'infrahub/infrahub-infrahub-backup-guard']);
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
  const packed = JSON.parse(execFileSync('tar', ['-xzOf', tarball(), 'package/package.json'], { encoding: 'utf8' })) as { scripts: Record<string, string> };
  expect(Object.keys(packed.scripts).filter((s) => INSTALL_SCRIPTS.includes(s))).toEqual([]);
  expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.prepare).toBe('npm run build');
  expect(execFileSync('tar', ['-tzf', tarball()], { encoding: 'utf8' })).not.toMatch(/package\.json\.unpacked|pack-manifest/);
});
