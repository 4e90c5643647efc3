/**
 * `s3 latest --max-age` and the heartbeat of `s3 latest`, `s3 verify` and
 * `s3 prune`, against s3rver (127.0.0.1) and a local HTTP server that captures
 * the pings: success is a GET of the URL, failure a POST to URL/fail whose body
 * is the error line, and a ping that fails never changes the exit code.
 */
import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { S3Client } from '@aws-sdk/client-s3';
import * as fc from 'fast-check';
import { durationFlag, formatAge, parseDuration } from '../../src/s3/duration';
import { backupAge } from '../../src/s3/freshness';
import { InputError } from '../../src/input-error';
import { BUCKET, GZIP_STUB, TestServer, archiveName, buildArchive, closedPort, expectFailure, put, run, s3Env, silentServer, testClient, useS3Server } from './support';

jest.setTimeout(30_000);

const s3 = useS3Server([BUCKET]);

let server: TestServer;
let client: S3Client;

interface Ping {
  method: string;
  url: string;
  body: string;
}

let pings: Ping[] = [];
let status = 200;
let hook: Server;
let hookUrl: string;
/** When the archives that must grow older than --max-age 1s were uploaded (first, so that the rest of the setup waits for them). */
let staleUploaded: number;

/** Waits until `ms` have passed since the stale archives were uploaded. */
const staleFor = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, staleUploaded + ms - Date.now())));

beforeAll(async () => {
  server = s3();
  client = testClient(server.endpoint);
  await put(client, `stale/${archiveName(new Date())}`, GZIP_STUB);
  await put(client, `stale2/${archiveName(new Date())}`, GZIP_STUB);
  staleUploaded = Date.now();
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      pings.push({ method: req.method ?? '', url: req.url ?? '', body });
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end('OK');
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', () => resolve()));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
  // A fresh, good archive under "fresh"; a broken one alone under "broken".
  const fresh = `fresh/${archiveName(new Date())}`;
  await put(client, fresh, await buildArchive());
  // Proven, as the verification CronJob would: latest and prune trust only proven archives.
  expect((await run(s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: 'fresh' }), 'verify', '--uri', `s3://${BUCKET}/${fresh}`)).code).toBe(0);
  await put(client, 'broken/infrahub_backup_20260101_000000.tar.gz', 'not gzip');
  // Backups stopped ten days ago: the newest archive is good, and old (named then; s3rver dates every upload now).
  await put(client, `stopped/${archiveName(new Date(Date.now() - 10 * 86_400_000))}`, await buildArchive());
  // Named three days ago, uploaded now (a copy, a re-upload).
  await put(client, `renamed/${archiveName(new Date(Date.now() - 3 * 86_400_000))}`, GZIP_STUB);
});

beforeEach(() => {
  pings = [];
  status = 200;
});

afterAll(async () => {
  client?.destroy();
  await new Promise<void>((resolve) => hook.close(() => resolve()));
});

// The pods get the maximum age a success ping vouches for with the heartbeat URL.
const env = (prefix: string, extra: Record<string, string | undefined> = {}) =>
  s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: prefix, INFRAHUB_BACKUP_HEARTBEAT_MAX_AGE: '26h', ...extra });

