/**
 * The backup and restore runs around the guard, played against the test
 * server: their Jobs and pods, and the backup tool's own scaling as its
 * source does it (found by the same selectors, counts kept in memory, only
 * running services stopped, `1` when it kept no count).
 */
import { runCliAsync } from '../../src/cli';
import { SCALED_SERVICES, toolWorkload } from '../../src/guard/guard';
import type { ListedWorkload } from '../../src/guard/kube';
import { FakeCluster, FakeWorkload, NAMESPACE } from './support';

export const RELEASE = 'infrahub-backup';
export const MARKER = 'infrahub-backup-scale-guard';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process against the cluster. */
export async function cli(c: FakeCluster, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCliAsync(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { KUBECONFIG: c.kubeconfig, INFRAHUB_K8S_NAMESPACE: NAMESPACE, HOME: '/nonexistent', ...env },
  });
  return { code, stdout, stderr };
}

function listed(c: FakeCluster): { deployments: ListedWorkload[]; statefulSets: ListedWorkload[] } {
  const of = (kind: 'Deployment' | 'StatefulSet', store: Map<string, FakeWorkload>): ListedWorkload[] =>
    [...store.entries()].map(([name, w]) => ({ kind, name, labels: w.labels, selectorLabels: w.selectorLabels, templateLabels: w.templateLabels, replicas: w.replicas }));
  return { deployments: of('Deployment', c.deployments), statefulSets: of('StatefulSet', c.statefulsets) };
}

/** One backup or restore run: its Job, its pod, the tool's memory. */
export class Run {
  public pod: string;
  private tries = 0;
  /** The tool's in-memory counts ("kind/name" => replicas), set when it scales down. */
  public memory: Map<string, number> | undefined;

  constructor(
    private readonly c: FakeCluster,
    public readonly job: string,
    public readonly operation: 'backup' | 'restore' = 'backup',
  ) {
    this.pod = `${job}-p${this.tries}`;
    c.jobs.set(job, { labels: { 'app.kubernetes.io/name': 'infrahub-backup', 'app.kubernetes.io/instance': RELEASE, 'app.kubernetes.io/component': operation }, finished: false, active: 1 });
    c.pods.set(this.pod, 'Running');
  }

  get running(): boolean {
    return !this.c.jobs.get(this.job)!.finished;
  }

  record(extra: string[] = []): Promise<CliRun> {
    return cli(this.c, ['guard', 'record', '--for', this.operation, '--release', RELEASE, '--job', this.job, '--pod', this.pod, '--timeout', '5', ...extra]);
  }

  clear(extra: string[] = []): Promise<CliRun> {
    return cli(this.c, ['guard', 'clear', '--release', RELEASE, '--job', this.job, '--timeout', '5', ...extra]);
  }

  /** The tool stops the running services, keeping their counts in memory. */
  toolScaleDown(): void {
    const { deployments, statefulSets } = listed(this.c);
    this.memory = new Map();
    for (const service of SCALED_SERVICES) {
      const w = toolWorkload(service, deployments, statefulSets);
      if (!w) continue;
      const now = (w.kind === 'Deployment' ? this.c.deployments : this.c.statefulsets).get(w.name)!.replicas;
      if (now <= 0) continue;
      this.memory.set(`${w.kind}/${w.name}`, now);
      this.c.setReplicas(w.kind, w.name, 0);
    }
  }

  /** The tool starts them again with the counts it kept. */
  toolScaleUp(): void {
    for (const [key, replicas] of this.memory ?? []) {
      const [kind, name] = key.split('/') as ['Deployment' | 'StatefulSet', string];
      this.c.setReplicas(kind, name, replicas > 0 ? replicas : 1);
    }
  }

  /** The pod is killed; with `retry` the Job starts a new pod, else the Job fails. */
  kill(retry = false): void {
    this.c.pods.set(this.pod, 'Failed');
    this.memory = undefined;
    if (retry) {
      this.tries++;
      this.pod = `${this.job}-p${this.tries}`;
      this.c.pods.set(this.pod, 'Running');
    } else {
      this.c.jobs.set(this.job, { ...this.c.jobs.get(this.job)!, finished: true, active: 0 });
    }
  }

  /** The run ends (its last container exited). */
  finish(): void {
    this.c.pods.set(this.pod, 'Succeeded');
    this.c.jobs.set(this.job, { ...this.c.jobs.get(this.job)!, finished: true, active: 0 });
  }
}

export function repair(c: FakeCluster, extra: string[] = []): Promise<CliRun> {
  return cli(c, ['guard', 'repair', '--release', RELEASE, '--timeout', '5', ...extra]);
}
