import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { RenderPlan } from '../model/plan';
import { restorePodTemplate } from './restore-pod';
import { cronJobObject } from './workload';

/**
 * A scheduled restore (e.g. a nightly production-to-staging refresh). Runs never
 * overlap (`Forbid`) and a failed run is never retried.
 */
export class RestoreCronJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, d: RenderPlan) {
    super(scope, id);
    const v = d.values;
    this.apiObject = cronJobObject(
      this,
      d,
      {
        name: d.names.restoreCronJob,
        component: 'restore',
        template: restorePodTemplate(d),
        controls: { backoffLimit: 0, activeDeadlineSeconds: v.job.activeDeadlineSeconds },
      },
      v.restore.schedule,
      'Forbid',
    );
  }
}
