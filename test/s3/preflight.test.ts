/**
 * `s3 preflight` against a real S3-compatible server (s3rver on 127.0.0.1), and
 * against plain local servers for what s3rver cannot do (check signatures,
 * deny a permission, hang).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { preflight, PREFLIGHT_DEADLINE_SECONDS } from '../../src/s3/preflight';
import type { Socket } from 'net';
import {
  BUCKET,
  PREFIX,
  RawRequest,
  Run,
  TRUNCATED_STUB,
  TestServer,
  buildArchive,
  closedPort,
  expectFailure,
  hostileServer,
  httpAnswer,
  put,
  run,
  s3Env,
  s3ErrorServer,
  s3ErrorXml,
  silentServer,
  stubServer,
  testClient,
  useS3Server,
} from './support';

jest.setTimeout(30_000);

const s3 = useS3Server([BUCKET, 'empty']);

let server: TestServer;
let client: S3Client;
let env: NodeJS.ProcessEnv;
const ARCHIVE = `${PREFIX}/infrahub_backup_20260102_030405.tar.gz`;

beforeAll(async () => {
  server = s3();
  client = testClient(server.endpoint);
  env = s3Env(server.endpoint);
  await put(client, ARCHIVE, await buildArchive());
  // Proven, as the verification CronJob would: a restore of the newest takes the newest proven archive.
  expect((await run(env, 'verify', '--uri', `s3://${BUCKET}/${ARCHIVE}`)).code).toBe(0);
  await put(client, `${PREFIX}/not-an-archive.tar.gz`, 'plain text');
  await put(client, `${PREFIX}/infrahub_backup_20250101_000000.tar.gz`, '');
  await put(client, `${PREFIX}/cut/infrahub_backup_20250101_000000.tar.gz`, TRUNCATED_STUB);
  await put(client, `${PREFIX}/cut/infrahub_backup_20250102_000000.tar.gz`, (await buildArchive()).subarray(0, 3000));
  await put(client, `${PREFIX}/enc/infrahub_backup_20250101_000000.tar.gz.enc`, 'x');
});

afterAll(() => {
  client?.destroy();
});

/** Runs `body` against a hostile server (support.ts) that answers as `behave` says. */
async function withHostile(behave: (request: RawRequest, socket: Socket) => void, body: (endpoint: string, requests: RawRequest[]) => Promise<void>): Promise<void> {
  const hostile = await hostileServer(behave);
  try {
    await body(hostile.endpoint, hostile.requests);
  } finally {
    await hostile.close();
  }
}

/** Runs and measures. */
async function timed(e: NodeJS.ProcessEnv, ...argv: string[]): Promise<Run & { seconds: number }> {
  const started = Date.now();
  const result = await run(e, ...argv);
  return { ...result, seconds: (Date.now() - started) / 1000 };
}

