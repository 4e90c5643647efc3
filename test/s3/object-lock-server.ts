/**
 * A small S3-compatible server with Object Lock, for the tests of `s3 lock`,
 * `s3 preflight` and `s3 prune` (s3rver has no Object Lock). Path-style
 * requests on 127.0.0.1, in memory, answering as the Amazon S3 API Reference
 * documents (element names, namespaces, error codes and statuses):
 *
 * - ListObjectsV2 (`GET /bucket?list-type=2`: prefix, delimiter, max-keys,
 *   continuation-token), PutObject (a plain object: a bucket's default
 *   retention is reported, not applied), HeadObject, GetObject (with a single `Range`: 206 and
 *   Content-Range), DeleteObject, DeleteObjects (`POST /bucket?delete`, which
 *   needs Content-MD5 or an x-amz-checksum-* header, as S3 does);
 * - GetObjectLockConfiguration (`GET /bucket?object-lock`): the configuration,
 *   or 404 ObjectLockConfigurationNotFoundError;
 * - GetBucketVersioning (`GET /bucket?versioning`): `Enabled` for a bucket with
 *   Object Lock (S3 requires it), no `Status` for one never versioned;
 * - GetObjectRetention / PutObjectRetention (`?retention`): 404
 *   NoSuchObjectLockConfiguration for an object without one, 400 InvalidRequest
 *   `Bucket is missing Object Lock Configuration` on a bucket without Object
 *   Lock, 400 InvalidArgument for a date in the past; a shorter date or a
 *   weaker mode is refused: a COMPLIANCE retention with 400 InvalidRequest, a
 *   GOVERNANCE one with 403 AccessDenied unless the request carries
 *   `x-amz-bypass-governance-retention: true`; PutObjectRetention needs
 *   Content-MD5 or an x-amz-checksum-* header, checked against the body;
 * - a delete of a locked object (retain-until in the future, or a legal hold)
 *   refused with 403 AccessDenied `Access Denied because object protected by
 *   object lock.` (as AWS answers a delete of a locked version; the server has
 *   one version per key, so every delete names it).
 *
 * Signatures are not checked (the SDK signs; the tests are about the calls).
 * Actions can be denied (403 AccessDenied) to play a narrower IAM policy.
 * Every request is logged with its headers and body.
 */
import { createHash } from 'crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'http';
import { AddressInfo } from 'net';
import { crc32 } from 'zlib';

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

export type LockMode = 'GOVERNANCE' | 'COMPLIANCE';

export interface StoredObject {
  body: Buffer;
  lastModified: Date;
  etag: string;
  retention?: { mode: LockMode; until: Date };
  legalHold?: boolean;
}

export interface LockBucket {
  /** Object Lock enabled, with an optional default retention. */
  lock?: { defaultRetention?: { mode: LockMode; days?: number; years?: number } };
  /** Versioning: Object Lock buckets are always `Enabled`. */
  versioning?: 'Enabled' | 'Suspended';
  objects: Map<string, StoredObject>;
}

export type LockServerAction =
  | 'ListObjectsV2'
  | 'PutObject'
  | 'HeadObject'
  | 'GetObject'
  | 'DeleteObject'
  | 'DeleteObjects'
  | 'GetObjectLockConfiguration'
  | 'GetBucketVersioning'
  | 'GetObjectRetention'
  | 'PutObjectRetention';

