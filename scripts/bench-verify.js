#!/usr/bin/env node
/**
 * Throughput and peak memory of `s3 verify` on an archive of more than 1 GiB,
 * against a plain download of the same object from the same server.
 *
 * Starts s3rver (scripts/s3rver.js) on 127.0.0.1 in a temporary folder, builds
 * an archive in the backup image's layout on the fly (backup/backup_information.json
 * first, then a data file of incompressible bytes, generated twice from the same
 * AES-CTR key stream: once to hash it, once to archive it) and streams it through
 * gzip into a multipart upload, so this script holds only a few parts in memory.
 * A second, small archive is verified too, as the baseline of peak memory.
 * Then, each in a fresh child process, RUNS times in turn:
 *   download: GetObject with the same client as the commands, body piped to /dev/null;
 *   verify:   `s3 verify --uri ...` (lib/s3/command.js, as the CLI runs it).
 * Each child reports its wall time and its peak resident memory (VmHWM).
 *
 * Then the hostile archives of scripts/verify-corpus.js: 1,000,000 empty
 * entries, a 16 GiB gzip bomb, 6 MB of 4 MiB PAX headers and a 16 MiB
 * metadata file of `[{},{},…]`, each uploaded to the same server and checked
 * by `s3 verify` in a fresh process (verdict, time, peak RSS), and each checked
 * by checkArchive alone from a generated stream, with two more kinds (one-byte
 * files under non-canonical names, 4,000-byte names).
 *
 *   npm run bench:verify                 (builds first)
 *   BENCH_DATA_MIB=2048 RUNS=3 npm run bench:verify
 *   BENCH_ONLY=corpus npm run bench:verify   (the hostile archives only)
 *
 * It exits 1 when verify streams at less than 80 % of the plain download's
 * rate, or when a peak RSS of verify reaches 150 MiB.
 */
const { spawn, spawnSync } = require('child_process');
const { median } = require('./bench-common');
const { createCipheriv, createHash, randomBytes } = require('crypto');
const { mkdtempSync, rmSync } = require('fs');
const { tmpdir } = require('os');
const { join } = require('path');
const { createInterface } = require('readline');
const { createGzip } = require('zlib');

// The SDK's notice that its 2027 releases need node 22 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = join(__dirname, '..');
const DATA_MIB = Number(process.env.BENCH_DATA_MIB ?? 1100);
/** A small archive too: the same peak memory for both shows it does not grow with the size. */
const SMALL_MIB = 32;
const RUNS = Number(process.env.RUNS ?? 2);
const BUCKET = 'bench';
const KEY = 'infrahub/infrahub_backup_20260102_030405.tar.gz';
const SMALL_KEY = 'small/infrahub_backup_20260101_000000.tar.gz';
const CHUNK = 1024 * 1024;
const ACCESS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

/** `n` MiB of deterministic incompressible bytes, 1 MiB at a time. */
function* keystream(n, seed) {
  const cipher = createCipheriv('aes-256-ctr', createHash('sha256').update(seed).digest(), Buffer.alloc(16));
  const zeros = Buffer.alloc(CHUNK);
  for (let i = 0; i < n; i++) yield cipher.update(zeros);
}

function sha256Of(n, seed) {
  const hash = createHash('sha256');
  for (const chunk of keystream(n, seed)) hash.update(chunk);
  return hash.digest('hex');
}

function formatMiB(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function startS3rver(dir) {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', join(__dirname, 's3rver.js'), dir, BUCKET], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, S3RVER_LOG_REQUESTS: '0' },
  });
  const port = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code})`)));
    createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line).port));
  });
  return { child, endpoint: `http://127.0.0.1:${port}` };
}

