#!/usr/bin/env node
/**
 * Runs s3rver (a real S3-compatible server from npm) on 127.0.0.1 for the S3
 * tests and benchmarks: `node --openssl-legacy-provider scripts/s3rver.js DIR
 * [BUCKET,...] [PORT]`. Prints `{"port":N}` once listening, then one JSON line
 * per request received (`{"method":"POST","url":"/bucket?delete"}`). Stops when
 * its standard input closes (so it never outlives the process that started it)
 * or on SIGTERM.
 *
 * s3rver makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only
 * has in its legacy provider: hence the flag, and a process of its own.
 */
const S3rver = require('s3rver');

async function main() {
  const [directory, buckets = 'backups', port = '0'] = process.argv.slice(2);
  if (!directory) {
    process.stderr.write('usage: s3rver.js DIR [BUCKET,...] [PORT]\n');
    process.exit(2);
  }
  const server = new S3rver({
    address: '127.0.0.1',
    port: Number(port),
    silent: true,
    directory,
    configureBuckets: buckets
      .split(',')
      .filter((name) => name !== '')
      .map((name) => ({ name })),
  });
  const address = await server.run();
  const log = process.env.S3RVER_LOG_REQUESTS !== '0';
  if (log) {
    server.httpServer.on('request', (req) => process.stdout.write(`${JSON.stringify({ method: req.method, url: req.url })}\n`));
  }
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
  const stop = () => server.close().finally(() => process.exit(0));
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
}

main().catch((e) => {
  process.stderr.write(`s3rver: ${e.stack || e}\n`);
  process.exit(1);
});