describe('latest --max-age', () => {
  test('a fresh archive: exit 0, the URI, its age on stderr', async () => {
    const result = await run(env('fresh'), 'latest', '--max-age', '26h');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^s3:\/\/backups\/fresh\/infrahub_backup_\d{8}_\d{6}\.tar\.gz\n$/);
    expect(result.stderr).toMatch(/^the newest restorable archive is \d+s old \((?:uploaded|named) \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\), within --max-age 26h\n$/);
  });

  test('older than --max-age: exit 1, one line stating the age', async () => {
    await staleFor(2100);
    const result = await run(env('stale'), 'latest', '--accept-unproven', '--max-age', '1s');
    expectFailure(result, 1, [
      /^error: stale backup: the newest restorable archive, s3:\/\/backups\/stale\/infrahub_backup_\d{8}_\d{6}\.tar\.gz, is (?:[2-9]|[1-9]\d+)s old \((?:uploaded|named) \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\), older than --max-age 1s: check the backup CronJob's recent Jobs$/,
    ]);
  });

  test('no proven archive at all fails too', async () => {
    expectFailure(await run(env('broken'), 'latest', '--max-age', '26h'), 1, [/^error: no proven archive: /], { allowOther: true });
    expectFailure(await run(env('broken'), 'latest', '--accept-unproven', '--max-age', '26h'), 1, [/^error: no restorable archive: /], { allowOther: true });
  });

  test.each(['1.5h', '1h30', 'h', '', '30m1h', '0', '0s', '-1d', '1y', '1d 2h', '26H'])('--max-age "%s" is refused before any request', async (value) => {
    await server.flush();
    const before = server.requests.length;
    expectFailure(await run(env('fresh'), 'latest', '--max-age', value), 2, [
      `error: --max-age: "${value}" is not a duration: whole numbers with units w, d, h, m, s in that order, like 26h, 1d2h, 90m or 2w`,
    ]);
    await server.flush();
    expect(server.requests.length).toBe(before);
  });

  test('durations as Prometheus writes them', () => {
    expect(parseDuration('26h')).toBe(26 * 3_600_000);
    expect(parseDuration('1d2h')).toBe(26 * 3_600_000);
    expect(parseDuration('90m')).toBe(90 * 60_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(parseDuration('1w2d3h4m5s')).toBe(((((7 + 2) * 24 + 3) * 60 + 4) * 60 + 5) * 1000);
    expect(() => durationFlag('2h1d', '--max-age')).toThrow(InputError);
    expect(formatAge(93_784_000)).toBe('1d 2h 3m 4s');
    expect(formatAge(0)).toBe('0s');
  });
});

describe("a backup's age is the older of its name and its upload", () => {
  test('named three days ago, uploaded now: older than --max-age 26h', async () => {
    expectFailure(await run(env('renamed'), 'latest', '--accept-unproven', '--max-age', '26h'), 1, [
      /^error: stale backup: the newest restorable archive, s3:\/\/backups\/renamed\/infrahub_backup_\d{8}_\d{6}\.tar\.gz, is 3d( \d+s)? old \(named \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\), older than --max-age 26h: check the backup CronJob's recent Jobs$/,
    ]);
  });

  test('the rule: the older time; a future name counts for nothing', () => {
    const now = new Date('2026-03-10T12:00:00Z');
    const hours = (h: number) => new Date(now.getTime() - h * 3_600_000);
    // Uploaded 30 h ago under a name 16 h old: 30 h.
    expect(backupAge({ createdAt: hours(16), lastModified: hours(30) }, now)).toEqual({ ms: 30 * 3_600_000, text: '1d 6h', source: 'uploaded 2026-03-09T06:00:00Z' });
    // Named 3 days ago, uploaded now: 3 days.
    expect(backupAge({ createdAt: hours(72), lastModified: now }, now)).toMatchObject({ ms: 72 * 3_600_000, source: 'named 2026-03-07T12:00:00Z' });
    // Named in the future: the upload.
    expect(backupAge({ createdAt: hours(-5), lastModified: hours(2) }, now)).toMatchObject({ ms: 2 * 3_600_000, source: 'uploaded 2026-03-10T10:00:00Z' });
    // No upload time: the name, never negative.
    expect(backupAge({ createdAt: hours(-5), lastModified: undefined }, now).ms).toBe(0);
    let drawn = 0;
    fc.assert(
      fc.property(fc.integer({ min: -100, max: 1000 }), fc.integer({ min: 0, max: 1000 }), (named, uploaded) => {
        drawn++;
        const age = backupAge({ createdAt: hours(named), lastModified: hours(uploaded) }, now).ms;
        return age === (named < 0 ? uploaded : Math.max(named, uploaded)) * 3_600_000;
      }),
      { numRuns: 300 },
    );
    expect(drawn).toBe(300);
  });
});

