#!/usr/bin/env node
/**
 * Time and peak memory of the Argo CD plugin's values mode (no code runs) on
 * hostile values files of 1, 5 and 10 MiB (nested flow lists and maps, block
 * sequences and maps, aliases; the plugin reads 1 MiB of values files at
 * most), and on files just within its limits. Each case runs `argocd generate` in a fresh
 * process under /usr/bin/time (CPU, wall, peak RSS) on a directory holding
 * the file as values.yaml, as the sidecar would. Run `npm run bench:limits`
 * (it builds first); `-- 1` limits the sizes to 1 MiB. The bound the plugin
 * keeps: refused or rendered within 2 s of CPU and 200 MiB; the run exits 1
 * naming each case that passes it (run it on an idle machine: a busy one's
 * garbage collector lets the peak grow by some 15%).
 */
const { spawnSync } = require('child_process');
const { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('fs');
const { tmpdir } = require('os');
const { join } = require('path');

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'infrahub-backup-cdk8s');
const MiB = 1024 * 1024;

/** Text of about `size` bytes (never more than the 10 MiB limit) of each shape. */
const SHAPES = {
  'nested [': (size) => `a: ${'['.repeat(size - 4)}\n`,
  'nested [ ] closed': (size) => `a: ${'['.repeat(size / 2 - 3)}${']'.repeat(size / 2 - 3)}\n`,
  'nested {': (size) => `a: ${'{a: '.repeat(Math.floor((size - 5) / 4))}\n`,
  'nested - (one line)': (size) => `a:\n${'- '.repeat(Math.floor((size - 5) / 2))}\n`,
  'nested - (indented)': (size) => {
    const lines = ['a:'];
    let total = 3;
    for (let i = 0; total + 2 * i + 2 < size; i++) {
      lines.push(`${' '.repeat(2 * i)}-`);
      total += 2 * i + 2;
    }
    return `${lines.join('\n')}\n`;
  },
  'nested maps (indented)': (size) => {
    const lines = [];
    let total = 0;
    for (let i = 0; total + i + 3 < size; i++) {
      lines.push(`${' '.repeat(i)}k:`);
      total += i + 3;
    }
    return `${lines.join('\n')}\n`;
  },
  'flow map of flow maps': (size) => `a: [${'{a: 1}, '.repeat(Math.floor((size - 6) / 8))}]\n`,
  'aliases of a scalar': (size) => `x: &x v\na: [${'*x, '.repeat(Math.floor((size - 20) / 4))}]\n`,
  'aliases of a list': (size) => `x: &x [1, 2, 3]\na: [${'*x, '.repeat(Math.floor((size - 30) / 4))}]\n`,
};

/** Documents just within the plugin's value limit (PLUGIN_MAX_VALUES_NODES): parsed in full, then refused by the schema or rendered. */
const limit = require(join(root, 'lib', 'argocd', 'generate.js')).PLUGIN_MAX_VALUES_NODES;
const WITHIN = {
  [`${limit - 10} keys`]: () => `backup:\n  enabled: true\n  storage:\n    s3:\n      bucket: backups\npodAnnotations:\n${Array.from({ length: limit - 10 }, (_, i) => `  key${i}: v${i}\n`).join('')}`,
  [`${Math.floor(limit / 3) - 10} extraEnv`]: () =>
    `backup:\n  enabled: true\n  storage:\n    s3:\n      bucket: backups\nextraEnv:\n${Array.from({ length: Math.floor(limit / 3) - 10 }, (_, i) => `  - name: V${i}\n    value: "v${i}"\n`).join('')}`,
  [`${Math.floor(limit / 3) - 10} flow maps`]: () => `a: [${'{a: 1}, '.repeat(Math.floor(limit / 3) - 10)}]\n`,
  [`${limit - 10} aliases`]: () => `x: &x v\na: [${'*x, '.repeat(limit - 10)}]\n`,
  'a 1 MiB annotation': () => `backup:\n  enabled: true\n  storage:\n    s3:\n      bucket: backups\npodAnnotations:\n  a: "${'x'.repeat(MiB - 200)}"\n`,
  'a 1 MiB extraEnv value': () => `backup:\n  enabled: true\n  storage:\n    s3:\n      bucket: backups\nextraEnv:\n  - name: A\n    value: "${'x'.repeat(MiB - 200)}"\n`,
};

const sizes = process.argv[2] === '1' ? [1] : [1, 5, 10];
const dir = mkdtempSync(join(tmpdir(), 'ibc-bench-limits-'));
const row = (cells) => console.log(cells.map((c, i) => String(c).padEnd(i === 0 ? 26 : i === 1 ? 6 : 9)).join(' '));
row(['shape', 'MiB', 'exit', 'cpu ms', 'wall ms', 'peak MiB', 'stderr']);
const BOUND = { cpuMs: 2000, peakMiB: 200 };
const over = [];
const runs = [
  ...Object.entries(SHAPES).flatMap(([shape, make]) => sizes.map((mib) => [shape, mib, () => make(Math.min(mib * MiB, 10 * MiB))])),
  ...Object.entries(WITHIN).map(([shape, make]) => [shape, '', make]),
];
for (const [shape, mib, make] of runs) {
  {
    const app = join(dir, 'app');
    mkdirSync(app, { recursive: true });
    const text = make();
    writeFileSync(join(app, 'values.yaml'), text);
    const out = join(dir, 'time.txt');
    const start = process.hrtime.bigint();
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', '-o', out, 'timeout', '-s', 'KILL', '120', process.execPath, bin, 'argocd', 'generate', '-C', app], {
      env: { PATH: process.env.PATH, HOME: dir, ARGOCD_APP_NAME: 'bench', ARGOCD_APP_NAMESPACE: 'infrahub' },
      maxBuffer: 256 * MiB,
    });
    const wall = Number(process.hrtime.bigint() - start) / 1e6;
    const [user, sys, rss] = existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').pop().split(' ').map(Number) : [NaN, NaN, NaN];
    const stderr = (r.stderr || '').toString().split('\n').find((l) => l.startsWith('error')) || '';
    row([shape, mib || (text.length / MiB).toFixed(1), r.status ?? r.signal, ((user + sys) * 1000).toFixed(0), wall.toFixed(0), (rss / 1024).toFixed(0), stderr.slice(0, 90)]);
    const cpuMs = (user + sys) * 1000;
    if (!(cpuMs <= BOUND.cpuMs && rss / 1024 <= BOUND.peakMiB)) over.push(`${shape} ${mib || ''}`.trim());
    rmSync(out, { force: true });
  }
}
rmSync(dir, { recursive: true, force: true });
if (over.length > 0) {
  console.error(`over the bound (${BOUND.cpuMs} ms of CPU, ${BOUND.peakMiB} MiB): ${over.join('; ')}`);
  process.exitCode = 1;
}
