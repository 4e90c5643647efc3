/**
 * The objects the shapes of src/shapes describe (Jobs, CronJobs), as cdk8s
 * ApiObjects. Jobs and CronJobs are plain ApiObjects with the batch/v1 GVK:
 * the L1 classes re-serialize the spec and would drop fields that the values
 * pass through.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { RenderPlan } from '../model/plan';
import { evaluate, holds } from '../shapes/evaluate';
import type { ObjectShape } from '../shapes/objects';
import type { Shape } from '../shapes/expr';
import { renderScope } from '../shapes/scope';

/** The object a shape describes, as the `Resource` child of scope. */
export function shapeObject(scope: Construct, d: RenderPlan, shape: Shape): ApiObject {
  return new ApiObject(scope, 'Resource', evaluate(shape, renderScope(d)));
}

/** Whether an object of the release is rendered (its condition in src/shapes/objects.ts). */
export function objectRenders(d: RenderPlan, object: ObjectShape): boolean {
  return holds(object.when, renderScope(d));
}
