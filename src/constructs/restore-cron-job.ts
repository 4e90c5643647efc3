import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { Deployment } from '../model/deployment';
import { commonLabels } from '../model/objects';
import { restorePodTemplate } from './restore-pod';
import { cronJobSpec, jobSpec } from './workload';

/**
 * A scheduled restore (e.g. a nightly production-to-staging refresh). Runs never
 * overlap (`Forbid`) and a failed run is never retried.
 */
export class RestoreCronJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, d: Deployment) {
    super(scope, id);
    const v = d.values;
    const labels = commonLabels(v, d.release, 'restore');
    const job = jobSpec(restorePodTemplate(d), { backoffLimit: 0, activeDeadlineSeconds: v.job.activeDeadlineSeconds });
    this.apiObject = new ApiObject(this, 'Resource', {
      ...k8s.KubeCronJob.GVK,
      metadata: { name: d.names.restoreCronJob, namespace: d.namespace, labels },
      spec: cronJobSpec(d, v.restore.schedule, 'Forbid', job, labels),
    });
  }
}
