/**
 * The scale guard's CronJob: `guard repair` on `guard.schedule` restores the
 * replicas a killed backup or restore left at zero (docs/scale-guard.md).
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from './kplus';
import { CronJobObjectProps, kindObject } from './workload';

/** Restores the recorded replicas when a backup or restore was killed midway. */
export class ScaleGuardCronJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: CronJobObjectProps) {
    super(scope, id);
    this.apiObject = kindObject(this, k8s.KubeCronJob.GVK, props);
  }
}
