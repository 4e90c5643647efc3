/**
 * Every values field has an effect on the manifests. The table maps every leaf
 * of `src/model/spec.ts` to a values document and an assertion on what it
 * synthesizes; a meta-test fails when a field is added to the spec without an
 * entry here.
 */
import type { InfrahubBackupValues } from '../../src';
import { ChartOutput } from '../../src/helm/build';
import { VALUES_SPEC } from '../../src/model/spec';
import { synthValues } from '../../src/synth';
import { buildTestChart, ensureHelm, HELM_PROCESSES, HELMS, objectsOf, templateAlone, templateMany, TemplateRequest } from '../support/helm';
import { walkFields } from '../../src/model/spec-types';
import {
  argsOf,
  containerOf,
  envOf,
  guardCronJobOf,
  jobSpecOf,
  KubeObject,
  mergeDocs,
  MODES,
  mountOf,
  namesByKind,
  only,
  podSpecOf,
  podTemplateOf,
  S3_BACKUP,
  S3_RESTORE,
  synthObjects,
  TestValues,
  volumeOf,
  workloadOf,
} from '../support/synth';
import { onceByKey } from '../support/cache';

/** A leaf of the values tree, proven to have an effect. */
interface FieldCase {
  /** The deployment the field matters in (defaults to nothing deployed). */
  readonly base: TestValues;
  /** What is set on top of `base`. */
  readonly set: TestValues;
  /** Assertions on the objects synthesized from `base` + `set` (and from `base` alone). */
  readonly check: (objects: KubeObject[], baseObjects: KubeObject[]) => void;
}

const LOCAL_BACKUP = MODES['one-shot local backup without persistence'];
const PERSISTENT_BACKUP = MODES['one-shot local backup with persistence'];
const SCHEDULED_BACKUP = MODES['scheduled backup to S3'];
const LOCAL_RESTORE = MODES['restore from local storage'];
const ENCRYPTED_BACKUP = mergeDocs(S3_BACKUP, { backup: { encryption: { secretName: 'backup-keys' } } });
const ENCRYPTED_RESTORE = mergeDocs(S3_RESTORE, { restore: { decryption: { secretName: 'backup-keys' } } });
const NEO4J_BACKUP = mergeDocs(S3_BACKUP, { neo4j: { secretName: 'neo4j-auth' } });

const env = (objects: KubeObject[], name: string): KubeObject | undefined => envOf(objects)[name];
const pod = (objects: KubeObject[]): KubeObject => podSpecOf(workloadOf(objects));
const podMeta = (objects: KubeObject[]): KubeObject => podTemplateOf(workloadOf(objects)).metadata;
const workloadName = (objects: KubeObject[]): string => workloadOf(objects).metadata.name;
const claim = (objects: KubeObject[]): KubeObject => only(objects, 'PersistentVolumeClaim');
const namedCronJob = (objects: KubeObject[], role: string): KubeObject => {
  const found = objects.find((x) => x.kind === 'CronJob' && x.metadata.name.endsWith(`-${role}`));
  if (!found) throw new Error(`no ${role} CronJob`);
  return found;
};

const MONITORED_BACKUP = mergeDocs(SCHEDULED_BACKUP, { monitoring: { prometheusRule: { enabled: true } } });
const FRESH_BACKUP = mergeDocs(S3_BACKUP, { monitoring: { freshness: { enabled: true } } });
const PRUNED_BACKUP = mergeDocs(S3_BACKUP, { backup: { retention: { enabled: true } } });
const POLICED_BACKUP = mergeDocs(S3_BACKUP, { networkPolicy: { enabled: true } });
const alertRule = (objects: KubeObject[], alert: string): KubeObject => {
  const found = only(objects, 'PrometheusRule').spec.groups[0].rules.find((r: KubeObject) => r.alert === alert);
  if (!found) throw new Error(`no alert ${alert}`);
  return found;
};
const VERIFIED_BACKUP = mergeDocs(S3_BACKUP, { backup: { verification: { enabled: true } } });
const COPIED_BACKUP = mergeDocs(VERIFIED_BACKUP, { backup: { storage: { s3: { copy: { enabled: true, bucket: 'backups-dr', secretName: 'dr-creds' } } } } });
const LOCKED_BACKUP = mergeDocs(VERIFIED_BACKUP, { backup: { objectLock: { enabled: true, days: 30 } } });
const pruneArgs = (objects: KubeObject[]): string[] => podSpecOf(namedCronJob(objects, 'retention')).containers[0].args;
/** The containers of the verification CronJob's pod, init containers first, in the order they run. */
const verifySteps = (objects: KubeObject[]): KubeObject[] => {
  const spec = podSpecOf(namedCronJob(objects, 'verify'));
  return [...(spec.initContainers ?? []), ...spec.containers];
};
const verifyStep = (objects: KubeObject[], name: string): KubeObject => {
  const found = verifySteps(objects).find((c) => c.name === name);
  if (!found) throw new Error(`no ${name} step`);
  return found;
};
const stepEnv = (objects: KubeObject[], name: string): Record<string, KubeObject> => Object.fromEntries(verifyStep(objects, name).env.map((e: KubeObject) => [e.name, e]));
const companionEnv = (objects: KubeObject[], role: string): KubeObject[] => podSpecOf(namedCronJob(objects, role)).containers[0].env;
const egress = (objects: KubeObject[]): KubeObject[] => only(objects, 'NetworkPolicy').spec.egress;

