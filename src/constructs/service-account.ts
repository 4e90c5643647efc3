import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { Deployment } from '../model/deployment';
import { commonLabels } from '../model/objects';

/**
 * The ServiceAccount of the backup and restore pods. Its annotations carry
 * cloud identities (IRSA, workload identity) when no S3 Secret is used.
 */
export class BackupServiceAccount extends Construct {
  public readonly apiObject: k8s.KubeServiceAccount;

  constructor(scope: Construct, id: string, d: Deployment) {
    super(scope, id);
    const annotations = d.values.serviceAccount.annotations;
    this.apiObject = new k8s.KubeServiceAccount(this, 'Resource', {
      metadata: {
        name: d.names.serviceAccount,
        namespace: d.namespace,
        labels: commonLabels(d.values, d.release, 'rbac'),
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      },
    });
  }
}
