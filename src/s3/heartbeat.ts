/**
 * The heartbeat (dead man's switch) of `s3 latest`, `s3 verify` and `s3 prune`:
 * after the command, a GET of the URL on success, a POST of the error line to
 * URL/fail on failure (the convention of healthchecks.io and compatible
 * services). One attempt, bounded by HEARTBEAT_TIMEOUT_MS; a ping that fails is
 * logged on stderr and never changes the command's exit code. The URL usually
 * holds a secret token: messages name its scheme and host only.
 */
import { request as httpRequest } from 'http';
import { request as httpsRequest } from 'https';
import { InputError } from '../input-error';
import { HEARTBEAT_ENV, HEARTBEAT_MAX_AGE_ENV } from './config';
import { durationFlag } from './duration';

export { HEARTBEAT_ENV, HEARTBEAT_MAX_AGE_ENV };
/** The ping's whole bound: connecting, sending and the answer. */
export const HEARTBEAT_TIMEOUT_MS = 5000;
/** The failure body is the error line, cut to this many bytes. */
const MAX_BODY_BYTES = 10_000;

/** The heartbeat URL from the flag or the environment, checked; undefined if neither is set. Throws InputError. */
export function heartbeatUrl(flag: string | undefined, env: NodeJS.ProcessEnv): URL | undefined {
  const fromFlag = flag !== undefined;
  const raw = (fromFlag ? flag : env[HEARTBEAT_ENV])?.trim();
  if (raw === undefined || raw === '') {
    if (fromFlag) throw new InputError(['--heartbeat-url: the URL is empty']);
    return undefined;
  }
  const where = fromFlag ? '--heartbeat-url' : HEARTBEAT_ENV;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError([`${where}: not a URL: give an http:// or https:// URL, like https://hc-ping.com/<uuid>`]);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError([`${where}: the URL must start with http:// or https://`]);
  return url;
}

/**
 * The maximum age a success ping vouches for: --heartbeat-max-age, else the
 * environment, else (for `latest`) its --max-age. A heartbeat without one could
 * only say "the command ran", which is green while backups have stopped: it is
 * refused (InputError).
 */
export function heartbeatMaxAge(flag: string | undefined, env: NodeJS.ProcessEnv, maxAgeFlag?: string): { ms: number; text: string; flag: string } {
  const fromEnv = env[HEARTBEAT_MAX_AGE_ENV]?.trim();
  const [raw, where] =
    flag !== undefined ? [flag, '--heartbeat-max-age'] : fromEnv ? [fromEnv, HEARTBEAT_MAX_AGE_ENV] : maxAgeFlag !== undefined ? [maxAgeFlag, '--max-age'] : [undefined, ''];
  if (raw === undefined) {
    throw new InputError([
      `--heartbeat-url needs the maximum age a success ping vouches for: give --heartbeat-max-age (or ${HEARTBEAT_MAX_AGE_ENV}), like 26h: a success ping means that a restorable archive younger than it exists`,
    ]);
  }
  return { ms: durationFlag(raw, where), text: raw.trim(), flag: where };
}

/** The failure URL: the path with `/fail` appended (query kept). */
export function failUrl(url: URL): URL {
  const out = new URL(url.href);
  out.pathname = `${out.pathname.replace(/\/+$/, '')}/fail`;
  return out;
}

/** `https://hc-ping.com/…`: enough to recognise the service, not the token. */
export function urlLabel(url: URL): string {
  return `${url.protocol}//${url.host}/…`;
}

/** Sends one request; resolves with the status, rejects with why it failed. Never takes longer than HEARTBEAT_TIMEOUT_MS. */
function send(url: URL, method: 'GET' | 'POST', body: string | undefined, userAgent: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const data = body !== undefined ? Buffer.from(body) : undefined;
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method,
        agent: false,
        headers: {
          'User-Agent': userAgent,
          ...(data !== undefined ? { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(data.length) } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${HEARTBEAT_TIMEOUT_MS / 1000} s`)), HEARTBEAT_TIMEOUT_MS);
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * Pings the heartbeat for an exit code: success (0) GETs the URL, anything
 * else POSTs `errorLine` to URL/fail. Logs on stderr; never throws.
 */
export async function pingHeartbeat(url: URL, code: number, errorLine: string | undefined, io: { stderr: (t: string) => void }, userAgent = 'infrahub-backup-cdk8s'): Promise<void> {
  const success = code === 0;
  const target = success ? url : failUrl(url);
  const body = success ? undefined : Buffer.from(errorLine ?? `exit code ${code}`).subarray(0, MAX_BODY_BYTES).toString();
  try {
    const status = await send(target, success ? 'GET' : 'POST', body, userAgent);
    if (status < 200 || status >= 300) {
      io.stderr(`warning: heartbeat: ${urlLabel(url)} answered HTTP ${status} to the ${success ? 'success' : 'failure'} ping; the exit code is unchanged\n`);
    } else {
      io.stderr(`heartbeat: ${success ? 'success' : 'failure'} reported to ${urlLabel(url)}\n`);
    }
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    const why = error.code !== undefined ? `${error.code}${error.message.includes(error.code) ? '' : `: ${error.message}`}` : error.message;
    io.stderr(`warning: heartbeat: the ${success ? 'success' : 'failure'} ping to ${urlLabel(url)} failed (${why.split('\n')[0]}); the exit code is unchanged\n`);
  }
}