const FIELD_CASES: Record<string, FieldCase> = {
  nameOverride: {
    base: S3_BACKUP,
    set: { nameOverride: 'ib' },
    check: (o) => {
      expect(only(o, 'ServiceAccount').metadata.name).toBe('infrahub-backup-ib');
      expect(podMeta(o).labels['app.kubernetes.io/name']).toBe('ib');
    },
  },
  fullnameOverride: {
    base: S3_BACKUP,
    set: { fullnameOverride: 'backups' },
    check: (o) => {
      expect(namesByKind(o).Role).toEqual(['backups']);
      expect(workloadName(o)).toMatch(/^backups-backup-[0-9a-f]{8}$/);
    },
  },
  'serviceAccount.create': {
    base: S3_BACKUP,
    set: { serviceAccount: { create: false } },
    check: (o) => {
      expect(o.map((x) => x.kind)).not.toContain('ServiceAccount');
      expect(pod(o).serviceAccountName).toBe('default');
    },
  },
  'serviceAccount.name': {
    base: S3_BACKUP,
    set: { serviceAccount: { name: 'runner' } },
    check: (o) => {
      expect(only(o, 'ServiceAccount').metadata.name).toBe('runner');
      expect(pod(o).serviceAccountName).toBe('runner');
    },
  },
  'serviceAccount.annotations': {
    base: S3_BACKUP,
    set: { serviceAccount: { annotations: { 'iam.gke.io/gcp-service-account': 'backup@p.iam.gserviceaccount.com' } } },
    check: (o) => expect(only(o, 'ServiceAccount').metadata.annotations).toEqual({ 'iam.gke.io/gcp-service-account': 'backup@p.iam.gserviceaccount.com' }),
  },
  'rbac.create': {
    base: S3_BACKUP,
    set: { rbac: { create: false } },
    check: (o) => expect(o.map((x) => x.kind)).toEqual(['ServiceAccount', 'Job', 'CronJob']),
  },

  'backup.enabled': {
    base: {},
    set: S3_BACKUP,
    check: (o, b) => {
      expect(b).toEqual([]);
      expect(o.map((x) => x.kind)).toEqual(['ServiceAccount', 'Role', 'RoleBinding', 'Job', 'CronJob']);
      expect(argsOf(o)[0]).toBe('create');
    },
  },
  'backup.id': {
    base: S3_BACKUP,
    set: { backup: { id: 'before-upgrade' } },
    check: (o, b) => expect(workloadName(o)).not.toBe(workloadName(b)),
  },
  'backup.mode': {
    base: S3_BACKUP,
    set: { backup: { mode: 'cronjob' } },
    check: (o) => expect(workloadOf(o).kind).toBe('CronJob'),
  },
  'backup.schedule': {
    base: SCHEDULED_BACKUP,
    set: { backup: { schedule: '@weekly' } },
    check: (o) => expect(workloadOf(o).spec.schedule).toBe('@weekly'),
  },
  'backup.storage.type': {
    base: S3_BACKUP,
    set: { backup: { storage: { type: 'local' } } },
    check: (o) => {
      expect(argsOf(o)).not.toContain('--s3-upload');
      expect(env(o, 'INFRAHUB_S3_BUCKET')).toBeUndefined();
    },
  },
  'backup.storage.path': {
    base: S3_BACKUP,
    set: { backup: { storage: { path: '/data' } } },
    check: (o) => {
      expect(env(o, 'INFRAHUB_BACKUP_DIR')?.value).toBe('/data');
      expect(mountOf(o, 'backups')?.mountPath).toBe('/data');
    },
  },
  'backup.storage.s3.bucket': {
    base: S3_BACKUP,
    set: { backup: { storage: { s3: { bucket: 'other-bucket' } } } },
    check: (o) => expect(env(o, 'INFRAHUB_S3_BUCKET')?.value).toBe('other-bucket'),
  },
  'backup.storage.s3.prefix': {
    base: S3_BACKUP,
    set: { backup: { storage: { s3: { prefix: 'nightly/prod' } } } },
    check: (o) => expect(env(o, 'INFRAHUB_S3_PREFIX')?.value).toBe('nightly/prod'),
  },
  'backup.storage.s3.endpoint': {
    base: S3_BACKUP,
    set: { backup: { storage: { s3: { endpoint: 'https://storage.googleapis.com' } } } },
    check: (o) => expect(env(o, 'INFRAHUB_S3_ENDPOINT')?.value).toBe('https://storage.googleapis.com'),
  },
  'backup.storage.s3.region': {
    base: S3_BACKUP,
    set: { backup: { storage: { s3: { region: 'ap-south-1' } } } },
    check: (o) => expect(env(o, 'INFRAHUB_S3_REGION')?.value).toBe('ap-south-1'),
  },
  'backup.storage.s3.secretName': {
    base: S3_BACKUP,
    set: { backup: { storage: { s3: { secretName: 'other-creds' } } } },
    check: (o) => expect(env(o, 'AWS_ACCESS_KEY_ID')?.valueFrom.secretKeyRef.name).toBe('other-creds'),
  },
  'backup.storage.s3.accessKeyIdKey': {
    base: S3_BACKUP,
    set: { backup: { storage: { s3: { accessKeyIdKey: 'id' } } } },
    check: (o) => expect(env(o, 'AWS_ACCESS_KEY_ID')?.valueFrom.secretKeyRef.key).toBe('id'),
  },
  'backup.storage.s3.secretAccessKeyKey': {
    base: S3_BACKUP,
    set: { backup: { storage: { s3: { secretAccessKeyKey: 'secret' } } } },
    check: (o) => expect(env(o, 'AWS_SECRET_ACCESS_KEY')?.valueFrom.secretKeyRef.key).toBe('secret'),
  },
  'backup.storage.s3.sessionTokenKey': {
    base: S3_BACKUP,
    set: { backup: { storage: { s3: { sessionTokenKey: 'token' } } } },
    check: (o) => expect(env(o, 'AWS_SESSION_TOKEN')?.valueFrom).toEqual({ secretKeyRef: { name: 's3-creds', key: 'token' } }),
  },
  // Alias of backup.storage.path.
  'backup.storage.local.path': {
    base: LOCAL_BACKUP,
    set: { backup: { storage: { local: { path: '/srv/archives' } } } },
    check: (o) => {
      expect(env(o, 'INFRAHUB_BACKUP_DIR')?.value).toBe('/srv/archives');
      expect(mountOf(o, 'backups')?.mountPath).toBe('/srv/archives');
    },
  },
  'backup.storage.local.persistence.enabled': {
    base: LOCAL_BACKUP,
    set: { backup: { storage: { local: { persistence: { enabled: true } } } } },
    check: (o) => {
      expect(claim(o).metadata.name).toBe('infrahub-backup-backups');
      expect(volumeOf(o, 'backups')?.persistentVolumeClaim).toEqual({ claimName: 'infrahub-backup-backups' });
    },
  },
  'backup.storage.local.persistence.existingClaim': {
    base: PERSISTENT_BACKUP,
    set: { backup: { storage: { local: { persistence: { existingClaim: 'archives' } } } } },
    check: (o) => {
      expect(o.map((x) => x.kind)).not.toContain('PersistentVolumeClaim');
      expect(volumeOf(o, 'backups')?.persistentVolumeClaim).toEqual({ claimName: 'archives' });
    },
  },
  'backup.storage.local.persistence.size': {
    base: PERSISTENT_BACKUP,
    set: { backup: { storage: { local: { persistence: { size: '75Gi' } } } } },
    check: (o) => expect(claim(o).spec.resources.requests.storage).toBe('75Gi'),
  },
  'backup.storage.local.persistence.storageClassName': {
    base: PERSISTENT_BACKUP,
    set: { backup: { storage: { local: { persistence: { storageClassName: 'gp3' } } } } },
    check: (o, b) => {
      expect(claim(o).spec.storageClassName).toBe('gp3');
      expect(claim(b).spec.storageClassName).toBeUndefined();
    },
  },
  'backup.storage.local.persistence.accessModes': {
    base: PERSISTENT_BACKUP,
    set: { backup: { storage: { local: { persistence: { accessModes: ['ReadWriteMany'] } } } } },
    check: (o, b) => {
      expect(claim(o).spec.accessModes).toEqual(['ReadWriteMany']);
      expect(claim(b).spec.accessModes).toEqual(['ReadWriteOnce']);
    },
  },
  'backup.options.force': {
    base: S3_BACKUP,
    set: { backup: { options: { force: true } } },
    check: (o) => expect(argsOf(o)).toContain('--force'),
  },
  'backup.options.excludeTaskmanager': {
    base: S3_BACKUP,
    set: { backup: { options: { excludeTaskmanager: true } } },
    check: (o) => expect(argsOf(o)).toContain('--exclude-taskmanager'),
  },
  'backup.options.neo4jMetadata': {
    base: S3_BACKUP,
    set: { backup: { options: { neo4jMetadata: 'none' } } },
    check: (o) => expect(argsOf(o)).toContain('--neo4jmetadata=none'),
  },
  'backup.options.keepLocal': {
    base: S3_BACKUP,
    set: { backup: { options: { keepLocal: true } } },
    check: (o) => expect(argsOf(o)).toContain('--s3-keep-local'),
  },
  'backup.options.sleep': {
    base: LOCAL_BACKUP,
    set: { backup: { options: { sleep: '45s' } } },
    check: (o) => expect(argsOf(o)).toContain('--sleep=45s'),
  },
  'backup.options.extraArgs': {
    base: S3_BACKUP,
    set: { backup: { options: { extraArgs: ['--backend', 'plakar'] } } },
    check: (o) => expect(argsOf(o).slice(-2)).toEqual(['--backend', 'plakar']),
  },
  'backup.encryption.secretName': {
    base: S3_BACKUP,
    set: { backup: { encryption: { secretName: 'backup-keys' } } },
    check: (o) => {
      expect(argsOf(o)).toContain('--encrypt-key=/etc/infrahub-backup/keys/public.pem');
      expect(volumeOf(o, 'keys')?.secret.secretName).toBe('backup-keys');
    },
  },
  'backup.encryption.key': {
    base: ENCRYPTED_BACKUP,
    set: { backup: { encryption: { key: 'age.pub' } } },
    check: (o) => {
      expect(argsOf(o)).toContain('--encrypt-key=/etc/infrahub-backup/keys/age.pub');
      expect(volumeOf(o, 'keys')?.secret.items).toEqual([{ key: 'age.pub', path: 'age.pub' }]);
    },
  },

  'restore.enabled': {
    base: {},
    set: S3_RESTORE,
    check: (o, b) => {
      expect(b).toEqual([]);
      expect(argsOf(o)[0]).toBe('restore');
    },
  },
  'restore.id': {
    base: S3_RESTORE,
    set: { restore: { id: 'incident-7' } },
    check: (o, b) => expect(workloadName(o)).not.toBe(workloadName(b)),
  },
  'restore.mode': {
    base: S3_RESTORE,
    set: { restore: { mode: 'cronjob' } },
    check: (o) => {
      expect(workloadOf(o).kind).toBe('CronJob');
      expect(workloadOf(o).spec.schedule).toBe('0 4 * * *');
    },
  },
  'restore.schedule': {
    base: MODES['scheduled restore'],
    set: { restore: { schedule: '15 3 * * 1-5' } },
    check: (o) => expect(workloadOf(o).spec.schedule).toBe('15 3 * * 1-5'),
  },
  'restore.storage.type': {
    base: S3_RESTORE,
    set: { restore: { storage: { type: 'local' } } },
    check: (o) => {
      expect(argsOf(o)[1]).toBe('/infrahub_backups/infrahub_backup_latest.tar.gz');
      expect(env(o, 'INFRAHUB_S3_BUCKET')).toBeUndefined();
    },
  },
  'restore.storage.path': {
    base: LOCAL_RESTORE,
    set: { restore: { storage: { path: '/restore' } } },
    check: (o) => {
      expect(argsOf(o)[1]).toBe('/restore/infrahub_backup_latest.tar.gz');
      expect(mountOf(o, 'backups')?.mountPath).toBe('/restore');
      expect(env(o, 'INFRAHUB_BACKUP_DIR')?.value).toBe('/restore');
    },
  },
  'restore.storage.s3.bucket': {
    base: S3_RESTORE,
    set: { restore: { storage: { s3: { bucket: 'archive-bucket' } } } },
    check: (o) => {
      expect(argsOf(o)[1]).toMatch(/^s3:\/\/archive-bucket\//);
      expect(env(o, 'INFRAHUB_S3_BUCKET')?.value).toBe('archive-bucket');
    },
  },
  'restore.storage.s3.prefix': {
    base: S3_RESTORE,
    set: { restore: { storage: { s3: { prefix: 'production' } } } },
    check: (o) => expect(env(o, 'INFRAHUB_S3_PREFIX')?.value).toBe('production'),
  },
  'restore.storage.s3.key': {
    base: S3_RESTORE,
    set: { restore: { storage: { s3: { key: 'other/archive.tar.gz' } } } },
    check: (o) => expect(argsOf(o)[1]).toBe('s3://backups/other/archive.tar.gz'),
  },
  'restore.storage.s3.latest': {
    base: S3_RESTORE,
    set: { restore: { storage: { s3: { key: '', latest: true } } } },
    check: (o) => {
      expect(pod(o).initContainers[0].args).toEqual(['s3', 'preflight', '--for', 'restore', '--output', '/run/infrahub-backup/archive-uri']);
      expect(containerOf(o).command[2]).toContain('restore "$(cat /run/infrahub-backup/archive-uri)" "$@"');
    },
  },
  'restore.storage.s3.acceptUnproven': {
    base: S3_RESTORE,
    set: { restore: { storage: { s3: { key: '', latest: true, acceptUnproven: true } } } },
    check: (o) => expect(pod(o).initContainers[0].args).toEqual(['s3', 'preflight', '--for', 'restore', '--accept-unproven', '--output', '/run/infrahub-backup/archive-uri']),
  },
  'restore.storage.s3.endpoint': {
    base: S3_RESTORE,
    set: { restore: { storage: { s3: { endpoint: 'http://minio.storage:9000' } } } },
    check: (o) => expect(env(o, 'INFRAHUB_S3_ENDPOINT')?.value).toBe('http://minio.storage:9000'),
  },
  'restore.storage.s3.region': {
    base: S3_RESTORE,
    set: { restore: { storage: { s3: { region: 'eu-central-1' } } } },
    check: (o) => expect(env(o, 'INFRAHUB_S3_REGION')?.value).toBe('eu-central-1'),
  },
  'restore.storage.s3.secretName': {
    base: S3_RESTORE,
    set: { restore: { storage: { s3: { secretName: 'restore-creds' } } } },
    check: (o) => expect(env(o, 'AWS_SECRET_ACCESS_KEY')?.valueFrom.secretKeyRef.name).toBe('restore-creds'),
  },
  'restore.storage.s3.accessKeyIdKey': {
    base: S3_RESTORE,
    set: { restore: { storage: { s3: { accessKeyIdKey: 'key-id' } } } },
    check: (o) => expect(env(o, 'AWS_ACCESS_KEY_ID')?.valueFrom.secretKeyRef.key).toBe('key-id'),
  },
  'restore.storage.s3.secretAccessKeyKey': {
    base: S3_RESTORE,
    set: { restore: { storage: { s3: { secretAccessKeyKey: 'key-secret' } } } },
    check: (o) => expect(env(o, 'AWS_SECRET_ACCESS_KEY')?.valueFrom.secretKeyRef.key).toBe('key-secret'),
  },
  'restore.storage.s3.sessionTokenKey': {
    base: S3_RESTORE,
    set: { restore: { storage: { s3: { sessionTokenKey: 'sts' } } } },
    check: (o) => expect(env(o, 'AWS_SESSION_TOKEN')?.valueFrom.secretKeyRef.key).toBe('sts'),
  },
  'restore.storage.local.filename': {
    base: LOCAL_RESTORE,
    set: { restore: { storage: { local: { filename: 'infrahub_backup_20260301_000000.tar.gz' } } } },
    check: (o) => expect(argsOf(o)[1]).toBe('/infrahub_backups/infrahub_backup_20260301_000000.tar.gz'),
  },
  'restore.storage.local.existingClaim': {
    base: LOCAL_RESTORE,
    set: { restore: { storage: { local: { existingClaim: 'archives' } } } },
    check: (o) => {
      expect(volumeOf(o, 'backups')?.persistentVolumeClaim).toEqual({ claimName: 'archives' });
      expect(argsOf(o).join(' ')).not.toMatch(/--sleep/);
    },
  },
  // Alias of restore.storage.s3 (seed layout): the same manifests as the canonical spelling.
  'restore.s3': {
    base: S3_RESTORE,
    set: { restore: { s3: { endpoint: 'http://minio:9000', region: 'eu-west-2' } } },
    check: (o) => {
      expect(o).toEqual(synthObjects(mergeDocs(S3_RESTORE, { restore: { storage: { s3: { endpoint: 'http://minio:9000', region: 'eu-west-2' } } } })));
      expect(env(o, 'INFRAHUB_S3_ENDPOINT')?.value).toBe('http://minio:9000');
      // A document in the seed layout only renders like its canonical spelling.
      const s3 = { bucket: 'seed-bucket', key: 'a/b.tar.gz', endpoint: 'http://minio:9000', region: 'eu-west-2', secretName: 'seed-creds' };
      const seed = synthObjects({ restore: { enabled: true, s3 } });
      expect(seed).toEqual(synthObjects({ restore: { enabled: true, storage: { s3 } } }));
      expect(argsOf(seed)[1]).toBe('s3://seed-bucket/a/b.tar.gz');
    },
  },
  'restore.options.excludeTaskmanager': {
    base: S3_RESTORE,
    set: { restore: { options: { excludeTaskmanager: true } } },
    check: (o) => expect(argsOf(o)).toContain('--exclude-taskmanager'),
  },
  'restore.options.migrateFormat': {
    base: S3_RESTORE,
    set: { restore: { options: { migrateFormat: true } } },
    check: (o) => expect(argsOf(o)).toContain('--migrate-format'),
  },
  'restore.options.resetDeploymentId': {
    base: S3_RESTORE,
    set: { restore: { options: { resetDeploymentId: true } } },
    check: (o) => expect(argsOf(o)).toContain('--reset-deployment-id'),
  },
  'restore.options.sleep': {
    base: LOCAL_RESTORE,
    set: { restore: { options: { sleep: '20m' } } },
    check: (o) => expect(argsOf(o)).toContain('--sleep=20m'),
  },
  'restore.options.extraArgs': {
    base: S3_RESTORE,
    set: { restore: { options: { extraArgs: ['--force'] } } },
    check: (o) => expect(argsOf(o).slice(-1)).toEqual(['--force']),
  },
  'restore.decryption.secretName': {
    base: S3_RESTORE,
    set: { restore: { decryption: { secretName: 'backup-keys' } } },
    check: (o) => {
      expect(argsOf(o)).toContain('--decrypt-key=/etc/infrahub-backup/keys/private.pem');
      expect(volumeOf(o, 'keys')?.secret.secretName).toBe('backup-keys');
    },
  },
  'restore.decryption.key': {
    base: ENCRYPTED_RESTORE,
    set: { restore: { decryption: { key: 'team.pem' } } },
    check: (o) => {
      expect(argsOf(o)).toContain('--decrypt-key=/etc/infrahub-backup/keys/team.pem');
      expect(volumeOf(o, 'keys')?.secret.items).toEqual([{ key: 'team.pem', path: 'team.pem' }]);
    },
  },

  'companion.image.repository': {
    base: S3_BACKUP,
    set: { companion: { image: { repository: 'registry.example.com/ops/infrahub-backup-cdk8s' } } },
    check: (o) => expect(pod(o).initContainers[0].image).toMatch(/^registry\.example\.com\/ops\/infrahub-backup-cdk8s:/),
  },
  'companion.image.tag': {
    base: S3_BACKUP,
    set: { companion: { image: { tag: '9.9.9' } } },
    check: (o) => expect(pod(o).initContainers[0].image).toMatch(/:9\.9\.9$/),
  },
  'companion.image.pullPolicy': {
    base: S3_BACKUP,
    set: { companion: { image: { pullPolicy: 'Always' } } },
    check: (o) => expect(pod(o).initContainers[0].imagePullPolicy).toBe('Always'),
  },
  'companion.preflight': {
    base: S3_BACKUP,
    set: { companion: { preflight: false } },
    check: (o, b) => {
      expect(pod(b).initContainers.map((c: KubeObject) => c.name)).toEqual(['preflight', 'guard-record', 'backup']);
      expect(pod(o).initContainers.map((c: KubeObject) => c.name)).toEqual(['guard-record', 'backup']);
    },
  },
  'companion.resources.requests': {
    base: S3_BACKUP,
    set: { companion: { resources: { requests: { cpu: '50m' } } } },
    check: (o) => expect(pod(o).initContainers[0].resources.requests).toEqual({ cpu: '50m', memory: '128Mi' }),
  },
  'companion.resources.limits': {
    base: S3_BACKUP,
    set: { companion: { resources: { limits: { memory: '512Mi' } } } },
    check: (o) => expect(pod(o).initContainers[0].resources.limits).toEqual({ memory: '512Mi' }),
  },
  'backup.retention.enabled': {
    base: S3_BACKUP,
    set: { backup: { retention: { enabled: true } } },
    check: (o) => expect(podSpecOf(namedCronJob(o, 'retention')).containers[0].args).toEqual(['s3', 'prune', '--keep-last', '7']),
  },
  'backup.retention.schedule': {
    base: mergeDocs(S3_BACKUP, { backup: { retention: { enabled: true } } }),
    set: { backup: { retention: { schedule: '0 6 * * 1' } } },
    check: (o) => expect(namedCronJob(o, 'retention').spec.schedule).toBe('0 6 * * 1'),
  },
  'backup.retention.keepLast': {
    base: mergeDocs(S3_BACKUP, { backup: { retention: { enabled: true } } }),
    set: { backup: { retention: { keepLast: 30 } } },
    check: (o) => expect(podSpecOf(namedCronJob(o, 'retention')).containers[0].args).toEqual(['s3', 'prune', '--keep-last', '30']),
  },
  'backup.retention.keepDays': {
    base: mergeDocs(S3_BACKUP, { backup: { retention: { enabled: true } } }),
    set: { backup: { retention: { keepDays: 14 } } },
    check: (o) => expect(podSpecOf(namedCronJob(o, 'retention')).containers[0].args).toEqual(['s3', 'prune', '--keep-last', '7', '--keep-days', '14']),
  },
  'backup.verification.enabled': {
    base: S3_BACKUP,
    set: { backup: { verification: { enabled: true } } },
    check: (o) => expect(podSpecOf(namedCronJob(o, 'verify')).containers[0].args).toEqual(['s3', 'verify', '--latest']),
  },
  'backup.verification.schedule': {
    base: mergeDocs(S3_BACKUP, { backup: { verification: { enabled: true } } }),
    set: { backup: { verification: { schedule: '@weekly' } } },
    check: (o) => expect(namedCronJob(o, 'verify').spec.schedule).toBe('@weekly'),
  },
  'backup.retention.keepDaily': {
    base: PRUNED_BACKUP,
    set: { backup: { retention: { keepDaily: 7 } } },
    check: (o, b) => {
      expect(pruneArgs(o)).toEqual(['s3', 'prune', '--keep-last', '7', '--keep-daily', '7']);
      // Read by the retention CronJob only: the one-shot backup Job keeps its name (an upgrade does not back up again).
      expect(only(o, 'Job').metadata.name).toBe(only(b, 'Job').metadata.name);
    },
  },
  'backup.retention.keepWeekly': {
    base: PRUNED_BACKUP,
    set: { backup: { retention: { keepWeekly: 4 } } },
    // No cronJob.timeZone: prune's calendar is UTC, its default.
    check: (o) => expect(pruneArgs(o)).toEqual(['s3', 'prune', '--keep-last', '7', '--keep-weekly', '4']),
  },
  'backup.retention.keepMonthly': {
    base: PRUNED_BACKUP,
    set: { backup: { retention: { keepMonthly: 12, keepDays: 3 } } },
    check: (o) => expect(pruneArgs(o)).toEqual(['s3', 'prune', '--keep-last', '7', '--keep-days', '3', '--keep-monthly', '12']),
  },
  'backup.retention.keepYearly': {
    base: mergeDocs(PRUNED_BACKUP, { cronJob: { timeZone: 'America/Sao_Paulo' } }),
    set: { backup: { retention: { keepYearly: 5, keepDaily: 1 } } },
    check: (o, b) => {
      expect(pruneArgs(o)).toEqual(['s3', 'prune', '--keep-last', '7', '--keep-daily', '1', '--keep-yearly', '5', '--time-zone', 'America/Sao_Paulo']);
      // Without a calendar rule the zone is not passed (prune would warn that it has no effect).
      expect(pruneArgs(b)).toEqual(['s3', 'prune', '--keep-last', '7']);
    },
  },
  'backup.storage.s3.copy.enabled': {
    base: VERIFIED_BACKUP,
    set: { backup: { storage: { s3: { copy: { enabled: true, bucket: 'backups-dr' } } } } },
    check: (o, b) => {
      expect(verifySteps(o).map((c) => c.name)).toEqual(['verification', 'copy']);
      expect(podSpecOf(namedCronJob(o, 'verify')).containers.map((c: KubeObject) => c.name)).toEqual(['copy']);
      expect(verifyStep(o, 'copy').args).toEqual(['s3', 'copy', '--max-copies', '3']);
      expect(verifyStep(o, 'verification').args).toEqual(['s3', 'verify', '--latest']);
      expect(verifySteps(b).map((c) => c.name)).toEqual(['verification']);
      expect(podSpecOf(namedCronJob(b, 'verify')).initContainers).toBeUndefined();
      expect(only(o, 'Job').metadata.name).toBe(only(b, 'Job').metadata.name);
    },
  },
  'backup.storage.s3.copy.bucket': {
    base: COPIED_BACKUP,
    set: { backup: { storage: { s3: { copy: { bucket: 'infrahub-offsite' } } } } },
    check: (o) => {
      const e = stepEnv(o, 'copy');
      expect(e.COPY_INFRAHUB_S3_BUCKET).toEqual({ name: 'COPY_INFRAHUB_S3_BUCKET', value: 'infrahub-offsite' });
      // The source's settings stay those of the backups.
      expect(e.INFRAHUB_S3_BUCKET.value).toBe('backups');
    },
  },
  'backup.storage.s3.copy.prefix': {
    base: COPIED_BACKUP,
    // The destination's variables come after the source's keys: a $(VAR) in them must reach s3 copy as written, not expanded by the kubelet.
    set: { backup: { storage: { s3: { copy: { prefix: 'prod/$(AWS_SECRET_ACCESS_KEY)' } } } } },
    check: (o, b) => {
      expect(stepEnv(o, 'copy').COPY_INFRAHUB_S3_PREFIX.value).toBe('prod/$$(AWS_SECRET_ACCESS_KEY)');
      expect(stepEnv(b, 'copy').COPY_INFRAHUB_S3_PREFIX).toBeUndefined();
    },
  },
  'backup.storage.s3.copy.endpoint': {
    base: mergeDocs(COPIED_BACKUP, { networkPolicy: { enabled: true } }),
    set: { backup: { storage: { s3: { copy: { endpoint: 'http://minio.dr.example.com:9000' } } } } },
    check: (o, b) => {
      expect(stepEnv(o, 'copy').COPY_INFRAHUB_S3_ENDPOINT.value).toBe('http://minio.dr.example.com:9000');
      expect(stepEnv(b, 'copy').COPY_INFRAHUB_S3_ENDPOINT).toBeUndefined();
      // The destination's port, to any address, after the source's S3 rule.
      expect(egress(o)[3]).toEqual({ ports: [{ port: 9000, protocol: 'TCP' }] });
      expect(egress(b)[3]).toEqual({ ports: [{ port: 443, protocol: 'TCP' }] });
    },
  },
  'backup.storage.s3.copy.region': {
    base: COPIED_BACKUP,
    set: { backup: { storage: { s3: { copy: { region: 'eu-central-1' } } } } },
    check: (o, b) => {
      expect(stepEnv(o, 'copy').COPY_INFRAHUB_S3_REGION.value).toBe('eu-central-1');
      expect(stepEnv(b, 'copy').COPY_INFRAHUB_S3_REGION.value).toBe('us-east-1');
    },
  },
  'backup.storage.s3.copy.secretName': {
    base: mergeDocs(VERIFIED_BACKUP, { backup: { storage: { s3: { copy: { enabled: true, bucket: 'backups-dr' } } } } }),
    set: { backup: { storage: { s3: { copy: { secretName: 'dr-creds' } } } } },
    check: (o, b) => {
      const e = stepEnv(o, 'copy');
      expect(e.COPY_AWS_ACCESS_KEY_ID.valueFrom).toEqual({ secretKeyRef: { name: 'dr-creds', key: 'AWS_ACCESS_KEY_ID' } });
      expect(e.COPY_AWS_SECRET_ACCESS_KEY.valueFrom).toEqual({ secretKeyRef: { name: 'dr-creds', key: 'AWS_SECRET_ACCESS_KEY' } });
      expect(e.AWS_ACCESS_KEY_ID.valueFrom).toEqual({ secretKeyRef: { name: 's3-creds', key: 'AWS_ACCESS_KEY_ID' } });
      expect(stepEnv(b, 'copy').COPY_AWS_ACCESS_KEY_ID).toBeUndefined();
      // Only the copy step gets the destination's keys.
      expect(stepEnv(o, 'verification').COPY_AWS_ACCESS_KEY_ID).toBeUndefined();
    },
  },
  'backup.storage.s3.copy.accessKeyIdKey': {
    base: COPIED_BACKUP,
    set: { backup: { storage: { s3: { copy: { accessKeyIdKey: 'id' } } } } },
    check: (o) => expect(stepEnv(o, 'copy').COPY_AWS_ACCESS_KEY_ID.valueFrom).toEqual({ secretKeyRef: { name: 'dr-creds', key: 'id' } }),
  },
  'backup.storage.s3.copy.secretAccessKeyKey': {
    base: COPIED_BACKUP,
    set: { backup: { storage: { s3: { copy: { secretAccessKeyKey: 'secret' } } } } },
    check: (o) => expect(stepEnv(o, 'copy').COPY_AWS_SECRET_ACCESS_KEY.valueFrom).toEqual({ secretKeyRef: { name: 'dr-creds', key: 'secret' } }),
  },
  'backup.storage.s3.copy.sessionTokenKey': {
    base: COPIED_BACKUP,
    set: { backup: { storage: { s3: { copy: { sessionTokenKey: 'token' } } } } },
    check: (o, b) => {
      expect(stepEnv(o, 'copy').COPY_AWS_SESSION_TOKEN.valueFrom).toEqual({ secretKeyRef: { name: 'dr-creds', key: 'token' } });
      expect(stepEnv(b, 'copy').COPY_AWS_SESSION_TOKEN).toBeUndefined();
    },
  },
  'backup.storage.s3.copy.maxCopies': {
    base: COPIED_BACKUP,
    set: { backup: { storage: { s3: { copy: { maxCopies: 10 } } } } },
    check: (o) => expect(verifyStep(o, 'copy').args).toEqual(['s3', 'copy', '--max-copies', '10']),
  },
  'backup.objectLock.enabled': {
    base: VERIFIED_BACKUP,
    set: { backup: { objectLock: { enabled: true, days: 30 } } },
    check: (o, b) => {
      expect(verifySteps(o).map((c) => c.name)).toEqual(['verification', 'lock']);
      expect(verifyStep(o, 'lock').args).toEqual(['s3', 'lock', '--mode', 'GOVERNANCE', '--days', '30']);
      expect(verifySteps(b).map((c) => c.name)).toEqual(['verification']);
      expect(only(o, 'Job').metadata.name).toBe(only(b, 'Job').metadata.name);
    },
  },
  'backup.objectLock.mode': {
    base: mergeDocs(LOCKED_BACKUP, { monitoring: { freshness: { enabled: true } }, backup: { storage: { s3: { copy: { enabled: true, bucket: 'backups-dr' } } } } }),
    set: { backup: { objectLock: { mode: 'COMPLIANCE' } } },
    check: (o) => {
      // Every step, in order: freshness, verify, lock, then the copy as the pod's container.
      expect(verifySteps(o).map((c) => c.name)).toEqual(['freshness', 'verification', 'lock', 'copy']);
      expect(verifyStep(o, 'lock').args).toEqual(['s3', 'lock', '--mode', 'COMPLIANCE', '--days', '30']);
    },
  },
  'backup.objectLock.days': {
    base: LOCKED_BACKUP,
    set: { backup: { objectLock: { days: 365 } } },
    check: (o) => expect(verifyStep(o, 'lock').args).toEqual(['s3', 'lock', '--mode', 'GOVERNANCE', '--days', '365']),
  },
  'neo4j.secretName': {
    base: S3_BACKUP,
    set: { neo4j: { secretName: 'neo4j-auth' } },
    check: (o) => expect(env(o, 'INFRAHUB_DB_PASSWORD')?.valueFrom).toEqual({ secretKeyRef: { name: 'neo4j-auth', key: 'password' } }),
  },
  'neo4j.passwordKey': {
    base: NEO4J_BACKUP,
    set: { neo4j: { passwordKey: 'NEO4J_AUTH_PASSWORD' } },
    check: (o) => expect(env(o, 'INFRAHUB_DB_PASSWORD')?.valueFrom.secretKeyRef.key).toBe('NEO4J_AUTH_PASSWORD'),
  },
  'neo4j.usernameKey': {
    base: NEO4J_BACKUP,
    set: { neo4j: { usernameKey: 'username' } },
    check: (o) => expect(env(o, 'INFRAHUB_DB_USERNAME')?.valueFrom).toEqual({ secretKeyRef: { name: 'neo4j-auth', key: 'username' } }),
  },
  'image.repository': {
    base: S3_BACKUP,
    set: { image: { repository: 'ghcr.io/example/infrahub-backup' } },
    check: (o) => expect(containerOf(o).image).toBe('ghcr.io/example/infrahub-backup:2.3.0'),
  },
  'image.tag': {
    base: S3_BACKUP,
    set: { image: { tag: '2.4.1' } },
    check: (o) => {
      expect(containerOf(o).image).toBe('registry.opsmill.io/opsmill/infrahub-backup:2.4.1');
      // An empty tag falls back to the default version.
      expect(containerOf(synthObjects(mergeDocs(S3_BACKUP, { image: { tag: '' } }))).image).toBe('registry.opsmill.io/opsmill/infrahub-backup:2.3.0');
    },
  },
  'image.digest': {
    base: S3_BACKUP,
    set: { image: { digest: `sha256:${'0123456789abcdef'.repeat(4)}` } },
    check: (o) => expect(containerOf(o).image).toBe(`registry.opsmill.io/opsmill/infrahub-backup@sha256:${'0123456789abcdef'.repeat(4)}`),
  },
  'image.pullPolicy': {
    base: S3_BACKUP,
    set: { image: { pullPolicy: 'Always' } },
    check: (o) => expect(containerOf(o).imagePullPolicy).toBe('Always'),
  },
  imagePullSecrets: {
    base: S3_BACKUP,
    set: { imagePullSecrets: [{ name: 'registry-creds' }] },
    check: (o, b) => {
      expect(pod(o).imagePullSecrets).toEqual([{ name: 'registry-creds' }]);
      expect(pod(b).imagePullSecrets).toBeUndefined();
    },
  },
  logFormat: {
    base: S3_BACKUP,
    set: { logFormat: 'json' },
    check: (o) => expect(env(o, 'INFRAHUB_LOG_FORMAT')?.value).toBe('json'),
  },
  'resources.requests': {
    base: S3_BACKUP,
    set: { resources: { requests: { cpu: '1', memory: '2Gi' } } },
    check: (o, b) => {
      expect(containerOf(o).resources.requests).toEqual({ cpu: '1', memory: '2Gi' });
      expect(containerOf(b).resources.requests).toEqual({ cpu: '100m', memory: '256Mi' });
    },
  },
  'resources.limits': {
    base: S3_BACKUP,
    set: { resources: { limits: { memory: '4Gi', cpu: 2 } } },
    check: (o, b) => {
      expect(containerOf(o).resources.limits).toEqual({ memory: '4Gi', cpu: 2 });
      // None by default, as in OpsMill's chart.
      expect(containerOf(b).resources.limits).toBeUndefined();
    },
  },
  'scratch.sizeLimit': {
    base: S3_BACKUP,
    set: { scratch: { sizeLimit: '80Gi' } },
    check: (o, b) => {
      expect(volumeOf(o, 'tmp')?.emptyDir).toEqual({ sizeLimit: '80Gi' });
      expect(volumeOf(o, 'backups')?.emptyDir).toEqual({ sizeLimit: '80Gi' });
      expect(volumeOf(b, 'tmp')?.emptyDir).toEqual({});
    },
  },
  nodeSelector: {
    base: S3_BACKUP,
    set: { nodeSelector: { 'node-role.kubernetes.io/batch': 'true' } },
    check: (o) => expect(pod(o).nodeSelector).toEqual({ 'node-role.kubernetes.io/batch': 'true' }),
  },
  tolerations: {
    base: S3_BACKUP,
    set: { tolerations: [{ key: 'batch', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }] },
    check: (o) => expect(pod(o).tolerations).toEqual([{ key: 'batch', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }]),
  },
  affinity: {
    base: S3_BACKUP,
    set: { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'neo4j' } } } }] } } },
    check: (o) => expect(pod(o).affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight).toBe(10),
  },
  priorityClassName: {
    base: S3_BACKUP,
    set: { priorityClassName: 'system-cluster-critical' },
    check: (o, b) => {
      expect(pod(o).priorityClassName).toBe('system-cluster-critical');
      expect(pod(b).priorityClassName).toBeUndefined();
    },
  },
  podAnnotations: {
    base: S3_BACKUP,
    set: { podAnnotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' } },
    check: (o) => expect(podMeta(o).annotations).toEqual({ 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' }),
  },
  podLabels: {
    base: S3_BACKUP,
    set: { podLabels: { team: 'platform' } },
    check: (o) => expect(podMeta(o).labels.team).toBe('platform'),
  },
  podSecurityContext: {
    base: S3_BACKUP,
    set: { podSecurityContext: { runAsUser: 2000 } },
    check: (o) => expect(pod(o).securityContext).toEqual({ runAsNonRoot: true, runAsUser: 2000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } }),
  },
  securityContext: {
    base: S3_BACKUP,
    set: { securityContext: { runAsUser: 1001 } },
    check: (o) =>
      expect(containerOf(o).securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        runAsUser: 1001,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      }),
  },
  extraEnv: {
    base: S3_BACKUP,
    set: { extraEnv: [{ name: 'NO_PROXY', value: '.svc,.cluster.local' }] },
    check: (o) => expect(containerOf(o).env.slice(-1)).toEqual([{ name: 'NO_PROXY', value: '.svc,.cluster.local' }]),
  },
  extraVolumes: {
    base: S3_BACKUP,
    set: { extraVolumes: [{ name: 'ca', secret: { secretName: 'ca-bundle' } }] },
    check: (o) => expect(volumeOf(o, 'ca')).toEqual({ name: 'ca', secret: { secretName: 'ca-bundle' } }),
  },
  extraVolumeMounts: {
    base: mergeDocs(S3_BACKUP, { extraVolumes: [{ name: 'ca', secret: { secretName: 'ca-bundle' } }] }),
    set: { extraVolumeMounts: [{ name: 'ca', mountPath: '/etc/ssl/certs/custom', readOnly: true }] },
    check: (o) => expect(mountOf(o, 'ca')).toEqual({ name: 'ca', mountPath: '/etc/ssl/certs/custom', readOnly: true }),
  },

  'cronJob.timeZone': {
    base: SCHEDULED_BACKUP,
    set: { cronJob: { timeZone: 'America/New_York' } },
    check: (o, b) => {
      expect(workloadOf(o).spec.timeZone).toBe('America/New_York');
      expect(workloadOf(b).spec.timeZone).toBeUndefined();
    },
  },
  'cronJob.concurrencyPolicy': {
    base: SCHEDULED_BACKUP,
    set: { cronJob: { concurrencyPolicy: 'Allow' } },
    check: (o) => expect(workloadOf(o).spec.concurrencyPolicy).toBe('Allow'),
  },
  'cronJob.successfulJobsHistoryLimit': {
    base: SCHEDULED_BACKUP,
    set: { cronJob: { successfulJobsHistoryLimit: 7 } },
    check: (o) => expect(workloadOf(o).spec.successfulJobsHistoryLimit).toBe(7),
  },
  'cronJob.failedJobsHistoryLimit': {
    base: SCHEDULED_BACKUP,
    set: { cronJob: { failedJobsHistoryLimit: 0 } },
    check: (o) => expect(workloadOf(o).spec.failedJobsHistoryLimit).toBe(0),
  },
  'cronJob.startingDeadlineSeconds': {
    base: SCHEDULED_BACKUP,
    set: { cronJob: { startingDeadlineSeconds: 600 } },
    check: (o, b) => {
      expect(workloadOf(o).spec.startingDeadlineSeconds).toBe(600);
      expect(workloadOf(b).spec.startingDeadlineSeconds).toBeUndefined();
    },
  },
  'cronJob.suspend': {
    base: SCHEDULED_BACKUP,
    set: { cronJob: { suspend: true } },
    check: (o, b) => {
      expect(workloadOf(o).spec.suspend).toBe(true);
      expect(workloadOf(b).spec.suspend).toBe(false);
    },
  },
  'job.backoffLimit': {
    base: S3_BACKUP,
    set: { job: { backoffLimit: 3 } },
    check: (o) => expect(jobSpecOf(workloadOf(o)).backoffLimit).toBe(3),
  },
  'job.ttlSecondsAfterFinished': {
    base: S3_BACKUP,
    set: { job: { ttlSecondsAfterFinished: 3600 } },
    check: (o, b) => {
      expect(jobSpecOf(workloadOf(o)).ttlSecondsAfterFinished).toBe(3600);
      expect(jobSpecOf(workloadOf(b)).ttlSecondsAfterFinished).toBeUndefined();
    },
  },
  'monitoring.backupMaxAge': {
    base: mergeDocs(MONITORED_BACKUP, { monitoring: { freshness: { enabled: true } } }),
    set: { monitoring: { backupMaxAge: '1d12h' } },
    check: (o, b) => {
      expect(alertRule(o, 'InfrahubBackupMissing').expr).toMatch(/ > 129600\) unless /);
      expect(alertRule(b, 'InfrahubBackupMissing').expr).toMatch(/ > 93600\) unless /);
      expect(podSpecOf(namedCronJob(o, 'freshness')).containers[0].args).toEqual(['s3', 'latest', '--accept-unproven', '--max-age', '1d12h']);
    },
  },
  'monitoring.prometheusRule.enabled': {
    base: SCHEDULED_BACKUP,
    set: { monitoring: { prometheusRule: { enabled: true } } },
    check: (o, b) => {
      expect(b.map((x) => x.kind)).not.toContain('PrometheusRule');
      expect(only(o, 'PrometheusRule').apiVersion).toBe('monitoring.coreos.com/v1');
    },
  },
  'monitoring.prometheusRule.namespace': {
    base: MONITORED_BACKUP,
    set: { monitoring: { prometheusRule: { namespace: 'monitoring' } } },
    check: (o, b) => {
      expect(only(o, 'PrometheusRule').metadata.namespace).toBe('monitoring');
      expect(only(b, 'PrometheusRule').metadata.namespace).toBe('infrahub');
    },
  },
  'monitoring.prometheusRule.labels': {
    base: MONITORED_BACKUP,
    set: { monitoring: { prometheusRule: { labels: { release: 'kube-prometheus-stack' } } } },
    check: (o) => expect(only(o, 'PrometheusRule').metadata.labels.release).toBe('kube-prometheus-stack'),
  },
  'monitoring.prometheusRule.suspendedFor': {
    base: MONITORED_BACKUP,
    set: { monitoring: { prometheusRule: { suspendedFor: '6h' } } },
    check: (o, b) => {
      expect(alertRule(o, 'InfrahubBackupCronJobSuspended').for).toBe('6h');
      expect(alertRule(b, 'InfrahubBackupCronJobSuspended').for).toBe('1h');
    },
  },
  'monitoring.prometheusRule.scaledDownFor': {
    base: MONITORED_BACKUP,
    set: { monitoring: { prometheusRule: { scaledDownFor: '45m' } } },
    check: (o) => expect(alertRule(o, 'InfrahubScaledDownAfterBackup').for).toBe('45m'),
  },
  'monitoring.prometheusRule.expectedJobDuration': {
    base: MONITORED_BACKUP,
    set: { monitoring: { prometheusRule: { expectedJobDuration: '5h' } } },
    check: (o, b) => {
      expect(alertRule(o, 'InfrahubScaledDownAfterBackup').expr).toContain('< 18000 unless');
      expect(alertRule(b, 'InfrahubScaledDownAfterBackup').expr).toContain('< 10800 unless');
    },
  },
  'monitoring.prometheusRule.infrahubWorkloads': {
    base: MONITORED_BACKUP,
    set: { monitoring: { prometheusRule: { infrahubWorkloads: 'prod-infrahub-.+' } } },
    check: (o) => expect(alertRule(o, 'InfrahubScaledDownAfterBackup').expr).toContain('deployment=~"prod-infrahub-.+"'),
  },
  'monitoring.prometheusRule.runbookUrl': {
    base: MONITORED_BACKUP,
    set: { monitoring: { prometheusRule: { runbookUrl: 'https://wiki.example.com/infrahub-backups' } } },
    check: (o) => expect(alertRule(o, 'InfrahubBackupMissing').annotations.runbook_url).toBe('https://wiki.example.com/infrahub-backups/InfrahubBackupMissing.md'),
  },
  'monitoring.freshness.enabled': {
    base: S3_BACKUP,
    set: { monitoring: { freshness: { enabled: true } } },
    check: (o, b) => {
      expect(namesByKind(b).CronJob).toEqual(['infrahub-backup-guard']);
      expect(podSpecOf(namedCronJob(o, 'freshness')).containers[0].args).toEqual(['s3', 'latest', '--accept-unproven', '--max-age', '26h']);
    },
  },
  'monitoring.freshness.schedule': {
    base: FRESH_BACKUP,
    set: { monitoring: { freshness: { schedule: '*/30 * * * *' } } },
    check: (o) => expect(namedCronJob(o, 'freshness').spec.schedule).toBe('*/30 * * * *'),
  },
  'monitoring.grafanaDashboard.enabled': {
    base: MONITORED_BACKUP,
    set: { monitoring: { grafanaDashboard: { enabled: true } } },
    check: (o, b) => {
      expect(b.map((x) => x.kind)).not.toContain('ConfigMap');
      const data = only(o, 'ConfigMap').data;
      expect(Object.keys(data)).toEqual(['infrahub-backup.json']);
      expect(JSON.parse(data['infrahub-backup.json']).panels[0].targets[0].expr).toBe(
        'time() - max(kube_cronjob_status_last_successful_time{namespace="infrahub", cronjob="infrahub-backup"})',
      );
    },
  },
  'monitoring.grafanaDashboard.namespace': {
    base: mergeDocs(SCHEDULED_BACKUP, { monitoring: { grafanaDashboard: { enabled: true } } }),
    set: { monitoring: { grafanaDashboard: { namespace: 'grafana' } } },
    check: (o, b) => {
      expect(only(o, 'ConfigMap').metadata.namespace).toBe('grafana');
      expect(only(b, 'ConfigMap').metadata.namespace).toBe('infrahub');
    },
  },
  'monitoring.grafanaDashboard.labels': {
    base: mergeDocs(SCHEDULED_BACKUP, { monitoring: { grafanaDashboard: { enabled: true } } }),
    set: { monitoring: { grafanaDashboard: { labels: { grafana_dashboard: null, 'grafana.example.com/dashboard': 'backups' } } } },
    check: (o, b) => {
      expect(only(b, 'ConfigMap').metadata.labels.grafana_dashboard).toBe('1');
      expect(only(o, 'ConfigMap').metadata.labels.grafana_dashboard).toBeUndefined();
      expect(only(o, 'ConfigMap').metadata.labels['grafana.example.com/dashboard']).toBe('backups');
    },
  },
  'monitoring.heartbeat.secretName': {
    base: PRUNED_BACKUP,
    set: { monitoring: { heartbeat: { secretName: 'backup-heartbeat' } } },
    check: (o, b) => {
      expect(companionEnv(o, 'retention')).toContainEqual({ name: 'INFRAHUB_BACKUP_HEARTBEAT_URL', valueFrom: { secretKeyRef: { name: 'backup-heartbeat', key: 'url' } } });
      // With the maximum age a success ping vouches for (the schedule's, as the freshness check uses).
      expect(companionEnv(o, 'retention')).toContainEqual({ name: 'INFRAHUB_BACKUP_HEARTBEAT_MAX_AGE', value: '26h' });
      expect(companionEnv(b, 'retention').map((e) => e.name)).not.toContain('INFRAHUB_BACKUP_HEARTBEAT_URL');
      expect(companionEnv(b, 'retention').map((e) => e.name)).not.toContain('INFRAHUB_BACKUP_HEARTBEAT_MAX_AGE');
      // Backups themselves do not ping: the companion CronJobs check the outcome.
      const backupPod = podSpecOf(o.find((x) => x.kind === 'Job')!);
      expect(backupPod.initContainers[0].env.map((e: KubeObject) => e.name)).not.toContain('INFRAHUB_BACKUP_HEARTBEAT_URL');
    },
  },
  'monitoring.heartbeat.key': {
    base: mergeDocs(PRUNED_BACKUP, { monitoring: { heartbeat: { secretName: 'backup-heartbeat' } } }),
    set: { monitoring: { heartbeat: { key: 'ping-url' } } },
    check: (o) => expect(companionEnv(o, 'retention')).toContainEqual({ name: 'INFRAHUB_BACKUP_HEARTBEAT_URL', valueFrom: { secretKeyRef: { name: 'backup-heartbeat', key: 'ping-url' } } }),
  },
  'networkPolicy.enabled': {
    base: S3_BACKUP,
    set: { networkPolicy: { enabled: true } },
    check: (o, b) => {
      expect(b.map((x) => x.kind)).not.toContain('NetworkPolicy');
      expect(only(o, 'NetworkPolicy').spec.policyTypes).toEqual(['Ingress', 'Egress']);
    },
  },
  'networkPolicy.apiServer.cidrs': {
    base: POLICED_BACKUP,
    set: { networkPolicy: { apiServer: { cidrs: ['172.20.0.10/32'] } } },
    check: (o) => expect(egress(o)[1].to).toEqual([{ ipBlock: { cidr: '172.20.0.10/32' } }]),
  },
  'networkPolicy.apiServer.ports': {
    base: POLICED_BACKUP,
    set: { networkPolicy: { apiServer: { ports: [{ port: 8443, protocol: 'TCP' }] } } },
    check: (o, b) => {
      expect(egress(o)[1].ports).toEqual([{ port: 8443, protocol: 'TCP' }]);
      expect(egress(b)[1].ports).toEqual([{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }]);
    },
  },
  'networkPolicy.s3.cidrs': {
    base: POLICED_BACKUP,
    set: { networkPolicy: { s3: { cidrs: ['192.0.2.0/24'] } } },
    check: (o) => expect(egress(o)[2].to).toEqual([{ ipBlock: { cidr: '192.0.2.0/24' } }]),
  },
  'networkPolicy.s3.port': {
    base: POLICED_BACKUP,
    set: { networkPolicy: { s3: { port: 9000 } } },
    check: (o, b) => {
      expect(egress(o)[2].ports).toEqual([{ port: 9000, protocol: 'TCP' }]);
      expect(egress(b)[2].ports).toEqual([{ port: 443, protocol: 'TCP' }]);
    },
  },
  'networkPolicy.extraEgress': {
    base: POLICED_BACKUP,
    set: { networkPolicy: { extraEgress: [{ to: [{ ipBlock: { cidr: '192.0.2.10/32' } }], ports: [{ port: 3128, protocol: 'TCP' }] }] } },
    check: (o) => expect(egress(o).slice(-1)).toEqual([{ to: [{ ipBlock: { cidr: '192.0.2.10/32' } }], ports: [{ port: 3128, protocol: 'TCP' }] }]),
  },
  'networkPolicy.credentialEndpoints': {
    base: POLICED_BACKUP,
    set: { networkPolicy: { credentialEndpoints: ['instance-metadata'] } },
    check: (o, b) => {
      expect(egress(o).slice(-1)).toEqual([{ to: [{ ipBlock: { cidr: '169.254.169.254/32' } }, { ipBlock: { cidr: 'fd00:ec2::254/128' } }], ports: [{ port: 80, protocol: 'TCP' }] }]);
      expect(egress(b)).toHaveLength(egress(o).length - 1);
    },
  },
  'job.activeDeadlineSeconds': {
    base: S3_BACKUP,
    set: { job: { activeDeadlineSeconds: 5400 } },
    check: (o, b) => {
      expect(jobSpecOf(workloadOf(o)).activeDeadlineSeconds).toBe(5400);
      expect(jobSpecOf(workloadOf(b)).activeDeadlineSeconds).toBe(21600);
      // The scale guard's Job keeps its own bound.
      expect(jobSpecOf(guardCronJobOf(o)!).activeDeadlineSeconds).toBe(300);
    },
  },

  'guard.enabled': {
    base: S3_BACKUP,
    set: { guard: { enabled: false } },
    check: (o, b) => {
      // On (the default): record, the image as the last init container, then the upload's proof and clear; the guard CronJob.
      expect(pod(b).initContainers.map((c: KubeObject) => c.name)).toEqual(['preflight', 'guard-record', 'backup']);
      expect(pod(b).containers.map((c: KubeObject) => c.name)).toEqual(['prove']);
      expect(guardCronJobOf(b)?.metadata.name).toBe('infrahub-backup-guard');
      // Off: the image is the pod's container, as before; no guard CronJob, no guard rights.
      expect(pod(o).initContainers.map((c: KubeObject) => c.name)).toEqual(['preflight']);
      expect(pod(o).containers.map((c: KubeObject) => c.name)).toEqual(['backup']);
      expect(guardCronJobOf(o)).toBeUndefined();
      expect(JSON.stringify(only(o, 'Role').rules)).not.toContain('configmaps');
    },
  },
  'guard.schedule': {
    base: S3_BACKUP,
    set: { guard: { schedule: '*/2 * * * *' } },
    check: (o, b) => {
      expect(guardCronJobOf(o)?.spec.schedule).toBe('*/2 * * * *');
      expect(guardCronJobOf(b)?.spec.schedule).toBe('*/5 * * * *');
    },
  },
};

