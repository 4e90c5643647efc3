/**
 * The scale guard: `record` before the backup tool scales Infrahub down,
 * `clear` after a successful run, `repair` when a run was killed midway.
 *
 * The rules, whatever happens between the steps:
 * - only workloads the marker recorded are ever scaled, and only up to their
 *   recorded count (never down);
 * - nothing is scaled while the run that recorded the marker may still run
 *   (its Job not finished, or its pod not ended), nor while another backup or
 *   restore Job of the release runs;
 * - a workload an operator scaled down without a marker is never touched;
 * - a marker is only replaced or deleted at the resourceVersion it was read
 *   at, so two runs never both win.
 */
import type { GuardApi, ListedWorkload, WorkloadKind } from './kube';
import { GuardFailure, workloadRef } from './kube';
import { GuardOperation, Marker, RecordedWorkload, decodeMarker, encodeMarker, markerLabels, markerName } from './marker';

/** The services the backup tool stops (and restarts), in its order (`stopAppContainers`). */
export const SCALED_SERVICES = ['infrahub-server', 'task-worker', 'task-manager', 'task-manager-background-svc', 'cache', 'message-queue'] as const;

/** The label keys the tool tries, in order, for a service (`podSelectors`). */
export const SERVICE_LABEL_KEYS = ['app.kubernetes.io/component', 'app', 'component', 'infrahub/service'] as const;

/** The reason of the Events the guard creates. */
export const REPAIR_EVENT_REASON = 'ScaleGuardRestoredReplicas';

/** Which release the guard works for. */
export interface GuardTarget {
  /** The chart's name label (`app.kubernetes.io/name`), `infrahub-backup` unless nameOverride. */
  readonly chartName: string;
  /** The release (`app.kubernetes.io/instance` of its Jobs). */
  readonly release: string;
  /** The release's fullname: the marker is `<fullname>-scale-guard`. */
  readonly fullname: string;
}

/** Where the guard reports; every line is one event (a repair, a refusal, a skip). */
export interface GuardLog {
  (line: string): void;
}

/** The label selector of the release's backup and restore Jobs (the constructs' commonLabels). */
export function releaseJobSelector(t: GuardTarget): string {
  return `app.kubernetes.io/name=${t.chartName},app.kubernetes.io/instance=${t.release},app.kubernetes.io/component in (backup,restore)`;
}

const byName = (a: ListedWorkload, b: ListedWorkload): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The workload the backup tool scales for a service, found as the tool finds
 * it (`findWorkloadResource`): deployments first, then statefulsets; by each
 * label key in turn; then by the selector or template labels; then the first
 * whose name contains the service.
 */
export function toolWorkload(service: string, deployments: readonly ListedWorkload[], statefulSets: readonly ListedWorkload[]): ListedWorkload | undefined {
  for (const items of [deployments, statefulSets]) {
    const sorted = [...items].sort(byName);
    for (const key of SERVICE_LABEL_KEYS) {
      const hit = sorted.find((w) => w.labels[key] === service);
      if (hit) return hit;
    }
    for (const w of sorted) {
      if (SERVICE_LABEL_KEYS.some((key) => w.selectorLabels[key] === service || w.templateLabels[key] === service)) return w;
    }
    const named = sorted.find((w) => w.name.includes(service));
    if (named) return named;
  }
  return undefined;
}

/** The workloads the tool will scale, with their replicas now; each once. */
export async function workloadsToRecord(api: GuardApi): Promise<RecordedWorkload[]> {
  const deployments = await api.listWorkloads('Deployment');
  const statefulSets = await api.listWorkloads('StatefulSet');
  const found = new Map<string, RecordedWorkload>();
  for (const service of SCALED_SERVICES) {
    const w = toolWorkload(service, deployments, statefulSets);
    if (w) found.set(`${w.kind}/${w.name}`, { kind: w.kind, name: w.name, replicas: w.replicas });
  }
  return [...found.values()];
}

/** The marker as read: its content and the version to write against. */
interface ReadMarker {
  readonly marker: Marker;
  readonly resourceVersion: string;
}

async function readMarker(api: GuardApi, t: GuardTarget, namespace: string): Promise<ReadMarker | undefined> {
  const name = markerName(t.fullname);
  const stored = await api.readConfigMap(name);
  if (!stored) return undefined;
  const decoded = decodeMarker(stored.data);
  if (Array.isArray(decoded)) {
    throw new GuardFailure(
      `ConfigMap ${namespace}/${name}: not a scale-guard marker (${decoded.join('; ')}): check the Infrahub replicas by hand, then delete the ConfigMap`,
    );
  }
  return { marker: decoded, resourceVersion: stored.resourceVersion };
}

