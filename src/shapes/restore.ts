/**
 * The restore pod, its Job and CronJob (src/constructs/restore-*.ts).
 */
import { and, call, concat, eq, format, maybe, not, shape, truthy, val, when } from './expr';
import { ARCHIVE_URI_FILE, latestArchiveContainer, preflightContainer } from './companion';
import { clearContainer, guardOn, recordContainer } from './guard';
import { emptyDir, KEYS_DIR, podTemplate } from './pod';
import { cronJobObject, jobObject } from './workload';

/** The image's entrypoint. */
export const IMAGE_ENTRYPOINT = '/usr/local/bin/infrahub-backup';

const storage = 'v.restore.storage';
const isLocal = eq(val(`${storage}.type`), 'local');
const isS3 = eq(val(`${storage}.type`), 's3');
/** The newest archive, found by the `find-latest` init container. */
const latest = and(isS3, truthy(val(`${storage}.s3.latest`)));

/** The archive to restore: an `s3://` URI or a file in the backup directory; empty for the newest archive. */
export const restoreSource = shape(
  'restoreSource',
  'The archive to restore',
  [],
  when(
    isLocal,
    format('%s/%s', val(`${storage}.path`), val(`${storage}.local.filename`)),
    when(truthy(val(`${storage}.s3.latest`)), '', format('s3://%s/%s', val(`${storage}.s3.bucket`), val(`${storage}.s3.key`))),
  ),
);

/** Flags of `infrahub-backup restore`, per the image's contract. */
export const restoreFlags = shape(
  'restoreFlags',
  'Flags of infrahub-backup restore',
  [],
  concat(
    maybe(truthy(val('v.restore.options.excludeTaskmanager')), '--exclude-taskmanager'),
    maybe(truthy(val('v.restore.options.migrateFormat')), '--migrate-format'),
    maybe(truthy(val('v.restore.options.resetDeploymentId')), '--reset-deployment-id'),
    maybe(truthy(val('v.restore.decryption.secretName')), format(`--decrypt-key=${KEYS_DIR}/%s`, val('v.restore.decryption.key'))),
    maybe(and(isLocal, not(truthy(val(`${storage}.local.existingClaim`))), truthy(val('v.restore.options.sleep'))), format('--sleep=%s', val('v.restore.options.sleep'))),
    val('v.restore.options.extraArgs'),
  ),
);

/**
 * The restore pod template. For the newest archive the source is read from
 * the file the `find-latest` init container wrote, through the image's shell:
 * the URI becomes the first argument and the flags follow unchanged ("$@"),
 * so any image version works.
 */
export const restorePodTemplate = shape('restorePodTemplate', 'The restore pod template', [], call(podTemplate, {
  component: 'restore',
  args: when(latest, call(restoreFlags), concat(['restore', call(restoreSource)], call(restoreFlags))),
  command: maybe(latest, '/bin/sh', '-c', `exec ${IMAGE_ENTRYPOINT} restore "$(cat ${ARCHIVE_URI_FILE})" "$@"`, 'infrahub-backup'),
  initContainers: concat(
    when(
      latest,
      [call(latestArchiveContainer)],
      maybe(and(isS3, truthy(val('v.companion.preflight'))), call(preflightContainer, { purpose: 'restore', s3: val(`${storage}.s3`), uri: call(restoreSource) })),
    ),
    maybe(guardOn, call(recordContainer, { purpose: 'restore' })),
  ),
  // With the guard: the image runs as the last init container, then `guard clear`.
  after: when(guardOn, call(clearContainer), {}),
  handoff: when(latest, true, false),
  storagePath: val(`${storage}.path`),
  storageVolume: when(
    and(isLocal, truthy(val(`${storage}.local.existingClaim`))),
    { persistentVolumeClaim: { claimName: val(`${storage}.local.existingClaim`) } },
    call(emptyDir, { sizeLimit: val('v.scratch.sizeLimit') }),
  ),
  s3: when(isS3, val(`${storage}.s3`), {}),
  keySecret: when(truthy(val('v.restore.decryption.secretName')), { secretName: val('v.restore.decryption.secretName'), key: val('v.restore.decryption.key') }, {}),
}));

/**
 * The one-shot restore Job: never retried (`backoffLimit: 0`), never deleted
 * by a TTL, named after the restore request.
 */
export const restoreJob = shape('restoreJob', 'The restore Job', [], call(jobObject, {
  name: val('names.restoreJob'),
  component: 'restore',
  template: call(restorePodTemplate),
  backoffLimit: 0,
  activeDeadlineSeconds: val('v.job.activeDeadlineSeconds'),
}));

/** A scheduled restore: runs never overlap (`Forbid`) and a failed run is never retried. */
export const restoreCronJob = shape('restoreCronJob', 'The restore CronJob', [], call(cronJobObject, {
  name: val('names.restoreCronJob'),
  component: 'restore',
  template: call(restorePodTemplate),
  backoffLimit: 0,
  activeDeadlineSeconds: val('v.job.activeDeadlineSeconds'),
  schedule: val('v.restore.schedule'),
  concurrencyPolicy: 'Forbid',
}));
