import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { RenderPlan } from '../model/plan';
import { backupCronJob } from '../shapes/backup';
import { shapeObject } from './workload';

/** The CronJob that runs backups on `backup.schedule`. */
export class BackupCronJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, d: RenderPlan) {
    super(scope, id);
    this.apiObject = shapeObject(this, d, backupCronJob);
  }
}
