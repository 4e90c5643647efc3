/**
 * Job and CronJob specs around a pod template, with the Job controls the values set.
 */
import type { IJobSpec, ICronJobSpec } from 'kubernetes-models/batch/v1';
import type { IPodTemplateSpec } from 'kubernetes-models/v1';
import type { Deployment } from '../model/deployment';

/** Job controls; `undefined` leaves a field out. */
export interface JobControls {
  readonly backoffLimit: number;
  readonly activeDeadlineSeconds?: number | null;
  readonly ttlSecondsAfterFinished?: number | null;
}

/** A Job spec running the pod template once. */
export function jobSpec(template: IPodTemplateSpec, controls: JobControls): IJobSpec {
  const spec: IJobSpec = { backoffLimit: controls.backoffLimit, template };
  if (controls.activeDeadlineSeconds != null) spec.activeDeadlineSeconds = controls.activeDeadlineSeconds;
  if (controls.ttlSecondsAfterFinished != null) spec.ttlSecondsAfterFinished = controls.ttlSecondsAfterFinished;
  return spec;
}

/** A CronJob spec running the Job spec on a schedule, with the `cronJob.*` values. */
export function cronJobSpec(
  d: Deployment,
  schedule: string,
  concurrencyPolicy: 'Forbid' | 'Replace' | 'Allow',
  job: IJobSpec,
  jobLabels: Record<string, string>,
): ICronJobSpec {
  const c = d.values.cronJob;
  const spec: ICronJobSpec = {
    schedule,
    concurrencyPolicy,
    suspend: c.suspend,
    jobTemplate: { metadata: { labels: jobLabels }, spec: job },
  };
  if (c.successfulJobsHistoryLimit != null) spec.successfulJobsHistoryLimit = c.successfulJobsHistoryLimit;
  if (c.failedJobsHistoryLimit != null) spec.failedJobsHistoryLimit = c.failedJobsHistoryLimit;
  if (c.timeZone) spec.timeZone = c.timeZone;
  if (c.startingDeadlineSeconds != null) spec.startingDeadlineSeconds = c.startingDeadlineSeconds;
  return spec;
}
