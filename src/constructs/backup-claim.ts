import { k8s } from './kplus';
import { Construct } from 'constructs';
import type { RenderPlan } from '../model/plan';
import { commonLabels } from '../model/objects';

/**
 * What keeps the claim, and the archives on it, when the objects around it go:
 * Helm keeps it on uninstall and when a change of values stops rendering it,
 * and Argo CD never prunes it.
 */
export const BACKUP_CLAIM_ANNOTATIONS: Readonly<Record<string, string>> = {
  'helm.sh/resource-policy': 'keep',
  'argocd.argoproj.io/sync-options': 'Prune=false',
};

/**
 * The PersistentVolumeClaim that keeps local archives beyond the pod. It
 * outlives the release (BACKUP_CLAIM_ANNOTATIONS): archives are never deleted
 * by a change of values, an uninstall or an Argo CD prune.
 */
export class BackupClaim extends Construct {
  public readonly apiObject: k8s.KubePersistentVolumeClaim;

  constructor(scope: Construct, id: string, d: RenderPlan) {
    super(scope, id);
    const p = d.values.backup.storage.local.persistence;
    this.apiObject = new k8s.KubePersistentVolumeClaim(this, 'Resource', {
      metadata: {
        name: d.names.backupClaim,
        namespace: d.namespace,
        labels: commonLabels(d.values, d.release, 'backup'),
        annotations: { ...BACKUP_CLAIM_ANNOTATIONS },
      },
      spec: {
        accessModes: p.accessModes,
        resources: { requests: { storage: k8s.Quantity.fromString(p.size) } },
        ...(p.storageClassName ? { storageClassName: p.storageClassName } : {}),
      },
    });
  }
}