/** Builds the archive as a stream and uploads it in parts; returns its size. */
async function uploadArchive(endpoint, key, dataMiB) {
  const tar = require('tar-stream');

  const prefect = randomBytes(256 * 1024);
  const dataSha = sha256Of(dataMiB, 'neo4j');
  const metadata = JSON.stringify(
    {
      metadata_version: 2025111200,
      backup_id: 'infrahub_backup_20260102_030405',
      created_at: '2026-01-02T03:04:05Z',
      tool_version: 'bench',
      infrahub_version: 'bench',
      components: ['database', 'task-manager-db'],
      checksums: { 'database/neo4j.dump': dataSha, 'prefect.dump': createHash('sha256').update(prefect).digest('hex') },
      neo4j_edition: 'community',
      redacted: false,
      encrypted: false,
    },
    null,
    4,
  );

  const pack = tar.pack();
  const gzip = createGzip({ level: 1 });
  pack.pipe(gzip);
  const produce = (async () => {
    const mtime = new Date('2026-01-02T03:04:05Z');
    pack.entry({ name: 'backup/', type: 'directory', mtime });
    pack.entry({ name: 'backup/backup_information.json', mtime }, metadata);
    pack.entry({ name: 'backup/database/', type: 'directory', mtime });
    await new Promise((resolve, reject) => {
      const entry = pack.entry({ name: 'backup/database/neo4j.dump', size: dataMiB * CHUNK, mtime }, (e) => (e ? reject(e) : resolve()));
      const chunks = keystream(dataMiB, 'neo4j');
      const write = () => {
        for (;;) {
          const next = chunks.next();
          if (next.done) return entry.end();
          if (!entry.write(next.value)) return entry.once('drain', write);
        }
      };
      write();
    });
    pack.entry({ name: 'backup/prefect.dump', mtime }, prefect);
    pack.finalize();
  })();

  const [, size] = await Promise.all([produce, uploadStream(endpoint, key, gzip, 64 * 1024 * 1024)]);
  return size;
}

/** The child processes: each prints one JSON line with its result. */
const PEAK_RSS = `
    // VmHWM: the peak resident memory of this process image. Not
    // resourceUsage().maxRSS: on Linux a spawned child starts with the maxRSS of
    // the process that forked it, so it would report this script's own peak.
    function peakRssKiB() {
      try {
        return Number(/VmHWM:\\s+(\\d+) kB/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]);
      } catch {
        return process.resourceUsage().maxRSS;
      }
    }
`;
const CHILD = {
  download: `
    const { GetObjectCommand } = require('@aws-sdk/client-s3');
    const { createWriteStream } = require('fs');
    const { pipeline } = require('stream/promises');
    const { createS3Client } = require('./lib/s3/client');
    const { resolveSettings } = require('./lib/s3/config');
    (async () => {
      const started = process.hrtime.bigint();
      const client = createS3Client(resolveSettings({}, process.env, { needBucket: true }));
      const out = await client.send(new GetObjectCommand({ Bucket: process.env.INFRAHUB_S3_BUCKET, Key: process.env.BENCH_KEY }));
      let bytes = 0;
      out.Body.on('data', (c) => (bytes += c.length));
      await pipeline(out.Body, createWriteStream('/dev/null'));
      client.destroy();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      process.stdout.write(JSON.stringify({ code: 0, bytes, seconds, maxRssKiB: peakRssKiB() }) + '\\n');
    })().catch((e) => { process.stderr.write(String(e) + '\\n'); process.exit(1); });
  `,
  verify: `
    const { runS3Cli } = require('./lib/s3/command');
    require('./lib/s3/verify'); // loaded before the clock starts, as the download child loads the SDK
    (async () => {
      const started = process.hrtime.bigint();
      let stdout = '';
      let stderr = '';
      const code = await runS3Cli(['s3', 'verify', '--uri', 's3://' + process.env.INFRAHUB_S3_BUCKET + '/' + process.env.BENCH_KEY],
        { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: process.env });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      process.stdout.write(JSON.stringify({ code, stdout, stderr, seconds, maxRssKiB: peakRssKiB() }) + '\\n');
    })();
  `,
};

/** Uploads a stream in parts; returns its size. */
async function uploadStream(endpoint, key, body, partSize = 16 * 1024 * 1024) {
  const { S3Client } = require('@aws-sdk/client-s3');
  const { Upload } = require('@aws-sdk/lib-storage');
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS.AWS_ACCESS_KEY_ID, secretAccessKey: ACCESS.AWS_SECRET_ACCESS_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  let size = 0;
  body.on('data', (c) => (size += c.length));
  await new Upload({ client, params: { Bucket: BUCKET, Key: key, Body: body }, partSize, queueSize: 2 }).done();
  client.destroy();
  return size;
}

/** `s3 verify` of a hostile archive in a fresh process: it must fail (exit 1); returns the verdict line, time and peak RSS. */
function runHostile(endpoint, key) {
  const r = spawnSync(process.execPath, ['-e', PEAK_RSS + CHILD.verify], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...ACCESS, INFRAHUB_S3_ENDPOINT: endpoint, INFRAHUB_S3_BUCKET: BUCKET, BENCH_KEY: key, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    maxBuffer: 1 << 20,
  });
  const result = JSON.parse(r.stdout.trim().split('\n').pop());
  if (result.code !== 1) throw new Error(`verify of ${key} exited ${result.code}: ${result.stdout}${result.stderr}`);
  return { line: result.stderr.trim().split('\n').pop(), seconds: result.seconds, rss: result.maxRssKiB / 1024 };
}

