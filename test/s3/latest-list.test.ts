/**
 * `s3 latest` and `s3 list` against a real S3-compatible server (s3rver on
 * 127.0.0.1): more than 1,000 archives (two pages), foreign objects under and
 * beside the prefix, the ordering rules, --output for an init container.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { S3Client } from '@aws-sdk/client-s3';
import { BUCKET, ENCRYPTED_STUB, GZIP_STUB, PREFIX, TRUNCATED_STUB, TestServer, archiveName, buildArchive, expectFailure, put, run, s3Env, testClient, useS3Server } from './support';
import type { KubeObject } from '../support/synth';

jest.setTimeout(60_000);

const s3 = useS3Server([BUCKET, 'order', 'details', 'empty']);

let server: TestServer;
let client: S3Client;
let env: NodeJS.ProcessEnv;
let dir: string;

const COUNT = 1050;
const BASE = Date.UTC(2025, 0, 1);
const names = Array.from({ length: COUNT }, (_, i) => archiveName(new Date(BASE + i * 3600_000)));
const NEWEST = names[COUNT - 1];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ibc-s3-latest-'));
  server = s3();
  client = testClient(server.endpoint);
  env = s3Env(server.endpoint);
  // Shuffled, so that upload order says nothing; stored straight into the server's folder, as 1,050 uploads would be.
  const shuffled = [...names].sort((a, b) => (a.split('').reverse().join('') < b.split('').reverse().join('') ? -1 : 1));
  server.seed(shuffled.map((name) => ({ key: `${PREFIX}/${name}`, body: GZIP_STUB })));
  // Foreign objects, under the prefix and beside it, some with newer-looking names.
  for (const key of [
    `${PREFIX}/notes.txt`,
    `${PREFIX}/sub/infrahub_backup_29990101_000000.tar.gz`,
    `${PREFIX}/infrahub_backup_29991301_000000.tar.gz`,
    `${PREFIX}/infrahub_backup_29990101_000000.tar.gz.bak`,
    `${PREFIX}-old/infrahub_backup_29990101_000000.tar.gz`,
    'infrahub_backup_29990101_000000.tar.gz',
  ]) {
    await put(client, key, 'foreign');
  }
});

afterAll(() => {
  client?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('latest', () => {
  // The backup pod's proof (guard record --start-file, then latest --newer-than @FILE).
  describe('--newer-than: the upload of the run that started then landed', () => {
    test('an archive uploaded after the start passes, with one line naming it', async () => {
      const result = await run(env, 'latest', '--accept-unproven', '--newer-than', '2000-01-01T00:00:00Z');
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`s3://backups/infrahub/${NEWEST}\n`);
      expect(result.stderr).toMatch(new RegExp(`^this run's archive landed: s3://backups/infrahub/${NEWEST}, uploaded \\S+\n$`));
    });

    test('the start read from @FILE, as guard record --start-file writes it', async () => {
      const file = join(dir, 'run-start');
      writeFileSync(file, new Date(Date.now() + 3600_000).toISOString());
      expectFailure(await run(env, 'latest', '--accept-unproven', '--newer-than', `@${file}`), 1, [
        new RegExp(`^error: the upload did not land: the newest restorable archive, s3://backups/infrahub/${NEWEST}, was uploaded \\S+, before the run that started \\S+: check the backup container's log$`),
      ]);
    });

    test('no archive since the start: one line, exit 1', async () => {
      expectFailure(await run(env, 'latest', '--accept-unproven', '--newer-than', '2999-01-01T00:00:00+02:00'), 1, [/^error: the upload did not land: .* before the run that started 2998-12-31T22:00:00Z/]);
    });

    test.each([['yesterday'], ['2026-01-01'], ['2026-13-01T00:00:00Z'], ['@/nonexistent/run-start']])('%s is refused before any S3 call (exit 2)', async (value) => {
      const result = await run(env, 'latest', '--newer-than', value);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^error: --newer-than: /);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    });
  });

  test('the newest of more than 1,000 archives, read across pages', async () => {
    await server.flush();
    const before = server.requests.length;
    const result = await run(env, 'latest', '--accept-unproven');
    expect(result).toEqual({ code: 0, stdout: `s3://backups/infrahub/${NEWEST}\n`, stderr: '' });
    await server.flush();
    const lists = server.requests.slice(before).filter((r) => r.method === 'GET' && /^\/backups\/?\?/.test(r.url));
    expect(lists).toHaveLength(2);
    expect(lists[1].url).toContain('continuation-token=');
  });

  test('--output writes the exact URI (no newline) for the next container', async () => {
    const output = join(dir, 'uri');
    const result = await run(env, 'latest', '--accept-unproven', '--output', output);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`s3://backups/infrahub/${NEWEST}\n`);
    expect(readFileSync(output, 'utf8')).toBe(`s3://backups/infrahub/${NEWEST}`);
  });

  test('by the timestamp in the name, not the upload order; encrypted archives count', async () => {
    await put(client, 'nightly/infrahub_backup_20260105_000000.tar.gz', GZIP_STUB, 'order');
    await put(client, 'nightly/infrahub_backup_20260101_000000.tar.gz', GZIP_STUB, 'order');
    expect((await run(env, 'latest', '--accept-unproven', '--bucket', 'order', '--prefix', 'nightly')).stdout).toBe('s3://order/nightly/infrahub_backup_20260105_000000.tar.gz\n');
    // One byte named .enc is not an encrypted archive (H2): it is passed over, named.
    await put(client, 'nightly/infrahub_backup_20260107_000000.tar.gz.enc', 'x', 'order');
    await put(client, 'nightly/infrahub_backup_20260106_000000.tar.gz.enc', ENCRYPTED_STUB, 'order');
    const result = await run(env, 'latest', '--accept-unproven', '--bucket', 'order', '--prefix', 'nightly/');
    expect(result.stdout).toBe('s3://order/nightly/infrahub_backup_20260106_000000.tar.gz.enc\n');
    expect(result.stderr).toContain('infrahub_backup_20260107_000000.tar.gz.enc: not restorable: not an encrypted archive (it starts with 0x78, not 0x02)');
  });

  test('a truncated newest upload (the first 12 bytes of a gzip) is passed over', async () => {
    await put(client, 'cut/infrahub_backup_20260101_000000.tar.gz', GZIP_STUB, 'order');
    await put(client, 'cut/infrahub_backup_20260102_000000.tar.gz', TRUNCATED_STUB, 'order');
    const result = await run(env, 'latest', '--accept-unproven', '--bucket', 'order', '--prefix', 'cut');
    expect(result.stdout).toBe('s3://order/cut/infrahub_backup_20260101_000000.tar.gz\n');
    expect(result.stderr).toContain('infrahub_backup_20260102_000000.tar.gz: not restorable: 12 bytes: does not end as a complete tar.gz: truncated upload?');
  });

  test('an archive over 4 KiB is read with two ranged GETs: its first two bytes and its gzip trailer', async () => {
    const body = await buildArchive();
    expect(body.length).toBeGreaterThan(4096);
    await put(client, 'big/infrahub_backup_20260101_000000.tar.gz', body, 'order');
    await server.flush();
    const before = server.requests.length;
    const result = await run(env, 'latest', '--accept-unproven', '--bucket', 'order', '--prefix', 'big');
    expect(result.stdout).toBe('s3://order/big/infrahub_backup_20260101_000000.tar.gz\n');
    await server.flush();
    const reads = server.requests.slice(before).filter((r) => r.method === 'GET' && r.url.startsWith('/order/big/'));
    expect(reads).toHaveLength(2);
  });

  test('an empty --prefix means the bucket root', async () => {
    await put(client, 'infrahub_backup_20260103_000000.tar.gz', GZIP_STUB, 'order');
    expect((await run(env, 'latest', '--accept-unproven', '--bucket', 'order', '--prefix', '')).stdout).toBe('s3://order/infrahub_backup_20260103_000000.tar.gz\n');
  });

  test('no archive: exit 1, and no output file', async () => {
    await put(client, `${PREFIX}/readme.txt`, 'x', 'empty');
    const output = join(dir, 'none');
    expectFailure(await run(s3Env(server.endpoint, { INFRAHUB_S3_BUCKET: 'empty' }), 'latest', '--output', output), 1, [
      `error: no archive: nothing named infrahub_backup_<YYYYMMDD_HHMMSS>.tar.gz under s3://empty/infrahub/ at ${server.endpoint} (1 other objects there): check INFRAHUB_S3_PREFIX and that a backup has run`,
    ]);
    expect(existsSync(output)).toBe(false);
  });

  test('bad input: exit 2 before any request', async () => {
    await server.flush();
    const before = server.requests.length;
    expectFailure(await run(env, 'latest', '--accept-unproven', '--output', join(dir, 'missing', 'uri')), 2, [`error: --output: the folder ${join(dir, 'missing')} does not exist`]);
    expectFailure(await run(env, 'latest', '--accept-unproven', '--region', 'eu west'), 2, ['error: --region: "eu west" is not a region name (like us-east-1)']);
    expectFailure(await run(env, 'latest', '--accept-unproven', '--unknown'), 2, ["error: unknown option '--unknown'"]);
    await server.flush();
    expect(server.requests.length).toBe(before);
  });

  test('never an archive that is not restorable: empty, not gzip, or named in the future; each is named', async () => {
    const today = archiveName(new Date());
    await put(client, `skew/${today}`, GZIP_STUB, 'order');
    for (const name of ['infrahub_backup_20990101_000000.tar.gz', 'infrahub_backup_20990102_000000.tar.gz', 'infrahub_backup_20990103_000000.tar.gz']) {
      await put(client, `skew/${name}`, GZIP_STUB, 'order');
    }
    const skew = await run(env, 'latest', '--accept-unproven', '--bucket', 'order', '--prefix', 'skew');
    expect(skew.stdout).toBe(`s3://order/skew/${today}\n`);
    expect(skew.stderr).toBe(
      ['03', '02', '01']
        .map((d) => `warning: skipped s3://order/skew/infrahub_backup_209901${d}_000000.tar.gz: not restorable: named in the future (2099-01-${d}T00:00:00Z, more than 15 h ahead of this machine's clock)\n`)
        .join(''),
    );
    expect(skew.code).toBe(0);

    await put(client, 'broken/infrahub_backup_20260101_000000.tar.gz', GZIP_STUB, 'order');
    await put(client, 'broken/infrahub_backup_20260102_000000.tar.gz', '', 'order');
    await put(client, 'broken/infrahub_backup_20260103_000000.tar.gz', 'PK not gzip', 'order');
    await put(client, 'broken/infrahub_backup_20260104_000000.tar.gz', Buffer.from([0x1f]), 'order');
    const broken = await run(env, 'latest', '--accept-unproven', '--bucket', 'order', '--prefix', 'broken');
    expect(broken).toEqual({
      code: 0,
      stdout: 's3://order/broken/infrahub_backup_20260101_000000.tar.gz\n',
      stderr:
        'warning: skipped s3://order/broken/infrahub_backup_20260104_000000.tar.gz: not restorable: not gzip data (1 byte)\n' +
        'warning: skipped s3://order/broken/infrahub_backup_20260103_000000.tar.gz: not restorable: not gzip data (it starts with 0x504b)\n' +
        'warning: skipped s3://order/broken/infrahub_backup_20260102_000000.tar.gz: not restorable: empty (0 bytes)\n',
    });
  });

  test('no restorable archive: exit 1, each one named', async () => {
    await put(client, 'none/infrahub_backup_20260102_000000.tar.gz', '', 'order');
    await put(client, 'none/infrahub_backup_20260103_000000.tar.gz', 'text', 'order');
    expectFailure(
      await run(env, 'latest', '--accept-unproven', '--bucket', 'order', '--prefix', 'none'),
      1,
      [
        `error: no restorable archive: none of the 2 archives under s3://order/none/ at ${server.endpoint} is restorable: check the backup Job's logs (the warnings above say what is wrong with each)`,
      ],
      { allowOther: true },
    );
  });

  test('bucket missing', async () => {
    expectFailure(await run(env, 'latest', '--accept-unproven', '--bucket', 'nowhere'), 1, [
      `error: bucket missing: bucket "nowhere" does not exist at ${server.endpoint}: check INFRAHUB_S3_BUCKET and INFRAHUB_S3_ENDPOINT`,
    ]);
  });
});

describe('list', () => {
  beforeAll(async () => {
    await put(client, 'infrahub/infrahub_backup_20260101_010000.tar.gz', await buildArchive({ backupId: 'infrahub_backup_20260101_010000' }), 'details');
    await put(client, 'infrahub/infrahub_backup_20260102_010000.tar.gz', await buildArchive({ backupId: 'infrahub_backup_20260102_010000', metadataLast: true }), 'details');
    await put(client, 'infrahub/infrahub_backup_20260103_010000.tar.gz', 'not gzip', 'details');
    await put(client, 'infrahub/infrahub_backup_20260104_010000.tar.gz.enc', Buffer.from([2, 0, 0]), 'details');
    await put(client, 'infrahub/other.bin', 'x', 'details');
  });
  const detailsEnv = () => s3Env(server.endpoint, { INFRAHUB_S3_BUCKET: 'details' });

  test('newest first, with dates and sizes', async () => {
    const result = await run(detailsEnv(), 'list');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CREATED +UPLOADED +SIZE +URI$/);
    expect(lines.slice(1).map((l) => l.split(/ {2,}/))).toEqual([
      ['2026-01-04 01:00:00', expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), '3 B', 's3://details/infrahub/infrahub_backup_20260104_010000.tar.gz.enc'],
      ['2026-01-03 01:00:00', expect.any(String), '8 B', 's3://details/infrahub/infrahub_backup_20260103_010000.tar.gz'],
      ['2026-01-02 01:00:00', expect.any(String), expect.stringMatching(/KiB$/), 's3://details/infrahub/infrahub_backup_20260102_010000.tar.gz'],
      ['2026-01-01 01:00:00', expect.any(String), expect.stringMatching(/KiB$/), 's3://details/infrahub/infrahub_backup_20260101_010000.tar.gz'],
    ]);
    expect(result.stderr).toBe('4 archives under s3://details/infrahub/\n');
  });

  test('--details: the metadata of each archive (wherever it is in the archive)', async () => {
    const result = await run(detailsEnv(), 'list', '--details');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[2]).toBe('  metadata unavailable: encrypted archive');
    expect(lines[4]).toBe('  metadata unavailable: not a gzip file (it starts with byte 0x6e): it is not an archive the backup image wrote');
    expect(lines[6]).toBe(
      '  backup_id=infrahub_backup_20260102_010000 created_at=2026-01-02T03:04:05Z infrahub_version=1.6.2 tool_version=v1.5.0 metadata_version=2025111200 components=database,task-manager-db neo4j_edition=community redacted=false encrypted=false',
    );
    expect(lines[8]).toMatch(/^ {2}backup_id=infrahub_backup_20260101_010000 /);
  });

  test('--json, --limit', async () => {
    const result = await run(detailsEnv(), 'list', '--json', '--details', '--limit', '2');
    const rows = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.name)).toEqual(['infrahub_backup_20260104_010000.tar.gz.enc', 'infrahub_backup_20260103_010000.tar.gz']);
    expect(rows[0]).toMatchObject({ uri: 's3://details/infrahub/infrahub_backup_20260104_010000.tar.gz.enc', size: 3, encrypted: true, created: '2026-01-04 01:00:00', metadataError: 'encrypted archive' });
    expect(result.stderr).toBe('4 archives under s3://details/infrahub/, 2 shown\n');
    const full = JSON.parse((await run(detailsEnv(), 'list', '--json', '--details')).stdout) as KubeObject[];
    expect(full[2].metadata).toMatchObject({ backup_id: 'infrahub_backup_20260102_010000' });
    expect(full[2].metadata).not.toHaveProperty('checksums');
  });

  test('more than 1,000 archives', async () => {
    const result = await run(env, 'list');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(COUNT + 1);
    expect(lines[1]).toContain(NEWEST);
    expect(lines[COUNT]).toContain(names[0]);
    expect(result.stderr).toBe(`${COUNT} archives under s3://backups/infrahub/\n`);
  });

  test('nothing there: exit 0, empty stdout', async () => {
    expect(await run(s3Env(server.endpoint, { INFRAHUB_S3_BUCKET: 'empty' }), 'list')).toEqual({
      code: 0,
      stdout: '',
      stderr: 'no archives under s3://empty/infrahub/ (1 other objects there)\n',
    });
    expect((await run(s3Env(server.endpoint, { INFRAHUB_S3_BUCKET: 'empty' }), 'list', '--json')).stdout).toBe('[]\n');
  });

  test('--limit must be a whole number', async () => {
    expectFailure(await run(env, 'list', '--limit', '0'), 2, ['error: --limit: "0" is not a whole number of at least 1']);
  });
});
