/**
 * `s3 prune` against a real S3-compatible server (s3rver on 127.0.0.1): what
 * it keeps, what it never touches, batches of 1,000, and partial failures
 * (from a plain local server answering as S3 does).
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { BUCKET, TestServer, archiveName, expectFailure, inParallel, put, run, s3Env, s3ErrorXml, startServer, stubServer, testClient } from './support';

jest.setTimeout(60_000);

let server: TestServer;
let client: S3Client;

beforeAll(async () => {
  server = await startServer([BUCKET]);
  client = testClient(server.endpoint);
});

afterAll(async () => {
  client?.destroy();
  await server?.close();
});

/** Every key in the bucket under a prefix, sorted. */
async function keys(prefix: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
    out.push(...(page.Contents ?? []).map((c) => c.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return out.sort();
}

/** Archives named for days 1..n of January 2026 under prefix. */
async function archives(prefix: string, n: number): Promise<string[]> {
  const names = Array.from({ length: n }, (_, i) => `${prefix}/infrahub_backup_202601${String(i + 1).padStart(2, '0')}_020000.tar.gz`);
  for (const key of names) await put(client, key, 'x');
  return names;
}

const deletes = () => server.requests.filter((r) => r.method === 'POST' && /[?&]delete/.test(r.url)).length;

describe('what is kept', () => {
  test('keep-last larger than the count: nothing to delete', async () => {
    const names = await archives('a', 3);
    const before = deletes();
    expect(await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'a' }), 'prune', '--keep-last', '5')).toEqual({
      code: 0,
      stdout: '',
      stderr: 'nothing to delete: 3 archives under s3://backups/a/, all kept (keep-last 5)\n',
    });
    expect(await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'a' }), 'prune', '--keep-last', '3')).toMatchObject({ code: 0, stdout: '' });
    expect(deletes()).toBe(before);
    expect(await keys('a/')).toEqual(names);
  });

  test('nothing under the prefix: nothing to delete', async () => {
    expect(await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'nothing-here' }), 'prune', '--keep-last', '1')).toEqual({
      code: 0,
      stdout: '',
      stderr: 'nothing to delete: 0 archives under s3://backups/nothing-here/, all kept (keep-last 1)\n',
    });
  });

  test('keep-last 1 keeps the newest only; foreign objects under and beside the prefix are untouched', async () => {
    const names = await archives('b', 4);
    const foreign = [
      'b/notes.txt',
      'b/infrahub_backup_20200101_000000.tar',
      'b/infrahub_backup_20201301_000000.tar.gz',
      'b/infrahub_backup_20200101_000000.tar.gz.bak',
      'b/old/infrahub_backup_20200101_000000.tar.gz',
      'b-old/infrahub_backup_20200101_000000.tar.gz',
      'infrahub_backup_20200101_000000.tar.gz',
    ];
    for (const key of foreign) await put(client, key, 'foreign');
    const result = await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'b' }), 'prune', '--keep-last', '1');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [names[2], names[1], names[0]].map((k) => `deleted s3://backups/${k}\n`).join(''),
    );
    expect(result.stderr).toBe('deleted 3, kept 1 archives under s3://backups/b/ (keep-last 1); newest: infrahub_backup_20260104_020000.tar.gz\n');
    expect(await keys('b')).toEqual([...foreign.filter((k) => k.startsWith('b')), names[3]].sort());
    expect(await keys('infrahub_backup_')).toEqual(['infrahub_backup_20200101_000000.tar.gz']);
  });

  test('--dry-run deletes nothing', async () => {
    const names = await archives('c', 3);
    const before = deletes();
    const result = await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'c/' }), 'prune', '--keep-last', '2', '--dry-run');
    expect(result).toEqual({
      code: 0,
      stdout: `would delete s3://backups/${names[0]}\n`,
      stderr: 'dry run: would delete 1 and keep 2 archives under s3://backups/c/ (keep-last 2); newest: infrahub_backup_20260103_020000.tar.gz\n',
    });
    expect(deletes()).toBe(before);
    expect(await keys('c/')).toEqual(names);
  });

  test('--keep-days keeps archives uploaded recently, even with old names', async () => {
    const names = await archives('d', 3);
    const result = await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'd' }), 'prune', '--keep-last', '1', '--keep-days', '7');
    expect(result.stderr).toBe('nothing to delete: 3 archives under s3://backups/d/, all kept (keep-last 1, keep-days 7)\n');
    expect(await keys('d/')).toEqual(names);
  });
});

