/**
 * A Kubernetes API server for the guard's tests: the paths the guard uses
 * (apps/v1 deployments and statefulsets with their scale subresources, core/v1
 * configmaps, pods and events, batch/v1 jobs), with bearer-token auth,
 * resourceVersion preconditions, an RBAC table (403 with the API server's
 * message) and injectable faults (HTTP 500, a request never answered). The
 * client is `@kubernetes/client-node`, bundled to CommonJS with esbuild as
 * scripts/bundle-vendor.js bundles it for the CLI (jest cannot load the ESM
 * package itself): `jest.mock('@kubernetes/client-node', () => require('./support').kubernetesClient())`.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'fs';
import { AddressInfo } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { buildSync } from 'esbuild';
import { cacheRoot } from '../support/cache';

const ROOT = join(__dirname, '..', '..');

/** The CommonJS bundle of @kubernetes/client-node, built once per client version (kept in the temporary directory from before the run, cacheRoot()). */
export function kubernetesClient(): unknown {
  const version = (JSON.parse(readFileSync(join(ROOT, 'node_modules', '@kubernetes', 'client-node', 'package.json'), 'utf8')) as { version: string }).version;
  const dir = join(cacheRoot(), `ibc-guard-client-node-${version}`);
  const out = join(dir, 'kubernetes.js');
  if (!existsSync(out)) {
    mkdirSync(dir, { recursive: true });
    const partial = join(dir, `kubernetes.${process.pid}.js`);
    buildSync({
      stdin: { contents: "export * from '@kubernetes/client-node';\n", resolveDir: ROOT, sourcefile: 'kubernetes.js', loader: 'js' },
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile: partial,
      minify: true,
      keepNames: true,
      logLevel: 'error',
    });
    // Renamed into place whole: a concurrent test process never reads half a bundle.
    renameSync(partial, out);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle is built above, at run time: jest.mock's factory returns what it exports
  return require(out);
}

export const NAMESPACE = 'infrahub';
export const TOKEN = 'guard-test-token';

export interface FakeWorkload {
  labels: Record<string, string>;
  selectorLabels: Record<string, string>;
  templateLabels: Record<string, string>;
  replicas: number;
  uid: string;
  rv: number;
}

export interface FakeConfigMap {
  labels: Record<string, string>;
  data: Record<string, string>;
  rv: number;
}

export interface FakeJob {
  labels: Record<string, string>;
  /** Complete or Failed set. */
  finished: boolean;
  active: number;
}

export interface FakeEvent {
  name: string;
  involvedObject: { kind: string; name: string; uid?: string };
  reason: string;
  message: string;
  type: string;
}

/** A request as logged: method, path (no query), and for writes the decoded body. */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

/** The body of a write, as far as the server reads it. */
interface RequestBody {
  metadata?: { name?: string; labels?: Record<string, string>; resourceVersion?: string };
  spec?: { replicas?: number };
  data?: Record<string, string>;
  preconditions?: { resourceVersion?: string };
}

/** The body of a created event: what FakeEvent records of it. */
interface EventBody {
  metadata?: { name: string };
  involvedObject: FakeEvent['involvedObject'];
  reason: string;
  message: string;
  type: string;
}

/** What to do with a request instead of serving it. */
export type Fault = 'error500' | 'hang' | 'forbidden';

export interface FakeCluster {
  readonly url: string;
  readonly kubeconfig: string;
  deployments: Map<string, FakeWorkload>;
  statefulsets: Map<string, FakeWorkload>;
  configmaps: Map<string, FakeConfigMap>;
  jobs: Map<string, FakeJob>;
  /** Pod name => phase. */
  pods: Map<string, string>;
  events: FakeEvent[];
  log: LoggedRequest[];
  /** Denied "verb resource" pairs, e.g. "update deployments/scale", "create events". */
  denied: Set<string>;
  /** Decides a fault for a request (method, path); undefined serves it. */
  fault: (method: string, path: string) => Fault | undefined;
  /** Sets a workload's replicas as something else than the guard would (the tool, an operator). */
  setReplicas(kind: 'Deployment' | 'StatefulSet', name: string, replicas: number): void;
  replicas(): Record<string, number>;
  close(): Promise<void>;
}

let uidCounter = 0;

export function workload(labels: Record<string, string>, replicas: number): FakeWorkload {
  return { labels, selectorLabels: labels, templateLabels: labels, replicas, uid: `uid-${++uidCounter}`, rv: 1 };
}

/** Infrahub as OpsMill's chart lays it out, plus Neo4j and an unrelated app the guard must never touch. */
export function infrahubWorkloads(): { deployments: Map<string, FakeWorkload>; statefulsets: Map<string, FakeWorkload> } {
  const c = (service: string): Record<string, string> => ({ 'app.kubernetes.io/name': 'infrahub', 'app.kubernetes.io/component': service });
  return {
    deployments: new Map([
      ['infrahub-infrahub-server', workload(c('infrahub-server'), 2)],
      ['infrahub-task-worker', workload(c('task-worker'), 3)],
      ['infrahub-task-manager', workload(c('task-manager'), 1)],
      ['infrahub-task-manager-background-svc', workload(c('task-manager-background-svc'), 1)],
      ['unrelated-app', workload({ app: 'unrelated' }, 2)],
    ]),
    statefulsets: new Map([
      ['infrahub-cache', workload({ app: 'cache' }, 1)],
      ['infrahub-message-queue', workload({ 'infrahub/service': 'message-queue' }, 1)],
      ['infrahub-database', workload(c('database'), 1)],
    ]),
  };
}

/** Equality and set-based label selectors (`k=v`, `k in (a,b)`), as the API server reads them. */
export function matchesSelector(selector: string, labels: Record<string, string>): boolean {
  const terms = selector.match(/[^,()]+(\([^)]*\))?/g) ?? [];
  return terms.every((raw) => {
    const term = raw.trim();
    const inSet = /^(\S+)\s+in\s+\(([^)]*)\)$/.exec(term);
    if (inSet) return inSet[2].split(',').map((s) => s.trim()).includes(labels[inSet[1]]);
    const eq = /^([^=!]+)==?(.*)$/.exec(term);
    if (eq) return labels[eq[1].trim()] === eq[2].trim();
    throw new Error(`selector not understood by the test server: ${term}`);
  });
}

