/**
 * Bounds that a hostile or broken endpoint must not get past: an endless
 * listing (pages and archives held are capped, with a clear error), a download
 * whose claimed size would buy days of deadline (a minimum throughput rule),
 * and truthful reports when the deadline cuts a command short (prune's count of
 * what it deleted, list --details naming a timeout).
 */
import { GZIP_STUB, HostileServer, Run, RunSettings, archiveName, buildArchive, drip, expectFailure, httpAnswer, listingXml, noise, run, runWith, s3Env, withHostileServer } from './support';
import { ListPage, MAX_LISTED_ARCHIVES, MAX_LISTING_PAGES, collectArchives } from '../../src/s3/listing';
import { archiveOf } from '../../src/s3/archives';
import { proofKey } from '../../src/s3/proofs';
import { MIN_THROUGHPUT_WINDOW_MS, throughputWindowMs } from '../../src/s3/throughput';

jest.setTimeout(60_000);

const XML = { 'Content-Type': 'application/xml' };
const ARCHIVE = 'infrahub/infrahub_backup_20260101_000000.tar.gz';

const withServer = withHostileServer;

/**
 * The throughput window of the runs that check the minimum-throughput rule: the rule's own code
 * (throughput.ts), with a window of 3 s instead of the CLI's 10 s (the longer of
 * MIN_THROUGHPUT_WINDOW_MS and --timeout, checked below), so that they do not wait 10 s a window.
 */
const WINDOW_MS = 3000;
const WINDOWED: RunSettings = { throughputWindowMs: WINDOW_MS };

async function timed(server: HostileServer, ...argv: string[]): Promise<Run & { seconds: number }> {
  return timedWith({}, server, ...argv);
}

async function timedWith(settings: RunSettings, server: HostileServer, ...argv: string[]): Promise<Run & { seconds: number }> {
  const started = Date.now();
  const result = await runWith(settings, s3Env(server.endpoint), ...argv);
  return { ...result, seconds: (Date.now() - started) / 1000 };
}

describe('an endless listing', () => {
  test('pages of 1,000 distinct archives without end: refused once more than the cap are held, long before the deadline', async () => {
    let page = 0;
    const base = Date.UTC(2020, 0, 1);
    await withServer(
      (_request, socket) => {
        const objects = Array.from({ length: 1000 }, (_, i) => ({ key: `infrahub/${archiveName(new Date(base + (page * 1000 + i) * 1000))}`, size: 100 }));
        socket.write(httpAnswer(200, listingXml(objects, { next: `token-${page++}` }), XML));
      },
      async (server) => {
        // --timeout 20: a deadline of 60 s, which the listing used to run into.
        const result = await timed(server, 'prune', '--keep-last', '1', '--timeout', '20');
        expectFailure(result, 1, [
          `error: listing too long: ${server.endpoint} listed more than 100,000 archives under s3://backups/infrahub/, more than a command reads (prune cannot thin it out either; a backup every 5 minutes kept for a year is that many): move the older archives under another prefix (aws s3 mv --recursive with --exclude/--include), then keep the rest in bounds with backup.retention`,
        ]);
        expect(page).toBe(MAX_LISTED_ARCHIVES / 1000 + 1);
        expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
        // The refusal comes from the cap, not from the deadline (the message says so); the time is only a guard.
        expect(result.seconds).toBeLessThan(58);
      },
    );
  });

  test('one key a page without end: refused after MAX_LISTING_PAGES pages; huge tokens are not held', async () => {
    let fetched = 0;
    const fetchPage = (): Promise<ListPage> => {
      fetched++;
      // A 64 KiB token each time: holding them all would be 640 MiB.
      return Promise.resolve({ Name: 'backups', KeyCount: 1, IsTruncated: true, NextContinuationToken: `${fetched}:${'t'.repeat(64 * 1024)}`, Contents: [{ Key: `infrahub/other-${fetched}` }] });
    };
    const before = process.memoryUsage().rss;
    await expect(collectArchives(fetchPage, 'infrahub/')).rejects.toThrow(`the listing has more than ${MAX_LISTING_PAGES.toLocaleString('en-US')} pages`);
    expect(fetched).toBe(MAX_LISTING_PAGES);
    // Holding the tokens would take 640 MiB.
    expect(process.memoryUsage().rss - before).toBeLessThan(400 * 1024 * 1024);
  });
});

