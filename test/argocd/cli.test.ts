/**
 * `infrahub-backup-cdk8s argocd generate` in-process (runCli), and the helpers
 * of the cdk8s app mode.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { execFileSync, spawnSync } from 'child_process';
import { esbuildWorkerThreads, fewTypeScriptFiles, libraryModulePaths, nodeArguments, PACKAGE_NAME, packageScopeType, preloadScript } from '../../src/argocd/cdk8s-app';
import { repositoryRoot } from '../../src/argocd/generate';
import { runCli, runCliAsync } from '../../src/cli';

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = readFileSync(join(ROOT, 'examples', 'values', 'scheduled-s3.yaml'), 'utf8');

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
  return { code, stdout, stderr };
}

async function cliAsync(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCliAsync(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
  return { code, stdout, stderr };
}

function appDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ibc-argocd-cli-'));
  for (const [p, c] of Object.entries(files)) writeFileSync(join(dir, p), c);
  return dir;
}

describe('argocd generate', () => {
  test('--dir renders another directory, like synth with the Argo CD names', async () => {
    const dir = appDir({ 'infrahub-backup.yaml': EXAMPLE });
    const r = await cliAsync(['argocd', 'generate', '--dir', dir], { ARGOCD_APP_NAME: 'nightly', ARGOCD_APP_NAMESPACE: 'infrahub' });
    const synth = cli(['synth', '-f', join(dir, 'infrahub-backup.yaml'), '--release', 'nightly', '--namespace', 'infrahub']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(synth.stdout);
    expect(r.stderr).toMatch(/^infrahub-backup-cdk8s: values infrahub-backup\.yaml; release nightly \(ARGOCD_APP_NAME\)/);
  });

  test('-C is the short form', async () => {
    const dir = appDir({ 'values.yaml': EXAMPLE });
    expect((await cliAsync(['argocd', 'generate', '-C', dir])).code).toBe(0);
  });

  test('plugin input errors exit with 2 and one error line each', async () => {
    const dir = appDir({ 'values.yaml': EXAMPLE });
    const r = await cliAsync(['argocd', 'generate', '-C', dir], { ARGOCD_APP_PARAMETERS: '[{"name":"mode","string":"x"},{"name":"release-name","array":[]}]' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error: mode: must be one of auto, values, app, not "x"\nerror: parameter release-name: must be a string\n');
  });

  test.each(['', '   '])('an empty ARGOCD_APP_NAMESPACE (%j) is refused, never rendered into default', async (namespace) => {
    const dir = appDir({ 'values.yaml': EXAMPLE });
    const r = await cliAsync(['argocd', 'generate', '-C', dir], { ARGOCD_APP_NAME: 'nightly', ARGOCD_APP_NAMESPACE: namespace });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'error: ARGOCD_APP_NAMESPACE is empty: the Application has no destination namespace; set spec.destination.namespace (the plugin renders into that namespace only)\n',
    );
  });

  test.each(['node_modules', 'package.json', 'tsconfig.json'])('an app does not run when %s sits above the repository copy (left there by an earlier app)', async (planted) => {
    const base = mkdtempSync(join(tmpdir(), 'ibc-argocd-above-'));
    const app = join(base, 'repo', 'apps', 'backup');
    mkdirSync(app, { recursive: true });
    const marker = join(base, 'ran');
    writeFileSync(join(app, 'cdk8s.yaml'), 'app: node main.js\n');
    writeFileSync(join(app, 'main.js'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
    if (planted === 'node_modules') mkdirSync(join(base, planted));
    else writeFileSync(join(base, planted), '{}');
    const r = await cliAsync(['argocd', 'generate', '-C', app], {
      INFRAHUB_BACKUP_APP_MODE: 'enabled',
      ARGOCD_APP_NAMESPACE: 'infrahub',
      ARGOCD_APP_SOURCE_PATH: 'apps/backup',
      PARAM_MODE: 'app',
      ARGOCD_APP_PARAMETERS: '[{"name":"mode","string":"app"}]',
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error: '))).toEqual([
      `error: ${join(base, planted)}: found above the repository, where Node.js or tsx would load it into the cdk8s app; ` +
        'the app does not run (another app may have left it: remove it, or restart the sidecar with an empty /tmp)',
    ]);
    expect(existsSync(marker)).toBe(false);
  });

  describe('values mode reads at most 1 MiB and 15,000 values of values files together (the sidecar serves every committer)', () => {
    const head = 'backup:\n  enabled: true\n  storage:\n    s3:\n      bucket: backups\n';
    const keys = (from: number, n: number) => `podAnnotations:\n${Array.from({ length: n }, (_, i) => `  k${from + i}: v\n`).join('')}`;

    test('more bytes than 1 MiB, in one file or several: one line, before parsing', async () => {
      const big = appDir({ 'values.yaml': `${head}podAnnotations:\n  a: "${'x'.repeat(1024 * 1024)}"\n` });
      const r = await cliAsync(['argocd', 'generate', '-C', big], { ARGOCD_APP_NAMESPACE: 'infrahub' });
      expect([r.code, r.stdout, r.stderr.split('\n').filter((l) => l.startsWith('error: '))]).toEqual([
        2,
        '',
        [`error: ${join(big, 'values.yaml')}: the values files hold more than 1048576 bytes together (1 MiB, the limit here)`],
      ]);
      const half = `podAnnotations:\n  a: "${'x'.repeat(600 * 1024)}"\n`;
      const two = appDir({ 'a.yaml': head + half, 'b.yaml': half });
      const r2 = await cliAsync(['argocd', 'generate', '-C', two], { ARGOCD_APP_NAMESPACE: 'infrahub', ARGOCD_ENV_VALUES_FILES: 'a.yaml,b.yaml' });
      expect(r2.code).toBe(2);
      expect(r2.stderr).toMatch(/^error: .*b\.yaml: the values files hold more than 1048576 bytes together/m);
    });

    test('more values than 25,000, in one file or several', async () => {
      const one = appDir({ 'values.yaml': head + keys(0, 15_001) });
      const r = await cliAsync(['argocd', 'generate', '-C', one], { ARGOCD_APP_NAMESPACE: 'infrahub' });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: .*values\.yaml: the document expands to more than 15000 values \(aliases included\)$/m);
      const two = appDir({ 'a.yaml': head + keys(0, 8_000), 'b.yaml': keys(8_000, 8_000) });
      const r2 = await cliAsync(['argocd', 'generate', '-C', two], { ARGOCD_APP_NAMESPACE: 'infrahub', ARGOCD_ENV_VALUES_FILES: 'a.yaml,b.yaml' });
      expect(r2.code).toBe(2);
      expect(r2.stderr).toMatch(/^error: .*b\.yaml: the values files hold more than 15000 values together \(aliases included\)$/m);
    });

    // The target (about 200 MiB) is a benchmark's to check, on an idle machine: `npm run bench:limits`
    // fails when a case passes it. Here the peak is printed and held under a ceiling that only a real
    // regression passes (a 10 MiB string rendered with 531 MiB before the byte limit; 4,990 extraEnv
    // entries with 265 MiB before the CLI kept V8's young generation small): the peak of one run grows
    // by up to a third on a busy machine (idle 130-155 MiB; 201 MiB seen under load before that fix).
    test('the costliest files within the limits render, and 1 MiB of nested [ is refused, each under 300 MiB (npm run bench:limits checks the 200 MiB target)', () => {
      const bin = join(ROOT, 'bin', 'infrahub-backup-cdk8s');
      if (!existsSync(join(ROOT, 'lib', 'cli.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
      const cases: Record<string, [string, number]> = {
        'a 1 MiB extraEnv value': [`${head}extraEnv:\n  - name: A\n    value: "${'x'.repeat(1024 * 1024 - 200)}"\n`, 0],
        '14,990 annotations': [head + keys(0, 14_990), 0],
        '4,990 extraEnv entries': [`${head}extraEnv:\n${Array.from({ length: 4_990 }, (_, i) => `  - name: V${i}\n    value: "v${i}"\n`).join('')}`, 0],
        '1 MiB of nested [': [`a: ${'['.repeat(1024 * 1024 - 4)}\n`, 2],
      };
      // The plugin's own process reports its peak memory as it exits.
      const wrapper =
        "process.on('exit', () => require('fs').writeSync(2, 'peak ' + process.resourceUsage().maxRSS + '\\n'));" +
        "require(process.argv[1]);"; // argv: node, the bin, then the plugin's arguments, as when the bin runs
      for (const [name, [text, code]] of Object.entries(cases)) {
        const dir = appDir({ 'values.yaml': text });
        const r = spawnSync(process.execPath, ['-e', wrapper, bin, 'argocd', 'generate', '-C', dir], {
          encoding: 'utf8',
          env: { PATH: process.env.PATH, ARGOCD_APP_NAMESPACE: 'infrahub', ARGOCD_APP_NAME: 'backups' },
          maxBuffer: 64 * 1024 * 1024,
        });
        const peakMiB = Number(/^peak (\d+)$/m.exec(r.stderr)?.[1]) / 1024;
        console.log(`plugin, ${name}: exit ${r.status}, peak ${peakMiB.toFixed(0)} MiB`);
        expect([name, r.status]).toEqual([name, code]);
        expect([name, peakMiB < 300]).toEqual([name, true]);
      }
    }, 120_000);
  });

  test('argocd --help lists generate', () => {
    const r = cli(['argocd', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\s+generate\b/m);
  });
});

describe('cdk8s app helpers', () => {
  test('TypeScript runs through tsx: its CommonJS hook, or its loader for ES modules; JavaScript as is', () => {
    expect(nodeArguments('main.ts', 'commonjs')).toEqual(['--require', require.resolve('tsx/cjs'), './main.ts']);
    expect(nodeArguments('src/main.cts', 'module')).toEqual(['--require', require.resolve('tsx/cjs'), './src/main.cts']);
    const esm = nodeArguments('main.ts', 'module');
    expect(esm[0]).toBe('--import');
    expect(esm[1]).toMatch(/^file:\/\/.*tsx/);
    expect(esm[2]).toBe('./main.ts');
    expect(nodeArguments('main.mts', 'commonjs')[0]).toBe('--import');
    expect(nodeArguments('dist/main.js', 'commonjs')).toEqual(['./dist/main.js']);
  });

  test('the preload loads, before tsx, the file the entry would resolve each package to, and skips a package it cannot resolve', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibc-preload-'));
    // The app's own cdk8s, and constructs from a directory the app resolves through NODE_PATH.
    mkdirSync(join(dir, 'app', 'node_modules', 'cdk8s'), { recursive: true });
    writeFileSync(join(dir, 'app', 'node_modules', 'cdk8s', 'index.js'), "(globalThis.loaded ??= []).push('own cdk8s');\n");
    mkdirSync(join(dir, 'global', 'constructs'), { recursive: true });
    writeFileSync(join(dir, 'global', 'constructs', 'index.js'), "(globalThis.loaded ??= []).push('constructs from NODE_PATH');\n");
    writeFileSync(join(dir, 'app', 'main.ts'), '');
    writeFileSync(join(dir, 'preload.js'), preloadScript(join(dir, 'app', 'main.ts')));
    const out = execFileSync(process.execPath, ['--require', join(dir, 'preload.js'), '-e', "console.log(JSON.stringify([globalThis.loaded, Object.keys(require.cache).filter((k) => k.includes('node_modules') || k.includes('global'))]))"], {
      cwd: join(dir, 'app'),
      env: { PATH: process.env.PATH, NODE_PATH: join(dir, 'global') },
      encoding: 'utf8',
    });
    // infrahub-backup-cdk8s resolves nowhere here: skipped. The modules stay cached for the app's own require.
    expect(JSON.parse(out)).toEqual([
      ['own cdk8s', 'constructs from NODE_PATH'],
      [realpathSync(join(dir, 'app', 'node_modules', 'cdk8s', 'index.js')), realpathSync(join(dir, 'global', 'constructs', 'index.js'))],
    ]);
  });

  test("esbuild's worker thread: off for an app of up to 10 TypeScript files, on past that, the sidecar's setting first", () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibc-tsfiles-'));
    mkdirSync(join(dir, 'src', 'charts'), { recursive: true });
    mkdirSync(join(dir, 'node_modules', 'dep'), { recursive: true });
    mkdirSync(join(dir, '.git'));
    for (let i = 0; i < 20; i++) writeFileSync(join(dir, 'node_modules', 'dep', `m${i}.ts`), '');
    for (let i = 0; i < 20; i++) writeFileSync(join(dir, '.git', `m${i}.ts`), '');
    for (let i = 0; i < 20; i++) writeFileSync(join(dir, `types${i}.d.ts`), '');
    writeFileSync(join(dir, 'main.ts'), '');
    for (let i = 0; i < 9; i++) writeFileSync(join(dir, 'src', 'charts', `c${i}.${['ts', 'cts', 'mts', 'tsx'][i % 4]}`), '');
    expect(fewTypeScriptFiles(dir)).toBe(true);
    expect(esbuildWorkerThreads(dir, {})).toBe('0');
    writeFileSync(join(dir, 'src', 'eleventh.ts'), '');
    expect(fewTypeScriptFiles(dir)).toBe(false);
    expect(esbuildWorkerThreads(dir, {})).toBe('1');
    expect(esbuildWorkerThreads(dir, { ESBUILD_WORKER_THREADS: '0' })).toBe('0');
    expect(fewTypeScriptFiles(join(dir, 'missing'))).toBe(true);
  });

  test('the package scope type comes from the nearest package.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibc-scope-'));
    mkdirSync(join(dir, 'app', 'src'), { recursive: true });
    expect(packageScopeType(join(dir, 'app', 'src', 'main.ts'))).toBe('commonjs');
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    expect(packageScopeType(join(dir, 'app', 'src', 'main.ts'))).toBe('module');
    writeFileSync(join(dir, 'app', 'package.json'), '{"name":"app"}');
    expect(packageScopeType(join(dir, 'app', 'src', 'main.ts'))).toBe('commonjs');
  });

  test('installed under node_modules: that node_modules is the module path', () => {
    const nm = mkdtempSync(join(tmpdir(), 'ibc-nm-'));
    const root = join(nm, 'node_modules', PACKAGE_NAME);
    const { paths, cleanup } = libraryModulePaths(root);
    expect(paths).toEqual([join(nm, 'node_modules'), join(root, 'node_modules')]);
    cleanup();
  });

  test('a checkout: a temporary directory linking the package name to it, removed by cleanup', () => {
    const { paths, cleanup } = libraryModulePaths(ROOT);
    const link = join(paths[0], PACKAGE_NAME);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(realpathSync(link)).toBe(realpathSync(ROOT));
    expect(paths[1]).toBe(join(ROOT, 'node_modules'));
    cleanup();
    expect(existsSync(paths[0])).toBe(false);
  });

  test('the repository root is ARGOCD_APP_SOURCE_PATH levels above the application directory', () => {
    expect(repositoryRoot('/r/apps/backup', 'apps/backup')).toBe('/r');
    expect(repositoryRoot('/r/apps/backup', './apps/backup/')).toBe('/r');
    expect(repositoryRoot('/r', '.')).toBe('/r');
    expect(repositoryRoot('/r/x', undefined)).toBe('/r/x');
  });
});
