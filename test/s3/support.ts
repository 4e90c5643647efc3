/**
 * Test support for the s3 commands: a real S3-compatible server (s3rver) on
 * 127.0.0.1, archives built in the exact layout the backup image writes, and a
 * runner for the commands.
 */
import { createHash, createCipheriv } from 'crypto';
import { ChildProcess, spawn } from 'child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'fs';
import { createServer, request as httpRequest, Server } from 'http';
import { AddressInfo, Socket, createServer as createNetServer } from 'net';
import { dirname, join } from 'path';
import { createInterface } from 'readline';
import { gzipSync } from 'zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as tar from 'tar-stream';
import { runS3Cli } from '../../src/s3/command';
import { cacheRoot, scratchFolder } from '../support/cache';

export { scratchFolder };

// The SDK's notice that its 2027 releases need node 22 would clutter the test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const BUCKET = 'backups';
export const PREFIX = 'infrahub';
/** s3rver's built-in account. */
export const ACCESS_KEY = 'S3RVER';
export const SECRET_KEY = 'S3RVER';

export interface TestServer {
  readonly endpoint: string;
  readonly port: number;
  /** Every request the server logged so far: method and URL (call flush() first: the log arrives through a pipe). */
  readonly requests: Array<{ method: string; url: string }>;
  /** Resolves once every request the server received before this call is in `requests`. */
  flush(): Promise<void>;
  /**
   * Stores objects as put() uploads them, written straight into the server's folder (seedObjects):
   * for fixtures of thousands of objects, which take s3rver seconds to receive one by one.
   */
  seed(objects: Iterable<{ key: string; body: Buffer | string }>, bucket?: string): void;
  close(): Promise<void>;
}

/**
 * Writes objects into the folder of an s3rver (3.x, its FilesystemStore) as it
 * stores a PutObject of the SDK without a content type: the body, its MD5, and
 * the metadata. The server reads its folder on every request: it lists and
 * serves them as uploads, modified now.
 */
export function seedObjects(directory: string, bucket: string, objects: Iterable<{ key: string; body: Buffer | string }>): void {
  const metadata = JSON.stringify({ 'content-type': 'application/octet-stream' }, null, 2);
  for (const { key, body } of objects) {
    const parts = key.split('/');
    const resource = (suffix: string) => join(directory, bucket, ...parts.slice(0, -1), `${parts[parts.length - 1]}._S3rver_${suffix}`);
    mkdirSync(dirname(resource('object')), { recursive: true });
    writeFileSync(resource('object'), body);
    writeFileSync(resource('object.md5'), createHash('md5').update(body).digest('hex'));
    writeFileSync(resource('metadata.json'), metadata);
  }
}

const SERVER_SCRIPT = join(__dirname, '..', '..', 'scripts', 's3rver.js');

/**
 * Starts s3rver on 127.0.0.1 on a free port, in a temporary folder, with the
 * given buckets, in a child process (scripts/s3rver.js explains why).
 */
