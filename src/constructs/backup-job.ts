import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from './kplus';
import { JobObjectProps, kindObject } from './workload';

/**
 * The one-shot backup Job. Its name carries a hash of the configuration and
 * `backup.id`: re-applying the same values keeps the finished Job, a change
 * makes a new Job (Job templates are immutable).
 */
export class BackupJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: JobObjectProps) {
    super(scope, id);
    this.apiObject = kindObject(this, k8s.KubeJob.GVK, props);
  }
}
