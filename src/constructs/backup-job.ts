import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { RenderPlan } from '../model/plan';
import { backupPodTemplate } from './backup-pod';
import { jobObject } from './workload';

/**
 * The one-shot backup Job. Its name carries a hash of the configuration and
 * `backup.id`: re-applying the same values keeps the finished Job, a change
 * makes a new Job (Job templates are immutable).
 */
export class BackupJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, d: RenderPlan) {
    super(scope, id);
    const { job } = d.values;
    this.apiObject = jobObject(this, d, {
      name: d.names.backupJob,
      component: 'backup',
      template: backupPodTemplate(d),
      controls: { backoffLimit: job.backoffLimit ?? 0, activeDeadlineSeconds: job.activeDeadlineSeconds, ttlSecondsAfterFinished: job.ttlSecondsAfterFinished },
    });
  }
}
