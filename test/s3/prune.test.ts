/**
 * `s3 prune` against a real S3-compatible server (s3rver on 127.0.0.1): what
 * it keeps, what it never touches, batches of 1,000, that it fails closed
 * (broken or future-named uploads never cost a restorable archive), and
 * partial failures (from a plain local server answering as S3 does).
 */
import { createHash } from 'crypto';
import { gzipSync } from 'zlib';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  BUCKET,
  GZIP_STUB,
  TRUNCATED_STUB,
  TestServer,
  archiveName,
  expectFailure,
  hostileServer,
  httpAnswer,
  listingXml,
  put,
  run,
  s3Env,
  s3ErrorXml,
  testClient,
  useS3Server,
} from './support';

jest.setTimeout(60_000);

const s3 = useS3Server([BUCKET]);

let server: TestServer;
let client: S3Client;

beforeAll(() => {
  server = s3();
  client = testClient(server.endpoint);
});

afterAll(() => {
  client?.destroy();
});

/**
 * Writes the proof `s3 verify` would write for an archive of this body (s3rver's ETag is the body's MD5): the
 * archives here are stubs whose ends are complete, and retention counts only proven archives.
 */
async function prove(key: string, body: Buffer): Promise<string> {
  const marker = proofOf(key, body);
  await put(client, marker, '{}');
  return marker;
}

/** The key of the proof marker of an archive of this body. */
function proofOf(key: string, body: Buffer): string {
  const slash = key.lastIndexOf('/') + 1;
  const stamp = /infrahub_backup_(\d{8}_\d{6})\.tar\.gz$/.exec(key)![1];
  return `${key.slice(0, slash)}.proof-infrahub_backup_${stamp}-${body.length}-${createHash('md5').update(body).digest('hex')}.json`;
}

/** Lines of stdout that are not about proof markers. */
const archiveLines = (stdout: string) => stdout.split('\n').filter((l) => l !== '' && !l.includes('/.proof-')).map((l) => `${l}\n`).join('');

/** Every key in the bucket under a prefix, sorted, proof markers left out. */
async function keys(prefix: string): Promise<string[]> {
  return (await allKeys(prefix)).filter((k) => !k.includes('/.proof-'));
}

