/**
 * `s3 copy` against two s3rver processes (two providers), two buckets and
 * two prefixes: what is copied and in which order, that `latest` and
 * `verify` work on the copy, and the hostile cases: a destination that dies
 * part-way (the next run completes the copy, nothing partial counts), that
 * lies about what it stores (a proxy changing the size it reports or the
 * bytes it gives back), that refuses, or never answers, and a source that
 * changes between the listing and the read.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'crypto';
import { Readable } from 'stream';
import { BUCKET, ProxyAction, RawRequest, S3Proxy, archiveName, buildArchive, expectFailure, noise, put, run, s3Env, s3Proxy, sha256, silentServer, testClient, useS3Server } from './support';

jest.setTimeout(120_000);

const source = useS3Server([BUCKET]);
const destination = useS3Server(['copies']);
const DEST_BUCKET = 'copies';

let sourceClient: S3Client;
let destClient: S3Client;
beforeAll(() => {
  sourceClient = testClient(source().endpoint);
  destClient = testClient(destination().endpoint);
});
afterAll(() => {
  sourceClient?.destroy();
  destClient?.destroy();
});

/** The environment of a copy from `prefix` at the source to `destPrefix` at `destEndpoint` (the destination's own variables). */
function copyEnv(prefix: string, destPrefix: string, destEndpoint = destination().endpoint, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return s3Env(source().endpoint, {
    INFRAHUB_S3_PREFIX: prefix,
    COPY_INFRAHUB_S3_BUCKET: DEST_BUCKET,
    COPY_INFRAHUB_S3_PREFIX: destPrefix,
    COPY_INFRAHUB_S3_ENDPOINT: destEndpoint,
    COPY_INFRAHUB_S3_REGION: 'eu-west-1',
    COPY_AWS_ACCESS_KEY_ID: 'S3RVER',
    COPY_AWS_SECRET_ACCESS_KEY: 'S3RVER',
    ...extra,
  });
}

/** The environment of the usual commands pointed at the copy: the same variables, with the destination's values. */
function destEnv(destPrefix: string): NodeJS.ProcessEnv {
  return s3Env(destination().endpoint, { INFRAHUB_S3_BUCKET: DEST_BUCKET, INFRAHUB_S3_PREFIX: destPrefix });
}

const BASE = Date.UTC(2026, 0, 10, 2, 0, 0);
const at = (day: number): Date => new Date(BASE + day * 86_400_000);

/** Uploads an archive and proves it with `s3 verify` (as the verification CronJob would). */
async function provenArchive(prefix: string, day: number, body?: Buffer): Promise<{ key: string; name: string; body: Buffer }> {
  const name = archiveName(at(day));
  const data = body ?? (await buildArchive({ backupId: name.replace('.tar.gz', ''), files: { 'database/neo4j.dump': noise(64 * 1024, name), 'prefect.dump': noise(4096, `p${name}`) } }));
  const key = `${prefix}/${name}`;
  await put(sourceClient, key, data);
  const verified = await run(s3Env(source().endpoint), 'verify', '--uri', `s3://${BUCKET}/${key}`);
  expect(verified.code).toBe(0);
  return { key, name, body: data };
}

