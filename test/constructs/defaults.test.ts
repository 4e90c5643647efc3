/**
 * cdk8s conventions of the construct library: no namespace invented for a
 * chart without one, no two InfrahubBackups silently sharing object names,
 * typed handles on the objects, Kubernetes 1.28 types on the pass-through
 * values, and the combinations refused at construction because they would
 * render and then fail every night.
 */
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { ApiObject, Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { InfrahubBackup, InfrahubBackupChart, InfrahubBackupValues, ValuesError } from '../../src';
import { K8S_PROPERTIES, PASS_THROUGH_TYPES } from '../../src/imports/k8s';
import { PROBLEMS } from '../../src/model/messages';
import { VALUES_SPEC } from '../../src/model/spec';
import { walkFields } from '../../src/model/spec-types';
import { renderK8sImports } from '../../scripts/import-k8s';
import { validateObject } from '../support/kube-schema';
import { KubeObject, mergeDocs, MODES, podSpecOf, S3_BACKUP, S3_RESTORE, synthObjects, TestValues, workloadOf } from '../support/synth';

const ROOT = join(__dirname, '..', '..');

/** A chart of the user's, without a namespace unless given, holding one InfrahubBackup. */
function inUserChart(values: TestValues, chartNamespace?: string, namespace?: string): { chart: Chart; backup: InfrahubBackup; objects: KubeObject[] } {
  const chart = new Chart(Testing.app(), 'app', { namespace: chartNamespace });
  const backup = new InfrahubBackup(chart, 'Backup', { values, namespace });
  return { chart, backup, objects: Testing.synth(chart) };
}

const problemLine = (id: keyof typeof PROBLEMS): string => `${PROBLEMS[id].path}: ${PROBLEMS[id].text}`;

describe('namespace', () => {
  test.each(Object.entries(MODES))('a chart without a namespace gives objects without one (%s)', (_name, values) => {
    const { objects } = inUserChart(values);
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) {
      expect(o.metadata.namespace).toBeUndefined();
      validateObject(o);
    }
    // Kubernetes reads a ServiceAccount subject without a namespace in the RoleBinding's namespace.
    const binding = objects.find((o) => o.kind === 'RoleBinding')!;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'infrahub-backup', apiGroup: '' }]);
  });

  test('the same without a namespace in InfrahubBackupChart', () => {
    const chart = new InfrahubBackupChart(Testing.app(), 'b', { values: S3_BACKUP });
    const objects = Testing.synth(chart);
    expect(objects.map((o) => o.metadata.namespace)).toEqual([undefined, undefined, undefined, undefined]);
  });

  test("the chart's namespace, else the namespace prop, is every object's and the subject's", () => {
    const fromChart = inUserChart(S3_BACKUP, 'infrahub').objects;
    expect(new Set(fromChart.map((o) => o.metadata.namespace))).toEqual(new Set(['infrahub']));
    expect(fromChart.find((o) => o.kind === 'RoleBinding')!.subjects[0].namespace).toBe('infrahub');
    const fromProp = inUserChart(S3_BACKUP, 'apps', 'infrahub').objects;
    expect(new Set(fromProp.map((o) => o.metadata.namespace))).toEqual(new Set(['infrahub']));
    expect(fromProp.find((o) => o.kind === 'RoleBinding')!.subjects[0].namespace).toBe('infrahub');
  });

  test('an existing ServiceAccount is bound without a namespace too', () => {
    const { objects } = inUserChart(mergeDocs(S3_BACKUP, { serviceAccount: { create: false, name: 'infrahub' } }));
    expect(objects.find((o) => o.kind === 'RoleBinding')!.subjects).toEqual([{ kind: 'ServiceAccount', name: 'infrahub', apiGroup: '' }]);
  });

  test('the rendered manifests (CLI, plugin) keep "default" as helm template does', () => {
    const objects = synthObjects(S3_BACKUP, 'infrahub-backup', 'default');
    expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set(['default']));
  });
});

