/**
 * Keeps credentials out of every line the `s3` commands write and out of the
 * heartbeat's failure body. All output of an s3 command goes through one
 * redacting io (`redactingIo`), built before the command runs, so a secret is
 * removed before the text is printed or tapped for the heartbeat, whatever
 * produced it: a message of ours that echoes a flag or a variable, an S3 error
 * message, a header value a server echoes back, an SDK warning.
 *
 * Two rules: every known secret value is replaced wherever it appears (the
 * secret key, the session token, an AWS-length access key ID, which messages
 * show masked instead, the userinfo and the token path of the URLs the command
 * was given, each also percent-encoded), and every text shaped like a credential is replaced whatever its
 * value (`user:password@` in a URL, `X-Amz-Security-Token=...`, `Signature=`,
 * `Credential=`, an `Authorization` header, XML elements holding a token), so
 * that credentials the command never saw (from the default chain: IRSA,
 * instance metadata) are caught too. Pure.
 */
import { S3_ENV, HEARTBEAT_ENV, copyEnvName } from './config';
import type { S3Io } from '../io';

/** What replaces a secret. */
export const REDACTED = '[redacted]';
/** Known values shorter than this are not searched for (they would hide ordinary words). */
const MIN_SECRET_LENGTH = 6;
/**
 * An access key ID shorter than this is a user name (MinIO and Ceph accept 3
 * characters: `backup`, `infrahub`), not a secret, and often also the bucket's or
 * the prefix's name: replaced everywhere, it would blank out every archive URI a
 * command prints. AWS key IDs are at least this long (IAM's AccessKeyId); our own
 * messages show any key ID masked.
 */
const MIN_KEY_ID_LENGTH = 16;
/** A heartbeat path without a digit shorter than this may be a plain word, not a token (see knownSecrets). */
const MIN_WORDLESS_TOKEN_LENGTH = 16;
/** A secret cut by the error line's length limit is still hidden down to this many characters. */
const MIN_CUT_PREFIX = 4;