test('more than 1,000 deletions: DeleteObjects in batches of 1,000', async () => {
  const base = Date.UTC(2024, 0, 1);
  const names = Array.from({ length: 1050 }, (_, i) => `many/${archiveName(new Date(base + i * 3600_000))}`);
  await inParallel(names, 16, (key) => put(client, key, 'x'));
  const before = server.requests.length;
  const result = await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'many' }), 'prune', '--keep-last', '3');
  expect(result.code).toBe(0);
  expect(result.stdout.trimEnd().split('\n')).toHaveLength(1047);
  expect(result.stderr).toBe(`deleted 1047, kept 3 archives under s3://backups/many/ (keep-last 3); newest: ${names[1049].slice(5)}\n`);
  const calls = server.requests.slice(before);
  expect(calls.filter((r) => r.method === 'POST' && /[?&]delete/.test(r.url))).toHaveLength(2);
  expect(calls.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  expect(await keys('many/')).toEqual(names.slice(1047));
});

describe('failures', () => {
  const listing = (keys: string[]) => ({
    status: 200,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>backups</Name><Prefix>infrahub/</Prefix><KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${keys
      .map((k) => `<Contents><Key>${k}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>"x"</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>`)
      .join('')}</ListBucketResult>`,
  });
  const KEYS = ['infrahub/infrahub_backup_20260101_000000.tar.gz', 'infrahub/infrahub_backup_20260102_000000.tar.gz', 'infrahub/infrahub_backup_20260103_000000.tar.gz'];

  test('some keys refused: each is one error line, the rest is deleted, exit 1', async () => {
    const stub = await stubServer((method) =>
      method === 'GET'
        ? listing(KEYS)
        : {
            status: 200,
            body: `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Error><Key>${KEYS[0]}</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>`,
          },
    );
    try {
      const result = await run(s3Env(stub.endpoint), 'prune', '--keep-last', '1');
      expect(result.stdout).toBe(`deleted s3://backups/${KEYS[1]}\n`);
      expect(result.stderr).toBe(
        `error: access denied: access key ID "S3…" may not delete s3://backups/${KEYS[0]} at ${stub.endpoint}: grant s3:DeleteObject on it (bucket policy or IAM policy)\n` +
          'deleted 1, kept 1 archives under s3://backups/infrahub/ (keep-last 1); newest: infrahub_backup_20260103_000000.tar.gz\n',
      );
      expect(result.code).toBe(1);
    } finally {
      await stub.close();
    }
  });

  test('the delete call refused', async () => {
    const stub = await stubServer((method) => (method === 'GET' ? listing(KEYS) : { status: 403, body: s3ErrorXml('AccessDenied', 'Access Denied') }));
    try {
      const result = await run(s3Env(stub.endpoint), 'prune', '--keep-last', '2');
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `error: access denied: access key ID "S3…" may not delete objects in bucket "backups" at ${stub.endpoint}: grant s3:DeleteObject on it (bucket policy or IAM policy)\n` +
          'deleted 0 of 1 archives before the failure\n',
      );
      expect(result.code).toBe(1);
    } finally {
      await stub.close();
    }
  });

  test('a listing that fails deletes nothing', async () => {
    const stub = await stubServer(() => ({ status: 503, body: s3ErrorXml('ServiceUnavailable', 'Please reduce your request rate.') }));
    try {
      const result = await run(s3Env(stub.endpoint), 'prune', '--keep-last', '1', '--timeout', '2');
      expectFailure(result, 1, [`error: cannot list bucket "backups": ${stub.endpoint} answered 503 ServiceUnavailable: Please reduce your request rate.`]);
      expect(stub.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    } finally {
      await stub.close();
    }
  });

  test('bad input: every problem, exit 2', async () => {
    const env = s3Env(server.endpoint);
    expectFailure(await run(env, 'prune'), 2, ["error: required option '--keep-last <n>' not specified"]);
    expectFailure(await run(env, 'prune', '--keep-last', '0', '--keep-days', '-1', '--endpoint', 'ftp://x'), 2, [
      'error: --keep-last: "0" is not a whole number of at least 1',
      'error: --keep-days: "-1" is not a whole number of at least 1',
      'error: --endpoint: "ftp://x" must start with http:// or https:// (http:// disables TLS, as in the backup image)',
    ]);
    expectFailure(await run(env, 'prune', '--keep-last', 'two'), 2, ['error: --keep-last: "two" is not a whole number of at least 1']);
  });
});
