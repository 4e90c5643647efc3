/**
 * Job and CronJob objects around a pod template, with the Job controls the
 * values set. They are plain ApiObjects with the batch/v1 GVK: the L1 classes
 * re-serialize the spec and would drop fields that the values pass through.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IPodTemplateSpec } from 'kubernetes-models/v1';
import type { RenderPlan } from '../model/plan';
import { evaluate } from '../shapes/evaluate';
import { renderScope } from '../shapes/scope';
import * as shapes from '../shapes/workload';

/** Job controls; `undefined` or null leaves a field out. */
export interface JobControls {
  readonly backoffLimit: number;
  readonly activeDeadlineSeconds?: number | null;
  readonly ttlSecondsAfterFinished?: number | null;
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

function workloadArgs(w: WorkloadObject): Record<string, unknown> {
  return { name: w.name, component: w.component, template: w.template, ...w.controls };
}

/** A Job (`Resource` child of scope) that runs the pod once (shape `jobObject`). */
export function jobObject(scope: Construct, d: RenderPlan, w: WorkloadObject): ApiObject {
  return new ApiObject(scope, 'Resource', evaluate(shapes.jobObject, renderScope(d), workloadArgs(w)));
}

/** A CronJob (`Resource` child of scope) that runs the pod on a schedule (shape `cronJobObject`). */
export function cronJobObject(
  scope: Construct,
  d: RenderPlan,
  w: WorkloadObject,
  schedule: string,
  concurrencyPolicy: 'Forbid' | 'Replace' | 'Allow',
): ApiObject {
  const { ttlSecondsAfterFinished: _ttl, ...controls } = w.controls;
  return new ApiObject(scope, 'Resource', evaluate(shapes.cronJobObject, renderScope(d), { ...workloadArgs({ ...w, controls }), schedule, concurrencyPolicy }));
}
