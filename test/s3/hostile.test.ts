/**
 * Every S3 call is bounded, and a failure says what really happened: against a
 * local server that misbehaves as no real S3 server does (drips bytes, closes
 * or resets the connection, answers HTML, fails with 500/503, lists slowly
 * without end). Each run uses --timeout 1, so the command's deadline
 * (3 x --timeout unless --deadline says otherwise) is 3 s.
 */
import { HostileServer, Run, drip, expectFailure, httpAnswer, listingXml, run, s3Env, s3ErrorXml, withHostileServer } from './support';

jest.setTimeout(30_000);
// The cases mostly wait for the CLI's timeouts (a second at a time), each on
// its own server: they wait together.

const ARCHIVE = 'infrahub/infrahub_backup_20260101_000000.tar.gz';
const XML = { 'Content-Type': 'application/xml' };

async function timed(server: HostileServer, ...argv: string[]): Promise<Run & { seconds: number }> {
  const started = Date.now();
  const result = await run(s3Env(server.endpoint), ...argv);
  return { ...result, seconds: (Date.now() - started) / 1000 };
}

const withServer = withHostileServer;

const COMMANDS: string[][] = [['latest'], ['prune', '--keep-last', '1'], ['verify'], ['list']];

describe('a server that drips one byte every half second', () => {
  test.concurrent.each(COMMANDS)('the answer head: %s gives up after --timeout on each attempt', async (...command) => {
    await withServer(
      (_request, socket) => drip(socket, `HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 10\r\n\r\n<a></a>   `),
      async (server) => {
        const result = await timed(server, ...command, '--timeout', '1', '--deadline', '10');
        expectFailure(result, 1, [`error: timed out: ${server.endpoint} sent no answer within 1 s (--timeout) to list bucket "backups"`]);
        // Three attempts of 1 s and the back-off between them.
        expect(server.requests).toHaveLength(3);
        expect(result.seconds).toBeLessThan(8);
      },
    );
  });

  test.concurrent.each(COMMANDS)('the listing body: %s stops at the deadline', async (...command) => {
    await withServer(
      (_request, socket) => {
        const body = listingXml([{ key: ARCHIVE, size: 100 }]);
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
        drip(socket, body, 300);
      },
      async (server) => {
        const result = await timed(server, ...command, '--timeout', '1');
        expectFailure(result, 1, [`error: timed out: ${server.endpoint} did not finish listing bucket "backups" within the command's deadline of 3 s (--deadline; retries included)`]);
        expect(result.seconds).toBeLessThan(8);
      },
    );
  });

  test.concurrent('the archive body: verify stops at the deadline', async () => {
    await withServer(
      (request, socket) => {
        if (request.url.includes('list-type=2')) {
          socket.write(httpAnswer(200, listingXml([{ key: ARCHIVE, size: 100_000 }]), XML));
        } else if (request.headers.range === 'bytes=0-1') {
          socket.write(httpAnswer(206, Buffer.from([0x1f, 0x8b]), { 'Content-Range': 'bytes 0-1/100000' }));
        } else if (request.headers.range !== undefined) {
          // The gzip trailer: CRC-32, then ISIZE 10,240 (whole tar blocks).
          socket.write(httpAnswer(206, Buffer.from([0, 0, 0, 0, 0, 0x28, 0, 0]), { 'Content-Range': 'bytes 99992-99999/100000' }));
        } else {
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n');
          socket.write(Buffer.from([0x1f, 0x8b, 8, 0]));
          drip(socket, 'x'.repeat(1000), 300);
        }
      },
      async (server) => {
        const result = await timed(server, 'verify', '--timeout', '1', '--deadline', '3');
        expect(result.stderr).toContain(`error: timed out: ${server.endpoint} did not finish reading s3://backups/${ARCHIVE} within the command's deadline of 3 s (--deadline; retries included)\n`);
        expect(result.code).toBe(1);
        expect(result.seconds).toBeLessThan(8);
      },
    );
  });
});

test.concurrent('an archive body that goes silent: verify stops after --timeout of silence', async () => {
  await withServer(
    (_request, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n');
      socket.write(Buffer.from([0x1f, 0x8b, 8, 0]));
    },
    async (server) => {
      const result = await timed(server, 'verify', '--uri', `s3://backups/${ARCHIVE}`, '--timeout', '1', '--deadline', '20');
      expectFailure(result, 1, [
        `error: s3://backups/${ARCHIVE}: the download stopped after 4 B of 97.7 KiB: timed out: ${server.endpoint} went silent for 1 s (--timeout) while reading s3://backups/${ARCHIVE}`,
      ]);
      expect(result.seconds).toBeLessThan(6);
    },
  );
});