/** Every leaf path of the values spec (aliases are leaves), minus the ones this chart ignores. */
function leafPaths(): string[] {
  const paths: string[] = [];
  walkFields(VALUES_SPEC.fields, (path, field) => {
    if (field.type !== 'object') paths.push(path);
  });
  return paths.filter((p) => p !== 'global' && p !== 'enabled').sort();
}

describe('every values field has an effect', () => {
  test('the table covers exactly the leaf paths of the spec', () => {
    expect(Object.keys(FIELD_CASES).sort()).toEqual(leafPaths());
  });

  test('the spec has the leaves the table was written for (sanity of the walk)', () => {
    expect(leafPaths().length).toBeGreaterThanOrEqual(90);
    expect(leafPaths()).toEqual(expect.arrayContaining(['restore.s3', 'backup.storage.local.path', 'job.activeDeadlineSeconds']));
  });

  /** The objects of each base deployment, synthesized once (26 bases for 147 fields); each test gets its own copy. */
  const baseObjects = onceByKey<string, KubeObject[]>();
  const baseObjectsOf = (base: TestValues): KubeObject[] => structuredClone(baseObjects(JSON.stringify(base), () => synthObjects(base)));

  test.each(Object.entries(FIELD_CASES))('%s', (_path, { base, set, check }) => {
    const baseObjects = baseObjectsOf(base);
    const objects = synthObjects(mergeDocs(base, set));
    // The field changes the manifests...
    expect(JSON.stringify(objects)).not.toBe(JSON.stringify(baseObjects));
    // ...in the way it is documented to.
    check(objects, baseObjects);
  });
});