export async function startServer(buckets: string[] = [BUCKET]): Promise<TestServer> {
  // Its largest buckets hold a few hundred MiB.
  const dir = scratchFolder('ibc-s3rver-', 2 * 1024 ** 3);
  const child: ChildProcess = spawn(process.execPath, ['--openssl-legacy-provider', SERVER_SCRIPT, dir, buckets.join(',')], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // The request log is what `requests` and flush() read.
    env: { ...process.env, S3RVER_LOG_REQUESTS: '1' },
  });
  const requests: Array<{ method: string; url: string }> = [];
  // flush(): a marker request, logged after every request received before it.
  const markers = new Map<string, () => void>();
  let flushes = 0;
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s3rver did not start: ${stderr}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}): ${stderr}`)));
    lines.on('line', (line) => {
      const message = JSON.parse(line) as { port?: number; method?: string; url?: string };
      if (message.port !== undefined) {
        clearTimeout(timer);
        resolve(message.port);
      } else if (message.url !== undefined && markers.has(message.url)) {
        markers.get(message.url)!();
      } else {
        requests.push({ method: message.method ?? '', url: message.url ?? '' });
      }
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    requests,
    async flush() {
      const url = `/log-flush-${flushes++}`;
      const logged = new Promise<void>((resolve) => markers.set(url, resolve));
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, method: 'HEAD', path: url }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', (e) => reject(new Error(`s3rver did not answer the log marker: ${e.message}; its stderr: ${stderr}`)));
        req.end();
      });
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          logged,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`s3rver did not log the marker request within 10 s; its stderr: ${stderr}`)), 10_000);
          }),
        ]);
      } finally {
        clearTimeout(timer);
        markers.delete(url);
      }
    },
    seed(objects, bucket = BUCKET) {
      seedObjects(dir, bucket, objects);
    },
    async close() {
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The environment the backup image's Secret and ConfigMap would give. */
export function s3Env(endpoint: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    INFRAHUB_S3_BUCKET: BUCKET,
    INFRAHUB_S3_PREFIX: PREFIX,
    INFRAHUB_S3_ENDPOINT: endpoint,
    INFRAHUB_S3_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: SECRET_KEY,
  };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `s3 <argv...>` with the environment; never throws. */
export async function run(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<Run> {
  return runWith({}, env, ...argv);
}

/** Internal settings of a run that the CLI never sets (S3Io). */
export interface RunSettings {
  /** The window of the minimum-throughput rule, in milliseconds (default: the longer of 10 s and --timeout). */
  readonly throughputWindowMs?: number;
}

/** Runs `s3 <argv...>` with the environment and internal settings; never throws. */
export async function runWith(settings: RunSettings, env: NodeJS.ProcessEnv, ...argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runS3Cli(['s3', ...argv], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, ...settings });
  return { code, stdout, stderr };
}

/** Asserts a failed run: the exit code, nothing on stdout, exactly these `error:` lines on stderr (other lines allowed only if `allowOther`), no stack trace. */
export function expectFailure(result: Run, code: number, lines: Array<string | RegExp>, options: { allowOther?: boolean } = {}): void {
  expect(result.stdout).toBe('');
  expect(result.stderr.endsWith('\n')).toBe(true);
  const got = result.stderr.slice(0, -1).split('\n');
  const errors = got.filter((l) => l.startsWith('error: '));
  if (!options.allowOther) expect(got).toEqual(errors);
  expect(errors).toHaveLength(lines.length);
  lines.forEach((line, i) => (typeof line === 'string' ? expect(errors[i]).toBe(line) : expect(errors[i]).toMatch(line)));
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
  expect(result.code).toBe(code);
}

/** A client of the test server, for setting up fixtures. */
export function testClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function put(client: S3Client, key: string, body: Buffer | string = '', bucket = BUCKET): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: Buffer.byteLength(body) }));
}

/** Runs `fn` on `items` with at most `limit` running at once. */
export async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  });
  await Promise.all(workers);
}

/** The smallest restorable body: a gzip of an empty tar (two zero blocks), so its trailer says 1024 bytes of tar. */
export const GZIP_STUB = gzipSync(Buffer.alloc(1024));
/** A cut upload: the first 12 bytes of a valid tar.gz (it starts as gzip). */
export const TRUNCATED_STUB = gzipSync(Buffer.alloc(10_000, 1)).subarray(0, 12);
/** What passes for an encrypted archive: 1 KiB starting with 0x02. */
export const ENCRYPTED_STUB = Buffer.concat([Buffer.from([0x02]), Buffer.alloc(1023, 0x5a)]);

/** The archive name for a time: infrahub_backup_YYYYMMDD_HHMMSS.tar.gz. */
export function archiveName(date: Date): string {
  const iso = date.toISOString();
  return `infrahub_backup_${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}.tar.gz`;
}

/** Deterministic incompressible bytes. */
export function noise(size: number, seed = 'seed'): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface ArchiveSpec {
  /** Files, by path relative to backup/ (as in `checksums`). */
  readonly files?: Record<string, Buffer | string>;
  /** Replaces the metadata written (an object, raw text, or null for none). */
  readonly metadata?: Record<string, unknown> | string | null;
  /** Merged over the computed checksums. */
  readonly checksums?: Record<string, string>;
  /** Writes backup_information.json after the files instead of first (where the image's directory walk puts it). */
  readonly metadataLast?: boolean;
  readonly backupId?: string;
}

/** The files of a default backup: a Neo4j dump and the task manager's PostgreSQL dump. */
export function defaultFiles(): Record<string, Buffer> {
  return {
    'database/neo4j.dump': noise(96 * 1024, 'neo4j'),
    'prefect.dump': noise(12 * 1024, 'prefect'),
  };
}

/** The metadata the image writes for files. */
export function metadataFor(files: Record<string, Buffer | string>, backupId = 'infrahub_backup_20260102_030405'): Record<string, unknown> {
  // One description of the image's metadata, shared with the verify corpus.
  return (require('../../scripts/verify-corpus') as { metadataFor: (f: Record<string, Buffer | string>, id: string) => Record<string, unknown> }).metadataFor(files, backupId);
}

/**
 * A .tar.gz in the image's layout: `backup/` holding backup_information.json,
 * `database/` and `prefect.dump`, in the order of a directory walk (the image's
 * Go `filepath.Walk` of its work folder): folders as their own entries, names
 * sorted, so the metadata comes first.
 */
export async function buildArchive(spec: ArchiveSpec = {}): Promise<Buffer> {
  const files = spec.files ?? defaultFiles();
  let metadataText: string | undefined;
  if (spec.metadata === null) {
    metadataText = undefined;
  } else if (typeof spec.metadata === 'string') {
    metadataText = spec.metadata;
  } else {
    const metadata = spec.metadata ?? metadataFor(files, spec.backupId);
    if (spec.checksums) metadata.checksums = { ...(metadata.checksums as Record<string, string>), ...spec.checksums };
    metadataText = JSON.stringify(metadata, null, 4);
  }
  const entries: Array<{ name: string; content?: Buffer }> = [{ name: 'backup/' }];
  const metadataEntry = metadataText !== undefined ? [{ name: 'backup/backup_information.json', content: Buffer.from(metadataText) }] : [];
  if (!spec.metadataLast) entries.push(...metadataEntry);
  const folders = new Set<string>();
  for (const path of Object.keys(files).sort()) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = `backup/${parts.slice(0, i).join('/')}/`;
      if (!folders.has(folder)) {
        folders.add(folder);
        entries.push({ name: folder });
      }
    }
    const content = files[path];
    entries.push({ name: `backup/${path}`, content: Buffer.isBuffer(content) ? content : Buffer.from(content) });
  }
  if (spec.metadataLast) entries.push(...metadataEntry);

  // A large archive (megabytes to compress) is built once and kept in the temporary folder, under a hash of what it holds and of the code that builds it.
  const bytes = entries.reduce((sum, e) => sum + (e.content?.length ?? 0), 0);
  if (bytes < CACHED_ARCHIVE_BYTES) return packArchive(entries);
  const hash = createHash('sha256').update(buildArchive.toString()).update(packArchive.toString()).update(TAR_STREAM_VERSION);
  for (const entry of entries) hash.update(`\0${entry.name}\0${entry.content === undefined ? '/' : sha256(entry.content)}`);
  return cachedFile(`ibc-s3-archive-${hash.digest('hex').slice(0, 32)}.tar.gz`, () => packArchive(entries));
}

/** How long a file of cachedFile is kept unused. */
const CACHE_UNUSED_MS = 7 * 86_400_000;

/**
 * The content of `name` in the temporary folder from before the run (cacheRoot()), made by `make` when it is not
 * there yet; the name must say what it holds (a hash of it and of the code that
 * makes it). Written whole or not at all: another test file may read it at any
 * time. Files of the same kind (the name up to its last "-") unused for a week
 * are removed when a new one is written.
 */
export async function cachedFile(name: string, make: () => Buffer | Promise<Buffer>): Promise<Buffer> {
  const root = cacheRoot();
  const file = join(root, name);
  if (existsSync(file)) {
    const now = new Date();
    utimesSync(file, now, now);
    return readFileSync(file);
  }
  const data = await make();
  const kind = name.slice(0, name.lastIndexOf('-') + 1);
  for (const other of readdirSync(root)) {
    if (!other.startsWith(kind)) continue;
    try {
      if (Date.now() - statSync(join(root, other)).mtimeMs > CACHE_UNUSED_MS) rmSync(join(root, other), { force: true });
    } catch {
      // Removed meanwhile.
    }
  }
  const part = `${file}.${process.pid}.part`;
  writeFileSync(part, data);
  renameSync(part, file);
  return data;
}

/** Archives whose files hold at least this many bytes are kept once built (buildArchive). */
const CACHED_ARCHIVE_BYTES = 4 * 1024 * 1024;
const TAR_STREAM_VERSION = (JSON.parse(readFileSync(join(dirname(require.resolve('tar-stream')), 'package.json'), 'utf8')) as { version: string }).version;

/** The .tar.gz of the entries, in their order. */
async function packArchive(entries: ReadonlyArray<{ name: string; content?: Buffer }>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  const mtime = new Date('2026-01-02T03:04:05Z');
  for (const entry of entries) {
    if (entry.content === undefined) pack.entry({ name: entry.name, type: 'directory', mode: 0o755, mtime });
    else pack.entry({ name: entry.name, type: 'file', mode: 0o644, size: entry.content.length, mtime }, entry.content);
  }
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

/** A TCP port on 127.0.0.1 that nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An S3 error document. */
export function s3ErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>TEST</RequestId></Error>`;
}

