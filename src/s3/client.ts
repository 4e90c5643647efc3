/**
 * The S3 client of the `s3` commands: path-style addressing for custom
 * endpoints (as the image's minio-go client does), TLS unless the endpoint is
 * http://, and every call bounded: per attempt, connecting, the first byte of
 * the answer and any silence while it streams each by --timeout; per command,
 * all calls with their retries by the deadline (deadline.ts).
 */
import { PutObjectCommand, S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Readable } from 'stream';
import { S3Settings } from './config';
import { DEADLINE_TIMEOUTS, Deadline, DeadlineExceeded } from './deadline';

/** Attempts per call (one try and two retries, with the SDK's standard back-off), all within the command's deadline. */
export const MAX_ATTEMPTS = 3;
/** Connecting never takes longer than this, whatever --timeout says. */
const MAX_CONNECT_MS = 10_000;

export interface ClientOptions {
  /** Where the SDK's own warnings go (never stdout). */
  readonly warn?: (text: string) => void;
  /** Attempts per call; default MAX_ATTEMPTS. */
  readonly maxAttempts?: number;
}

/** An HTTP answer that is not from an S3 API (an HTML page: a console, a login page, a website). */
export class NotS3Answer extends Error {
  constructor(
    public readonly status: number,
    public readonly contentType: string | undefined,
  ) {
    super(`not an S3 answer: HTTP ${status}${contentType !== undefined ? ` (${contentType})` : ''}`);
    this.name = 'NotS3Answer';
  }
}

/** The SDK options for the settings (exported for tests). */
export function clientConfig(settings: S3Settings, options: ClientOptions = {}): S3ClientConfig {
  const warn = options.warn ?? (() => undefined);
  const quiet = { debug: () => undefined, info: () => undefined, trace: () => undefined, warn: () => undefined, error: () => undefined };
  // The HTTP handler's own warnings (e.g. sockets at capacity) go to stderr; the
  // client's error logging is dropped: every failure is thrown and described.
  const handlerLogger = {
    ...quiet,
    warn: (message: unknown) => {
      if (typeof message === 'string') warn(`warning: ${message.split('\n')[0]}\n`);
    },
  };
  return {
    region: settings.region,
    ...(settings.endpoint !== undefined ? { endpoint: settings.endpoint, forcePathStyle: true } : { followRegionRedirects: true }),
    ...(settings.credentials !== undefined ? { credentials: settings.credentials } : {}),
    maxAttempts: options.maxAttempts ?? MAX_ATTEMPTS,
    retryMode: 'standard',
    // Checksums only where S3 requires them (DeleteObjects): the image's minio-go
    // client sends none, and several S3-compatible stores reject aws-chunked
    // trailers. Archive integrity is what `verify` checks.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({
      // Per attempt: connecting, then waiting for the answer's head, then any
      // silence while a body streams, each bounded by the timeout.
      connectionTimeout: Math.min(settings.timeoutMs, MAX_CONNECT_MS),
      requestTimeout: settings.timeoutMs,
      socketTimeout: settings.timeoutMs,
      throwOnRequestTimeout: true,
      logger: handlerLogger,
    }),
    logger: quiet,
  };
}

/** A client for the settings: HTML answers are refused as NotS3Answer before the SDK tries to read them as S3's XML. */
export function createS3Client(settings: S3Settings, options: ClientOptions = {}): S3Client {
  // The SDK warns on every run under node 20 that releases after January 2027
  // need node 22; the image pins node 20 until then, and the warning is noise in Job logs.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new S3Client(clientConfig(settings, options));
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      const response = out.response as { statusCode?: number; headers?: Record<string, string>; body?: unknown };
      const status = response?.statusCode ?? 0;
      const contentType = response?.headers?.['content-type'];
      // An object's body may be anything; every other S3 answer is XML or empty.
      const objectBody = context.commandName === 'GetObjectCommand' && status >= 200 && status < 300;
      if (!objectBody && contentType !== undefined && /^\s*text\/html\b/i.test(contentType)) {
        (response.body as Readable | undefined)?.destroy?.();
        throw new NotS3Answer(status, contentType);
      }
      return out;
    },
    { step: 'deserialize', priority: 'low', name: 'infrahubRefuseHtml' },
  );
  return client;
}

/** One command's client, settings and deadline. */
export interface Session {
  readonly client: S3Client;
  readonly settings: S3Settings;
  readonly deadline: Deadline;
  /** Runs one S3 call with the deadline's abort signal; past the deadline, rejects with DeadlineExceeded whatever the call was doing. */
  call<T>(work: (abortSignal: AbortSignal) => Promise<T>): Promise<T>;
}

/** Writes a proof marker (proofs.ts names it): the record as indented JSON, one call under the session's deadline. */
export async function putProof(session: Session, bucket: string, marker: string, record: Record<string, unknown>): Promise<void> {
  const body = `${JSON.stringify(record, null, 2)}\n`;
  await session.call((abortSignal) =>
    session.client.send(new PutObjectCommand({ Bucket: bucket, Key: marker, Body: body, ContentType: 'application/json', ContentLength: Buffer.byteLength(body) }), { abortSignal }),
  );
}

/** The command's deadline, in milliseconds: --deadline, else DEADLINE_TIMEOUTS x --timeout. */
export function deadlineMs(settings: S3Settings): number {
  return settings.deadlineMs ?? DEADLINE_TIMEOUTS * settings.timeoutMs;
}

/** A session: one client (one connection pool per command) and its deadline. */
export function openSession(
  settings: S3Settings,
  warn: (text: string) => void,
  options: { readonly deadlineMs?: number; readonly deadline?: Deadline } = {},
): Session & { close(): void } {
  const client = createS3Client(settings, { warn });
  // A command with two locations (s3 copy) runs both sessions under one deadline.
  const deadline = options.deadline ?? new Deadline(options.deadlineMs ?? deadlineMs(settings));
  return {
    client,
    settings,
    deadline,
    async call<T>(work: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
      try {
        return await deadline.race(work(deadline.signal));
      } catch (e) {
        if (deadline.passed) throw new DeadlineExceeded(deadline.seconds);
        throw e;
      }
    },
    close() {
      deadline.dispose();
      client.destroy();
    },
  };
}

/** Runs `body` with one session, closed afterwards. */
export async function withSession<T>(settings: S3Settings, warn: (text: string) => void, body: (session: Session) => Promise<T>, options: { readonly deadlineMs?: number } = {}): Promise<T> {
  const session = openSession(settings, warn, options);
  try {
    return await body(session);
  } finally {
    session.close();
  }
}
