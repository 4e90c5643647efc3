/**
 * No credential, token or userinfo in any output of the s3 commands or in the
 * heartbeat's failure body: a server that echoes the session token, the
 * request's Authorization header or a token in a header value, an endpoint
 * with `user:password@`, a heartbeat URL whose path is its token. The
 * redaction rules themselves are checked with generated secrets.
 */
import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import * as fc from 'fast-check';
import { REDACTED, knownSecrets, redactor, urlArguments } from '../../src/s3/redact';
import { MAX_ERROR_LINE, errorLines } from '../../src/input-error';
import { RawRequest, httpAnswer, listingXml, run, s3Env, s3ErrorXml, withHostileServer } from './support';

jest.setTimeout(30_000);

const TOKEN = 'FQoGZXIvYXdzEJr//////////wEaDOkNotARealSessionToken0123456789abcdefABCDEF+/=';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';

let pings: Array<{ method: string; url: string; body: string }> = [];
let hook: Server;
let hookUrl: string;

beforeAll(async () => {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      pings.push({ method: req.method ?? '', url: req.url ?? '', body });
      res.writeHead(200);
      res.end('OK');
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', () => resolve()));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/ping/3f1c9a2e-7b4d-4e0a-9c55-1d2e3f4a5b6c`;
});

beforeEach(() => {
  pings = [];
});

afterAll(async () => {
  await new Promise<void>((resolve) => hook.close(() => resolve()));
});

const withServer = withHostileServer;

/** Every output and ping of a run, as one text. */
function everything(result: { stdout: string; stderr: string }): string {
  return [result.stdout, result.stderr, ...pings.map((p) => p.body)].join('\n');
}

const ENV_WITH_TOKEN = (endpoint: string) =>
  s3Env(endpoint, { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN, INFRAHUB_BACKUP_HEARTBEAT_URL: hookUrl, INFRAHUB_BACKUP_HEARTBEAT_MAX_AGE: '26h' });

describe('a server that echoes what it received', () => {
  test.each([
    ['the session token in the error message', (r: RawRequest) => httpAnswer(400, s3ErrorXml('InvalidToken', `The provided token is malformed: ${r.headers['x-amz-security-token']}`), { 'Content-Type': 'application/xml' })],
    ['the Authorization header in the error message', (r: RawRequest) => httpAnswer(403, s3ErrorXml('AccessDenied', `denied for ${r.headers.authorization}`), { 'Content-Type': 'application/xml' })],
    ['the token as the error code', (r: RawRequest) => httpAnswer(400, s3ErrorXml(r.headers['x-amz-security-token'] ?? 'x', 'bad'), { 'Content-Type': 'application/xml' })],
    ['the token in an HTML answer\'s content type', (r: RawRequest) => httpAnswer(200, '<html></html>', { 'Content-Type': `text/html; token=${r.headers['x-amz-security-token']}` })],
    ['a presigned-style query in the message', (r: RawRequest) => httpAnswer(400, s3ErrorXml('Bad', `retry https://s3.example.com/b?X-Amz-Security-Token=${encodeURIComponent(r.headers['x-amz-security-token'] ?? '')}&X-Amz-Signature=0123456789abcdef`), { 'Content-Type': 'application/xml' })],
  ])('%s: nothing of it on stderr, stdout or in the failure ping', async (_label, answer) => {
    await withServer(
      (request, socket) => socket.write(answer(request)),
      async (server) => {
        const result = await run(ENV_WITH_TOKEN(server.endpoint), 'latest', '--timeout', '1', '--deadline', '5');
        expect(result.code).toBe(1);
        // The server did get the token (so it could echo it).
        expect(server.requests[0].headers['x-amz-security-token']).toBe(TOKEN);
        expect(pings.map((p) => p.method)).toEqual(['POST']);
        const text = everything(result);
        for (const secret of [TOKEN, encodeURIComponent(TOKEN), SECRET, KEY_ID, TOKEN.slice(0, 24), 'Signature=0123456789abcdef', '3f1c9a2e-7b4d-4e0a-9c55-1d2e3f4a5b6c']) {
          expect(text).not.toContain(secret);
        }
        expect(result.stderr).toMatch(/^error: /m);
      },
    );
  });
});