const status = (code: number, reason: string, message: string): object => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });

/** Starts the server and writes a kubeconfig (token auth) pointing at it. */
export async function startCluster(): Promise<FakeCluster> {
  const { deployments, statefulsets } = infrahubWorkloads();
  const state = {
    deployments,
    statefulsets,
    configmaps: new Map<string, FakeConfigMap>(),
    jobs: new Map<string, FakeJob>(),
    pods: new Map<string, string>(),
    events: [] as FakeEvent[],
    log: [] as LoggedRequest[],
    denied: new Set<string>(),
    fault: (() => undefined) as FakeCluster['fault'],
  };
  let rv = 100;
  const hanging = new Set<ServerResponse>();

  const handle = (req: IncomingMessage, body: string, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const send = (code: number, value: unknown): void => {
      state.log.push({ method, path: url.pathname, status: code });
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, status(401, 'Unauthorized', 'Unauthorized'));
    const fault = state.fault(method, url.pathname);
    if (fault === 'hang') {
      state.log.push({ method, path: url.pathname, status: 0 });
      hanging.add(res);
      return;
    }
    if (fault === 'error500') return send(500, status(500, 'InternalError', 'Internal error occurred: etcdserver: request timed out'));
    const ns = `/namespaces/${NAMESPACE}/`;
    const m = /^\/(?:api\/v1|apis\/apps\/v1|apis\/batch\/v1)\/namespaces\/([^/]+)\/([a-z]+)(?:\/([^/]+))?(?:\/(scale))?$/.exec(url.pathname);
    if (!m || !url.pathname.includes(ns)) return send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const [, , resource, name, sub] = m;
    const verb = { GET: name ? 'get' : 'list', POST: 'create', PUT: 'update', DELETE: 'delete', PATCH: 'patch' }[method] ?? method;
    const rbacResource = sub ? `${resource}/${sub}` : resource;
    if (fault === 'forbidden' || state.denied.has(`${verb} ${rbacResource}`)) {
      return send(
        403,
        status(
          403,
          'Forbidden',
          `${rbacResource}${name ? ` "${name}"` : ''} is forbidden: User "system:serviceaccount:${NAMESPACE}:infrahub-backup" cannot ${verb} resource "${resource}"${sub ? ` subresource "${sub}"` : ''} in API group "${url.pathname.startsWith('/api/') ? '' : url.pathname.split('/')[2]}" in the namespace "${NAMESPACE}"`,
        ),
      );
    }
    const parsed: RequestBody = body ? (JSON.parse(body) as RequestBody) : {};
    if (resource === 'deployments' || resource === 'statefulsets') {
      const store = resource === 'deployments' ? state.deployments : state.statefulsets;
      const kind = resource === 'deployments' ? 'Deployment' : 'StatefulSet';
      if (!name && method === 'GET') {
        const items = [...store.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([n, w]) => ({
            metadata: { name: n, namespace: NAMESPACE, labels: w.labels, uid: w.uid, resourceVersion: String(w.rv) },
            spec: { replicas: w.replicas, selector: { matchLabels: w.selectorLabels }, template: { metadata: { labels: w.templateLabels } } },
          }));
        return send(200, { apiVersion: 'apps/v1', kind: `${kind}List`, metadata: { resourceVersion: String(rv) }, items });
      }
      const w = name ? store.get(name) : undefined;
      if (!w || sub !== 'scale') return send(404, status(404, 'NotFound', `${resource}.apps "${name}" not found`));
      const scale = (): object => ({
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name, namespace: NAMESPACE, uid: w.uid, resourceVersion: String(w.rv) },
        spec: { replicas: w.replicas },
        status: { replicas: w.replicas },
      });
      if (method === 'GET') return send(200, scale());
      if (method === 'PUT') {
        const want = parsed.metadata?.resourceVersion;
        if (want && want !== String(w.rv)) return send(409, status(409, 'Conflict', `Operation cannot be fulfilled on ${resource}.apps "${name}": the object has been modified`));
        w.replicas = parsed.spec?.replicas ?? 0;
        w.rv = ++rv;
        return send(200, scale());
      }
    }
    if (resource === 'configmaps') {
      const cm = name ? state.configmaps.get(name) : undefined;
      const out = (n: string, c: FakeConfigMap): object => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: NAMESPACE, labels: c.labels, resourceVersion: String(c.rv) }, data: c.data });
      if (method === 'GET' && name) return cm ? send(200, out(name, cm)) : send(404, status(404, 'NotFound', `configmaps "${name}" not found`));
      if (method === 'POST' && !name) {
        const n = parsed.metadata?.name as string;
        if (state.configmaps.has(n)) return send(409, status(409, 'AlreadyExists', `configmaps "${n}" already exists`));
        const c = { labels: parsed.metadata?.labels ?? {}, data: parsed.data ?? {}, rv: ++rv };
        state.configmaps.set(n, c);
        return send(201, out(n, c));
      }
      if (method === 'PUT' && name) {
        if (!cm) return send(404, status(404, 'NotFound', `configmaps "${name}" not found`));
        const want = parsed.metadata?.resourceVersion;
        if (want && want !== String(cm.rv)) return send(409, status(409, 'Conflict', `Operation cannot be fulfilled on configmaps "${name}": the object has been modified`));
        const c = { labels: parsed.metadata?.labels ?? {}, data: parsed.data ?? {}, rv: ++rv };
        state.configmaps.set(name, c);
        return send(200, out(name, c));
      }
      if (method === 'DELETE' && name) {
        if (!cm) return send(404, status(404, 'NotFound', `configmaps "${name}" not found`));
        const want = parsed.preconditions?.resourceVersion;
        if (want && want !== String(cm.rv)) return send(409, status(409, 'Conflict', `Operation cannot be fulfilled on configmaps "${name}": precondition failed`));
        state.configmaps.delete(name);
        return send(200, status(200, '', 'deleted'));
      }
    }
    if (resource === 'jobs' && method === 'GET' && !name) {
      const labelSelector = url.searchParams.get('labelSelector');
      const fieldSelector = url.searchParams.get('fieldSelector');
      const items = [...state.jobs.entries()]
        .filter(([n, j]) => (!labelSelector || matchesSelector(labelSelector, j.labels)) && (!fieldSelector || fieldSelector === `metadata.name=${n}`))
        .map(([n, j]) => ({
          metadata: { name: n, namespace: NAMESPACE, labels: j.labels },
          status: { active: j.active, conditions: j.finished ? [{ type: 'Failed', status: 'True' }] : [] },
        }));
      return send(200, { apiVersion: 'batch/v1', kind: 'JobList', metadata: {}, items });
    }
    if (resource === 'pods' && method === 'GET' && name) {
      const phase = state.pods.get(name);
      return phase ? send(200, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NAMESPACE }, status: { phase } }) : send(404, status(404, 'NotFound', `pods "${name}" not found`));
    }
    if (resource === 'events' && method === 'POST') {
      const event = parsed as EventBody;
      state.events.push({ name: event.metadata?.name as string, involvedObject: event.involvedObject, reason: event.reason, message: event.message, type: event.type });
      return send(201, parsed);
    }
    return send(405, status(405, 'MethodNotAllowed', `${method} is not supported here`));
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'ibc-guard-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: test',
      `  cluster: {server: "${url}", insecure-skip-tls-verify: true}`,
      'users:',
      '- name: guard',
      `  user: {token: ${TOKEN}}`,
      'contexts:',
      '- name: test',
      `  context: {cluster: test, user: guard, namespace: ${NAMESPACE}}`,
      'current-context: test',
      '',
    ].join('\n'),
  );
  const cluster: FakeCluster = Object.assign(state, {
    url,
    kubeconfig,
    setReplicas(kind: 'Deployment' | 'StatefulSet', name: string, replicas: number) {
      const w = (kind === 'Deployment' ? state.deployments : state.statefulsets).get(name);
      if (!w) throw new Error(`no ${kind} ${name}`);
      w.replicas = replicas;
      w.rv = ++rv;
    },
    replicas() {
      const out: Record<string, number> = {};
      for (const [n, w] of state.deployments) out[`deployment/${n}`] = w.replicas;
      for (const [n, w] of state.statefulsets) out[`statefulset/${n}`] = w.replicas;
      return out;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return cluster;
}
