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

/** `promtool <args>`. */
export function promtool(args: string[]): Promise<RunResult> {
  return run(PROMTOOL, args, { PATH: process.env.PATH });
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

/**
 * The kube-state-metrics series of a Job owned by a CronJob: created at
 * `start` minutes, running `runMinutes`, then succeeded or failed; the
 * series last until `end` minutes.
 */
export function cronJobRun(
  namespace: string,
  cronJob: string,
  start: number,
  runMinutes: number,
  outcome: 'succeeded' | 'failed' | 'running',
  end: number,
): InputSeries[] {
  const job = `${cronJob}-${start}`;
  const labels = { namespace, job_name: job };
  const before: [number, null] = [start, null];
  const after = end - start;
  const done = outcome === 'running' ? 0 : after - runMinutes;
  const active = outcome === 'running' ? after : runMinutes;
  return [
    series('kube_job_owner', { ...labels, owner_kind: 'CronJob', owner_name: cronJob, owner_is_controller: 'true' }, samples(before, [after, 1])),
    series('kube_job_status_start_time', labels, samples(before, [after, start * 60])),
    series('kube_job_status_active', labels, samples(before, [active, 1], [done, 0])),
    series('kube_job_failed', { ...labels, condition: 'true' }, samples(before, [active, 0], [done, outcome === 'failed' ? 1 : 0])),
  ];
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
