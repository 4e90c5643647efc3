/**
 * Proven, not presumed: `s3 verify` records a proof beside each archive it
 * read whole, and `prune` and `latest` trust only those. Against s3rver for
 * the whole flow (verify, then latest and prune), and against a raw local
 * server for what s3rver never does: ignore Range, list a key twice, refuse a
 * delete for a missing permission or for Object Lock, answer a delete on a
 * versioned bucket with a delete marker.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { gzipSync } from 'zlib';
import { ARCHIVE_NAME } from '../../src/s3/archives';
import { BUCKET, GZIP_STUB, TestServer, buildArchive, expectFailure, hostileServer, httpAnswer, listingXml, noise, put, run, s3Env, s3ErrorXml, testClient, useS3Server } from './support';

jest.setTimeout(60_000);

/** What a proof marker's name starts with (src/s3/proofs.ts PROOF_PREFIX, written out so this file reads the format, not the code). */
const PROOF_PREFIX = '.proof-infrahub_backup_';

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

async function keys(prefix: string): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (page.Contents ?? []).map((c) => c.Key!).sort();
}

const day = (prefix: string, d: number) => `${prefix}/infrahub_backup_202601${String(d).padStart(2, '0')}_020000.tar.gz`;

/** Good archives for days 1..n under prefix, each verified (so proven). */
async function provenArchives(prefix: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let d = 1; d <= n; d++) {
    const key = day(prefix, d);
    await put(client, key, await buildArchive({ backupId: `infrahub_backup_202601${String(d).padStart(2, '0')}_020000` }));
    const verified = await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: prefix }), 'verify', '--uri', `s3://${BUCKET}/${key}`);
    expect(verified.code).toBe(0);
    expect(verified.stderr).toContain(`recorded the proof s3://${BUCKET}/${prefix}/${PROOF_PREFIX}`);
    out.push(key);
  }
  return out;
}

