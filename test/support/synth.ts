import { tmpdir } from 'os';
import { join } from 'path';
import { Testing } from 'cdk8s';
import { cloneValues, mergeUserValues } from '../../src/model/merge';
import { InfrahubBackupChart } from '../../src';
import type { InfrahubBackupValues } from '../../src';

/** A synthesized Kubernetes object, or any parsed YAML or JSON a test reads by path. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads rendered objects by path; a wrong path fails its assertion
export type KubeObject = Record<string, any>;

/**
 * The output folder of the test apps. Testing.synth only reads the chart (toJson) and writes no file,
 * so the apps share one folder that is never created, instead of a new temporary folder per synthesis
 * (Testing.app() makes one each time: a thousand in some files, each to be removed at the end).
 */
const OUTDIR = join(tmpdir(), 'cdk8s.outdir.unused');

/** Synthesizes values into objects, as `synth` would. */
export function synthObjects(values: InfrahubBackupValues | Record<string, unknown>, releaseName = 'infrahub-backup', namespace = 'infrahub'): KubeObject[] {
  const app = Testing.app({ outdir: OUTDIR });
  const chart = new InfrahubBackupChart(app, 'test', { values, releaseName, namespace });
  return Testing.synth(chart);
}

/** The one object of a kind. */
export function only(objects: KubeObject[], kind: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}: ${objects.map((o) => o.kind).join(', ')}`);
  return found[0];
}

/** The pod spec of a Job or CronJob. */
export function podSpecOf(workload: KubeObject): KubeObject {
  return workload.kind === 'CronJob' ? workload.spec.jobTemplate.spec.template.spec : workload.spec.template.spec;
}

/** Minimal values for each kind of deployment. */
/**
 * A values document with six independent problems: two the schema finds (an
 * unknown key, a Secret name), four cross-field ones (encrypted archives
 * verified, a backup and a restore together, a scheduled restore from local
 * storage, an unknown time zone).
 */
export const SIX_PROBLEMS = {
  backup: {
    enabled: true,
    mode: 'cronjob',
    schedul: '0 2 * * *',
    storage: { type: 's3', s3: { bucket: 'infrahub-backups', secretName: 'Bad_Name' } },
    encryption: { secretName: 'backup-key' },
    verification: { enabled: true },
  },
  cronJob: { timeZone: 'Mars/Olympus' },
  restore: { enabled: true, mode: 'cronjob', storage: { type: 'local' } },
};

export const S3_BACKUP = { backup: { enabled: true, storage: { s3: { bucket: 'backups', secretName: 's3-creds' } } } };
export const S3_RESTORE = { restore: { enabled: true, storage: { s3: { bucket: 'backups', key: 'infrahub_backup_20260101_020000.tar.gz', secretName: 's3-creds' } } } };

// ---------------------------------------------------------------------------
// Helpers of the construct suite (test/constructs).

/** Values as the tests write them (loosely typed, like a YAML document). */
export type TestValues = Record<string, unknown>;

/** Deep-merges values documents the way `-f a -f b` does: maps merge, anything else is replaced. */
export function mergeDocs(...docs: TestValues[]): TestValues {
  return docs.reduce((acc, doc) => mergeUserValues(acc, cloneValues(doc)), {} as TestValues);
}

/** Builds a nested values document from a dotted path. */
export function at(path: string, value: unknown): TestValues {
  return path
    .split('.')
    .reverse()
    .reduce<unknown>((acc, key) => ({ [key]: acc }), value) as TestValues;
}

/** The one Job or CronJob of a synthesis, but the scale guard's CronJob. */
export function workloadOf(objects: KubeObject[]): KubeObject {
  const found = objects.filter((o) => (o.kind === 'Job' || o.kind === 'CronJob') && o.metadata?.labels?.['app.kubernetes.io/component'] !== 'guard');
  if (found.length !== 1) throw new Error(`expected one Job or CronJob, found ${found.length}: ${objects.map((o) => o.kind).join(', ')}`);
  return found[0];
}

/** The pod template (metadata and spec) of a Job or CronJob. */
export function podTemplateOf(workload: KubeObject): KubeObject {
  return workload.kind === 'CronJob' ? workload.spec.jobTemplate.spec.template : workload.spec.template;
}

/** The Job spec of a Job or of a CronJob's template. */
export function jobSpecOf(workload: KubeObject): KubeObject {
  return workload.kind === 'CronJob' ? workload.spec.jobTemplate.spec : workload.spec;
}

/** The scale guard's CronJob of a synthesis, if any. */
export function guardCronJobOf(objects: KubeObject[]): KubeObject | undefined {
  return objects.find((o) => o.kind === 'CronJob' && o.metadata?.labels?.['app.kubernetes.io/component'] === 'guard');
}

/**
 * The container of the workload's image: the one named after the pod's
 * component (with the scale guard, the last init container), else the pod's
 * single container.
 */
export function containerOf(objects: KubeObject[]): KubeObject {
  const workload = workloadOf(objects);
  const spec = podSpecOf(workload);
  const component = podTemplateOf(workload).metadata?.labels?.['app.kubernetes.io/component'];
  const named = [...(spec.initContainers ?? []), ...spec.containers].find((c: KubeObject) => c.name === component);
  if (named) return named;
  if (spec.containers.length !== 1) throw new Error(`expected one container, found ${spec.containers.length}`);
  return spec.containers[0];
}

/** The container's arguments. */
export function argsOf(objects: KubeObject[]): string[] {
  return containerOf(objects).args;
}

/** The container's environment by name. */
export function envOf(objects: KubeObject[]): Record<string, KubeObject> {
  const env: KubeObject[] = containerOf(objects).env ?? [];
  const names = env.map((e) => e.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new Error(`environment variable ${duplicate} is set twice`);
  return Object.fromEntries(env.map((e) => [e.name, e]));
}

/** The pod's volume of that name. */
export function volumeOf(objects: KubeObject[], name: string): KubeObject | undefined {
  return (podSpecOf(workloadOf(objects)).volumes ?? []).find((v: KubeObject) => v.name === name);
}

/** The container's mount of that volume. */
export function mountOf(objects: KubeObject[], name: string): KubeObject | undefined {
  return (containerOf(objects).volumeMounts ?? []).find((m: KubeObject) => m.name === name);
}

/** The objects' names by kind. */
export function namesByKind(objects: KubeObject[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const o of objects) (out[o.kind] ??= []).push(o.metadata.name);
  return out;
}

const BUCKET = 'backups';
const ARCHIVE = 'infrahub_backup_20260101_020000.tar.gz';

/** One values document per deployment mode, each with what it must produce. */
export const MODES: Record<string, TestValues> = {
  'one-shot backup to S3': S3_BACKUP,
  'one-shot local backup without persistence': { backup: { enabled: true, storage: { type: 'local' } } },
  'one-shot local backup with persistence': { backup: { enabled: true, storage: { type: 'local', local: { persistence: { enabled: true } } } } },
  'one-shot local backup on an existing claim': {
    backup: { enabled: true, storage: { type: 'local', local: { persistence: { enabled: true, existingClaim: 'infrahub-archives' } } } },
  },
  'scheduled backup to S3': mergeDocs(S3_BACKUP, { backup: { mode: 'cronjob', schedule: '30 1 * * *' } }),
  'scheduled local backup with persistence': {
    backup: { enabled: true, mode: 'cronjob', storage: { type: 'local', local: { persistence: { enabled: true } } } },
  },
  'restore by key': S3_RESTORE,
  'restore latest': { restore: { enabled: true, storage: { s3: { bucket: BUCKET, prefix: 'production', latest: true } } } },
  'restore from local storage': { restore: { enabled: true, storage: { type: 'local' } } },
  'restore from an existing claim': { restore: { enabled: true, storage: { type: 'local', local: { existingClaim: 'infrahub-archives' } } } },
  'scheduled restore': { restore: { enabled: true, mode: 'cronjob', storage: { s3: { bucket: BUCKET, latest: true, secretName: 's3-creds' } } } },
};

/** Every optional pod-level block set, shared by the "all optional blocks" modes. */
export const ALL_POD_OPTIONS: TestValues = {
  serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/infrahub-backup' } },
  neo4j: { secretName: 'neo4j-auth', passwordKey: 'NEO4J_PASSWORD', usernameKey: 'NEO4J_USERNAME' },
  image: { repository: 'registry.example.com/mirror/infrahub-backup', digest: `sha256:${'a'.repeat(64)}`, pullPolicy: 'Always' },
  imagePullSecrets: [{ name: 'registry-creds' }],
  logFormat: 'json',
  resources: { requests: { cpu: '250m', memory: '512Mi', 'ephemeral-storage': '1Gi' }, limits: { memory: '2Gi', cpu: 2 } },
  scratch: { sizeLimit: '50Gi' },
  nodeSelector: { 'kubernetes.io/os': 'linux', pool: 'batch' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['eu-west-1a'] }] }],
      },
    },
  },
  priorityClassName: 'batch-low',
  podAnnotations: { 'example.com/owner': 'platform' },
  podLabels: { team: 'platform' },
  podSecurityContext: { fsGroupChangePolicy: 'OnRootMismatch', supplementalGroups: [2000] },
  securityContext: { runAsUser: 1000 },
  extraEnv: [
    { name: 'HTTPS_PROXY', value: 'http://proxy.example.com:3128' },
    { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
  ],
  extraVolumes: [
    { name: 'ca-bundle', configMap: { name: 'corporate-ca' } },
    { name: 'cache', emptyDir: { sizeLimit: '1Gi', medium: 'Memory' } },
  ],
  extraVolumeMounts: [{ name: 'ca-bundle', mountPath: '/etc/ssl/custom', readOnly: true }],
  cronJob: { timeZone: 'Europe/Paris', concurrencyPolicy: 'Replace', successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 5, startingDeadlineSeconds: 300, suspend: true },
  job: { backoffLimit: 2, ttlSecondsAfterFinished: 86400, activeDeadlineSeconds: 7200 },
};

/** A backup with every optional block set. */
export const ALL_OPTIONAL_BACKUP: TestValues = mergeDocs(ALL_POD_OPTIONS, {
  backup: {
    enabled: true,
    id: 'before-upgrade',
    storage: {
      s3: {
        bucket: BUCKET, prefix: 'production', endpoint: 'https://minio.example.com:9000', region: 'eu-west-1',
        secretName: 's3-creds', accessKeyIdKey: 'access-key', secretAccessKeyKey: 'secret-key', sessionTokenKey: 'session-token',
      },
    },
    options: { force: true, excludeTaskmanager: true, neo4jMetadata: 'users', keepLocal: true, extraArgs: ['--log-format=json'] },
    encryption: { secretName: 'backup-keys', key: 'backup.pub' },
  },
});

/** A restore with every optional block set. */
export const ALL_OPTIONAL_RESTORE: TestValues = mergeDocs(ALL_POD_OPTIONS, {
  restore: {
    enabled: true,
    id: 'incident-42',
    storage: {
      s3: {
        bucket: BUCKET, prefix: 'production', key: `production/${ARCHIVE}`, endpoint: 'https://minio.example.com:9000',
        region: 'eu-west-1', secretName: 's3-creds', accessKeyIdKey: 'access-key', secretAccessKeyKey: 'secret-key',
        sessionTokenKey: 'session-token',
      },
    },
    options: { excludeTaskmanager: true, migrateFormat: true, resetDeploymentId: true, extraArgs: ['--log-format=json'] },
    decryption: { secretName: 'backup-keys', key: 'backup.pem' },
  },
});
