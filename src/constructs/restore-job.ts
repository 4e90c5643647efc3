import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { Deployment } from '../model/deployment';
import { commonLabels } from '../model/objects';
import { restorePodTemplate } from './restore-pod';
import { jobSpec } from './workload';

/**
 * The one-shot restore Job. A restore is destructive, so it is never retried
 * (`backoffLimit: 0`), never deleted by a TTL (a GitOps tool would recreate
 * and re-run it), and named after the restore request: re-applying the same
 * manifests never starts a second restore, a new request gets a new Job.
 */
export class RestoreJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, d: Deployment) {
    super(scope, id);
    const v = d.values;
    this.apiObject = new ApiObject(this, 'Resource', {
      ...k8s.KubeJob.GVK,
      metadata: { name: d.names.restoreJob, namespace: d.namespace, labels: commonLabels(v, d.release, 'restore') },
      spec: jobSpec(restorePodTemplate(d), { backoffLimit: 0, activeDeadlineSeconds: v.job.activeDeadlineSeconds }),
    });
  }
}
