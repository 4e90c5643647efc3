/**
 * The S3 client of the `s3` commands: path-style addressing for custom
 * endpoints (as the image's minio-go client does), TLS unless the endpoint is
 * http://, and every call bounded in time and in retries.
 */
import { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { S3Settings } from './config';

/** Attempts per call (one try and two retries, with the SDK's standard back-off). */
export const MAX_ATTEMPTS = 3;
/** Connecting never takes longer than this, whatever --timeout says. */
const MAX_CONNECT_MS = 10_000;

export interface ClientOptions {
  /** Where the SDK's own warnings go (never stdout). */
  readonly warn?: (text: string) => void;
  /** Attempts per call; default MAX_ATTEMPTS. */
  readonly maxAttempts?: number;
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
      // Connecting, then waiting for the answer's headers, then any silence while
      // a body streams: each is bounded by the timeout.
      connectionTimeout: Math.min(settings.timeoutMs, MAX_CONNECT_MS),
      requestTimeout: settings.timeoutMs,
      socketTimeout: settings.timeoutMs,
      throwOnRequestTimeout: true,
      logger: handlerLogger,
    }),
    logger: quiet,
  };
}

/** Runs `body` with one client for the settings (one connection pool per command), destroyed afterwards. */
export async function withClient<T>(settings: S3Settings, warn: (text: string) => void, body: (client: S3Client) => Promise<T>): Promise<T> {
  const client = createS3Client(settings, { warn });
  try {
    return await body(client);
  } finally {
    client.destroy();
  }
}

/** A client for the settings. */
export function createS3Client(settings: S3Settings, options: ClientOptions = {}): S3Client {
  // The SDK warns on every run under node 20 that releases after January 2027
  // need node 22; the image pins node 20 until then, and the warning is noise in Job logs.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client(clientConfig(settings, options));
}