export interface LoggedRequest {
  readonly method: string;
  readonly url: string;
  readonly action: LockServerAction | 'unknown';
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface ObjectLockServer {
  readonly endpoint: string;
  readonly buckets: Map<string, LockBucket>;
  readonly requests: LoggedRequest[];
  /** Actions answered 403 AccessDenied (a narrower policy). */
  readonly denied: Set<LockServerAction>;
  /** Stores an object as an upload at `lastModified` would. */
  put(bucket: string, key: string, body: Buffer | string, lastModified: Date, retention?: { mode: LockMode; until: Date }): StoredObject;
  close(): Promise<void>;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function unescapeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** ISO 8601 with milliseconds, as S3 writes timestamps in XML. */
function isoDate(date: Date): string {
  return date.toISOString();
}

/** An S3 error document, as the API Reference's "Error responses" shows it. */
export function errorDocument(code: string, message: string, resource: string): string {
  return `${XML_HEAD}<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><Resource>${escapeXml(resource)}</Resource><RequestId>4442587FB7D0A2F9</RequestId></Error>`;
}

const LOCKED_MESSAGE = 'Access Denied because object protected by object lock.';

function locked(object: StoredObject, now: number, bypass: boolean): boolean {
  if (object.legalHold) return true;
  if (object.retention === undefined || object.retention.until.getTime() <= now) return false;
  return object.retention.mode === 'COMPLIANCE' || !bypass;
}

/** Whether a body matches its Content-MD5 or x-amz-checksum-* header; undefined when it carries neither. */
function integrity(headers: IncomingMessage['headers'], body: Buffer): boolean | undefined {
  const md5 = headers['content-md5'];
  if (typeof md5 === 'string') return md5 === createHash('md5').update(body).digest('base64');
  const crc = headers['x-amz-checksum-crc32'];
  if (typeof crc === 'string') {
    const value = Buffer.alloc(4);
    value.writeUInt32BE(crc32(body) >>> 0);
    return crc === value.toString('base64');
  }
  const sha = headers['x-amz-checksum-sha256'];
  if (typeof sha === 'string') return sha === createHash('sha256').update(body).digest('base64');
  // Algorithms this server does not compute (CRC32C, CRC64NVME, ...) are taken on trust.
  if (Object.keys(headers).some((h) => h.startsWith('x-amz-checksum-') && h !== 'x-amz-checksum-algorithm' && h !== 'x-amz-checksum-type')) return true;
  return undefined;
}

export async function startObjectLockServer(): Promise<ObjectLockServer> {
  const buckets = new Map<string, LockBucket>();
  const requests: LoggedRequest[] = [];
  const denied = new Set<LockServerAction>();

  const handle = (req: IncomingMessage, body: Buffer, res: ServerResponse): LoggedRequest['action'] => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = url.searchParams;
    const path = decodeURIComponent(url.pathname).slice(1);
    const slash = path.indexOf('/');
    const bucketName = slash < 0 ? path : path.slice(0, slash);
    const key = slash < 0 ? '' : path.slice(slash + 1);
    const method = req.method ?? 'GET';
    const resource = `/${path}`;
    const now = Date.now();

    const send = (status: number, xml?: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'x-amz-request-id': '4442587FB7D0A2F9', ...(xml !== undefined ? { 'Content-Type': 'application/xml', 'Content-Length': String(Buffer.byteLength(xml)) } : {}), ...headers });
      res.end(xml);
    };
    const fail = (status: number, code: string, message: string) => send(status, errorDocument(code, message, resource));
    /** Refuses (true) a body without its Content-MD5 or checksum, or with one that does not match, as S3 does for these calls. */
    const refusedIntegrity = (): boolean => {
      const check = integrity(req.headers, body);
      if (check === undefined) fail(400, 'InvalidRequest', 'Missing required header for this request: Content-MD5 OR x-amz-checksum-*');
      else if (!check) fail(400, 'BadDigest', 'The Content-MD5 or checksum value that you specified did not match what the server received.');
      return check !== true;
    };