describe('verify: the claimed size buys no time', () => {
  test("the CLI's throughput window: the longer of 10 s and --timeout (the tests below shorten it)", () => {
    expect(MIN_THROUGHPUT_WINDOW_MS).toBe(10_000);
    expect(throughputWindowMs(1000)).toBe(MIN_THROUGHPUT_WINDOW_MS);
    expect(throughputWindowMs(30_000)).toBe(30_000);
    expect(throughputWindowMs(1000, WINDOW_MS)).toBe(WINDOW_MS);
  });

  test('100 GB claimed, sent at 2 bytes a second: stopped after one throughput window, not days later', async () => {
    await withServer(
      (_request, socket) => {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\nETag: "x"\r\n\r\n`);
        // A gzip header, then a stored deflate block of 65,535 bytes: valid all along the drip.
        socket.write(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 0, 0xff, 0xff, 0, 0]));
        drip(socket, 'x'.repeat(10_000), 500);
      },
      async (server) => {
        const result = await timedWith(WINDOWED, server, 'verify', '--uri', `s3://backups/${ARCHIVE}`, '--timeout', '1');
        expectFailure(result, 1, [
          new RegExp(
            `^error: s3://backups/${ARCHIVE}: the download stopped after \\d+ B of 93\\.1 GiB: too slow: ${server.endpoint} sent \\d+ B in \\d+(\\.\\d+)? s while reading s3://backups/${ARCHIVE}, less than the 256\\.0 KiB/s a download must keep without --deadline: check the network path to the endpoint; for a link that is slow but steady, lower the floor with --min-rate \\(INFRAHUB_BACKUP_MIN_RATE, in KiB/s\\) or give --deadline$`,
          ),
        ]);
        // The time stated is the window measured: at least one window, less than 10 s more.
        const stated = Number(/ sent \d+ B in (\d+(?:\.\d+)?) s while /.exec(result.stderr)![1]);
        expect(stated).toBeGreaterThanOrEqual(WINDOW_MS / 1000);
        expect(stated).toBeLessThan(WINDOW_MS / 1000 + 10);
        expect(result.seconds).toBeGreaterThanOrEqual(WINDOW_MS / 1000);
        expect(result.seconds).toBeLessThan(WINDOW_MS / 1000 + 10);
      },
    );
  });
});

describe('verify: a slow but steady link', () => {
  test('an archive sent at 40 KiB/s (a far region) verifies once the floor is lowered with INFRAHUB_BACKUP_MIN_RATE, as extraEnv can in the verification CronJob', async () => {
    // About 4 s at 40 KiB/s: longer than a window.
    const archive = await buildArchive({ files: { 'database/neo4j.dump': noise(160 * 1024, 'slow'), 'prefect.dump': noise(1024, 'p') } });
    let timer: NodeJS.Timeout | undefined;
    await withServer(
      (request, socket) => {
        // The proof verify records once the archive passed: stored at once.
        if (request.method === 'PUT') return void socket.write(httpAnswer(200, '', { ETag: '"proof"' }));
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${archive.length}\r\nETag: "x"\r\n\r\n`);
        let sent = 0;
        timer = setInterval(() => {
          if (socket.destroyed) return clearInterval(timer);
          socket.write(archive.subarray(sent, sent + 4096));
          sent += 4096;
          if (sent >= archive.length) clearInterval(timer);
        }, 100);
      },
      async (server) => {
        const started = Date.now();
        const result = await runWith(WINDOWED, s3Env(server.endpoint, { INFRAHUB_BACKUP_MIN_RATE: '16' }), 'verify', '--uri', `s3://backups/${ARCHIVE}`, '--timeout', '1');
        expect(result.stderr).not.toMatch(/too slow/);
        expect(result.code).toBe(0);
        expect(result.stdout).toContain(`verified: s3://backups/${ARCHIVE}`);
        // Longer than one throughput window: the floor was measured and passed.
        expect(Date.now() - started).toBeGreaterThan(WINDOW_MS);
      },
    );
    clearInterval(timer);
  });

  test('--min-rate below 1 KiB/s, or not a number, is bad input (a floor of 0 would let a server drip forever)', async () => {
    for (const bad of ['0', '-5', 'fast', '0.5']) {
      const result = await run(s3Env('http://127.0.0.1:9'), 'verify', '--uri', `s3://backups/${ARCHIVE}`, '--min-rate', bad);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^error: --min-rate: /);
    }
  });
});

/**
 * The listing with a proof marker beside its first (newest) archive, bound to its size and the
 * ETag "x" every listed object has: prune counts only proven archives.
 */
