import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { Deployment } from '../model/deployment';
import { commonLabels } from '../model/objects';

/**
 * The PersistentVolumeClaim that keeps local archives beyond the pod. Helm
 * keeps it on uninstall (`helm.sh/resource-policy: keep`): archives are never
 * deleted by a change of values.
 */
export class BackupClaim extends Construct {
  public readonly apiObject: k8s.KubePersistentVolumeClaim;

  constructor(scope: Construct, id: string, d: Deployment) {
    super(scope, id);
    const p = d.values.backup.storage.local.persistence;
    this.apiObject = new k8s.KubePersistentVolumeClaim(this, 'Resource', {
      metadata: {
        name: d.names.backupClaim,
        namespace: d.namespace,
        labels: commonLabels(d.values, d.release, 'backup'),
        annotations: { 'helm.sh/resource-policy': 'keep' },
      },
      spec: {
        accessModes: p.accessModes,
        resources: { requests: { storage: k8s.Quantity.fromString(p.size) } },
        ...(p.storageClassName ? { storageClassName: p.storageClassName } : {}),
      },
    });
  }
}
