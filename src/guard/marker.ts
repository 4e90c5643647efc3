/**
 * The scale guard's marker: the ConfigMap `<fullname>-scale-guard` that says
 * "a backup or restore run is scaling Infrahub down", holding the replica
 * counts it found before the run. Its content is read back strictly: an
 * edited or damaged marker is refused with one line, never half-applied.
 */
import type { WorkloadKind } from './kube';

/** What the run that recorded the marker was. */
export type GuardOperation = 'backup' | 'restore';

/** One recorded workload. */
export interface RecordedWorkload {
  readonly kind: WorkloadKind;
  readonly name: string;
  readonly replicas: number;
}

/** The marker's content. */
export interface Marker {
  readonly operation: GuardOperation;
  readonly job: string;
  readonly pod: string;
  /** RFC 3339, UTC. */
  readonly startedAt: string;
  readonly workloads: readonly RecordedWorkload[];
}

/** The marker's format; a marker of another format is refused. */
export const MARKER_FORMAT = '1';

/** The most replicas a marker may record (a bound against a damaged marker scaling anything up absurdly). */
export const MAX_RECORDED_REPLICAS = 1000;

/** The marker's name: `<fullname>-scale-guard`. */
export function markerName(fullname: string): string {
  return `${fullname}-scale-guard`;
}

/**
 * The marker's labels. No `app.kubernetes.io/instance`: Argo CD's label
 * tracking reads that label, and would take the marker for a resource of the
 * Application to prune.
 */
export function markerLabels(chartName: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': chartName,
    'app.kubernetes.io/component': 'scale-guard',
    'app.kubernetes.io/part-of': 'infrahub',
    'app.kubernetes.io/managed-by': 'infrahub-backup-cdk8s',
  };
}

/** The ConfigMap data of a marker; deterministic (workloads sorted by kind and name). */
export function encodeMarker(m: Marker): Record<string, string> {
  const workloads = [...m.workloads].sort((a, b) => (a.kind === b.kind ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.kind < b.kind ? -1 : 1));
  return {
    format: MARKER_FORMAT,
    operation: m.operation,
    job: m.job,
    pod: m.pod,
    startedAt: m.startedAt,
    workloads: JSON.stringify(workloads.map((w) => ({ kind: w.kind, name: w.name, replicas: w.replicas }))),
  };
}

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** The marker in ConfigMap data, or the reasons it is not one (each a phrase). */
export function decodeMarker(data: Readonly<Record<string, string>>): Marker | string[] {
  const problems: string[] = [];
  if (data.format !== MARKER_FORMAT) problems.push(`data.format is ${JSON.stringify(data.format ?? null)}, expected "${MARKER_FORMAT}"`);
  const operation = data.operation;
  if (operation !== 'backup' && operation !== 'restore') problems.push(`data.operation is ${JSON.stringify(operation ?? null)}, expected "backup" or "restore"`);
  for (const key of ['job', 'pod'] as const) {
    if (typeof data[key] !== 'string' || !NAME.test(data[key])) problems.push(`data.${key} is not a Kubernetes name`);
  }
  if (typeof data.startedAt !== 'string' || Number.isNaN(Date.parse(data.startedAt))) problems.push('data.startedAt is not a time');
  const workloads: RecordedWorkload[] = [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.workloads ?? '');
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed)) {
    problems.push('data.workloads is not a JSON list');
  } else {
    const seen = new Set<string>();
    parsed.forEach((w: unknown, i) => {
      const o = w as { kind?: unknown; name?: unknown; replicas?: unknown } | null;
      const kind = o?.kind;
      const name = o?.name;
      const replicas = o?.replicas;
      if ((kind !== 'Deployment' && kind !== 'StatefulSet') || typeof name !== 'string' || !NAME.test(name)) {
        problems.push(`data.workloads[${i}] is not a Deployment or StatefulSet with a name`);
        return;
      }
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0 || replicas > MAX_RECORDED_REPLICAS) {
        problems.push(`data.workloads[${i}].replicas is not a whole number from 0 to ${MAX_RECORDED_REPLICAS}`);
        return;
      }
      const key = `${kind}/${name}`;
      if (seen.has(key)) {
        problems.push(`data.workloads[${i}] records ${key} twice`);
        return;
      }
      seen.add(key);
      workloads.push({ kind, name, replicas });
    });
  }
  if (problems.length > 0) return problems;
  return { operation: operation as GuardOperation, job: data.job, pod: data.pod, startedAt: data.startedAt, workloads };
}
