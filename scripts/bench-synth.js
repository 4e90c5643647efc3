#!/usr/bin/env node
/**
 * Speed and memory of every entry point, from one run: cold `synth` of the
 * example against `helm template` of the packaged chart (Helm 3 and 4) on the
 * same values file and against `node -e 0`; `npm run synth`; the Argo CD
 * plugin's generate command in values mode and in cdk8s-app mode; `version`.
 * Node.js 20 (the running one) and, when `bash scripts/fetch-node.sh 24` fetched it, Node.js 24
 * without and with the compile cache (bin/infrahub-backup-cdk8s enables it), and
 * from the image's startup snapshot (scripts/snapshot.js builds it and the
 * launcher the image puts first on PATH).
 *
 * The cases run interleaved (one round runs each case once, in a rotated
 * order), ROUNDS rounds; medians, with the ratio to `helm template`, and the
 * load average before and after, since a shared machine skews wall time.
 * Every process runs without NODE_EXTRA_CA_CERTS, which makes Node.js parse
 * a CA bundle at startup (several times the instructions of `node -e 0`).
 * INSTRUCTIONS=1 also counts the instructions of one run of the main cases
 * with valgrind (callgrind): slow, but steady under load.
 *
 *   npm run bench                  (builds first)
 *   ROUNDS=21 INSTRUCTIONS=1 npm run bench
 */
const { execFileSync, spawnSync } = require('child_process');
const { median } = require('./bench-common');
const { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } = require('fs');
const { loadavg, tmpdir } = require('os');
const { delimiter, dirname, join } = require('path');

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const root = join(__dirname, '..');
const bin = join(root, 'bin', 'infrahub-backup-cdk8s');
const example = join(root, 'examples', 'values', 'scheduled-s3.yaml');
const helms = { 'Helm 3': join(root, '.tools', 'helm3', 'helm'), 'Helm 4': join(root, '.tools', 'helm4', 'helm') };
const node24 = join(root, '.tools', 'node24', 'bin', 'node');
const time = '/usr/bin/time';

const work = mkdtempSync(join(tmpdir(), 'ibc-bench-'));
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

function setup() {
  execFileSync(process.execPath, [bin, 'chart', '--out', join(work, 'chart')], { stdio: 'ignore' });
  const helmHome = join(work, 'helm-home');
  mkdirSync(helmHome);
  // The plugin's application directories, as the sidecar sees them.
  const pathBin = join(work, 'bin');
  mkdirSync(pathBin);
  symlinkSync(bin, join(pathBin, 'infrahub-backup-cdk8s'));
  const valuesApp = join(work, 'repo', 'values');
  mkdirSync(valuesApp, { recursive: true });
  cpSync(example, join(valuesApp, 'infrahub-backup.yaml'));
  const cdk8sApp = join(work, 'repo', 'cdk8s');
  cpSync(join(root, 'examples', 'argocd', 'cdk8s-app'), cdk8sApp, { recursive: true });
  return { helmHome, pathBin, valuesApp, cdk8sApp };
}

/**
 * The image's startup snapshot (scripts/snapshot.js) built for Node.js 24 from
 * this checkout: returns the launcher, or undefined when it cannot be built.
 */
