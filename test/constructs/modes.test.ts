/**
 * Every deployment mode: the objects it produces, each valid against the
 * Kubernetes schema, and each pod admitted by the restricted Pod Security
 * Standard.
 */
import { schemaErrors, unknownFields, validateObject } from '../support/kube-schema';
import { restrictedViolations } from '../support/pod-security';
import {
  ALL_OPTIONAL_BACKUP,
  ALL_OPTIONAL_RESTORE,
  guardCronJobOf,
  KubeObject,
  mergeDocs,
  MODES,
  podTemplateOf,
  synthObjects,
  TestValues,
  workloadOf,
} from '../support/synth';

const ALL_MODES: Record<string, TestValues> = {
  ...MODES,
  'all optional blocks: one-shot backup': ALL_OPTIONAL_BACKUP,
  'all optional blocks: scheduled backup': mergeDocs(ALL_OPTIONAL_BACKUP, { backup: { mode: 'cronjob' } }),
  'all optional blocks: local backup on a new claim': mergeDocs(ALL_OPTIONAL_BACKUP, {
    backup: {
      storage: { type: 'local', path: '/data/archives', local: { persistence: { enabled: true, size: '100Gi', storageClassName: 'fast', accessModes: ['ReadWriteOncePod'] } } },
    },
  }),
  'all optional blocks: restore': ALL_OPTIONAL_RESTORE,
  'all optional blocks: scheduled restore': mergeDocs(ALL_OPTIONAL_RESTORE, { restore: { mode: 'cronjob' } }),
  'all optional blocks: local restore': mergeDocs(ALL_OPTIONAL_RESTORE, {
    restore: { storage: { type: 'local', local: { filename: 'archive.tar.gz', existingClaim: 'infrahub-archives' } } },
  }),
};

/** The kinds each mode must produce, in synthesis order (the last CronJob: the scale guard's). */
const EXPECTED_KINDS: Record<string, string[]> = {
  'one-shot backup to S3': ['ServiceAccount', 'Role', 'RoleBinding', 'Job', 'CronJob'],
  'one-shot local backup without persistence': ['ServiceAccount', 'Role', 'RoleBinding', 'Job', 'CronJob'],
  'one-shot local backup with persistence': ['ServiceAccount', 'Role', 'RoleBinding', 'PersistentVolumeClaim', 'Job', 'CronJob'],
  'one-shot local backup on an existing claim': ['ServiceAccount', 'Role', 'RoleBinding', 'Job', 'CronJob'],
  'scheduled backup to S3': ['ServiceAccount', 'Role', 'RoleBinding', 'CronJob', 'CronJob'],
  'scheduled local backup with persistence': ['ServiceAccount', 'Role', 'RoleBinding', 'PersistentVolumeClaim', 'CronJob', 'CronJob'],
  'restore by key': ['ServiceAccount', 'Role', 'RoleBinding', 'Job', 'CronJob'],
  'restore latest': ['ServiceAccount', 'Role', 'RoleBinding', 'Job', 'CronJob'],
  'restore from local storage': ['ServiceAccount', 'Role', 'RoleBinding', 'Job', 'CronJob'],
  'restore from an existing claim': ['ServiceAccount', 'Role', 'RoleBinding', 'Job', 'CronJob'],
  'scheduled restore': ['ServiceAccount', 'Role', 'RoleBinding', 'CronJob', 'CronJob'],
  'all optional blocks: one-shot backup': ['ServiceAccount', 'Role', 'RoleBinding', 'Job', 'CronJob'],
  'all optional blocks: scheduled backup': ['ServiceAccount', 'Role', 'RoleBinding', 'CronJob', 'CronJob'],
  'all optional blocks: local backup on a new claim': ['ServiceAccount', 'Role', 'RoleBinding', 'PersistentVolumeClaim', 'Job', 'CronJob'],
  'all optional blocks: restore': ['ServiceAccount', 'Role', 'RoleBinding', 'Job', 'CronJob'],
  'all optional blocks: scheduled restore': ['ServiceAccount', 'Role', 'RoleBinding', 'CronJob', 'CronJob'],
  'all optional blocks: local restore': ['ServiceAccount', 'Role', 'RoleBinding', 'Job', 'CronJob'],
};

const cases = Object.entries(ALL_MODES);

