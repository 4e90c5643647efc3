#!/usr/bin/env tsx
/**
 * Chart output check between two trees: builds the chart of this tree and of
 * another git revision, renders the same values documents with `helm template`
 * (Helm 3) through both, and fails on any byte that differs in stdout, stderr
 * or exit code (the lines of a schema error and the coalescing warnings
 * compared as sets: Helm's order varies between runs). The documents: the examples, the values documents of
 * test/support/synth.ts and a fixed-seed sample drawn from
 * test/support/values-arbitrary.ts. NOTES.txt, which `helm template` leaves
 * out, is compared through Helm 4's `install --dry-run=client` of each
 * document that renders (its `LAST DEPLOYED` time left out).
 *
 *   npx tsx scripts/check-chart-output.ts <git-revision>
 */
import { execFileSync, spawnSync } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ROOT, ValuesDocument, exampleDocuments, extractRevision, namedDocuments, sampledDocuments } from './output-documents';

const SAMPLE = Number(process.env.CHECK_SAMPLE ?? 60);
const SEED = Number(process.env.CHECK_SEED ?? 20261130);
const HELM = join(ROOT, '.tools', 'helm3', 'helm');
const HELM4 = join(ROOT, '.tools', 'helm4', 'helm');

/** The NOTES of an install: what follows `NOTES:` in Helm 4's dry run. */
function notesOf(release: string, chart: string, file: string, home: string): string {
  const r = spawnSync(HELM4, ['install', release, chart, '-f', file, '-n', 'infrahub', '--dry-run=client'], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: home } });
  const out = String(r.stdout);
  return out.includes('NOTES:') ? out.slice(out.indexOf('NOTES:')) : `(no notes, exit ${r.status})`;
}

/** Every document to render: the examples and the named documents as release `r`, then the drawn ones. */
function docs(work: string): Array<ValuesDocument & { readonly release: string }> {
  return [...[...exampleDocuments(), ...namedDocuments(work)].map((d) => ({ ...d, release: 'r' })), ...sampledDocuments(work, SAMPLE, SEED)];
}

/** The chart of a tree, built with that tree's sources. */
function chartOf(tree: string, out: string): string {
  const script = `const { buildChart } = require(${JSON.stringify(join(tree, 'src', 'helm', 'build'))}); process.stdout.write(buildChart(${JSON.stringify(join(tree, 'chart'))}, ${JSON.stringify(out)}).chartDir);`;
  return execFileSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), '-e', script], { cwd: tree, encoding: 'utf8' });
}

/** Lines Helm writes in an order that varies between runs (Go map iteration): the schema's errors, the coalescing warnings. */
const UNORDERED = [/^- /, /^coalesce\.go:/];

/** A run's result, the lines of each unordered kind sorted in their places; everything else byte for byte. */
function normalized(r: ReturnType<typeof spawnSync>): { status: number | null; stdout: string; stderr: string } {
  let lines = String(r.stderr).split('\n');
  for (const kind of UNORDERED) {
    const sorted = lines.filter((l) => kind.test(l)).sort();
    let k = 0;
    lines = lines.map((l) => (kind.test(l) ? sorted[k++] : l));
  }
  return { status: r.status, stdout: String(r.stdout), stderr: lines.join('\n') };
}

function main(): number {
  const revision = process.argv[2];
  if (!revision) {
    process.stderr.write('usage: tsx scripts/check-chart-output.ts <git-revision>\n');
    return 2;
  }
  const work = mkdtempSync(join(tmpdir(), 'ibc-check-chart-'));
  try {
    const base = extractRevision(revision, work);
    const charts = [chartOf(base, join(work, 'out-base')), chartOf(ROOT, join(work, 'out-this'))];
    let differ = 0;
    let rendered = 0;
    const all = docs(work);
    for (const d of all) {
      const [before, after] = charts.map((chart) =>
        normalized(spawnSync(HELM, ['template', d.release, chart, '-f', d.file, '-n', 'infrahub'], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: work } })),
      );
      if (after.status === 0) {
        rendered++;
        const [notesBefore, notesAfter] = charts.map((chart) => notesOf(d.release, chart, d.file, work));
        if (notesBefore !== notesAfter) {
          differ++;
          process.stderr.write(`differs: ${d.name}: NOTES\n`);
          if (process.env.CHECK_VERBOSE) process.stderr.write(`--- before\n${notesBefore}\n--- after\n${notesAfter}\n`);
        }
      }
      for (const field of ['status', 'stdout', 'stderr'] as const) {
        if (before[field] !== after[field]) {
          differ++;
          process.stderr.write(`differs: ${d.name}: ${field}\n`);
          if (process.env.CHECK_VERBOSE) process.stderr.write(`--- before\n${before[field]}\n--- after\n${after[field]}\n`);
        }
      }
    }
    process.stdout.write(`${all.length} chart renders compared with ${revision} (${rendered} rendered, their NOTES too): ${differ === 0 ? 'byte-identical' : `${differ} differ`}\n`);
    return differ === 0 ? 0 : 1;
  } finally {
    if (!process.env.CHECK_KEEP) rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = main();
