/**
 * CronJobs of the companion image that look after the archives in S3:
 * retention, verification and freshness
 * (src/constructs/backup-maintenance-cron-jobs.ts, freshness-cron-job.ts).
 * They need no Kubernetes rights, so their pods do not mount the
 * ServiceAccount token; they ping the heartbeat URL of `monitoring.heartbeat`.
 */
import { algorithm, arg, call, concat, intString, maybe, orDefault, shape, truthy, val } from './expr';
import { companionContainer } from './companion';
import { tmpVolume, workloadPodTemplate } from './pod';
import { cronJobObject } from './workload';

/** A CronJob of the companion image running `s3 <args>` (and `initContainers` first) on the backups' bucket. */
export const maintenanceCronJob = shape('maintenanceCronJob', 'A CronJob of the companion image', ['component', 'name', 'schedule', 'args', 'initContainers'], call(cronJobObject, {
  name: arg('name'),
  component: arg('component'),
  template: call(workloadPodTemplate, {
    component: arg('component'),
    containers: [call(companionContainer, { name: arg('component'), args: arg('args'), s3: val('v.backup.storage.s3'), heartbeat: true })],
    initContainers: orDefault(arg('initContainers'), []),
    volumes: [call(tmpVolume)],
    automountToken: false,
  }),
  backoffLimit: orDefault(val('v.job.backoffLimit'), 0),
  activeDeadlineSeconds: val('v.job.activeDeadlineSeconds'),
  schedule: arg('schedule'),
  concurrencyPolicy: 'Forbid',
}));

/**
 * The freshness check's arguments: fails when the newest restorable archive is
 * older than `monitoring.backupMaxAge`; unproven archives whose ends look
 * complete count (it asks whether backups arrive, not whether they are proven).
 */
export const freshnessArgs = shape('freshnessArgs', 'Arguments of the freshness check', [], ['latest', '--accept-unproven', '--max-age', algorithm('backupMaxAge')]);

/**
 * Deletes old archives on `backup.retention.schedule`: counts only proven
 * archives, keeps every archive newer than the newest proven one.
 */
export const retentionCronJob = shape('retentionCronJob', 'The retention CronJob', [], call(maintenanceCronJob, {
  component: 'retention',
  name: val('names.retentionCronJob'),
  schedule: val('v.backup.retention.schedule'),
  args: concat(
    ['prune', '--keep-last', intString(val('v.backup.retention.keepLast'))],
    maybe(truthy(val('v.backup.retention.keepDays')), '--keep-days', intString(val('v.backup.retention.keepDays'))),
  ),
}));

/**
 * Streams the newest archive on `backup.verification.schedule` and checks
 * every checksum; with `monitoring.freshness`, checks the archive's age first.
 */
export const verificationCronJob = shape('verificationCronJob', 'The verification CronJob', [], call(maintenanceCronJob, {
  component: 'verification',
  name: val('names.verificationCronJob'),
  schedule: val('v.backup.verification.schedule'),
  args: ['verify', '--latest'],
  initContainers: maybe(
    truthy(val('v.monitoring.freshness.enabled')),
    call(companionContainer, { name: 'freshness', args: call(freshnessArgs), s3: val('v.backup.storage.s3'), heartbeat: true }),
  ),
}));

/** The freshness-only CronJob, when verification is off. */
export const freshnessCronJob = shape('freshnessCronJob', 'The freshness CronJob', [], call(maintenanceCronJob, {
  component: 'freshness',
  name: val('names.freshnessCronJob'),
  schedule: val('v.monitoring.freshness.schedule'),
  args: call(freshnessArgs),
}));
