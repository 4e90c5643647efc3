/**
 * The S3 settings of the `s3` commands, read from the environment the
 * infrahub-backup image reads (so one Secret and one ConfigMap serve both) and
 * from flags, which win. Pure: nothing here talks to S3.
 */
import { BUCKET_NAME_HINT, BUCKET_NAME_PATTERN } from '../bucket-name';
import { COPY_ENV_PREFIX } from '../companion-env';
import { InputError } from '../input-error';

/** Environment variables, as the infrahub-backup image names them. */
export const S3_ENV = {
  bucket: 'INFRAHUB_S3_BUCKET',
  prefix: 'INFRAHUB_S3_PREFIX',
  endpoint: 'INFRAHUB_S3_ENDPOINT',
  region: 'INFRAHUB_S3_REGION',
  accessKeyId: 'AWS_ACCESS_KEY_ID',
  secretAccessKey: 'AWS_SECRET_ACCESS_KEY',
  sessionToken: 'AWS_SESSION_TOKEN',
} as const;

export { HEARTBEAT_ENV, HEARTBEAT_MAX_AGE_ENV, MIN_RATE_ENV } from '../companion-env';

/** The image's default region. */
export const DEFAULT_REGION = 'us-east-1';
/** Default bound, in seconds, of each attempt of an S3 call: connecting, the first byte, and any silence while streaming. */
export const DEFAULT_TIMEOUT_SECONDS = 30;
/** The smallest --timeout accepted: below it, no S3 service can answer at all. */
export const MIN_TIMEOUT_SECONDS = 1;
const MAX_TIMEOUT_SECONDS = 3600;
const MAX_DEADLINE_SECONDS = 86_400;

/** The connection flags every `s3` command takes (all optional: the environment fills in). */
export interface ConnectionFlags {
  readonly bucket?: string;
  readonly prefix?: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly timeout?: string;
  readonly deadline?: string;
}

export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface S3Settings {
  /** The bucket; undefined only when the command was told not to need one (an `s3://` URI names it). */
  readonly bucket: string | undefined;
  /** The prefix as configured (may be empty). */
  readonly prefix: string;
  /**
   * What precedes an archive's file name in its key: empty without a prefix,
   * otherwise the prefix without one trailing slash, then `/` (the image's
   * `strings.TrimSuffix(prefix, "/") + "/" + file`). Also the listing prefix.
   */
  readonly keyPrefix: string;
  /** A custom endpoint (`http://` or `https://`, no path), or undefined for AWS S3. */
  readonly endpoint: string | undefined;
  readonly region: string;
  /** From AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY(/AWS_SESSION_TOKEN); undefined: the SDK's default chain (shared files, IRSA, instance metadata), as the image does. */
  readonly credentials: StaticCredentials | undefined;
  /** Bound of each attempt of an S3 call (connect, first byte, silence), in milliseconds. */
  readonly timeoutMs: number;
  /** The command's overall deadline (--deadline), in milliseconds; undefined: the command's default (client.ts deadlineMs). */
  readonly deadlineMs?: number;
}

/** An environment value, trimmed; empty counts as unset (an unsubstituted variable in a manifest). */
function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function pick(flag: string | undefined, env: NodeJS.ProcessEnv, name: string): { value: string | undefined; source: string } {
  if (flag !== undefined) return { value: flag.trim() === '' ? undefined : flag.trim(), source: 'flag' };
  return { value: envValue(env, name), source: name };
}

const BUCKET = new RegExp(BUCKET_NAME_PATTERN);
const REGION = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** Problems with a bucket name, for messages naming `where` it came from. */
export function bucketProblem(bucket: string, where: string): string | undefined {
  if (!BUCKET.test(bucket)) {
    return `${where}: "${bucket}" is not a bucket name (${BUCKET_NAME_HINT})`;
  }
  return undefined;
}

/** Normalises a custom endpoint; returns the URL text or a problem. */
export function parseEndpoint(raw: string, where: string): { endpoint?: string; problem?: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: `${where}: "${raw}" is not a URL: give the scheme and host, like https://minio.example.com:9000 or http://minio.minio.svc:9000` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { problem: `${where}: "${raw}" must start with http:// or https:// (http:// disables TLS, as in the backup image)` };
  }
  if (url.hostname === '') {
    return { problem: `${where}: "${raw}" has no host` };
  }
  if (url.username !== '' || url.password !== '') {
    // Named without its userinfo: the line must not print the credentials it refuses.
    return { problem: `${where}: "${url.protocol}//…@${url.host}" must not carry credentials: use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY` };
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    return { problem: `${where}: "${raw}" must be a scheme, host and port only (the backup image ignores a path, so a bucket or path here would not be used by it)` };
  }
  return { endpoint: `${url.protocol}//${url.host}` };
}

