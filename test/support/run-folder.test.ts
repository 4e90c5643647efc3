// The run's own temporary folder (test/support/global-setup.js): the worker running this file and
// its child processes write their temporary files there, and the kept caches stay outside it.
import { execFileSync } from 'child_process';
import { existsSync } from 'fs';
import { tmpdir } from 'os';
import { basename } from 'path';
import { cacheRoot } from './cache';

test('os.tmpdir() of the worker and of a child process is the run\'s folder; the caches are outside it', () => {
  const run = process.env.IBC_TEST_RUN_DIR!;
  console.log(`os.tmpdir() in the worker: ${tmpdir()}; kept caches: ${cacheRoot()}`);
  expect(basename(run)).toMatch(/^ibc-run-/);
  expect(existsSync(run)).toBe(true);
  expect(tmpdir()).toBe(run);
  expect(execFileSync(process.execPath, ['-p', 'require("os").tmpdir()'], { encoding: 'utf8' }).trim()).toBe(run);
  expect(cacheRoot().startsWith(run)).toBe(false);
});
