import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from './kplus';
import { CronJobObjectProps, kindObject } from './workload';

/** The CronJob that runs backups on `backup.schedule`. */
export class BackupCronJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: CronJobObjectProps) {
    super(scope, id);
    this.apiObject = kindObject(this, k8s.KubeCronJob.GVK, props);
  }
}
