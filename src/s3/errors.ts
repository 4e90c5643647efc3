/**
 * Turns what the AWS SDK or the network throws into one line that says what is
 * wrong and what to check. The lines start with a short kind (`bad access key`,
 * `bad secret`, `bucket missing`, `access denied`, `object missing`, `endpoint
 * unreachable`, `TLS failure`, ...) so scripts and people can tell them apart.
 */
import { formatBytes } from './archives';
import { S3_ENV, S3Settings, endpointLabel, s3Uri } from './config';
import { MIN_RATE_ENV } from './config';
import { MIN_STREAM_BYTES_PER_SECOND } from './throughput';

/** What was being done, to name the permission that was missing. */
export type S3Action = 'list' | 'read' | 'write' | 'delete' | 'read-lock-configuration' | 'read-versioning' | 'read-retention' | 'set-retention';

export interface S3ErrorContext {
  readonly action: S3Action;
  readonly bucket: string;
  readonly key?: string;
  readonly settings: Pick<S3Settings, 'endpoint' | 'region' | 'credentials' | 'timeoutMs'>;
  /** The command's deadline, in seconds (an abort without a DeadlineExceeded is reported against it). */
  readonly deadlineSeconds?: number;
}

const PERMISSION: Record<S3Action, string> = {
  list: 's3:ListBucket',
  read: 's3:GetObject',
  write: 's3:PutObject',
  delete: 's3:DeleteObject',
  'read-lock-configuration': 's3:GetBucketObjectLockConfiguration',
  'read-versioning': 's3:GetBucketVersioning',
  'read-retention': 's3:GetObjectRetention',
  'set-retention': 's3:PutObjectRetention',
};

const VERB: Record<S3Action, string> = {
  list: 'list',
  read: 'read',
  write: 'write',
  delete: 'delete',
  'read-lock-configuration': 'read the Object Lock configuration of',
  'read-versioning': 'read the versioning state of',
  'read-retention': 'read the retention of',
  'set-retention': 'set a retention on',
};

const GERUND: Record<S3Action, string> = {
  list: 'listing',
  read: 'reading',
  write: 'writing',
  delete: 'deleting',
  'read-lock-configuration': 'reading the Object Lock configuration of',
  'read-versioning': 'reading the versioning state of',
  'read-retention': 'reading the retention of',
  'set-retention': 'setting a retention on',
};

/** `1 s`, `1.5 s`. */
function secondsText(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

const TLS_CODES = new Set([
  'EPROTO',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'HOSTNAME_MISMATCH',
]);

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);