/** What may still be running: the release's backup and restore Jobs, the marker's Job and pod. */
interface Activity {
  /** Running backup or restore Jobs of the release, and the marker's Job when it runs. */
  readonly runningJobs: readonly string[];
  /** Whether the marker's pod is still there and has not ended. */
  readonly markerPodRunning: boolean;
}

async function activity(api: GuardApi, t: GuardTarget, marker: Marker | undefined): Promise<Activity> {
  const jobs = await api.listJobs({ labelSelector: releaseJobSelector(t) });
  const running = new Set(jobs.filter((j) => j.running).map((j) => j.name));
  let markerPodRunning = false;
  if (marker) {
    // The marker's Job may lack the release labels (a Job made by hand): ask for it by name too.
    if (!jobs.some((j) => j.name === marker.job)) {
      for (const j of await api.listJobs({ fieldSelector: `metadata.name=${marker.job}` })) if (j.running) running.add(j.name);
    }
    markerPodRunning = await api.podRunning(marker.pod);
  }
  return { runningJobs: [...running].sort(), markerPodRunning };
}

function describeRun(m: Marker): string {
  return `${m.operation} Job ${m.job} (pod ${m.pod}, started ${m.startedAt})`;
}

/**
 * Raises each recorded workload that is below its recorded count back to it;
 * never lowers one, never touches one not recorded. One log line and one
 * Event per workload raised. A failed Event is reported after the repairs.
 */
async function raiseToRecorded(api: GuardApi, marker: Marker, namespace: string, log: GuardLog): Promise<number> {
  let raised = 0;
  const eventFailures: string[] = [];
  for (const w of marker.workloads) {
    let done = false;
    // One retry when the workload changed between the read and the write (a conflict).
    for (let attempt = 0; attempt < 2 && !done; attempt++) {
      const scale = await api.readScale(w.kind, w.name);
      if (!scale) {
        log(`skipped ${workloadRef(w.kind, w.name)}: recorded with ${w.replicas} replicas by ${describeRun(marker)}, it no longer exists`);
        done = true;
        break;
      }
      if (scale.replicas >= w.replicas) {
        done = true;
        break;
      }
      if (!(await api.writeScale(w.kind, w.name, w.replicas, scale.resourceVersion))) continue;
      done = true;
      raised++;
      const message = `restored ${workloadRef(w.kind, w.name)} in namespace ${namespace} to ${w.replicas} replicas (it had ${scale.replicas}), as recorded by ${describeRun(marker)}`;
      log(message);
      try {
        await api.createEvent({ kind: w.kind, name: w.name, uid: scale.uid, reason: REPAIR_EVENT_REASON, message });
      } catch (e) {
        eventFailures.push((e as Error).message);
      }
    }
    if (!done) throw new GuardFailure(`scaling ${workloadRef(w.kind, w.name)} in namespace ${namespace}: it kept changing while the guard wrote it; run the guard again`);
  }
  if (eventFailures.length > 0) throw new GuardFailure(`${eventFailures[0]} (the replicas were restored)`);
  return raised;
}

/** Options of `guard record`. */
export interface RecordOptions {
  readonly operation: GuardOperation;
  readonly job: string;
  readonly pod: string;
  /** The start time written in the marker; default now. */
  readonly now?: Date;
}

/**
 * Records the replicas before the tool runs. With a marker left by a finished
 * run, repairs from it first (the tool would otherwise record the zeros it
 * left), then records afresh. With a marker of this same Job (a retried pod),
 * repairs and keeps the first recording. Refuses while another backup or
 * restore of the release runs.
 */
