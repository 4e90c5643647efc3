/**
 * What the consumer tests (test/package/consumer-*.test.ts) share: the
 * package's manifest, the install flags, the apps they write and the checks
 * they make of an install. The three files run in separate jest workers, side
 * by side; each installs into its own temporary folder.
 */
import { spawnSync } from 'child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'fs';
import { join } from 'path';
import { memoryFolder, scratchFolder } from './cache';
import { npm, packedTarball } from './packed';

export const ROOT = join(__dirname, '..', '..');
export const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
export const NPM_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', '--ignore-scripts'];
/** The most a consumer's install may grow by, in bytes (25 MB). */
export const MAX_ADDED = 25 * 1000 * 1000;
export const PEERS = ['cdk8s', 'constructs', 'cdk8s-plus-28'] as const;

/** A fresh folder for one test file's apps (in memory when there is room: scratchFolder), removed after the file's tests. */
export function workFolder(): string {
  const work = scratchFolder('ibc-consumer-', 4 * 1024 ** 3);
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  return work;
}

/**
 * An npm cache folder whose scratch space is in memory: `_cacache/tmp` in a
 * scratchFolder, beside links to the user's npm cache index and contents
 * (`npm config get cache`), so that npm finds and records packages where it
 * always does. npm prepares a Git dependency (clones it, installs its
 * development dependencies, runs `prepare`, packs it) under `_cacache/tmp`:
 * hundreds of MB of files, whose writes on a disk cost more system time than
 * the rest of the install. Undefined (npm's own cache then) when that cache
 * has no index or contents yet or when there is no room in memory.
 */
export function npmCacheWithScratchInMemory(): string | undefined {
  const real = join(npm(['config', 'get', 'cache'], ROOT).trim(), '_cacache');
  const shared = ['content-v2', 'index-v5'];
  if (!shared.every((d) => existsSync(join(real, d)))) return undefined;
  const memory = memoryFolder(4 * 1024 ** 3);
  if (memory === undefined) return undefined;
  const cache = mkdtempSync(join(memory, 'ibc-npm-cache-'));
  afterAll(() => rmSync(cache, { recursive: true, force: true }));
  mkdirSync(join(cache, '_cacache', 'tmp'), { recursive: true });
  for (const d of shared) symlinkSync(join(real, d), join(cache, '_cacache', d), 'dir');
  return cache;
}

/**
 * The packed tarball's path, known once the file's tests start: packed as `npm pack`/`npm publish`
 * do, with the prepack and postpack scripts, once for the package tests (test/support/packed.ts,
 * which checks the checkout's package.json is untouched).
 */
export function packedBeforeAll(): () => string {
  let tarball = '';
  beforeAll(() => {
    tarball = packedTarball().tarball;
  }, 300_000);
  return () => tarball;
}

/** Type-checks an app (its tsconfig: strict), runs its compiled entry and returns the manifests it prints. */
export function typeCheckAndSynth(app: string): string {
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { cwd: app, encoding: 'utf8' });
  expect(tsc.stdout + tsc.stderr).toBe('');
  expect(tsc.status).toBe(0);
  const run = spawnSync(process.execPath, [join(app, 'dist', 'main.js')], { cwd: app, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout;
}

/** The lowest version a peer range `^x.y.z` allows. */
export function lowest(range: string): string {
  const m = /^\^(\d+\.\d+\.\d+)$/.exec(range);
  if (!m) throw new Error(`peer range ${range} is not ^x.y.z`);
  return m[1];
}

/** The version this repository develops with (the newest the peer range was tested at). */
export const installed = (name: string): string => (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

/** Bytes of the files under a directory (apparent sizes; symbolic links not followed). */
export function bytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = lstatSync(path);
    total += st.isDirectory() ? bytes(path) : st.size;
  }
  return total;
}

/** Every installed copy of a package: the node_modules/<name> directories at any depth. */
export function copiesOf(root: string, name: string): string[] {
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

export const MAIN_TS = `import { App, ApiObject, Chart, ChartProps } from 'cdk8s';
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

export const TSCONFIG = {
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

/** A JavaScript app: InfrahubBackup beside an object of its own; prints the Node.js version, then the manifests. */
export const MAIN_JS = `const { App, ApiObject, Chart } = require('cdk8s');
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