/** Every key in the bucket under a prefix, sorted. */
async function allKeys(prefix: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
    out.push(...(page.Contents ?? []).map((c) => c.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return out.sort();
}

/** Proven archives named for days 1..n of January 2026 under prefix. */
async function archives(prefix: string, n: number): Promise<string[]> {
  const names = Array.from({ length: n }, (_, i) => `${prefix}/infrahub_backup_202601${String(i + 1).padStart(2, '0')}_020000.tar.gz`);
  for (const key of names) {
    await put(client, key, GZIP_STUB);
    await prove(key, GZIP_STUB);
  }
  return names;
}

const deletes = async (): Promise<number> => {
  await server.flush();
  return server.requests.filter((r) => r.method === 'POST' && /[?&]delete/.test(r.url)).length;
};

describe('what is kept', () => {
  test('keep-last larger than the count: nothing to delete', async () => {
    const names = await archives('a', 3);
    const before = await deletes();
    expect(await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'a' }), 'prune', '--keep-last', '5')).toEqual({
      code: 0,
      stdout: '',
      stderr: 'nothing to delete: 3 archives under s3://backups/a/, all kept (keep-last 5)\n',
    });
    expect(await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'a' }), 'prune', '--keep-last', '3')).toMatchObject({ code: 0, stdout: '' });
    expect(await deletes()).toBe(before);
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
    expect(archiveLines(result.stdout)).toBe(
      [names[2], names[1], names[0]].map((k) => `deleted s3://backups/${k}\n`).join(''),
    );
    expect(result.stderr).toBe('deleted 3 (and 3 proof markers), kept 1 archives under s3://backups/b/ (keep-last 1); newest proven: infrahub_backup_20260104_020000.tar.gz\n');
    // The kept archive's proof stays; the deleted ones' went with them.
    expect((await allKeys('b/')).filter((k) => k.includes('/.proof-'))).toEqual([expect.stringContaining('.proof-infrahub_backup_20260104_020000-')]);
    expect(await keys('b')).toEqual([...foreign.filter((k) => k.startsWith('b')), names[3]].sort());
    expect(await keys('infrahub_backup_')).toEqual(['infrahub_backup_20200101_000000.tar.gz']);
  });

  test('--dry-run deletes nothing and gives the reason for each archive', async () => {
    const names = await archives('c', 3);
    const before = await deletes();
    const result = await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'c/' }), 'prune', '--keep-last', '2', '--dry-run');
    expect(result).toEqual({
      code: 0,
      stdout:
        `keep s3://backups/${names[2]}: the newest proven archive\n` +
        `keep s3://backups/${names[1]}: proven, 2 of --keep-last 2\n` +
        `would delete s3://backups/${names[0]}: older than the 2 newest proven\n` +
        `would delete s3://backups/c/.proof-infrahub_backup_20260101_020000-${GZIP_STUB.length}-${createHash('md5').update(GZIP_STUB).digest('hex')}.json: the proof of an archive deleted above\n`,
      stderr: 'dry run: would delete 1 (and 1 proof marker) and keep 2 archives under s3://backups/c/ (keep-last 2); newest proven: infrahub_backup_20260103_020000.tar.gz\n',
    });
    expect(await deletes()).toBe(before);
    expect(await keys('c/')).toEqual(names);
  });

  test('calendar rules keep the newest proven archive of each day and ISO week, in the time zone given', async () => {
    // Berlin is UTC+1 in January: 23:30Z on Sunday 11 January is 00:30 on Monday 12 January (ISO week 3) there.
    const stamps = ['20260105_223000', '20260105_233000', '20260106_100000', '20260111_120000', '20260111_233000'];
    const names = stamps.map((s) => `g/infrahub_backup_${s}.tar.gz`);
    for (const key of names) {
      await put(client, key, GZIP_STUB);
      await prove(key, GZIP_STUB);
    }
    const env = s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'g' });
    const berlin = await run(env, 'prune', '--keep-daily', '2', '--keep-weekly', '2', '--time-zone', 'Europe/Berlin', '--dry-run');
    expect(berlin.code).toBe(0);
    expect(archiveLines(berlin.stdout)).toBe(
      `keep s3://backups/${names[4]}: the newest proven archive; --keep-daily 2: the newest proven of day 2026-01-12 (1 of 2); --keep-weekly 2: the newest proven of week 2026-W03 (1 of 2)\n` +
        `keep s3://backups/${names[3]}: --keep-daily 2: the newest proven of day 2026-01-11 (2 of 2); --keep-weekly 2: the newest proven of week 2026-W02 (2 of 2)\n` +
        [2, 1, 0].map((i) => `would delete s3://backups/${names[i]}: older than the 1 newest proven, and not the newest proven of one of the 2 newest days or 2 newest weeks\n`).join(''),
    );
    expect(berlin.stderr).toBe(
      'dry run: would delete 3 (and 3 proof markers) and keep 2 archives under s3://backups/g/ (keep-daily 2, keep-weekly 2 in Europe/Berlin); newest proven: infrahub_backup_20260111_233000.tar.gz\n',
    );
    // In UTC the last archive is still on Sunday 11 January, and all five are in week 2.
    const utc = await run(env, 'prune', '--keep-last', '1', '--keep-daily', '2', '--keep-weekly', '2');
    expect(utc.code).toBe(0);
    expect(archiveLines(utc.stdout)).toBe([3, 1, 0].map((i) => `deleted s3://backups/${names[i]}\n`).join(''));
    expect(utc.stderr).toBe('deleted 3 (and 3 proof markers), kept 2 archives under s3://backups/g/ (keep-last 1, keep-daily 2, keep-weekly 2 in UTC); newest proven: infrahub_backup_20260111_233000.tar.gz\n');
    expect(await keys('g/')).toEqual([names[2], names[4]]);
  });

  test('--keep-days keeps archives uploaded recently, even with old names', async () => {
    const names = await archives('d', 3);
    const result = await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'd' }), 'prune', '--keep-last', '1', '--keep-days', '7');
    expect(result.stderr).toBe('nothing to delete: 3 archives under s3://backups/d/, all kept (keep-last 1, keep-days 7)\n');
    expect(await keys('d/')).toEqual(names);
  });
});

