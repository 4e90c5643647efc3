import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from './kplus';
import { CronJobObjectProps, kindObject } from './workload';

/**
 * A scheduled restore (e.g. a nightly production-to-staging refresh). Runs never
 * overlap (`Forbid`) and a failed run is never retried.
 */
export class RestoreCronJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: CronJobObjectProps) {
    super(scope, id);
    this.apiObject = kindObject(this, k8s.KubeCronJob.GVK, props);
  }
}
