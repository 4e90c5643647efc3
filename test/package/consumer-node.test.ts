/**
 * The packed tarball (test/support/packed.ts, shared with the other package
 * tests) installs with --engine-strict and no warning on Node.js 20, 22, 24
 * and 26, whose binaries this test fetches (scripts/fetch-node.sh, kept under
 * the system's temporary folder for later runs; the script checks the version
 * it finds) and whose npm runs the install; the library synthesizes and the
 * CLI runs on each. The app is JavaScript: the type check, which does not
 * depend on the Node.js version, is consumer-app.test.ts's.
 *
 * And beside cdk8s-plus-33 as `cdk8s init typescript-app` scaffolds it: one
 * copy of cdk8s and constructs, the install adds at most 25 MB, and a chart
 * mixing cdk8s-plus-33 objects with the constructs type-checks and synthesizes.
 *
 * Uses the local npm cache first (--prefer-offline); the registry fills what
 * the cache lacks.
 */
import { execFileSync, spawnSync } from 'child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'fs';
import { delimiter, dirname, join } from 'path';
import { parseAllDocuments } from 'yaml';
import { MAIN_JS, MAX_ADDED, NPM_FLAGS, PEERS, PKG, ROOT, TSCONFIG, bytes, copiesOf, installed, packedBeforeAll, typeCheckAndSynth, workFolder } from '../support/consumer';
import { cacheRoot } from '../support/cache';
import { npm } from '../support/packed';
import { clientRuns } from '../../src/guard/kube';

const work = workFolder();
const tarball = packedBeforeAll();

/** npm's own CLI script, run by the fetched node (npm checks --engine-strict against the node that runs it). */
const NPM_CLI = join(dirname(realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim())), 'npm-cli.js');

/** Warning lines of an npm install that name this package or its engines (another package's deprecation is not ours). */
const ourWarnings = (stderr: string) => stderr.split('\n').filter((l) => /warn/i.test(l) && (l.includes(PKG.name) || /EBADENGINE|install-scripts|engine/i.test(l)));

describe.each(['20.20.2', '22.23.5', '24.22.3', '26.12.1'])('Node.js %s (binary fetched by this test)', (version) => {
  const app = join(work, `node-${version}`);
  let nodeBin = '';
  let install = { status: -1 as number | null, stderr: '' };

  beforeAll(() => {
    const fetched = spawnSync('bash', [join(ROOT, 'scripts', 'fetch-node.sh'), version], { encoding: 'utf8', env: { ...process.env, NODE_TOOLS_DIR: join(cacheRoot(), 'ibc-node-tools', version) } });
    if (fetched.status !== 0) throw new Error(`scripts/fetch-node.sh ${version}: ${fetched.stderr}`);
    nodeBin = fetched.stdout.trim();
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer-node', private: true, version: '1.0.0' }, null, 2));
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))), PATH: [nodeBin, process.env.PATH].join(delimiter) };
    const r = spawnSync(
      join(nodeBin, 'node'),
      [NPM_CLI, 'install', '--engine-strict', '--no-audit', '--no-fund', '--prefer-offline', tarball(), ...PEERS.map((p) => `${p}@${installed(p)}`)],
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
    // The guard's Kubernetes client needs Node.js 22.19: before it, one line saying so; from it, the API's own failure.
    writeFileSync(join(work, 'kubeconfig'), 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n');
    const guard = spawnSync(join(app, 'node_modules', '.bin', PKG.name), ['guard', 'repair', '-n', 'ns', '--release', 'r', '--timeout', '2'], { cwd: app, env: { ...env, KUBECONFIG: join(work, 'kubeconfig') }, encoding: 'utf8' });
    expect(guard.status).toBe(1);
    expect(guard.stdout).toBe('');
    expect(guard.stderr.trim().split('\n')).toHaveLength(1);
    if (clientRuns(version)) expect(guard.stderr).toMatch(/^error: .*127\.0\.0\.1:1/);
    else expect(guard.stderr).toMatch(/^error: the guard commands need Node\.js 22\.19\.0 or later .* this is Node\.js 20\./);
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
    npm(['install', ...NPM_FLAGS, tarball()], app);
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
