import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { RenderPlan } from '../model/plan';
import { restoreCronJob } from '../shapes/restore';
import { shapeObject } from './workload';

/**
 * A scheduled restore (e.g. a nightly production-to-staging refresh). Runs never
 * overlap (`Forbid`) and a failed run is never retried.
 */
export class RestoreCronJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, d: RenderPlan) {
    super(scope, id);
    this.apiObject = shapeObject(this, d, restoreCronJob);
  }
}
