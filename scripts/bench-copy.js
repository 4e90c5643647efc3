#!/usr/bin/env node
/**
 * Peak memory and time of `s3 copy` between two S3 servers (two s3rver
 * processes on 127.0.0.1), for an archive of BENCH_DATA_MIB MiB (default 200)
 * and a small one of 8 MiB, the baseline: the same peak for both shows that
 * the copy holds a few parts, never the archive.
 *
 * Each archive is uploaded to the source as incompressible bytes behind a
 * gzip header, with a proof marker named after its size and ETag (what
 * `s3 verify` would record: the copy takes proven archives). Then, in a fresh
 * child process each (lib/s3/command.js, as the CLI runs it), `s3 copy` runs
 * to an empty destination; the child reports its exit code, wall time and
 * peak resident memory (VmHWM).
 *
 *   npm run bench:copy                   (builds first)
 *   BENCH_DATA_MIB=1024 node scripts/bench-copy.js   (after npm run build)
 *
 * It exits 1 when a copy fails or a peak RSS reaches 192 MiB.
 */
const { spawn, spawnSync } = require('child_process');
const { createCipheriv, createHash } = require('crypto');
const { mkdtempSync, rmSync } = require('fs');
const { tmpdir } = require('os');
const { join } = require('path');
const { createInterface } = require('readline');
const { Readable } = require('stream');

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = join(__dirname, '..');
const DATA_MIB = Number(process.env.BENCH_DATA_MIB ?? 200);
const SMALL_MIB = 8;
/**
 * The bound: about 100 MiB of a process with the SDK loaded, plus the parts
 * (QUEUE_SIZE uploading and one filling, each once as chunks and once joined),
 * plus what the collector has not yet returned.
 */
const LIMIT_MIB = 192;
const CHUNK = 1024 * 1024;
const ACCESS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

/** Starts s3rver with one bucket; resolves { endpoint, close }. */
function startServer(bucket) {
  const dir = mkdtempSync(join(tmpdir(), 'ibc-bench-copy-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', join(__dirname, 's3rver.js'), dir, bucket], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, S3RVER_LOG_REQUESTS: '0' },
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code})`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      const { port } = JSON.parse(line);
      resolve({
        endpoint: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) => {
            child.removeAllListeners('exit');
            child.once('exit', () => {
              rmSync(dir, { recursive: true, force: true });
              done();
            });
            child.stdin.end();
          }),
      });
    });
  });
}

/** `mib` MiB: a gzip header, then deterministic incompressible bytes (the copy reads no further than the ends of unproven archives). */
function archiveStream(mib, seed) {
  const cipher = createCipheriv('aes-256-ctr', createHash('sha256').update(seed).digest(), Buffer.alloc(16));
  const zeros = Buffer.alloc(CHUNK);
  let i = 0;
  return new Readable({
    read() {
      if (i === mib) return this.push(null);
      const chunk = cipher.update(zeros);
      if (i === 0) chunk.set([0x1f, 0x8b], 0);
      i++;
      this.push(chunk);
    },
  });
}

function client(endpoint) {
  const { S3Client } = require('@aws-sdk/client-s3');
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS.AWS_ACCESS_KEY_ID, secretAccessKey: ACCESS.AWS_SECRET_ACCESS_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Uploads a proven archive under `prefix`; returns its size. */
async function provenArchive(endpoint, bucket, prefix, name, mib) {
  const { HeadObjectCommand, PutObjectCommand } = require('@aws-sdk/client-s3');
  const { Upload } = require('@aws-sdk/lib-storage');
  const { proofKey } = require(join(root, 'lib', 's3', 'proofs'));
  const { parseArchiveName } = require(join(root, 'lib', 's3', 'archives'));
  const s3 = client(endpoint);
  const key = `${prefix}/${name}`;
  await new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: archiveStream(mib, name) }, partSize: 16 * CHUNK, queueSize: 2 }).done();
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  const marker = proofKey(`${prefix}/`, parseArchiveName(name), head.ContentLength, head.ETag);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: marker, Body: '{}' }));
  s3.destroy();
  return head.ContentLength;
}

const CHILD = `
  function peakRssKiB() {
    try {
      return Number(/VmHWM:\\s+(\\d+) kB/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]);
    } catch {
      return process.resourceUsage().maxRSS;
    }
  }
  const { runS3Cli } = require('./lib/s3/command');
  require('./lib/s3/copy');
  // The peak of the buffers outside the heap (the parts held), sampled.
  let arrayBuffers = 0;
  setInterval(() => (arrayBuffers = Math.max(arrayBuffers, process.memoryUsage().arrayBuffers)), 20).unref();
  (async () => {
    const started = process.hrtime.bigint();
    let stdout = '';
    let stderr = '';
    const code = await runS3Cli(['s3', 'copy'], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: process.env });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(JSON.stringify({ code, stdout, stderr, seconds, maxRssKiB: peakRssKiB(), arrayBuffersMiB: arrayBuffers / 1048576 }) + '\\n');
  })();
`;

function runCopy(source, destination, prefix) {
  const r = spawnSync(process.execPath, ['-e', CHILD], {
    cwd: root,
    encoding: 'utf8',
    env: {
      ...process.env,
      ...ACCESS,
      INFRAHUB_S3_ENDPOINT: source,
      INFRAHUB_S3_BUCKET: 'primary',
      INFRAHUB_S3_PREFIX: prefix,
      COPY_INFRAHUB_S3_ENDPOINT: destination,
      COPY_INFRAHUB_S3_BUCKET: 'secondary',
      COPY_INFRAHUB_S3_PREFIX: `copy-${prefix}`,
      COPY_AWS_ACCESS_KEY_ID: 'S3RVER',
      COPY_AWS_SECRET_ACCESS_KEY: 'S3RVER',
    },
    maxBuffer: 1 << 20,
  });
  const line = r.stdout.trim().split('\n').pop();
  if (!line) throw new Error(`the copy child failed: ${r.stderr}`);
  return JSON.parse(line);
}

async function main() {
  const [source, destination] = await Promise.all([startServer('primary'), startServer('secondary')]);
  let failed = false;
  try {
    const rows = [];
    for (const [label, prefix, mib] of [
      ['small', 'small', SMALL_MIB],
      ['large', 'large', DATA_MIB],
    ]) {
      const size = await provenArchive(source.endpoint, 'primary', prefix, 'infrahub_backup_20260102_030405.tar.gz', mib);
      const result = runCopy(source.endpoint, destination.endpoint, prefix);
      if (result.code !== 0) {
        failed = true;
        process.stderr.write(`copy of the ${label} archive exited ${result.code}: ${result.stderr}`);
      }
      const rss = result.maxRssKiB / 1024;
      if (rss >= LIMIT_MIB) failed = true;
      rows.push(`${label.padEnd(6)} ${String(Math.round(size / CHUNK)).padStart(6)} MiB  ${result.seconds.toFixed(1).padStart(6)} s  ${((size / CHUNK) / result.seconds).toFixed(1).padStart(6)} MiB/s  peak RSS ${rss.toFixed(1)} MiB (buffers ${result.arrayBuffersMiB.toFixed(1)} MiB)`);
    }
    process.stdout.write(`s3 copy (copy and read-back), Node.js ${process.version}, two s3rver processes on 127.0.0.1:\n${rows.join('\n')}\n`);
    if (failed) process.stdout.write(`FAILED: a copy failed or a peak RSS reached ${LIMIT_MIB} MiB\n`);
  } finally {
    await Promise.all([source.close(), destination.close()]);
  }
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