describe('two InfrahubBackups in one chart', () => {
  const restoreValues = S3_RESTORE as InfrahubBackupValues;
  const backupValues = S3_BACKUP as InfrahubBackupValues;

  test('with the same release: refused at construction, naming both and the fix', () => {
    const chart = new Chart(Testing.app(), 'app');
    new InfrahubBackup(chart, 'Backups', { values: backupValues });
    expect(() => new InfrahubBackup(chart, 'NightlyRestore', { values: restoreValues })).toThrow(
      'InfrahubBackup "app/NightlyRestore": its ServiceAccount "infrahub-backup" would replace the one of InfrahubBackup "app/Backups" in the same chart: ' +
        'give each InfrahubBackup its own releaseName (e.g. releaseName: "nightly-restore") or values.fullnameOverride; ' +
        'to share one ServiceAccount and Role, set serviceAccount.create=false, serviceAccount.name and rbac.create=false on this one',
    );
  });

  test('with the same release and no RBAC objects: refused on the Job names', () => {
    const chart = new Chart(Testing.app(), 'app');
    const values = mergeDocs(S3_BACKUP, { serviceAccount: { create: false }, rbac: { create: false } }) as InfrahubBackupValues;
    new InfrahubBackup(chart, 'A', { values });
    expect(() => new InfrahubBackup(chart, 'B', { values })).toThrow(/its Job "infrahub-backup-backup-[0-9a-f]{8}" would replace the one of InfrahubBackup "app\/A"/);
  });

  test('with their own release names: every object name is distinct', () => {
    const chart = new Chart(Testing.app(), 'app', { namespace: 'infrahub' });
    const a = new InfrahubBackup(chart, 'Backups', { values: backupValues, releaseName: 'infrahub-backup' });
    const b = new InfrahubBackup(chart, 'Restore', { values: restoreValues, releaseName: 'infrahub-restore' });
    const names = Testing.synth(chart).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(a.apiObjects.length + b.apiObjects.length);
    expect(b.serviceAccountName).toBe('infrahub-restore-infrahub-backup');
  });

  test('sharing the first one\'s ServiceAccount and Role', () => {
    const chart = new Chart(Testing.app(), 'app', { namespace: 'infrahub' });
    const first = new InfrahubBackup(chart, 'Backups', { values: backupValues });
    const second = new InfrahubBackup(chart, 'Restore', {
      // One release has one scale guard CronJob (and one marker): the first one's.
      values: mergeDocs(S3_RESTORE, { serviceAccount: { create: false, name: first.serviceAccountName }, rbac: { create: false }, guard: { enabled: false } }),
    });
    expect(second.apiObjects.map((o) => o.kind)).toEqual(['Job']);
    expect(podSpecOf(second.restoreJob!.toJson()).serviceAccountName).toBe('infrahub-backup');
  });

  test('with fullnameOverride, or in different namespaces, or in different charts: accepted', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'app');
    new InfrahubBackup(chart, 'A', { values: backupValues });
    expect(() => new InfrahubBackup(chart, 'B', { values: mergeDocs(S3_BACKUP, { fullnameOverride: 'other' }) })).not.toThrow();
    expect(() => new InfrahubBackup(chart, 'C', { values: backupValues, namespace: 'staging' })).not.toThrow();
    expect(() => new InfrahubBackup(new Chart(app, 'other'), 'A', { values: backupValues })).not.toThrow();
  });

  test("an object of the app's own with the name of one of ours fails the synthesis, naming both", () => {
    const app = Testing.app();
    const chart = new Chart(app, 'app', { namespace: 'infrahub' });
    new InfrahubBackup(chart, 'Backup', { values: backupValues });
    new k8s.KubeServiceAccount(chart, 'Mine', { metadata: { name: 'infrahub-backup' } });
    expect(() => app.synth()).toThrow(
      '[app/Backup] ServiceAccount "infrahub-backup" is also the name of app/Mine in the same chart: ' +
        "set this InfrahubBackup's releaseName or values.fullnameOverride, or rename the other object",
    );
  });

  test("objects of the app's own with other names synthesize", () => {
    const app = Testing.app();
    const chart = new Chart(app, 'app', { namespace: 'infrahub' });
    new InfrahubBackup(chart, 'Backup', { values: backupValues });
    new k8s.KubeServiceAccount(chart, 'Mine', { metadata: { name: 'infrahub' } });
    new k8s.KubeConfigMap(chart, 'Config', { metadata: { name: 'infrahub-backup' } });
    expect(() => app.synthYaml()).not.toThrow();
  });

  test('two that render nothing do not clash', () => {
    const chart = new Chart(Testing.app(), 'app');
    new InfrahubBackup(chart, 'A');
    expect(() => new InfrahubBackup(chart, 'B')).not.toThrow();
  });
});