describe('every mode', () => {
  test('the mode table and the expected kinds agree', () => {
    expect(Object.keys(EXPECTED_KINDS).sort()).toEqual(Object.keys(ALL_MODES).sort());
  });

  test.each(cases)('%s: produces the expected kinds in the release namespace', (name, values) => {
    const objects = synthObjects(values);
    expect(objects.map((o) => o.kind)).toEqual(EXPECTED_KINDS[name]);
    for (const o of objects) expect(o.metadata.namespace).toBe('infrahub');
  });

  test.each(cases)('%s: every object is a valid Kubernetes object', (_name, values) => {
    for (const o of synthObjects(values)) expect(() => validateObject(o)).not.toThrow();
  });

  test.each(cases)('%s: the pod passes the restricted Pod Security Standard', (_name, values) => {
    const template = podTemplateOf(workloadOf(synthObjects(values)));
    expect(restrictedViolations(template.spec, template.metadata.annotations ?? {})).toEqual([]);
  });

  test.each(cases)("%s: the scale guard's pod passes the restricted Pod Security Standard", (_name, values) => {
    const template = podTemplateOf(guardCronJobOf(synthObjects(values))!);
    expect(restrictedViolations(template.spec, template.metadata.annotations ?? {})).toEqual([]);
  });
});

describe('validateObject', () => {
  const job = (): KubeObject => workloadOf(synthObjects(MODES['one-shot backup to S3']));
  const cronJob = (): KubeObject => workloadOf(synthObjects(MODES['scheduled backup to S3']));

  test('rejects a schema violation with a readable message', () => {
    const broken = job();
    broken.spec.backoffLimit = 'never';
    delete broken.spec.template.spec.containers[0].name;
    expect(() => validateObject(broken)).toThrow(/batch\/v1 Job infrahub-backup-backup-[0-9a-f]{8} is not a valid Kubernetes object/);
    expect(schemaErrors(broken).join('\n')).toMatch(/\/spec\/backoffLimit must be integer/);
    expect(schemaErrors(broken).join('\n')).toMatch(/containers\/0 must have required property 'name'|missingProperty.*name/);
  });

  test('rejects a bad enum value', () => {
    const broken = job();
    broken.spec.template.spec.restartPolicy = 'Sometimes';
    expect(() => validateObject(broken)).toThrow(/restartPolicy/);
  });

  test('catches typos the schema lets through, at every level we emit', () => {
    const broken = cronJob();
    broken.spec.concurrencyPolicyy = 'Forbid';
    const pod = broken.spec.jobTemplate.spec.template.spec;
    pod.automountServiceAccountTokens = true;
    pod.containers[0].imagePullPolicyy = 'Always';
    pod.containers[0].securityContext.readOnlyRootFileSystem = true;
    pod.securityContext.fsgroup = 1000;
    pod.containers[0].env[0].valueform = {};
    pod.containers[0].volumeMounts[0].readonly = true;
    pod.volumes[0].emptydir = {};
    broken.spec.jobTemplate.spec.ttlSecondAfterFinished = 1;
    expect(schemaErrors(broken)).toEqual([]);
    expect(unknownFields(broken)).toEqual([
      'spec.concurrencyPolicyy: unknown field of cronJobSpec',
      'spec.jobTemplate.spec.ttlSecondAfterFinished: unknown field of jobSpec',
      'spec.jobTemplate.spec.template.spec.automountServiceAccountTokens: unknown field of podSpec',
      'spec.jobTemplate.spec.template.spec.securityContext.fsgroup: unknown field of podSecurityContext',
      'spec.jobTemplate.spec.template.spec.containers[0].imagePullPolicyy: unknown field of container',
      'spec.jobTemplate.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem: unknown field of securityContext',
      'spec.jobTemplate.spec.template.spec.containers[0].env[0].valueform: unknown field of envVar',
      'spec.jobTemplate.spec.template.spec.containers[0].volumeMounts[0].readonly: unknown field of volumeMount',
      'spec.jobTemplate.spec.template.spec.volumes[0].emptydir: unknown field of volume',
    ]);
    expect(() => validateObject(broken)).toThrow(/unknown field spec.concurrencyPolicyy/);
  });

  test('catches typos in RBAC objects and claims', () => {
    const objects = synthObjects(MODES['one-shot local backup with persistence']);
    const role = objects.find((o) => o.kind === 'Role')!;
    role.rules[0].verb = ['get'];
    const binding = objects.find((o) => o.kind === 'RoleBinding')!;
    binding.subjects[0].namespaces = 'x';
    const claim = objects.find((o) => o.kind === 'PersistentVolumeClaim')!;
    claim.spec.storageClass = 'fast';
    claim.metadata.label = {};
    expect(unknownFields(role)).toEqual(['rules[0].verb: unknown field of policyRule']);
    expect(unknownFields(binding)).toEqual(['subjects[0].namespaces: unknown field of subject']);
    expect(unknownFields(claim)).toEqual(['metadata.label: unknown field of objectMeta', 'spec.storageClass: unknown field of persistentVolumeClaimSpec']);
  });

  test('refuses kinds it has no model for', () => {
    expect(() => validateObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } })).toThrow(/no kubernetes-models class for v1\/Pod/);
  });
});
