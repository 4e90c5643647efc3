/**
 * `s3 latest --max-age` and the heartbeat of `s3 latest`, `s3 verify` and
 * `s3 prune`, against s3rver (127.0.0.1) and a local HTTP server that captures
 * the pings: success is a GET of the URL, failure a POST to URL/fail whose body
 * is the error line, and a ping that fails never changes the exit code.
 */
import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { S3Client } from '@aws-sdk/client-s3';
import { durationFlag, formatAge, parseDuration } from '../../src/s3/duration';
import { InputError } from '../../src/input-error';
import { BUCKET, GZIP_STUB, TestServer, archiveName, buildArchive, closedPort, expectFailure, put, run, s3Env, silentServer, startServer, testClient } from './support';

jest.setTimeout(30_000);

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

beforeAll(async () => {
  server = await startServer([BUCKET]);
  client = testClient(server.endpoint);
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
});

beforeEach(() => {
  pings = [];
  status = 200;
});

afterAll(async () => {
  client?.destroy();
  await server?.close();
  await new Promise<void>((resolve) => hook.close(() => resolve()));
});

const env = (prefix: string, extra: Record<string, string | undefined> = {}) => s3Env(server.endpoint, { INFRAHUB_S3_PREFIX: prefix, ...extra });

describe('latest --max-age', () => {
  test('a fresh archive: exit 0, the URI, its age on stderr', async () => {
    const result = await run(env('fresh'), 'latest', '--max-age', '26h');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^s3:\/\/backups\/fresh\/infrahub_backup_\d{8}_\d{6}\.tar\.gz\n$/);
    expect(result.stderr).toMatch(/^the newest restorable archive is \d+s old \(uploaded \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\), within --max-age 26h\n$/);
  });

  test('older than --max-age: exit 1, one line stating the age', async () => {
    await put(client, `stale/${archiveName(new Date())}`, GZIP_STUB);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const result = await run(env('stale'), 'latest', '--accept-unproven', '--max-age', '1s');
    expectFailure(result, 1, [
      /^error: stale backup: the newest restorable archive, s3:\/\/backups\/stale\/infrahub_backup_\d{8}_\d{6}\.tar\.gz, is [2-9]s old \(uploaded \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\), older than --max-age 1s: check the backup CronJob's recent Jobs$/,
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

describe('heartbeat', () => {
  test('latest succeeds: a GET of the URL, logged', async () => {
    const result = await run(env('fresh'), 'latest', '--heartbeat-url', `${hookUrl}/ping/abc`);
    expect(result.code).toBe(0);
    expect(pings).toEqual([{ method: 'GET', url: '/ping/abc', body: '' }]);
    expect(result.stderr).toBe(`heartbeat: success reported to ${hookUrl}/…\n`);
  });

  test('latest fails (stale): a POST to URL/fail with the error line as body', async () => {
    await put(client, `stale2/${archiveName(new Date())}`, GZIP_STUB);
    await new Promise((resolve) => setTimeout(resolve, 1100));
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