/** Reads the settings; throws InputError with every problem found. */
export function resolveSettings(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv,
  options: { readonly needBucket: boolean },
): S3Settings {
  const problems: string[] = [];
  const where = (source: string, flag: string): string => (source === 'flag' ? `--${flag}` : source);

  const bucketPick = pick(flags.bucket, env, S3_ENV.bucket);
  if (bucketPick.value === undefined && options.needBucket) {
    problems.push(`no bucket: set ${S3_ENV.bucket} (or --bucket)`);
  } else if (bucketPick.value !== undefined) {
    const problem = bucketProblem(bucketPick.value, where(bucketPick.source, 'bucket'));
    if (problem) problems.push(problem);
  }

  // The prefix is used as given (only trimmed of whitespace), like the image.
  const prefix = flags.prefix !== undefined ? flags.prefix.trim() : envValue(env, S3_ENV.prefix) ?? '';
  // eslint-disable-next-line no-control-regex -- the control characters are what this test refuses
  if (/[\u0000-\u001f\u007f]/.test(prefix)) problems.push(`${where(flags.prefix !== undefined ? 'flag' : S3_ENV.prefix, 'prefix')}: the prefix contains control characters`);
  const keyPrefix = prefix === '' ? '' : `${prefix.endsWith('/') ? prefix.slice(0, -1) : prefix}/`;

  let endpoint: string | undefined;
  const endpointPick = pick(flags.endpoint, env, S3_ENV.endpoint);
  if (endpointPick.value !== undefined) {
    const parsed = parseEndpoint(endpointPick.value, where(endpointPick.source, 'endpoint'));
    if (parsed.problem) problems.push(parsed.problem);
    endpoint = parsed.endpoint;
  }

  const regionPick = pick(flags.region, env, S3_ENV.region);
  const region = regionPick.value ?? DEFAULT_REGION;
  if (!REGION.test(region)) problems.push(`${where(regionPick.source, 'region')}: "${region}" is not a region name (like us-east-1)`);

  const seconds = (raw: string | undefined, flag: string, min: number, max: number): number | undefined => {
    if (raw === undefined) return undefined;
    const value = Number(raw.trim());
    if (raw.trim() === '' || !/^[0-9.]+$/.test(raw.trim()) || !Number.isFinite(value) || value < min || value > max) {
      problems.push(`${flag}: "${raw}" is not a number of seconds between ${min} and ${max}`);
      return undefined;
    }
    return value;
  };
  const timeoutSeconds = seconds(flags.timeout, '--timeout', MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS) ?? DEFAULT_TIMEOUT_SECONDS;
  const deadlineSeconds = seconds(flags.deadline, '--deadline', MIN_TIMEOUT_SECONDS, MAX_DEADLINE_SECONDS);

  let credentials: StaticCredentials | undefined;
  const accessKeyId = envValue(env, S3_ENV.accessKeyId);
  const secretAccessKey = envValue(env, S3_ENV.secretAccessKey);
  const sessionToken = envValue(env, S3_ENV.sessionToken);
  if (accessKeyId !== undefined && secretAccessKey !== undefined) {
    credentials = { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) };
  } else if (accessKeyId !== undefined) {
    problems.push(`${S3_ENV.accessKeyId} is set but ${S3_ENV.secretAccessKey} is not: set both (from the same Secret)`);
  } else if (secretAccessKey !== undefined) {
    problems.push(`${S3_ENV.secretAccessKey} is set but ${S3_ENV.accessKeyId} is not: set both (from the same Secret)`);
  } else if (sessionToken !== undefined) {
    problems.push(`${S3_ENV.sessionToken} is set without ${S3_ENV.accessKeyId} and ${S3_ENV.secretAccessKey}`);
  }

  if (problems.length > 0) throw new InputError(problems);
  return {
    bucket: bucketPick.value,
    prefix,
    keyPrefix,
    endpoint,
    region,
    credentials,
    timeoutMs: Math.round(timeoutSeconds * 1000),
    ...(deadlineSeconds !== undefined ? { deadlineMs: Math.round(deadlineSeconds * 1000) } : {}),
  };
}

/** An `s3://bucket/key` location. */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** Parses `s3://bucket/key` (the form the image's restore takes); throws InputError. */
export function parseS3Uri(uri: string, where = '--uri'): S3Location {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri.trim());
  if (!match) {
    throw new InputError([`${where}: "${uri}" is not an s3://bucket/key URI`]);
  }
  const problem = bucketProblem(match[1], where);
  if (problem) throw new InputError([problem]);
  return { bucket: match[1], key: match[2] };
}

/** The URI of an object. */
export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** Where the endpoint is, for messages. */
export function endpointLabel(settings: Pick<S3Settings, 'endpoint' | 'region'>): string {
  return settings.endpoint ?? `AWS S3 (${settings.region})`;
}

/**
 * The destination of `s3 copy` is read from the same variables with the
 * prefix COPY_ENV_PREFIX (`COPY_INFRAHUB_S3_BUCKET`, `COPY_AWS_ACCESS_KEY_ID`...),
 * each by the same rule as its unprefixed one, none inherited from the source:
 * a second location has its own Secret and settings.
 */
export { COPY_ENV_PREFIX };

/** The destination's variable of a source variable. */
export function copyEnvName(name: string): string {
  return `${COPY_ENV_PREFIX}${name}`;
}

/** The environment seen through the destination's names: each S3_ENV variable takes the value of its COPY_ one (unset when that is unset). */
export function copyEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const name of Object.values(S3_ENV)) {
    const value = env[copyEnvName(name)];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

const S3_ENV_NAMES = new RegExp(`(?<![A-Za-z0-9_])(${Object.values(S3_ENV).join('|')})(?![A-Za-z0-9_])`, 'g');
const CONNECTION_FLAG_NAMES = /(?<![A-Za-z0-9-])--(bucket|prefix|endpoint|region)(?![A-Za-z0-9-])/g;

/** A line about the destination: the variables and flags it names are the destination's (COPY_..., --to-...). */
export function forCopy(line: string): string {
  return line.replace(S3_ENV_NAMES, (name) => copyEnvName(name)).replace(CONNECTION_FLAG_NAMES, '--to-$1');
}
