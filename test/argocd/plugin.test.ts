/**
 * The Argo CD plugin as Argo CD runs it: the commands of argocd/plugin.yaml,
 * exactly as written, in a temporary application directory with the
 * environment Argo CD sets; the output compared with `synth`.
 */
import { execFileSync } from 'child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { parseAllDocuments } from 'yaml';
import { PARAMETERS } from '../../src/argocd/environment';
import { cli } from '../support/helm';
import { Application, APP_MODE_SIDECAR, argocdEnvironment, loadPlugin, makeRepository, ROOT, runPluginCommand } from './sidecar';

const plugin = loadPlugin();
const EXAMPLES = join(ROOT, 'examples', 'values');
const example = (name: string) => readFileSync(join(EXAMPLES, name), 'utf8');

beforeAll(() => {
  // `npm test` builds lib/ first; build it here when the test runs alone.
  if (!existsSync(join(ROOT, 'lib', 'cli.js'))) {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'pipe' });
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'compile-validator.js')], { cwd: ROOT, stdio: 'pipe' });
  }
}, 180_000);

/** Runs generate for an Application whose directory holds `files` (paths relative to it). */
async function generate(app: Application, files: Record<string, string>, repoFiles: Record<string, string> = {}) {
  const repo = makeRepository({ ...repoFiles, ...Object.fromEntries(Object.entries(files).map(([p, c]) => [join(app.path, p), c])) });
  const dir = join(repo, app.path);
  const result = await runPluginCommand(plugin.spec.generate, dir, argocdEnvironment(app));
  return { ...result, dir, repo };
}

/** Every document is a Kubernetes object: stdout holds nothing else. */
function expectOnlyObjects(stdout: string): void {
  const docs = parseAllDocuments(stdout);
  expect(docs.length).toBeGreaterThan(0);
  for (const d of docs) {
    expect(d.errors).toEqual([]);
    const o = d.toJS() as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
    expect(typeof o.apiVersion).toBe('string');
    expect(typeof o.kind).toBe('string');
    expect(typeof o.metadata?.name).toBe('string');
  }
}

describe('argocd/plugin.yaml', () => {
  test('a ConfigManagementPlugin for a sidecar, named infrahub-backup, version v1', () => {
    expect(plugin.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(plugin.kind).toBe('ConfigManagementPlugin');
    expect(plugin.metadata.name).toBe('infrahub-backup');
    expect(plugin.spec.version).toBe('v1');
  });

  test('generate runs the bin directly (no shell, so no pipe can hide a failure)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(plugin.spec.generate.command).toEqual([Object.keys(pkg.bin)[0], 'argocd', 'generate']);
    expect(plugin.spec.init).toBeUndefined();
  });

  test('announces exactly the parameters the plugin reads, with their collection types', () => {
    const announced = (plugin.spec.parameters?.static ?? []).map((p) => ({ name: p.name, collectionType: p.collectionType }));
    const read = Object.values(PARAMETERS).map((p) => ({ name: p.name, collectionType: p.collectionType }));
    expect(announced).toEqual(read);
    for (const p of plugin.spec.parameters?.static ?? []) {
      expect(typeof p.title).toBe('string');
      expect(typeof p.tooltip).toBe('string');
    }
  });
});

describe('discover (find.command, run in the application directory)', () => {
  const find = plugin.spec.discover?.find as { command: string[]; args?: string[] };
  const discover = async (files: Record<string, string>) => {
    const repo = makeRepository(Object.fromEntries(Object.entries(files).map(([p, c]) => [join('app', p), c])));
    const r = await runPluginCommand(find, join(repo, 'app'), argocdEnvironment({ name: 'a', namespace: 'n', path: 'app' }));
    expect(r.code).toBe(0);
    return r.stdout.trim();
  };

  test.each([
    ['infrahub-backup.yaml', { 'infrahub-backup.yaml': 'backup: {enabled: true}\n' }],
    ['infrahub-backup.yml', { 'infrahub-backup.yml': '' }],
    ['values.yaml with a top-level backup key', { 'values.yaml': example('scheduled-s3.yaml') }],
    ['values.yml with a top-level restore key', { 'values.yml': example('restore-latest.yaml') }],
    ['a cdk8s app importing the library', { 'cdk8s.yaml': 'app: npx ts-node main.ts\n', 'main.ts': "import { InfrahubBackupChart } from 'infrahub-backup-cdk8s';\n" }],
    ['a cdk8s app depending on the library', { 'cdk8s.yaml': 'app: node main.js\n', 'package.json': '{"dependencies":{"infrahub-backup-cdk8s":"^0.1.0"}}' }],
  ])('matches %s', async (_, files) => {
    expect(await discover(files)).not.toBe('');
  });

  test.each([
    ['an empty directory', { '.keep': '' }],
    ['plain manifests', { 'deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\n' }],
    ['a Helm chart', { 'Chart.yaml': 'name: x\n', 'values.yaml': 'backup:\n  enabled: true\n' }],
    ['a Kustomize base', { 'kustomization.yaml': 'resources: []\n', 'patch.yaml': 'backup: {}\n' }],
    ['another cdk8s app', { 'cdk8s.yaml': 'app: npx ts-node main.ts\n', 'main.ts': "import { App } from 'cdk8s';\n" }],
    // Applications elsewhere list such a file in values-files; generate would find no values file here.
    ['a shared values fragment', { 'common.yaml': example('scheduled-s3.yaml') }],
    ['shared fragments beside a values.yaml of something else', { 'backup.yaml': 'backup:\n  enabled: true\n', 'values.yaml': 'replicas: 2\n' }],
    ['a values.yaml without backup or restore, beside a values.yml with them', { 'values.yaml': 'x: 1\n', 'values.yml': 'backup: {}\n' }],
  ])('does not match %s', async (_, files) => {
    expect(await discover(files)).toBe('');
  });
});

