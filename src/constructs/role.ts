import { ApiObject, App, Chart } from 'cdk8s';
import * as kplus from './kplus';
import { Construct } from 'constructs';
import type { ObjectMetadata } from './workload';

/** What the Role renders besides BACKUP_PERMISSIONS. */
export interface RoleProps {
  /** The Role's metadata. */
  readonly metadata: ObjectMetadata;
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

/** The namespaced Role of the backup and restore pods. */
export class BackupRole extends Construct {
  public readonly role: kplus.Role;
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: RoleProps) {
    super(scope, id);
    this.role = new kplus.Role(this, 'Resource', {
      metadata: props.metadata,
    });
    allowBackupPermissions(this.role);
    this.apiObject = ApiObject.of(this.role);
  }
}

/** Grants BACKUP_PERMISSIONS on a Role. */
export function allowBackupPermissions(role: kplus.Role): void {
  for (const p of BACKUP_PERMISSIONS) {
    const resources = p.resources.map((resourceType) => kplus.ApiResource.custom({ apiGroup: p.apiGroup, resourceType }));
    role.allow([...p.verbs], ...resources);
  }
}

/** The `rules` a Role with BACKUP_PERMISSIONS synthesizes to (for the chart). */
export function backupRoleRules(): unknown {
  const chart = new Chart(new App(), 'rules');
  const role = new kplus.Role(chart, 'Role');
  allowBackupPermissions(role);
  return (ApiObject.of(role).toJson() as { rules?: unknown }).rules;
}