const MESSAGE_CODE = /\b(E(?:CONNREFUSED|NOTFOUND|AI_AGAIN|HOSTUNREACH|NETUNREACH|HOSTDOWN|NETDOWN|TIMEDOUT|CONNRESET|PIPE|CONNABORTED|PROTO)|ERR_(?:SSL|TLS)_[A-Z_]+|(?:CERT|UNABLE_TO)_[A-Z_]+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\b/;

interface ErrorFacts {
  readonly name: string | undefined;
  readonly code: string | undefined;
  readonly message: string;
  readonly status: number | undefined;
  /** Whether S3 answered (an S3 error, as opposed to a network or client failure). */
  readonly answered: boolean;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The error, then its causes and (for AggregateError, as node's happy eyeballs throws) its first inner error. */
function chain(error: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6; depth++) {
    const record = asRecord(current);
    if (!record || out.includes(record)) break;
    out.push(record);
    const inner: unknown = Array.isArray(record.errors) && record.errors.length > 0 ? record.errors[0] : undefined;
    current = record.cause ?? inner;
  }
  return out;
}

function facts(error: unknown): ErrorFacts {
  const links = chain(error);
  const first = links[0] ?? {};
  const metadata = asRecord(first.$metadata);
  const status = typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
  // Node's own code; failing that, one named in the message (the SDK wraps errors
  // it does not recognise as Errors into a new Error that keeps only the text).
  const code =
    links.map((l) => str(l.code) ?? str(l.Code)).find((c) => c !== undefined) ??
    links.map((l) => MESSAGE_CODE.exec(str(l.message) ?? '')?.[1]).find((c) => c !== undefined);
  const message = links.map((l) => str(l.message)).find((m) => m !== undefined) ?? String(error);
  const answered = first.$fault === 'client' || first.$fault === 'server' ? status !== undefined || str(first.Code) !== undefined : false;
  return { name: str(first.name), code, message: message.split('\n')[0].trim(), status, answered };
}

/** `AKIA…MPLE`: enough to tell keys apart, not the whole ID. */
export function maskKeyId(id: string): string {
  if (id.length > 8) return `${id.slice(0, 4)}…${id.slice(-4)}`;
  return `${id.slice(0, 2)}…`;
}

function keyIdLabel(settings: S3ErrorContext['settings']): string {
  return settings.credentials ? `access key ID "${maskKeyId(settings.credentials.accessKeyId)}"` : 'the access key ID from the default credential chain';
}

function hostOf(endpoint: string | undefined): string {
  if (endpoint === undefined) return 's3.amazonaws.com';
  try {
    return new URL(endpoint).host;
  } catch {
    return endpoint;
  }
}

function target(context: S3ErrorContext): string {
  if (context.action === 'list' || context.action === 'read-lock-configuration' || context.action === 'read-versioning') return `bucket "${context.bucket}"`;
  return context.key !== undefined ? s3Uri(context.bucket, context.key) : `objects in bucket "${context.bucket}"`;
}

/** One line (without `error: `) describing an S3 or network failure. */
export function describeS3Error(error: unknown, context: S3ErrorContext): string {
  const f = facts(error);
  const endpoint = endpointLabel(context.settings);
  const s3Code = f.name ?? f.code;
  const seconds = Math.round(context.settings.timeoutMs / 1000);
  const endpointHint = context.settings.endpoint
    ? `check ${S3_ENV.endpoint} and that the S3 service is running and reachable from this pod (network policies, proxies)`
    : `check the network path to AWS S3 (egress rules, proxies) or set ${S3_ENV.endpoint}`;

  const host = hostOf(context.settings.endpoint);
  const doing = `${GERUND[context.action]} ${target(context)}`;

  // Bounds: the command's deadline, then each attempt's.
  if (f.name === 'DeadlineExceeded' || s3Code === 'AbortError') {
    const bound = f.name === 'DeadlineExceeded' ? (error as { seconds: number }).seconds : context.deadlineSeconds;
    return `timed out: ${endpoint} did not finish ${doing} within the command's deadline of ${bound ?? seconds} s (--deadline; retries included)`;
  }
  if (f.name === 'TooSlow') {
    const slow = error as { bytes: number; windowMs: number; minBytesPerSecond?: number };
    return `too slow: ${endpoint} sent ${formatBytes(slow.bytes)} in ${secondsText(slow.windowMs)} while ${doing}, less than the ${formatBytes(slow.minBytesPerSecond ?? MIN_STREAM_BYTES_PER_SECOND)}/s a download must keep without --deadline: check the network path to the endpoint; for a link that is slow but steady, lower the floor with --min-rate (${MIN_RATE_ENV}, in KiB/s) or give --deadline`;
  }
  if (f.name === 'NotS3Answer') {
    const answer = error as { status: number; contentType?: string };
    return `not an S3 answer: ${endpoint} answered HTTP ${answer.status}${answer.contentType !== undefined ? ` (${answer.contentType})` : ''} to ${VERB[context.action]} ${target(context)}: check that ${S3_ENV.endpoint} is the S3 API, not a console, a login page or a website`;
  }
  // Node reports a connection closed before any answer as ECONNRESET "socket hang up"; the HTTP handler renames both TimeoutError.
  if (/socket hang up/i.test(f.message) || (f.code === 'ECONNRESET' && /\bclosed\b/i.test(f.message))) {
    return `connection closed: ${host} closed the connection without answering: ${endpointHint}`;
  }
  if (f.code === 'ECONNRESET' || f.code === 'EPIPE' || f.code === 'ECONNABORTED') {
    return `connection reset: ${host} reset the connection (${f.code}): ${endpointHint}`;
  }
  if (/without establishing a connection/i.test(f.message)) {
    return `endpoint unreachable: could not connect to ${host} within ${secondsText(Math.min(context.settings.timeoutMs, 10_000))}: ${endpointHint}`;
  }
  if (/requestTimeout/.test(f.message)) {
    return `timed out: ${endpoint} sent no answer within ${secondsText(context.settings.timeoutMs)} (--timeout) to ${VERB[context.action]} ${target(context)}`;
  }
  if (/of inactivity/.test(f.message)) {
    return `timed out: ${endpoint} went silent for ${secondsText(context.settings.timeoutMs)} (--timeout) while ${doing}`;
  }

  // What S3 (or an S3-compatible server) answered.
  switch (s3Code) {
    case 'InvalidAccessKeyId':
      return `bad access key: ${endpoint} does not know ${keyIdLabel(context.settings)}: check ${S3_ENV.accessKeyId} in the Secret (and that it belongs to this endpoint)`;
    case 'SignatureDoesNotMatch':
      return `bad secret: signature mismatch for ${keyIdLabel(context.settings)} at ${endpoint}: check ${S3_ENV.secretAccessKey} in the Secret (it must be the secret of that access key; a proxy that rewrites requests causes this too)`;
    case 'NoSuchBucket':
      return `bucket missing: bucket "${context.bucket}" does not exist at ${endpoint}: check ${S3_ENV.bucket}${context.settings.endpoint ? ` and ${S3_ENV.endpoint}` : ` and ${S3_ENV.region}`}`;
    case 'NoSuchKey':
      return `object missing: ${context.key !== undefined ? s3Uri(context.bucket, context.key) : `the object in bucket "${context.bucket}"`} does not exist: check the URI (\`s3 list\` shows the archives under the prefix)`;
    case 'AccessDenied':
    case 'AllAccessDisabled':
    case 'AccountProblem':
      return `access denied: ${keyIdLabel(context.settings)} may not ${VERB[context.action]} ${target(context)} at ${endpoint}: grant ${PERMISSION[context.action]} on it (bucket policy or IAM policy)`;
    case 'ExpiredToken':
    case 'TokenRefreshRequired':
    case 'InvalidToken':
      return `bad session token: ${endpoint} answered ${s3Code}: refresh ${S3_ENV.sessionToken}, or unset it for long-lived keys`;
    case 'RequestTimeTooSkewed':
      return `clock skew: ${endpoint} rejected the request because this machine's clock differs from its clock by more than 15 minutes: fix the node's time (NTP)`;
    case 'AuthorizationHeaderMalformed':
    case 'PermanentRedirect':
    case 'IllegalLocationConstraintException':
      return `wrong region: bucket "${context.bucket}" is not in region "${context.settings.region}" (${s3Code}): set ${S3_ENV.region} to the bucket's region`;
    case 'InvalidBucketName':
      return `bad bucket name: ${endpoint} rejects the bucket name "${context.bucket}": check ${S3_ENV.bucket}`;
    case 'CredentialsProviderError':
      return `no credentials: ${S3_ENV.accessKeyId} and ${S3_ENV.secretAccessKey} are not set and no other source (AWS config files, IRSA web identity, instance metadata) gave credentials: ${f.message}`;
    default:
      break;
  }
  if (/could not load credentials/i.test(f.message)) {
    return `no credentials: ${S3_ENV.accessKeyId} and ${S3_ENV.secretAccessKey} are not set and no other source (AWS config files, IRSA web identity, instance metadata) gave credentials`;
  }

  // Answers without an S3 error body (HEAD requests, proxies).
  if (f.status === 404) {
    return context.key !== undefined
      ? `object missing: ${s3Uri(context.bucket, context.key)} does not exist (or bucket "${context.bucket}" does not): check the URI and ${S3_ENV.bucket}`
      : `bucket missing: bucket "${context.bucket}" does not exist at ${endpoint}: check ${S3_ENV.bucket}`;
  }
  if (f.status === 403 && (s3Code === 'Forbidden' || s3Code === undefined || s3Code === 'UnknownError' || s3Code === '403')) {
    return `access denied: ${endpoint} answered 403 Forbidden to ${VERB[context.action]} ${target(context)} with no detail: check ${S3_ENV.accessKeyId}, ${S3_ENV.secretAccessKey} and that ${PERMISSION[context.action]} is granted`;
  }
  if (f.status === 301 || f.status === 307) {
    return `wrong region: ${endpoint} redirects requests for bucket "${context.bucket}": set ${S3_ENV.region} to the bucket's region`;
  }

  // Failures before S3 answered.
  const code = f.code;
  if ((code !== undefined && (TLS_CODES.has(code) || /^ERR_(SSL|TLS)_/.test(code) || /^(CERT|UNABLE_TO)_/.test(code))) || /\bSSL\b|wrong version number|certificate|handshake/i.test(f.message)) {
    const plainHttp = /wrong version number|packet length too long|http request|record layer/i.test(f.message);
    const reason = /SSL routines:[^:]*:([^:]+)/.exec(f.message)?.[1] ?? f.message;
    return `TLS failure: the TLS handshake with ${endpoint} failed (${code !== undefined && code !== 'EPROTO' ? `${code}: ` : ''}${reason})${
      plainHttp ? ': the endpoint seems to serve plain HTTP: use an http:// endpoint' : ': check the server certificate (for a private CA, mount it and set NODE_EXTRA_CA_CERTS)'
    }`;
  }
  if (code === 'ECONNREFUSED') {
    return `endpoint unreachable: ${hostOf(context.settings.endpoint)} refused the connection: ${endpointHint}`;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `endpoint unreachable: cannot resolve host ${hostOf(context.settings.endpoint)}: ${endpointHint}`;
  }
  if (f.name === 'TimeoutError' || code === 'ETIMEDOUT' || /timed? ?out/i.test(f.message)) {
    return `timed out: ${endpoint} sent no answer within ${secondsText(context.settings.timeoutMs)} (--timeout) to ${VERB[context.action]} ${target(context)}`;
  }
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return `endpoint unreachable: the connection to ${hostOf(context.settings.endpoint)} failed (${code}): ${endpointHint}`;
  }
  if (/socket hang up/i.test(f.message)) {
    return `endpoint unreachable: ${hostOf(context.settings.endpoint)} closed the connection (${f.message}): ${endpointHint}`;
  }

  const action = `${VERB[context.action]} ${target(context)}`;
  if (f.status !== undefined || f.answered) {
    return `cannot ${action}: ${endpoint} answered ${f.status ?? ''}${s3Code !== undefined ? ` ${s3Code}` : ''}: ${f.message}`.replace(/ {2,}/g, ' ');
  }
  return `cannot ${action} at ${endpoint}: ${f.message}`;
}
