import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { RenderPlan } from '../model/plan';
import { restoreJob } from '../shapes/restore';
import { shapeObject } from './workload';

/**
 * The one-shot restore Job. A restore is destructive, so it is never retried
 * (`backoffLimit: 0`), never deleted by a TTL (a GitOps tool would recreate
 * and re-run it), and named after the restore request: re-applying the same
 * manifests never starts a second restore, a new request gets a new Job.
 */
export class RestoreJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, d: RenderPlan) {
    super(scope, id);
    this.apiObject = shapeObject(this, d, restoreJob);
  }
}
