import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { RenderPlan } from '../model/plan';
import { backupPodTemplate } from './backup-pod';
import { cronJobObject } from './workload';

/** The CronJob that runs backups on `backup.schedule`. */
export class BackupCronJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, d: RenderPlan) {
    super(scope, id);
    const v = d.values;
    this.apiObject = cronJobObject(
      this,
      d,
      {
        name: d.names.backupCronJob,
        component: 'backup',
        template: backupPodTemplate(d),
        controls: { backoffLimit: v.job.backoffLimit ?? 0, activeDeadlineSeconds: v.job.activeDeadlineSeconds },
      },
      v.backup.schedule,
      v.cronJob.concurrencyPolicy,
    );
  }
}
