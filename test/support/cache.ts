import { tmpdir } from 'os';

/**
 * The folder for what the tests keep between runs on purpose (a build-info file, built oracles, a
 * packed tarball, compressed archives): the system's temporary folder as it was before the run.
 * test/support/global-setup.js gives each run a temporary folder of its own (TMPDIR), removed when
 * the run ends, and records the original one in IBC_TEST_CACHE_DIR.
 */
export function cacheRoot(): string {
  return process.env.IBC_TEST_CACHE_DIR ?? tmpdir();
}