describe('typed handles', () => {
  const HANDLES = [
    'serviceAccount',
    'role',
    'roleBinding',
    'backupClaim',
    'backupJob',
    'backupCronJob',
    'retentionCronJob',
    'verificationCronJob',
    'restoreJob',
    'restoreCronJob',
    'guardCronJob',
  ] as const;

  const objectOf = (handle: ApiObject | kplusConstruct): ApiObject => (handle instanceof ApiObject ? handle : ApiObject.of(handle));
  type kplusConstruct = NonNullable<InfrahubBackup['serviceAccount'] | InfrahubBackup['role'] | InfrahubBackup['roleBinding']>;

  const cases: Array<[string, TestValues, string[]]> = [
    ['one-shot backup to S3', S3_BACKUP, ['serviceAccount', 'role', 'roleBinding', 'backupJob', 'guardCronJob']],
    [
      'scheduled backup with retention and verification',
      mergeDocs(S3_BACKUP, { backup: { mode: 'cronjob', retention: { enabled: true }, verification: { enabled: true } } }),
      ['serviceAccount', 'role', 'roleBinding', 'backupCronJob', 'retentionCronJob', 'verificationCronJob', 'guardCronJob'],
    ],
    ['local backup on a new claim', MODES['one-shot local backup with persistence'], ['serviceAccount', 'role', 'roleBinding', 'backupClaim', 'backupJob', 'guardCronJob']],
    ['local backup on an existing claim', MODES['one-shot local backup on an existing claim'], ['serviceAccount', 'role', 'roleBinding', 'backupJob', 'guardCronJob']],
    ['restore by key', S3_RESTORE, ['serviceAccount', 'role', 'roleBinding', 'restoreJob', 'guardCronJob']],
    ['scheduled restore', MODES['scheduled restore'], ['serviceAccount', 'role', 'roleBinding', 'restoreCronJob', 'guardCronJob']],
    ['no ServiceAccount, no RBAC', mergeDocs(S3_BACKUP, { serviceAccount: { create: false }, rbac: { create: false } }), ['backupJob', 'guardCronJob']],
    ['nothing enabled', {}, []],
  ];

  test.each(cases)('%s: the rendered objects, and only those, have a handle', (_name, values, expected) => {
    const { backup } = inUserChart(values, 'infrahub');
    expect(HANDLES.filter((h) => backup[h] !== undefined)).toEqual(expected);
    // Each handle is the object in apiObjects, in the same order.
    expect(expected.map((h) => objectOf(backup[h as (typeof HANDLES)[number]]!))).toEqual(backup.apiObjects);
  });

  test('handles have the kinds and names of their objects', () => {
    const { backup } = inUserChart(
      mergeDocs(S3_BACKUP, { backup: { mode: 'cronjob', retention: { enabled: true }, verification: { enabled: true } } }),
      'infrahub',
    );
    expect(backup.serviceAccount!.name).toBe('infrahub-backup');
    expect(backup.role!.name).toBe('infrahub-backup');
    expect(backup.roleBinding!.name).toBe('infrahub-backup');
    expect(backup.backupCronJob!.kind).toBe('CronJob');
    expect(backup.backupCronJob!.name).toBe('infrahub-backup');
    expect(backup.retentionCronJob!.name).toBe('infrahub-backup-retention');
    expect(backup.verificationCronJob!.name).toBe('infrahub-backup-verify');
    const claim = inUserChart(MODES['one-shot local backup with persistence'], 'infrahub').backup.backupClaim!;
    expect(claim).toBeInstanceOf(k8s.KubePersistentVolumeClaim);
    expect(claim.name).toBe('infrahub-backup-backups');
  });

  test('a handle can patch its object', () => {
    const { backup, chart } = inUserChart(S3_BACKUP, 'infrahub');
    backup.backupJob!.metadata.addAnnotation('example.com/owner', 'platform');
    const job = Testing.synth(chart).find((o) => o.kind === 'Job')!;
    expect(job.metadata.annotations).toEqual({ 'example.com/owner': 'platform' });
  });
});

