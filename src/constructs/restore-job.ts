import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from './kplus';
import { JobObjectProps, kindObject } from './workload';

/**
 * The one-shot restore Job. A restore is destructive, so it is never retried
 * (`backoffLimit: 0`), never deleted by a TTL (a GitOps tool would recreate
 * and re-run it), and named after the restore request: re-applying the same
 * manifests never starts a second restore, a new request gets a new Job.
 */
export class RestoreJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: JobObjectProps) {
    super(scope, id);
    this.apiObject = kindObject(this, k8s.KubeJob.GVK, props);
  }
}