/** The keys under a prefix of a bucket, as the server itself lists them. */
async function keys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/` }));
  return (out.Contents ?? []).map((c) => c.Key!.slice(prefix.length + 1)).sort();
}

async function bytesOf(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const chunks: Buffer[] = [];
  for await (const chunk of out.Body as Readable) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const proxyOf: { current?: S3Proxy } = {};
/** The line of a destination that resets the connection: it names the destination's variable. */
const resetLine = (proxy: S3Proxy): string =>
  `error: connection reset: ${new URL(proxy.endpoint).host} reset the connection (ECONNRESET): check COPY_INFRAHUB_S3_ENDPOINT and that the S3 service is running and reachable from this pod (network policies, proxies)`;
const archivesOnly = (list: string[]): string[] => list.filter((k) => k.startsWith('infrahub_backup_'));
const proofsOnly = (list: string[]): string[] => list.filter((k) => k.startsWith('.proof-'));

/** A proxy in front of the destination, closed after the test. */
async function withProxy(target: string, rule: (request: RawRequest) => ProxyAction, body: (proxy: S3Proxy) => Promise<void>): Promise<void> {
  const proxy = await s3Proxy(target, rule);
  try {
    await body(proxy);
  } finally {
    await proxy.close();
  }
}

describe('what is copied', () => {
  test('the newest proven archive, then the missing ones newest first, --max-copies per run; latest and verify work on the copy', async () => {
    const archives: Array<{ key: string; name: string; body: Buffer }> = [];
    for (const day of [0, 1, 2, 3]) archives.push(await provenArchive('nightly', day));
    // Newer, but not proven: passed over, named.
    const unproven = archiveName(at(4));
    await put(sourceClient, `nightly/${unproven}`, await buildArchive());
    // Foreign objects beside them are never copied.
    await put(sourceClient, 'nightly/notes.txt', 'hello');
    const env = copyEnv('nightly', 'offsite/infrahub');

    const first = await run(env, 'copy', '--max-copies', '2');
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`s3://copies/offsite/infrahub/${archives[3].name}\ns3://copies/offsite/infrahub/${archives[2].name}\n`);
    expect(first.stderr).toContain(`warning: skipped s3://backups/nightly/${unproven}: not proven`);
    expect(first.stderr).toContain('2 copied, 0 already at s3://copies/offsite/infrahub/ at http://127.0.0.1:');
    expect(first.stderr).toContain('more restorable archives are missing there than --max-copies 2');
    // The copy is the archive, byte for byte, with a proof of its own.
    const there = await keys(destClient, DEST_BUCKET, 'offsite/infrahub');
    expect(archivesOnly(there)).toEqual([archives[2].name, archives[3].name]);
    expect(proofsOnly(there)).toHaveLength(2);
    expect(sha256(await bytesOf(destClient, DEST_BUCKET, `offsite/infrahub/${archives[3].name}`))).toBe(sha256(archives[3].body));
    const proof = JSON.parse((await bytesOf(destClient, DEST_BUCKET, `offsite/infrahub/${proofsOnly(there).find((k) => k.includes(archives[3].name.slice(16, 31)))!}`)).toString()) as Record<string, unknown>;
    expect(proof).toMatchObject({ archive: `offsite/infrahub/${archives[3].name}`, size: archives[3].body.length, sha256: sha256(archives[3].body), copiedFrom: `s3://backups/${archives[3].key}` });

    // latest on the copy: the same command with the copy's settings.
    const latest = await run(destEnv('offsite/infrahub'), 'latest');
    expect(latest).toEqual({ code: 0, stdout: `s3://copies/offsite/infrahub/${archives[3].name}\n`, stderr: '' });

    const second = await run(env, 'copy', '--max-copies', '2');
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(`s3://copies/offsite/infrahub/${archives[1].name}\ns3://copies/offsite/infrahub/${archives[0].name}\n`);
    expect(second.stderr).toContain('2 copied, 2 already at');
    expect(second.stderr).not.toContain('more restorable');

    const third = await run(env, 'copy');
    expect(third.code).toBe(0);
    expect(third.stdout).toBe('');
    expect(third.stderr).toContain('0 copied, 4 already at');
    expect(archivesOnly(await keys(destClient, DEST_BUCKET, 'offsite/infrahub'))).toEqual(archives.map((a) => a.name));

    // verify and prune on the copy, as on the primary.
    const verified = await run(destEnv('offsite/infrahub'), 'verify', '--latest', '--no-record');
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`verified: s3://copies/offsite/infrahub/${archives[3].name}`);
    const pruned = await run(destEnv('offsite/infrahub'), 'prune', '--keep-last', '3', '--dry-run');
    expect(pruned.code).toBe(0);
    // The oldest archive is past --keep-last 3, and copied last: S3 dates an object to the second, so
    // when its copy landed in a later second than the others (a slow machine), it is the most recent
    // upload, which prune keeps; else the newest of the same second is (by name), and it goes.
    const listed = await destClient.send(new ListObjectsV2Command({ Bucket: DEST_BUCKET, Prefix: 'offsite/infrahub/' }));
    const uploaded = (listed.Contents ?? []).filter((c) => c.Key!.endsWith('.tar.gz')).map((c) => ({ name: c.Key!.slice('offsite/infrahub/'.length), at: c.LastModified!.getTime() }));
    const mostRecent = uploaded.reduce((a, b) => (b.at > a.at || (b.at === a.at && b.name > a.name) ? b : a));
    const oldest = `s3://copies/offsite/infrahub/${archives[0].name}`;
    expect(pruned.stdout).toContain(mostRecent.name === archives[0].name ? `keep ${oldest}: the most recent upload\n` : `would delete ${oldest}: older than the 3 newest proven\n`);
    expect(pruned.stdout.split('\n').filter((l) => l.startsWith('would delete ') && !l.includes('/.proof-'))).toHaveLength(mostRecent.name === archives[0].name ? 0 : 1);
  });

  test('a multipart copy (ETag not an MD5) is read back and proven at the destination', async () => {
    const big = await buildArchive({ files: { 'database/neo4j.dump': noise(12 * 1024 * 1024, 'big') } });
    const archive = await provenArchive('multi', 0, big);
    await destination().flush();
    const before = destination().requests.length;
    const result = await run(copyEnv('multi', 'big'), 'copy');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`s3://copies/big/${archive.name}\n`);
    await destination().flush();
    // Two parts of 8 MiB at most (s3rver gives a multipart object the MD5 of the whole as its ETag; AWS would not).
    const parts = destination().requests.slice(before).filter((r) => r.method === 'PUT' && /partNumber=\d+/.test(r.url));
    expect(parts).toHaveLength(2);
    expect((await run(destEnv('big'), 'latest')).stdout).toBe(`s3://copies/big/${archive.name}\n`);
  });

  test('an archive at the destination without a proof there is copied again; encrypted archives need --accept-unproven', async () => {
    const archive = await provenArchive('again', 0);
    // A same-named object of the same size the copy did not prove (left by hand, or by a failed removal).
    await put(destClient, `again/${archive.name}`, Buffer.alloc(archive.body.length, 7), DEST_BUCKET);
    const encrypted = archiveName(at(-1)) + '.enc';
    await put(sourceClient, `again/${encrypted}`, Buffer.concat([Buffer.from([2]), noise(4096, 'enc')]));
    const result = await run(copyEnv('again', 'again'), 'copy');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`s3://copies/again/${archive.name}\n`);
    expect(sha256(await bytesOf(destClient, DEST_BUCKET, `again/${archive.name}`))).toBe(sha256(archive.body));
    const unproven = await run(copyEnv('again', 'again'), 'copy', '--accept-unproven');
    expect(unproven.code).toBe(0);
    expect(unproven.stdout).toBe(`s3://copies/again/${encrypted}\n`);
    expect(unproven.stderr).toContain('1 copied, 1 already at');
    expect(unproven.stderr).not.toContain('proof recorded');
  });
});