export interface Stub {
  readonly endpoint: string;
  readonly requests: Array<{ method: string; url: string }>;
  close(): Promise<void>;
}

/**
 * A plain HTTP server on 127.0.0.1 that answers as `answer` says: for the
 * failures s3rver cannot produce (a wrong secret, a denied permission), with
 * the error documents AWS S3 and MinIO send.
 */
export async function stubServer(answer: (method: string, url: string) => { status: number; body: string; headers?: Record<string, string> }): Promise<Stub> {
  const requests: Array<{ method: string; url: string }> = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    req.resume();
    req.on('end', () => {
      const { status, body, headers } = answer(req.method ?? '', req.url ?? '');
      res.writeHead(status, { 'Content-Type': 'application/xml', 'x-amz-request-id': 'TEST', ...headers });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A stub that answers every request with the same S3 error. */
export function s3ErrorServer(status: number, code: string, message: string): Promise<Stub> {
  return stubServer(() => ({ status, body: s3ErrorXml(code, message) }));
}

/** A TCP server on 127.0.0.1 that accepts connections and never answers. */
export async function silentServer(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** One request as the hostile server saw it. */
export interface RawRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
}

export interface HostileServer {
  readonly endpoint: string;
  readonly requests: RawRequest[];
  close(): Promise<void>;
}

/**
 * A TCP server on 127.0.0.1 that reads each HTTP request's head and hands the
 * raw socket to `behave`, which may answer anything: drip bytes, close, reset,
 * send HTML. Request bodies are read and dropped. For the faults a real S3
 * server never produces.
 */
export async function hostileServer(behave: (request: RawRequest, socket: Socket) => void): Promise<HostileServer> {
  const sockets = new Set<Socket>();
  const requests: RawRequest[] = [];
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    let bodyLeft = 0;
    socket.on('data', (chunk: Buffer) => {
      if (bodyLeft > 0) {
        const used = Math.min(bodyLeft, chunk.length);
        bodyLeft -= used;
        chunk = chunk.subarray(used);
        if (chunk.length === 0) return;
      }
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffer.subarray(0, end).toString('latin1').split('\r\n');
      const rest = buffer.subarray(end + 4);
      buffer = Buffer.alloc(0);
      const [method, url] = head[0].split(' ');
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      bodyLeft = Math.max(0, Number(headers['content-length'] ?? 0) - rest.length);
      const request = { method, url, headers };
      requests.push(request);
      behave(request, socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Runs `body` with a hostileServer, closed afterwards whatever happens. */
export async function withHostileServer(behave: (request: RawRequest, socket: Socket) => void, body: (server: HostileServer) => Promise<void>): Promise<void> {
  const server = await hostileServer(behave);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

/** Writes `text` to the socket one byte every `everyMs` until it is written or the socket closes. */
export function drip(socket: Socket, text: string, everyMs = 500): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) {
      clearInterval(timer);
      return;
    }
    socket.write(text[i++]);
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
}

/** A complete HTTP/1.1 answer. */
export function httpAnswer(status: number, body: string | Buffer, headers: Record<string, string> = {}): Buffer {
  const data = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const head = [`HTTP/1.1 ${status} ${status === 200 ? 'OK' : status === 206 ? 'Partial Content' : 'Error'}`, `Content-Length: ${data.length}`, 'Connection: keep-alive', 'x-amz-request-id: TEST'];
  for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`);
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), data]);
}

/** A ListObjectsV2 answer for the objects (one page unless `next` is given). */
export function listingXml(objects: Array<{ key: string; size?: number; lastModified?: Date | string }>, options: { prefix?: string; next?: string } = {}): string {
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>backups</Name><Prefix>${escape(options.prefix ?? 'infrahub/')}</Prefix><KeyCount>${objects.length}</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter><IsTruncated>${options.next !== undefined}</IsTruncated>${
    options.next !== undefined ? `<NextContinuationToken>${escape(options.next)}</NextContinuationToken>` : ''
  }${objects
    .map((o) => {
      const lm = o.lastModified === undefined ? '2026-01-01T00:00:00.000Z' : typeof o.lastModified === 'string' ? o.lastModified : o.lastModified.toISOString();
      return `<Contents><Key>${escape(o.key)}</Key><LastModified>${lm}</LastModified><ETag>"x"</ETag><Size>${o.size ?? 1}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
    })
    .join('')}</ListBucketResult>`;
}

/**
 * Starts s3rver with the buckets before the file's tests and stops it after
 * them; the returned function gives the server (inside a test or a hook).
 */
export function useS3Server(buckets: string[] = [BUCKET]): () => TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startServer(buckets);
  }, 30_000);
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (server === undefined) throw new Error('useS3Server: the server is not started yet (call the getter inside a test or a hook)');
    return server;
  };
}

/** What an S3 proxy does with one request. */
export type ProxyAction =
  /**
   * Pass it on; `before` runs first, `headers` rewrites the answer's headers, `body` the answer's body
   * chunks (same length), and after `cutAnswerAfter` bytes of the answer's body the connection is reset.
   */
  | {
      readonly kind: 'forward';
      readonly before?: () => Promise<void>;
      readonly headers?: (headers: Record<string, string | string[] | undefined>) => void;
      readonly body?: (chunk: Buffer, offset: number) => Buffer;
      readonly cutAnswerAfter?: number;
    }
  /** Answer with an S3 error document. */
  | { readonly kind: 'refuse'; readonly status: number; readonly code: string }
  /** Pass on the first `bytes` of the request's body, then reset the client's connection. */
  | { readonly kind: 'cut'; readonly bytes: number };

/** A request the proxy passed on, with the base64 MD5 of its body once it has been read. */
export interface ProxiedRequest extends RawRequest {
  bodyMd5?: string;
}

export interface S3Proxy {
  readonly endpoint: string;
  readonly requests: ProxiedRequest[];
  /** While true, every connection is reset at once (a destination that has died). */
  dead: boolean;
  close(): Promise<void>;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of an S3 server (s3rver): requests go
 * through unchanged (the Host header too, so signatures hold) unless `rule`
 * says otherwise: for a destination that lies about what it stores, refuses,
 * or dies part-way, and a source that changes under a reader.
 */
export async function s3Proxy(target: string, rule: (request: RawRequest) => ProxyAction = () => ({ kind: 'forward' })): Promise<S3Proxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const requests: ProxiedRequest[] = [];
  const state = { dead: false };
  const server: Server = createServer((req, res) => {
    const request: ProxiedRequest = { method: req.method ?? '', url: req.url ?? '', headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])) };
    requests.push(request);
    if (state.dead) {
      req.socket.destroy();
      return;
    }
    const action = rule(request);
    if (action.kind === 'refuse') {
      req.resume();
      req.on('end', () => {
        const body = s3ErrorXml(action.code, `refused by the test proxy`);
        res.writeHead(action.status, { 'Content-Type': 'application/xml', 'x-amz-request-id': 'TEST', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      });
      return;
    }
    const go = async (): Promise<void> => {
      if (action.kind === 'forward' && action.before) await action.before();
      const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const headers = { ...answer.headers };
        if (action.kind === 'forward' && action.headers) action.headers(headers);
        res.writeHead(answer.statusCode ?? 502, headers as Record<string, string>);
        let offset = 0;
        const cutAt = action.kind === 'forward' ? action.cutAnswerAfter : undefined;
        answer.on('data', (chunk: Buffer) => {
          if (res.destroyed) return;
          const mapped = action.kind === 'forward' && action.body ? action.body(chunk, offset) : chunk;
          if (cutAt !== undefined && offset + chunk.length >= cutAt) {
            res.write(mapped.subarray(0, Math.max(0, cutAt - offset)), () => req.socket.resetAndDestroy());
            offset += chunk.length;
            answer.destroy();
            return;
          }
          offset += chunk.length;
          res.write(mapped);
        });
        answer.on('end', () => res.end());
      });
      out.on('error', () => req.socket.destroy());
      if (action.kind === 'cut') {
        let sent = 0;
        req.on('data', (chunk: Buffer) => {
          if (sent >= action.bytes) return;
          const part = chunk.subarray(0, action.bytes - sent);
          sent += part.length;
          out.write(part);
          if (sent >= action.bytes) {
            state.dead = true;
            out.destroy();
            req.socket.resetAndDestroy();
          }
        });
      } else {
        const md5 = createHash('md5');
        req.on('data', (chunk: Buffer) => md5.update(chunk));
        req.on('end', () => (request.bodyMd5 = md5.digest('base64')));
        req.pipe(out);
      }
    };
    go().catch(() => req.socket.destroy());
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (state.dead) socket.resetAndDestroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    get dead() {
      return state.dead;
    },
    set dead(value: boolean) {
      state.dead = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
