// Jest's globalSetup: a temporary folder for the run, removed by global-teardown.js. Files made with
// os.tmpdir() by the tests, the workers (started after this) and every child process (Helm, npm, the
// CLI) go to <tmpdir>/ibc-run-XXXXXX through TMPDIR; scratch folders in memory go to
// /dev/shm/ibc-run-XXXXXX (IBC_TEST_SHM_DIR) when /dev/shm exists. What is kept between runs on
// purpose goes to the original temporary folder, IBC_TEST_CACHE_DIR (test/support/cache.ts).
'use strict';
const { mkdtempSync } = require('fs');
const { tmpdir } = require('os');
const { join } = require('path');

module.exports = async function globalSetup() {
  process.env.IBC_TEST_CACHE_DIR ??= tmpdir();
  const run = mkdtempSync(join(tmpdir(), 'ibc-run-'));
  process.env.IBC_TEST_RUN_DIR = run;
  process.env.TMPDIR = run;
  try {
    process.env.IBC_TEST_SHM_DIR = mkdtempSync('/dev/shm/ibc-run-');
  } catch {
    // No /dev/shm (not Linux), or not writable.
  }
};
