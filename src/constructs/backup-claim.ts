import { k8s } from './kplus';
import { Construct } from 'constructs';
import type { ObjectMetadata } from './workload';

// What keeps the claim when the objects around it go (the chart reads it from its constants).
export { BACKUP_CLAIM_ANNOTATIONS } from '../shapes/backup';

/** What the backup claim renders. */
export interface BackupClaimProps {
  /** The claim's metadata, with BACKUP_CLAIM_ANNOTATIONS. */
  readonly metadata: ObjectMetadata;
  /** The claim's spec, its size as the values write it (`resources.requests.storage`). */
  readonly spec: {
    readonly accessModes: string[];
    readonly resources: { readonly requests: { readonly storage: string } };
    /** @default - the cluster's default StorageClass */
    readonly storageClassName?: string;
  };
}

/**
 * The PersistentVolumeClaim that keeps local archives beyond the pod. It
 * outlives the release (BACKUP_CLAIM_ANNOTATIONS): archives are never deleted
 * by a change of values, an uninstall or an Argo CD prune.
 */
export class BackupClaim extends Construct {
  public readonly apiObject: k8s.KubePersistentVolumeClaim;

  constructor(scope: Construct, id: string, props: BackupClaimProps) {
    super(scope, id);
    const { spec } = props;
    this.apiObject = new k8s.KubePersistentVolumeClaim(this, 'Resource', {
      metadata: props.metadata,
      spec: { ...spec, resources: { requests: { storage: k8s.Quantity.fromString(spec.resources.requests.storage) } } },
    });
  }
}
