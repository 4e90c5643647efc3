import { mkdtempSync, statfsSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/**
 * The folder for what the tests keep between runs on purpose (a build-info file, built oracles, a
 * packed tarball, compressed archives): the system's temporary folder as it was before the run.
 * test/support/global-setup.js gives each run a temporary folder of its own (TMPDIR), removed when
 * the run ends, and records the original one in IBC_TEST_CACHE_DIR.
 */
export function cacheRoot(): string {
  return process.env.IBC_TEST_CACHE_DIR ?? tmpdir();
}

/**
 * Answers kept by key for the test file that asks (in memory, not between runs): the function
 * returned makes a key's value once, on its first call, and gives the same value after. A suite
 * that compares one document with Helm 3 and with Helm 4 asks synth once.
 */
export function onceByKey<K, V>(): (key: K, make: () => V) => V {
  const known = new Map<K, V>();
  return (key, make) => {
    if (!known.has(key)) known.set(key, make());
    return known.get(key) as V;
  };
}

/**
 * A folder for files that live for one test file: in /dev/shm (memory) when it has `room` bytes
 * free, else in the system's temporary folder. Under the run's own folder in /dev/shm
 * (IBC_TEST_SHM_DIR, test/support/global-setup.js) when there is one, which the end of the run
 * removes with whatever a test left in it. Creating and deleting thousands of small files (an
 * s3rver bucket, an extraction per archive) costs seconds of system time in a disk's journal; a
 * small /dev/shm (64 MiB in a container by default) is not used. An npm install
 * writes tens of thousands of files the same way.
 */
export function scratchFolder(prefix: string, room: number): string {
  return mkdtempSync(join(memoryFolder(room) ?? tmpdir(), prefix));
}

/** The folder in memory scratchFolder uses when /dev/shm has `room` bytes free, else undefined. */
export function memoryFolder(room: number): string | undefined {
  try {
    const fs = statfsSync('/dev/shm');
    if (fs.bavail * fs.bsize >= room) return process.env.IBC_TEST_SHM_DIR ?? '/dev/shm';
  } catch {
    // No /dev/shm (not Linux).
  }
  return undefined;
}
