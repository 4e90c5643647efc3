/**
 * promtool from Debian's `prometheus` package, extracted into .tools/promtool
 * by scripts/install-promtool.sh, and the synthetic kube-state-metrics series
 * the alert tests feed it.
 */
import { execFileSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';
import { ROOT, run, RunResult } from './helm';

export const PROMTOOL = join(ROOT, '.tools', 'promtool', 'promtool');

/** Extracts promtool when it is missing. */
export function ensurePromtool(): void {
  if (existsSync(PROMTOOL)) return;
  execFileSync('bash', [join(ROOT, 'scripts', 'install-promtool.sh')], { stdio: 'inherit' });
}

/**
 * `promtool <args>`. GOGC=400 lets Go's heap grow to five times the live data
 * between collections: `promtool test rules` evaluates every rule at every
 * step of a scenario and collects often; this spends a fifth less CPU, for
 * at most 260 MB instead of 130 MB (the largest scenario of
 * test/constructs/prometheus-rule.test.ts), the same output.
 */
export function promtool(args: string[]): Promise<RunResult> {
  return run(PROMTOOL, args, { PATH: process.env.PATH, GOGC: '400' });
}

/** Times are in minutes. */
export const MINUTE = 1;
/** Minutes between samples and between rule evaluations (`interval`, `evaluation_interval`). */
export const STEP = 5;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * A series in promtool's expanding notation, one sample every STEP minutes:
 * segments of `[minutes, value]`, where `null` is a gap (no sample).
 */
export function samples(...segments: Array<[number, number | null]>): string {
  return segments
    .filter(([minutes]) => minutes > 0)
    .map(([minutes, value]) => {
      if (minutes % STEP !== 0) throw new Error(`${minutes} minutes is not a multiple of ${STEP}`);
      const count = minutes / STEP;
      return value === null ? `_x${count}` : `${value}x${count - 1}`;
    })
    .join(' ');
}

/** A promtool input series. */
export interface InputSeries {
  readonly series: string;
  readonly values: string;
}

/** A series selector text: `name{label="value", ...}`. */
export function series(name: string, labels: Record<string, string>, values: string): InputSeries {
  const body = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');
  return { series: `${name}{${body}}`, values };
}

/** How a Job ends: `running` has not ended by the end of the series. */
export type JobOutcome = 'succeeded' | 'failed' | 'running';

/** A Job's run, in minutes. */
export interface JobRun {
  readonly namespace: string;
  readonly job: string;
  /** The CronJob that created it, if any (also for `kubectl create job --from=cronjob/...`). */
  readonly cronJob?: string;
  readonly start: number;
  readonly runMinutes: number;
  readonly outcome: JobOutcome;
  readonly end: number;
  /** Pods that failed and were replaced while the Job ran (`backoffLimit`). */
  readonly retries?: number;
  /** `spec.activeDeadlineSeconds`. */
  readonly activeDeadlineSeconds?: number;
  /** false: the image is a container of the pod (`guard.enabled=false`); else its last init container. */
  readonly initContainer?: boolean;
  /**
   * The image of the Job's pods' container, as the pod spec names it; none: no pod series (a Job
   * before its first pod runs).
   * @default BACKUP_IMAGE
   */
  readonly image?: string | null;
}

/** The backup image, as the chart's pods name it. */
export const BACKUP_IMAGE = 'registry.opsmill.io/opsmill/infrahub-backup:2.3.0';
/** This project's companion image (verification, retention, freshness, checks). */
export const COMPANION_IMAGE = 'registry.opsmill.io/opsmill/infrahub-backup-cdk8s:0.9.0';

/** The image a container runtime reports in the pod status: docker.io names completed, the spec's name otherwise. */
function statusImage(image: string): string {
  const first = image.split('/')[0];
  const hasRegistry = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return image;
  return image.includes('/') ? `docker.io/${image}` : `docker.io/library/${image}`;
}

/**
 * The series kube-state-metrics exports for the pods of a Job (docs/metrics/workload/pod-metrics.md):
 * `kube_pod_owner` (`owner_kind="Job"`, `owner_name` the Job) and `kube_pod_container_info`
 * (`container`, `image_spec` from the pod spec, `image`, `image_id` and `container_id` from the
 * container status: exported once the kubelet reports it). One pod per attempt (`retries + 1`); a pod
 * that failed stays, with its series, until its Job is deleted (`end`).
 */
export function jobPods(run: JobRun): InputSeries[] {
  const image = run.image === undefined ? BACKUP_IMAGE : run.image;
  if (image === null) return [];
  const { namespace, job, start, end, outcome } = run;
  const retries = run.retries ?? 0;
  const active = outcome === 'running' ? end - start : run.runMinutes;
  const out: InputSeries[] = [];
  for (let attempt = 0; attempt <= retries; attempt++) {
    // Attempts start evenly over the Job's run; the first one as the Job starts.
    const from = start + Math.floor((attempt * active) / (retries + 1) / STEP) * STEP;
    const pod = `${job}-${['x7k2q', 'm4n8p', 'c3v9w', 'r5t1z', 'h6j2b', 'f8d4s', 'q1w7e'][attempt % 7]}`;
    const uid = `5f0c${String(attempt).padStart(4, '0')}-7a1e-4c3b-9d2f-${job.length.toString(16).padStart(4, '0')}aa00bb11`;
    const labels = { namespace, pod, uid };
    const present = samples([from, null], [end - from, 1]);
    out.push(series('kube_pod_owner', { ...labels, owner_kind: 'Job', owner_name: job, owner_is_controller: 'true' }, present));
    out.push(
      series(
        // With the scale guard (the default) the image runs as the last init container.
        run.initContainer === false ? 'kube_pod_container_info' : 'kube_pod_init_container_info',
        {
          ...labels,
          container: 'backup',
          image_spec: image,
          image: statusImage(image),
          image_id: `${statusImage(image).replace(/[:@].*$/, '')}@sha256:${'3b'.repeat(32)}`,
          container_id: `containerd://${'9e'.repeat(32)}`,
        },
        present,
      ),
    );
  }
  return out;
}

/**
 * The series kube-state-metrics exports for a Job (docs/metrics/workload/job-metrics.md):
 * `kube_job_info`, `kube_job_labels`, `kube_job_created`, `kube_job_owner` (a Job without owner
 * has one with empty `owner_*` labels), `kube_job_status_start_time`,
 * `kube_job_status_active`/`_succeeded`/`_failed` (pods),
 * `kube_job_complete` and `kube_job_failed` (one series per `condition`:
 * true, false, unknown; only once the Job has that condition),
 * `kube_job_status_completion_time` (after a success),
 * `kube_job_spec_active_deadline_seconds` (when set), and the series of its
 * pods (`jobPods`). Absent before the Job exists; present until `end` (the
 * Jobs a CronJob keeps as history).
 */
export function jobRun(run: JobRun): InputSeries[] {
  const { namespace, job, start, end, outcome } = run;
  const labels = { namespace, job_name: job };
  const before: [number, null] = [start, null];
  const after = end - start;
  const active = outcome === 'running' ? after : run.runMinutes;
  const done = after - active;
  const retries = run.retries ?? 0;
  const owner = run.cronJob
    ? { owner_kind: 'CronJob', owner_name: run.cronJob, owner_is_controller: 'true' }
    : { owner_kind: '', owner_name: '', owner_is_controller: '' };
  // A condition's series exist once the Job has the condition (Complete after a success, Failed after a failure).
  const condition = (name: string, present: boolean) =>
    present ? ['true', 'false', 'unknown'].map((c) => series(name, { ...labels, condition: c }, samples(before, [active, null], [done, c === 'true' ? 1 : 0]))) : [];
  const out = [
    series('kube_job_info', labels, samples(before, [after, 1])),
    // Without --metric-labels-allowlist, kube-state-metrics exports no label_* label.
    series('kube_job_labels', labels, samples(before, [after, 1])),
    series('kube_job_created', labels, samples(before, [after, start * 60])),
    series('kube_job_owner', { ...labels, ...owner }, samples(before, [after, 1])),
    series('kube_job_status_start_time', labels, samples(before, [after, start * 60])),
    series('kube_job_status_active', labels, samples(before, [active, 1], [done, 0])),
    series('kube_job_status_succeeded', labels, samples(before, [active, 0], [done, outcome === 'succeeded' ? 1 : 0])),
    series('kube_job_status_failed', labels, samples(before, [Math.min(active, STEP), 0], [active - Math.min(active, STEP), retries], [done, retries + (outcome === 'failed' ? 1 : 0)])),
    ...condition('kube_job_complete', outcome === 'succeeded'),
    ...condition('kube_job_failed', outcome === 'failed'),
  ];
  if (outcome === 'succeeded') out.push(series('kube_job_status_completion_time', labels, samples(before, [active, null], [done, (start + run.runMinutes) * 60])));
  if (run.activeDeadlineSeconds !== undefined) out.push(series('kube_job_spec_active_deadline_seconds', labels, samples(before, [after, run.activeDeadlineSeconds])));
  return [...out, ...jobPods(run)];
}

/**
 * The kube-state-metrics series of a Job owned by a CronJob: created at
 * `start` minutes (named as the CronJob controller names it, `<cronjob>-<minutes
 * since the epoch>`), running `runMinutes`, then succeeded or failed; the
 * series last until `end` minutes.
 */
export function cronJobRun(
  namespace: string,
  cronJob: string,
  start: number,
  runMinutes: number,
  outcome: JobOutcome,
  end: number,
  options: { readonly retries?: number; readonly activeDeadlineSeconds?: number; readonly image?: string | null } = {},
): InputSeries[] {
  return jobRun({ namespace, job: `${cronJob}-${start}`, cronJob, start, runMinutes, outcome, end, ...options });
}

/**
 * The labels a scrape of kube-state-metrics adds to its series (as the
 * kube-prometheus-stack's ServiceMonitor does, with `honorLabels`: the
 * series' own `namespace`, `pod` and `container` stay); `replica` tells two
 * replicas apart.
 */
export function scrapeLabels(replica: number): Record<string, string> {
  return {
    container: 'kube-state-metrics',
    endpoint: 'http',
    instance: `10.42.${replica}.17:8080`,
    job: 'kube-state-metrics',
    pod: `kube-state-metrics-6f7d9c8b5-${['x2k4m', 'q8w3n', 'h7p2z'][replica]}`,
    service: 'kube-prometheus-stack-kube-state-metrics',
  };
}

/**
 * Series as Prometheus stores them when it scrapes `replicas` kube-state-metrics
 * replicas (an HA setup exports every series once per replica).
 */
export function scraped(input: readonly InputSeries[], replicas = 1): InputSeries[] {
  const out: InputSeries[] = [];
  for (let r = 0; r < replicas; r++) {
    for (const s of input) {
      // honorLabels: a label the series has (a pod's `pod` and `container`) wins over the scrape's.
      const extra = Object.entries(scrapeLabels(r))
        .filter(([k]) => !new RegExp(`[{ ]${k}="`).test(s.series))
        .map(([k, v]) => `${k}="${v}"`)
        .join(', ');
      out.push({ series: s.series.replace(/\}$/, s.series.endsWith('{}') ? `${extra}}` : `, ${extra}}`), values: s.values });
    }
  }
  return out;
}

/**
 * `kube_cronjob_status_last_successful_time` of a CronJob whose runs succeeded
 * at the given minutes (absent before the first success).
 */
export function lastSuccess(namespace: string, cronJob: string, successes: number[], end: number): InputSeries {
  const segments: Array<[number, number | null]> = [[successes[0] ?? end, null]];
  successes.forEach((at, i) => segments.push([(successes[i + 1] ?? end) - at, at * 60]));
  return series('kube_cronjob_status_last_successful_time', { namespace, cronjob: cronJob }, samples(...segments));
}
