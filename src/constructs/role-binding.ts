import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { Deployment } from '../model/deployment';
import { commonLabels } from '../model/objects';

/** Binds the Role to the pods' ServiceAccount, in the release namespace. */
export class BackupRoleBinding extends Construct {
  public readonly apiObject: k8s.KubeRoleBinding;

  constructor(scope: Construct, id: string, d: Deployment) {
    super(scope, id);
    this.apiObject = new k8s.KubeRoleBinding(this, 'Resource', {
      metadata: { name: d.names.roleBinding, namespace: d.namespace, labels: commonLabels(d.values, d.release, 'rbac') },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: d.names.role },
      subjects: [{ kind: 'ServiceAccount', name: d.names.serviceAccount, namespace: d.namespace }],
    });
  }
}
