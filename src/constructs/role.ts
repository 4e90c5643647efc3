import { ApiObject, App, Chart } from 'cdk8s';
import * as kplus from './kplus';
import { Construct } from 'constructs';
import type { ObjectMetadata } from './workload';

/** What the Role renders besides BACKUP_PERMISSIONS. */
export interface RoleProps {
  /** The Role's metadata. */
  readonly metadata: ObjectMetadata;
  /**
   * The scale guard's marker ConfigMap (`<fullname>-scale-guard`): with it, the
   * Role also grants GUARD_PERMISSIONS, the marker's rights limited to its name.
   * @default - no scale guard rights
   */
  readonly scaleGuardMarker?: string;
}

/** One permission of the Role. */
export interface BackupPermission {
  readonly apiGroup: string;
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

/**
 * What the image needs, and nothing more (no Secrets, no cluster scope): it
 * lists pods by label and execs into them (kubectl 1.30+ opens exec over
 * WebSocket, which API servers before 1.35 authorize as `get`), reads the
 * Infrahub deployments and statefulsets, and scales them through the scale
 * subresource during a restore.
 */
export const BACKUP_PERMISSIONS: readonly BackupPermission[] = [
  { apiGroup: '', resources: ['pods'], verbs: ['get', 'list'] },
  { apiGroup: '', resources: ['pods/exec'], verbs: ['create', 'get'] },
  { apiGroup: 'apps', resources: ['deployments', 'statefulsets'], verbs: ['get', 'list'] },
  { apiGroup: 'apps', resources: ['deployments/scale', 'statefulsets/scale'], verbs: ['get', 'patch', 'update'] },
];

/**
 * What the scale guard (`guard record|clear|repair`) needs besides
 * BACKUP_PERMISSIONS (docs/scale-guard.md): its marker ConfigMap read,
 * replaced and deleted by name (`MARKER` stands for the name), created (which
 * Kubernetes cannot limit by name), one Event per restored workload, the
 * release's Jobs listed. Pods `get` and the scale subresources are in
 * BACKUP_PERMISSIONS already.
 */
export const GUARD_PERMISSIONS: readonly (BackupPermission & { readonly marker?: boolean })[] = [
  { apiGroup: '', resources: ['configmaps'], verbs: ['get', 'update', 'delete'], marker: true },
  { apiGroup: '', resources: ['configmaps'], verbs: ['create'] },
  { apiGroup: '', resources: ['events'], verbs: ['create'] },
  { apiGroup: 'batch', resources: ['jobs'], verbs: ['list'] },
];

/** The namespaced Role of the backup and restore pods. */
export class BackupRole extends Construct {
  public readonly role: kplus.Role;
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: RoleProps) {
    super(scope, id);
    this.role = new kplus.Role(this, 'Resource', {
      metadata: props.metadata,
    });
    allowBackupPermissions(this.role, props.scaleGuardMarker);
    this.apiObject = ApiObject.of(this.role);
  }
}

/** Grants BACKUP_PERMISSIONS on a Role, and GUARD_PERMISSIONS when the marker's name is given. */
export function allowBackupPermissions(role: kplus.Role, scaleGuardMarker?: string): void {
  for (const p of BACKUP_PERMISSIONS) {
    const resources = p.resources.map((resourceType) => kplus.ApiResource.custom({ apiGroup: p.apiGroup, resourceType }));
    role.allow([...p.verbs], ...resources);
  }
  if (!scaleGuardMarker) return;
  for (const p of GUARD_PERMISSIONS) {
    // ApiResource.custom takes no name: a resource of one named object, as cdk8s-plus's imported objects are.
    const resources = p.resources.map((resourceType) => ({ apiGroup: p.apiGroup, resourceType, resourceName: p.marker ? scaleGuardMarker : undefined }));
    role.allow([...p.verbs], ...resources);
  }
}

/** The `rules` a Role with BACKUP_PERMISSIONS (and the scale guard's, for a marker name) synthesizes to (for the chart). */
export function backupRoleRules(scaleGuardMarker?: string): unknown {
  const chart = new Chart(new App(), 'rules');
  const role = new kplus.Role(chart, 'Role');
  allowBackupPermissions(role, scaleGuardMarker);
  return (ApiObject.of(role).toJson() as { rules?: unknown }).rules;
}
