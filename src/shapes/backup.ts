/**
 * The backup pod, its Job and CronJob, and the claim of local archives
 * (src/constructs/backup-*.ts).
 */
import { and, call, concat, eq, format, maybe, merge, not, omitEmpty, orDefault, shape, truthy, val, when } from './expr';
import { preflightContainer } from './companion';
import { clearContainer, guardOn, recordContainer } from './guard';
import { emptyDir, KEYS_DIR, podTemplate } from './pod';
import { cronJobObject, jobObject, metadata } from './workload';

const storage = 'v.backup.storage';
const isS3 = eq(val(`${storage}.type`), 's3');

/** Whether local archives are kept on a PersistentVolumeClaim. */
export const persistsLocally = and(eq(val(`${storage}.type`), 'local'), truthy(val(`${storage}.local.persistence.enabled`)));

/** Arguments of `infrahub-backup create`, per the image's contract. */
export const backupArgs = shape(
  'backupArgs',
  'Arguments of infrahub-backup create',
  [],
  concat(
    ['create'],
    maybe(truthy(val('v.backup.options.force')), '--force'),
    maybe(truthy(val('v.backup.options.excludeTaskmanager')), '--exclude-taskmanager'),
    [format('--neo4jmetadata=%s', val('v.backup.options.neo4jMetadata'))],
    when(isS3, concat(['--s3-upload'], maybe(truthy(val('v.backup.options.keepLocal')), '--s3-keep-local')), []),
    maybe(truthy(val('v.backup.encryption.secretName')), format(`--encrypt-key=${KEYS_DIR}/%s`, val('v.backup.encryption.key'))),
    maybe(and(eq(val(`${storage}.type`), 'local'), not(persistsLocally), truthy(val('v.backup.options.sleep'))), format('--sleep=%s', val('v.backup.options.sleep'))),
    val('v.backup.options.extraArgs'),
  ),
);

const s3 = when(isS3, val(`${storage}.s3`), {});

/** The backup pod template. */
export const backupPodTemplate = shape('backupPodTemplate', 'The backup pod template', [], call(podTemplate, {
  component: 'backup',
  initContainers: concat(
    maybe(and(isS3, truthy(val('v.companion.preflight'))), call(preflightContainer, { purpose: 'backup', s3 })),
    maybe(guardOn, call(recordContainer, { purpose: 'backup', startFile: when(isS3, true, false) })),
  ),
  // With the guard: the image runs as the last init container, then the proof of its upload and `guard clear`.
  after: when(guardOn, call(clearContainer, { s3 }), {}),
  handoff: when(and(guardOn, isS3), true, false),
  args: call(backupArgs),
  storagePath: val(`${storage}.path`),
  storageVolume: when(persistsLocally, { persistentVolumeClaim: { claimName: val('names.backupClaim') } }, call(emptyDir, { sizeLimit: val('v.scratch.sizeLimit') })),
  s3,
  keySecret: when(truthy(val('v.backup.encryption.secretName')), { secretName: val('v.backup.encryption.secretName'), key: val('v.backup.encryption.key') }, {}),
}));

/** The one-shot backup Job. */
export const backupJob = shape('backupJob', 'The backup Job', [], call(jobObject, {
  name: val('names.backupJob'),
  component: 'backup',
  template: call(backupPodTemplate),
  backoffLimit: orDefault(val('v.job.backoffLimit'), 0),
  activeDeadlineSeconds: val('v.job.activeDeadlineSeconds'),
  ttlSecondsAfterFinished: val('v.job.ttlSecondsAfterFinished'),
}));

/** The CronJob that runs backups on `backup.schedule`. */
export const backupCronJob = shape('backupCronJob', 'The backup CronJob', [], call(cronJobObject, {
  name: val('names.backupCronJob'),
  component: 'backup',
  template: call(backupPodTemplate),
  backoffLimit: orDefault(val('v.job.backoffLimit'), 0),
  activeDeadlineSeconds: val('v.job.activeDeadlineSeconds'),
  schedule: val('v.backup.schedule'),
  concurrencyPolicy: val('v.cronJob.concurrencyPolicy'),
}));

/**
 * What keeps the claim, and the archives on it, when the objects around it go:
 * Helm keeps it on uninstall and when a change of values stops rendering it,
 * and Argo CD never prunes it.
 */
export const BACKUP_CLAIM_ANNOTATIONS: Readonly<Record<string, string>> = {
  'helm.sh/resource-policy': 'keep',
  'argocd.argoproj.io/sync-options': 'Prune=false',
};

const persistence = 'v.backup.storage.local.persistence';

/** The PersistentVolumeClaim that keeps local archives beyond the pod. */
export const backupClaim = shape('backupClaim', 'The claim of local archives', [], {
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: merge({ annotations: BACKUP_CLAIM_ANNOTATIONS }, call(metadata, { name: val('names.backupClaim'), component: 'backup' })),
  spec: {
    accessModes: val(`${persistence}.accessModes`),
    resources: { requests: { storage: val(`${persistence}.size`) } },
    storageClassName: omitEmpty(val(`${persistence}.storageClassName`)),
  },
});