describe('verify records a proof; latest and prune trust only proofs (s3rver)', () => {
  test('the proof is a marker beside the archive, bound to its size and ETag, never taken for an archive', async () => {
    const [key] = await provenArchives('mark', 1);
    const all = await keys('mark/');
    expect(all).toHaveLength(2);
    const marker = all.find((k) => k !== key)!;
    expect(marker.slice('mark/'.length)).toMatch(/^\.proof-infrahub_backup_20260101_020000-\d+-[0-9a-f]{32}\.json$/);
    expect(ARCHIVE_NAME.test(marker.slice('mark/'.length))).toBe(false);
    // --no-record writes nothing.
    const again = await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'mark' }), 'verify', '--uri', `s3://${BUCKET}/${key}`, '--no-record');
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('recorded');
    expect(await keys('mark/')).toEqual(all);
  });

  test('defect 1: newest archives corrupt in the middle (head and tail intact) never cost the good ones', async () => {
    const good = await provenArchives('mid', 3);
    // No backup_information.json at all; and a good archive with its middle damaged (gzip magic and trailer intact).
    const noMetadata = day('mid', 10);
    await put(client, noMetadata, await buildArchive({ metadata: null }));
    const damaged = day('mid', 11);
    const body = Buffer.from(await buildArchive());
    for (let i = 0; i < 64; i++) body[Math.floor(body.length / 2) + i] ^= 0xff;
    await put(client, damaged, body);
    const env = s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'mid' });

    // The verification run refuses the newest, and records nothing for it.
    const verified = await run(env, 'verify', '--latest');
    expect(verified.code).toBe(1);
    expect((await keys('mid/')).filter((k) => k.includes('.proof-'))).toHaveLength(3);

    // latest takes the newest proven archive and names the two passed over.
    const latest = await run(env, 'latest');
    expect(latest.stdout).toBe(`s3://${BUCKET}/${good[2]}\n`);
    expect(latest.stderr.split('\n').filter((l) => l.startsWith('warning: skipped'))).toHaveLength(2);
    expect(latest.code).toBe(0);
    // --accept-unproven takes the newest whose ends look complete.
    const unproven = await run(env, 'latest', '--accept-unproven');
    expect(unproven.stdout).toBe(`s3://${BUCKET}/${damaged}\n`);

    const pruned = await run(env, 'prune', '--keep-last', '1');
    expect(pruned.code).toBe(0);
    const left = await keys('mid/');
    expect(left.filter((k) => !k.includes('.proof-'))).toEqual([good[2], noMetadata, damaged].sort());
    // The deleted archives' markers went with them; the kept one's stays.
    expect(left.filter((k) => k.includes('.proof-'))).toEqual([expect.stringContaining('.proof-infrahub_backup_20260103_020000-')]);
    expect(pruned.stderr).toContain('kept 2 unproven archives newer than the 1 newest proven');
    expect(pruned.stderr).toContain('newest proven: infrahub_backup_20260103_020000.tar.gz');
  });

  test('defect 1, as reproduced on main: a newest archive without its metadata, nothing verified: prune deletes nothing', async () => {
    for (const d of [1, 2, 3]) await put(client, day('nometa', d), await buildArchive());
    await put(client, day('nometa', 10), await buildArchive({ metadata: null }));
    const before = await keys('nometa/');
    const pruned = await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'nometa' }), 'prune', '--keep-last', '1');
    expect(await keys('nometa/')).toEqual(before);
    expectFailure(pruned, 1, [/^error: no proven archive: none of the 4 archives/]);
  });

  test('an archive replaced after it was verified is unproven; no proof at all: prune deletes nothing and says why', async () => {
    const [key] = await provenArchives('replaced', 1);
    await put(client, day('replaced', 2), GZIP_STUB);
    await put(client, key, await buildArchive({ backupId: 'other' }));
    const env = s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'replaced' });
    const before = await keys('replaced/');
    const pruned = await run(env, 'prune', '--keep-last', '1');
    expectFailure(pruned, 1, [/^error: no proven archive: none of the 2 archives under s3:\/\/backups\/replaced\/ at .* has been proven restorable by s3 verify, so nothing is deleted: enable backup.verification/]);
    expect(await keys('replaced/')).toEqual(before);
    const latest = await run(env, 'latest');
    expectFailure(latest, 1, [/^error: no proven archive: .*--accept-unproven/], { allowOther: true });
  });

  test('latest over encrypted archives only: the error says they can never be proven, not to run the verification that refuses them', async () => {
    const encrypted = Buffer.concat([Buffer.from([0x02]), noise(4096, 'enc')]);
    for (const d of [1, 2]) await put(client, `${day('encrypted', d)}.enc`, encrypted);
    const latest = await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'encrypted' }), 'latest');
    expectFailure(latest, 1, [/^error: no proven archive: the 2 archives under .* are encrypted, and s3 verify cannot prove an encrypted archive .*--accept-unproven/], { allowOther: true });
    expect(latest.stderr).not.toContain('backup.verification');
    const accepted = await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'encrypted' }), 'latest', '--accept-unproven');
    expect(accepted.stdout).toBe(`s3://${BUCKET}/${day('encrypted', 2)}.enc\n`);
  });
});

/** Raw-server fixtures: archives listed with ETag "x", each optionally proven by a marker bound to that ETag. */
const KEY = (d: number) => `infrahub/infrahub_backup_202601${String(d).padStart(2, '0')}_020000.tar.gz`;
const MARKER = (d: number, size: number) => `infrahub/${PROOF_PREFIX}202601${String(d).padStart(2, '0')}_020000-${size}-x.json`;

interface RawScene {
  /** Objects by key (archives and markers). */
  readonly objects: Map<string, Buffer>;
  /** Keys listed, in listing order, possibly repeated; split into pages of `pageSize`. */
  readonly listed: string[];
  readonly pageSize?: number;
  /** Answer ranged GETs with 200 and the whole object. */
  readonly ignoreRange?: boolean;
  /** The DeleteObjects answer's body. */
  readonly onDelete?: () => string;
}

