/**
 * The scale guard's view of the Kubernetes API, through `@kubernetes/client-node`
 * (loaded here only, when a guard command runs; the built package bundles it in
 * lib/vendor). The cluster is found as kubectl finds it: `KUBECONFIG` when set,
 * else `~/.kube/config`, else the pod's service account (client-node's
 * `loadFromDefault`). Every request carries the command's deadline; every
 * failure becomes a GuardFailure of one line naming what was attempted.
 */
import { existsSync, readFileSync } from 'fs';
import { homedir } from 'os';
import { join } from 'path';
import type * as K8s from '@kubernetes/client-node';
import { InputError } from '../input-error';
import { redactor } from '../s3/redact';

/** The kinds the backup tool scales. */
export type WorkloadKind = 'Deployment' | 'StatefulSet';

/** A deployment or statefulset as listed: the labels the tool's selectors match. */
export interface ListedWorkload {
  readonly kind: WorkloadKind;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly selectorLabels: Readonly<Record<string, string>>;
  readonly templateLabels: Readonly<Record<string, string>>;
  readonly replicas: number;
}

/** A scale subresource as read. */
export interface ScaleState {
  readonly replicas: number;
  readonly resourceVersion: string;
  readonly uid?: string;
}

/** A ConfigMap as read. */
export interface StoredConfigMap {
  readonly data: Readonly<Record<string, string>>;
  readonly resourceVersion: string;
}

/** A Job as listed: whether its pods may still run. */
export interface JobState {
  readonly name: string;
  readonly component: string | undefined;
  readonly running: boolean;
}

/** An Event about a workload. */
export interface WorkloadEvent {
  readonly kind: WorkloadKind;
  readonly name: string;
  readonly uid?: string;
  readonly reason: string;
  readonly message: string;
}

/** What the guard asks of the API server. */
export interface GuardApi {
  /** The API server's address (for messages). */
  readonly server: string;
  listWorkloads(kind: WorkloadKind): Promise<ListedWorkload[]>;
  /** undefined when the workload does not exist. */
  readScale(kind: WorkloadKind, name: string): Promise<ScaleState | undefined>;
  /** Writes spec.replicas through the scale subresource, guarded by resourceVersion; false on a conflict. */
  writeScale(kind: WorkloadKind, name: string, replicas: number, resourceVersion: string): Promise<boolean>;
  /** undefined when it does not exist. */
  readConfigMap(name: string): Promise<StoredConfigMap | undefined>;
  /** false when it already exists. */
  createConfigMap(name: string, labels: Record<string, string>, data: Record<string, string>): Promise<boolean>;
  /** false on a conflict (changed or deleted since read). */
  replaceConfigMap(name: string, labels: Record<string, string>, data: Record<string, string>, resourceVersion: string): Promise<boolean>;
  /** false on a conflict (changed since read) or when it is gone. */
  deleteConfigMap(name: string, resourceVersion: string): Promise<boolean>;
  listJobs(selector: { labelSelector?: string; fieldSelector?: string }): Promise<JobState[]>;
  /** Whether a pod of that name exists and has not ended. */
  podRunning(name: string): Promise<boolean>;
  createEvent(event: WorkloadEvent): Promise<void>;
}

/** A failure of the API, described in one line (without `error: `). */
export class GuardFailure extends Error {
  constructor(public readonly line: string) {
    super(line);
  }
}

/** Where the service account token of a pod is mounted. */
export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

const PLURAL: Record<WorkloadKind, string> = { Deployment: 'deployments', StatefulSet: 'statefulsets' };

/** `deployments/name` as kubectl names it. */
export function workloadRef(kind: WorkloadKind, name: string): string {
  return `${kind.toLowerCase()}/${name}`;
}

/** The Kubernetes Status message in an error body, when there is one. */
function statusMessage(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim() ? body.trim().split('\n')[0].slice(0, 300) : undefined;
    }
  }
  const message = (parsed as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : undefined;
}

