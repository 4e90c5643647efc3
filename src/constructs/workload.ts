/**
 * What the object constructs receive: the parts of one object, as its shape
 * in src/shapes evaluates them (InfrahubBackup maps the render plan to them).
 * Jobs and CronJobs are plain ApiObjects with the batch/v1 GVK: the L1 classes
 * re-serialize the spec and would drop fields that the values pass through.
 */
import { ApiObject, ApiObjectMetadata, GroupVersionKind } from 'cdk8s';
import { Construct } from 'constructs';
import type { ICronJobSpec, IJobSpec } from 'kubernetes-models/batch/v1';

/** An object's metadata: name, namespace (none: left out), labels, annotations. */
export type ObjectMetadata = ApiObjectMetadata;

/** What a Job construct renders. */
export interface JobObjectProps {
  /** The Job's metadata. */
  readonly metadata: ObjectMetadata;
  /** The Job's spec: the pod template and the Job controls. */
  readonly spec: IJobSpec;
}

/** What a CronJob construct renders. */
export interface CronJobObjectProps {
  /** The CronJob's metadata. */
  readonly metadata: ObjectMetadata;
  /** The CronJob's spec: the schedule, the `cronJob.*` values and the Job template. */
  readonly spec: ICronJobSpec;
}

/** An ApiObject of a kind, with the given fields besides its kind (`Resource` child of scope). */
export function kindObject(scope: Construct, gvk: GroupVersionKind, fields: { readonly metadata: ObjectMetadata }): ApiObject {
  return new ApiObject(scope, 'Resource', { ...fields, ...gvk });
}