async function rawServer(scene: RawScene) {
  const pageSize = scene.pageSize ?? 1000;
  return hostileServer((request, socket) => {
    const url = new URL(request.url, 'http://x');
    if (request.method === 'GET' && url.searchParams.get('list-type') === '2') {
      const page = Number(url.searchParams.get('continuation-token') ?? '0');
      const slice = scene.listed.slice(page * pageSize, (page + 1) * pageSize);
      const more = (page + 1) * pageSize < scene.listed.length;
      socket.write(httpAnswer(200, listingXml(slice.map((key) => ({ key, size: scene.objects.get(key)!.length })), more ? { next: String(page + 1) } : {}), { 'Content-Type': 'application/xml' }));
    } else if (request.method === 'GET') {
      const body = scene.objects.get(decodeURIComponent(url.pathname.replace(/^\/backups\//, '')));
      if (body === undefined) return void socket.write(httpAnswer(404, s3ErrorXml('NoSuchKey', 'The specified key does not exist.'), { 'Content-Type': 'application/xml' }));
      const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '');
      if (range === null || scene.ignoreRange) return void socket.write(httpAnswer(200, body, { ETag: '"x"' }));
      const first = Number(range[1]);
      const last = Math.min(Number(range[2]), body.length - 1);
      socket.write(httpAnswer(206, body.subarray(first, last + 1), { 'Content-Range': `bytes ${first}-${last}/${body.length}`, ETag: '"x"' }));
    } else {
      socket.write(httpAnswer(200, scene.onDelete?.() ?? '<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></DeleteResult>', { 'Content-Type': 'application/xml' }));
    }
  });
}

/** Three proven stub archives (days 1-3) and their markers. */
function provenStubs(): Map<string, Buffer> {
  const objects = new Map<string, Buffer>();
  for (const d of [1, 2, 3]) {
    objects.set(KEY(d), GZIP_STUB);
    objects.set(MARKER(d, GZIP_STUB.length), Buffer.from('{}'));
  }
  return objects;
}

const deletedLines = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('deleted '));

describe('hostile servers', () => {
  test('defect 2: a server that ignores Range cannot make a cut upload over 4 MB count', async () => {
    const objects = provenStubs();
    // A cut upload: the first 4.5 MB of a gzip of 6 MB of noise; its first 8 bytes read as a "trailer" give ISIZE 0.
    const cut = gzipSync(noise(6 * 1024 * 1024, 'cut')).subarray(0, 4_500_000);
    objects.set(KEY(10), cut);
    const stub = await rawServer({ objects, listed: [...objects.keys()].sort(), ignoreRange: true });
    try {
      const env = s3Env(stub.endpoint);
      const pruned = await run(env, 'prune', '--keep-last', '1');
      expect(pruned.code).toBe(0);
      expect(deletedLines(pruned.stdout).sort()).toEqual(
        [KEY(1), KEY(2), MARKER(1, GZIP_STUB.length), MARKER(2, GZIP_STUB.length)].map((k) => `deleted s3://backups/${k}`).sort(),
      );
      // Even when unproven archives are accepted, a ranged read answered with the whole object proves nothing.
      const latest = await run(env, 'latest', '--accept-unproven');
      expect(latest.stdout).toBe(`s3://backups/${KEY(3)}\n`);
      expect(latest.stderr).toContain(`warning: skipped s3://backups/${KEY(10)}: not restorable: the server answered a read of bytes 0-1 with HTTP 200 (the whole object: it ignores Range), not 206`);
    } finally {
      await stub.close();
    }
  });

  test('defect 2: a Content-Range whose length disagrees with the listing is no proof', async () => {
    const objects = new Map<string, Buffer>([[KEY(1), GZIP_STUB]]);
    const stub = await hostileServer((request, socket) => {
      if (request.url.includes('list-type=2')) socket.write(httpAnswer(200, listingXml([{ key: KEY(1), size: 10_000_000 }]), { 'Content-Type': 'application/xml' }));
      else socket.write(httpAnswer(206, GZIP_STUB.subarray(0, 2), { 'Content-Range': `bytes 0-1/${GZIP_STUB.length}` }));
    });
    try {
      const latest = await run(s3Env(stub.endpoint), 'latest', '--accept-unproven');
      expectFailure(latest, 1, [/^error: no restorable archive/], { allowOther: true });
      expect(latest.stderr).toContain(`gives the object ${GZIP_STUB.length} bytes where the listing gave 10000000`);
    } finally {
      await stub.close();
      void objects;
    }
  });

  test('defect 3: a key listed twice counts once toward --keep-last', async () => {
    const objects = provenStubs();
    const listed = [...objects.keys()].sort();
    // The newest archive listed again on the next page (a server paging badly).
    listed.push(KEY(3));
    const stub = await rawServer({ objects, listed, pageSize: 4 });
    try {
      const pruned = await run(s3Env(stub.endpoint), 'prune', '--keep-last', '2');
      expect(pruned.code).toBe(0);
      expect(deletedLines(pruned.stdout).sort()).toEqual([KEY(1), MARKER(1, GZIP_STUB.length)].map((k) => `deleted s3://backups/${k}`).sort());
      expect(pruned.stderr).toContain('gave 1 key more than once: each archive counted once');
    } finally {
      await stub.close();
    }
  });

  test('verify without s3:PutObject still reports its verdict (stdout, --json), then fails naming the proof it could not record', async () => {
    const archive = await buildArchive({ backupId: 'infrahub_backup_20260101_020000' });
    const stub = await hostileServer((request, socket) => {
      if (request.method === 'PUT') socket.write(httpAnswer(403, s3ErrorXml('AccessDenied', 'Access Denied'), { 'Content-Type': 'application/xml' }));
      else socket.write(httpAnswer(200, archive, { ETag: '"0123456789abcdef0123456789abcdef"' }));
    });
    try {
      for (const json of [false, true]) {
        const verified = await run(s3Env(stub.endpoint), 'verify', '--uri', `s3://backups/${KEY(1)}`, ...(json ? ['--json'] : []));
        // The archive is good: the verdict is printed as when the proof is written...
        if (json) expect(JSON.parse(verified.stdout)).toMatchObject({ uri: `s3://backups/${KEY(1)}`, size: archive.length });
        else expect(verified.stdout).toContain(`verified: s3://backups/${KEY(1)}\n`);
        // ... and the run fails, so the missing proof is seen (retention will not count the archive).
        expect(verified.code).toBe(1);
        const errors = verified.stderr.split('\n').filter((l) => l.startsWith('error: '));
        expect(errors).toHaveLength(1);
        expect(errors[0]).toContain('verified, but its proof could not be recorded');
        expect(errors[0]).toContain('s3:PutObject');
      }
    } finally {
      await stub.close();
    }
  });

  test('verify of an answer without Content-Length records no proof and says why in words, not "undefined bytes"', async () => {
    const archive = await buildArchive({ backupId: 'infrahub_backup_20260101_020000' });
    const stub = await hostileServer((request, socket) => {
      if (request.method === 'PUT') {
        socket.write(httpAnswer(200, ''));
        return;
      }
      // Chunked: the size is only known once the body has been read.
      const head = ['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', 'Connection: close', 'ETag: "0123456789abcdef0123456789abcdef"', 'x-amz-request-id: TEST'].join('\r\n');
      socket.end(Buffer.concat([Buffer.from(`${head}\r\n\r\n${archive.length.toString(16)}\r\n`, 'latin1'), archive, Buffer.from('\r\n0\r\n\r\n', 'latin1')]));
    });
    try {
      const verified = await run(s3Env(stub.endpoint), 'verify', '--uri', `s3://backups/${KEY(1)}`);
      expect(verified.stdout).toContain(`verified: s3://backups/${KEY(1)}\n`);
      expect(verified.stderr).not.toContain('undefined');
      expect(verified.stderr).toContain('no proof recorded');
      expect(stub.requests.filter((r) => r.method === 'PUT')).toHaveLength(0);
    } finally {
      await stub.close();
    }
  });

  test('prune against a listing without ETags says why nothing can be proven, instead of asking for the verification that already runs', async () => {
    const objects = provenStubs();
    const stub = await hostileServer((_request, socket) => {
      const listing = listingXml([...objects.keys()].sort().map((key) => ({ key, size: objects.get(key)!.length }))).replace(/<ETag>"x"<\/ETag>/g, '');
      socket.write(httpAnswer(200, listing, { 'Content-Type': 'application/xml' }));
    });
    try {
      const pruned = await run(s3Env(stub.endpoint), 'prune', '--keep-last', '1');
      expectFailure(pruned, 1, [/^error: no proven archive: the listing of s3:\/\/backups\/infrahub\/ at .* gives no ETag for 3 of its 3 archives/]);
      expect(stub.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
    } finally {
      await stub.close();
    }
  });

  const deleteResult = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</DeleteResult>`;

  test('defect 8: a delete refused for a missing permission fails the run and names it', async () => {
    const objects = provenStubs();
    const refused = [KEY(1), KEY(2), MARKER(1, GZIP_STUB.length), MARKER(2, GZIP_STUB.length)];
    const stub = await rawServer({
      objects,
      listed: [...objects.keys()].sort(),
      onDelete: () => deleteResult(refused.map((k) => `<Error><Key>${k}</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`).join('')),
    });
    try {
      const pruned = await run(s3Env(stub.endpoint), 'prune', '--keep-last', '1');
      expect(pruned.code).toBe(1);
      expect(pruned.stdout).toBe('');
      expect(pruned.stderr).not.toContain('retained');
      const errors = pruned.stderr.split('\n').filter((l) => l.startsWith('error: '));
      // The markers of archives not deleted are not touched.
      expect(errors).toHaveLength(2);
      expect(errors[0]).toBe(`error: access denied: access key ID "S3…" may not delete s3://backups/${KEY(2)} at ${stub.endpoint}: grant s3:DeleteObject on it (bucket policy or IAM policy)`);
      expect(pruned.stderr).toContain('deleted 0, failed 2, kept 1 archives');
    } finally {
      await stub.close();
    }
  });

  test.each([
    ['AccessDenied', 'Access Denied because object protected by object lock.'],
    ['ObjectLocked', 'Object is WORM protected and cannot be overwritten'],
  ])('defect 8: a delete refused by Object Lock (%s) is retained, and the run succeeds', async (code, message) => {
    const objects = provenStubs();
    const stub = await rawServer({
      objects,
      listed: [...objects.keys()].sort(),
      onDelete: () => deleteResult(`<Error><Key>${KEY(1)}</Key><Code>${code}</Code><Message>${message}</Message></Error>`),
    });
    try {
      const pruned = await run(s3Env(stub.endpoint), 'prune', '--keep-last', '1');
      expect(pruned.stdout).toContain(`retained s3://backups/${KEY(1)}: the delete was refused (${code}): Object Lock (a retention period or a legal hold) protects it\n`);
      expect(pruned.stderr).toContain('deleted 1 (and 1 proof marker), retained 1 protected by Object Lock, kept 1 archives');
      expect(pruned.code).toBe(0);
    } finally {
      await stub.close();
    }
  });

  test('an archive Object Lock retained keeps its proof when its encrypted twin of the same timestamp is deleted', async () => {
    const objects = provenStubs();
    objects.set(`${KEY(1)}.enc`, Buffer.concat([Buffer.from([0x02]), Buffer.alloc(2048, 7)]));
    const stub = await rawServer({
      objects,
      listed: [...objects.keys()].sort(),
      onDelete: () => deleteResult(`<Error><Key>${KEY(1)}</Key><Code>ObjectLocked</Code><Message>Object is WORM protected and cannot be overwritten</Message></Error>`),
    });
    try {
      const pruned = await run(s3Env(stub.endpoint), 'prune', '--keep-last', '1');
      expect(pruned.code).toBe(0);
      expect(pruned.stdout).toContain(`retained s3://backups/${KEY(1)}`);
      expect(deletedLines(pruned.stdout)).toContain(`deleted s3://backups/${KEY(1)}.enc`);
      // The retained archive is still there, so its proof stays with it.
      expect(deletedLines(pruned.stdout)).not.toContain(`deleted s3://backups/${MARKER(1, GZIP_STUB.length)}`);
    } finally {
      await stub.close();
    }
  });

  test('defect 8: on a versioned bucket a delete without a version id adds a delete marker: said so', async () => {
    const objects = provenStubs();
    const stub = await rawServer({
      objects,
      listed: [...objects.keys()].sort(),
      onDelete: () =>
        deleteResult(
          [KEY(1), KEY(2)].map((k) => `<Deleted><Key>${k}</Key><DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>v1</DeleteMarkerVersionId></Deleted>`).join(''),
        ),
    });
    try {
      const pruned = await run(s3Env(stub.endpoint), 'prune', '--keep-last', '1');
      expect(pruned.code).toBe(0);
      expect(pruned.stdout).toContain(`deleted s3://backups/${KEY(2)}: the bucket is versioned, so a delete marker now hides it`);
      expect(pruned.stderr).toContain('(2 only hidden by delete markers: versioned bucket)');
    } finally {
      await stub.close();
    }
  });
});
