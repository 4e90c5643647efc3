/**
 * Hostile kubeconfigs: whatever is wrong with the cluster configuration, the
 * guard's one line never shows a token, a password, a client key or a
 * certificate from it.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest hoists jest.mock above the imports: its factory requires the CommonJS bundle of the ESM client itself
jest.mock('@kubernetes/client-node', () => require('./support').kubernetesClient());

import { mkdtempSync, writeFileSync } from 'fs';
import { createServer } from 'http';
import { AddressInfo } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { runCliAsync } from '../../src/cli';
import { kubernetesClient } from './support';

const SECRET = 'sEcReTtOkEn0123456789abcdef';

async function run(kubeconfig: string): Promise<{ code: number; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ibc-guard-hostile-kc-'));
  const file = join(dir, 'kubeconfig');
  writeFileSync(file, kubeconfig);
  let out = '';
  const code = await runCliAsync(['guard', 'repair', '--release', 'infrahub-backup', '--timeout', '3'], {
    stdout: (t) => (out += t),
    stderr: (t) => (out += t),
    env: { KUBECONFIG: file, INFRAHUB_K8S_NAMESPACE: 'infrahub', HOME: '/nonexistent' },
  });
  return { code, out };
}

beforeAll(() => void kubernetesClient(), 60_000);

const cluster = (server: string) => `clusters:\n- name: t\n  cluster: {server: "${server}", insecure-skip-tls-verify: true}\n`;
const ctx = 'contexts:\n- name: t\n  context: {cluster: t, user: u}\ncurrent-context: t\n';

const cases: Array<[string, string]> = [
  ['YAML broken right after the token', `apiVersion: v1\nkind: Config\n${cluster('http://127.0.0.1:1')}users:\n- name: u\n  user: {token: ${SECRET}\n  bad: [\n${ctx}`],
  ['a token on a badly indented line', `apiVersion: v1\nkind: Config\n${cluster('http://127.0.0.1:1')}users:\n- name: u\n  user:\n    token: ${SECRET}\n   password: x\n${ctx}`],
  ['a password in the server URL', `apiVersion: v1\nkind: Config\n${cluster(`http://admin:${SECRET}@127.0.0.1:1`)}users:\n- name: u\n  user: {token: t}\n${ctx}`],
  ['a token in the URL query', `apiVersion: v1\nkind: Config\n${cluster(`http://127.0.0.1:1/?token=${SECRET}`)}users:\n- name: u\n  user: {token: t}\n${ctx}`],
  ['a broken client key', `apiVersion: v1\nkind: Config\n${cluster('https://127.0.0.1:1')}users:\n- name: u\n  user: {client-key-data: ${Buffer.from(`-----BEGIN PRIVATE KEY-----\n${SECRET}\n-----END PRIVATE KEY-----\n`).toString('base64')}, client-certificate-data: ${Buffer.from(SECRET).toString('base64')}}\n${ctx}`],
  // A common mistake: a command that prints the bare token (`gcloud auth print-access-token`) instead of an ExecCredential.
  ['an exec plugin that prints a bare token', `apiVersion: v1\nkind: Config\n${cluster('http://127.0.0.1:1')}users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: sh\n      args: ["-c", "echo ${SECRET}"]\n${ctx}`],
  ['an exec plugin that fails saying token=...', `apiVersion: v1\nkind: Config\n${cluster('http://127.0.0.1:1')}users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: sh\n      args: ["-c", "echo refresh failed for token=${SECRET} >&2; exit 3"]\n${ctx}`],
  ['a password in the server URL, the user with a password too', `apiVersion: v1\nkind: Config\n${cluster(`http://u:${SECRET}@127.0.0.1:1`)}users:\n- name: u\n  user: {username: u, password: ${SECRET}}\n${ctx}`],
  ['an exec plugin that prints a non-JSON credential', `apiVersion: v1\nkind: Config\n${cluster('http://127.0.0.1:1')}users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: sh\n      args: ["-c", "echo '{\\"status\\": {\\"token\\": \\"${SECRET}\\"' "]\n${ctx}`],
  ['a tokenFile that is a directory', `apiVersion: v1\nkind: Config\n${cluster('http://127.0.0.1:1')}users:\n- name: u\n  user: {tokenFile: /tmp, token: ${SECRET}}\n${ctx}`],
  ['JSON kubeconfig cut after the token', `{"apiVersion":"v1","kind":"Config","users":[{"name":"u","user":{"token":"${SECRET}"`],
];

test.each(cases)('%s: one line, no secret', async (_name, kubeconfig) => {
  const { code, out } = await run(kubeconfig);
  expect(code).not.toBe(0);
  expect(out).not.toContain(SECRET.slice(0, 8));
  expect(out).not.toContain(Buffer.from(SECRET).toString('base64').slice(0, 20));
  expect(out.trim().split('\n')).toHaveLength(1);
});

test("a token read from a file (as a pod's service account token is) and echoed by the API server's refusal is not printed", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ibc-guard-token-file-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${SECRET}\n`);
  const server = createServer((req, res) => {
    res.writeHead(403, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 403, reason: 'Forbidden', message: `the credential ${(req.headers.authorization ?? '').replace(/^Bearer /, '')} has expired` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { code, out } = await run(`apiVersion: v1\nkind: Config\n${cluster(url)}users:\n- name: u\n  user:\n    auth-provider: {name: tokenFile, config: {tokenFile: ${tokenFile}}}\n${ctx}`);
    expect(code).toBe(1);
    expect(out).toMatch(/forbidden \(HTTP 403\)/);
    expect(out).not.toContain(SECRET.slice(0, 8));
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
