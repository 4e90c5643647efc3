#!/usr/bin/env node
/**
 * Wall time of the Argo CD plugin's generate command (argocd/plugin.yaml), run
 * as the sidecar runs it: in an application directory, with Argo CD's build
 * environment, the bin on PATH. Median of RUNS fresh processes for the values
 * example (examples/values/scheduled-s3.yaml as infrahub-backup.yaml) and for
 * the cdk8s app example (examples/argocd/cdk8s-app). Run `npm run bench:argocd`
 * (it builds first). Argo CD's repo server allows 90 s by default (ARGOCD_EXEC_TIMEOUT).
 */
const { spawnSync } = require('child_process');
const { median } = require('./bench-common');
const { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } = require('fs');
const { tmpdir } = require('os');
const { delimiter, dirname, join } = require('path');
const { parse } = require('yaml');
const { readFileSync } = require('fs');

const RUNS = Number(process.env.RUNS ?? 15);
const root = join(__dirname, '..');
const plugin = parse(readFileSync(join(root, 'argocd', 'plugin.yaml'), 'utf8'));
const [command, ...args] = [...plugin.spec.generate.command, ...(plugin.spec.generate.args ?? [])];

const work = mkdtempSync(join(tmpdir(), 'ibc-bench-argocd-'));
const bin = join(work, 'bin');
mkdirSync(bin);
symlinkSync(join(root, 'bin', 'infrahub-backup-cdk8s'), join(bin, 'infrahub-backup-cdk8s'));
const valuesApp = join(work, 'repo', 'values');
mkdirSync(valuesApp, { recursive: true });
cpSync(join(root, 'examples', 'values', 'scheduled-s3.yaml'), join(valuesApp, 'infrahub-backup.yaml'));
const cdk8sApp = join(work, 'repo', 'cdk8s');
cpSync(join(root, 'examples', 'argocd', 'cdk8s-app'), cdk8sApp, { recursive: true });

function env(sourcePath) {
  return {
    // The cdk8s app runs in app mode: enabled on the sidecar, asked for by the Application (ignored by the values directory).
    INFRAHUB_BACKUP_APP_MODE: 'enabled',
    ...(sourcePath === 'cdk8s' ? { PARAM_MODE: 'app' } : {}),
    PATH: [bin, dirname(process.execPath), process.env.PATH].join(delimiter),
    HOME: work,
    ARGOCD_APP_NAME: 'infrahub-backup',
    ARGOCD_APP_NAMESPACE: 'infrahub',
    ARGOCD_APP_SOURCE_PATH: sourcePath,
    ARGOCD_APP_REVISION: '0123456789abcdef0123456789abcdef01234567',
  };
}

function measure(cwd, sourcePath) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(command, args, { cwd, env: env(sourcePath), encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0 || r.stdout === '') throw new Error(`generate failed (${r.status}): ${r.stderr}`);
    times.push(ms);
  }
  return { median: median(times), max: Math.max(...times) };
}

try {
  console.log(`generate command: ${[command, ...args].join(' ')}; median of ${RUNS} cold runs, node ${process.version}`);
  console.log('| application directory | median | slowest |');
  console.log('| --- | --- | --- |');
  for (const [name, cwd, sourcePath] of [
    ['values (scheduled-s3.yaml)', valuesApp, 'values'],
    ['cdk8s app (examples/argocd/cdk8s-app)', cdk8sApp, 'cdk8s'],
  ]) {
    const { median: m, max } = measure(cwd, sourcePath);
    console.log(`| ${name} | ${m.toFixed(0)} ms | ${max.toFixed(0)} ms |`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
