/**
 * Kubernetes fragments the user passes through reach the manifest unchanged;
 * the security contexts merge key by key over the restricted defaults; the
 * selector labels cannot be overridden.
 */
import { restrictedViolations } from '../support/pod-security';
import { validateObject } from '../support/kube-schema';
import {
  containerOf,
  KubeObject,
  mergeDocs,
  S3_BACKUP,
  S3_RESTORE,
  synthObjects,
  TestValues,
  workloadOf,
  podTemplateOf,
  MODES,
} from '../support/synth';

const AFFINITY = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] }] }],
    },
    preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['node-a'] }] } }],
  },
  podAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [
      { labelSelector: { matchLabels: { 'app.kubernetes.io/component': 'database' } }, topologyKey: 'topology.kubernetes.io/zone', matchLabelKeys: ['pod-template-hash'] },
    ],
  },
};

const TOLERATIONS = [
  { key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
  { operator: 'Exists' },
];

const EXTRA_ENV = [
  { name: 'HTTPS_PROXY', value: 'http://proxy.example.com:3128' },
  { name: 'EMPTY', value: '' },
  { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
  { name: 'MEM_LIMIT', valueFrom: { resourceFieldRef: { containerName: 'backup', resource: 'limits.memory', divisor: '1Mi' } } },
  { name: 'REGION', valueFrom: { configMapKeyRef: { name: 'cluster-info', key: 'region', optional: true } } },
  { name: 'EXTRA_TOKEN', valueFrom: { secretKeyRef: { name: 'tokens', key: 'extra' } } },
];

const EXTRA_VOLUMES = [
  { name: 'cache', emptyDir: { sizeLimit: '2Gi', medium: 'Memory' } },
  { name: 'ca', projected: { defaultMode: 0o444, sources: [{ configMap: { name: 'ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }, { serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 3600, path: 'token' } }] } },
  // An unusual field: a generic ephemeral volume with a full claim template.
  {
    name: 'scratch-claim',
    ephemeral: {
      volumeClaimTemplate: {
        metadata: { labels: { purpose: 'scratch' } },
        spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'local-nvme', resources: { requests: { storage: '100Gi' } } },
      },
    },
  },
  // A field newer than the models the L1 classes know (the image volume source, Kubernetes 1.31+).
  { name: 'tools', image: { reference: 'registry.example.com/tools:1.0', pullPolicy: 'IfNotPresent' } },
];

const EXTRA_MOUNTS = [
  { name: 'cache', mountPath: '/cache' },
  { name: 'ca', mountPath: '/etc/ssl/custom', readOnly: true, subPath: 'ca.crt' },
  { name: 'scratch-claim', mountPath: '/scratch', mountPropagation: 'None' },
  { name: 'tools', mountPath: '/opt/tools', readOnly: true, recursiveReadOnly: 'IfPossible' },
];

const PASS_THROUGH: TestValues = {
  affinity: AFFINITY,
  tolerations: TOLERATIONS,
  extraEnv: EXTRA_ENV,
  extraVolumes: EXTRA_VOLUMES,
  extraVolumeMounts: EXTRA_MOUNTS,
  imagePullSecrets: [{ name: 'registry-a' }, { name: 'registry-b' }],
  nodeSelector: { 'kubernetes.io/os': 'linux', 'node.kubernetes.io/instance-type': 'm7i.xlarge' },
  podAnnotations: { 'prometheus.io/scrape': 'false', 'example.com/json': '{"a": [1, 2]}' },
};

describe.each<[string, TestValues]>([
  ['backup Job', S3_BACKUP],
  ['backup CronJob', MODES['scheduled backup to S3']],
  ['restore Job', S3_RESTORE],
  ['restore CronJob', MODES['scheduled restore']],
])('pass-through fields of the %s', (_name, values) => {
  const objects = synthObjects(mergeDocs(values, PASS_THROUGH));
  const template = podTemplateOf(workloadOf(objects));
  const pod = template.spec;
  const container = containerOf(objects);

  test('affinity, tolerations, nodeSelector and imagePullSecrets are unchanged', () => {
    expect(pod.affinity).toEqual(AFFINITY);
    expect(pod.tolerations).toEqual(TOLERATIONS);
    expect(pod.nodeSelector).toEqual(PASS_THROUGH.nodeSelector);
    expect(pod.imagePullSecrets).toEqual([{ name: 'registry-a' }, { name: 'registry-b' }]);
  });

  test('extraEnv follows the generated environment, in order and unchanged', () => {
    expect(container.env.slice(-EXTRA_ENV.length)).toEqual(EXTRA_ENV);
  });

  test('extraVolumes and extraVolumeMounts follow the generated ones, unchanged', () => {
    expect(pod.volumes.slice(-EXTRA_VOLUMES.length)).toEqual(EXTRA_VOLUMES);
    expect(container.volumeMounts.slice(-EXTRA_MOUNTS.length)).toEqual(EXTRA_MOUNTS);
    expect(pod.volumes.find((v: KubeObject) => v.name === 'cache').emptyDir).toEqual({ sizeLimit: '2Gi', medium: 'Memory' });
  });

  test('podAnnotations are unchanged', () => {
    expect(template.metadata.annotations).toEqual(PASS_THROUGH.podAnnotations);
  });

  test('the result is still valid', () => {
    for (const o of objects) expect(() => validateObject(o)).not.toThrow();
  });
});

describe('objects with a `value` key', () => {
  // Regression: the values were copied with the global structuredClone, which under
  // Jest returns objects of another realm; cdk8s took them for number-or-string
  // unions and kept only `value`, so `{name, value}` env vars and tolerations lost
  // their other keys in any consumer's Jest test.
  test('env vars, tolerations and map values named `value` keep every key', () => {
    const objects = synthObjects(
      mergeDocs(S3_RESTORE, {
        extraEnv: [{ name: 'A', value: 'b' }],
        tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }],
        nodeSelector: { value: 'x', other: 'y' },
      }),
    );
    const pod = podTemplateOf(workloadOf(objects)).spec;
    expect(containerOf(objects).env.slice(-1)).toEqual([{ name: 'A', value: 'b' }]);
    expect(pod.tolerations).toEqual([{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }]);
    expect(pod.nodeSelector).toEqual({ value: 'x', other: 'y' });
  });
});

describe('the restricted profile sees what the user passes', () => {
  test('a hostPath extra volume is reported (the chart does not filter user input)', () => {
    const objects = synthObjects(mergeDocs(S3_BACKUP, { extraVolumes: [{ name: 'host', hostPath: { path: '/var/log' } }] }));
    expect(restrictedViolations(podTemplateOf(workloadOf(objects)).spec)).toEqual(['volumes[4] (host) must not be a hostPath volume', 'volumes[4] (host) has a hostPath volume, not allowed']);
  });
});

describe('security contexts merge key by key over the defaults', () => {
  test('podSecurityContext: a changed key, a new key and a nested map', () => {
    const objects = synthObjects(
      mergeDocs(S3_BACKUP, {
        podSecurityContext: {
          runAsUser: 2000,
          fsGroupChangePolicy: 'OnRootMismatch',
          supplementalGroups: [3000],
          seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/infrahub-backup.json' },
        },
      }),
    );
    expect(podTemplateOf(workloadOf(objects)).spec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 2000,
      runAsGroup: 1000,
      fsGroup: 1000,
      fsGroupChangePolicy: 'OnRootMismatch',
      supplementalGroups: [3000],
      seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/infrahub-backup.json' },
    });
  });

  test('podSecurityContext: an untouched default survives a partial nested map', () => {
    const objects = synthObjects(mergeDocs(S3_BACKUP, { podSecurityContext: { seLinuxOptions: { level: 's0:c1,c2' } } }));
    const sc = podTemplateOf(workloadOf(objects)).spec.securityContext;
    expect(sc).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' }, seLinuxOptions: { level: 's0:c1,c2' } });
  });

  test('securityContext: the container defaults survive a partial override', () => {
    const objects = synthObjects(mergeDocs(S3_BACKUP, { securityContext: { capabilities: { add: ['NET_BIND_SERVICE'] }, runAsGroup: 1000 } }));
    expect(containerOf(objects).securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsGroup: 1000,
      capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(restrictedViolations(podTemplateOf(workloadOf(objects)).spec)).toEqual([]);
  });

  test('a weakened security context is visible to the restricted check', () => {
    const objects = synthObjects(mergeDocs(S3_BACKUP, { securityContext: { allowPrivilegeEscalation: true } }));
    expect(restrictedViolations(podTemplateOf(workloadOf(objects)).spec)).toEqual([
      'initContainers[0] (preflight).securityContext.allowPrivilegeEscalation must be false',
      'initContainers[1] (guard-record).securityContext.allowPrivilegeEscalation must be false',
      'initContainers[2] (backup).securityContext.allowPrivilegeEscalation must be false',
      'containers[0] (prove).securityContext.allowPrivilegeEscalation must be false',
    ]);
  });
});

describe('pod labels', () => {
  test('podLabels are added but cannot override the selector labels or the component', () => {
    const objects = synthObjects(
      mergeDocs(S3_BACKUP, {
        podLabels: {
          team: 'platform',
          'app.kubernetes.io/name': 'evil',
          'app.kubernetes.io/instance': 'evil',
          'app.kubernetes.io/component': 'evil',
        },
      }),
      'prod',
    );
    expect(podTemplateOf(workloadOf(objects)).metadata.labels).toEqual({
      team: 'platform',
      'app.kubernetes.io/name': 'infrahub-backup',
      'app.kubernetes.io/instance': 'prod',
      'app.kubernetes.io/component': 'backup',
    });
  });

  test('podLabels and podAnnotations stay on the pod, not on the other objects', () => {
    const objects = synthObjects(mergeDocs(S3_RESTORE, { podLabels: { team: 'platform' }, podAnnotations: { note: 'x' } }));
    for (const o of objects) {
      expect(o.metadata.labels.team).toBeUndefined();
      expect(o.metadata.annotations?.note).toBeUndefined();
    }
    expect(podTemplateOf(workloadOf(objects)).metadata).toEqual({
      labels: { team: 'platform', 'app.kubernetes.io/name': 'infrahub-backup', 'app.kubernetes.io/instance': 'infrahub-backup', 'app.kubernetes.io/component': 'restore' },
      annotations: { note: 'x' },
    });
  });

  test('every object carries the common labels', () => {
    for (const o of synthObjects(MODES['one-shot local backup with persistence'])) {
      expect(o.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'infrahub-backup',
        'app.kubernetes.io/instance': 'infrahub-backup',
        'app.kubernetes.io/part-of': 'infrahub',
        'app.kubernetes.io/managed-by': 'cdk8s',
      });
      expect(o.metadata.labels['app.kubernetes.io/version']).toMatch(/^\d+\.\d+\.\d+/);
    }
  });

  test('the created claim is kept by Helm on uninstall and never pruned by Argo CD', () => {
    const claim = synthObjects(MODES['one-shot local backup with persistence']).find((o) => o.kind === 'PersistentVolumeClaim')!;
    expect(claim.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep', 'argocd.argoproj.io/sync-options': 'Prune=false' });
  });
});