export async function record(api: GuardApi, t: GuardTarget, namespace: string, o: RecordOptions, log: GuardLog): Promise<void> {
  const name = markerName(t.fullname);
  const current = await readMarker(api, t, namespace);
  const act = await activity(api, t, current?.marker);
  const others = act.runningJobs.filter((j) => j !== o.job);
  if (others.length > 0) {
    throw new GuardFailure(`another backup or restore of release ${t.release} is running (Job ${others.join(', Job ')}): this ${o.operation} does not start; run it again once that one has ended`);
  }
  const labels = markerLabels(t.chartName);
  if (current) {
    const m = current.marker;
    if (m.pod !== o.pod && act.markerPodRunning) {
      throw new GuardFailure(`pod ${m.pod} of the ${m.operation} that recorded ConfigMap ${name} is still running: this ${o.operation} does not start; run it again once that pod has ended`);
    }
    await raiseToRecorded(api, m, namespace, log);
    if (m.job === o.job) {
      // A retried pod of the same Job: the first recording holds the counts from before any scale-down.
      if (!(await api.replaceConfigMap(name, labels, encodeMarker({ ...m, pod: o.pod }), current.resourceVersion))) {
        throw new GuardFailure(`ConfigMap ${namespace}/${name} changed while the guard read it: another run started; this ${o.operation} does not start`);
      }
      log(`kept the replicas recorded by ${describeRun(m)} in ConfigMap ${name}: this pod ${o.pod} retries that run`);
      return;
    }
    const workloads = await workloadsToRecord(api);
    const next: Marker = { operation: o.operation, job: o.job, pod: o.pod, startedAt: (o.now ?? new Date()).toISOString(), workloads };
    if (!(await api.replaceConfigMap(name, labels, encodeMarker(next), current.resourceVersion))) {
      throw new GuardFailure(`ConfigMap ${namespace}/${name} changed while the guard read it: another run started; this ${o.operation} does not start`);
    }
    log(`recorded ${summary(workloads)} in ConfigMap ${name} for ${o.operation} Job ${o.job}, replacing the marker left by ${describeRun(m)}`);
    return;
  }
  const workloads = await workloadsToRecord(api);
  const next: Marker = { operation: o.operation, job: o.job, pod: o.pod, startedAt: (o.now ?? new Date()).toISOString(), workloads };
  if (!(await api.createConfigMap(name, labels, encodeMarker(next)))) {
    throw new GuardFailure(`ConfigMap ${namespace}/${name} appeared while the guard read the replicas: another run started; this ${o.operation} does not start`);
  }
  log(`recorded ${summary(workloads)} in ConfigMap ${name} for ${o.operation} Job ${o.job}`);
}

function summary(workloads: readonly RecordedWorkload[]): string {
  if (workloads.length === 0) return 'no workload (none of the Infrahub services was found)';
  return workloads.map((w) => `${workloadRef(w.kind, w.name)}=${w.replicas}`).join(', ');
}

/** Options of `guard clear`. */
export interface ClearOptions {
  readonly job: string;
}

/**
 * After a successful run: raises anything the tool left below its recorded
 * count (a retried pod's tool restores the zeros it found), then deletes the
 * marker. A marker of another Job is left in place.
 */
export async function clear(api: GuardApi, t: GuardTarget, namespace: string, o: ClearOptions, log: GuardLog): Promise<void> {
  const name = markerName(t.fullname);
  const current = await readMarker(api, t, namespace);
  if (!current) {
    log(`no ConfigMap ${name} to clear`);
    return;
  }
  const m = current.marker;
  if (m.job !== o.job) {
    log(`left ConfigMap ${name} in place: it belongs to ${describeRun(m)}, not to Job ${o.job}`);
    return;
  }
  await raiseToRecorded(api, m, namespace, log);
  if (!(await api.deleteConfigMap(name, current.resourceVersion))) {
    log(`left ConfigMap ${name}: it changed while the guard cleared it`);
    return;
  }
  log(`cleared ConfigMap ${name} of ${describeRun(m)}`);
}

/**
 * When a marker is left and nothing of the release runs: raises the recorded
 * workloads back to their counts, then deletes the marker. Does nothing while
 * the marker's run (or another backup or restore of the release) may run.
 */
export async function repair(api: GuardApi, t: GuardTarget, namespace: string, log: GuardLog): Promise<void> {
  const name = markerName(t.fullname);
  const current = await readMarker(api, t, namespace);
  if (!current) return;
  const m = current.marker;
  const act = await activity(api, t, m);
  if (act.runningJobs.length > 0 || act.markerPodRunning) {
    const what = act.runningJobs.includes(m.job) || act.markerPodRunning ? `${describeRun(m)} is still running` : `Job ${act.runningJobs.join(', Job ')} of release ${t.release} is running`;
    log(`nothing repaired: ${what}; ConfigMap ${name} stays`);
    return;
  }
  const raised = await raiseToRecorded(api, m, namespace, log);
  if (!(await api.deleteConfigMap(name, current.resourceVersion))) {
    log(`left ConfigMap ${name}: it changed while the guard repaired (a new run recorded it)`);
    return;
  }
  log(`${raised === 0 ? 'nothing to restore; ' : ''}deleted ConfigMap ${name} left by ${describeRun(m)}`);
}

/** For messages: a workload's kind and name. */
export type { WorkloadKind };
