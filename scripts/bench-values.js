#!/usr/bin/env node
/**
 * Input-limit figures: each case runs the CLI in a fresh process on a
 * generated values file and prints exit code, CPU time (user + system), wall
 * time and the first stderr line; the same files go through Helm 3 and Helm 4
 * (probe chart) when .tools/ holds them. Run `npm run bench:values` (it builds
 * first). Targets: 100k keys in under 2 s; refusals in well under a second.
 */
const { spawnSync } = require('child_process');
const { existsSync, mkdirSync, mkdtempSync, writeFileSync } = require('fs');
const { tmpdir } = require('os');
const { join } = require('path');

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'infrahub-backup-cdk8s');
const dir = mkdtempSync(join(tmpdir(), 'ibc-bench-values-'));

function file(name, content) {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

let keys = 'podAnnotations:\n';
for (let i = 0; i < 100_000; i++) keys += `  key${i}: v${i}\n`;
let env = 'backup:\n  enabled: true\n  storage:\n    s3:\n      bucket: backups\nextraEnv:\n';
for (let i = 0; i < 130_000; i++) env += `  - name: VAR_${i}\n    value: "value ${i}"\n`;
let bomb = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
for (let i = 1; i < 9; i++) bomb += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;

const files = {
  keys: file('keys.yaml', keys),
  env: file('env.yaml', env),
  big: file('big.yaml', `a: "${'x'.repeat(50 * 1024 * 1024)}"\n`),
  deep: file('deep.yaml', `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`),
  bomb: file('bomb.yaml', bomb),
};

const cases = [
  [`values, 100k keys (${(keys.length / 1e6).toFixed(1)} MB)`, ['values', '-o', 'json', '-f', files.keys], ['-f', files.keys]],
  [`synth, 130k extraEnv (${(env.length / 1e6).toFixed(1)} MB)`, ['synth', '-f', files.env], ['-f', files.env]],
  ['synth, 50 MB file (refused)', ['synth', '-f', files.big], ['-f', files.big]],
  ['synth, 100k nested lists (refused)', ['synth', '-f', files.deep], ['-f', files.deep]],
  ['synth, alias bomb (refused)', ['synth', '-f', files.bomb], ['-f', files.bomb]],
];

function measure(argv) {
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { maxBuffer: 1024 * 1024 * 1024, env: { ...process.env, HOME: dir } });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  return { code: r.status, wall, stderr: (r.stderr || '').toString().split('\n')[0].slice(0, 100) };
}

/** CPU of a child, read from /usr/bin/time when present, else wall time only. */
function timed(argv) {
  if (existsSync('/usr/bin/time')) {
    const out = join(dir, 'time.txt');
    const m = measure(['/usr/bin/time', '-f', '%U %S %M', '-o', out, ...argv]);
    const [user, sys, rss] = require('fs').readFileSync(out, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    return { ...m, cpu: (user + sys) * 1000, rss: rss / 1024 };
  }
  return { ...measure(argv), cpu: NaN, rss: NaN };
}

const probe = join(dir, 'probe');
mkdirSync(join(probe, 'templates'), { recursive: true });
writeFileSync(join(probe, 'Chart.yaml'), 'apiVersion: v2\nname: probe\nversion: 0.1.0\n');
writeFileSync(join(probe, 'templates', 'values.yaml'), '{{ toJson .Values }}\n');
const helms = ['helm3', 'helm4'].map((h) => [h, join(root, '.tools', h, 'helm')]).filter(([, p]) => existsSync(p));

const row = (cells) => console.log(cells.map((c, i) => String(c).padEnd(i === 0 ? 44 : 10)).join(' '));
row(['case', 'renderer', 'exit', 'cpu ms', 'wall ms', 'peak MB', 'stderr']);
for (const [label, args, helmArgs] of cases) {
  const r = timed([process.execPath, bin, ...args]);
  row([label, 'this CLI', r.code, r.cpu.toFixed(0), r.wall.toFixed(0), r.rss.toFixed(0), r.stderr]);
  for (const [name, path] of helms) {
    const h = timed([path, 'template', probe, ...helmArgs]);
    row(['', name, h.code, h.cpu.toFixed(0), h.wall.toFixed(0), h.rss.toFixed(0), h.stderr]);
  }
}