/** checkArchive alone on a generated stream (scripts/verify-corpus.js child). */
function runCorpusChild(kind) {
  const r = spawnSync(process.execPath, [join(__dirname, 'verify-corpus.js'), 'child', kind, 'lib/s3/archive-check.js'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`corpus child ${kind} failed: ${r.stderr}`);
  const result = JSON.parse(r.stdout.trim());
  return { line: result.lines[0], seconds: result.seconds, rss: result.peakRssKiB / 1024 };
}

async function corpusSection(endpoint) {
  const { manyEntries, gzipBomb, paxFlood, metadataFlood } = require('./verify-corpus.js');
  const { Readable } = require('stream');
  const t0 = Date.now();
  const entriesKey = 'corpus/infrahub_backup_20260103_000000.tar.gz';
  const bombKey = 'corpus/infrahub_backup_20260104_000000.tar.gz';
  const entriesSize = await uploadStream(endpoint, entriesKey, manyEntries(1_000_000));
  const bomb = gzipBomb(16 * 1024 * 1024 * 1024);
  await uploadStream(endpoint, bombKey, Readable.from([bomb]));
  const paxKey = 'corpus/infrahub_backup_20260105_000000.tar.gz';
  const metadataKey = 'corpus/infrahub_backup_20260106_000000.tar.gz';
  const pax = await paxFlood(6e6);
  await uploadStream(endpoint, paxKey, Readable.from([pax]));
  await uploadStream(endpoint, metadataKey, Readable.from([metadataFlood(16 * 1024 * 1024)]));
  process.stderr.write(`built and uploaded a 1,000,000-entry archive (${formatMiB(entriesSize)}) and a 16 GiB gzip bomb (${formatMiB(bomb.length)}) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  const rows = [];
  for (const [label, measure] of [
    ['s3 verify, 1,000,000 entries', () => runHostile(endpoint, entriesKey)],
    ['s3 verify, gzip bomb 16 GiB in ' + formatMiB(bomb.length), () => runHostile(endpoint, bombKey)],
    ['s3 verify, 4 MiB PAX headers in ' + formatMiB(pax.length), () => runHostile(endpoint, paxKey)],
    ['s3 verify, 16 MiB metadata of [{},{},…]', () => runHostile(endpoint, metadataKey)],
    ['checkArchive, 1,000,000 entries (stream)', () => runCorpusChild('entries')],
    ['checkArchive, gzip bomb 16 GiB (stream)', () => runCorpusChild('bomb')],
    ['checkArchive, 1,000,000 one-byte files (stream)', () => runCorpusChild('tiny')],
    ['checkArchive, 4,000-byte names (stream)', () => runCorpusChild('long')],
  ]) {
    const runs = Array.from({ length: RUNS }, measure);
    rows.push({ label, seconds: median(runs.map((r) => r.seconds)), rss: Math.max(...runs.map((r) => r.rss)), line: runs[0].line });
  }
  corpusPeak = Math.max(...rows.map((r) => r.rss));
  return [
    '',
    `hostile archives (${RUNS} run(s) each, fresh process per run; peak RSS must stay under 150 MiB):`,
    '',
    `| ${'measure'.padEnd(44)} | median s | peak RSS MiB | verdict`,
    `|${'-'.repeat(46)}|----------|--------------|--------`,
    ...rows.map((r) => `| ${r.label.padEnd(44)} | ${r.seconds.toFixed(2).padStart(8)} | ${r.rss.toFixed(1).padStart(12)} | ${r.line}`),
  ];
}

/** The highest peak RSS of the hostile archives, in MiB (set by corpusSection). */
let corpusPeak = 0;
/** The requirements: verify streams at 80 % of a plain download's rate or more, and every peak RSS stays under 150 MiB. */
const MIN_RATIO = 0.8;
const MAX_RSS_MIB = 150;

function runChild(kind, endpoint, key = KEY) {
  const r = spawnSync(process.execPath, ['-e', PEAK_RSS + CHILD[kind]], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...ACCESS, INFRAHUB_S3_ENDPOINT: endpoint, INFRAHUB_S3_BUCKET: BUCKET, BENCH_KEY: key, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`${kind} child failed (${r.status}): ${r.stderr}`);
  const result = JSON.parse(r.stdout.trim().split('\n').pop());
  if (result.code !== 0) throw new Error(`${kind} failed: ${result.stderr}`);
  return result;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'ibc-bench-verify-'));
  let server;
  const cleanup = () => {
    if (server && server.child.exitCode === null) server.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    server = await startS3rver(dir);
    if (process.env.BENCH_ONLY === 'corpus') {
      process.stdout.write(`${(await corpusSection(server.endpoint)).join('\n')}\n`);
      if (corpusPeak >= MAX_RSS_MIB) throw new Error(`a hostile archive took ${corpusPeak.toFixed(1)} MiB, ${MAX_RSS_MIB} MiB or more`);
      return;
    }
    const t0 = Date.now();
    const size = await uploadArchive(server.endpoint, KEY, DATA_MIB);
    const smallSize = await uploadArchive(server.endpoint, SMALL_KEY, SMALL_MIB);
    process.stderr.write(`built and uploaded a ${formatMiB(size)} archive (${DATA_MIB} MiB data file) and a ${formatMiB(smallSize)} one in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

    const results = { download: [], verify: [], small: [] };
    let report = '';
    for (let i = 0; i < RUNS; i++) {
      results.download.push(runChild('download', server.endpoint));
      const v = runChild('verify', server.endpoint);
      report = v.stdout;
      results.verify.push(v);
      results.small.push(runChild('verify', server.endpoint, SMALL_KEY));
    }
    if (results.download[0].bytes !== size) throw new Error(`downloaded ${results.download[0].bytes} bytes, uploaded ${size}`);

    const LABEL = {
      download: `plain download, ${formatMiB(size)} to /dev/null`,
      verify: `s3 verify, ${formatMiB(size)}`,
      small: `s3 verify, ${formatMiB(smallSize)} (memory baseline)`,
    };
    const rows = Object.entries(results).map(([kind, runs]) => {
      const seconds = median(runs.map((r) => r.seconds));
      const bytes = kind === 'small' ? smallSize : size;
      return { kind, seconds, rate: bytes / 1024 / 1024 / seconds, rss: Math.max(...runs.map((r) => r.maxRssKiB)) / 1024, all: runs.map((r) => r.seconds.toFixed(2)).join(', ') };
    });
    const ratio = rows[1].rate / rows[0].rate;
    const out = [
      `archive: s3://${BUCKET}/${KEY}, ${RUNS} run(s) each, a fresh process per run (timed from the first S3 call, modules loaded), s3rver on 127.0.0.1 in its own process, ${require('os').cpus().length} CPUs`,
      '',
      `| ${'measure'.padEnd(44)} | median s | MiB/s  | peak RSS MiB | runs (s)`,
      `|${'-'.repeat(46)}|----------|--------|--------------|---------`,
      ...rows.map(
        (r) => `| ${LABEL[r.kind].padEnd(44)} | ${r.seconds.toFixed(2).padStart(8)} | ${r.rate.toFixed(1).padStart(6)} | ${r.rss.toFixed(1).padStart(12)} | ${r.all}`,
      ),
      '',
      `verify throughput = ${(ratio * 100).toFixed(0)}% of the plain download; peak RSS ${rows[1].rss.toFixed(1)} MiB for ${formatMiB(size)} vs ${rows[2].rss.toFixed(1)} MiB for ${formatMiB(smallSize)}`,
      '',
      'verify output:',
      report.trimEnd(),
      ...(await corpusSection(server.endpoint)),
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    const failed = [];
    if (ratio < MIN_RATIO) failed.push(`verify streams at ${(ratio * 100).toFixed(0)}% of the plain download, under ${MIN_RATIO * 100}%`);
    // The plain download is the reference, not verify: its own peak is the S3 client's.
    const peak = Math.max(corpusPeak, ...rows.filter((r) => r.kind !== 'download').map((r) => r.rss));
    if (peak >= MAX_RSS_MIB) failed.push(`a peak RSS of ${peak.toFixed(1)} MiB, ${MAX_RSS_MIB} MiB or more`);
    if (failed.length > 0) throw new Error(failed.join('; '));
  } finally {
    cleanup();
  }
}

main().catch((e) => {
  process.stderr.write(`bench-verify: ${e.stack || e}\n`);
  process.exit(1);
});