function buildSnapshot() {
  if (!existsSync(node24)) return undefined;
  const out = join(work, 'snapshot');
  const r = spawnSync(node24, [join(root, 'scripts', 'snapshot.js'), out], {
    env: { ...process.env, PATH: [dirname(node24), process.env.PATH].join(delimiter) },
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    process.stderr.write(`startup snapshot not measured: ${r.stderr.trim().split('\n').pop()}\n`);
    return undefined;
  }
  return join(out, 'bin', 'infrahub-backup-cdk8s');
}

function cases({ helmHome, pathBin, valuesApp, cdk8sApp }) {
  const version = require(join(root, 'package.json')).version;
  const chart = join(work, 'chart', `infrahub-backup-${version}.tgz`);
  const helmEnv = { PATH: process.env.PATH, HOME: helmHome, HELM_CACHE_HOME: join(helmHome, 'c'), HELM_CONFIG_HOME: join(helmHome, 'f'), HELM_DATA_HOME: join(helmHome, 'd') };
  const cleanEnv = { PATH: process.env.PATH, HOME: work, NODE_DISABLE_COMPILE_CACHE: '1' };
  const argocdEnv = (nodeDir, sourcePath, extra) => ({
    // The cdk8s app runs in app mode: enabled on the sidecar, asked for by the Application.
    INFRAHUB_BACKUP_APP_MODE: 'enabled',
    ...(sourcePath === 'cdk8s' ? { PARAM_MODE: 'app' } : {}),
    PATH: [pathBin, nodeDir, process.env.PATH].join(delimiter),
    HOME: work,
    ARGOCD_APP_NAME: 'infrahub-backup',
    ARGOCD_APP_NAMESPACE: 'infrahub',
    ARGOCD_APP_SOURCE_PATH: sourcePath,
    ARGOCD_APP_REVISION: '0123456789abcdef0123456789abcdef01234567',
    ...extra,
  });
  const nodes = [['Node 20', process.execPath]];
  if (existsSync(node24)) nodes.push(['Node 24', node24]);
  const list = [];
  for (const [label, helm] of Object.entries(helms)) {
    if (existsSync(helm)) list.push({ name: `helm template (${label})`, group: 'synth', argv: [helm, 'template', 'infrahub-backup', chart, '-f', example], env: helmEnv, helm: true });
  }
  for (const [label, node] of nodes) {
    const cache = join(work, `compile-cache-${label.replace(/ /g, '')}`);
    const cached = { ...cleanEnv, NODE_COMPILE_CACHE: cache, NODE_DISABLE_COMPILE_CACHE: undefined };
    list.push({ name: `node -e 0 (${label})`, group: 'synth', argv: [node, '-e', '0'], env: cleanEnv });
    list.push({ name: `synth (${label})`, group: 'synth', argv: [node, bin, 'synth', '-f', example], env: cleanEnv, main: true });
    if (label !== 'Node 20') {
      list.push({ name: `synth (${label}, compile cache)`, group: 'synth', argv: [node, bin, 'synth', '-f', example], env: cached, warm: true, main: true });
    }
    list.push({ name: `version (${label})`, group: 'other', argv: [node, bin, 'version'], env: cleanEnv });
    const plugin = (mode, cwd, sourcePath) => ({
      name: `argocd generate, ${mode} (${label}${label === 'Node 20' ? '' : ', compile cache'})`,
      group: 'plugin',
      argv: [node, bin, 'argocd', 'generate'],
      cwd,
      env: argocdEnv(dirname(node), sourcePath, label === 'Node 20' ? { NODE_DISABLE_COMPILE_CACHE: '1' } : { NODE_COMPILE_CACHE: cache }),
      warm: label !== 'Node 20',
    });
    list.push(plugin('values mode', valuesApp, 'values'));
    list.push(plugin('app mode', cdk8sApp, 'cdk8s'));
  }
  const launcher = buildSnapshot();
  if (launcher) {
    // As in the image: the launcher first on PATH, node 24 found through PATH.
    const snapshotEnv = { ...cleanEnv, PATH: [dirname(node24), process.env.PATH].join(delimiter) };
    list.push({ name: 'synth (Node 24, startup snapshot, as in the image)', group: 'synth', argv: [launcher, 'synth', '-f', example], env: snapshotEnv, main: true });
    list.push({ name: 'version (Node 24, startup snapshot)', group: 'other', argv: [launcher, 'version'], env: snapshotEnv });
    for (const [mode, cwd, sourcePath] of [
      ['values mode', valuesApp, 'values'],
      ['app mode', cdk8sApp, 'cdk8s'],
    ]) {
      list.push({
        name: `argocd generate, ${mode} (Node 24, startup snapshot, as in the image)`,
        group: 'plugin',
        argv: [launcher, 'argocd', 'generate'],
        cwd,
        env: { ...argocdEnv(dirname(node24), sourcePath, { NODE_DISABLE_COMPILE_CACHE: '1' }), PATH: [dirname(launcher), dirname(node24), process.env.PATH].join(delimiter) },
      });
    }
  }
  list.push({
    name: 'npm run synth (warm)',
    group: 'other',
    argv: ['npm', 'run', '--silent', 'synth'],
    cwd: root,
    env: { ...process.env, CDK8S_OUTDIR: join(work, 'dist'), NODE_EXTRA_CA_CERTS: undefined },
    npm: true,
  });
  return list;
}

function runOnce(c) {
  const start = process.hrtime.bigint();
  const r = spawnSync(time, ['-f', '%M', ...c.argv], { cwd: c.cwd ?? work, env: c.env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${c.name} failed (${r.status}): ${r.stderr.slice(-500)}`);
  const kb = Number(r.stderr.trim().split('\n').pop());
  return { ms, mb: kb / 1024 };
}

/** Instructions of one run, counted by callgrind (children too for the plugin's app mode). */
function instructions(c) {
  const r = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--trace-children=yes', ...c.argv], {
    cwd: c.cwd ?? work,
    // Go's asynchronous preemption signals upset valgrind.
    env: { ...c.env, GODEBUG: 'asyncpreemptoff=1' },
    encoding: 'utf8',
  });
  const counts = [...r.stderr.matchAll(/Collected : (\d+)/g)].map((m) => Number(m[1]));
  return counts.length ? counts.reduce((a, b) => a + b, 0) : undefined;
}

function main() {
  const before = load();
  const all = cases(setup());
  // One unmeasured run of each: fills the compile caches, tsx's cache and the page cache.
  for (const c of all) runOnce(c);
  const samples = all.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < all.length; k++) {
      const i = (k + round) % all.length;
      samples[i].push(runOnce(all[i]));
    }
  }
  const after = load();
  const results = all.map((c, i) => ({ ...c, ms: median(samples[i].map((s) => s.ms)), mb: Math.max(...samples[i].map((s) => s.mb)) }));
  const helmRefs = results.filter((r) => r.helm);
  const ref = helmRefs[0];
  const ratio = (r) => helmRefs.map((h) => `${(r.ms / h.ms).toFixed(2)}x`).join(' / ');

  console.log(`infrahub-backup-cdk8s ${require(join(root, 'package.json')).version}: median of ${ROUNDS} interleaved rounds, cold processes`);
  console.log(`load average (1, 5, 15 min): ${before} before, ${after} after; ${require('os').cpus().length} CPUs`);
  console.log('');
  console.log(`| command | median | vs ${helmRefs.map((h) => h.name.replace(/^helm template /, 'helm ')).join(' / ')} | peak RSS (max) |`);
  console.log('| --- | --- | --- | --- |');
  for (const r of results) console.log(`| ${r.name} | ${r.ms.toFixed(0)} ms | ${ref ? ratio(r) : '-'} | ${r.mb.toFixed(0)} MiB |`);

  if (process.env.INSTRUCTIONS === '1') {
    console.log('');
    console.log('Instructions of one run (valgrind callgrind; children included):');
    console.log('| command | instructions | vs helm template (Helm 3) |');
    console.log('| --- | --- | --- |');
    const counted = results.filter((r) => r.helm || r.main || r.name.startsWith('node -e 0') || r.group === 'plugin');
    let helmCount;
    for (const r of counted) {
      const n = instructions(r);
      if (r.name === 'helm template (Helm 3)') helmCount = n;
      console.log(`| ${r.name} | ${n === undefined ? 'n/a' : `${(n / 1e6).toFixed(0)} M`} | ${n && helmCount ? `${(n / helmCount).toFixed(2)}x` : '-'} |`);
    }
  }
}

try {
  main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