    let action: LockServerAction | 'unknown' = 'unknown';
    if (key === '') {
      if (method === 'GET' && query.get('list-type') === '2') action = 'ListObjectsV2';
      else if (method === 'GET' && query.has('object-lock')) action = 'GetObjectLockConfiguration';
      else if (method === 'GET' && query.has('versioning')) action = 'GetBucketVersioning';
      else if (method === 'POST' && query.has('delete')) action = 'DeleteObjects';
    } else if (query.has('retention')) {
      if (method === 'GET') action = 'GetObjectRetention';
      else if (method === 'PUT') action = 'PutObjectRetention';
    } else if (method === 'HEAD') action = 'HeadObject';
    else if (method === 'PUT' && !query.has('tagging') && !query.has('acl') && !query.has('legal-hold')) action = 'PutObject';
    else if (method === 'GET') action = 'GetObject';
    else if (method === 'DELETE') action = 'DeleteObject';
    if (action === 'unknown') {
      fail(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented.');
      return action;
    }
    if (denied.has(action)) {
      if (method === 'HEAD') send(403);
      else fail(403, 'AccessDenied', 'Access Denied');
      return action;
    }
    const bucket = buckets.get(bucketName);
    if (bucket === undefined) {
      if (method === 'HEAD') send(404);
      else fail(404, 'NoSuchBucket', 'The specified bucket does not exist');
      return action;
    }
    const bypass = String(req.headers['x-amz-bypass-governance-retention'] ?? '').toLowerCase() === 'true';

    switch (action) {
      case 'ListObjectsV2': {
        const prefix = query.get('prefix') ?? '';
        const delimiter = query.get('delimiter') ?? '';
        const maxKeys = Math.min(Number(query.get('max-keys') ?? 1000), 1000);
        const start = query.get('continuation-token') ?? '';
        const entries: Array<{ key: string; object?: StoredObject; commonPrefix?: string }> = [];
        const seenPrefixes = new Set<string>();
        for (const k of [...bucket.objects.keys()].sort()) {
          if (!k.startsWith(prefix)) continue;
          const rest = k.slice(prefix.length);
          const cut = delimiter === '' ? -1 : rest.indexOf(delimiter);
          if (cut >= 0) {
            const common = prefix + rest.slice(0, cut + delimiter.length);
            if (!seenPrefixes.has(common)) {
              seenPrefixes.add(common);
              entries.push({ key: common, commonPrefix: common });
            }
          } else entries.push({ key: k, object: bucket.objects.get(k) });
        }
        const from = start === '' ? 0 : entries.findIndex((e) => e.key > Buffer.from(start, 'base64').toString('utf8'));
        const page = from < 0 ? [] : entries.slice(from, from + maxKeys);
        const truncated = from >= 0 && from + maxKeys < entries.length;
        const contents = page
          .filter((e) => e.object)
          .map((e) => `<Contents><Key>${escapeXml(e.key)}</Key><LastModified>${isoDate(e.object!.lastModified)}</LastModified><ETag>${escapeXml(e.object!.etag)}</ETag><Size>${e.object!.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`)
          .join('');
        const commons = page
          .filter((e) => e.commonPrefix)
          .map((e) => `<CommonPrefixes><Prefix>${escapeXml(e.commonPrefix!)}</Prefix></CommonPrefixes>`)
          .join('');
        send(
          200,
          `${XML_HEAD}<ListBucketResult xmlns="${NS}"><Name>${escapeXml(bucketName)}</Name><Prefix>${escapeXml(prefix)}</Prefix>${
            delimiter !== '' ? `<Delimiter>${escapeXml(delimiter)}</Delimiter>` : ''
          }<KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${
            start !== '' ? `<ContinuationToken>${escapeXml(start)}</ContinuationToken>` : ''
          }${truncated ? `<NextContinuationToken>${Buffer.from(page[page.length - 1].key).toString('base64')}</NextContinuationToken>` : ''}${contents}${commons}</ListBucketResult>`,
        );
        return action;
      }
      case 'GetObjectLockConfiguration': {
        if (bucket.lock === undefined) {
          fail(404, 'ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket');
          return action;
        }
        const d = bucket.lock.defaultRetention;
        const rule = d
          ? `<Rule><DefaultRetention><Mode>${d.mode}</Mode>${d.days !== undefined ? `<Days>${d.days}</Days>` : ''}${d.years !== undefined ? `<Years>${d.years}</Years>` : ''}</DefaultRetention></Rule>`
          : '';
        send(200, `${XML_HEAD}<ObjectLockConfiguration xmlns="${NS}"><ObjectLockEnabled>Enabled</ObjectLockEnabled>${rule}</ObjectLockConfiguration>`);
        return action;
      }
      case 'GetBucketVersioning': {
        const status = bucket.lock !== undefined ? 'Enabled' : bucket.versioning;
        send(200, `${XML_HEAD}<VersioningConfiguration xmlns="${NS}">${status !== undefined ? `<Status>${status}</Status>` : ''}</VersioningConfiguration>`);
        return action;
      }
      case 'DeleteObjects': {
        if (refusedIntegrity()) return action;
        const text = body.toString('utf8');
        const quiet = /<Quiet>true<\/Quiet>/.test(text);
        const keys = [...text.matchAll(/<Object>\s*<Key>([\s\S]*?)<\/Key>[\s\S]*?<\/Object>/g)].map((m) => unescapeXml(m[1]));
        const parts: string[] = [];
        for (const k of keys) {
          const object = bucket.objects.get(k);
          if (object !== undefined && locked(object, now, bypass)) {
            parts.push(`<Error><Key>${escapeXml(k)}</Key><Code>AccessDenied</Code><Message>${LOCKED_MESSAGE}</Message></Error>`);
            continue;
          }
          bucket.objects.delete(k);
          if (!quiet) parts.push(`<Deleted><Key>${escapeXml(k)}</Key></Deleted>`);
        }
        send(200, `${XML_HEAD}<DeleteResult xmlns="${NS}">${parts.join('')}</DeleteResult>`);
        return action;
      }
      default:
        break;
    }

    // Object actions.
    if (action === 'PutObject') {
      // A default retention is reported by GetObjectLockConfiguration, not applied here: every upload is a plain object.
      const etag = `"${createHash('md5').update(body).digest('hex')}"`;
      bucket.objects.set(key, { body, lastModified: new Date(Math.floor(now / 1000) * 1000), etag });
      send(200, undefined, { ETag: etag });
      return action;
    }
    const object = bucket.objects.get(key);
    if (action === 'DeleteObject') {
      if (object !== undefined && locked(object, now, bypass)) fail(403, 'AccessDenied', LOCKED_MESSAGE);
      else {
        bucket.objects.delete(key);
        send(204);
      }
      return action;
    }
    if (action === 'PutObjectRetention' || action === 'GetObjectRetention') {
      if (bucket.lock === undefined) {
        fail(400, 'InvalidRequest', 'Bucket is missing Object Lock Configuration');
        return action;
      }
    }
    if (object === undefined) {
      if (method === 'HEAD') send(404);
      else fail(404, 'NoSuchKey', 'The specified key does not exist.');
      return action;
    }
    const objectHeaders = (): Record<string, string> => ({
      ETag: object.etag,
      'Last-Modified': object.lastModified.toUTCString(),
      'Accept-Ranges': 'bytes',
      ...(object.retention ? { 'x-amz-object-lock-mode': object.retention.mode, 'x-amz-object-lock-retain-until-date': isoDate(object.retention.until) } : {}),
      ...(object.legalHold ? { 'x-amz-object-lock-legal-hold': 'ON' } : {}),
    });
    switch (action) {
      case 'HeadObject':
        res.writeHead(200, { ...objectHeaders(), 'Content-Length': String(object.body.length), 'Content-Type': 'application/octet-stream' });
        res.end();
        return action;
      case 'GetObject': {
        const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
        if (range) {
          const first = Number(range[1]);
          const last = Math.min(range[2] === '' ? object.body.length - 1 : Number(range[2]), object.body.length - 1);
          if (first >= object.body.length) {
            fail(416, 'InvalidRange', 'The requested range is not satisfiable');
            return action;
          }
          const slice = object.body.subarray(first, last + 1);
          res.writeHead(206, { ...objectHeaders(), 'Content-Length': String(slice.length), 'Content-Range': `bytes ${first}-${last}/${object.body.length}`, 'Content-Type': 'application/octet-stream' });
          res.end(slice);
          return action;
        }
        res.writeHead(200, { ...objectHeaders(), 'Content-Length': String(object.body.length), 'Content-Type': 'application/octet-stream' });
        res.end(object.body);
        return action;
      }
      case 'GetObjectRetention':
        if (object.retention === undefined) {
          fail(404, 'NoSuchObjectLockConfiguration', 'The specified object does not have a ObjectLock configuration');
          return action;
        }
        send(200, `${XML_HEAD}<Retention xmlns="${NS}"><Mode>${object.retention.mode}</Mode><RetainUntilDate>${isoDate(object.retention.until)}</RetainUntilDate></Retention>`);
        return action;
      case 'PutObjectRetention': {
        if (refusedIntegrity()) return action;
        const text = body.toString('utf8');
        const mode = /<Mode>(GOVERNANCE|COMPLIANCE)<\/Mode>/.exec(text)?.[1] as LockMode | undefined;
        const untilText = /<RetainUntilDate>([^<]+)<\/RetainUntilDate>/.exec(text)?.[1];
        const until = untilText === undefined ? undefined : new Date(untilText);
        if (!/^(<\?xml[^>]*\?>\s*)?<Retention[\s>]/.test(text.trim()) || mode === undefined || until === undefined || Number.isNaN(until.getTime())) {
          fail(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
          return action;
        }
        if (until.getTime() <= now) {
          fail(400, 'InvalidArgument', 'The retain until date must be in the future!');
          return action;
        }
        const current = object.retention;
        if (current !== undefined && current.until.getTime() > now) {
          const weaker = until.getTime() < current.until.getTime() || (current.mode === 'COMPLIANCE' && mode === 'GOVERNANCE');
          if (weaker && current.mode === 'COMPLIANCE') {
            fail(400, 'InvalidRequest', 'the retain until date of an object in COMPLIANCE mode cannot be shortened, nor its mode changed');
            return action;
          }
          if (weaker && !bypass) {
            fail(403, 'AccessDenied', LOCKED_MESSAGE);
            return action;
          }
        }
        object.retention = { mode, until };
        send(200);
        return action;
      }
      default:
        fail(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented.');
        return action;
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const action = handle(req, body, res);
      requests.push({ method: req.method ?? '', url: req.url ?? '', action, headers: req.headers, body: body.toString('utf8') });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    buckets,
    requests,
    denied,
    put(bucket, key, body, lastModified, retention) {
      let b = buckets.get(bucket);
      if (b === undefined) buckets.set(bucket, (b = { objects: new Map() }));
      const data = Buffer.isBuffer(body) ? body : Buffer.from(body);
      const object: StoredObject = { body: data, lastModified: new Date(Math.floor(lastModified.getTime() / 1000) * 1000), etag: `"${createHash('md5').update(data).digest('hex')}"`, retention };
      b.objects.set(key, object);
      return object;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
