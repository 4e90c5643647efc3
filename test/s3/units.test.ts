/**
 * The pure parts of the s3 commands: settings, archive names and retention, the
 * error lines, and the streaming archive check (on in-memory archives built in
 * the image's layout).
 */
import { posix } from 'path';
import { inputErrorLines } from '../support/input-error';
import { Readable } from 'stream';
import * as fc from 'fast-check';
import { gzipSync } from 'zlib';
import { ArchiveReadError, checkArchive, normalisePath } from '../../src/s3/archive-check';
import { Archive, archiveOf, batches, formatBytes, parseArchiveName, sortNewestFirst } from '../../src/s3/archives';
import { RetentionPolicy, headProblem, listedProblem, planRetention, rangeProblem } from '../../src/s3/restorable';
import { ORPHAN_GRACE_MS, etagToken, proofKey, proofOf } from '../../src/s3/proofs';
import { clientConfig } from '../../src/s3/client';
import { S3Settings, parseS3Uri, resolveSettings } from '../../src/s3/config';
import { describeS3Error, maskKeyId } from '../../src/s3/errors';
import { DELETE_BATCH } from '../../src/s3/prune';
import { buildArchive, defaultFiles, metadataFor, noise, sha256 } from './support';

jest.setTimeout(20_000);


describe('settings', () => {
  const env = { INFRAHUB_S3_BUCKET: 'backups', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE12345', AWS_SECRET_ACCESS_KEY: 'secret' };

  test('reads the image environment; region defaults to us-east-1; no endpoint means AWS', () => {
    const s = resolveSettings({}, env, { needBucket: true });
    expect(s).toEqual({
      bucket: 'backups',
      prefix: '',
      keyPrefix: '',
      endpoint: undefined,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIAEXAMPLE12345', secretAccessKey: 'secret' },
      timeoutMs: 30_000,
    });
  });

  test('flags win over the environment; the prefix loses one trailing slash like the image', () => {
    const s = resolveSettings(
      { bucket: 'other', prefix: 'nightly/', endpoint: 'http://minio.minio.svc:9000/', region: 'eu-west-1', timeout: '5' },
      { ...env, INFRAHUB_S3_PREFIX: 'ignored', AWS_SESSION_TOKEN: 'token' },
      { needBucket: true },
    );
    expect(s.bucket).toBe('other');
    expect(s.prefix).toBe('nightly/');
    expect(s.keyPrefix).toBe('nightly/');
    expect(s.endpoint).toBe('http://minio.minio.svc:9000');
    expect(s.region).toBe('eu-west-1');
    expect(s.timeoutMs).toBe(5000);
    expect(s.credentials).toEqual({ accessKeyId: 'AKIAEXAMPLE12345', secretAccessKey: 'secret', sessionToken: 'token' });
  });

  test('empty environment values count as unset; no keys means the default chain', () => {
    const s = resolveSettings({}, { INFRAHUB_S3_BUCKET: 'backups', INFRAHUB_S3_ENDPOINT: '', AWS_ACCESS_KEY_ID: ' ' }, { needBucket: true });
    expect(s.endpoint).toBeUndefined();
    expect(s.credentials).toBeUndefined();
  });

  test('every problem is one line', () => {
    expect(
      inputErrorLines(() =>
        resolveSettings({ timeout: 'soon' }, { INFRAHUB_S3_ENDPOINT: 'minio:9000', INFRAHUB_S3_REGION: 'eu west', AWS_ACCESS_KEY_ID: 'AKIA' }, { needBucket: true }),
      ),
    ).toEqual([
      'no bucket: set INFRAHUB_S3_BUCKET (or --bucket)',
      'INFRAHUB_S3_ENDPOINT: "minio:9000" must start with http:// or https:// (http:// disables TLS, as in the backup image)',
      'INFRAHUB_S3_REGION: "eu west" is not a region name (like us-east-1)',
      '--timeout: "soon" is not a number of seconds between 1 and 3600',
      'AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both (from the same Secret)',
    ]);
  });

  test.each([
    ['https://minio.example.com/bucket', /must be a scheme, host and port only/],
    ['https://user:pw@minio.example.com', /must not carry credentials/],
    ['not a url', /is not a URL/],
  ])('the endpoint %s is refused', (endpoint, message) => {
    const lines = inputErrorLines(() => resolveSettings({ endpoint }, env, { needBucket: true }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  test('bucket names and s3:// URIs are checked', () => {
    expect(inputErrorLines(() => resolveSettings({ bucket: 'a/b' }, env, { needBucket: true }))[0]).toMatch(/^--bucket: "a\/b" is not a bucket name/);
    expect(parseS3Uri('s3://backups/nightly/infrahub_backup_20260101_000000.tar.gz')).toEqual({ bucket: 'backups', key: 'nightly/infrahub_backup_20260101_000000.tar.gz' });
    expect(inputErrorLines(() => parseS3Uri('backups/key'))).toEqual(['--uri: "backups/key" is not an s3://bucket/key URI']);
    expect(inputErrorLines(() => parseS3Uri('s3://backups/'))).toEqual(['--uri: "s3://backups/" is not an s3://bucket/key URI']);
  });

  test('the client: path-style, TLS per scheme, bounded calls', () => {
    const custom = clientConfig({ ...resolveSettings({ endpoint: 'http://127.0.0.1:9000' }, env, { needBucket: true }) });
    expect(custom.forcePathStyle).toBe(true);
    expect(custom.endpoint).toBe('http://127.0.0.1:9000');
    expect(custom.maxAttempts).toBe(3);
    expect(custom.requestChecksumCalculation).toBe('WHEN_REQUIRED');
    const aws = clientConfig(resolveSettings({}, env, { needBucket: true }));
    expect(aws).not.toHaveProperty('forcePathStyle');
    expect(aws).not.toHaveProperty('endpoint');
    expect(aws.followRegionRedirects).toBe(true);
  });
});

describe('archive names and retention', () => {
  /** A gzip trailer (CRC-32 left at 0) saying `isize` bytes were compressed. */
  const trailer = (isize: number) => {
    const out = Buffer.alloc(8);
    out.writeUInt32LE(isize >>> 0, 4);
    return out;
  };
  const at = (stamp: string, key = `p/infrahub_backup_${stamp}.tar.gz`, lastModified?: Date): Archive => archiveOf(key, 'p/', 100, lastModified)!;

  test('only the image names, with real times, directly under the prefix', () => {
    expect(parseArchiveName('infrahub_backup_20260131_235959.tar.gz')).toEqual({ stamp: '20260131_235959', createdAt: new Date('2026-01-31T23:59:59Z'), encrypted: false });
    expect(parseArchiveName('infrahub_backup_20260131_235959.tar.gz.enc')?.encrypted).toBe(true);
    for (const name of [
      'infrahub_backup_20260231_000000.tar.gz',
      'infrahub_backup_20261301_000000.tar.gz',
      'infrahub_backup_20260101_240000.tar.gz',
      'infrahub_backup_20260101_000000.tar',
      'infrahub_backup_20260101_000000.tar.gz.bak',
      'xinfrahub_backup_20260101_000000.tar.gz',
      'infrahub_backup_2026010_000000.tar.gz',
    ]) {
      expect(parseArchiveName(name)).toBeUndefined();
    }
    expect(archiveOf('p/infrahub_backup_20260101_000000.tar.gz', 'p/')).toBeDefined();
    expect(archiveOf('p/sub/infrahub_backup_20260101_000000.tar.gz', 'p/')).toBeUndefined();
    expect(archiveOf('p-old/infrahub_backup_20260101_000000.tar.gz', 'p/')).toBeUndefined();
    expect(archiveOf('infrahub_backup_20260101_000000.tar.gz', '')).toBeDefined();
  });

  test('newest first by the name, then LastModified, then key', () => {
    const a = at('20260101_000000', undefined, new Date('2026-03-01'));
    const b = at('20260102_000000', undefined, new Date('2026-01-01'));
    const c1 = { ...at('20260103_000000'), key: 'p/c1', lastModified: new Date('2026-01-03') };
    const c2 = { ...at('20260103_000000'), key: 'p/c2', lastModified: new Date('2026-01-04') };
    const c3 = { ...at('20260103_000000'), key: 'p/c3', lastModified: new Date('2026-01-04') };
    expect(sortNewestFirst([a, c1, b, c2, c3]).map((x) => x.key)).toEqual(['p/c3', 'p/c2', 'p/c1', b.key, a.key]);
  });

  /** The proofs of archives (bound to their size and an ETag "e"). */
  const proofsOf = (archives: Archive[]) => archives.map((a) => proofOf(proofKey('p/', a, a.size, '"e"')!, 'p/', new Date(0))!);
  /** The plan when every archive is proven. */
  function select(archives: Archive[], policy: RetentionPolicy, now: Date) {
    const tagged = archives.map((a) => ({ ...a, etag: '"e"' }));
    const plan = planRetention(tagged, proofsOf(tagged), policy, now);
    return { keep: plan.entries.filter((e) => e.action === 'keep').map((e) => e.archive), remove: plan.entries.filter((e) => e.action === 'delete').map((e) => e.archive) };
  }

  test('keep-last keeps the N newest, and the newest whatever the policy', () => {
    const archives = ['20260101_000000', '20260102_000000', '20260103_000000', '20260104_000000'].map((s) => at(s));
    const { keep, remove } = select(archives, { keepLast: 2 }, new Date('2026-02-01'));
    expect(keep.map((a) => a.stamp)).toEqual(['20260104_000000', '20260103_000000']);
    expect(remove.map((a) => a.stamp)).toEqual(['20260102_000000', '20260101_000000']);
    expect(select(archives, { keepLast: 10 }, new Date('2026-02-01')).remove).toEqual([]);
    expect(select([], { keepLast: 1 }, new Date())).toEqual({ keep: [], remove: [] });
    // Even a policy that claims nothing keeps the newest.
    expect(select(archives, { keepLast: 0 }, new Date('2030-01-01')).keep.map((a) => a.stamp)).toEqual(['20260104_000000']);
  });

  test('keep-days keeps what is young by its name or by its LastModified', () => {
    const now = new Date('2026-01-10T00:00:00Z');
    const archives = [
      at('20260109_000000', undefined, new Date('2026-01-09')),
      at('20260105_000000', undefined, new Date('2026-01-05')),
      at('20260101_000000', undefined, new Date('2026-01-09T12:00:00Z')), // copied recently
      at('20251201_000000', undefined, new Date('2025-12-01')),
    ];
    const { keep, remove } = select(archives, { keepLast: 1, keepDays: 7 }, now);
    expect(keep.map((a) => a.stamp)).toEqual(['20260109_000000', '20260105_000000', '20260101_000000']);
    expect(remove.map((a) => a.stamp)).toEqual(['20251201_000000']);
  });

  test('keep-days: measured from LastModified when the name disagrees with it by more than 15 h', () => {
    const now = new Date('2026-01-10T00:00:00Z');
    const newest = at('20260109_120000', undefined, new Date('2026-01-09T13:00:00Z'));
    // Named recently, uploaded long ago (a clock that ran ahead when it was named): old.
    const misnamed = at('20260109_000000', undefined, new Date('2025-11-01T00:00:00Z'));
    // Named long ago, uploaded recently (a copy): young.
    const copied = at('20251101_000000', undefined, new Date('2026-01-08T00:00:00Z'));
    // Name and upload 10 h apart (a time zone): the later of the two counts.
    const zoned = at('20260103_050000', undefined, new Date('2026-01-02T20:00:00Z'));
    const { keep, remove } = select([newest, misnamed, copied, zoned], { keepLast: 1, keepDays: 7 }, now);
    expect(keep.map((a) => a.stamp)).toEqual(['20260109_120000', '20260103_050000', '20251101_000000']);
    expect(remove.map((a) => a.stamp)).toEqual(['20260109_000000']);
  });

  test('proofs: named after the archive, its size and ETag; never an archive name; bound to what the listing says', () => {
    const a = { ...at('20260101_000000'), size: 100, etag: '"0123abcd-2"' };
    const key = proofKey('p/', a, 100, a.etag)!;
    expect(key).toBe('p/.proof-infrahub_backup_20260101_000000-100-0123abcd-2.json');
    expect(archiveOf(key, 'p/')).toBeUndefined();
    expect(proofOf(key, 'p/')).toEqual({ key, stamp: '20260101_000000', size: 100, etag: '0123abcd-2', lastModified: undefined });
    expect(proofOf(key, 'q/')).toBeUndefined();
    expect(proofOf('p/sub/.proof-infrahub_backup_20260101_000000-100-x.json', 'p/')).toBeUndefined();
    // An ETag with characters a key should not hold is hashed; none: no proof; encrypted archives are never proven.
    expect(etagToken('"a/b c"')).toMatch(/^h[0-9a-f]{40}$/);
    expect(proofKey('p/', a, 100, undefined)).toBeUndefined();
    expect(proofKey('p/', { ...a, encrypted: true }, 100, a.etag)).toBeUndefined();
    const now = new Date('2026-02-01');
    const proof = proofOf(key, 'p/', new Date(0))!;
    const planOf = (archives: Archive[], proofs = [proof]) => planRetention(archives, proofs, { keepLast: 1 }, now);
    expect(planOf([a]).proven).toBe(1);
    // Another size or ETag (the archive was replaced), or no ETag in the listing: unproven, and nothing is deleted.
    for (const other of [{ ...a, size: 101 }, { ...a, etag: '"ffff"' }, { ...a, etag: undefined }]) {
      const older = { ...at('20251201_000000'), etag: '"e"' };
      const plan = planOf([other, older]);
      expect(plan.newest).toBeUndefined();
      expect(plan.entries.every((e) => e.action === 'keep')).toBe(true);
    }
  });

  test('a key listed twice counts once; listed with two sizes, it is unproven', () => {
    const now = new Date('2026-02-01');
    const archives = ['20260101_000000', '20260102_000000', '20260103_000000'].map((stamp) => ({ ...at(stamp), etag: '"e"' }));
    const proofs = proofsOf(archives);
    const plan = planRetention([...archives, archives[2], archives[2]], proofs, { keepLast: 2 }, now);
    expect(plan.duplicates).toBe(2);
    expect(plan.entries.map((e) => `${e.action} ${e.archive.stamp}`)).toEqual(['keep 20260103_000000', 'keep 20260102_000000', 'delete 20260101_000000']);
    const disagreeing = planRetention([...archives, { ...archives[2], size: 5 }], proofs, { keepLast: 2 }, now);
    expect(disagreeing.entries.map((e) => `${e.action} ${e.archive.stamp}`)).toEqual(['keep 20260103_000000', 'keep 20260102_000000', 'keep 20260101_000000']);
  });

  test("markers go with their archive, and with an archive long gone; a fresh orphan stays", () => {
    const now = new Date('2026-02-01T00:00:00Z');
    const archives = ['20260101_000000', '20260102_000000'].map((stamp) => ({ ...at(stamp), etag: '"e"' }));
    const proofs = proofsOf(archives);
    const orphanOld = proofOf('p/.proof-infrahub_backup_20251201_000000-1-e.json', 'p/', new Date(now.getTime() - ORPHAN_GRACE_MS - 1))!;
    const orphanNew = proofOf('p/.proof-infrahub_backup_20251202_000000-1-e.json', 'p/', new Date(now.getTime() - 1000))!;
    const plan = planRetention(archives, [...proofs, orphanOld, orphanNew], { keepLast: 1 }, now);
    expect(plan.markers.map((m) => [m.proof.stamp, m.reason])).toEqual([
      ['20260101_000000', 'archive deleted'],
      ['20251201_000000', 'archive gone'],
    ]);
  });

  test('a ranged read is proof only as a 206 of exactly the bytes asked, of an object of the listed size', () => {
    expect(rangeProblem(206, 'bytes 0-1/100', 0, 1, 100)).toBeUndefined();
    expect(rangeProblem(200, undefined, 0, 1, 100)).toMatch(/HTTP 200 \(the whole object: it ignores Range\)/);
    expect(rangeProblem(206, 'bytes 0-99/100', 0, 1, 100)).toMatch(/Content-Range "bytes 0-99\/100"/);
    expect(rangeProblem(206, 'bytes 0-1/99', 0, 1, 100)).toMatch(/gives the object 99 bytes where the listing gave 100/);
    expect(rangeProblem(206, 'bytes 0-1/*', 0, 1, 100)).toMatch(/gives the object \* bytes/);
  });

  test('restorable: not empty, gzip (or encrypted and not empty), not named beyond the tolerance', () => {
    const now = new Date('2026-01-10T00:00:00Z');
    expect(listedProblem(at('20260110_140000'), now)).toBeUndefined();
    expect(listedProblem(at('20260110_160000'), now)).toBe("named in the future (2026-01-10T16:00:00Z, more than 15 h ahead of this machine's clock)");
    expect(listedProblem({ ...at('20260101_000000'), size: 0 }, now)).toBe('empty (0 bytes)');
    expect(headProblem({ encrypted: false }, Buffer.from([0x1f, 0x8b]))).toBeUndefined();
    expect(headProblem({ encrypted: false }, Buffer.from('<h'))).toBe('not gzip data (it starts with 0x3c68)');
    expect(headProblem({ encrypted: false }, Buffer.from([0x1f]))).toBe('not gzip data (1 byte)');
    expect(headProblem({ encrypted: true }, Buffer.from([0x02, 0x00]))).toBeUndefined();
    expect(headProblem({ encrypted: true }, Buffer.alloc(0))).toBe('empty (0 bytes)');
  });

  test('restorable: a gzip archive ends with a trailer whose ISIZE is whole tar blocks, at least two', () => {
    const gz = Buffer.from([0x1f, 0x8b]);
    const truncated = 'does not end as a complete tar.gz: truncated upload?';
    // A real archive, whole; and the first 12 bytes of it (a cut upload).
    const real = gzipSync(Buffer.alloc(3 * 512, 0x41));
    expect(headProblem({ encrypted: false, size: real.length }, real.subarray(0, 2), real.subarray(-8))).toBeUndefined();
    expect(headProblem({ encrypted: false, size: 12 }, real.subarray(0, 2), real.subarray(4, 12))).toBe(`12 bytes: ${truncated}`);
    // Cut mid-stream: the last four bytes are compressed data, not a length of whole blocks.
    expect(headProblem({ encrypted: false, size: 100 }, gz, trailer(1000))).toBe(`its gzip trailer gives 1000 bytes of tar, not whole 512-byte blocks ending with two: ${truncated}`);
    expect(headProblem({ encrypted: false, size: 100 }, gz, trailer(512))).toMatch(/gives 512 bytes of tar/);
    expect(headProblem({ encrypted: false, size: 100 }, gz, trailer(0))).toMatch(/gives 0 bytes of tar/);
    expect(headProblem({ encrypted: false, size: 100 }, gz, trailer(1024))).toBeUndefined();
    // Past 4 GiB of tar ISIZE wraps: 0 and 512 are possible for a large object.
    expect(headProblem({ encrypted: false, size: 5_000_000 }, gz, trailer(0))).toBeUndefined();
    expect(headProblem({ encrypted: false, size: 5_000_000 }, gz, trailer(0xffffffff))).toMatch(/truncated upload/);
    expect(headProblem({ encrypted: false, size: 100 }, gz, undefined)).toBe(`its last bytes could not be read: ${truncated}`);
  });

  test('restorable: an encrypted archive starts with 0x02 and is at least 1 KiB', () => {
    expect(headProblem({ encrypted: true, size: 1024 }, Buffer.from([0x02, 0x00]))).toBeUndefined();
    expect(headProblem({ encrypted: true, size: 1 }, Buffer.from('x'))).toBe('not an encrypted archive (it starts with 0x78, not 0x02)');
    expect(headProblem({ encrypted: true, size: 1023 }, Buffer.from([0x02, 0x00]))).toBe('too small for an encrypted archive (1023 bytes, less than 1024): truncated upload?');
  });

  test('batches of 1000', () => {
    expect(batches(Array.from({ length: 2001 }, (_, i) => i), DELETE_BATCH).map((b) => b.length)).toEqual([1000, 1000, 1]);
    expect(batches([], DELETE_BATCH)).toEqual([]);
  });

  test('sizes for people', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(1024 ** 3)).toBe('1.00 GiB');
  });
});

describe('error lines', () => {
  const settings: S3Settings = {
    bucket: 'backups',
    prefix: 'infrahub',
    keyPrefix: 'infrahub/',
    endpoint: 'https://minio.example.com',
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wrong' },
    timeoutMs: 30_000,
  };
  /** An error shaped like the SDK's S3ServiceException for an XML error answer. */
  const s3Error = (code: string, status: number, message = 'message') =>
    Object.assign(new Error(message), { name: code, Code: code, $fault: 'client', $metadata: { httpStatusCode: status, requestId: 'R', attempts: 1 } });
  const nodeError = (code: string, message: string) => Object.assign(new Error(message), { code });
  const context = { action: 'list' as const, bucket: 'backups', settings };

  test('bad secret: SignatureDoesNotMatch', () => {
    expect(describeS3Error(s3Error('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided.'), context)).toBe(
      'bad secret: signature mismatch for access key ID "AKIA…MPLE" at https://minio.example.com: check AWS_SECRET_ACCESS_KEY in the Secret (it must be the secret of that access key; a proxy that rewrites requests causes this too)',
    );
  });

  test('access denied names the permission of the action', () => {
    expect(describeS3Error(s3Error('AccessDenied', 403, 'Access Denied'), context)).toBe(
      'access denied: access key ID "AKIA…MPLE" may not list bucket "backups" at https://minio.example.com: grant s3:ListBucket on it (bucket policy or IAM policy)',
    );
    expect(describeS3Error(s3Error('AccessDenied', 403), { ...context, action: 'write', key: 'infrahub/x' })).toMatch(
      /^access denied: .* may not write s3:\/\/backups\/infrahub\/x .*grant s3:PutObject/,
    );
    expect(describeS3Error(s3Error('AccessDenied', 403), { ...context, action: 'delete', key: 'infrahub/x' })).toMatch(/grant s3:DeleteObject/);
    expect(describeS3Error(s3Error('AccessDenied', 403), { ...context, action: 'read', key: 'infrahub/x' })).toMatch(/grant s3:GetObject/);
    // A HEAD answer has no body: the SDK names it after the status.
    expect(describeS3Error(Object.assign(new Error('UnknownError'), { name: 'Forbidden', $fault: 'client', $metadata: { httpStatusCode: 403 } }), context)).toMatch(
      /^access denied: https:\/\/minio\.example\.com answered 403 Forbidden/,
    );
  });

  test.each([
    ['InvalidAccessKeyId', 403, /^bad access key: https:\/\/minio\.example\.com does not know access key ID "AKIA…MPLE": check AWS_ACCESS_KEY_ID/],
    ['NoSuchBucket', 404, /^bucket missing: bucket "backups" does not exist at https:\/\/minio\.example\.com: check INFRAHUB_S3_BUCKET/],
    ['ExpiredToken', 400, /^bad session token: .*AWS_SESSION_TOKEN/],
    ['RequestTimeTooSkewed', 403, /^clock skew: /],
    ['AuthorizationHeaderMalformed', 400, /^wrong region: bucket "backups" is not in region "us-east-1"/],
    ['SlowDown', 503, /^cannot list bucket "backups": https:\/\/minio\.example\.com answered 503 SlowDown: message$/],
  ])('%s', (code, status, line) => {
    expect(describeS3Error(s3Error(code, status), context)).toMatch(line);
  });

  test('object missing: NoSuchKey, and a 404 with no body', () => {
    const read = { ...context, action: 'read' as const, key: 'infrahub/infrahub_backup_20260101_000000.tar.gz' };
    expect(describeS3Error(s3Error('NoSuchKey', 404), read)).toBe(
      'object missing: s3://backups/infrahub/infrahub_backup_20260101_000000.tar.gz does not exist: check the URI (`s3 list` shows the archives under the prefix)',
    );
    expect(describeS3Error(Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }), read)).toMatch(/^object missing: /);
  });

  test('network failures', () => {
    expect(describeS3Error(nodeError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.1:9000'), context)).toBe(
      'endpoint unreachable: minio.example.com refused the connection: check INFRAHUB_S3_ENDPOINT and that the S3 service is running and reachable from this pod (network policies, proxies)',
    );
    // node's happy eyeballs throws an AggregateError.
    const aggregate = Object.assign(new AggregateError([nodeError('ECONNREFUSED', 'connect ECONNREFUSED ::1:9000')], ''), { code: 'ECONNREFUSED' });
    expect(describeS3Error(aggregate, context)).toMatch(/^endpoint unreachable: minio\.example\.com refused the connection/);
    expect(describeS3Error(nodeError('ENOTFOUND', 'getaddrinfo ENOTFOUND minio.example.com'), context)).toMatch(/^endpoint unreachable: cannot resolve host minio\.example\.com/);
    expect(describeS3Error(Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }), context)).toMatch(
      /^timed out: https:\/\/minio\.example\.com sent no answer within 30 s \(--timeout\) to list bucket "backups"$/,
    );
    expect(describeS3Error(Object.assign(new Error('Request aborted'), { name: 'AbortError' }), { ...context, deadlineSeconds: 25 })).toMatch(/within the command's deadline of 25 s/);
    expect(describeS3Error(Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' }), context)).toMatch(/^connection closed: minio\.example\.com closed the connection without answering: /);
    expect(describeS3Error(Object.assign(new Error('read ECONNRESET'), { name: 'TimeoutError', code: 'ECONNRESET' }), context)).toMatch(/^connection reset: minio\.example\.com reset the connection \(ECONNRESET\): /);
  });

  test('TLS failures', () => {
    expect(
      describeS3Error(nodeError('EPROTO', 'write EPROTO 80:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl3_record.c:350:'), context),
    ).toBe('TLS failure: the TLS handshake with https://minio.example.com failed (wrong version number): the endpoint seems to serve plain HTTP: use an http:// endpoint');
    expect(describeS3Error(nodeError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), context)).toMatch(
      /^TLS failure: .*\(SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain\): check the server certificate/,
    );
    expect(describeS3Error(nodeError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"), context)).toMatch(/^TLS failure: /);
  });

  test('no credentials from the default chain', () => {
    const error = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    expect(describeS3Error(error, { ...context, settings: { ...settings, credentials: undefined } })).toMatch(/^no credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set/);
  });

  test('key IDs are masked', () => {
    expect(maskKeyId('AKIAIOSFODNN7EXAMPLE')).toBe('AKIA…MPLE');
    expect(maskKeyId('SHORT')).toBe('SH…');
  });
});

describe('the streaming archive check', () => {
  const check = (data: Buffer, options = {}) => checkArchive(Readable.from([data]), options);
  async function readError(data: Buffer | Readable, options = {}): Promise<string> {
    try {
      await checkArchive(Buffer.isBuffer(data) ? Readable.from([data]) : data, options);
    } catch (e) {
      if (e instanceof ArchiveReadError) return e.message;
      throw e;
    }
    throw new Error('expected an ArchiveReadError');
  }

  test('a good archive: every listed digest matches, metadata reported', async () => {
    const data = await buildArchive();
    const report = await check(data, { expectedSize: data.length });
    expect(report.problems).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.verifiedFiles).toBe(2);
    expect(report.verifiedBytes).toBe((96 + 12) * 1024);
    expect(report.metadata).toMatchObject({ backup_id: 'infrahub_backup_20260102_030405', components: ['database', 'task-manager-db'] });
    expect(report.files.map((f) => f.path)).toEqual(['backup/database/neo4j.dump', 'backup/prefect.dump']);
    expect(report.compressedBytes).toBe(data.length);
  });

  test('metadata after the files: digests are kept and compared at the end', async () => {
    const report = await check(await buildArchive({ metadataLast: true }));
    expect(report.problems).toEqual([]);
    expect(report.verifiedFiles).toBe(2);
  });

  test('an altered checksum, a missing file, and an unlisted file', async () => {
    const files = defaultFiles();
    const report = await check(
      await buildArchive({
        files: { ...files, 'database/extra.bin': 'extra' },
        metadata: { ...metadataFor(files), checksums: { 'database/neo4j.dump': sha256('other'), 'prefect.dump': sha256(files['prefect.dump']), 'database/gone.dump': sha256('x') } },
      }),
    );
    expect(report.problems).toEqual([
      `checksum mismatch for backup/database/neo4j.dump: backup_information.json says ${sha256('other')}, the archive holds ${sha256(files['database/neo4j.dump'])}`,
      'backup/database/gone.dump is listed in backup/backup_information.json but missing from the archive',
    ]);
    expect(report.warnings).toEqual(['backup/database/extra.bin is in the archive but has no checksum in backup/backup_information.json']);
    expect(report.verifiedFiles).toBe(1);
  });

  test('metadata missing, not JSON, without checksums', async () => {
    expect((await check(await buildArchive({ metadata: null }))).problems).toEqual([
      'backup/backup_information.json is missing: this is not an archive the backup image wrote (or it was cut before the metadata)',
    ]);
    expect((await check(await buildArchive({ metadata: '{"backup_id": ' }))).problems[0]).toMatch(/^backup\/backup_information\.json is not valid JSON: /);
    expect((await check(await buildArchive({ metadata: { backup_id: 'x' } }))).problems).toEqual([
      'backup/backup_information.json has no checksums: nothing can be verified',
    ]);
  });

  test('a truncated archive', async () => {
    const data = await buildArchive();
    expect(await readError(data.subarray(0, data.length - 200))).toMatch(/^the archive is truncated: the gzip stream ends early/);
    expect(await readError(data.subarray(0, 5000))).toMatch(/^the archive is truncated/);
  });

  test('a tar cut inside an entry, then gzipped whole', async () => {
    const { gunzipSync } = await import('zlib');
    const tarData = gunzipSync(await buildArchive());
    expect(await readError(gzipSync(tarData.subarray(0, 5000)))).toMatch(/^the archive is truncated: the tar stream ends inside an entry/);
  });

  test('not gzip, encrypted, empty', async () => {
    expect(await readError(Buffer.from('PK\u0003\u0004 not a tar.gz'))).toBe('not a gzip file (it starts with byte 0x50): it is not an archive the backup image wrote');
    expect(await readError(Buffer.concat([Buffer.from([0x02]), noise(200)]))).toMatch(/^the archive is encrypted \(made with --encrypt\)/);
    expect(await readError(Buffer.alloc(0))).toBe('the object is empty: it is not a backup archive');
  });

  test('a download that stops part-way', async () => {
    const data = await buildArchive();
    const source = new Readable({
      read() {
        this.push(data.subarray(0, 4096));
        this.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
      },
    });
    expect(await readError(source, { expectedSize: data.length })).toMatch(/^the download stopped after 4.00 KiB of .*: read ECONNRESET$/);
    expect(await readError(data.subarray(0, 1000), { expectedSize: data.length })).toMatch(/^the download stopped after 1000 B of /);
  });

  test('stopping after the metadata reads only the start', async () => {
    const data = await buildArchive({ files: { 'database/neo4j.dump': noise(4 * 1024 * 1024) } });
    let offset = 0;
    const source = new Readable({
      highWaterMark: 64 * 1024,
      read() {
        this.push(offset < data.length ? data.subarray(offset, (offset += 64 * 1024)) : null);
      },
    });
    const report = await checkArchive(source, { stopAfterMetadata: true });
    expect(report.partial).toBe(true);
    expect(report.metadata).toMatchObject({ backup_id: 'infrahub_backup_20260102_030405' });
    expect(report.compressedBytes).toBeLessThan(data.length / 2);
    expect(source.destroyed).toBe(true);
  });

  test('paths', () => {
    expect(normalisePath('./backup/x')).toBe('backup/x');
    expect(normalisePath('backup//./x/')).toBe('backup/x');
    expect(normalisePath('./')).toBe('.');
    expect(normalisePath('/backup/x')).toBe('/backup/x');
  });

  test('paths: canonical names are kept as they are, every name normalises as posix.normalize says', () => {
    const reference = (name: string) => {
      const normal = posix.normalize(name);
      return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
    };
    const segment = fc.constantFrom('', '.', '..', '...', '.a', 'a.', 'backup', 'x y', 'é', '\0', '\\');
    const name = fc.tuple(fc.constantFrom('', '/', './', '../', '//'), fc.array(segment, { maxLength: 6 }), fc.constantFrom('', '/', '/.', '//'));
    let drawn = 0;
    let canonical = 0;
    fc.assert(
      fc.property(name, ([head, segments, tail]) => {
        drawn++;
        const raw = head + segments.join('/') + tail;
        expect(normalisePath(raw)).toBe(reference(raw));
        if (reference(raw) === raw) canonical++;
      }),
      { numRuns: 3000 },
    );
    expect(drawn).toBe(3000);
    expect(canonical).toBeGreaterThan(100);
  });

  test('a folder entry with data (Go reads that data as the next header) and a bad header each end in one line, without hanging', async () => {
    const corpus = require('../../scripts/verify-corpus.js') as { entry(name: string, content?: Buffer | string, options?: { type?: string }): Buffer; END: Buffer };
    const folder = corpus.entry('backup/d/', Buffer.alloc(512, 0x41), { type: 'directory' });
    expect(await readError(gzipSync(Buffer.concat([corpus.entry('backup/', undefined, { type: 'directory' }), folder, corpus.entry('backup/x', 'x'), corpus.END])))).toBe(
      "the header at offset 512 is a folder with a size of 512: Go's archive/tar reads no data for a folder and takes that data for the next header",
    );
    expect(await readError(gzipSync(Buffer.concat([corpus.entry('backup/', undefined, { type: 'directory' }), Buffer.alloc(512, 0x41), corpus.END])))).toBe(
      "the header at offset 512 has a wrong checksum: Go's archive/tar fails there",
    );
  }, 10_000);

  test('a name longer than PATH_MAX (a pax header) is a problem, and is not kept', async () => {
    const corpus = require('../../scripts/verify-corpus.js') as { entry(name: string, content?: Buffer | string): Buffer; paxPath(name: string): Buffer; END: Buffer };
    const name = `backup/${'n'.repeat(5000)}`;
    const report = await check(gzipSync(Buffer.concat([corpus.paxPath(name), corpus.entry('backup/x', 'x'), corpus.END])));
    expect(report.problems[0]).toBe(`entry ${JSON.stringify(`${name.slice(0, 200)}…`)}: a path of 5007 bytes, more than 4096: tar -x cannot write it`);
    expect(report.files).toEqual([]);
  });

  describe('the end of the archive and the headers extractors read differently', () => {
    const corpus = require('../../scripts/verify-corpus.js') as {
      entry(name: string, content?: Buffer | string, options?: { type?: string }): Buffer;
      header(name: string, options?: { size?: number; type?: string }): Buffer;
      metadata(files: Record<string, Buffer | string>): string;
      END: Buffer;
    };
    /** `block` (a header first) with its typeflag set to `flag` and the checksum redone. */
    const retyped = (block: Buffer, flag: string) => {
      const out = Buffer.from(block);
      out.write(flag, 156, 'latin1');
      out.write('        ', 148, 'latin1');
      let sum = 0;
      for (let i = 0; i < 512; i++) sum += out[i];
      out.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
      return out;
    };
    /** Pax header data holding the given records. */
    const paxData = (records: Record<string, string>) =>
      Object.entries(records)
        .map(([k, v]) => {
          const body = ` ${k}=${v}\n`;
          let length = Buffer.byteLength(body) + 1;
          while (String(length).length + Buffer.byteLength(body) !== length) length++;
          return `${length}${body}`;
        })
        .join('');
    // A dump with whole zero blocks inside: a walk that lost its place would take one for the end.
    const DUMP = Buffer.concat([Buffer.from('dump'), Buffer.alloc(2048), Buffer.from('more')]);
    const start = () => [
      corpus.entry('backup/', undefined, { type: 'directory' }),
      corpus.entry('backup/backup_information.json', corpus.metadata({ 'database/neo4j.dump': DUMP })),
    ];

    test('a second archive after the end-of-archive blocks fails (tar -x stops before it)', async () => {
      const first = Buffer.concat([...start(), corpus.entry('backup/database/neo4j.dump', DUMP), corpus.END]);
      expect(await readError(gzipSync(Buffer.concat([first, corpus.entry('backup/database/evil', 'x'), corpus.END])))).toBe(
        `data after the end of the tar archive (offset ${first.length}): tar -x stops before it`,
      );
      // Deep in the padding, across gunzip's chunks: the offset of the first non-zero byte.
      const padded = Buffer.concat([first, Buffer.alloc(200_192 - first.length)]);
      expect(await readError(gzipSync(Buffer.concat([padded, corpus.entry('backup/database/evil', 'x'), corpus.END])))).toBe(
        'data after the end of the tar archive (offset 200192): tar -x stops before it',
      );
      // Bytes that are no tar header after the end.
      expect(await readError(gzipSync(Buffer.concat([padded, Buffer.from('GARBAGE'), Buffer.alloc(505)])))).toBe(
        'data after the end of the tar archive (offset 200192): tar -x stops before it',
      );
      // One zero block then a header: Go's archive/tar fails there (GNU tar and others read on).
      const lone = Buffer.concat([...start(), corpus.entry('backup/database/neo4j.dump', DUMP), Buffer.alloc(512)]);
      expect(await readError(gzipSync(Buffer.concat([lone, corpus.entry('backup/database/evil', 'x'), corpus.END])))).toBe(
        `a header at offset ${lone.length} follows a single zero block: Go's archive/tar fails there, other readers read on`,
      );
    });

    test('zero padding after the end (a 10 KiB tar record) and PAX sizes pass; base-256 sizes (which the image never writes) fail', async () => {
      const padded = Buffer.concat([...start(), corpus.entry('backup/database/neo4j.dump', DUMP), corpus.END]);
      const record = Buffer.concat([padded, Buffer.alloc(10240 - (padded.length % 10240))]);
      expect((await check(gzipSync(record))).problems).toEqual([]);
      // The size in a PAX record, the header's size field 0 (as Go writes a file past 8 GiB).
      const pax = corpus.entry('PaxHeaders/neo4j.dump', paxData({ size: String(DUMP.length) }), { type: 'pax-header' });
      const sized = Buffer.concat([corpus.header('backup/database/neo4j.dump', { size: 0 }), DUMP, Buffer.alloc(512 - (DUMP.length % 512))]);
      const viaPax = await check(gzipSync(Buffer.concat([...start(), pax, sized, corpus.END])));
      expect(viaPax.problems).toEqual([]);
      expect(viaPax.verifiedFiles).toBe(1);
      // The size in base-256 (GNU, and Go past 8 GiB without PAX).
      const base256 = Buffer.from(corpus.header('backup/database/neo4j.dump', { size: DUMP.length }));
      base256.fill(0, 124, 136);
      base256[124] = 0x80;
      base256.writeUInt32BE(DUMP.length, 132);
      const binary = retyped(base256, '0');
      const at = Buffer.concat(start()).length;
      expect(await readError(gzipSync(Buffer.concat([...start(), binary, DUMP, Buffer.alloc(512 - (DUMP.length % 512)), corpus.END])))).toBe(
        `the header at offset ${at}: its size field is not an octal number: Go's archive/tar fails on it (the image never writes base-256)`,
      );
    });

    test('drawn archives: the end is found where tar -x stops, never inside a file, whatever the sizes (octal, PAX); base-256 fails', async () => {
      const drew = { archives: 0, entries: 0, pax: 0, base256: 0, after: 0, zeroBlocksInData: 0 };
      const fileArb = fc.record({
        size: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.constantFrom(511, 512, 513, 1024, 1536)),
        zeros: fc.boolean(),
        how: fc.constantFrom('octal', 'pax', 'base256'),
        folder: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(fileArb, { maxLength: 6 }), fc.constantFrom('none', 'padding', 'entry'), async (files, after) => {
          const parts: Buffer[] = [corpus.entry('backup/', undefined, { type: 'directory' })];
          files.forEach((f, i) => {
            if (f.folder) parts.push(corpus.entry(`backup/d${i}/`, undefined, { type: 'directory' }));
            const data = f.zeros ? Buffer.concat([Buffer.from([1]), Buffer.alloc(f.size)]).subarray(0, f.size) : Buffer.alloc(f.size, 0x41 + (i % 26));
            if (f.zeros && f.size > 1024) drew.zeroBlocksInData++;
            const pad = Buffer.alloc((512 - (f.size % 512)) % 512);
            const name = `backup/f${i}`;
            if (f.how === 'pax') {
              drew.pax++;
              parts.push(corpus.entry('PaxHeaders/f', paxData({ size: String(f.size) }), { type: 'pax-header' }), corpus.header(name, { size: 0 }), data, pad);
            } else if (f.how === 'base256') {
              drew.base256++;
              const h = Buffer.from(corpus.header(name, { size: f.size }));
              h.fill(0, 124, 136);
              h[124] = 0x80;
              h.writeUInt32BE(f.size, 132);
              parts.push(retyped(h, '0'), data, pad);
            } else parts.push(corpus.entry(name, data));
            drew.entries++;
          });
          parts.push(corpus.END);
          const end = Buffer.concat(parts).length - 1024;
          if (after === 'padding') parts.push(Buffer.alloc(10240 - ((end + 1024) % 10240)));
          if (after === 'entry') parts.push(corpus.entry('backup/evil', 'x'), corpus.END);
          const data = gzipSync(Buffer.concat(parts));
          const line = `data after the end of the tar archive (offset ${end + 1024}): tar -x stops before it`;
          if (files.some((f) => f.how === 'base256')) expect(await readError(data)).toMatch(/: its size field is not an octal number: /);
          else if (after === 'entry') expect(await readError(data)).toBe(line);
          else expect((await check(data)).files).toHaveLength(files.length);
          drew.archives++;
          if (after === 'entry') drew.after++;
        }),
        { numRuns: 300, seed: 20261130 },
      );
      expect(drew.archives).toBe(300);
      for (const count of [drew.pax, drew.base256, drew.after, drew.zeroBlocksInData]) expect(count).toBeGreaterThan(20);
    });

    test('a GNU long name (with a PAX path), a GNU long link name and a global PAX header fail, one line each', async () => {
      const longName = (flag: string, name: string) => retyped(corpus.entry('././@LongLink', `${name}\0`), flag);
      const pax = (records: Record<string, string>, flag = 'x') => retyped(corpus.entry('PaxHeaders/x', paxData(records)), flag);
      const head = Buffer.concat(start());
      const only = 'an archive the backup image writes holds only folders and files';
      const withLong = Buffer.concat([head, longName('L', 'backup/decoy'), pax({ path: 'backup/database/neo4j.dump' }), corpus.entry('a', DUMP), corpus.END]);
      expect(await readError(gzipSync(withLong))).toBe(`the header at offset ${head.length} is a GNU long name: ${only}`);
      const withLink = Buffer.concat([head, longName('K', 'backup/target'), corpus.entry('backup/database/neo4j.dump', DUMP), corpus.END]);
      expect(await readError(gzipSync(withLink))).toBe(`the header at offset ${head.length} is a GNU long link name: ${only}`);
      const withGlobal = Buffer.concat([head, pax({ path: 'backup/decoy' }, 'g'), corpus.entry('backup/database/neo4j.dump', DUMP), corpus.END]);
      expect(await readError(gzipSync(withGlobal))).toBe(`the header at offset ${head.length} is a global PAX header: ${only}`);
    });
  });

  test('thousands of entries: files in order with their sizes and digests, a duplicate named as first written', async () => {
    const corpus = require('../../scripts/verify-corpus.js') as { entry(name: string, content?: Buffer | string, options?: { type?: string }): Buffer; END: Buffer };
    const count = 3000; // past the first growth of the size, digest and name buffers
    const name = (i: number) => `./backup//many/${String(i).padStart(24, '0')}`;
    const content = (i: number) => (i % 3 === 0 ? '' : `file ${i}`);
    const entries = [corpus.entry('backup/', undefined, { type: 'directory' })];
    for (let i = 0; i < count; i++) entries.push(corpus.entry(name(i), content(i)));
    entries.push(corpus.entry(`backup/many/${String(1234).padStart(24, '0')}`, 'again'));
    const report = await check(gzipSync(Buffer.concat([...entries, corpus.END])));
    expect(report.files).toHaveLength(count);
    report.files.forEach((file, i) => {
      expect(file).toEqual({ path: `backup/many/${String(i).padStart(24, '0')}`, size: Buffer.byteLength(content(i)), sha256: sha256(content(i)) });
    });
    expect(report.problems).toContain(
      `entry "backup/many/${String(1234).padStart(24, '0')}": the same path as the earlier entry "${name(1234)}" (backup/many/${String(1234).padStart(24, '0')}): tar -x would write one over the other`,
    );
  });
});
