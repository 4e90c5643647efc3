/**
 * The checks of the sources that are not tests of their behaviour, run inside
 * the suite so that jest's workers run them beside the other files instead of
 * one after another before it (`npm test` builds lib/ first, nothing more):
 *
 * - the type check of sources, tests and scripts (`tsc -p tsconfig.dev.json`,
 *   which emits nothing; ts-jest compiles each file alone and checks no type),
 *   incremental: tsc keeps what it learnt of this checkout in a build-info file
 *   under the system's temporary folder and checks again only the files that
 *   changed and those depending on them, reporting the same errors as a full
 *   check (a file's errors are kept with it until it is checked again);
 * - the generated files (from src/model/spec.ts and tzdata) are current (`npx tsx scripts/generate.ts --check`);
 * - API.md is what the sources give (`node scripts/api-docs.js --check`). It
 *   builds the jsii assembly with the cache of scripts/jsii.js, which
 *   test/package/jsii.test.ts uses too: whichever starts first compiles, the
 *   other waits for its assembly (a lock per input hash), so one jsii build
 *   serves both. The page it compares with API.md is made once per content
 *   of its inputs and kept beside the assemblies (scripts/api-docs.js).
 *
 * Each failure names the command to run and carries its output.
 */
import { spawn } from 'child_process';
import { createHash } from 'crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'fs';
import { join } from 'path';
import { cacheRoot } from '../support/cache';

const ROOT = join(__dirname, '..', '..');

/**
 * The type check's build-info file: one per checkout (a folder named by the hash of its path), in the
 * system's temporary folder from before the run (cacheRoot()) so that a reinstall of node_modules
 * keeps it. Each check works on a copy in a folder of its own at the same depth, under the same file
 * name (tsc records the file's path relative to itself, and reuses nothing from a file recorded
 * under another name), then replaces the kept file whole: two checks of the same checkout at once
 * never read half a file.
 */
const TSC_KEPT = join(cacheRoot(), 'ibc-tsc', createHash('sha256').update(ROOT).digest('hex').slice(0, 16));
const TSC_INFO = 'tsconfig.dev.tsbuildinfo';

/** Runs a Node.js script of the checkout; resolves with its exit status and its output, both streams. */
function run(script: string, args: string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

/** Fails with one line naming the fix, then the command's own output. */
async function check(what: string, fix: string, script: string, args: string[]): Promise<void> {
  const { status, output } = await run(script, args);
  if (status !== 0) throw new Error(`${what}: ${fix}\n${output.trimEnd()}`);
}

test('sources, tests and scripts type-check (tsc -p tsconfig.dev.json)', async () => {
  const mine = `${TSC_KEPT}.${process.pid}`;
  mkdirSync(mine, { recursive: true });
  if (existsSync(join(TSC_KEPT, TSC_INFO))) copyFileSync(join(TSC_KEPT, TSC_INFO), join(mine, TSC_INFO));
  try {
    const args = ['-p', 'tsconfig.dev.json', '--noEmit', '--incremental', '--tsBuildInfoFile', join(mine, TSC_INFO)];
    const { status, output } = await run('node_modules/typescript/bin/tsc', args);
    // Kept after errors too: they are recorded in it and reported again until fixed.
    mkdirSync(TSC_KEPT, { recursive: true });
    if (existsSync(join(mine, TSC_INFO))) renameSync(join(mine, TSC_INFO), join(TSC_KEPT, TSC_INFO));
    if (status !== 0) throw new Error(`type errors: fix what \`npx tsc -p tsconfig.dev.json\` reports\n${output.trimEnd()}`);
  } finally {
    rmSync(mine, { recursive: true, force: true });
  }
}, 600_000);

test('the generated files (from src/model/spec.ts, tzdata) are current (scripts/generate.ts --check)', async () => {
  await check('generated files are stale', 'run `npm run generate` and commit the result', 'node_modules/tsx/dist/cli.mjs', ['scripts/generate.ts', '--check']);
}, 300_000);

test('API.md is what the sources give (scripts/api-docs.js --check, jsii assembly shared with jsii.test.ts)', async () => {
  await check('API.md is stale', 'run `npm run docs` and commit API.md', 'scripts/api-docs.js', ['--check']);
}, 900_000);
