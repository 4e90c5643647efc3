/**
 * The contents of the container image, proven without Docker: the Dockerfile
 * packs the project and installs the tarball with production dependencies
 * only into an empty project; this test does the same steps (the Dockerfile
 * test checks it keeps doing them) and runs the installed bin.
 */
import { execFile, execFileSync, spawnSync } from 'child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'fs';
import { delimiter, dirname, join } from 'path';

import { buildArchive, put, s3Env, startServer, testClient } from '../s3/support';
import { workFolder } from '../support/consumer';
import { npm, packedTarball } from '../support/packed';

const ROOT = join(__dirname, '..', '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** tsx at the version package-lock.json pins: the image installs it beside the package (the Dockerfile's install stage). */
const TSX = `tsx@${(JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> }).packages['node_modules/tsx'].version}`;
const EXAMPLE = join(ROOT, 'examples', 'values', 'scheduled-s3.yaml');
const NPM_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

const work = workFolder();
const image = join(work, 'image');
let tarball: string;
let packedFiles: readonly string[];

/** The environment the installed commands run with: this Node.js first on PATH, HOME in the work directory, and `env`. */
function commandEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { PATH: [dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter), HOME: work, ...env };
}

function run(bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8', env: commandEnv(env) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** run(), asynchronously: for the S3 commands, whose server is a child process of this one. */
function runAsync(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { cwd: image, env: commandEnv(env) }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A real S3 server (s3rver) holding one archive, for the time of `body`, which gets the S3 environment of the image's pods. */
async function withArchiveServer(body: (env: NodeJS.ProcessEnv) => Promise<void>): Promise<void> {
  const server = await startServer();
  const client = testClient(server.endpoint);
  try {
    await put(client, 'infrahub/infrahub_backup_20260102_030405.tar.gz', await buildArchive());
    await body(s3Env(server.endpoint));
  } finally {
    client.destroy();
    await server.close();
  }
}

/** The bin as the image runs it. */
const installedBin = () => join(image, 'node_modules', '.bin', PKG.name);
/** The bin of the checkout. */
const sourceBin = (args: string[]) => run(process.execPath, [join(ROOT, 'bin', PKG.name), ...args], ROOT);

beforeAll(() => {
  // 1. npm pack (the Dockerfile's build stage, with its prepack script; lib/ is built): the tarball
  // consumer-app.test.ts and consumer-node.test.ts install it too, packed once for all (test/support/packed.ts).
  ({ tarball, files: packedFiles } = packedTarball());
  // 2. npm install --omit=dev of the tarball into an empty project (the Dockerfile's install stage).
  mkdirSync(image);
  writeFileSync(join(image, 'package.json'), JSON.stringify({ name: `${PKG.name}-image`, private: true }));
  npm(['install', '--omit=dev', '--ignore-scripts', ...NPM_FLAGS, tarball, TSX], image);
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed tarball', () => {
  test('holds the runtime files: lib, the compiled validator, bin, chart sources, plugin.yaml', () => {
    expect(existsSync(tarball)).toBe(true);
    for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'API.md', 'bin/infrahub-backup-cdk8s', 'lib/cli.js', 'lib/index.js', 'lib/index.d.ts',
      'lib/model/values-validator.js', 'lib/argocd/generate.js', 'lib/argocd/cdk8s-app.js', 'argocd/plugin.yaml',
      'lib/vendor/s3.js', 'lib/vendor/commander.js', 'lib/vendor/tar.js', 'lib/vendor/tar-stream.js', 'lib/vendor/kubernetes.js', 'lib/vendor/THIRD-PARTY-LICENSES.md']) {
      expect(packedFiles).toContain(f);
    }
    expect(packedFiles.some((f) => f.startsWith('chart/templates/'))).toBe(true);
  });

  test('and no sources, tests or tooling', () => {
    expect(packedFiles.filter((f) => /^(src|test|scripts|node_modules|\.github|\.tools|dist)\//.test(f))).toEqual([]);
    expect(packedFiles.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });
});

describe('installed with production dependencies only', () => {
  test('no development dependency is installed but tsx and the peers; every production one and every peer is', () => {
    const installed = new Set(readdirSync(join(image, 'node_modules')).flatMap((d) =>
      d.startsWith('@') ? readdirSync(join(image, 'node_modules', d)).map((s) => `${d}/${s}`) : [d]));
    // @types/* packages may come in as dependencies of libraries; every other development tool must not
    // (the S3 client, commander, tar and tar-stream are bundled in lib/vendor).
    const devOnly = Object.keys(PKG.devDependencies).filter((d) => !(d in PKG.dependencies) && !(d in PKG.peerDependencies) && !['tsx', 'esbuild'].includes(d) && !d.startsWith('@types/')); // esbuild comes with tsx
    expect(devOnly).toEqual(expect.arrayContaining(['@aws-sdk/client-s3', 'commander', 'tar', 'tar-stream', '@kubernetes/client-node']));
    expect(devOnly.filter((d) => installed.has(d))).toEqual([]);
    expect([...Object.keys(PKG.dependencies), ...Object.keys(PKG.peerDependencies), 'tsx'].filter((d) => !installed.has(d))).toEqual([]);
    expect(installed.has(PKG.name)).toBe(true);
  });

  test('`version` prints the version', () => {
    const r = run(installedBin(), ['version'], image);
    expect(r).toEqual({ code: 0, stdout: `${PKG.version}\n`, stderr: '' });
  });

  test('`synth -f <example>` prints what the checkout prints', () => {
    const installed = run(installedBin(), ['synth', '-f', EXAMPLE, '--release', 'infrahub', '--namespace', 'infrahub'], image);
    const source = sourceBin(['synth', '-f', EXAMPLE, '--release', 'infrahub', '--namespace', 'infrahub']);
    expect(source.code).toBe(0);
    expect(installed.stderr).toBe('');
    expect(installed.code).toBe(0);
    expect(installed.stdout).toBe(source.stdout);
  });

  test('`chart` builds the chart (its dependencies are production ones)', () => {
    const out = join(work, 'chart-out');
    const r = run(installedBin(), ['chart', '--out', out], image);
    expect(r.stderr).toContain('wrote ');
    expect(r.code).toBe(0);
    expect(existsSync(join(out, `infrahub-backup-${PKG.version}.tgz`))).toBe(true);
  });

  test('the Argo CD plugin configuration ships in the package', () => {
    const shipped = join(image, 'node_modules', PKG.name, 'argocd', 'plugin.yaml');
    expect(readFileSync(shipped, 'utf8')).toBe(readFileSync(join(ROOT, 'argocd', 'plugin.yaml'), 'utf8'));
  });

  test('`argocd generate` runs a cdk8s app with no node_modules, resolving the library from the installation', () => {
    const app = join(work, 'repo', 'backup');
    cpSync(join(ROOT, 'examples', 'argocd', 'cdk8s-app'), app, { recursive: true });
    // App mode: enabled on the sidecar by its operator, asked for by the Application.
    const env = { ARGOCD_APP_NAME: 'backups', ARGOCD_APP_NAMESPACE: 'infrahub', ARGOCD_APP_SOURCE_PATH: 'backup', INFRAHUB_BACKUP_APP_MODE: 'enabled', PARAM_MODE: 'app' };
    const r = run(installedBin(), ['argocd', 'generate'], app, env);
    const source = sourceBin(['synth', '-f', EXAMPLE, '--release', 'backups', '--namespace', 'infrahub']);
    expect(r.stderr).toContain('cdk8s app main.ts');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(source.stdout);
  });
});

describe('the S3 companion commands, as the init containers and CronJobs run them', () => {
  test('preflight and verify from the installation against a real S3 server (the AWS SDK bundled in lib/vendor)', async () => {
    await withArchiveServer(async (env) => {
      const preflight = await runAsync(installedBin(), ['s3', 'preflight', '--for', 'backup'], env);
      expect(preflight.stderr).toBe('');
      expect(preflight.code).toBe(0);
      const verify = await runAsync(installedBin(), ['s3', 'verify', '--latest'], env);
      expect(verify.stderr).toContain('verifying the newest archive');
      expect(verify.stdout).toContain('verified: s3://backups/infrahub/infrahub_backup_20260102_030405.tar.gz');
      expect(verify.code).toBe(0);
    });
  }, 60_000);
});

describe('the startup snapshot of the image (scripts/snapshot.js, as the Dockerfile builds it)', () => {
  const snapshot = join(work, 'image-snapshot');
  const launcher = join(snapshot, 'bin', PKG.name);
  const blob = join(snapshot, 'cli.blob');
  let built: ReturnType<typeof run>;

  beforeAll(() => {
    built = run(process.execPath, [join(ROOT, 'scripts', 'snapshot.js'), snapshot, '--package', join(image, 'node_modules', PKG.name)], image);
  }, 120_000);

  /** The launcher traced by sh: which Node.js command it ran, and the CLI's answer. */
  function launch(args: string[], cwd = image, env: NodeJS.ProcessEnv = {}) {
    const r = run('/bin/sh', ['-x', launcher, ...args], cwd, env);
    const exec = r.stderr.split('\n').filter((l) => l.startsWith('+ exec '));
    const stderr = r.stderr
      .split('\n')
      .filter((l) => !l.startsWith('+ '))
      .join('\n');
    return { code: r.code, stdout: r.stdout, stderr, fromSnapshot: exec.length === 1 && exec[0].includes('--snapshot-blob'), exec };
  }

  test('builds after comparing the snapshot with the bin on every example', () => {
    expect(built.stderr.replace(/^\(node:\d+\) Warning: .*\n(?:.*\n)*?\(Use `node --trace-warnings.*\n/m, '')).toBe('');
    expect(built.stdout).toMatch(/cli\.blob: \d+\.\d MiB, for Node\.js v\d+/);
    expect(built.code).toBe(0);
  });

  // Options first (a Node.js option in the same place would be read by Node.js), every command, its errors.
  const EXAMPLES = readdirSync(join(ROOT, 'examples', 'values')).filter((f) => f.endsWith('.yaml'));
  const COMMANDS: string[][] = [
    ['version'],
    ['--version'],
    ['-V'],
    ['--help'],
    ['-h'],
    ['-v'],
    [],
    ['help', 'synth'],
    ['synth', '--help'],
    ['s3', '--help'],
    ['values', '--all', '-f', EXAMPLE, '--set', 'backup.schedule=@daily', '-o', 'json'],
    ['synth', '-f', join(work, 'missing.yaml')],
    ['synth', '--set', 'backup.enabled=true', '--set', 'backup.mode=never'],
    ['synth', '-f', EXAMPLE, '--', 'extra'],
    ...EXAMPLES.map((f) => ['synth', '-f', join(ROOT, 'examples', 'values', f), '--release', 'infrahub', '--namespace', 'infrahub']),
  ];
  test.each(COMMANDS.map((c) => [c.join(' ') || '(no arguments)', c]))('%s: what the bin answers, from the snapshot', (_, args) => {
    const fast = launch(args);
    expect(fast.fromSnapshot).toBe(true);
    const plain = run(installedBin(), args, image);
    expect({ code: fast.code, stdout: fast.stdout, stderr: fast.stderr }).toEqual(plain);
  });

  test('chart, from the snapshot: the same files', () => {
    const fast = launch(['chart', '--out', join(work, 'chart-snapshot')]);
    const plain = run(installedBin(), ['chart', '--out', join(work, 'chart-plain')], image);
    expect(fast.fromSnapshot).toBe(true);
    expect(fast.code).toBe(0);
    expect(fast.stderr.replace(/chart-snapshot/g, 'X')).toBe(plain.stderr.replace(/chart-plain/g, 'X'));
    const files = (dir: string) => {
      const root = join(dir, 'chart', 'infrahub-backup');
      const names = readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
      return Object.fromEntries(names.map((f) => [f.slice(root.length), readFileSync(f, 'utf8')]).sort(([a], [b]) => (a < b ? -1 : 1)));
    };
    expect(files(join(work, 'chart-snapshot'))).toEqual(files(join(work, 'chart-plain')));
    const packaged = `infrahub-backup-${PKG.version}.tgz`;
    expect(readFileSync(join(work, 'chart-snapshot', packaged)).equals(readFileSync(join(work, 'chart-plain', packaged)))).toBe(true);
  });

  test('argocd generate in values mode and in app mode (a TypeScript app through tsx), from the snapshot', () => {
    const values = join(work, 'repo-snapshot', 'values');
    mkdirSync(values, { recursive: true });
    copyFileSync(EXAMPLE, join(values, 'infrahub-backup.yaml'));
    const app = join(work, 'repo-snapshot', 'app');
    cpSync(join(ROOT, 'examples', 'argocd', 'cdk8s-app'), app, { recursive: true });
    const env = { ARGOCD_APP_NAME: 'backups', ARGOCD_APP_NAMESPACE: 'infrahub', INFRAHUB_BACKUP_APP_MODE: 'enabled' };
    const expected = sourceBin(['synth', '-f', EXAMPLE, '--release', 'backups', '--namespace', 'infrahub']).stdout;
    const fromValues = launch(['argocd', 'generate'], values, { ...env, ARGOCD_APP_SOURCE_PATH: 'values' });
    expect(fromValues.fromSnapshot).toBe(true);
    expect(fromValues.stderr).toBe(run(installedBin(), ['argocd', 'generate'], values, { ...env, ARGOCD_APP_SOURCE_PATH: 'values' }).stderr);
    expect(fromValues.code).toBe(0);
    expect(fromValues.stdout).toBe(expected);
    const fromApp = launch(['argocd', 'generate'], app, { ...env, ARGOCD_APP_SOURCE_PATH: 'app', PARAM_MODE: 'app' });
    expect(fromApp.fromSnapshot).toBe(true);
    expect(fromApp.stderr).toContain('cdk8s app main.ts');
    expect(fromApp.code).toBe(0);
    expect(fromApp.stdout).toBe(expected);
  });

  test('s3 commands, from the snapshot, against a real S3 server (the bundled AWS SDK loads from the snapshot)', async () => {
    await withArchiveServer(async (env) => {
      const verify = await runAsync(launcher, ['s3', 'verify', '--latest'], env);
      expect(verify.stdout).toContain('verified: s3://backups/infrahub/infrahub_backup_20260102_030405.tar.gz');
      expect(verify.code).toBe(0);
      for (const args of [['s3', 'latest'], ['s3', 'list'], ['s3', 'prune', '--keep-last', '0'], ['s3', 'latest', '--bucket', 'none']]) {
        expect([args, await runAsync(launcher, args, env)]).toEqual([args, await runAsync(installedBin(), args, env)]);
      }
    });
  }, 60_000);

  // Last: these change the snapshot's files.
  test('falls back to the bin, with the same answer, whenever the snapshot may not match', () => {
    const answer = run(installedBin(), ['synth', '-f', EXAMPLE], image);
    const check = (label: string, r: ReturnType<typeof launch>) => {
      expect([label, r.fromSnapshot, r.exec.length]).toEqual([label, false, 1]);
      expect([label, r.code, r.stdout, r.stderr]).toEqual([label, answer.code, answer.stdout, answer.stderr]);
    };
    check('INFRAHUB_BACKUP_SNAPSHOT=off', launch(['synth', '-f', EXAMPLE], image, { INFRAHUB_BACKUP_SNAPSHOT: 'off' }));
    // NODE_OPTIONS: a snapshot would ignore its --import and loaders.
    const preload = join(work, 'preload.mjs');
    writeFileSync(preload, "process.stderr.write('preloaded\\n');\n");
    const withImport = launch(['version'], image, { NODE_OPTIONS: `--import ${preload}` });
    expect([withImport.fromSnapshot, withImport.stdout, withImport.stderr]).toEqual([false, `${PKG.version}\n`, 'preloaded\n']);
    // Another version of the package installed over the one the snapshot was built from.
    const manifest = join(image, 'node_modules', PKG.name, 'package.json');
    const original = readFileSync(manifest, 'utf8');
    writeFileSync(manifest, original.replace(`"version": "${PKG.version}"`, '"version": "99.0.0"'));
    try {
      const upgraded = launch(['version']);
      expect([upgraded.fromSnapshot, upgraded.stdout]).toEqual([false, '99.0.0\n']);
    } finally {
      writeFileSync(manifest, original);
    }
    // Another node binary first on PATH (same build, another file).
    const other = join(work, 'other-node');
    mkdirSync(other);
    copyFileSync(process.execPath, join(other, 'node'));
    execFileSync('chmod', ['+x', join(other, 'node')]);
    const otherPath = { PATH: [other, '/usr/bin', '/bin'].join(delimiter) };
    check('another node', launch(['synth', '-f', EXAMPLE], image, otherPath));
    // The blob replaced (a later modification time), then cut short (it would crash Node.js).
    const later = new Date(Date.now() + 60_000);
    utimesSync(blob, later, later);
    check('a newer blob', launch(['synth', '-f', EXAMPLE]));
    truncateSync(blob, 1024 * 1024);
    check('a truncated blob', launch(['synth', '-f', EXAMPLE]));
    rmSync(join(snapshot, 'stamp'));
    check('no stamp', launch(['synth', '-f', EXAMPLE]));
    rmSync(blob);
    check('no blob', launch(['synth', '-f', EXAMPLE]));
  });
});

describe('the multi-arch install step', () => {
  test('--os linux --cpu arm64 installs the arm64 build of the native dependency (esbuild, under tsx)', () => {
    const arm = join(work, 'image-arm64');
    mkdirSync(arm);
    writeFileSync(join(arm, 'package.json'), JSON.stringify({ name: `${PKG.name}-image`, private: true }));
    npm(['install', '--omit=dev', '--ignore-scripts', ...NPM_FLAGS, '--os=linux', '--cpu=arm64', tarball, TSX], arm);
    const esbuilds = readdirSync(join(arm, 'node_modules', '@esbuild'));
    expect(esbuilds).toEqual(['linux-arm64']);
  }, 300_000);
});