describe('the real cause', () => {
  test.concurrent.each(COMMANDS)('a connection closed without an answer: %s', async (...command) => {
    await withServer(
      (_request, socket) => socket.end(),
      async (server) => {
        const result = await timed(server, ...command, '--timeout', '1');
        expectFailure(result, 1, [
          `error: connection closed: 127.0.0.1:${server.endpoint.split(':')[2]} closed the connection without answering: check INFRAHUB_S3_ENDPOINT and that the S3 service is running and reachable from this pod (network policies, proxies)`,
        ]);
        expect(result.seconds).toBeLessThan(6);
      },
    );
  });

  test.concurrent.each(COMMANDS)('a connection reset: %s', async (...command) => {
    await withServer(
      (_request, socket) => socket.resetAndDestroy(),
      async (server) => {
        const result = await timed(server, ...command, '--timeout', '1');
        expectFailure(result, 1, [
          `error: connection reset: 127.0.0.1:${server.endpoint.split(':')[2]} reset the connection (ECONNRESET): check INFRAHUB_S3_ENDPOINT and that the S3 service is running and reachable from this pod (network policies, proxies)`,
        ]);
      },
    );
  });

  test.concurrent.each(COMMANDS)('an HTML page with 200: %s deletes nothing and fails', async (...command) => {
    await withServer(
      (_request, socket) => socket.write(httpAnswer(200, '<!DOCTYPE html>\n<html><head><title>Login</title></head><body><p>Please sign in<br></p></body></html>', { 'Content-Type': 'text/html; charset=utf-8' })),
      async (server) => {
        const result = await timed(server, ...command, '--timeout', '1');
        expectFailure(result, 1, [
          `error: not an S3 answer: ${server.endpoint} answered HTTP 200 (text/html; charset=utf-8) to list bucket "backups": check that INFRAHUB_S3_ENDPOINT is the S3 API, not a console, a login page or a website`,
        ]);
        expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
      },
    );
  });

  test.concurrent.each([
    ['no content type', '<html><body>It works!</body></html>', {}],
    ['an XML document that is not a listing', '<?xml version="1.0"?><status>ok</status>', { 'Content-Type': 'application/xml' }],
    ['an empty body', '', { 'Content-Type': 'application/xml' }],
  ])('200 with %s: not an S3 answer, nothing deleted', async (_label, body, headers) => {
    await withServer(
      (_request, socket) => socket.write(httpAnswer(200, body, headers)),
      async (server) => {
        const result = await timed(server, 'prune', '--keep-last', '1', '--timeout', '1');
        expectFailure(result, 1, [
          `error: not an S3 answer: ${server.endpoint} answered HTTP 200 to list bucket "backups": check that INFRAHUB_S3_ENDPOINT is the S3 API, not a console, a login page or a website`,
        ]);
        expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
      },
    );
  });

  test.concurrent('an HTML page with 500', async () => {
    await withServer(
      (_request, socket) => socket.write(httpAnswer(500, '<html><body><h1>500 Internal Server Error</h1></body></html>', { 'Content-Type': 'text/html' })),
      async (server) => {
        const result = await timed(server, 'prune', '--keep-last', '1', '--timeout', '1');
        expectFailure(result, 1, [
          `error: not an S3 answer: ${server.endpoint} answered HTTP 500 (text/html) to list bucket "backups": check that INFRAHUB_S3_ENDPOINT is the S3 API, not a console, a login page or a website`,
        ]);
        expect(result.seconds).toBeLessThan(6);
      },
    );
  });

  test.concurrent('503 SlowDown: retried within the deadline, then one line', async () => {
    await withServer(
      (_request, socket) => socket.write(httpAnswer(503, s3ErrorXml('SlowDown', 'Please reduce your request rate.'), XML)),
      async (server) => {
        const result = await timed(server, 'latest', '--timeout', '1');
        expectFailure(result, 1, [`error: cannot list bucket "backups": ${server.endpoint} answered 503 SlowDown: Please reduce your request rate.`]);
        expect(server.requests.length).toBeGreaterThan(1);
        expect(result.seconds).toBeLessThan(6);
      },
    );
  });

  test.concurrent('a listing that never ends, one slow page after another: stopped at the deadline, nothing deleted', async () => {
    let page = 0;
    await withServer(
      (_request, socket) => {
        const body = listingXml([{ key: `infrahub/infrahub_backup_2026010${(page % 9) + 1}_000000.tar.gz` }], { next: `token-${page++}` });
        setTimeout(() => socket.destroyed || socket.write(httpAnswer(200, body, XML)), 700);
      },
      async (server) => {
        const result = await timed(server, 'prune', '--keep-last', '1', '--timeout', '1');
        expectFailure(result, 1, [`error: timed out: ${server.endpoint} did not finish listing bucket "backups" within the command's deadline of 3 s (--deadline; retries included)`]);
        expect(server.requests.length).toBeGreaterThan(2);
        expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
      },
    );
  });
});

describe('--timeout and --deadline', () => {
  test.concurrent('the deadline includes the retries: three attempts of 1 s each do not fit in --deadline 2', async () => {
    await withServer(
      (_request, socket) => drip(socket, 'HTTP/1.1 200 OK\r\n'),
      async (server) => {
        const result = await timed(server, 'latest', '--timeout', '1', '--deadline', '2');
        expectFailure(result, 1, [`error: timed out: ${server.endpoint} did not finish listing bucket "backups" within the command's deadline of 2 s (--deadline; retries included)`]);
        expect(result.seconds).toBeLessThan(4);
      },
    );
  });

  test.concurrent.each(['0.0001', '0.5', '0', '-1', 'soon', '3601'])('--timeout %s is refused', async (value) => {
    expectFailure(await run(s3Env('http://127.0.0.1:9'), 'latest', '--timeout', value), 2, [
      `error: --timeout: "${value}" is not a number of seconds between 1 and 3600`,
    ]);
  });

  test.concurrent.each(['0.5', '0', 'later'])('--deadline %s is refused', async (value) => {
    expectFailure(await run(s3Env('http://127.0.0.1:9'), 'latest', '--deadline', value), 2, [
      `error: --deadline: "${value}" is not a number of seconds between 1 and 86400`,
    ]);
  });
});
