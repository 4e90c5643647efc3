import { ApiObject } from 'cdk8s';
import * as kplus from './kplus';
import { Construct } from 'constructs';
import type { RenderPlan } from '../model/plan';
import { commonLabels } from '../model/objects';

/**
 * The ServiceAccount of the backup and restore pods. It does not mount its
 * token by default (`automountServiceAccountToken: false`); the pods that need
 * it ask for it. Its annotations carry cloud identities (IRSA, workload
 * identity) when no S3 Secret is used.
 */
export class BackupServiceAccount extends Construct {
  public readonly serviceAccount: kplus.ServiceAccount;
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, d: RenderPlan) {
    super(scope, id);
    const annotations = d.values.serviceAccount.annotations;
    this.serviceAccount = new kplus.ServiceAccount(this, 'Resource', {
      automountToken: false,
      metadata: {
        name: d.names.serviceAccount,
        namespace: d.namespace,
        labels: commonLabels(d.values, d.release, 'rbac'),
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      },
    });
    this.apiObject = ApiObject.of(this.serviceAccount);
  }
}