describe('render-time refusals', () => {
  const refusals: Array<[string, TestValues, Array<keyof typeof PROBLEMS>]> = [
    ['a heartbeat that nothing pings', mergeDocs(S3_BACKUP, { guard: { enabled: false }, monitoring: { heartbeat: { secretName: 'heartbeat' } } }), ['heartbeatWithoutPing']],
    ['retention with local storage', { backup: { enabled: true, storage: { type: 'local' }, retention: { enabled: true } } }, ['retentionNeedsS3']],
    [
      'verification with local storage (persistent)',
      { backup: { enabled: true, storage: { type: 'local', local: { persistence: { enabled: true } } }, verification: { enabled: true } } },
      ['verificationNeedsS3'],
    ],
    [
      'retention and verification with no storage type and no bucket',
      { backup: { enabled: true, retention: { enabled: true }, verification: { enabled: true } } },
      ['backupStorageUnset', 'retentionNeedsS3', 'verificationNeedsS3'],
    ],
    ['verification of archives encrypted with a key Secret', mergeDocs(S3_BACKUP, { backup: { encryption: { secretName: 'keys' }, verification: { enabled: true } } }), ['verificationOfEncrypted']],
    ['retention of archives encrypted with a key Secret (never proven)', mergeDocs(S3_BACKUP, { backup: { encryption: { secretName: 'keys' }, retention: { enabled: true } } }), ['retentionOfEncrypted']],
    [
      'verification and retention of archives encrypted by --encrypt-key',
      mergeDocs(S3_BACKUP, { backup: { options: { extraArgs: ['--encrypt-key=/keys/public.pem'] }, verification: { enabled: true }, retention: { enabled: true } } }),
      ['verificationOfEncrypted', 'retentionOfEncrypted'],
    ],
    // With a key of the user's: --encrypt alone is refused for its key (test/helm/safety-refusals.test.ts).
    ...[['--encrypt', '--encrypt-key=/keys/public.pem'], ['--encrypt=true', '--encrypt-key', '/keys/public.pem'], ['--encrypt=1', '--encrypt-key=/keys/public.pem'], ['--encrypt-key'], ['--encrypt-key=/keys/public.pem']].map(
      (args): [string, TestValues, Array<keyof typeof PROBLEMS>] => [
        `verification of archives encrypted by ${args.join(' ')} in extraArgs`,
        mergeDocs(S3_BACKUP, { backup: { options: { extraArgs: args }, verification: { enabled: true } } }),
        ['verificationOfEncrypted'],
      ],
    ),
    [
      'the latest of encrypted archives (never proven) without acceptUnproven',
      mergeDocs(S3_RESTORE, { restore: { storage: { s3: { key: '', latest: true } }, decryption: { secretName: 'private-key' } } }),
      ['latestOfEncrypted'],
    ],
  ];

  test.each(refusals)('%s: refused with the shared text', (_name, values, ids) => {
    let error: unknown;
    try {
      synthObjects(values);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValuesError);
    expect((error as ValuesError).message.split('\n')).toEqual(ids.map(problemLine));
    // Same through a user's chart without a namespace.
    expect(() => inUserChart(values)).toThrow(ValuesError);
  });

  test.each<[string, TestValues]>([
    ['retention and verification with S3', mergeDocs(S3_BACKUP, { backup: { retention: { enabled: true }, verification: { enabled: true } } })],
    ['encrypted archives with neither verification nor retention', mergeDocs(S3_BACKUP, { backup: { mode: 'cronjob', encryption: { secretName: 'keys' }, retention: { enabled: false } } })],
    ['verification with --encrypt=false', mergeDocs(S3_BACKUP, { backup: { options: { extraArgs: ['--encrypt=false', '--encryption-note'] }, verification: { enabled: true } } })],
    ['the latest of encrypted archives with acceptUnproven', mergeDocs(S3_RESTORE, { restore: { storage: { s3: { key: '', latest: true, acceptUnproven: true } }, decryption: { secretName: 'private-key' } } })],
    ['retention set but backups disabled (a restore release sharing the file)', mergeDocs(S3_RESTORE, { backup: { storage: { type: 'local' }, retention: { enabled: true } } })],
  ])('%s: accepted', (_name, values) => {
    expect(() => synthObjects(values)).not.toThrow();
  });

  test('the local backup claim is kept by Helm and never pruned by Argo CD', () => {
    const claim = synthObjects(MODES['scheduled local backup with persistence']).find((o) => o.kind === 'PersistentVolumeClaim')!;
    expect(claim.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep', 'argocd.argoproj.io/sync-options': 'Prune=false' });
    expect(workloadOf(synthObjects(MODES['one-shot local backup on an existing claim'])).kind).toBe('Job');
  });
});

describe('Kubernetes 1.28 types on the pass-through values', () => {
  test('values written with the cdk8s types give the manifests of the same values in Kubernetes JSON', () => {
    const typed: InfrahubBackupValues = {
      backup: { enabled: true, storage: { s3: { bucket: 'backups' } } },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule', tolerationSeconds: 30 }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['batch'] }] }] } } },
      podSecurityContext: { fsGroupChangePolicy: 'OnRootMismatch', supplementalGroups: [2000] },
      securityContext: { runAsUser: 1001, capabilities: { drop: ['ALL'] } },
      extraEnv: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
      extraVolumes: [
        { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Gi') } },
        { name: 'info', downwardApi: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        { name: 'projected', projected: { sources: [{ downwardApi: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } }] } },
        { name: 'ebs', awsElasticBlockStore: { volumeId: 'vol-1', fsType: 'ext4' } },
        { name: 'fc', fc: { targetWwNs: ['500a0981891b8dc5'], lun: 0 } },
        { name: 'sio', scaleIo: { gateway: 'https://gw', system: 'sys', secretRef: { name: 'sio' } } },
      ],
      extraVolumeMounts: [{ name: 'cache', mountPath: '/cache' }],
      imagePullSecrets: [{ name: 'registry' }],
      resources: { requests: { cpu: 1, memory: '1Gi' } },
    };
    const json: TestValues = {
      ...typed,
      extraVolumes: [
        { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } },
        { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        { name: 'projected', projected: { sources: [{ downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } }] } },
        { name: 'ebs', awsElasticBlockStore: { volumeID: 'vol-1', fsType: 'ext4' } },
        { name: 'fc', fc: { targetWWNs: ['500a0981891b8dc5'], lun: 0 } },
        { name: 'sio', scaleIO: { gateway: 'https://gw', system: 'sys', secretRef: { name: 'sio' } } },
      ],
    };
    const fromTyped = synthObjects(typed);
    expect(fromTyped).toEqual(synthObjects(json));
    const pod = podSpecOf(workloadOf(fromTyped));
    expect(pod.volumes.find((v: KubeObject) => v.name === 'cache').emptyDir.sizeLimit).toBe('1Gi');
    expect(pod.volumes.find((v: KubeObject) => v.name === 'sio').scaleIO.system).toBe('sys');
    for (const o of fromTyped) validateObject(o);
  });

  test('the props are not modified', () => {
    const quantity = k8s.Quantity.fromString('2Gi');
    const values: InfrahubBackupValues = { ...S3_BACKUP, extraVolumes: [{ name: 'c', emptyDir: { sizeLimit: quantity } }] };
    synthObjects(values);
    expect(values.extraVolumes![0].emptyDir!.sizeLimit).toBe(quantity);
  });

  test('editors check them: wrong fields do not compile', () => {
    const wrong: InfrahubBackupValues = {
      // @ts-expect-error: a toleration has no `keyy`
      tolerations: [{ keyy: 'dedicated' }],
      // @ts-expect-error: an environment variable needs a name
      extraEnv: [{ value: 'x' }],
      // @ts-expect-error: runAsUser is a number
      securityContext: { runAsUser: 'root' },
      // @ts-expect-error: a volume mount needs a mountPath
      extraVolumeMounts: [{ name: 'x' }],
    };
    // The JSON Schema keeps refusing the same mistakes in YAML.
    expect(() => synthObjects(wrong as TestValues)).toThrow(ValuesError);
    expect(() => synthObjects({ ...S3_BACKUP, extraEnv: [{ value: 'x' }] })).toThrow('extraEnv[0]: needs the key "name"');
    expect(() => synthObjects({ ...S3_BACKUP, extraVolumeMounts: [{ name: 'x' }] })).toThrow('extraVolumeMounts[0]: needs the key "mountPath"');
    expect(() => synthObjects({ ...S3_BACKUP, tolerations: { key: 'x' } })).toThrow('tolerations: must be array');
  });

  test('values.generated.ts types each pass-through value with its k8s type', () => {
    const generated = readFileSync(join(ROOT, 'src', 'model', 'values.generated.ts'), 'utf8');
    expect(generated).toContain("import type { k8s } from '../imports/k8s';");
    const expected: Record<string, string> = {
      imagePullSecrets: 'k8s.LocalObjectReference[]',
      tolerations: 'k8s.Toleration[]',
      affinity: 'k8s.Affinity',
      podSecurityContext: 'k8s.PodSecurityContext',
      securityContext: 'k8s.SecurityContext',
      extraEnv: 'k8s.EnvVar[]',
      extraVolumes: 'k8s.Volume[]',
      extraVolumeMounts: 'k8s.VolumeMount[]',
    };
    for (const [key, type] of Object.entries(expected)) expect(generated).toContain(`  readonly ${key}?: ${type};\n`);
    expect(generated).not.toMatch(/\breadonly (?!global)\w+\?: any/);
  });

  test('src/imports/k8s.ts is current and covers every Kubernetes value of the model', () => {
    expect(readFileSync(join(ROOT, 'src', 'imports', 'k8s.ts'), 'utf8')).toBe(renderK8sImports());
    const kubernetesPaths: string[] = [];
    walkFields(VALUES_SPEC.fields, (path, field) => {
      if (field.type === 'kubernetes' && field.kubernetesType !== 'object') kubernetesPaths.push(path);
    });
    expect(Object.keys(PASS_THROUGH_TYPES).sort()).toEqual(kubernetesPaths.sort());
    const declarations = readFileSync(require.resolve('cdk8s-plus-28/lib/imports/k8s.d.ts'), 'utf8');
    for (const type of [...Object.values(PASS_THROUGH_TYPES), ...Object.keys(K8S_PROPERTIES)]) {
      expect(declarations).toMatch(new RegExp(`^export interface ${type} \\{`, 'm'));
    }
    expect(K8S_PROPERTIES.Volume).toContainEqual(['scaleIo', 'scaleIO']);
    expect(existsSync(join(ROOT, 'scripts', 'import-k8s.ts'))).toBe(true);
  });
});
