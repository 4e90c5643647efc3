import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { Deployment } from '../model/deployment';
import { commonLabels } from '../model/objects';
import { backupPodTemplate } from './backup-pod';
import { cronJobSpec, jobSpec } from './workload';

/** The CronJob that runs backups on `backup.schedule`. */
export class BackupCronJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, d: Deployment) {
    super(scope, id);
    const v = d.values;
    const labels = commonLabels(v, d.release, 'backup');
    const job = jobSpec(backupPodTemplate(d), {
      backoffLimit: v.job.backoffLimit ?? 0,
      activeDeadlineSeconds: v.job.activeDeadlineSeconds,
    });
    this.apiObject = new ApiObject(this, 'Resource', {
      ...k8s.KubeCronJob.GVK,
      metadata: { name: d.names.backupCronJob, namespace: d.namespace, labels },
      spec: cronJobSpec(d, v.backup.schedule, v.cronJob.concurrencyPolicy as 'Forbid' | 'Replace' | 'Allow', job, labels),
    });
  }
}