/** One line for a failed request: what was attempted, what the server said, and the fix when known. */
export function describeFailure(e: unknown, what: string, server: string, timeoutSeconds: number, signal: AbortSignal): GuardFailure {
  if (e instanceof GuardFailure) return e;
  if (signal.aborted) {
    return new GuardFailure(`${what}: the Kubernetes API at ${server} did not answer within ${timeoutSeconds} s (--timeout)`);
  }
  const err = e as { code?: unknown; body?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  if (typeof err.code === 'number') {
    const said = statusMessage(err.body);
    const detail = said ? `: ${said}` : '';
    if (err.code === 401) return new GuardFailure(`${what}: unauthorized (HTTP 401)${detail}: check the credentials of KUBECONFIG or the pod's service account token`);
    if (err.code === 403) {
      return new GuardFailure(`${what}: forbidden (HTTP 403)${detail}: grant it in the release's Role (docs/scale-guard.md lists what the guard needs)`);
    }
    return new GuardFailure(`${what}: HTTP ${err.code}${detail}`);
  }
  // An exec credential plugin whose output is not an ExecCredential (a command that prints the bare token):
  // the parser's message quotes the output.
  if (e instanceof SyntaxError) {
    return new GuardFailure(`${what}: the exec credential plugin of the kubeconfig's user did not print an ExecCredential (JSON): check users[].user.exec`);
  }
  const cause = err.cause?.code ?? err.cause?.message;
  const message = typeof err.message === 'string' ? err.message : String(e);
  return new GuardFailure(`${what}: cannot reach the Kubernetes API at ${server}: ${(typeof cause === 'string' ? cause : message).split('\n')[0]}`);
}

/** What of a server URL may be a credential: its userinfo (and each part), its query and its fragment, as given and decoded. */
function urlSecrets(server: string): string[] {
  const out: string[] = [];
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^\s/?#]*)@/i.exec(server.trim())?.[1];
  if (userinfo !== undefined) out.push(userinfo, ...userinfo.split(':'));
  try {
    const url = new URL(server);
    for (const part of [url.search.slice(1), url.hash.slice(1), ...url.searchParams.values()]) if (part) out.push(part);
  } catch {
    // Not a URL: its userinfo (above) is all that can be told.
  }
  return [...out, ...out.map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  })];
}

/** The API server's address for messages: no userinfo, query or fragment (they may hold credentials). */
export function serverLabel(server: string): string {
  try {
    const url = new URL(server);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return '(the server of the current context)';
  }
}

/** The status code of an ApiException, else undefined. */
function statusOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function labelsOf(value: Record<string, string> | undefined): Record<string, string> {
  return { ...(value ?? {}) };
}

/**
 * Whether a Job's pods may still run: pods active or terminating, or the Job
 * neither finished (Complete or Failed) nor suspended.
 */
export function jobRunning(job: K8s.V1Job): boolean {
  if ((job.status?.active ?? 0) > 0 || (job.status?.terminating ?? 0) > 0) return true;
  const conditions = job.status?.conditions ?? [];
  const finished = conditions.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  return !finished && job.spec?.suspend !== true;
}

/**
 * Loads the cluster's configuration as kubectl does. Throws an InputError when
 * there is none (no KUBECONFIG, no ~/.kube/config, no service account token)
 * or when the kubeconfig cannot be read.
 */
function loadKubeConfig(k8s: typeof K8s, env: NodeJS.ProcessEnv): K8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  const kubeconfig = env.KUBECONFIG;
  if (!kubeconfig && !existsSync(join(env.HOME || homedir(), '.kube', 'config')) && !existsSync(SERVICE_ACCOUNT_TOKEN)) {
    throw new InputError(['no cluster to talk to: set KUBECONFIG, or run in a pod whose service account token is mounted (automountServiceAccountToken: true)']);
  }
  try {
    // loadFromDefault reads process.env.KUBECONFIG; the command's own environment is what counts.
    const saved = process.env.KUBECONFIG;
    if (kubeconfig) process.env.KUBECONFIG = kubeconfig;
    else delete process.env.KUBECONFIG;
    try {
      kc.loadFromDefault();
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  } catch (e) {
    throw new InputError([`KUBECONFIG: cannot load the cluster configuration: ${(e as Error).message.split('\n')[0]}`]);
  }
  if (!kc.getCurrentCluster()) throw new InputError(['KUBECONFIG: the current context names no cluster: set current-context']);
  return kc;
}

