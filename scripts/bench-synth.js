#!/usr/bin/env node
/**
 * Cold-start figures: wall time and peak memory of `synth` of the example,
 * next to `node -e 0`, each the median of RUNS fresh processes. Prints a table;
 * run `npm run bench` (it builds first).
 */
const { spawnSync } = require('child_process');
const { join } = require('path');

const RUNS = Number(process.env.RUNS ?? 15);
const root = join(__dirname, '..');
const bin = join(root, 'bin', 'infrahub-backup-cdk8s');
const example = join(root, 'examples', 'values', 'scheduled-s3.yaml');

const cases = [
  ['node -e 0', [process.execPath, '-e', '0']],
  ['synth (scheduled-s3.yaml)', [process.execPath, bin, 'synth', '-f', example]],
  ['synth, invalid values', [process.execPath, bin, 'synth', '--set', 'backup.enabled=true,backup.storage.type=s3']],
];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function measure(argv) {
  const times = [];
  const rss = [];
  for (let i = 0; i < RUNS; i++) {
    // /usr/bin/time reports the child's peak resident memory.
    const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...argv], { encoding: 'utf8' });
    const [seconds, kb] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
    times.push(seconds * 1000);
    rss.push(kb / 1024);
  }
  return { ms: median(times), mb: median(rss) };
}

console.log(`median of ${RUNS} cold runs, node ${process.version}`);
console.log('| command | wall time | peak RSS |');
console.log('| --- | --- | --- |');
for (const [name, argv] of cases) {
  const { ms, mb } = measure(argv);
  console.log(`| ${name} | ${ms.toFixed(0)} ms | ${mb.toFixed(0)} MiB |`);
}
