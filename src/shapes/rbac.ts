/**
 * The ServiceAccount, Role and RoleBinding of the backup and restore pods
 * (src/constructs/service-account.ts, role.ts, role-binding.ts build them as
 * cdk8s-plus constructs, with the metadata of these shapes).
 */
import { algorithm, call, merge, omitEmpty, shape, truthy, val, when } from './expr';
import { metadata } from './workload';

/** The ServiceAccount: it does not mount its token (the pods that need it ask for it). */
export const serviceAccount = shape('serviceAccount', 'The ServiceAccount', [], {
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: merge({ annotations: omitEmpty(val('v.serviceAccount.annotations')) }, call(metadata, { name: val('names.serviceAccount'), component: 'rbac' })),
  automountServiceAccountToken: false,
});

/** The namespaced Role: exactly what the infrahub-backup image calls, and the scale guard with `guard.enabled`. */
export const role = shape('role', 'The Role', [], {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: call(metadata, { name: val('names.role'), component: 'rbac' }),
  rules: algorithm('roleRules', when(truthy(val('v.guard.enabled')), val('names.scaleGuard'), '')),
});

/** Binds the Role to the pods' ServiceAccount (created here or existing), in the release namespace. */
export const roleBinding = shape('roleBinding', 'The RoleBinding', [], {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: call(metadata, { name: val('names.roleBinding'), component: 'rbac' }),
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: val('names.role') },
  subjects: [{ apiGroup: '', kind: 'ServiceAccount', name: val('names.serviceAccount'), namespace: val('namespace') }],
});