describe('generate, values mode', () => {
  const app: Application = { name: 'infrahub-backup-nightly', namespace: 'infrahub', path: 'clusters/prod/backup' };

  test('infrahub-backup.yaml gives what synth gives with the Application name and destination namespace', async () => {
    const r = await generate(app, { 'infrahub-backup.yaml': example('scheduled-s3.yaml') });
    const expected = await cli(['synth', '-f', join(EXAMPLES, 'scheduled-s3.yaml'), '--release', app.name, '--namespace', app.namespace]);
    expect(expected.code).toBe(0);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected.stdout);
    expectOnlyObjects(r.stdout);
    expect(r.stderr).toBe(
      'infrahub-backup-cdk8s: values infrahub-backup.yaml; release infrahub-backup-nightly (ARGOCD_APP_NAME), namespace infrahub (ARGOCD_APP_NAMESPACE)\n',
    );
    // Argo CD allows 90 s (ARGOCD_EXEC_TIMEOUT); `npm run bench:argocd` measures it on a quiet machine.
    console.log(`argocd generate (values, as in plugin.yaml): ${r.ms.toFixed(0)} ms`);
    expect(r.ms).toBeLessThan(15_000);
  }, 60_000);

  test.each(['one-shot-backup.yaml', 'restore-latest.yaml', 'local-persistent.yaml'])('%s as values.yaml matches synth', async (name) => {
    const r = await generate(app, { 'values.yaml': example(name) });
    const expected = await cli(['synth', '-f', join(EXAMPLES, name), '--release', app.name, '--namespace', app.namespace]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected.stdout);
  }, 60_000);

  test('parameters: values files from elsewhere in the repository, --set and --set-string, release name', async () => {
    const withParams: Application = {
      ...app,
      parameters: [
        { name: 'values-files', array: ['../common/backup.yaml', 'prod.yaml'] },
        { name: 'set', array: ['backup.schedule=30 1 * * *', 'cronJob.suspend=true'] },
        { name: 'set-string', array: ['backup.id=0042'] },
        { name: 'release-name', string: 'infrahub' },
      ],
    };
    const r = await generate(
      withParams,
      { 'prod.yaml': 'backup:\n  storage:\n    s3:\n      prefix: prod\n' },
      { 'clusters/prod/common/backup.yaml': example('scheduled-s3.yaml') },
    );
    const expected = await cli([
      'synth', '-f', join(r.repo, 'clusters/prod/common/backup.yaml'), '-f', join(r.dir, 'prod.yaml'),
      '--set', 'backup.schedule=30 1 * * *', '--set', 'cronJob.suspend=true', '--set-string', 'backup.id=0042',
      '--release', 'infrahub', '--namespace', 'infrahub',
    ]);
    expect(expected.code).toBe(0);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected.stdout);
    expect(r.stdout).toContain('schedule: 30 1 * * *');
    expect(r.stdout).toContain('suspend: true');
  }, 60_000);

  test('plugin env entries: VALUES_FILES, SET and a RELEASE_NAME built from the build environment', async () => {
    const withEnv: Application = {
      ...app,
      env: { VALUES_FILES: 'base.yaml,override.yaml', SET: 'cronJob.timeZone=Europe/Paris', RELEASE_NAME: '$ARGOCD_APP_NAME-s3' },
    };
    const r = await generate(withEnv, { 'base.yaml': example('scheduled-s3.yaml'), 'override.yaml': 'backup:\n  schedule: "@daily"\n' });
    const expected = await cli([
      'synth', '-f', join(r.dir, 'base.yaml'), '-f', join(r.dir, 'override.yaml'), '--set', 'cronJob.timeZone=Europe/Paris',
      '--release', `${app.name}-s3`, '--namespace', app.namespace,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected.stdout);
    expect(r.stderr).toContain(`release ${app.name}-s3 (ARGOCD_ENV_RELEASE_NAME)`);
  }, 60_000);

  test('SET/SET_STRING env entries and set/set-string parameters combine: env entries first, a parameter wins on the same path', async () => {
    const combined: Application = {
      ...app,
      env: { SET: 'backup.schedule=0 1 * * *,cronJob.suspend=true', SET_STRING: 'backup.storage.s3.prefix=from-env' },
      parameters: [
        { name: 'set', array: ['backup.schedule=0 3 * * *'] },
        { name: 'set-string', array: ['backup.storage.s3.prefix=from-param'] },
      ],
    };
    const r = await generate(combined, { 'infrahub-backup.yaml': example('scheduled-s3.yaml') });
    const expected = await cli([
      'synth', '-f', join(EXAMPLES, 'scheduled-s3.yaml'),
      '--set', 'backup.schedule=0 1 * * *,cronJob.suspend=true', '--set-string', 'backup.storage.s3.prefix=from-env',
      '--set', 'backup.schedule=0 3 * * *', '--set-string', 'backup.storage.s3.prefix=from-param',
      '--release', app.name, '--namespace', app.namespace,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected.stdout);
    // The parameters won where both set a path; the env entry's other path still applies.
    expect(r.stdout).toContain('schedule: 0 3 * * *');
    expect(r.stdout).not.toContain('0 1 * * *');
    expect(r.stdout).toContain('from-param');
    expect(r.stdout).not.toContain('from-env');
    expect(r.stdout).toContain('suspend: true');
    expect(r.stderr).toContain('and 4 --set');
  }, 60_000);

  test('invalid values: exit code 2, the problems on stderr, nothing on stdout', async () => {
    const r = await generate(app, { 'infrahub-backup.yaml': 'backup:\n  enabled: true\n  storage:\n    type: s3\n' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: backup\.storage\.s3\.bucket: /m);
  }, 60_000);

  test.each([
    ['a missing values file', { name: 'values-files', array: ['missing.yaml'] }, /^error: missing\.yaml: cannot read the file \(ENOENT\)$/m],
    ['a values file above the repository', { name: 'values-files', array: ['../../../../etc/passwd'] }, /must stay inside the repository/],
    ['an unknown mode', { name: 'mode', string: 'helm' }, /^error: mode: must be one of auto, values, app/m],
    ['a --set syntax error', { name: 'set', array: ['backup.enabled'] }, /^error: --set /m],
  ])('%s: non-zero exit, nothing on stdout', async (_, parameter, message) => {
    const r = await generate({ ...app, parameters: [parameter] }, { 'infrahub-backup.yaml': example('scheduled-s3.yaml') });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  }, 60_000);

  test('no values file and no cdk8s app: non-zero exit, nothing on stdout', async () => {
    const r = await generate(app, { 'README.md': '# nothing\n' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: no values file: /m);
  }, 60_000);

  test('a values file that is a symbolic link out of the repository is refused', async () => {
    const repo = makeRepository({ 'backup/.keep': '' });
    symlinkSync(join(EXAMPLES, 'scheduled-s3.yaml'), join(repo, 'backup', 'infrahub-backup.yaml'));
    const r = await runPluginCommand(plugin.spec.generate, join(repo, 'backup'), argocdEnvironment({ ...app, path: 'backup' }));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error: values file infrahub-backup.yaml: leads outside the repository');
  }, 60_000);

  test('values that enable nothing fail: an empty render would make Argo CD prune the application', async () => {
    const r = await generate(app, { 'infrahub-backup.yaml': 'backup:\n  enabled: false\n' });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('the values enable neither backup nor restore: no object to deploy; set the plugin parameter allow-empty=true');
  }, 60_000);

  test('with allow-empty=true they give no object, exit 0 and a warning (Argo CD then prunes, as asked)', async () => {
    const allowing: Application = { ...app, parameters: [{ name: 'allow-empty', string: 'true' }] };
    const r = await generate(allowing, { 'infrahub-backup.yaml': 'backup:\n  enabled: false\n' });
    expect(r.code).toBe(0);
    expect(parseAllDocuments(r.stdout).filter((d) => d.toJS() !== null)).toEqual([]);
    expect(r.stderr).toContain('warning: the values enable neither backup nor restore');
  }, 60_000);
});

describe('generate, cdk8s app mode (enabled on the sidecar, mode=app)', () => {
  const app: Application = { name: 'backups', namespace: 'infrahub', path: 'apps/backup', parameters: [{ name: 'mode', string: 'app' }] };
  const env = () => argocdEnvironment(app, APP_MODE_SIDECAR);
  const exampleApp = join(ROOT, 'examples', 'argocd', 'cdk8s-app');

  /** The example app copied into a repository, with no node_modules: the library comes from the plugin's installation. */
  function exampleRepository(extra: Record<string, string> = {}): { repo: string; dir: string } {
    const repo = makeRepository({});
    const dir = join(repo, app.path);
    cpSync(exampleApp, dir, { recursive: true });
    for (const [p, c] of Object.entries(extra)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), c);
    }
    return { repo, dir };
  }

  test('examples/argocd/cdk8s-app gives what synth gives for the same values', async () => {
    const { dir } = exampleRepository();
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    const r = await runPluginCommand(plugin.spec.generate, dir, env());
    const expected = await cli(['synth', '-f', join(EXAMPLES, 'scheduled-s3.yaml'), '--release', app.name, '--namespace', app.namespace]);
    expect(r.stderr).toContain('infrahub-backup-cdk8s: cdk8s app main.ts; release backups (ARGOCD_APP_NAME)');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected.stdout);
    expectOnlyObjects(r.stdout);
    console.log(`argocd generate (cdk8s app, as in plugin.yaml): ${r.ms.toFixed(0)} ms`);
    // The app writes nothing into the repository.
    expect(existsSync(join(dir, 'dist'))).toBe(false);
  }, 120_000);

  test("the app's own stdout goes to stderr; stdout keeps only manifests", async () => {
    const main = readFileSync(join(exampleApp, 'main.ts'), 'utf8').replace('app.synth();', "console.log('hello from the app');\napp.synth();");
    const { dir } = exampleRepository({ 'main.ts': main });
    const r = await runPluginCommand(plugin.spec.generate, dir, env());
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('hello');
    expect(r.stderr).toContain('hello from the app');
    expectOnlyObjects(r.stdout);
  }, 120_000);

  test('a compiled JavaScript entry named by cdk8s.yaml runs without tsx', async () => {
    const js = [
      "const { App } = require('cdk8s');",
      "const { InfrahubBackupChart } = require('infrahub-backup-cdk8s');",
      'const app = new App();',
      "new InfrahubBackupChart(app, 'b', { releaseName: process.env.INFRAHUB_BACKUP_RELEASE, namespace: process.env.INFRAHUB_BACKUP_NAMESPACE,",
      "  values: { backup: { enabled: true, storage: { type: 'local' } } } });",
      'app.synth();',
    ].join('\n');
    const { dir } = exampleRepository({ 'cdk8s.yaml': 'app: node dist/main.js\n', 'dist/main.js': js });
    const r = await runPluginCommand(plugin.spec.generate, dir, env());
    const expected = await cli(['synth', '--set', 'backup.enabled=true,backup.storage.type=local', '--release', app.name, '--namespace', app.namespace]);
    expect(r.stderr).toContain('cdk8s app dist/main.js');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(expected.stdout);
  }, 120_000);

  test('an app that throws (here: invalid values): non-zero exit, nothing on stdout, its error on stderr', async () => {
    const main = readFileSync(join(exampleApp, 'main.ts'), 'utf8').replace("bucket: 'infrahub-backups'", "bucket: ''");
    const { dir } = exampleRepository({ 'main.ts': main });
    const r = await runPluginCommand(plugin.spec.generate, dir, env());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('backup.storage.s3.bucket');
    expect(r.stderr).toMatch(/^error: the cdk8s app main\.ts failed with exit code 1$/m);
  }, 120_000);

  test('an app that writes its manifests elsewhere (outdir set): non-zero exit, nothing on stdout', async () => {
    const main = readFileSync(join(exampleApp, 'main.ts'), 'utf8').replace('new App()', "new App({ outdir: 'out' })");
    const { dir } = exampleRepository({ 'main.ts': main });
    const r = await runPluginCommand(plugin.spec.generate, dir, env());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/wrote no manifest to CDK8S_OUTDIR/);
  }, 120_000);
});
