#!/usr/bin/env tsx
/**
 * Output check between two builds: renders every example, every values
 * document of the test support files and a fixed-seed sample of generated
 * documents with the CLI of this tree (lib/) and of another git revision
 * (built in a temporary directory), and fails on the first byte that differs
 * in stdout, stderr or exit code.
 *
 *   npx tsx scripts/check-output.ts <git-revision>      (builds this tree first with `npm run build`)
 *
 * Inputs rendered:
 * - examples/values/*.yaml and examples/argocd/values-app/*.yaml, through the bin (a fresh process);
 * - the values documents of test/support/synth.ts (modes, every optional block) and of the umbrella fixture;
 * - SAMPLE documents drawn from test/support/values-arbitrary.ts with a fixed seed, with their release names;
 * - the default cdk8s app (lib/app.js: what `npm run synth` writes);
 * - `argocd generate` of examples/argocd/values-app.
 */
import { execFileSync, spawnSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ROOT, exampleDocuments, extractRevision, namedDocuments, sampledDocuments } from './output-documents';

const SAMPLE = Number(process.env.CHECK_SAMPLE ?? 300);
const SEED = Number(process.env.CHECK_SEED ?? 20261130);

interface Case {
  readonly name: string;
  readonly args: string[];
  /** Run in a fresh process through the bin (else in process, through runCli). */
  readonly spawn?: boolean;
}

function cases(work: string): Case[] {
  const out: Case[] = [];
  for (const { name, file } of exampleDocuments()) {
    out.push({ name: `bin synth -f ${name}`, args: ['synth', '-f', file], spawn: true });
    out.push({ name: `synth -f ${name} --release r -n infrahub`, args: ['synth', '-f', file, '--release', 'r', '-n', 'infrahub'] });
  }
  for (const { name, file } of namedDocuments(work)) out.push({ name, args: ['synth', '-f', file, '-n', 'infrahub'] });
  out.push({ name: 'umbrella values-enabled.yaml', args: ['synth', '-f', join(ROOT, 'test', 'fixtures', 'umbrella', 'values-enabled.yaml')] });
  for (const { name, file, release } of sampledDocuments(work, SAMPLE, SEED)) {
    out.push({ name, args: ['synth', '-f', file, '--release', release, '-n', 'infrahub'] });
  }
  out.push({ name: 'invalid --set', args: ['synth', '--set', 'backup.enabled=true,backup.storage.type=s3'] });
  return out;
}

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Renders every case with the build in `tree`. */
function render(tree: string, all: Case[], work: string): Result[] {
  const inProcess = all.filter((c) => !c.spawn);
  const runner = join(work, `runner-${Math.random().toString(36).slice(2)}.js`);
  writeFileSync(
    runner,
    `const { runCli } = require(${JSON.stringify(join(tree, 'lib', 'cli.js'))});
const argvs = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const out = argvs.map((argv) => {
  let stdout = '', stderr = '';
  const code = runCli(argv, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, env: {} });
  return { code, stdout, stderr };
});
require('fs').writeFileSync(process.argv[3], JSON.stringify(out));
`,
  );
  const argvFile = join(work, 'argv.json');
  const outFile = join(work, 'out.json');
  writeFileSync(argvFile, JSON.stringify(inProcess.map((c) => c.args)));
  execFileSync(process.execPath, [runner, argvFile, outFile], { stdio: 'inherit' });
  const inResults = JSON.parse(readFileSync(outFile, 'utf8')) as Result[];
  let k = 0;
  const results = all.map((c): Result => {
    if (!c.spawn) return inResults[k++];
    const r = spawnSync(process.execPath, [join(tree, 'bin', 'infrahub-backup-cdk8s'), ...c.args], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  });
  // The default cdk8s app (`npm run synth`).
  const outdir = mkdtempSync(join(work, 'app-'));
  const app = spawnSync(process.execPath, [join(tree, 'lib', 'app.js')], { encoding: 'utf8', env: { PATH: process.env.PATH, CDK8S_OUTDIR: outdir } });
  const files = readdirSync(outdir).sort().map((f) => `${f}\n${readFileSync(join(outdir, f), 'utf8')}`).join('\n');
  results.push({ code: app.status, stdout: files, stderr: app.stderr });
  // The Argo CD plugin, values mode.
  const gen = spawnSync(process.execPath, [join(tree, 'bin', 'infrahub-backup-cdk8s'), 'argocd', 'generate'], {
    cwd: join(ROOT, 'examples', 'argocd', 'values-app'),
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ARGOCD_APP_NAME: 'infrahub-backup', ARGOCD_APP_NAMESPACE: 'infrahub', ARGOCD_APP_SOURCE_PATH: 'examples/argocd/values-app' },
  });
  results.push({ code: gen.status, stdout: gen.stdout, stderr: gen.stderr });
  return results;
}

/** Builds `revision` of this repository in a temporary directory, with this tree's node_modules. */
function buildRevision(revision: string, work: string): string {
  const tree = extractRevision(revision, work);
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: tree, stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/compile-validator.js'], { cwd: tree, stdio: 'inherit' });
  return tree;
}

function main(): number {
  const revision = process.argv[2];
  if (!revision) {
    process.stderr.write('usage: tsx scripts/check-output.ts <git-revision>\n');
    return 2;
  }
  const work = mkdtempSync(join(tmpdir(), 'ibc-check-output-'));
  try {
    const base = buildRevision(revision, work);
    const all = cases(work);
    const before = render(base, all, work);
    const after = render(ROOT, all, work);
    const names = [...all.map((c) => c.name), 'cdk8s app (lib/app.js)', 'argocd generate (values-app)'];
    let differ = 0;
    names.forEach((name, n) => {
      for (const field of ['code', 'stdout', 'stderr'] as const) {
        if (before[n][field] !== after[n][field]) {
          differ++;
          process.stderr.write(`differs: ${name}: ${field}\n`);
        }
      }
    });
    const rendered = after.filter((r) => r.code === 0).length;
    process.stdout.write(`${names.length} outputs compared with ${revision} (${rendered} rendered, ${names.length - rendered} refused): ${differ === 0 ? 'byte-identical' : `${differ} differ`}\n`);
    return differ === 0 ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = main();
