/**
 * The checks of the sources that are not tests of their behaviour, run inside
 * the suite so that jest's workers run them beside the other files instead of
 * one after another before it (`npm test` builds lib/ first, nothing more):
 *
 * - the type check of sources, tests and scripts (`tsc -p tsconfig.dev.json`,
 *   which emits nothing; ts-jest compiles each file alone and checks no type);
 * - the generated files (from src/model/spec.ts and tzdata) are current (`npx tsx scripts/generate.ts --check`);
 * - API.md is what the sources give (`node scripts/api-docs.js --check`). It
 *   builds the jsii assembly with the cache of scripts/jsii.js, which
 *   test/package/jsii.test.ts uses too: whichever starts first compiles, the
 *   other waits for its assembly (a lock per input hash), so one jsii build
 *   serves both.
 *
 * Each failure names the command to run and carries its output.
 */
import { spawn } from 'child_process';
import { join } from 'path';

const ROOT = join(__dirname, '..', '..');

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
  await check('type errors', 'fix what `npx tsc -p tsconfig.dev.json` reports', 'node_modules/typescript/bin/tsc', ['-p', 'tsconfig.dev.json', '--noEmit']);
}, 600_000);

test('the generated files (from src/model/spec.ts, tzdata) are current (scripts/generate.ts --check)', async () => {
  await check('generated files are stale', 'run `npm run generate` and commit the result', 'node_modules/tsx/dist/cli.mjs', ['scripts/generate.ts', '--check']);
}, 300_000);

test('API.md is what the sources give (scripts/api-docs.js --check, jsii assembly shared with jsii.test.ts)', async () => {
  await check('API.md is stale', 'run `npm run docs` and commit API.md', 'scripts/api-docs.js', ['--check']);
}, 900_000);