/** What synth renders for each field's document (release infrahub-backup, namespace infrahub), computed once for both Helm binaries. */
const synthByField = onceByKey<string, unknown>();
const synthOf = (path: string, values: unknown): unknown =>
  synthByField(path, () => objectsOf(synthValues(values as InfrahubBackupValues, { releaseName: 'infrahub-backup', namespace: 'infrahub' })));

/**
 * The same table rendered by `helm template` with Helm 3 and Helm 4: the
 * chart must give the objects synth gives, so a divergence names its field.
 * The documents render in batches (test/support/helm.ts); one whose objects
 * differ from synth's is rendered alone again, and that answer is its verdict.
 */
describe.each(Object.keys(HELMS))('every values field renders alike in %s', (name) => {
  let chart: ChartOutput;
  beforeAll(() => {
    ensureHelm();
    chart = buildTestChart();
  });

  test(`${Object.keys(FIELD_CASES).length} fields`, async () => {
    const entries = Object.entries(FIELD_CASES);
    const requests: TemplateRequest[] = entries.map(([, { base, set }]) => ({ values: mergeDocs(base, set), release: 'infrahub-backup' }));
    const batched = await templateMany(name, chart, requests, 'infrahub');
    const compare = (path: string, rendered: { code: number; stdout: string; stderr: string }, synth: unknown): string | undefined => {
      if (rendered.code !== 0) return `${path}: helm failed: ${rendered.stderr.slice(0, 300)}`;
      try {
        expect(objectsOf(rendered.stdout)).toEqual(synth);
      } catch (e) {
        return `${path}: ${(e as Error).message.slice(0, 1500)}`;
      }
      return undefined;
    };
    const mismatches: Array<string | undefined> = [];
    let again = 0;
    for (const [i, [path]] of entries.entries()) {
      const synth = synthOf(path, requests[i].values);
      let problem = compare(path, batched[i], synth);
      if (problem) {
        again++;
        problem = compare(path, await templateAlone(name, chart, requests[i], 'infrahub'), synth);
      }
      mismatches.push(problem);
    }
    console.log(`${name}: ${entries.length} documents in ${HELM_PROCESSES[name]} Helm processes, ${again} rendered alone again after a difference in a batch`);
    expect(mismatches.filter(Boolean)).toEqual([]);
  }, 600_000);
});