describe('backup', () => {
  test('writes and deletes a small object under the prefix, and leaves nothing behind', async () => {
    const result = await run(env, 'preflight', '--for', 'backup');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`ok: credentials accepted and bucket "backups" listable at ${server.endpoint}`);
    expect(lines[1]).toBe('ok: wrote and deleted s3://backups/infrahub/.infrahub-backup-cdk8s-preflight');
    expect(lines[2]).toBe('ok: ready to back up to s3://backups/infrahub/');
    // Reported, not a failure: s3rver has no Object Lock.
    expect(lines[3]).toMatch(/^not protected: bucket "backups" has no Object Lock \(versioning [a-zA-Z ]+\): any credential with s3:DeleteObject /);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/.infrahub` }));
    expect(listed.KeyCount ?? 0).toBe(0);
    await server.flush();
    expect(server.requests.filter((r) => r.method === 'PUT' && r.url.includes('preflight'))).toHaveLength(1);
    expect(server.requests.filter((r) => r.method === 'DELETE' && r.url.includes('preflight'))).toHaveLength(1);
  });

  test('without a prefix, at the bucket root', async () => {
    const result = await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: undefined }), 'preflight', '--for', 'backup');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ok: wrote and deleted s3://backups/.infrahub-backup-cdk8s-preflight\n');
  });

  test('bad access key', async () => {
    expectFailure(await run(s3Env(server.endpoint, { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNKEY000000' }), 'preflight', '--for', 'backup'), 1, [
      `error: bad access key: ${server.endpoint} does not know access key ID "AKIA…0000": check AWS_ACCESS_KEY_ID in the Secret (and that it belongs to this endpoint)`,
    ]);
  });

  test('bad secret (signature mismatch), from a server that checks signatures', async () => {
    const stub = await s3ErrorServer(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    try {
      expectFailure(await run(s3Env(stub.endpoint), 'preflight', '--for', 'backup'), 1, [
        `error: bad secret: signature mismatch for access key ID "S3…" at ${stub.endpoint}: check AWS_SECRET_ACCESS_KEY in the Secret (it must be the secret of that access key; a proxy that rewrites requests causes this too)`,
      ]);
      // Not retried: the answer will not change.
      expect(stub.requests).toHaveLength(1);
    } finally {
      await stub.close();
    }
  });

  test('bucket missing', async () => {
    expectFailure(await run(s3Env(server.endpoint, { INFRAHUB_S3_BUCKET: 'no-such-bucket' }), 'preflight', '--for', 'backup'), 1, [
      `error: bucket missing: bucket "no-such-bucket" does not exist at ${server.endpoint}: check INFRAHUB_S3_BUCKET and INFRAHUB_S3_ENDPOINT`,
    ]);
  });

  test('access denied everywhere: listing is not checked, writing fails', async () => {
    const stub = await s3ErrorServer(403, 'AccessDenied', 'Access Denied');
    try {
      const result = await run(s3Env(stub.endpoint), 'preflight', '--for', 'backup');
      expect(result.stdout).toBe(
        'not checked: listing bucket "backups" (s3:ListBucket is denied to access key ID "S3…"): the backup does not need it; retention, verification, freshness and the restore of the newest archive do\n',
      );
      expect(result.stderr).toBe(
        `error: access denied: access key ID "S3…" may not write s3://backups/infrahub/.infrahub-backup-cdk8s-preflight at ${stub.endpoint}: grant s3:PutObject on it (bucket policy or IAM policy)\n`,
      );
      expect(result.code).toBe(1);
    } finally {
      await stub.close();
    }
  });

  const LIST_OK = {
    status: 200,
    body: '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>backups</Name><Prefix>infrahub/</Prefix><KeyCount>0</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>',
  };

  test('access denied writing', async () => {
    const stub = await stubServer((method) => (method === 'GET' ? LIST_OK : { status: 403, body: s3ErrorXml('AccessDenied', 'Access Denied') }));
    try {
      const result = await run(s3Env(stub.endpoint), 'preflight', '--for', 'backup');
      expect(result.stdout).toBe(`ok: credentials accepted and bucket "backups" listable at ${stub.endpoint}\n`);
      expect(result.stderr).toMatch(
        /^error: access denied: access key ID "S3…" may not write s3:\/\/backups\/infrahub\/\.infrahub-backup-cdk8s-preflight at http:\/\/127\.0\.0\.1:\d+: grant s3:PutObject on it \(bucket policy or IAM policy\)\n$/,
      );
      expect(result.code).toBe(1);
    } finally {
      await stub.close();
    }
  });

  const PUT_OK = { status: 200, body: '', headers: { ETag: '"d41d8cd98f00b204e9800998ecf8427e"' } };
  const DENIED = { status: 403, body: s3ErrorXml('AccessDenied', 'Access Denied') };

  test('a put-only policy (common with Object Lock): passes, and says what it could not check', async () => {
    const stub = await stubServer((method) => (method === 'PUT' ? PUT_OK : DENIED));
    try {
      const result = await run(s3Env(stub.endpoint), 'preflight', '--for', 'backup');
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe(
        'not checked: listing bucket "backups" (s3:ListBucket is denied to access key ID "S3…"): the backup does not need it; retention, verification, freshness and the restore of the newest archive do\n' +
          'ok: wrote s3://backups/infrahub/.infrahub-backup-cdk8s-preflight\n' +
          'not checked: deleting (s3:DeleteObject is denied to access key ID "S3…"): the backup does not need it; retention does. The test object stays; the next preflight overwrites it\n' +
          'ok: ready to back up to s3://backups/infrahub/\n' +
          'not checked: Object Lock (s3:GetBucketObjectLockConfiguration is denied to access key ID "S3…"; versioning not readable (s3:GetBucketVersioning is denied)): the backup does not need it; s3 lock does\n',
      );
      expect(result.code).toBe(0);
      // One object, always the same key: repeated runs overwrite it rather than leave more behind.
      await run(s3Env(stub.endpoint), 'preflight', '--for', 'backup');
      expect(new Set(stub.requests.filter((r) => r.method === 'PUT').map((r) => r.url))).toEqual(new Set(['/backups/infrahub/.infrahub-backup-cdk8s-preflight?x-id=PutObject']));
    } finally {
      await stub.close();
    }
  });

  test('list and put allowed, delete denied: passes with one line saying so', async () => {
    const stub = await stubServer((method) => (method === 'GET' ? LIST_OK : method === 'PUT' ? PUT_OK : DENIED));
    try {
      const result = await run(s3Env(stub.endpoint), 'preflight', '--for', 'backup');
      expect(result.stdout.split('\n').filter((l) => l.startsWith('not checked: '))).toEqual([
        'not checked: deleting (s3:DeleteObject is denied to access key ID "S3…"): the backup does not need it; retention does. The test object stays; the next preflight overwrites it',
      ]);
      expect(result.code).toBe(0);
    } finally {
      await stub.close();
    }
  });

  test('other refusals still fail: a missing bucket, a wrong key', async () => {
    const stub = await stubServer((method) => (method === 'GET' ? { status: 403, body: s3ErrorXml('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.') } : PUT_OK));
    try {
      const result = await run(s3Env(stub.endpoint), 'preflight', '--for', 'backup');
      expectFailure(result, 1, [/^error: bad access key: /]);
    } finally {
      await stub.close();
    }
  });

  describe('an endpoint that answers 200 to everything is not S3', () => {
    test.each([
      ['an empty body', '', { 'Content-Type': 'application/xml' }],
      ['an empty body without a type', '', {}],
      ['HTML without text/html', '<!DOCTYPE html><html><body>Welcome</body></html>', { 'Content-Type': 'application/octet-stream' }],
      ['HTML without a type', '<html><body>It works!</body></html>', {}],
    ])('%s', async (_label, body, headers) => {
      await withHostile(
        (_request, socket) => socket.write(httpAnswer(200, body, headers)),
        async (endpoint, requests) => {
          expectFailure(await run(s3Env(endpoint), 'preflight', '--for', 'backup', '--timeout', '2'), 1, [
            `error: not an S3 answer: ${endpoint} answered HTTP 200 to list bucket "backups": check that INFRAHUB_S3_ENDPOINT is the S3 API, not a console, a login page or a website`,
          ]);
          expect(requests.filter((r) => r.method === 'PUT')).toHaveLength(0);
          expectFailure(await run(s3Env(endpoint), 'preflight', '--for', 'restore', '--uri', `s3://${BUCKET}/${ARCHIVE}`, '--timeout', '2'), 1, [
            `error: not an S3 answer: ${endpoint} answered HTTP 200 to read s3://backups/${ARCHIVE}: check that INFRAHUB_S3_ENDPOINT is the S3 API, not a console, a login page or a website`,
          ]);
        },
      );
    });

    test('listing denied, then a write answered 200 without an ETag', async () => {
      await withHostile(
        (request, socket) => socket.write(request.method === 'GET' ? httpAnswer(403, s3ErrorXml('AccessDenied', 'Access Denied'), { 'Content-Type': 'application/xml' }) : httpAnswer(200, '')),
        async (endpoint) => {
          const result = await run(s3Env(endpoint), 'preflight', '--for', 'backup', '--timeout', '2');
          expect(result.stderr).toBe(
            `error: not an S3 answer: ${endpoint} answered HTTP 200 to write s3://backups/infrahub/.infrahub-backup-cdk8s-preflight: check that INFRAHUB_S3_ENDPOINT is the S3 API, not a console, a login page or a website\n`,
          );
          expect(result.code).toBe(1);
        },
      );
    });
  });

  test('endpoint unreachable (a closed port), at once', async () => {
    const port = await closedPort();
    const result = await timed(s3Env(`http://127.0.0.1:${port}`), 'preflight', '--for', 'backup');
    expectFailure(result, 1, [
      `error: endpoint unreachable: 127.0.0.1:${port} refused the connection: check INFRAHUB_S3_ENDPOINT and that the S3 service is running and reachable from this pod (network policies, proxies)`,
    ]);
    expect(result.seconds).toBeLessThan(10);
  });

  test('TLS failure: an https:// endpoint that serves plain HTTP', async () => {
    const result = await timed(s3Env(`https://127.0.0.1:${server.port}`), 'preflight', '--for', 'backup');
    expectFailure(result, 1, [
      `error: TLS failure: the TLS handshake with https://127.0.0.1:${server.port} failed (wrong version number): the endpoint seems to serve plain HTTP: use an http:// endpoint`,
    ]);
    expect(result.seconds).toBeLessThan(10);
  });

  test('an endpoint that accepts connections but never answers: bounded by --timeout', async () => {
    const silent = await silentServer();
    try {
      const result = await timed(s3Env(silent.endpoint), 'preflight', '--for', 'backup', '--timeout', '1');
      expectFailure(result, 1, [
        `error: timed out: ${silent.endpoint} did not finish listing bucket "backups" within the command's deadline of 3 s (--deadline; retries included)`,
      ]);
      expect(result.seconds).toBeLessThan(10);
    } finally {
      await silent.close();
    }
  });

  test('... and by the overall deadline, whatever the per-call timeout', async () => {
    expect(PREFLIGHT_DEADLINE_SECONDS).toBeLessThan(30);
    const silent = await silentServer();
    try {
      let stderr = '';
      const started = Date.now();
      const code = await preflight({ for: 'backup', deadlineMs: 2000 }, { stdout: () => undefined, stderr: (t) => (stderr += t), env: s3Env(silent.endpoint) }).catch(
        (e: Error) => {
          stderr += `error: ${e.message}\n`;
          return 1;
        },
      );
      expect(code).toBe(1);
      expect(stderr).toMatch(/^error: timed out: http:\/\/127\.0\.0\.1:\d+ did not finish listing bucket "backups" within the command's deadline of 2 s /);
      expect((Date.now() - started) / 1000).toBeLessThan(5);
    } finally {
      await silent.close();
    }
  });
});

