/**
 * CronJobs of the companion image that look after the archives in S3:
 * retention, verification (with the Object Lock and second-copy steps) and freshness
 * (src/constructs/backup-maintenance-cron-jobs.ts, freshness-cron-job.ts).
 * They need no Kubernetes rights, so their pods do not mount the
 * ServiceAccount token; they ping the heartbeat URL of `monitoring.heartbeat`.
 */
import { algorithm, and, arg, call, concat, intString, maybe, or, orDefault, shape, truthy, val, when } from './expr';
import { companionContainer } from './companion';
import { copyEnv, tmpVolume, workloadPodTemplate } from './pod';
import { cronJobObject } from './workload';

/**
 * A CronJob of the companion image running `s3 <args>` (and `initContainers`
 * first) on the backups' bucket; `containers`, when given, replace that one container.
 */
export const maintenanceCronJob = shape('maintenanceCronJob', 'A CronJob of the companion image', ['component', 'name', 'schedule', 'args', 'initContainers', 'containers'], call(cronJobObject, {
  name: arg('name'),
  component: arg('component'),
  template: call(workloadPodTemplate, {
    component: arg('component'),
    containers: when(
      truthy(arg('containers')),
      arg('containers'),
      [call(companionContainer, { name: arg('component'), args: arg('args'), s3: val('v.backup.storage.s3'), heartbeat: true })],
    ),
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

/** The calendar rules of `backup.retention`, each with its `s3 prune` flag. */
const CALENDAR_RULES = [
  ['keepDaily', '--keep-daily'],
  ['keepWeekly', '--keep-weekly'],
  ['keepMonthly', '--keep-monthly'],
  ['keepYearly', '--keep-yearly'],
] as const;
const calendarRetention = or(...CALENDAR_RULES.map(([key]) => truthy(val(`v.backup.retention.${key}`))));

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
    ...CALENDAR_RULES.map(([key, flag]) => maybe(truthy(val(`v.backup.retention.${key}`)), flag, intString(val(`v.backup.retention.${key}`)))),
    // The calendar's days, weeks, months and years are those of the schedules' zone (prune's default: UTC).
    maybe(and(calendarRetention, truthy(val('v.cronJob.timeZone'))), '--time-zone', val('v.cronJob.timeZone')),
  ),
}));

const lockOn = truthy(val('v.backup.objectLock.enabled'));
const copyOn = truthy(val('v.backup.storage.s3.copy.enabled'));

/** Streams the newest archive, checks every checksum and records the proof beside it. */
export const verifyContainer = shape('verifyContainer', 'The verification step', [], call(companionContainer, {
  name: 'verification',
  args: ['verify', '--latest'],
  s3: val('v.backup.storage.s3'),
  heartbeat: true,
}));

/** `backup.objectLock`: locks every restorable archive that has no retention in force. */
export const lockContainer = shape('lockContainer', 'The Object Lock step', [], call(companionContainer, {
  name: 'lock',
  args: ['lock', '--mode', val('v.backup.objectLock.mode'), '--days', intString(val('v.backup.objectLock.days'))],
  s3: val('v.backup.storage.s3'),
}));

/** `backup.storage.s3.copy`: copies the proven archives the second location lacks (its settings in the `COPY_` variables). */
export const copyContainer = shape('copyContainer', 'The second-copy step', [], call(companionContainer, {
  name: 'copy',
  args: ['copy', '--max-copies', intString(val('v.backup.storage.s3.copy.maxCopies'))],
  s3: val('v.backup.storage.s3'),
  env: call(copyEnv, { s3: val('v.backup.storage.s3.copy') }),
}));

/**
 * Streams the newest archive on `backup.verification.schedule` and checks
 * every checksum; with `monitoring.freshness`, checks the archive's age first.
 * Then, in this order and each only once the step before succeeded, locks the
 * archives (`backup.objectLock`) and copies them to the second location
 * (`backup.storage.s3.copy`): both act on what verification proves, so they
 * run right after it rather than at a guessed later time. The steps are init
 * containers, which a pod runs one after the other; the last step is its container.
 */
export const verificationCronJob = shape('verificationCronJob', 'The verification CronJob', [], call(maintenanceCronJob, {
  component: 'verification',
  name: val('names.verificationCronJob'),
  schedule: val('v.backup.verification.schedule'),
  initContainers: concat(
    maybe(
      truthy(val('v.monitoring.freshness.enabled')),
      call(companionContainer, { name: 'freshness', args: call(freshnessArgs), s3: val('v.backup.storage.s3'), heartbeat: true }),
    ),
    maybe(or(lockOn, copyOn), call(verifyContainer)),
    maybe(and(lockOn, copyOn), call(lockContainer)),
  ),
  containers: [when(copyOn, call(copyContainer), when(lockOn, call(lockContainer), call(verifyContainer)))],
}));

/** The freshness-only CronJob, when verification is off. */
export const freshnessCronJob = shape('freshnessCronJob', 'The freshness CronJob', [], call(maintenanceCronJob, {
  component: 'freshness',
  name: val('names.freshnessCronJob'),
  schedule: val('v.monitoring.freshness.schedule'),
  args: call(freshnessArgs),
}));
