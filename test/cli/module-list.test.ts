/**
 * What each command loads, recorded from the built bin in a fresh process:
 * `version` and the `s3` commands never load cdk8s, cdk8s-plus-28, the values
 * model or its validator, and a synthesis loads one copy of yaml. Keeps the
 * lazy paths of the CLI from regressing silently.
 */
import { execFileSync, spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative, sep } from 'path';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'infrahub-backup-cdk8s');
const work = mkdtempSync(join(tmpdir(), 'ibc-modules-'));
const recorder = join(work, 'record-modules.js');

beforeAll(() => {
  // `npm test` builds lib/ first; build it here when the test runs alone.
  if (!existsSync(join(ROOT, 'lib', 'cli.js'))) {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'pipe' });
  }
  // Preloaded with -r: writes the files in require.cache when the process exits.
  writeFileSync(
    recorder,
    `process.on('exit', () => require('fs').writeFileSync(process.env.MODULE_LIST, JSON.stringify(Object.keys(require.cache))));\n`,
  );
}, 180_000);

/** The files a command loaded, relative to the package root. */
function modulesOf(args: string[], extraEnv: NodeJS.ProcessEnv = {}): { status: number | null; files: string[] } {
  const list = join(work, `modules-${Math.random().toString(36).slice(2)}.json`);
  const result = spawnSync(process.execPath, ['-r', recorder, BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH, HOME: work, MODULE_LIST: list, NODE_DISABLE_COMPILE_CACHE: '1', ...extraEnv },
  });
  const files = (JSON.parse(readFileSync(list, 'utf8')) as string[]).map((f) => relative(ROOT, f).split(sep).join('/'));
  return { status: result.status, files };
}

/** Package names (outermost first, e.g. "cdk8s > yaml") and project files under lib/. */
function packagesOf(files: string[]): Set<string> {
  return new Set(
    files.map((f) => {
      const names = [...f.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].map((m) => m[1]);
      return names.length > 0 ? names.join(' > ') : f;
    }),
  );
}

const SYNTHESIS = ['cdk8s', 'cdk8s-plus-28', 'constructs', 'ajv', 'cron-parser', 'luxon', 'tzdata', 'yaml', 'cdk8s > yaml'];
const MODEL = ['lib/synth.js', 'lib/model/resolve.js', 'lib/model/values-validator.js', 'lib/model/spec.js', 'lib/model/plan.js', 'lib/values-io/values-input.js'];

function expectNoSynthesis(files: string[]): void {
  const loaded = packagesOf(files);
  expect(SYNTHESIS.filter((p) => loaded.has(p))).toEqual([]);
  expect(MODEL.filter((p) => loaded.has(p))).toEqual([]);
  expect(files.filter((f) => f.startsWith('lib/constructs/'))).toEqual([]);
}

test('version loads neither cdk8s nor the values model', () => {
  const { status, files } = modulesOf(['version']);
  expect(status).toBe(0);
  expect(files).toContain('lib/cli.js');
  expectNoSynthesis(files);
});

test('--help loads neither cdk8s nor the values model', () => {
  const { status, files } = modulesOf(['--help']);
  expect(status).toBe(0);
  expectNoSynthesis(files);
});

test.each([
  ['s3 latest (bad input)', ['s3', 'latest']],
  ['s3 preflight against a closed port', ['s3', 'preflight', '--for', 'backup', '--bucket', 'backups', '--endpoint', 'http://127.0.0.1:9', '--timeout', '5']],
  ['s3 verify --help', ['s3', 'verify', '--help']],
  ['s3 copy against a closed port', ['s3', 'copy', '--bucket', 'backups', '--endpoint', 'http://127.0.0.1:9', '--to-bucket', 'copies', '--to-endpoint', 'http://127.0.0.1:9', '--timeout', '5']],
])('%s loads neither cdk8s nor the values model', (_name, args) => {
  const { files } = modulesOf(args, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
  expect(files).toContain('lib/s3/command.js');
  expectNoSynthesis(files);
});

test('s3 preflight does load its command and the AWS SDK (the recorder sees lazy loads)', () => {
  const { files } = modulesOf(['s3', 'preflight', '--for', 'backup', '--bucket', 'backups', '--endpoint', 'http://127.0.0.1:9', '--timeout', '5'], {
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  });
  expect(files).toContain('lib/s3/preflight.js');
  // The S3 client is bundled into lib/vendor (the package does not depend on the SDK).
  expect(files).toContain('lib/vendor/s3.js');
});

test('guard repair loads its command and the Kubernetes client (bundled in lib/vendor), neither cdk8s nor the values model', () => {
  const kubeconfig = join(work, 'kubeconfig');
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "http://127.0.0.1:9", insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n');
  const { status, files } = modulesOf(['guard', 'repair', '--release', 'infrahub-backup', '-n', 'infrahub', '--timeout', '5'], { KUBECONFIG: kubeconfig });
  expect(status).toBe(1);
  expect(files).toContain('lib/guard/guard.js');
  expect(files).toContain('lib/vendor/kubernetes.js');
  expectNoSynthesis(files);
});

test('the other commands do not load the Kubernetes client', () => {
  for (const args of [['version'], ['s3', 'latest']]) expect(modulesOf(args).files.filter((f) => f.startsWith('lib/guard/guard') || f === 'lib/vendor/kubernetes.js')).toEqual([]);
});

test('synth loads one copy of yaml (the one cdk8s loads), cdk8s-plus-28 and the compiled validator, not ajv\'s compiler', () => {
  const { status, files } = modulesOf(['synth', '-f', join(ROOT, 'examples', 'values', 'scheduled-s3.yaml')]);
  expect(status).toBe(0);
  const yamlCopies = new Set(files.filter((f) => /node_modules\/(.*\/)?yaml\/dist\/index\.js$/.test(f)));
  expect([...yamlCopies]).toEqual(['node_modules/cdk8s/node_modules/yaml/dist/index.js']);
  const loaded = packagesOf(files);
  expect(loaded.has('cdk8s-plus-28')).toBe(true);
  expect(loaded.has('tzdata')).toBe(false);
  expect(files).toContain('lib/model/values-validator.js');
  expect(files.filter((f) => f.startsWith('node_modules/ajv/dist/compile/'))).toEqual([]);
  expect(files.filter((f) => f.startsWith('lib/s3/') && f !== 'lib/s3/command.js' && f !== 'lib/s3/config.js' && f !== 'lib/s3/common.js')).toEqual([]);
});

test('cdk8s bundles the same yaml version this package depends on, so the copy synth reads values with is the tested one', () => {
  const own = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'yaml', 'package.json'), 'utf8')).version;
  const bundled = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'cdk8s', 'node_modules', 'yaml', 'package.json'), 'utf8')).version;
  expect(bundled).toBe(own);
});
