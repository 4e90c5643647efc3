import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { RenderPlan } from '../model/plan';
import { backupJob } from '../shapes/backup';
import { shapeObject } from './workload';

/**
 * The one-shot backup Job. Its name carries a hash of the configuration and
 * `backup.id`: re-applying the same values keeps the finished Job, a change
 * makes a new Job (Job templates are immutable).
 */
export class BackupJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, d: RenderPlan) {
    super(scope, id);
    this.apiObject = shapeObject(this, d, backupJob);
  }
}