describe('an endpoint with user:password@', () => {
  test.each(['latest', 'verify', 'prune', 'list', 'preflight'])('%s: the userinfo never appears', async (command) => {
    const argv = command === 'prune' ? ['prune', '--keep-last', '1'] : command === 'preflight' ? ['preflight', '--for', 'backup'] : [command];
    for (const [env, extra] of [
      [s3Env('http://backup-user:Sup3rS3cretPassw0rd@127.0.0.1:9', { INFRAHUB_BACKUP_HEARTBEAT_URL: hookUrl, INFRAHUB_BACKUP_HEARTBEAT_MAX_AGE: '26h' }), []],
      [s3Env('http://127.0.0.1:9', { INFRAHUB_BACKUP_HEARTBEAT_URL: hookUrl, INFRAHUB_BACKUP_HEARTBEAT_MAX_AGE: '26h' }), ['--endpoint', 'https://backup-user:Sup3rS3cretPassw0rd@minio.example.com']],
      [s3Env('http://127.0.0.1:9', { INFRAHUB_BACKUP_HEARTBEAT_URL: hookUrl, INFRAHUB_BACKUP_HEARTBEAT_MAX_AGE: '26h' }), ['--endpoint=https://backup-user:Sup3rS3cret%50assw0rd@minio.example.com']],
    ] as const) {
      pings = [];
      const result = await run(env, ...argv, ...extra);
      expect(result.code).toBe(2);
      const text = everything(result);
      expect(text).not.toMatch(/Sup3rS3cret/);
      expect(text).not.toContain('backup-user');
      expect(result.stderr).toMatch(/must not carry credentials/);
    }
  });
});

describe('the redaction rules', () => {
  const secretChars = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/='.split('')), minLength: 16, maxLength: 120 });

  test('a known secret never survives, wherever it stands, even cut at the line limit', () => {
    let drawn = 0;
    let cut = 0;
    fc.assert(
      fc.property(secretChars, fc.tuple(fc.string({ maxLength: 20 }), fc.integer({ min: 0, max: 1100 })).map(([s, n]) => s + '.'.repeat(n)), fc.string({ maxLength: 40 }), (secret, before, after) => {
        drawn++;
        const line = errorLines([`${before}${secret}${after}`]);
        if (line.includes('more characters)')) cut++;
        const out = redactor([secret])(line);
        // Neither the whole secret nor a cut start of it (8 characters or more) remains.
        for (let k = 8; k <= secret.length; k++) {
          if (out.includes(secret.slice(0, k)) && !`${before}`.includes(secret.slice(0, k))) return false;
        }
        return true;
      }),
      { numRuns: 500 },
    );
    expect(drawn).toBe(500);
    // The generator reached the line limit often enough to matter.
    expect(cut).toBeGreaterThan(50);
    expect(MAX_ERROR_LINE).toBe(1000);
  });

  test('credential-shaped text is removed whatever its value (credentials the command never saw)', () => {
    let drawn = 0;
    fc.assert(
      fc.property(
        secretChars,
        fc.constantFrom(
          (v: string) => `x-amz-security-token: ${v}`,
          (v: string) => `X-Amz-Security-Token=${v}&x=1`,
          (v: string) => `https://s3.example.com/b/k?X-Amz-Credential=${v}`,
          (v: string) => `Authorization: AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=${v}`,
          (v: string) => `<Credentials><SessionToken>${v}</SessionToken></Credentials>`,
          (v: string) => `{"SecretAccessKey": "${v}"}`,
          (v: string) => `http://someone:${v}@minio.local:9000`,
          (v: string) => `AWS_SESSION_TOKEN=${v}`,
          // An Authorization header's credential after its scheme, the IRSA web identity token, the instance metadata's JSON.
          (v: string) => `Authorization: Bearer ${v}`,
          (v: string) => `"Authorization":"Basic ${v}"`,
          (v: string) => `Action=AssumeRoleWithWebIdentity&WebIdentityToken=${v}&RoleArn=arn:aws:iam::1:role/r`,
          (v: string) => `{"AccessKeyId":"ASIA","SecretAccessKey":"x","Token":"${v}","Expiration":"2026-01-01T00:00:00Z"}`,
        ),
        (value, shape) => {
          drawn++;
          return !redactor([])(`error: cannot list: ${shape(value)} was refused`).includes(value);
        },
      ),
      { numRuns: 400 },
    );
    expect(drawn).toBe(400);
  });

  test('ordinary lines are left alone', () => {
    const r = redactor(knownSecrets(s3Env('http://127.0.0.1:9000')));
    for (const line of [
      'error: bad secret: signature mismatch for access key ID "S3…" at http://127.0.0.1:9000: check AWS_SECRET_ACCESS_KEY in the Secret',
      'error: access denied: access key ID "AKIA…MPLE" may not list bucket "backups": grant s3:ListBucket on it',
      'ok: wrote and deleted s3://backups/infrahub/.infrahub-backup-cdk8s-preflight',
      'heartbeat: success reported to https://hc-ping.com/…',
    ]) {
      expect(r(line)).toBe(line);
    }
  });

  test('the secrets a command knows: keys, token, the userinfo and the heartbeat token', () => {
    const secrets = knownSecrets(
      { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN, INFRAHUB_BACKUP_HEARTBEAT_URL: 'https://hc-ping.com/3f1c9a2e-7b4d' },
      urlArguments(['latest', '--endpoint=https://u:pw-long-enough@h', '--uri', 's3://b/k', '--heartbeat-url', 'https://hc.example.com/0a1b2c3d4e5f']),
    );
    expect(secrets).toEqual(expect.arrayContaining([KEY_ID, SECRET, TOKEN, 'u:pw-long-enough', 'pw-long-enough', '3f1c9a2e-7b4d', '0a1b2c3d4e5f']));
    expect(secrets.some((s) => s.includes('s3://'))).toBe(false);
    expect(redactor(secrets)(`x ${TOKEN} y`)).toBe(`x ${REDACTED} y`);
  });
});