/** The oldest Node.js the bundled Kubernetes client runs on (undici 8's `engines`). */
export const CLIENT_NODE = [22, 19, 0] as const;

/** Whether a Node.js version (`process.versions.node`) runs the Kubernetes client. */
export function clientRuns(version: string): boolean {
  const parts = version.split('.').map((n) => Number.parseInt(n, 10));
  for (let i = 0; i < CLIENT_NODE.length; i++) {
    const part = parts[i] ?? 0;
    if (part !== CLIENT_NODE[i]) return part > CLIENT_NODE[i];
  }
  return true;
}

/** A GuardApi for a namespace, every request bounded by the signal. */
export function kubernetesApi(namespace: string, env: NodeJS.ProcessEnv, signal: AbortSignal, timeoutSeconds: number): GuardApi {
  if (!clientRuns(process.versions.node)) {
    throw new GuardFailure(
      `the guard commands need Node.js ${CLIENT_NODE.join('.')} or later (the Kubernetes client's HTTP library, undici 8, does not run on older ones); this is Node.js ${process.versions.node}: run them from the companion image (Node.js 24) or a newer Node.js`,
    );
  }
  // Loaded here: only the guard commands talk to the Kubernetes API.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- only the guard commands load the Kubernetes client, as said above
  const k8s = require('@kubernetes/client-node') as typeof K8s;
  const kc = loadKubeConfig(k8s, env);
  const rawServer = kc.getCurrentCluster()!.server;
  const server = serverLabel(rawServer);
  // Whatever a failure quotes (a URL the client echoes, a credential plugin's words), the kubeconfig's secrets never show.
  const user = kc.getCurrentUser();
  // In a pod, the service account token is read from its file at each request: its value is a secret too.
  const tokenFile = (user?.authProvider as { config?: { tokenFile?: unknown } } | undefined)?.config?.tokenFile;
  let fileToken: string | undefined;
  try {
    fileToken = typeof tokenFile === 'string' ? readFileSync(tokenFile, 'utf8').trim() : undefined;
  } catch {
    fileToken = undefined;
  }
  const redact = redactor([...urlSecrets(rawServer), ...[user?.token, user?.password, fileToken].filter((v): v is string => typeof v === 'string' && v !== '')]);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  // Every request carries the command's deadline.
  const options: K8s.ConfigurationOptions = {
    middleware: [
      {
        pre: (context) => {
          context.setSignal(signal);
          return new k8s.Observable(Promise.resolve(context));
        },
        post: (context) => new k8s.Observable(Promise.resolve(context)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
  /** Runs a request; the statuses in `expected` are returned, not thrown. */
  const call = async <T>(what: string, run: () => Promise<T>, expected: readonly number[] = []): Promise<T | number> => {
    if (signal.aborted) throw describeFailure(undefined, what, server, timeoutSeconds, signal);
    try {
      return await run();
    } catch (e) {
      const status = statusOf(e);
      if (status !== undefined && expected.includes(status) && !signal.aborted) return status;
      throw new GuardFailure(redact(describeFailure(e, what, server, timeoutSeconds, signal).line));
    }
  };
  const at = `in namespace ${namespace}`;

  return {
    server,
    async listWorkloads(kind) {
      const what = `listing ${PLURAL[kind]} ${at}`;
      const list = (await call(what, () =>
        kind === 'Deployment' ? apps.listNamespacedDeployment({ namespace }, options) : apps.listNamespacedStatefulSet({ namespace }, options),
      )) as K8s.V1DeploymentList | K8s.V1StatefulSetList;
      return list.items.map((item) => ({
        kind,
        name: item.metadata?.name ?? '',
        labels: labelsOf(item.metadata?.labels),
        selectorLabels: labelsOf(item.spec?.selector?.matchLabels),
        templateLabels: labelsOf(item.spec?.template?.metadata?.labels),
        replicas: item.spec?.replicas ?? 1,
      }));
    },
    async readScale(kind, name) {
      const what = `reading the scale of ${workloadRef(kind, name)} ${at}`;
      const got = await call(
        what,
        () => (kind === 'Deployment' ? apps.readNamespacedDeploymentScale({ name, namespace }, options) : apps.readNamespacedStatefulSetScale({ name, namespace }, options)),
        [404],
      );
      if (typeof got === 'number') return undefined;
      return { replicas: got.spec?.replicas ?? 0, resourceVersion: got.metadata?.resourceVersion ?? '', uid: got.metadata?.uid };
    },
    async writeScale(kind, name, replicas, resourceVersion) {
      const what = `scaling ${workloadRef(kind, name)} ${at} to ${replicas}`;
      const body: K8s.V1Scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name, namespace, resourceVersion }, spec: { replicas } };
      const got = await call(
        what,
        () =>
          kind === 'Deployment'
            ? apps.replaceNamespacedDeploymentScale({ name, namespace, body }, options)
            : apps.replaceNamespacedStatefulSetScale({ name, namespace, body }, options),
        [409],
      );
      return typeof got !== 'number';
    },
    async readConfigMap(name) {
      const got = await call(`reading ConfigMap ${name} ${at}`, () => core.readNamespacedConfigMap({ name, namespace }, options), [404]);
      if (typeof got === 'number') return undefined;
      return { data: { ...(got.data ?? {}) }, resourceVersion: got.metadata?.resourceVersion ?? '' };
    },
    async createConfigMap(name, labels, data) {
      const body: K8s.V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data };
      const got = await call(`creating ConfigMap ${name} ${at}`, () => core.createNamespacedConfigMap({ namespace, body }, options), [409]);
      return typeof got !== 'number';
    },
    async replaceConfigMap(name, labels, data, resourceVersion) {
      const body: K8s.V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels, resourceVersion }, data };
      const got = await call(`updating ConfigMap ${name} ${at}`, () => core.replaceNamespacedConfigMap({ name, namespace, body }, options), [404, 409]);
      return typeof got !== 'number';
    },
    async deleteConfigMap(name, resourceVersion) {
      const got = await call(
        `deleting ConfigMap ${name} ${at}`,
        () => core.deleteNamespacedConfigMap({ name, namespace, body: { preconditions: { resourceVersion } } }, options),
        [404, 409],
      );
      return typeof got !== 'number';
    },
    async listJobs(selector) {
      const list = (await call(`listing jobs ${at}`, () => batch.listNamespacedJob({ namespace, ...selector }, options))) as K8s.V1JobList;
      return list.items.map((job) => ({ name: job.metadata?.name ?? '', component: job.metadata?.labels?.['app.kubernetes.io/component'], running: jobRunning(job) }));
    },
    async podRunning(name) {
      const got = await call(`reading pod ${name} ${at}`, () => core.readNamespacedPod({ name, namespace }, options), [404]);
      if (typeof got === 'number') return false;
      const phase = got.status?.phase;
      return phase !== 'Succeeded' && phase !== 'Failed';
    },
    async createEvent(event) {
      const now = new Date();
      const body: K8s.CoreV1Event = {
        apiVersion: 'v1',
        kind: 'Event',
        // `<workload>.<time><random>` as kubectl's events are named, within the 253 characters of a name.
        metadata: { name: `${event.name.slice(0, 230)}.${now.getTime().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`, namespace },
        involvedObject: { apiVersion: 'apps/v1', kind: event.kind, name: event.name, namespace, uid: event.uid },
        reason: event.reason,
        message: event.message,
        type: 'Warning',
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: 'infrahub-backup-scale-guard' },
        reportingComponent: 'infrahub-backup-scale-guard',
      };
      await call(`creating an Event for ${workloadRef(event.kind, event.name)} ${at}`, () => core.createNamespacedEvent({ namespace, body }, options));
    },
  };
}
