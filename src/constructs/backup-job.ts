import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { Deployment } from '../model/deployment';
import { commonLabels } from '../model/objects';
import { backupPodTemplate } from './backup-pod';
import { jobSpec } from './workload';

/**
 * The one-shot backup Job. Its name carries a hash of the configuration and
 * `backup.id`: re-applying the same values keeps the finished Job, a change
 * makes a new Job (Job templates are immutable).
 */
export class BackupJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, d: Deployment) {
    super(scope, id);
    const v = d.values;
    this.apiObject = new ApiObject(this, 'Resource', {
      ...k8s.KubeJob.GVK,
      metadata: { name: d.names.backupJob, namespace: d.namespace, labels: commonLabels(v, d.release, 'backup') },
      spec: jobSpec(backupPodTemplate(d), {
        backoffLimit: v.job.backoffLimit ?? 0,
        activeDeadlineSeconds: v.job.activeDeadlineSeconds,
        ttlSecondsAfterFinished: v.job.ttlSecondsAfterFinished,
      }),
    });
  }
}