/** `scheme://userinfo@`: the userinfo goes, the scheme and host stay (an unencoded `/` in a password included; `s3://` URIs, whose keys may hold `@`, excepted). */
const USERINFO = /\b((?!s3:)[a-z][a-z0-9+.-]*:\/\/)[^\s?#@"'<>]+@/gi;
/**
 * `name=value`, `name: value`, `"name": "value"` for names that carry credentials (query parameters, headers, JSON, logs):
 * an Authorization header's scheme and its credential (`Bearer <token>`), the IRSA web identity token, the `Token` of
 * the instance metadata's and the container credentials' JSON.
 */
const NAMED =
  /\b(x-amz-security-token|x-amz-credential|x-amz-signature|awsaccesskeyid|aws_access_key_id|aws_secret_access_key|aws_session_token|secretaccesskey|sessiontoken|webidentitytoken|security-token|token|signature|credential|authorization|password|passwd)(["']?\s*[:=]\s*["']?)(?!\[redacted\])((?:(?:bearer|basic|digest|negotiate|aws4-hmac-sha256|aws)\s+)?[^\s&"'<>,;]+(?: [^\s&"'<>,;=]+(?=,|$))?)/gi;
/** `<SessionToken>...</SessionToken>` and the like, as STS and S3 error documents write them. */
const XML_ELEMENT = /<(SessionToken|SecretAccessKey|SecurityToken|Token|Signature|Credential|Password)>[^<]*<\/\1>/gi;

/** Secrets named by the environment and the flags of a command: values that must never be printed. */
export function knownSecrets(env: NodeJS.ProcessEnv, urls: ReadonlyArray<string | undefined> = []): string[] {
  const out: string[] = [];
  // The source's credentials and those of s3 copy's destination (COPY_...).
  for (const name of [S3_ENV.secretAccessKey, S3_ENV.sessionToken].flatMap((n) => [n, copyEnvName(n)])) {
    const value = env[name]?.trim();
    if (value) out.push(value);
  }
  for (const name of [S3_ENV.accessKeyId, copyEnvName(S3_ENV.accessKeyId)]) {
    const keyId = env[name]?.trim();
    if (keyId !== undefined && keyId.length >= MIN_KEY_ID_LENGTH) out.push(keyId);
  }
  for (const raw of [env[S3_ENV.endpoint], env[copyEnvName(S3_ENV.endpoint)], env[HEARTBEAT_ENV], ...urls]) {
    if (raw === undefined) continue;
    const text = raw.trim();
    // The userinfo, whether or not the URL parses.
    const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^\s/?#]*)@/i.exec(text)?.[1];
    if (userinfo !== undefined) {
      out.push(userinfo, ...userinfo.split(':').map((p) => safeDecode(p)), ...userinfo.split(':'));
    }
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
    if (url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:')) {
      // A heartbeat URL's path and query are its token (hc-ping.com/<uuid>). Alone, only when shaped like one
      // (a digit, or 16 characters): a plain word (`/backups`, often the bucket's name) would blank out every URI.
      const rest = `${url.pathname}${url.search}`;
      if (rest.replace(/\//g, '').length >= MIN_SECRET_LENGTH) {
        out.push(text, url.href);
        if (/\d/.test(rest) || rest.replace(/\//g, '').length >= MIN_WORDLESS_TOKEN_LENGTH) out.push(rest, rest.replace(/^\/+/, ''));
      }
    }
  }
  // As a server may echo them inside a URL: percent-encoded, with upper- or lowercase hex.
  const encoded = out.flatMap((s) => {
    const upper = encodeURIComponent(s);
    return [upper, upper.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())];
  });
  return [...new Set([...out, ...encoded].filter((s) => s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A function that removes the given secrets and every credential-shaped text from a text. */
export function redactor(secrets: readonly string[]): (text: string) => string {
  const ordered = [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
  const known = ordered.length > 0 ? new RegExp(ordered.map(escapeRegExp).join('|'), 'g') : undefined;
  // A line cut at its length limit ends with "… (N more characters)": the start of a secret may stand before it.
  const cut = ordered.length > 0 ? new RegExp(`(${ordered.map((s) => `${escapeRegExp(s.slice(0, MIN_CUT_PREFIX))}[^\\s…]*`).join('|')})… \\(\\d+ more characters\\)`, 'g') : undefined;
  return (text: string): string => {
    let out = known !== undefined ? text.replace(known, REDACTED) : text;
    if (cut !== undefined) {
      out = out.replace(cut, (match, part: string) => (ordered.some((s) => s.startsWith(part)) ? match.replace(part, REDACTED) : match));
    }
    return out
      .replace(XML_ELEMENT, (_m, name: string) => `<${name}>${REDACTED}</${name}>`)
      .replace(USERINFO, `$1${REDACTED}@`)
      .replace(NAMED, `$1$2${REDACTED}`);
  };
}

/** The io with both outputs redacted (see the module's comment). */
export function redactingIo<T extends Pick<S3Io, 'stdout' | 'stderr'>>(io: T, redact: (text: string) => string): T {
  return { ...io, stdout: (text: string) => io.stdout(redact(text)), stderr: (text: string) => io.stderr(redact(text)) };
}

/** Flags whose value may hold credentials: the endpoints (userinfo) and the heartbeat URL (its path is the token). */
const URL_FLAGS = ['--endpoint', '--to-endpoint', '--heartbeat-url'];

/** The values of the flags of an s3 command line that may hold credentials (URL_FLAGS). */
export function urlArguments(argv: readonly string[]): string[] {
  const out: string[] = [];
  argv.forEach((arg, i) => {
    for (const flag of URL_FLAGS) {
      if (arg === flag && i + 1 < argv.length) out.push(argv[i + 1]);
      else if (arg.startsWith(`${flag}=`)) out.push(arg.slice(flag.length + 1));
    }
  });
  return out;
}