describe('fails closed', () => {
  /** Three good archives (days 1-3 of January 2026) and the given newer uploads, under `prefix`. */
  async function scene(prefix: string, newer: Array<[string, Buffer | string]>): Promise<{ good: string[]; bad: string[] }> {
    const good = await archives(prefix, 3);
    const bad: string[] = [];
    for (const [i, [, body]] of newer.entries()) {
      const key = `${prefix}/infrahub_backup_202601${String(10 + i)}_020000.tar.gz`;
      await put(client, key, body);
      bad.push(key);
    }
    return { good, bad };
  }

  test.each([
    ['empty', '', 'empty (0 bytes)'],
    ['not gzip', 'PK\u0003\u0004 a zip file', 'not gzip data (it starts with 0x504b)'],
    ['cut after its first byte', Buffer.from([0x1f]), 'not gzip data (1 byte)'],
    ['truncated: the first 12 bytes of a tar.gz', TRUNCATED_STUB, '12 bytes: does not end as a complete tar.gz: truncated upload?'],
    ['a gzip of no tar', gzipSync(Buffer.from('x')), 'its gzip trailer gives 1 bytes of tar, not whole 512-byte blocks ending with two: does not end as a complete tar.gz: truncated upload?'],
  ])('a broken newest upload (%s) is unproven: kept, and never costs the newest proven archive', async (label, body, _problem) => {
    const prefix = `broken-${label.replace(/\W/g, '')}`;
    const { good, bad } = await scene(prefix, [['bad', body]]);
    const result = await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: prefix }), 'prune', '--keep-last', '1');
    expect(archiveLines(result.stdout)).toBe([good[1], good[0]].map((k) => `deleted s3://backups/${k}\n`).join(''));
    expect(result.stderr).toBe(
      'kept 1 unproven archive newer than the 1 newest proven: prune counts only archives s3 verify has proven, and keeps everything newer than them\n' +
        `deleted 2 (and 2 proof markers), kept 2 archives under s3://backups/${prefix}/ (keep-last 1); newest proven: ${good[2].split('/')[1]}\n`,
    );
    expect(result.code).toBe(0);
    expect(await keys(`${prefix}/`)).toEqual([good[2], bad[0]].sort());
  });

  test('encrypted archives are never proven: newer than the newest proven, they stay, and so does it', async () => {
    const good = await archives('enc1', 3);
    const bad = 'enc1/infrahub_backup_20260110_020000.tar.gz.enc';
    const small = 'enc1/infrahub_backup_20260111_020000.tar.gz.enc';
    await put(client, bad, 'x');
    await put(client, small, Buffer.from([0x02, 0x00, 0x00]));
    const result = await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'enc1' }), 'prune', '--keep-last', '1');
    expect(result.stderr).toBe(
      'kept 2 unproven archives newer than the 1 newest proven: prune counts only archives s3 verify has proven, and keeps everything newer than them\n' +
        `deleted 2 (and 2 proof markers), kept 3 archives under s3://backups/enc1/ (keep-last 1); newest proven: ${good[2].split('/')[1]}\n`,
    );
    expect(result.code).toBe(0);
    expect(await keys('enc1/')).toEqual([good[2], bad, small].sort());
  });

  test('seven bad uploads in a row with --keep-last 7: the good archives stay', async () => {
    const { good, bad } = await scene('seven', Array.from({ length: 7 }, (_, i) => [`bad${i}`, i % 2 === 0 ? '' : 'not gzip'] as [string, string]));
    const result = await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'seven' }), 'prune', '--keep-last', '7');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'kept 7 unproven archives newer than the only 3 proven (fewer than --keep-last 7): prune counts only archives s3 verify has proven, and keeps everything newer than them\n' +
        'nothing to delete: 10 archives under s3://backups/seven/, all kept (keep-last 7)\n',
    );
    expect(await keys('seven/')).toEqual([...good, ...bad].sort());
  });

  test('no proven archive at all: nothing deleted, exit 1', async () => {
    const names = ['none/infrahub_backup_20260101_000000.tar.gz', 'none/infrahub_backup_20260102_000000.tar.gz', 'none/infrahub_backup_20260103_000000.tar.gz'];
    for (const key of names) await put(client, key, 'not gzip');
    const before = await deletes();
    const result = await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'none' }), 'prune', '--keep-last', '1');
    expectFailure(
      result,
      1,
      [
        `error: no proven archive: none of the 3 archives under s3://backups/none/ at ${server.endpoint} has been proven restorable by s3 verify, so nothing is deleted: enable backup.verification (its CronJob runs s3 verify --latest before retention, which records the proof) or run s3 verify --uri on a good archive`,
      ],
    );
    expect(await deletes()).toBe(before);
    expect(await keys('none/')).toEqual(names);
  });

  test('archives named in the future (a clock that ran ahead) are kept and named; the real latest upload is never deleted', async () => {
    const future = ['skew/infrahub_backup_20990101_000000.tar.gz', 'skew/infrahub_backup_20990102_000000.tar.gz', 'skew/infrahub_backup_20990103_000000.tar.gz'];
    const old = await archives('skew', 2);
    for (const key of future) await put(client, key, GZIP_STUB);
    const today = `skew/${archiveName(new Date())}`;
    await put(client, today, GZIP_STUB);
    await prove(today, GZIP_STUB);
    const result = await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'skew' }), 'prune', '--keep-last', '1');
    expect(result.code).toBe(0);
    expect(archiveLines(result.stdout)).toBe(`deleted s3://backups/${old[1]}\ndeleted s3://backups/${old[0]}\n`);
    expect(result.stderr.split('\n').filter((l) => l.startsWith('warning: '))).toEqual(
      [...future].reverse().map((k) => expect.stringMatching(new RegExp(`^warning: s3://backups/${k.replace(/\./g, '\\.')}: named in the future \\(2099-`))),
    );
    expect(await keys('skew/')).toEqual([...future, today].sort());
  });

  test('an old name uploaded last is the most recent upload: kept even beyond --keep-last', async () => {
    const names = await archives('reupload', 3);
    // Uploaded after the others (LastModified is later), named before them.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const copied = 'reupload/infrahub_backup_20251201_000000.tar.gz';
    await put(client, copied, GZIP_STUB);
    const result = await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'reupload' }), 'prune', '--keep-last', '1', '--dry-run');
    expect(result.stdout).toContain(`keep s3://backups/${copied}: the most recent upload\n`);
    expect(result.stdout).toContain(`would delete s3://backups/${names[0]}: older than the 1 newest proven\n`);
  });
});

