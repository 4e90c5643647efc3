/**
 * The ServiceAccount, Role and RoleBinding: exactly the rights the image's
 * contract needs, namespaced, bound to the account the pods run as.
 */
import { mergeDocs, MODES, namesByKind, only, podSpecOf, synthObjects, workloadOf } from '../support/synth';

/** The contract's rules (upstream-contract.md, "Kubernetes behaviour"). */
const CONTRACT_RULES = [
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
  { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get'] },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] },
  { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['get', 'list'] },
  { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get', 'patch', 'update'] },
  { apiGroups: ['apps'], resources: ['statefulsets/scale'], verbs: ['get', 'patch', 'update'] },
];

/** The scale guard's rules (docs/scale-guard.md, RBAC), for the marker of release `infrahub-backup`. */
const GUARD_RULES = [
  { apiGroups: [''], resourceNames: ['infrahub-backup-scale-guard'], resources: ['configmaps'], verbs: ['get', 'update', 'delete'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['list'] },
];

/** Every (group, resource, verb) a set of rules grants. */
function grants(rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>): string[] {
  return rules
    .flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`))))
    .sort();
}

describe.each(Object.entries(MODES))('RBAC of %s', (_name, values) => {
  const objects = synthObjects(values);
  const role = only(objects, 'Role');
  const binding = only(objects, 'RoleBinding');
  const account = only(objects, 'ServiceAccount');

  test("the Role holds exactly the contract rules, then the scale guard's", () => {
    expect(role.rules).toEqual([...CONTRACT_RULES, ...GUARD_RULES]);
    expect(grants(role.rules)).toEqual(grants([...CONTRACT_RULES, ...GUARD_RULES]));
  });

  test('no secrets, no wildcards, no non-resource URLs; a resource name only on the scale guard marker', () => {
    const text = JSON.stringify(role.rules);
    expect(text).not.toMatch(/secret/i);
    expect(text).not.toContain('*');
    for (const rule of role.rules) {
      const named = rule.resources[0] === 'configmaps' && !rule.verbs.includes('create');
      expect(Object.keys(rule).sort()).toEqual(named ? ['apiGroups', 'resourceNames', 'resources', 'verbs'] : ['apiGroups', 'resources', 'verbs']);
    }
  });

  test('everything is namespaced: a Role and a RoleBinding, never cluster-wide', () => {
    expect(objects.map((o) => o.kind)).not.toContain('ClusterRole');
    expect(objects.map((o) => o.kind)).not.toContain('ClusterRoleBinding');
    expect(role.metadata.namespace).toBe('infrahub');
    expect(binding.metadata.namespace).toBe('infrahub');
    expect(account.metadata.namespace).toBe('infrahub');
  });

  test("the RoleBinding binds the Role to the pods' ServiceAccount in the namespace", () => {
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
    const pod = podSpecOf(workloadOf(objects));
    expect(binding.subjects).toEqual([{ apiGroup: '', kind: 'ServiceAccount', name: pod.serviceAccountName, namespace: 'infrahub' }]);
    expect(account.metadata.name).toBe(pod.serviceAccountName);
  });
});

describe('RBAC switches', () => {
  const S3_BACKUP = MODES['one-shot backup to S3'];

  test('the objects follow the namespace given to the chart', () => {
    const objects = synthObjects(S3_BACKUP, 'infrahub-backup', 'prod-infrahub');
    expect(only(objects, 'RoleBinding').subjects[0].namespace).toBe('prod-infrahub');
    for (const o of objects) expect(o.metadata.namespace).toBe('prod-infrahub');
  });

  test('rbac.create=false drops the Role and RoleBinding but keeps the ServiceAccount', () => {
    const objects = synthObjects(mergeDocs(S3_BACKUP, { rbac: { create: false } }));
    expect(objects.map((o) => o.kind)).toEqual(['ServiceAccount', 'Job', 'CronJob']);
    expect(podSpecOf(only(objects, 'Job')).serviceAccountName).toBe('infrahub-backup');
  });

  test('serviceAccount.create=false drops the ServiceAccount and the pod runs as `default`', () => {
    const objects = synthObjects(mergeDocs(S3_BACKUP, { serviceAccount: { create: false } }));
    expect(objects.map((o) => o.kind)).toEqual(['Role', 'RoleBinding', 'Job', 'CronJob']);
    expect(podSpecOf(only(objects, 'Job')).serviceAccountName).toBe('default');
    expect(only(objects, 'RoleBinding').subjects).toEqual([{ apiGroup: '', kind: 'ServiceAccount', name: 'default', namespace: 'infrahub' }]);
  });

  test('serviceAccount.create=false with a name uses that existing account', () => {
    const objects = synthObjects(mergeDocs(S3_BACKUP, { serviceAccount: { create: false, name: 'infrahub-ops' } }));
    expect(objects.map((o) => o.kind)).toEqual(['Role', 'RoleBinding', 'Job', 'CronJob']);
    expect(podSpecOf(only(objects, 'Job')).serviceAccountName).toBe('infrahub-ops');
    expect(only(objects, 'RoleBinding').subjects[0].name).toBe('infrahub-ops');
  });

  test('serviceAccount.name names the created account, the binding subject and the pod account', () => {
    const objects = synthObjects(mergeDocs(S3_BACKUP, { serviceAccount: { name: 'backup-runner' } }));
    expect(only(objects, 'ServiceAccount').metadata.name).toBe('backup-runner');
    expect(only(objects, 'RoleBinding').subjects[0].name).toBe('backup-runner');
    expect(podSpecOf(only(objects, 'Job')).serviceAccountName).toBe('backup-runner');
    // The Role and RoleBinding keep the release's name.
    expect(namesByKind(objects).Role).toEqual(['infrahub-backup']);
  });

  test('both switches off leave only the workload', () => {
    const objects = synthObjects(mergeDocs(S3_BACKUP, { rbac: { create: false }, serviceAccount: { create: false, name: 'ops' } }));
    expect(objects.map((o) => o.kind)).toEqual(['Job', 'CronJob']);
    expect(podSpecOf(only(objects, 'Job')).serviceAccountName).toBe('ops');
  });

  test('serviceAccount.annotations reach the ServiceAccount only', () => {
    const annotations = { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/backup' };
    const objects = synthObjects(mergeDocs(S3_BACKUP, { serviceAccount: { annotations } }));
    expect(only(objects, 'ServiceAccount').metadata.annotations).toEqual(annotations);
    expect(only(objects, 'Role').metadata.annotations).toBeUndefined();
    expect(only(objects, 'Job').spec.template.metadata.annotations).toBeUndefined();
  });

  test('guard.enabled=false: the contract rules only, and no guard CronJob', () => {
    const objects = synthObjects(mergeDocs(S3_BACKUP, { guard: { enabled: false } }));
    expect(objects.map((o) => o.kind)).toEqual(['ServiceAccount', 'Role', 'RoleBinding', 'Job']);
    expect(only(objects, 'Role').rules).toEqual(CONTRACT_RULES);
  });

  test("the marker's resource name follows the fullname", () => {
    const objects = synthObjects(mergeDocs(S3_BACKUP, { fullnameOverride: 'prod-backups' }));
    expect(only(objects, 'Role').rules.find((r: { resourceNames?: string[] }) => r.resourceNames)?.resourceNames).toEqual(['prod-backups-scale-guard']);
  });

  test('without backup or restore nothing is created, not even RBAC', () => {
    expect(synthObjects({ rbac: { create: true }, serviceAccount: { create: true } })).toEqual([]);
  });
});
