import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { Deployment } from '../model/deployment';
import { commonLabels } from '../model/objects';

/**
 * The rules the image needs, and nothing more (no Secrets, no cluster scope):
 * it lists pods by label and execs into them (kubectl 1.30+ opens exec over
 * WebSocket, which API servers before 1.35 authorize as `get`), reads the
 * Infrahub deployments and statefulsets, and scales them through the scale
 * subresource during a restore.
 */
export const BACKUP_ROLE_RULES: k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
  { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get'] },
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get', 'list'] },
  { apiGroups: ['apps'], resources: ['deployments/scale', 'statefulsets/scale'], verbs: ['get', 'patch', 'update'] },
];

/** The namespaced Role of the backup and restore pods. */
export class BackupRole extends Construct {
  public readonly apiObject: k8s.KubeRole;

  constructor(scope: Construct, id: string, d: Deployment) {
    super(scope, id);
    this.apiObject = new k8s.KubeRole(this, 'Resource', {
      metadata: { name: d.names.role, namespace: d.namespace, labels: commonLabels(d.values, d.release, 'rbac') },
      rules: BACKUP_ROLE_RULES,
    });
  }
}