test('1,886 mixed objects: only archive-named keys directly under the prefix are deleted, in batches of 1,000', async () => {
  const base = Date.UTC(2023, 0, 1);
  const archiveKeys = Array.from({ length: 1200 }, (_, i) => `mixed/${archiveName(new Date(base + i * 7200_000))}`);
  const foreign = [
    ...Array.from({ length: 200 }, (_, i) => `mixed/notes-${i}.txt`),
    ...Array.from({ length: 150 }, (_, i) => `mixed/sub/${archiveName(new Date(base + i * 3600_000))}`),
    ...Array.from({ length: 100 }, (_, i) => `mixed/${archiveName(new Date(base + i * 3600_000))}.bak`),
    ...Array.from({ length: 100 }, (_, i) => `mixed-old/${archiveName(new Date(base + i * 3600_000))}`),
    ...Array.from({ length: 80 }, (_, i) => `mixed/infrahub_backup_2023${String(13 + (i % 7))}${String(1 + Math.floor(i / 7)).padStart(2, '0')}_000000.tar.gz`),
    ...Array.from({ length: 56 }, (_, i) => `mixed/infrahub_backup_${20230101 + i}_000000.tar`),
  ];
  const unique = [...new Set(foreign)];
  expect(archiveKeys.length + unique.length).toBe(1886);
  // Stored as uploads and proofs are, straight into the server's folder: receiving 3,086 uploads one by one takes s3rver seconds.
  server.seed([...archiveKeys, ...unique].map((key) => ({ key, body: GZIP_STUB })));
  server.seed(archiveKeys.map((key) => ({ key: proofOf(key, GZIP_STUB), body: '{}' })));
  await server.flush();
  const before = server.requests.length;
  const result = await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'mixed' }), 'prune', '--keep-last', '5');
  expect(result.code).toBe(0);
  const deleted = archiveLines(result.stdout).trimEnd().split('\n').map((l) => l.replace(/^deleted s3:\/\/backups\//, ''));
  expect(deleted.sort()).toEqual(archiveKeys.slice(0, 1195).sort());
  expect(result.stderr).toBe(`deleted 1195 (and 1195 proof markers), kept 5 archives under s3://backups/mixed/ (keep-last 5); newest proven: ${archiveKeys[1199].slice(6)}\n`);
  expect((await allKeys('mixed/')).filter((k) => k.includes('/.proof-'))).toHaveLength(5);
  expect(await keys('mixed')).toEqual([...archiveKeys.slice(1195), ...unique].sort());
  // More than 1,000 deletions: DeleteObjects in batches of 1,000 (archives, then their markers), never one DELETE per key; no archive was read: the listing carries the proofs.
  await server.flush();
  const calls = server.requests.slice(before);
  expect(calls.filter((r) => r.method === 'POST' && /[?&]delete/.test(r.url))).toHaveLength(4);
  expect(calls.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  expect(calls.filter((r) => r.method === 'GET' && r.url.startsWith('/backups/mixed/'))).toHaveLength(0);
});

describe('failures', () => {
  const KEYS = ['infrahub/infrahub_backup_20260101_000000.tar.gz', 'infrahub/infrahub_backup_20260102_000000.tar.gz', 'infrahub/infrahub_backup_20260103_000000.tar.gz'];
  /** KEYS, each with the proof marker bound to the listing's ETag ("x"). */
  const LISTED = [...KEYS.map((key) => ({ key, size: GZIP_STUB.length })), ...KEYS.map((key) => ({ key: key.replace(/infrahub_backup_(\d{8}_\d{6})\.tar\.gz$/, `.proof-infrahub_backup_$1-${GZIP_STUB.length}-x.json`), size: 2 }))];
  /** A server that lists KEYS and their proofs, serves gzip first bytes, and answers deletes with `onDelete`. */
  const s3Like = (onDelete: () => Buffer) =>
    hostileServer((request, socket) => {
      if (request.method === 'GET' && request.url.includes('list-type=2')) socket.write(httpAnswer(200, listingXml(LISTED), { 'Content-Type': 'application/xml' }));
      else if (request.method === 'GET') socket.write(httpAnswer(206, GZIP_STUB, { 'Content-Range': `bytes 0-${GZIP_STUB.length - 1}/${GZIP_STUB.length}` }));
      else socket.write(onDelete());
    });

  test('keys protected by Object Lock (AccessDenied on delete, for Object Lock) are reported as retained; the rest is deleted', async () => {
    const stub = await s3Like(() =>
      httpAnswer(
        200,
        `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Error><Key>${KEYS[0]}</Key><Code>AccessDenied</Code><Message>Access Denied because object protected by object lock.</Message></Error></DeleteResult>`,
        { 'Content-Type': 'application/xml' },
      ),
    );
    try {
      const result = await run(s3Env(stub.endpoint), 'prune', '--keep-last', '1');
      expect(archiveLines(result.stdout)).toBe(
        `deleted s3://backups/${KEYS[1]}\n` + `retained s3://backups/${KEYS[0]}: the delete was refused (AccessDenied): Object Lock (a retention period or a legal hold) protects it\n`,
      );
      expect(result.stderr).toBe(
        'deleted 1 (and 1 proof marker), retained 1 protected by Object Lock, kept 1 archives under s3://backups/infrahub/ (keep-last 1); newest proven: infrahub_backup_20260103_000000.tar.gz\n',
      );
      expect(result.code).toBe(0);
    } finally {
      await stub.close();
    }
  });

  test('the delete call refused', async () => {
    const stub = await s3Like(() => httpAnswer(403, s3ErrorXml('AccessDenied', 'Access Denied'), { 'Content-Type': 'application/xml' }));
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

  test('prune reads no archive: the listing carries the proofs (s3:GetObject is not needed)', async () => {
    const stub = await hostileServer((request, socket) => {
      if (request.url.includes('list-type=2')) socket.write(httpAnswer(200, listingXml(LISTED), { 'Content-Type': 'application/xml' }));
      else if (request.method === 'POST') socket.write(httpAnswer(200, '<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></DeleteResult>', { 'Content-Type': 'application/xml' }));
      else socket.write(httpAnswer(403, s3ErrorXml('AccessDenied', 'Access Denied'), { 'Content-Type': 'application/xml' }));
    });
    try {
      const result = await run(s3Env(stub.endpoint), 'prune', '--keep-last', '1');
      expect(result.code).toBe(0);
      expect(stub.requests.filter((r) => r.method === 'GET' && !r.url.includes('list-type=2'))).toHaveLength(0);
      expect(stub.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
    } finally {
      await stub.close();
    }
  });

  test('a listing that fails deletes nothing', async () => {
    const stub = await hostileServer((_request, socket) => socket.write(httpAnswer(503, s3ErrorXml('ServiceUnavailable', 'Please reduce your request rate.'), { 'Content-Type': 'application/xml' })));
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
    expectFailure(await run(env, 'prune'), 2, [
      'error: --keep-last is required (at least 1: the newest restorable archive is always kept), unless a calendar rule is given (--keep-daily, --keep-weekly, --keep-monthly or --keep-yearly)',
    ]);
    expectFailure(await run(env, 'prune', '--keep-daily', '0', '--keep-weekly', '0'), 2, [
      'error: --keep-last is required when every calendar rule given is 0 (at least 1: the newest restorable archive is always kept)',
    ]);
    expectFailure(await run(env, 'prune', '--keep-daily', '-1', '--keep-weekly', 'x', '--keep-monthly', '1.5', '--keep-yearly', '', '--time-zone', 'Europe/Berln'), 2, [
      'error: --keep-daily: "-1" is not a whole number of at least 0',
      'error: --keep-weekly: "x" is not a whole number of at least 0',
      'error: --keep-monthly: "1.5" is not a whole number of at least 0',
      'error: --keep-yearly: "" is not a whole number of at least 0',
      'error: --time-zone: "Europe/Berln" is not an IANA time zone name (like UTC, Europe/Berlin or America/Sao_Paulo): use the name cronJob.timeZone takes',
    ]);
    // A zone the runtime computes with but the CronJob controller does not know (a lower-case name) is refused too.
    expectFailure(await run(env, 'prune', '--keep-daily', '7', '--time-zone', 'europe/berlin'), 2, [/^error: --time-zone: "europe\/berlin" is not an IANA time zone name/]);
    expectFailure(await run(env, 'prune', '--keep-last', '0', '--keep-days', '-1', '--endpoint', 'ftp://x'), 2, [
      'error: --keep-last: "0" is not a whole number of at least 1',
      'error: --keep-days: "-1" is not a whole number of at least 1',
      'error: --endpoint: "ftp://x" must start with http:// or https:// (http:// disables TLS, as in the backup image)',
    ]);
    expectFailure(await run(env, 'prune', '--keep-last', 'two'), 2, ['error: --keep-last: "two" is not a whole number of at least 1']);
  });
});
