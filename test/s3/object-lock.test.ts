/**
 * S3 Object Lock: `s3 lock`, the Object Lock report of `s3 preflight --for
 * backup`, and `s3 prune` on a bucket whose archives are locked, against the
 * Object Lock server of the test suite (object-lock-server.ts), whose answers
 * are first checked against the Amazon S3 API Reference (element names,
 * namespace, error codes and statuses) and read back through
 * @aws-sdk/client-s3 configured as the commands configure it.
 */
import { createHash } from 'crypto';
import { GetBucketVersioningCommand, GetObjectLockConfigurationCommand, GetObjectRetentionCommand, PutObjectRetentionCommand, S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/s3/client';
import { resolveSettings } from '../../src/s3/config';
import { parseArchiveName } from '../../src/s3/archives';
import { proofKey } from '../../src/s3/proofs';
import { ObjectLockServer, startObjectLockServer } from './object-lock-server';
import { BUCKET, GZIP_STUB, TRUNCATED_STUB, archiveName, expectFailure, run, s3Env } from './support';

jest.setTimeout(30_000);
process.env.AWS_EC2_METADATA_DISABLED = 'true';

const DAY = 24 * 3600_000;
const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const LOCKED = 'locked';
const PLAIN = 'plain';

let server: ObjectLockServer;
let client: S3Client;

beforeAll(async () => {
  server = await startObjectLockServer();
  server.buckets.set(LOCKED, { lock: { defaultRetention: undefined }, objects: new Map() });
  server.buckets.set(PLAIN, { objects: new Map() });
  server.buckets.set(BUCKET, { lock: { defaultRetention: { mode: 'GOVERNANCE', days: 30 } }, objects: new Map() });
  // The client as the commands build it: checksums only where S3 requires them.
  client = createS3Client(resolveSettings({}, env(LOCKED), { needBucket: true }));
});

afterAll(async () => {
  client?.destroy();
  await server?.close();
});

beforeEach(() => {
  server.denied.clear();
  server.requests.length = 0;
  for (const b of server.buckets.values()) b.objects.clear();
});

function env(bucket: string, prefix = 'infrahub'): NodeJS.ProcessEnv {
  return s3Env(server.endpoint, { INFRAHUB_S3_BUCKET: bucket, INFRAHUB_S3_PREFIX: prefix, AWS_EC2_METADATA_DISABLED: 'true' });
}

/** An archive uploaded `daysAgo` days ago (named then), proven (with the marker s3 verify writes) or not. */
function archive(bucket: string, daysAgo: number, body: Buffer = GZIP_STUB, proven = true, prefix = 'infrahub/'): { key: string; uploaded: Date } {
  const uploaded = new Date(Math.floor((Date.now() - daysAgo * DAY) / 1000) * 1000);
  const name = archiveName(uploaded);
  const key = `${prefix}${name}`;
  const object = server.put(bucket, key, body, uploaded);
  if (proven) server.put(bucket, proofKey(prefix, parseArchiveName(name)!, body.length, object.etag)!, '{}', uploaded);
  return { key, uploaded };
}

/** A raw, unsigned request to the server (its answers, byte for byte). */
async function raw(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const response = await fetch(`${server.endpoint}${path}`, { method, body, headers });
  return { status: response.status, text: await response.text() };
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('the Object Lock server answers as the S3 API Reference documents', () => {
  test('GetObjectLockConfiguration, GetBucketVersioning, GetObjectRetention: documents and errors', async () => {
    // ObjectLockConfiguration > ObjectLockEnabled, Rule > DefaultRetention > Mode, Days | Years.
    expect(await raw('GET', `/${BUCKET}?object-lock`)).toEqual({
      status: 200,
      text: `<?xml version="1.0" encoding="UTF-8"?>\n<ObjectLockConfiguration ${NS}><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>30</Days></DefaultRetention></Rule></ObjectLockConfiguration>`,
    });
    const none = await raw('GET', `/${PLAIN}?object-lock`);
    expect(none.status).toBe(404);
    expect(none.text).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>ObjectLockConfigurationNotFoundError<\/Code><Message>Object Lock configuration does not exist for this bucket<\/Message><Resource>\/plain<\/Resource><RequestId>\w+<\/RequestId><\/Error>$/);
    // VersioningConfiguration > Status (absent for a bucket never versioned).
    expect((await raw('GET', `/${LOCKED}?versioning`)).text).toBe(`<?xml version="1.0" encoding="UTF-8"?>\n<VersioningConfiguration ${NS}><Status>Enabled</Status></VersioningConfiguration>`);
    expect((await raw('GET', `/${PLAIN}?versioning`)).text).toBe(`<?xml version="1.0" encoding="UTF-8"?>\n<VersioningConfiguration ${NS}></VersioningConfiguration>`);
    // Retention > Mode, RetainUntilDate; 404 NoSuchObjectLockConfiguration without one; 400 InvalidRequest on a bucket without Object Lock.
    const until = new Date(Date.now() + 10 * DAY);
    server.put(LOCKED, 'k', 'x', new Date(), { mode: 'COMPLIANCE', until });
    server.put(LOCKED, 'free', 'x', new Date());
    server.put(PLAIN, 'k', 'x', new Date());
    expect(await raw('GET', `/${LOCKED}/k?retention`)).toEqual({
      status: 200,
      text: `<?xml version="1.0" encoding="UTF-8"?>\n<Retention ${NS}><Mode>COMPLIANCE</Mode><RetainUntilDate>${until.toISOString()}</RetainUntilDate></Retention>`,
    });
    const free = await raw('GET', `/${LOCKED}/free?retention`);
    expect([free.status, /<Code>(\w+)<\/Code>/.exec(free.text)?.[1]]).toEqual([404, 'NoSuchObjectLockConfiguration']);
    const plain = await raw('GET', `/${PLAIN}/k?retention`);
    expect([plain.status, /<Code>(\w+)<\/Code><Message>([^<]+)</.exec(plain.text)?.slice(1)]).toEqual([400, ['InvalidRequest', 'Bucket is missing Object Lock Configuration']]);
  });

  test('PutObjectRetention and deletes: integrity header required, no shortening, locked objects refused', async () => {
    const until = new Date(Date.now() + 10 * DAY);
    server.put(LOCKED, 'c', 'x', new Date(), { mode: 'COMPLIANCE', until });
    server.put(LOCKED, 'g', 'x', new Date(), { mode: 'GOVERNANCE', until });
    const doc = (mode: string, date: Date) => `<?xml version="1.0" encoding="UTF-8"?>\n<Retention ${NS}><Mode>${mode}</Mode><RetainUntilDate>${date.toISOString()}</RetainUntilDate></Retention>`;
    const md5 = (text: string) => ({ 'Content-MD5': createHash('md5').update(text).digest('base64') });
    const codeOf = (r: { status: number; text: string }) => [r.status, /<Code>(\w+)<\/Code>/.exec(r.text)?.[1]];
    // Without Content-MD5 or a checksum: refused, as S3 refuses it.
    expect(codeOf(await raw('PUT', `/${LOCKED}/c?retention`, doc('COMPLIANCE', new Date(Date.now() + 20 * DAY))))).toEqual([400, 'InvalidRequest']);
    // Shortening COMPLIANCE: InvalidRequest; GOVERNANCE without the bypass header: AccessDenied; a date in the past: InvalidArgument.
    const shorter = doc('COMPLIANCE', new Date(Date.now() + DAY));
    expect(codeOf(await raw('PUT', `/${LOCKED}/c?retention`, shorter, md5(shorter)))).toEqual([400, 'InvalidRequest']);
    const weaker = doc('GOVERNANCE', new Date(Date.now() + DAY));
    expect(codeOf(await raw('PUT', `/${LOCKED}/g?retention`, weaker, md5(weaker)))).toEqual([403, 'AccessDenied']);
    const past = doc('GOVERNANCE', new Date(Date.now() - DAY));
    expect(codeOf(await raw('PUT', `/${LOCKED}/g?retention`, past, md5(past)))).toEqual([400, 'InvalidArgument']);
    // Lengthening is allowed.
    const longer = doc('COMPLIANCE', new Date(until.getTime() + DAY));
    expect(codeOf(await raw('PUT', `/${LOCKED}/c?retention`, longer, md5(longer)))).toEqual([200, undefined]);
    // DeleteObject of a locked object: 403 AccessDenied naming object lock.
    const refused = await raw('DELETE', `/${LOCKED}/c`);
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('<Code>AccessDenied</Code><Message>Access Denied because object protected by object lock.</Message>');
    expect(server.buckets.get(LOCKED)!.objects.has('c')).toBe(true);
  });

  test('the SDK, configured as the commands configure it, reads every answer', async () => {
    const until = new Date(Math.floor((Date.now() + 10 * DAY) / 1000) * 1000);
    server.put(LOCKED, 'k', 'x', new Date());
    const lock = await client.send(new GetObjectLockConfigurationCommand({ Bucket: BUCKET }));
    expect(lock.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 30 } } });
    await expect(client.send(new GetObjectLockConfigurationCommand({ Bucket: PLAIN }))).rejects.toMatchObject({ name: 'ObjectLockConfigurationNotFoundError', $metadata: { httpStatusCode: 404 } });
    expect((await client.send(new GetBucketVersioningCommand({ Bucket: LOCKED }))).Status).toBe('Enabled');
    expect((await client.send(new GetBucketVersioningCommand({ Bucket: PLAIN }))).Status).toBeUndefined();
    await expect(client.send(new GetObjectRetentionCommand({ Bucket: LOCKED, Key: 'k' }))).rejects.toMatchObject({ name: 'NoSuchObjectLockConfiguration' });
    // The SDK sends the checksum S3 requires for PutObjectRetention (requestChecksumCalculation WHEN_REQUIRED).
    await client.send(new PutObjectRetentionCommand({ Bucket: LOCKED, Key: 'k', Retention: { Mode: 'COMPLIANCE', RetainUntilDate: until } }));
    const put = server.requests.filter((r) => r.action === 'PutObjectRetention').pop()!;
    expect(Object.keys(put.headers).some((h) => h === 'content-md5' || h.startsWith('x-amz-checksum-'))).toBe(true);
    expect(put.body).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?><Retention xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/"><Mode>COMPLIANCE<\/Mode><RetainUntilDate>[^<]+<\/RetainUntilDate><\/Retention>$/);
    const got = await client.send(new GetObjectRetentionCommand({ Bucket: LOCKED, Key: 'k' }));
    expect(got.Retention).toEqual({ Mode: 'COMPLIANCE', RetainUntilDate: until });
    await expect(client.send(new PutObjectRetentionCommand({ Bucket: LOCKED, Key: 'k', Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(until.getTime() - DAY) } }))).rejects.toMatchObject({
      name: 'InvalidRequest',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('s3 lock', () => {
  test('locks every restorable archive that has no retention, until upload + days; never touches an existing one', async () => {
    const proven = archive(LOCKED, 2);
    const unproven = archive(LOCKED, 1, GZIP_STUB, false);
    const cut = archive(LOCKED, 0.5, TRUNCATED_STUB, false);
    const compliance = archive(LOCKED, 3);
    const existing = new Date(Date.now() + 400 * DAY);
    server.buckets.get(LOCKED)!.objects.get(compliance.key)!.retention = { mode: 'COMPLIANCE', until: existing };
    const expired = archive(LOCKED, 4);
    server.buckets.get(LOCKED)!.objects.get(expired.key)!.retention = { mode: 'GOVERNANCE', until: new Date(Date.now() - DAY) };
    const old = archive(LOCKED, 40);
    server.put(LOCKED, 'infrahub/notes.txt', 'foreign', new Date());

    const result = await run(env(LOCKED), 'lock', '--mode', 'GOVERNANCE', '--days', '30');
    const until = (a: { uploaded: Date }) => iso(new Date(a.uploaded.getTime() + 30 * DAY));
    expect(result.stdout).toBe(
      `not locked s3://locked/${cut.key}: not restorable: 12 bytes: does not end as a complete tar.gz: truncated upload?\n` +
        `locked s3://locked/${unproven.key} until ${until(unproven)} (GOVERNANCE, not proven yet)\n` +
        `locked s3://locked/${proven.key} until ${until(proven)} (GOVERNANCE)\n` +
        `already locked s3://locked/${compliance.key} until ${iso(existing)} (COMPLIANCE)\n` +
        `locked s3://locked/${expired.key} until ${until(expired)} (GOVERNANCE)\n`,
    );
    expect(result.stderr).toBe('locked 3, already locked 1, not restorable 1, 1 older than 30 days (nothing to lock) of 6 archives under s3://locked/infrahub/ (GOVERNANCE, 30 days from upload)\n');
    expect(result.code).toBe(0);
    const objects = server.buckets.get(LOCKED)!.objects;
    expect(objects.get(proven.key)!.retention).toEqual({ mode: 'GOVERNANCE', until: new Date(proven.uploaded.getTime() + 30 * DAY) });
    expect(objects.get(compliance.key)!.retention).toEqual({ mode: 'COMPLIANCE', until: existing });
    expect(objects.get(cut.key)!.retention).toBeUndefined();
    expect(objects.get(old.key)!.retention).toBeUndefined();
    expect(objects.get('infrahub/notes.txt')!.retention).toBeUndefined();
    // Never a bypass, never a retention on anything but the archives locked.
    expect(server.requests.filter((r) => 'x-amz-bypass-governance-retention' in r.headers)).toEqual([]);
    expect(server.requests.filter((r) => r.action === 'PutObjectRetention').map((r) => decodeURIComponent(r.url.split('?')[0]))).toEqual(
      [unproven, proven, expired].map((a) => `/locked/${a.key}`),
    );
    // A proven archive is not read; the unproven ones are (their ends).
    expect(server.requests.filter((r) => r.action === 'GetObject').map((r) => decodeURIComponent(r.url.split('?')[0])).sort()).toEqual([`/locked/${cut.key}`, `/locked/${unproven.key}`].sort());

    // Again: nothing to do, nothing set.
    const before = server.requests.length;
    const again = await run(env(LOCKED), 'lock', '--mode', 'COMPLIANCE', '--days', '30');
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('locked 0, already locked 4, not restorable 1, 1 older than 30 days (nothing to lock) of 6 archives under s3://locked/infrahub/ (COMPLIANCE, 30 days from upload)\n');
    expect(server.requests.slice(before).filter((r) => r.action === 'PutObjectRetention')).toEqual([]);
  });

  test("a server's words are printed sanitised: a retention mode with control characters", async () => {
    const older = archive(LOCKED, 2);
    const newer = archive(LOCKED, 1);
    server.buckets.get(LOCKED)!.objects.get(older.key)!.retention = { mode: 'GOVERNANCE\u001b[2J\r' as 'GOVERNANCE', until: new Date(Date.now() + DAY) };
    const result = await run(env(LOCKED), 'lock', '--mode', 'GOVERNANCE', '--days', '30');
    expect(result.code).toBe(0);
    // (XML turns the carriage return into a line feed; either way it is escaped.)
    expect(result.stdout.split('\n')[1]).toMatch(new RegExp(`^already locked s3://locked/${older.key.replace(/\./g, '\\.')} until \\S+ \\(GOVERNANCE\\\\u001b\\[2J\\\\[rn]\\)$`));
    const pruned = await run(env(LOCKED), 'prune', '--keep-last', '1');
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain(`retained s3://locked/${older.key}: locked until `);
    expect(newer.key).not.toBe(older.key);
    // eslint-disable-next-line no-control-regex -- the control characters are what must not reach the terminal
    expect(`${result.stdout}${result.stderr}${pruned.stdout}${pruned.stderr}`).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  test('--dry-run sets nothing', async () => {
    const a = archive(LOCKED, 1);
    const result = await run(env(LOCKED), 'lock', '--mode', 'COMPLIANCE', '--days', '7', '--dry-run');
    expect(result.stdout).toBe(`would lock s3://locked/${a.key} until ${iso(new Date(a.uploaded.getTime() + 7 * DAY))} (COMPLIANCE)\n`);
    expect(result.stderr).toBe('dry run: would lock 1, already locked 0 of 1 archives under s3://locked/infrahub/ (COMPLIANCE, 7 days from upload)\n');
    expect(server.buckets.get(LOCKED)!.objects.get(a.key)!.retention).toBeUndefined();
  });

  test('a bucket without Object Lock: one line, exit 1, nothing set', async () => {
    archive(PLAIN, 1);
    const before = server.requests.length;
    expectFailure(await run(env(PLAIN), 'lock', '--mode', 'GOVERNANCE', '--days', '30'), 1, [
      `error: no Object Lock: bucket "plain" at ${server.endpoint} has no Object Lock configuration, so no retention can be set: Object Lock is enabled when a bucket is created (or, on AWS, on an existing versioned bucket): use such a bucket, or do not run s3 lock`,
    ]);
    expect(server.requests.slice(before).map((r) => r.action)).toEqual(['GetObjectLockConfiguration']);
  });

  test('PutObjectRetention denied: one line per archive, the others still tried, exit 1', async () => {
    const a = archive(LOCKED, 1);
    const b = archive(LOCKED, 2);
    server.denied.add('PutObjectRetention');
    const result = await run(env(LOCKED), 'lock', '--mode', 'GOVERNANCE', '--days', '30');
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n').filter((l) => l !== '')).toEqual([
      `error: access denied: access key ID "S3…" may not set a retention on s3://locked/${a.key} at ${server.endpoint}: grant s3:PutObjectRetention on it (bucket policy or IAM policy)`,
      `error: access denied: access key ID "S3…" may not set a retention on s3://locked/${b.key} at ${server.endpoint}: grant s3:PutObjectRetention on it (bucket policy or IAM policy)`,
      'locked 0, already locked 0, failed 2 of 2 archives under s3://locked/infrahub/ (GOVERNANCE, 30 days from upload)',
    ]);
  });

  test('GetObjectRetention denied: one line per archive, nothing set blind', async () => {
    archive(LOCKED, 1);
    server.denied.add('GetObjectRetention');
    const result = await run(env(LOCKED), 'lock', '--mode', 'GOVERNANCE', '--days', '30');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: access denied: access key ID "S3…" may not read the retention of s3:\/\/locked\/infrahub\/infrahub_backup_\d{8}_\d{6}\.tar\.gz at .*: grant s3:GetObjectRetention on it/);
    expect(server.requests.filter((r) => r.action === 'PutObjectRetention')).toEqual([]);
  });

  test('bad input: every problem, exit 2', async () => {
    expectFailure(await run(env(LOCKED), 'lock', '--days', '30'), 2, ["error: required option '--mode <mode>' not specified"]);
    expectFailure(await run(env(LOCKED), 'lock', '--mode', 'FOREVER', '--days', '30'), 2, [/^error: option '--mode <mode>' argument 'FOREVER' is invalid\. Allowed choices are GOVERNANCE, COMPLIANCE\.$/]);
    expectFailure(await run(env(LOCKED), 'lock', '--mode', 'GOVERNANCE', '--days', '0', '--endpoint', 'ftp://x'), 2, [
      'error: --days: "0" is not a whole number of at least 1',
      'error: --endpoint: "ftp://x" must start with http:// or https:// (http:// disables TLS, as in the backup image)',
    ]);
    expectFailure(await run(env(LOCKED), 'lock', '--mode', 'COMPLIANCE', '--days', '100000'), 2, ['error: --days: 100000 is more than 36500 (100 years): a lock cannot be shortened, so this is refused']);
  });
});

describe('s3 preflight --for backup reports Object Lock and versioning, never fails for them', () => {
  test.each([
    [BUCKET, [], 'ok: bucket "backups" has Object Lock (default retention GOVERNANCE 30 days; versioning Enabled)'],
    [LOCKED, [], 'ok: bucket "locked" has Object Lock (no default retention: s3 lock sets one per archive; versioning Enabled)'],
    [
      PLAIN,
      [],
      'not protected: bucket "plain" has no Object Lock (versioning never enabled): any credential with s3:DeleteObject (the companion\'s included) can delete the archives; a bucket created with Object Lock, and s3 lock, prevent that',
    ],
    [
      LOCKED,
      ['GetObjectLockConfiguration', 'GetBucketVersioning'],
      'not checked: Object Lock (s3:GetBucketObjectLockConfiguration is denied to access key ID "S3…"; versioning not readable (s3:GetBucketVersioning is denied)): the backup does not need it; s3 lock does',
    ],
  ] as const)('bucket %s, denied %j', async (bucket, denied, line) => {
    for (const d of denied) server.denied.add(d);
    const result = await run(env(bucket), 'preflight', '--for', 'backup');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.slice(-3)).toEqual([`ok: ready to back up to s3://${bucket}/infrahub/`, line, '']);
  });
});

describe('s3 prune on a bucket with Object Lock', () => {
  test('locked archives are retained (until when, from GetObjectRetention), the rest deleted; no lock is shortened or bypassed', async () => {
    const archives = [5, 4, 3, 2, 1].map((d) => archive(LOCKED, d));
    const objects = server.buckets.get(LOCKED)!.objects;
    const until = new Date(Math.floor((Date.now() + 100 * DAY) / 1000) * 1000);
    objects.get(archives[0].key)!.retention = { mode: 'COMPLIANCE', until };
    objects.get(archives[1].key)!.retention = { mode: 'GOVERNANCE', until };
    objects.get(archives[2].key)!.legalHold = true;
    const result = await run(env(LOCKED), 'prune', '--keep-last', '1');
    const lines = result.stdout.split('\n').filter((l) => l !== '' && !l.includes('/.proof-'));
    expect(lines).toEqual([
      `deleted s3://locked/${archives[3].key}`,
      `retained s3://locked/${archives[2].key}: the delete was refused (AccessDenied): Object Lock (a retention period or a legal hold) protects it`,
      `retained s3://locked/${archives[1].key}: locked until ${iso(until)} (GOVERNANCE): Object Lock refused the delete (AccessDenied)`,
      `retained s3://locked/${archives[0].key}: locked until ${iso(until)} (COMPLIANCE): Object Lock refused the delete (AccessDenied)`,
    ]);
    expect(result.stderr).toMatch(/^deleted 1 \(and 1 proof marker\), retained 3 protected by Object Lock, kept 1 archives under s3:\/\/locked\/infrahub\/ \(keep-last 1\); newest proven: infrahub_backup_/);
    expect(result.code).toBe(0);
    // The retained archives keep their proofs; their locks are as they were.
    expect([...objects.keys()].filter((k) => k.includes('.proof-'))).toHaveLength(4);
    expect(objects.get(archives[0].key)!.retention).toEqual({ mode: 'COMPLIANCE', until });
    expect(server.requests.filter((r) => r.action === 'PutObjectRetention' || 'x-amz-bypass-governance-retention' in r.headers)).toEqual([]);
  });

  test('without s3:GetObjectRetention the archives are still retained, and the run succeeds', async () => {
    const archives = [2, 1].map((d) => archive(LOCKED, d));
    server.buckets.get(LOCKED)!.objects.get(archives[0].key)!.retention = { mode: 'COMPLIANCE', until: new Date(Date.now() + DAY) };
    server.denied.add('GetObjectRetention');
    const result = await run(env(LOCKED), 'prune', '--keep-last', '1');
    expect(result.stdout).toContain(`retained s3://locked/${archives[0].key}: the delete was refused (AccessDenied): Object Lock (a retention period or a legal hold) protects it\n`);
    expect(result.code).toBe(0);
  });
});

describe('s3 lock over random buckets', () => {
  test('locks exactly the restorable archives with no retention in force and a retain-until date ahead, never shortens or weakens one', async () => {
    const fc = (await import('fast-check')).default;
    const RUNS = 150;
    const drew = { runs: 0, archives: 0, locked: 0, alreadyLocked: 0, compliance: 0, expired: 0, unrestorable: 0, tooOld: 0, unproven: 0 };
    const objectArb = fc.record({
      daysAgo: fc.integer({ min: 60, max: 60 * 86_400 }).map((seconds) => seconds / 86_400),
      body: fc.constantFrom('good', 'good', 'cut'),
      proven: fc.boolean(),
      retention: fc.oneof(
        { weight: 3, arbitrary: fc.constant(undefined) },
        { weight: 2, arbitrary: fc.record({ mode: fc.constantFrom<'GOVERNANCE' | 'COMPLIANCE'>('GOVERNANCE', 'COMPLIANCE'), inDays: fc.oneof(fc.integer({ min: -30 * 24, max: 0 }), fc.integer({ min: 1, max: 400 * 24 })).map((hours) => hours / 24) }) },
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(objectArb, { maxLength: 8, selector: (o) => Math.round((o.daysAgo * 86_400) / 5) }), fc.constantFrom<'GOVERNANCE' | 'COMPLIANCE'>('GOVERNANCE', 'COMPLIANCE'), fc.integer({ min: 1, max: 45 }), async (drawn, mode, days) => {
        const objects = server.buckets.get(LOCKED)!.objects;
        objects.clear();
        server.requests.length = 0;
        const now = Date.now();
        const placed = new Map<string, { uploaded: Date; before?: { mode: string; until: Date }; restorable: boolean; proven: boolean }>();
        for (const d of drawn) {
          const body = d.body === 'good' ? GZIP_STUB : TRUNCATED_STUB;
          const a = archive(LOCKED, d.daysAgo, body, d.proven && d.body === 'good');
          expect(placed.has(a.key)).toBe(false);
          const before = d.retention ? { mode: d.retention.mode, until: new Date(Math.floor((now + d.retention.inDays * DAY) / 1000) * 1000) } : undefined;
          objects.get(a.key)!.retention = before;
          placed.set(a.key, { uploaded: a.uploaded, before, restorable: d.body === 'good', proven: d.proven && d.body === 'good' });
        }
        const result = await run(env(LOCKED), 'lock', '--mode', mode, '--days', String(days));
        expect(result.code).toBe(0);
        const after = Date.now();
        let lockedNow = 0;
        let ambiguous = false;
        for (const [key, p] of placed) {
          const got = objects.get(key)!.retention;
          const inForce = p.before !== undefined && p.before.until.getTime() > now;
          const target = p.uploaded.getTime() + days * DAY;
          if (inForce) {
            // Never shortened, never weakened, never replaced.
            expect(got).toEqual(p.before);
            drew.alreadyLocked++;
            if (p.before!.mode === 'COMPLIANCE') drew.compliance++;
          } else if (target <= after && target <= now) {
            expect(got).toEqual(p.before);
            drew.tooOld++;
          } else if (!p.restorable) {
            expect(got).toEqual(p.before);
            drew.unrestorable++;
          } else if (target <= after) {
            // The clock passed the retain-until date while the command ran: either answer is right.
            ambiguous = true;
          } else {
            expect(got).toEqual({ mode, until: new Date(target) });
            drew.locked++;
            lockedNow++;
            if (!p.proven) drew.unproven++;
            if (p.before !== undefined) drew.expired++;
          }
        }
        expect(server.requests.filter((r) => 'x-amz-bypass-governance-retention' in r.headers)).toEqual([]);
        // Every PutObjectRetention the server was sent, it accepted: none tried to shorten a lock.
        if (!ambiguous) expect(server.requests.filter((r) => r.action === 'PutObjectRetention')).toHaveLength(lockedNow);
        drew.runs++;
        drew.archives += placed.size;
      }),
      { numRuns: RUNS, seed: 20261207 },
    );
    process.stdout.write(`lock property: ${JSON.stringify(drew)}\n`);
    expect(drew.runs).toBe(RUNS);
    for (const [name, count] of Object.entries(drew)) expect([name, count > 10]).toEqual([name, true]);
  }, 120_000);
});