function withNewestProven(objects: Array<{ key: string; size: number }>): Array<{ key: string; size: number }> {
  const newest = archiveOf(objects[0].key, 'infrahub/')!;
  return [...objects, { key: proofKey('infrahub/', newest, objects[0].size, '"x"')!, size: 100 }];
}

// These mostly wait for their deadlines, each on its own server: they wait together, beside the tests above.
describe('reports under a deadline', () => {
  test.concurrent('prune: a batch whose answer never arrives is reported as possibly deleted, not "deleted 0"', async () => {
    const base = Date.UTC(2025, 0, 1);
    // The newest first in the listing; 1,000 older ones to delete.
    const objects = Array.from({ length: 1001 }, (_, i) => ({ key: `infrahub/${archiveName(new Date(base - i * 3_600_000))}`, size: GZIP_STUB.length }));
    await withServer(
      (request, socket) => {
        if (request.url.includes('list-type=2')) socket.write(httpAnswer(200, listingXml(withNewestProven(objects)), XML));
        else if (request.method === 'GET') socket.write(httpAnswer(206, GZIP_STUB, { 'Content-Range': `bytes 0-${GZIP_STUB.length - 1}/${GZIP_STUB.length}`, ETag: '"x"' }));
        // POST ?delete: the server deletes and its answer is lost.
      },
      async (server) => {
        const result = await timed(server, 'prune', '--keep-last', '1', '--timeout', '1');
        expect(result.code).toBe(1);
        expect(server.requests.filter((r) => r.method === 'POST').length).toBeGreaterThan(0);
        expect(result.stderr).not.toMatch(/deleted 0 of 1000 archives before the failure/);
        expect(result.stderr).toContain(
          `deleted 0 of 1000 archives for certain before the failure; the 1000 of the batch in flight (s3://backups/${objects[1].key} to s3://backups/${objects[1000].key}) may be deleted or not: list the prefix (s3 list) to see what remains\n`,
        );
      },
    );
  });

  test.concurrent.each([
    ['500 InternalError (retried, each attempt may have deleted)', () => httpAnswer(500, '<?xml version="1.0"?><Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>', XML)],
    ['200 with an unreadable body (the batch was carried out, its answer is lost)', () => httpAnswer(200, '<?xml version="1.0"?><DeleteResult><Deleted><Key>', XML)],
  ])('prune: a delete batch answered %s is reported as possibly deleted, not "deleted 0"', async (_label, answer) => {
    const base = Date.UTC(2025, 0, 1);
    const objects = Array.from({ length: 11 }, (_, i) => ({ key: `infrahub/${archiveName(new Date(base - i * 3_600_000))}`, size: GZIP_STUB.length }));
    await withServer(
      (request, socket) => {
        if (request.url.includes('list-type=2')) socket.write(httpAnswer(200, listingXml(withNewestProven(objects)), XML));
        else if (request.method === 'GET') socket.write(httpAnswer(206, GZIP_STUB, { 'Content-Range': `bytes 0-${GZIP_STUB.length - 1}/${GZIP_STUB.length}`, ETag: '"x"' }));
        else socket.write(answer());
      },
      async (server) => {
        const result = await timed(server, 'prune', '--keep-last', '1', '--timeout', '2');
        expect(result.code).toBe(1);
        expect(result.stderr).not.toMatch(/deleted 0 of 10 archives before the failure/);
        expect(result.stderr).toContain('deleted 0 of 10 archives for certain before the failure; the 10 of the batch in flight');
      },
    );
  });

  test.concurrent('list --details: an archive cut by the deadline says timed out, not "aborted"', async () => {
    await withServer(
      (request, socket) => {
        if (request.url.includes('list-type=2')) {
          socket.write(httpAnswer(200, listingXml([{ key: ARCHIVE, size: 100_000 }]), XML));
        } else {
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n');
          socket.write(Buffer.from([0x1f, 0x8b, 8, 0]));
          drip(socket, 'x'.repeat(1000), 300);
        }
      },
      async (server) => {
        const result = await timed(server, 'list', '--details', '--timeout', '1', '--deadline', '3');
        expect(result.stdout).not.toMatch(/aborted/i);
        expect(result.stdout).toMatch(
          new RegExp(`  metadata unavailable: the download stopped after \\d+ B of 97\\.7 KiB: timed out: ${server.endpoint} did not finish reading s3://backups/${ARCHIVE} within the command's deadline of 3 s`),
        );
        expect(result.seconds).toBeLessThan(8);
      },
    );
  });
});