test("the secrets of s3 copy's destination: its keys, its token and its endpoint's userinfo, from the COPY_ variables and --to-endpoint", () => {
  const copyKeyId = 'AKIACOPYDESTINATION1';
  const secrets = knownSecrets(
    {
      COPY_AWS_ACCESS_KEY_ID: copyKeyId,
      COPY_AWS_SECRET_ACCESS_KEY: 'copy-secret-key-value',
      COPY_AWS_SESSION_TOKEN: 'copy-session-token-value',
      COPY_INFRAHUB_S3_ENDPOINT: 'https://copyuser:copy-password@minio.example.com',
    },
    urlArguments(['copy', '--to-endpoint', 'https://other:to-endpoint-password@h']),
  );
  expect(secrets).toEqual(expect.arrayContaining([copyKeyId, 'copy-secret-key-value', 'copy-session-token-value', 'copy-password', 'to-endpoint-password']));
});

describe('other forms of a secret, and names that are not secrets', () => {
  test('a server echoing the session token or the secret key percent-encoded, with no credential name before it: nothing of it in any output or ping', async () => {
    for (const encode of [encodeURIComponent, (s: string) => encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())]) {
      pings = [];
      await withServer(
        (r, socket) =>
          socket.write(
            httpAnswer(400, s3ErrorXml('InvalidRequest', `cannot route /backups/${encode(r.headers['x-amz-security-token'] ?? '')}/${encode(SECRET)}`), { 'Content-Type': 'application/xml' }),
          ),
        async (server) => {
          const result = await run(ENV_WITH_TOKEN(server.endpoint), 'latest', '--timeout', '1', '--deadline', '5');
          expect(result.code).toBe(1);
          const text = everything(result);
          for (const secret of [encode(TOKEN), encode(SECRET), encode(TOKEN).slice(0, 24)]) expect(text).not.toContain(secret);
        },
      );
    }
  });

  test('an access key ID that is a short name (a MinIO or Ceph user such as "infrahub") does not blank out bucket, prefix and archive names on stdout', async () => {
    const key = 'infrahub/infrahub_backup_20260101_000000.tar.gz';
    await withServer(
      (_r, socket) => socket.write(httpAnswer(200, listingXml([{ key, size: 100 }]), { 'Content-Type': 'application/xml' })),
      async (server) => {
        const result = await run(s3Env(server.endpoint, { AWS_ACCESS_KEY_ID: 'infrahub', AWS_SECRET_ACCESS_KEY: SECRET }), 'list');
        expect(result.code).toBe(0);
        expect(result.stdout).toContain(`s3://backups/${key}`);
        expect(result.stdout).not.toContain(REDACTED);
      },
    );
  });

  test('whatever short access key ID (3 to 15 characters) names the bucket, the prefix or the archive, archive URIs pass unchanged', () => {
    let drawn = 0;
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9-]{2,14}$/), fc.constantFrom('bucket', 'prefix', 'both'), (user, where) => {
        drawn++;
        const bucket = where === 'prefix' ? 'backups' : user;
        const prefix = where === 'bucket' ? 'infrahub' : user;
        const line = `s3://${bucket}/${prefix}/infrahub_backup_20260101_000000.tar.gz\n`;
        return redactor(knownSecrets({ AWS_ACCESS_KEY_ID: user, AWS_SECRET_ACCESS_KEY: SECRET }))(line) === line;
      }),
      { numRuns: 300 },
    );
    expect(drawn).toBe(300);
  });

  test('a heartbeat URL whose path is a plain word ("/backups", the bucket\'s name) does not blank out the archive URIs; a token path still goes', async () => {
    const key = 'infrahub/infrahub_backup_20260101_000000.tar.gz';
    await withServer(
      (_r, socket) => socket.write(httpAnswer(200, listingXml([{ key, size: 100 }]), { 'Content-Type': 'application/xml' })),
      async (server) => {
        const result = await run(s3Env(server.endpoint, { INFRAHUB_BACKUP_HEARTBEAT_URL: 'https://hb.example.com/backups' }), 'list');
        expect(result.code).toBe(0);
        expect(result.stdout).toContain(`s3://backups/${key}`);
      },
    );
    for (const token of ['3f1c9a2e-7b4d', 'AbCdEfGhIjKlMnOpQr', 'ping/k3y']) {
      expect(redactor(knownSecrets({ INFRAHUB_BACKUP_HEARTBEAT_URL: `https://hb.example.com/${token}` }))(`x ${token} y`)).toBe(`x ${REDACTED} y`);
    }
  });

  test('an AWS-shaped access key ID (16 characters or more) is still removed wherever it stands', () => {
    expect(redactor(knownSecrets({ AWS_ACCESS_KEY_ID: KEY_ID }))(`denied for ${KEY_ID}`)).toBe(`denied for ${REDACTED}`);
  });
});