describe('a success ping means a restorable archive younger than the maximum age exists', () => {
  test.each([
    ['verify', ['verify']],
    ['verify --latest', ['verify', '--latest']],
    ['prune', ['prune', '--keep-last', '1']],
    ['latest (without --max-age)', ['latest']],
  ])('%s with a 10-day-old newest archive: the command succeeds, the ping reports the stale backup', async (_label, argv) => {
    const result = await run(env('stopped'), ...argv, '--heartbeat-url', `${hookUrl}/h`);
    expect(result.code).toBe(0);
    expect(pings).toHaveLength(1);
    expect(pings[0].method).toBe('POST');
    expect(pings[0].url).toBe('/h/fail');
    expect(pings[0].body).toMatch(
      /^error: stale backup: the newest restorable archive, s3:\/\/backups\/stopped\/infrahub_backup_\d{8}_\d{6}\.tar\.gz, is 10d( \d+s)? old \(named [-\dT:Z]+\), older than the heartbeat's maximum age 26h: /,
    );
    expect(result.stderr).toContain(`warning: heartbeat: ${pings[0].body.slice('error: '.length)}: the ping reports a failure; the exit code is unchanged\n`);
  });

  test('--heartbeat-max-age wins over the environment', async () => {
    const result = await run(env('stopped'), 'verify', '--heartbeat-url', `${hookUrl}/h`, '--heartbeat-max-age', '2w');
    expect(result.code).toBe(0);
    expect(pings).toEqual([{ method: 'GET', url: '/h', body: '' }]);
  });

  test('a heartbeat without a maximum age is refused: it could only say that the command ran', async () => {
    const result = await run(env('fresh', { INFRAHUB_BACKUP_HEARTBEAT_MAX_AGE: undefined }), 'prune', '--keep-last', '1', '--heartbeat-url', `${hookUrl}/h`);
    expectFailure(result, 2, [
      '--heartbeat-url needs the maximum age a success ping vouches for: give --heartbeat-max-age (or INFRAHUB_BACKUP_HEARTBEAT_MAX_AGE), like 26h: a success ping means that a restorable archive younger than it exists',
    ].map((l) => `error: ${l}`), { allowOther: true });
    expect(pings.map((p) => p.method)).toEqual(['POST']);
    // latest takes its own --max-age.
    expect((await run(env('fresh', { INFRAHUB_BACKUP_HEARTBEAT_MAX_AGE: undefined }), 'latest', '--max-age', '26h', '--heartbeat-url', `${hookUrl}/h`)).code).toBe(0);
    expect(pings.map((p) => p.method)).toEqual(['POST', 'GET']);
  });
});

