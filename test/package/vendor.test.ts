/**
 * The built lib/: the CLI's packages (the S3 client, commander, tar,
 * tar-stream, the Kubernetes client) are development dependencies, bundled into lib/vendor by
 * scripts/bundle-vendor.js; no compiled module requires them by name, the
 * bundles carry their licenses, and the library entry point loads neither
 * them nor the CLI, S3, chart-building or Argo CD modules.
 */
import { execFileSync, spawnSync } from 'child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { join, relative } from 'path';

const ROOT = join(__dirname, '..', '..');
const LIB = join(ROOT, 'lib');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const VENDORED = ['@aws-sdk/client-s3', '@smithy/node-http-handler', 'commander', 'tar', 'tar-stream', '@kubernetes/client-node'];

beforeAll(() => {
  if (!existsSync(join(LIB, 'vendor', 's3.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
}, 300_000);

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? jsFiles(p) : n.endsWith('.js') ? [p] : [];
  });
}

test('the vendored packages are development dependencies only', () => {
  for (const v of VENDORED) {
    expect(PKG.dependencies[v]).toBeUndefined();
    expect(PKG.devDependencies[v]).toBeDefined();
  }
  expect(PKG.dependencies.tsx).toBeUndefined();
});

test('no compiled module outside lib/vendor requires a vendored package by name', () => {
  const offenders = jsFiles(LIB)
    .filter((f) => !relative(LIB, f).startsWith('vendor'))
    .flatMap((f) => {
      const text = readFileSync(f, 'utf8');
      return VENDORED.filter((v) => text.includes(`require("${v}")`) || text.includes(`require('${v}')`)).map((v) => `${relative(ROOT, f)}: ${v}`);
    });
  expect(offenders).toEqual([]);
  expect(readFileSync(join(LIB, 's3', 'client.js'), 'utf8')).toContain('require("../vendor/s3.js")');
  expect(readFileSync(join(LIB, 'cli.js'), 'utf8')).toContain('require("./vendor/commander.js")');
  expect(readFileSync(join(LIB, 'guard', 'kube.js'), 'utf8')).toContain('require("../vendor/kubernetes.js")');
});

test('THIRD-PARTY-LICENSES.md names every bundled package with its license text', () => {
  const text = readFileSync(join(LIB, 'vendor', 'THIRD-PARTY-LICENSES.md'), 'utf8');
  for (const v of VENDORED) expect(text).toMatch(new RegExp(`^- ${v.replace(/[/.]/g, '\\$&')}@\\d`, 'm'));
  expect(text).toContain('Apache License');
  expect(text).toContain('MIT License');
});

test('lib/index.js loads none of the CLI, S3, chart-building, Argo CD or vendored modules', () => {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(LIB, 'index.js'))}); process.stdout.write(JSON.stringify(Object.keys(require.cache)))`], {
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  const loaded = JSON.parse(r.stdout) as string[];
  const own = loaded.filter((f) => f.startsWith(LIB)).map((f) => relative(LIB, f));
  expect(own).toContain('index.js');
  expect(own.filter((f) => /^(cli|s3|argocd|helm|vendor)(\/|\.js$)/.test(f))).toEqual([]);
  const packages = loaded.filter((f) => f.includes('/node_modules/'));
  expect(packages.filter((f) => /\/node_modules\/(@aws-sdk|@smithy|commander|tar|tar-stream|tsx|esbuild)\//.test(f))).toEqual([]);
});
