/**
 * Job and CronJob objects around a pod template, with the Job controls the
 * values set. They are plain ApiObjects with the batch/v1 GVK: the L1 classes
 * re-serialize the spec and would drop fields that the values pass through.
 */
import { ApiObject } from 'cdk8s';
import { k8s } from './kplus';
import { Construct } from 'constructs';
import type { IJobSpec, ICronJobSpec } from 'kubernetes-models/batch/v1';
import type { IPodTemplateSpec } from 'kubernetes-models/v1';
import type { RenderPlan } from '../model/plan';
import { commonLabels } from '../model/objects';

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
  d: RenderPlan,
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

/** What a Job or CronJob object is made of. */
export interface WorkloadObject {
  /** The object's name. */
  readonly name: string;
  /** The `app.kubernetes.io/component` label. */
  readonly component: string;
  /** The pod that runs. */
  readonly template: IPodTemplateSpec;
  /** The Job controls. */
  readonly controls: JobControls;
}

/** A Job (`Resource` child of scope) that runs the pod once. */
export function jobObject(scope: Construct, d: RenderPlan, w: WorkloadObject): ApiObject {
  return new ApiObject(scope, 'Resource', {
    ...k8s.KubeJob.GVK,
    metadata: { name: w.name, namespace: d.namespace, labels: commonLabels(d.values, d.release, w.component) },
    spec: jobSpec(w.template, w.controls),
  });
}

/** A CronJob (`Resource` child of scope) that runs the pod on a schedule. */
export function cronJobObject(
  scope: Construct,
  d: RenderPlan,
  w: WorkloadObject,
  schedule: string,
  concurrencyPolicy: 'Forbid' | 'Replace' | 'Allow',
): ApiObject {
  const labels = commonLabels(d.values, d.release, w.component);
  return new ApiObject(scope, 'Resource', {
    ...k8s.KubeCronJob.GVK,
    metadata: { name: w.name, namespace: d.namespace, labels },
    spec: cronJobSpec(d, schedule, concurrencyPolicy, jobSpec(w.template, w.controls), labels),
  });
}