describe('heartbeat', () => {
  test('latest succeeds: a GET of the URL, logged', async () => {
    const result = await run(env('fresh'), 'latest', '--heartbeat-url', `${hookUrl}/ping/abc`);
    expect(result.code).toBe(0);
    expect(pings).toEqual([{ method: 'GET', url: '/ping/abc', body: '' }]);
    expect(result.stderr).toBe(`heartbeat: success reported to ${hookUrl}/…\n`);
  });

  test('latest fails (stale): a POST to URL/fail with the error line as body', async () => {
    await staleFor(1100);
    const result = await run(env('stale2', { INFRAHUB_BACKUP_HEARTBEAT_URL: `${hookUrl}/ping/abc/` }), 'latest', '--accept-unproven', '--max-age', '1s');
    expect(result.code).toBe(1);
    const errorLine = result.stderr.split('\n').find((l) => l.startsWith('error: '))!;
    expect(errorLine).toMatch(/^error: stale backup: /);
    expect(pings).toEqual([{ method: 'POST', url: '/ping/abc/fail', body: errorLine }]);
    expect(result.stderr.endsWith(`heartbeat: failure reported to ${hookUrl}/…\n`)).toBe(true);
  });

  test('the flag wins over the environment', async () => {
    await run(env('fresh', { INFRAHUB_BACKUP_HEARTBEAT_URL: `${hookUrl}/from-env` }), 'latest', '--heartbeat-url', `${hookUrl}/from-flag`);
    expect(pings.map((p) => p.url)).toEqual(['/from-flag']);
    await run(env('fresh', { INFRAHUB_BACKUP_HEARTBEAT_URL: `${hookUrl}/from-env` }), 'latest');
    expect(pings.map((p) => p.url)).toEqual(['/from-flag', '/from-env']);
  });

  test('verify: success and failure', async () => {
    const good = await run(env('fresh'), 'verify', '--heartbeat-url', `${hookUrl}/v`);
    expect(good.code).toBe(0);
    const bad = await run(env('broken'), 'verify', '--uri', 's3://backups/broken/infrahub_backup_20260101_000000.tar.gz', '--heartbeat-url', `${hookUrl}/v`);
    expect(bad.code).toBe(1);
    expect(pings).toEqual([
      { method: 'GET', url: '/v', body: '' },
      { method: 'POST', url: '/v/fail', body: 'error: s3://backups/broken/infrahub_backup_20260101_000000.tar.gz: not a gzip file (it starts with byte 0x6e): it is not an archive the backup image wrote' },
    ]);
  });

  test('prune: success and failure (nothing proven)', async () => {
    expect((await run(env('fresh'), 'prune', '--keep-last', '1', '--heartbeat-url', `${hookUrl}/p`)).code).toBe(0);
    const bad = await run(env('broken'), 'prune', '--keep-last', '1', '--heartbeat-url', `${hookUrl}/p`);
    expect(bad.code).toBe(1);
    expect(pings.map((p) => [p.method, p.url])).toEqual([
      ['GET', '/p'],
      ['POST', '/p/fail'],
    ]);
    expect(pings[1].body).toMatch(/^error: no proven archive: none of the 1 archives under s3:\/\/backups\/broken\/ /);
  });

  test('bad input is a failure too: exit 2 and a failure ping', async () => {
    const result = await run(env('fresh'), 'prune', '--keep-last', '0', '--heartbeat-url', `${hookUrl}/p`);
    expect(result.code).toBe(2);
    expect(pings).toEqual([{ method: 'POST', url: '/p/fail', body: 'error: --keep-last: "0" is not a whole number of at least 1' }]);
  });

  test('a heartbeat URL that is not http(s): exit 2 before any request', async () => {
    await server.flush();
    const before = server.requests.length;
    expectFailure(await run(env('fresh'), 'latest', '--heartbeat-url', 'ftp://example.com/x'), 2, ['error: --heartbeat-url: the URL must start with http:// or https://']);
    expectFailure(await run(env('fresh', { INFRAHUB_BACKUP_HEARTBEAT_URL: 'not a url' }), 'latest'), 2, [
      'error: INFRAHUB_BACKUP_HEARTBEAT_URL: not a URL: give an http:// or https:// URL, like https://hc-ping.com/<uuid>',
    ]);
    await server.flush();
    expect(server.requests.length).toBe(before);
  });

  describe('a ping that fails never changes the exit code', () => {
    test('unreachable (a closed port)', async () => {
      const port = await closedPort();
      const ok = await run(env('fresh'), 'latest', '--heartbeat-url', `http://127.0.0.1:${port}/x`);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/^s3:\/\/backups\/fresh\//);
      expect(ok.stderr).toBe(`warning: heartbeat: the success ping to http://127.0.0.1:${port}/… failed (ECONNREFUSED); the exit code is unchanged\n`);
      const failed = await run(env('broken'), 'latest', '--heartbeat-url', `http://127.0.0.1:${port}/x`);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain(`warning: heartbeat: the failure ping to http://127.0.0.1:${port}/… failed (ECONNREFUSED); the exit code is unchanged\n`);
    });

    test('an error answer', async () => {
      status = 500;
      const result = await run(env('fresh'), 'latest', '--heartbeat-url', `${hookUrl}/x`);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe(`warning: heartbeat: ${hookUrl}/… answered HTTP 500 to the success ping; the exit code is unchanged\n`);
    });

    test('no answer at all: bounded to 5 s', async () => {
      const silent = await silentServer();
      try {
        const started = Date.now();
        const result = await run(env('fresh'), 'latest', '--heartbeat-url', `${silent.endpoint}/x`);
        expect(result.code).toBe(0);
        expect(result.stderr).toBe(`warning: heartbeat: the success ping to ${silent.endpoint}/… failed (no answer within 5 s); the exit code is unchanged\n`);
        expect(Date.now() - started).toBeLessThan(8000);
      } finally {
        await silent.close();
      }
    });
  });
});
