import { execFileSync, spawnSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'infrahub-backup-cdk8s');

beforeAll(() => {
  // `npm test` builds lib/ first; build it here when the test runs alone.
  if (!existsSync(join(ROOT, 'lib', 'cli.js'))) {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'pipe' });
  }
}, 180_000);

describe('the built bin', () => {
  // `--set backup.enabled=true` alone is a valid local backup since the storage
  // type is derived from the bucket; asking for S3 without a bucket is not.
  test('invalid values: exit code 2, one line about the bucket on stderr, nothing on stdout, no stack trace', () => {
    const result = spawnSync(process.execPath, [BIN, 'synth', '--set', 'backup.enabled=true', '--set', 'backup.storage.type=s3'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(result.error).toBeUndefined();
    expect(result.signal).toBeNull();
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: backup\.storage\.s3\.bucket: is required when backup\.storage\.type is s3/);
    expect(lines[0]).toContain('set backup.storage.type=local');
    expect(lines.filter((l) => l.startsWith('    at '))).toEqual([]);
  }, 60_000);

  test('s3 commands run to completion through the bin: exit code and one line', () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME };
    const missing = spawnSync(process.execPath, [BIN, 's3', 'latest'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env });
    expect(missing.status).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr.trim()).toBe('error: no bucket: set INFRAHUB_S3_BUCKET (or --bucket)');

    // A closed local port: the S3 check fails (exit 1) after the asynchronous call ends.
    const unreachable = spawnSync(
      process.execPath,
      [BIN, 's3', 'preflight', '--for', 'backup', '--bucket', 'backups', '--endpoint', 'http://127.0.0.1:9', '--timeout', '5'],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...env, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } },
    );
    expect(unreachable.status).toBe(1);
    expect(unreachable.stdout).toBe('');
    expect(unreachable.stderr).toMatch(/^error: endpoint unreachable/m);
    expect(unreachable.stderr).not.toMatch(/^ {4}at /m);
  }, 60_000);
});
