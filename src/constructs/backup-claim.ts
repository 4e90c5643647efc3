import { k8s } from './kplus';
import { Construct } from 'constructs';
import type { RenderPlan } from '../model/plan';
import { evaluate } from '../shapes/evaluate';
import { backupClaim } from '../shapes/backup';
import { renderScope } from '../shapes/scope';

// What keeps the claim when the objects around it go (the chart reads it from its constants).
export { BACKUP_CLAIM_ANNOTATIONS } from '../shapes/backup';

/**
 * The PersistentVolumeClaim that keeps local archives beyond the pod. It
 * outlives the release (BACKUP_CLAIM_ANNOTATIONS): archives are never deleted
 * by a change of values, an uninstall or an Argo CD prune.
 */
export class BackupClaim extends Construct {
  public readonly apiObject: k8s.KubePersistentVolumeClaim;

  constructor(scope: Construct, id: string, d: RenderPlan) {
    super(scope, id);
    const { metadata, spec } = evaluate(backupClaim, renderScope(d));
    this.apiObject = new k8s.KubePersistentVolumeClaim(this, 'Resource', {
      metadata,
      spec: { ...spec, resources: { requests: { storage: k8s.Quantity.fromString(spec.resources.requests.storage) } } },
    });
  }
}