describe('hostile cases', () => {
  test('the destination dies mid-upload: the run fails, nothing partial is there, the next run completes the copy', async () => {
    const big = await buildArchive({ files: { 'database/neo4j.dump': noise(12 * 1024 * 1024, 'resume') } });
    const archive = await provenArchive('resume', 0, big);
    let cut = true;
    await withProxy(
      destination().endpoint,
      (r) => (cut && r.method === 'PUT' && /partNumber=2/.test(r.url) ? { kind: 'cut', bytes: 1024 * 1024 } : { kind: 'forward' }),
      async (proxy) => {
        const failed = await run(copyEnv('resume', 'resume', proxy.endpoint), 'copy', '--timeout', '2');
        expectFailure(failed, 1, [resetLine(proxy)]);
        expect(await keys(destClient, DEST_BUCKET, 'resume')).toEqual([]);
        const latest = await run(destEnv('resume'), 'latest');
        expectFailure(latest, 1, [/^error: no archive: nothing named/]);

        proxy.dead = false;
        cut = false;
        const before = proxy.requests.length;
        const resumed = await run(copyEnv('resume', 'resume', proxy.endpoint), 'copy');
        expect(resumed.code).toBe(0);
        expect(resumed.stdout).toBe(`s3://copies/resume/${archive.name}\n`);
        expect((await run(destEnv('resume'), 'latest')).stdout).toBe(`s3://copies/resume/${archive.name}\n`);
        // Every part and object carries its Content-MD5 (S3 refuses a damaged part; Object Lock buckets require it).
        const puts = proxy.requests.slice(before).filter((r) => r.method === 'PUT');
        expect(puts.length).toBeGreaterThanOrEqual(3);
        for (const put of puts) expect(put.headers['content-md5']).toBe(put.bodyMd5);
      },
    );
  });

  test('the destination dies after the upload, before the read-back: the object there is not counted (no proof) and the next run copies it again', async () => {
    const archive = await provenArchive('late', 0);
    let kill = true;
    await withProxy(
      destination().endpoint,
      (r) => {
        if (kill && r.method === 'HEAD' && r.url.includes(archive.name)) proxyOf.current!.dead = true;
        return { kind: 'forward' };
      },
      async (proxy) => {
        proxyOf.current = proxy;
        const failed = await run(copyEnv('late', 'late', proxy.endpoint), 'copy', '--timeout', '2');
        expectFailure(failed, 1, [resetLine(proxy)]);
        // The object is there, unchecked and unproven: latest there does not take it.
        expect(await keys(destClient, DEST_BUCKET, 'late')).toEqual([archive.name]);
        expectFailure(await run(destEnv('late'), 'latest'), 1, [/^error: no proven archive: none of the 1 archives under s3:\/\/copies\/late\//], { allowOther: true });
        proxy.dead = false;
        kill = false;
        const again = await run(copyEnv('late', 'late', proxy.endpoint), 'copy');
        expect(again.code).toBe(0);
        expect(again.stderr).toContain('1 copied, 0 already at');
        expect((await run(destEnv('late'), 'latest')).stdout).toBe(`s3://copies/late/${archive.name}\n`);
      },
    );
  });

  test('--deadline bounds a copy whose destination stalls, and no object is left', async () => {
    const big = await buildArchive({ files: { 'database/neo4j.dump': noise(12 * 1024 * 1024, 'stall') } });
    await provenArchive('stall', 0, big);
    await withProxy(
      destination().endpoint,
      (r) => (r.method === 'PUT' && /partNumber=2/.test(r.url) ? { kind: 'forward', before: () => new Promise((resolve) => setTimeout(resolve, 6000).unref()) } : { kind: 'forward' }),
      async (proxy) => {
        const started = Date.now();
        const result = await run(copyEnv('stall', 'stall', proxy.endpoint), 'copy', '--deadline', '3', '--timeout', '10');
        expectFailure(result, 1, [/^error: timed out: http:\/\/127\.0\.0\.1:\d+ did not finish writing s3:\/\/copies\/stall\/infrahub_backup_\d{8}_\d{6}\.tar\.gz within the command's deadline of 3 s \(--deadline; retries included\)$/]);
        expect(Date.now() - started).toBeLessThan(5000);
      },
    );
    expect(await keys(destClient, DEST_BUCKET, 'stall')).toEqual([]);
  });

  test('a source that dies mid-read: the line names the source, nothing is left at the destination', async () => {
    const big = await buildArchive({ files: { 'database/neo4j.dump': noise(12 * 1024 * 1024, 'source-dies') } });
    const archive = await provenArchive('source-dies', 0, big);
    await withProxy(
      source().endpoint,
      (r) => (r.method === 'GET' && r.url.includes(archive.name) ? { kind: 'forward', cutAnswerAfter: 9 * 1024 * 1024 } : { kind: 'forward' }),
      async (proxy) => {
        const result = await run({ ...copyEnv('source-dies', 'source-dies'), INFRAHUB_S3_ENDPOINT: proxy.endpoint }, 'copy');
        expectFailure(result, 1, [`error: connection reset: ${new URL(proxy.endpoint).host} reset the connection (ECONNRESET): check INFRAHUB_S3_ENDPOINT and that the S3 service is running and reachable from this pod (network policies, proxies)`]);
        expect(result.stderr).not.toContain('COPY_');
      },
    );
    expect(await keys(destClient, DEST_BUCKET, 'source-dies')).toEqual([]);
  });

  test('a destination that reports another size: the copy is removed and the run fails', async () => {
    const archive = await provenArchive('size', 0);
    await withProxy(
      destination().endpoint,
      (r) =>
        r.method === 'HEAD' && r.url.includes(archive.name)
          ? { kind: 'forward', headers: (h) => void (h['content-length'] = String(Number(h['content-length']) + 1)) }
          : { kind: 'forward' },
      async (proxy) => {
        const result = await run(copyEnv('size', 'size', proxy.endpoint), 'copy');
        expectFailure(result, 1, [
          `error: copy differs: s3://copies/size/${archive.name} is ${archive.body.length + 1} bytes at the destination, not ${archive.body.length}: the copy of s3://backups/size/${archive.name} was removed`,
        ]);
      },
    );
    expect(await keys(destClient, DEST_BUCKET, 'size')).toEqual([]);
  });

  test('bytes damaged on their way from the source, to a destination that refuses deletes: nothing is completed there, so the next run copies the archive (unproven archives are counted by name and size)', async () => {
    const name = archiveName(at(-2)) + '.enc';
    const body = Buffer.concat([Buffer.from([2]), noise(64 * 1024, 'damaged')]);
    await put(sourceClient, `damaged/${name}`, body);
    const flip = (chunk: Buffer, offset: number): Buffer => {
      const i = 3000 - offset;
      if (i < 0 || i >= chunk.length) return chunk;
      const out = Buffer.from(chunk);
      out[i] ^= 0xff;
      return out;
    };
    await withProxy(
      source().endpoint,
      (r) => (r.method === 'GET' && r.url.includes(name) && !/range/i.test(JSON.stringify(r.headers)) ? { kind: 'forward', body: flip } : { kind: 'forward' }),
      async (sourceProxy) =>
        withProxy(
          destination().endpoint,
          // A write-only destination credential (docs/copy.md: it protects the copies from the copy's own credentials).
          (r) => (r.method === 'DELETE' || (r.method === 'POST' && /[?&]delete/.test(r.url)) ? { kind: 'refuse', status: 403, code: 'AccessDenied' } : { kind: 'forward' }),
          async (destProxy) => {
            const result = await run(copyEnv('damaged', 'damaged', destProxy.endpoint, { INFRAHUB_S3_ENDPOINT: sourceProxy.endpoint }), 'copy', '--accept-unproven');
            expect(result.code).toBe(1);
            expect(result.stderr).toMatch(/MD5/);
          },
        ),
    );
    // Nothing that failed its check is left at the destination to be counted as the copy.
    expect(await keys(destClient, DEST_BUCKET, 'damaged')).toEqual([]);
    const again = await run(copyEnv('damaged', 'damaged'), 'copy', '--accept-unproven');
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`s3://copies/damaged/${name}\n`);
    expect(sha256(await bytesOf(destClient, DEST_BUCKET, `damaged/${name}`))).toBe(sha256(body));
  });

  test('a destination that gives back other bytes: the copy is removed, no proof is recorded, the run fails', async () => {
    const archive = await provenArchive('flip', 0);
    await withProxy(
      destination().endpoint,
      (r) =>
        r.method === 'GET' && r.url.includes(archive.name)
          ? {
              kind: 'forward',
              body: (chunk, offset) => {
                const at = 5000 - offset;
                if (at < 0 || at >= chunk.length) return chunk;
                const copy = Buffer.from(chunk);
                copy[at] ^= 0xff;
                return copy;
              },
            }
          : { kind: 'forward' },
      async (proxy) => {
        const result = await run(copyEnv('flip', 'flip', proxy.endpoint), 'copy');
        expectFailure(result, 1, [
          new RegExp(`^error: copy differs: s3://copies/flip/${archive.name} reads back with the SHA-256 [0-9a-f]{64}, not the ${sha256(archive.body)} read from the source: the copy of s3://backups/flip/${archive.name} was removed$`),
        ]);
      },
    );
    expect(await keys(destClient, DEST_BUCKET, 'flip')).toEqual([]);
    expectFailure(await run(destEnv('flip'), 'latest'), 1, [/^error: no archive/]);
  });

  test.each([
    ['another size (a store that ignores If-Match)', 'size', (body: Buffer) => Buffer.concat([body, Buffer.alloc(10)]), /^error: source changed: s3:\/\/backups\/change-size\/\S+ is \d+ bytes, but was listed with \d+: it was replaced while being copied; run again$/],
    ['the same size (a store that ignores If-Match)', 'bytes', (body: Buffer) => Buffer.from(body).fill(1, 100, 200), /^error: source changed: s3:\/\/backups\/change-bytes\/\S+ has the ETag "[0-9a-f]{32}", but was listed with "[0-9a-f]{32}": it was replaced while being copied; run again$/],
    ['a store that honours If-Match (412)', 'match', undefined, /^error: source changed: s3:\/\/backups\/change-match\/\S+ no longer has the ETag "[0-9a-f]{32}" it was listed with: it was replaced while being copied; run again$/],
  ])('a source replaced between the listing and the read, %s: one line, nothing copied', async (_name, tag, replace, line) => {
    const prefix = `change-${tag}`;
    const archive = await provenArchive(prefix, 0);
    let replaced = 0;
    await withProxy(
      source().endpoint,
      (r): ProxyAction => {
        if (r.method !== 'GET' || !r.url.includes(archive.name) || r.headers['if-match'] !== `"${md5(archive.body)}"`) return { kind: 'forward' };
        replaced++;
        if (replace === undefined) return { kind: 'refuse', status: 412, code: 'PreconditionFailed' };
        return { kind: 'forward', before: () => put(sourceClient, archive.key, replace(archive.body)) };
      },
      async (proxy) => {
        const result = await run({ ...copyEnv(prefix, prefix), INFRAHUB_S3_ENDPOINT: proxy.endpoint }, 'copy');
        expectFailure(result, 1, [line]);
      },
    );
    expect(replaced).toBe(1);
    expect(await keys(destClient, DEST_BUCKET, prefix)).toEqual([]);
  });

  test.each([
    [403, 'AccessDenied', /^error: access denied: access key ID "S3…" may not write s3:\/\/copies\/refused-403\/infrahub_backup_\d{8}_\d{6}\.tar\.gz at http:\/\/127\.0\.0\.1:\d+: grant s3:PutObject on it \(bucket policy or IAM policy\)$/],
    [500, 'InternalError', /^error: cannot write s3:\/\/copies\/refused-500\/infrahub_backup_\d{8}_\d{6}\.tar\.gz: http:\/\/127\.0\.0\.1:\d+ answered 500 InternalError: refused by the test proxy$/],
  ])('a destination that refuses writes (%d): one line, exit 1', async (status, code, line) => {
    const prefix = `refused-${status}`;
    await provenArchive(prefix, 0);
    await withProxy(destination().endpoint, (r) => (r.method === 'PUT' || r.method === 'POST' ? { kind: 'refuse', status, code } : { kind: 'forward' }), async (proxy) => {
      const result = await run(copyEnv(prefix, prefix, proxy.endpoint), 'copy');
      expectFailure(result, 1, [line]);
    });
    expect(await keys(destClient, DEST_BUCKET, prefix)).toEqual([]);
  });

  test('a destination that never answers: --timeout bounds the run', async () => {
    await provenArchive('silent', 0);
    const silent = await silentServer();
    try {
      const started = Date.now();
      const result = await run(copyEnv('silent', 'silent', silent.endpoint), 'copy', '--timeout', '1');
      expectFailure(result, 1, [/^error: timed out: http:\/\/127\.0\.0\.1:\d+ (sent no answer within 1 s \(--timeout\) to list bucket "copies"|did not finish listing bucket "copies" within the command's deadline of 3 s \(--deadline; retries included\))$/]);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await silent.close();
    }
  });
});

describe('settings', () => {
  test('the destination is named by its own variables; the source is never the destination', async () => {
    const env = copyEnv('x', 'y', undefined, { COPY_INFRAHUB_S3_BUCKET: undefined, COPY_INFRAHUB_S3_REGION: 'no region' });
    expectFailure(await run(env, 'copy', '--max-copies', '0'), 2, [
      'error: no bucket: set COPY_INFRAHUB_S3_BUCKET (or --to-bucket)',
      'error: COPY_INFRAHUB_S3_REGION: "no region" is not a region name (like us-east-1)',
      'error: --max-copies: "0" is not a whole number of at least 1',
    ]);
    const same = copyEnv('x', 'x', source().endpoint, { COPY_INFRAHUB_S3_BUCKET: BUCKET });
    expectFailure(await run(same, 'copy'), 2, [/^error: the destination is the source \(s3:\/\/backups\/x\/ at http:\/\/127\.0\.0\.1:\d+\): set COPY_INFRAHUB_S3_BUCKET/]);
    expectFailure(await run(copyEnv('x', 'y'), 'copy', '--to-endpoint', 'ftp://host'), 2, ['error: --to-endpoint: "ftp://host" must start with http:// or https:// (http:// disables TLS, as in the backup image)']);
  });

  test('a destination prefix that escapes with "." or ".." segments is refused: the copy would land in the source (or out of sight of its own listing)', async () => {
    const { key } = await provenArchive('dots', 1);
    const before = await bytesOf(sourceClient, BUCKET, key);
    let drawn = 0;
    for (const destPrefix of ['elsewhere/../dots', './dots', 'dots/.', 'a/b/../../dots/', 'x/..']) {
      drawn++;
      const same = copyEnv('dots', destPrefix, source().endpoint, { COPY_INFRAHUB_S3_BUCKET: BUCKET });
      const result = await run(same, 'copy');
      expect({ destPrefix, code: result.code, stdout: result.stdout }).toEqual({ destPrefix, code: 2, stdout: '' });
      expect(result.stderr).toMatch(/^error: COPY_INFRAHUB_S3_PREFIX: ".*" has a "\." or "\.\." segment/m);
    }
    // A leading "/" or a "//", which some servers drop or merge: the same place as the source's.
    for (const destPrefix of ['/dots', '//dots/', 'dots//']) {
      drawn++;
      const result = await run(copyEnv('dots', destPrefix, source().endpoint, { COPY_INFRAHUB_S3_BUCKET: BUCKET }), 'copy');
      expect({ destPrefix, code: result.code, stdout: result.stdout }).toEqual({ destPrefix, code: 2, stdout: '' });
      expect(result.stderr).toMatch(/^error: the destination is the source/m);
    }
    expect(drawn).toBe(8);
    // The source is as it was: one archive, its bytes, its one proof.
    expect(archivesOnly(await keys(sourceClient, BUCKET, 'dots'))).toEqual([key.slice('dots/'.length)]);
    expect(proofsOnly(await keys(sourceClient, BUCKET, 'dots'))).toHaveLength(1);
    expect((await bytesOf(sourceClient, BUCKET, key)).equals(before)).toBe(true);
  });

  test('--within: archives older than it are not copied (a destination with a shorter retention does not get them back)', async () => {
    const archive = await provenArchive('within', 0);
    const old = Math.ceil((Date.now() - at(0).getTime()) / 86_400_000);
    expectFailure(await run(copyEnv('within', 'within'), 'copy', '--within', `${old - 1}d`), 1, [
      new RegExp(`^error: no recent archive: none of the 1 archives under s3://backups/within/ at http://127\\.0\\.0\\.1:\\d+ is both restorable and younger than --within ${old - 1}d: nothing to copy: check the backup CronJob's recent Jobs$`),
    ]);
    expect(await keys(destClient, DEST_BUCKET, 'within')).toEqual([]);
    const result = await run(copyEnv('within', 'within'), 'copy', '--within', `${old + 1}d`);
    expect(result.stdout).toBe(`s3://copies/within/${archive.name}\n`);
    expectFailure(await run(copyEnv('within', 'within'), 'copy', '--within', 'soon'), 2, [/^error: --within: "soon"/]);
  });

  test("without the destination's keys: a warning that the source's keys write the copy; the destination's secrets are redacted", async () => {
    await provenArchive('keys', 0);
    const env = copyEnv('keys', 'keys', undefined, { COPY_AWS_ACCESS_KEY_ID: undefined, COPY_AWS_SECRET_ACCESS_KEY: undefined });
    const result = await run(env, 'copy');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('warning: COPY_AWS_ACCESS_KEY_ID and COPY_AWS_SECRET_ACCESS_KEY are not set');
    const secret = 'copy-secret-value-123456';
    const refused = await run(copyEnv('keys', 'keys', undefined, { COPY_AWS_SECRET_ACCESS_KEY: secret }), 'copy', '--to-endpoint', `http://127.0.0.1:9/${secret}`);
    expect(refused.code).toBe(2);
    expect(refused.stderr).not.toContain(secret);
  });
});

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}