describe('restore', () => {
  test('an archive given by URI', async () => {
    const result = await run(env, 'preflight', '--for', 'restore', '--uri', `s3://${BUCKET}/${ARCHIVE}`);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^ok: s3:\/\/backups\/infrahub\/infrahub_backup_20260102_030405\.tar\.gz exists and is readable \(\d+\.\d+ KiB, uploaded \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)\n$/);
    expect(result.code).toBe(0);
  });

  test('without a URI: the newest archive under the prefix', async () => {
    const result = await run(env, 'preflight', '--for', 'restore');
    expect(result.stderr).toBe('');
    // What latest takes without --accept-unproven is the newest proven archive: named so, newer unproven ones may exist.
    expect(result.stdout.split('\n')[0]).toBe(`ok: credentials accepted; the newest proven of 2 archives is s3://backups/${ARCHIVE}`);
    expect(result.code).toBe(0);
    const accepting = await run(env, 'preflight', '--for', 'restore', '--accept-unproven');
    expect(accepting.stdout.split('\n')[0]).toBe(`ok: credentials accepted; the newest proven of 2 archives is s3://backups/${ARCHIVE}`);
  });

  test('--output hands the checked archive to the next container; nothing is written when the check fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'preflight-'));
    try {
      const output = join(dir, 'archive-uri');
      const result = await run(env, 'preflight', '--for', 'restore', '--output', output);
      expect(result.code).toBe(0);
      expect(readFileSync(output, 'utf8')).toBe(`s3://${BUCKET}/${ARCHIVE}`);
      const empty = join(dir, 'empty-uri');
      expect((await run(s3Env(server.endpoint, { INFRAHUB_S3_BUCKET: 'empty' }), 'preflight', '--for', 'restore', '--output', empty)).code).toBe(1);
      expect(existsSync(empty)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('object missing', async () => {
    expectFailure(await run(env, 'preflight', '--for', 'restore', '--uri', `s3://${BUCKET}/${PREFIX}/infrahub_backup_20200101_000000.tar.gz`), 1, [
      'error: object missing: s3://backups/infrahub/infrahub_backup_20200101_000000.tar.gz does not exist: check the URI (`s3 list` shows the archives under the prefix)',
    ]);
  });

  test('object missing: no archive under the prefix', async () => {
    expectFailure(await run(s3Env(server.endpoint, { INFRAHUB_S3_BUCKET: 'empty' }), 'preflight', '--for', 'restore'), 1, [
      `error: no archive: nothing named infrahub_backup_<YYYYMMDD_HHMMSS>.tar.gz under s3://empty/infrahub/ at ${server.endpoint}: check INFRAHUB_S3_PREFIX and that a backup has run`,
    ]);
  });

  test('bucket missing (from the URI)', async () => {
    expectFailure(await run(env, 'preflight', '--for', 'restore', '--uri', 's3://elsewhere/infrahub_backup_20200101_000000.tar.gz'), 1, [
      `error: bucket missing: bucket "elsewhere" does not exist at ${server.endpoint}: check INFRAHUB_S3_BUCKET and INFRAHUB_S3_ENDPOINT`,
    ]);
  });

  test('bad access key', async () => {
    expectFailure(await run(s3Env(server.endpoint, { AWS_ACCESS_KEY_ID: 'WRONG' }), 'preflight', '--for', 'restore', '--uri', `s3://${BUCKET}/${ARCHIVE}`), 1, [
      `error: bad access key: ${server.endpoint} does not know access key ID "WR…": check AWS_ACCESS_KEY_ID in the Secret (and that it belongs to this endpoint)`,
    ]);
  });

  test('access denied reading', async () => {
    const stub = await s3ErrorServer(403, 'AccessDenied', 'Access Denied');
    try {
      expectFailure(await run(s3Env(stub.endpoint), 'preflight', '--for', 'restore', '--uri', `s3://${BUCKET}/${ARCHIVE}`), 1, [
        `error: access denied: access key ID "S3…" may not read s3://backups/${ARCHIVE} at ${stub.endpoint}: grant s3:GetObject on it (bucket policy or IAM policy)`,
      ]);
    } finally {
      await stub.close();
    }
  });

  test('an object that is not an archive, an empty one', async () => {
    const named = await run(env, 'preflight', '--for', 'restore', '--uri', `s3://${BUCKET}/${PREFIX}/not-an-archive.tar.gz`);
    expect(named.stderr).toBe(
      "warning: s3://backups/infrahub/not-an-archive.tar.gz is not named like the image's archives (infrahub_backup_<YYYYMMDD_HHMMSS>.tar.gz)\n" +
        'error: not an archive: s3://backups/infrahub/not-an-archive.tar.gz is not gzip data (it starts with 0x706c): it is not an archive the backup image wrote\n',
    );
    expect(named.code).toBe(1);
    expectFailure(await run(env, 'preflight', '--for', 'restore', '--uri', `s3://${BUCKET}/${PREFIX}/infrahub_backup_20250101_000000.tar.gz`), 1, [
      'error: empty object: s3://backups/infrahub/infrahub_backup_20250101_000000.tar.gz is 0 bytes: it is not a backup archive',
    ]);
  });

  test('a cut upload (its first bytes only) and a one-byte .enc are not archives', async () => {
    expectFailure(await run(env, 'preflight', '--for', 'restore', '--uri', `s3://${BUCKET}/${PREFIX}/cut/infrahub_backup_20250101_000000.tar.gz`), 1, [
      'error: not an archive: s3://backups/infrahub/cut/infrahub_backup_20250101_000000.tar.gz is 12 bytes: does not end as a complete tar.gz: truncated upload?: it is not an archive the backup image wrote',
    ]);
    const cut = await run(env, 'preflight', '--for', 'restore', '--uri', `s3://${BUCKET}/${PREFIX}/cut/infrahub_backup_20250102_000000.tar.gz`);
    expect(cut.stderr).toMatch(/^error: not an archive: s3:\/\/backups\/infrahub\/cut\/infrahub_backup_20250102_000000\.tar\.gz is its gzip trailer gives \d+ bytes of tar, not whole 512-byte blocks ending with two: does not end as a complete tar\.gz: truncated upload\?/);
    expect(cut.code).toBe(1);
    expectFailure(await run(env, 'preflight', '--for', 'restore', '--uri', `s3://${BUCKET}/${PREFIX}/enc/infrahub_backup_20250101_000000.tar.gz.enc`), 1, [
      'error: not an archive: s3://backups/infrahub/enc/infrahub_backup_20250101_000000.tar.gz.enc is not an encrypted archive (it starts with 0x78, not 0x02): it is not an archive the backup image wrote',
    ]);
  });
});

describe('encrypted or not: preflight --uri decides as latest does', () => {
  test('a .tar.gz starting with 0x02 is not gzip for both, never "encrypted" and handed to the restore', async () => {
    const key = `${PREFIX}/zero-two/infrahub_backup_20250101_000000.tar.gz`;
    await put(client, key, Buffer.concat([Buffer.from([0x02, 0x04]), Buffer.alloc(2046, 0x11)]));
    const dir = mkdtempSync(join(tmpdir(), 'preflight-'));
    try {
      const output = join(dir, 'uri');
      const checked = await run(env, 'preflight', '--for', 'restore', '--uri', `s3://${BUCKET}/${key}`, '--output', output);
      expectFailure(checked, 1, [`error: not an archive: s3://backups/${key} is not gzip data (it starts with 0x0204): it is not an archive the backup image wrote`]);
      expect(existsSync(output)).toBe(false);
      const latest = await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: `${PREFIX}/zero-two` }), 'latest', '--accept-unproven');
      expect(latest.code).toBe(1);
      expect(latest.stderr).toContain(`warning: skipped s3://backups/${key}: not restorable: not gzip data (it starts with 0x0204)\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bad input: exit 2, nothing sent', () => {
  test.each([
    [['preflight'], ["error: required option '--for <purpose>' not specified"]],
    [['preflight', '--for', 'upload'], ["error: option '--for <purpose>' argument 'upload' is invalid. Allowed choices are backup, restore."]],
    [['preflight', '--for', 'backup', '--uri', 's3://backups/x'], ['error: --uri is for --for restore: a backup writes under INFRAHUB_S3_PREFIX']],
    [['preflight', '--for', 'backup', '--output', '/tmp/uri'], ['error: --output is for --for restore: it receives the URI of the checked archive']],
    [['preflight', '--for', 'restore', '--output', '/nowhere/uri'], ['error: --output: the folder /nowhere does not exist']],
    [['preflight', '--for', 'restore', '--uri', 'backups/x'], ['error: --uri: "backups/x" is not an s3://bucket/key URI']],
    [['preflight', '--for', 'backup', '--endpoint', 'minio:9000'], ['error: --endpoint: "minio:9000" must start with http:// or https:// (http:// disables TLS, as in the backup image)']],
  ])('%j', async (argv, lines) => {
    expectFailure(await run(env, ...argv), 2, lines);
  });

  test('no bucket and half the keys', async () => {
    expectFailure(await run({ INFRAHUB_S3_ENDPOINT: server.endpoint, AWS_SECRET_ACCESS_KEY: 'x' }, 'preflight', '--for', 'backup'), 2, [
      'error: no bucket: set INFRAHUB_S3_BUCKET (or --bucket)',
      'error: AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set both (from the same Secret)',
    ]);
  });
});
