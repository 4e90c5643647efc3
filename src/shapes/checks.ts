/**
 * The cross-field checks and the warnings of the values, described once as
 * tables of rows: a condition on the check scope and the problem it finds.
 * `src/model/checks.ts` evaluates them in TypeScript; the chart build writes
 * them as the generated defines `infrahub-backup.crossFieldProblems` and
 * `infrahub-backup.warnings` (src/helm/shapes-emitter.ts).
 *
 * The check scope: `v` (the resolved values), `release`, `namespace` (absent
 * when the constructs are given none), and in the chart only `c` and `p` (the
 * constants and texts the hand-written algorithms read).
 */
import type { ProblemId, WarningId } from '../model/messages';
import { algorithm, and, eq, expr, has, intString, longer, matches, not, or, present, truthy, val, type Cond, type Expr, type Template } from './expr';

/** Helm's rule for release names. */
export const RELEASE_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Helm's limit on release names. */
export const RELEASE_NAME_MAX_LENGTH = 53;
/** A DNS-1123 label: a namespace. */
export const NAMESPACE_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** The length limit of a DNS-1123 label. */
export const NAMESPACE_MAX_LENGTH = 63;

/** One check: when `when` holds, the problem `id` (its path and text in messages.ts, `%s` filled by `args`), or a line `path: text` whose text is computed. */
export type CheckRow =
  | { readonly name: string; readonly when: Cond; readonly id: ProblemId; readonly args?: readonly Expr[] }
  | { readonly name: string; readonly when: Cond; readonly path: string; readonly text: Expr };

const row = (id: ProblemId, when: Cond, ...args: Template[]): CheckRow => ({ name: id, when, id, args: args.map(expr) });

const on = (path: string): Cond => truthy(val(`v.${path}`));
const backup = on('backup.enabled');
const backupS3 = and(backup, eq(val('v.backup.storage.type'), 's3'));
const backupLocal = and(backup, eq(val('v.backup.storage.type'), 'local'));
const restore = on('restore.enabled');
const restoreS3 = and(restore, eq(val('v.restore.storage.type'), 's3'));
const rule = on('monitoring.prometheusRule.enabled');

const scheduleText = (path: string): Expr => algorithm('scheduleProblem', { s: val(`v.${path}`), c: val('c'), p: val('p') });
/** The schedule at `path`, checked when `when` holds (schedule.ts). */
const schedule = (path: string, when: Cond): CheckRow => ({ name: path, when: and(when, truthy(scheduleText(path))), path, text: scheduleText(path) });
const keyless = (where: 'args' | 'env'): Expr => algorithm('keylessEncryption', { where, v: val('v'), c: val('c') });
const encrypted = and(not(eq(val('v.backup.storage.type'), 'local')), or(on('backup.verification.enabled'), on('backup.retention.enabled')), truthy(algorithm('encryptsArchives')));
/** Whether something pings the heartbeat: a backup to S3, from its pod with the scale guard, or its retention, verification or freshness CronJob. */
const heartbeatPinged = and(backupS3, or(on('guard.enabled'), on('backup.retention.enabled'), on('backup.verification.enabled'), on('monitoring.freshness.enabled')));
/** The verification CronJob runs (S3 storage), the place of the lock and copy steps. */
const verified = and(eq(val('v.backup.storage.type'), 's3'), on('backup.verification.enabled'));
const credentialEgress = and(on('networkPolicy.enabled'), not(on('networkPolicy.credentialEndpoints')));

/**
 * The cross-field checks, in the order the constructs report them. To add
 * one: a row here (a problem of messages.ts PROBLEMS, and the condition that
 * finds it), its name in CHART_ORDER, and a test in test/model.
 */
export const CHECKS: readonly CheckRow[] = [
  row('invalidRelease', or(not(matches(RELEASE_NAME_PATTERN.source, val('release'))), longer(val('release'), RELEASE_NAME_MAX_LENGTH)), val('release')),
  row('invalidNamespace', and(present(val('namespace')), or(not(matches(NAMESPACE_PATTERN.source, val('namespace'))), longer(val('namespace'), NAMESPACE_MAX_LENGTH))), val('namespace')),
  // The time zones Kubernetes knows (the schema only checks their shape, so Helm's error stays short).
  row('unknownTimeZone', and(on('cronJob.timeZone'), not(has(algorithm('timeZones'), val('v.cronJob.timeZone')))), val('v.cronJob.timeZone')),
  row('bothEnabled', and(backup, restore)),
  schedule('backup.schedule', and(backup, eq(val('v.backup.mode'), 'cronjob'))),
  row('backupBucketMissing', and(backupS3, not(on('backup.storage.s3.bucket')))),
  schedule('backup.retention.schedule', and(backupS3, on('backup.retention.enabled'))),
  schedule('backup.verification.schedule', and(backupS3, on('backup.verification.enabled'))),
  schedule('monitoring.freshness.schedule', and(backupS3, on('monitoring.freshness.enabled'), not(on('backup.verification.enabled')))),
  // The companion CronJobs read S3: with local storage they would fail every night.
  row('retentionNeedsS3', and(backupLocal, on('backup.retention.enabled'))),
  row('verificationNeedsS3', and(backupLocal, on('backup.verification.enabled'))),
  row('freshnessNeedsS3', and(backupLocal, on('monitoring.freshness.enabled'))),
  // Neither can read an encrypted archive: verification has no private key, and retention counts only proven archives.
  row('verificationOfEncrypted', and(backup, encrypted, on('backup.verification.enabled'))),
  row('retentionOfEncrypted', and(backup, encrypted, on('backup.retention.enabled'))),
  row('encryptWithoutKey', and(backup, truthy(keyless('args'))), keyless('args')),
  row('encryptEnvWithoutKey', and(backup, truthy(keyless('env'))), keyless('env')),
  // The second copy and Object Lock are steps of the verification CronJob, after s3 verify.
  row('copyNeedsVerification', and(backup, on('backup.storage.s3.copy.enabled'), not(verified))),
  row('copyBucketMissing', and(backup, on('backup.storage.s3.copy.enabled'), not(on('backup.storage.s3.copy.bucket')))),
  row('objectLockNeedsVerification', and(backup, on('backup.objectLock.enabled'), not(verified))),
  // The schema keeps days at 0 or more: 0 is the only value under 1.
  row('objectLockDaysMissing', and(backup, on('backup.objectLock.enabled'), not(on('backup.objectLock.days')))),
  row(
    'maxAgeNotDerived',
    and(
      backup,
      on('cronJob.timeZone'),
      not(on('monitoring.backupMaxAge')),
      or(and(rule, eq(val('v.backup.mode'), 'cronjob')), on('monitoring.freshness.enabled')),
      not(truthy(scheduleText('backup.schedule'))),
      truthy(algorithm('maxAgeUnderivable', { c: val('c'), schedule: val('v.backup.schedule'), zone: val('v.cronJob.timeZone') })),
    ),
    val('v.backup.schedule'),
    val('v.cronJob.timeZone'),
  ),
  schedule('restore.schedule', and(restore, eq(val('v.restore.mode'), 'cronjob'))),
  row('scheduledRestoreNeedsS3', and(restore, eq(val('v.restore.mode'), 'cronjob'), not(eq(val('v.restore.storage.type'), 's3')))),
  row('restoreBucketMissing', and(restoreS3, not(on('restore.storage.s3.bucket')))),
  row('keyAndLatest', and(restoreS3, on('restore.storage.s3.key'), on('restore.storage.s3.latest'))),
  row('keyOrLatestMissing', and(restoreS3, not(on('restore.storage.s3.key')), not(on('restore.storage.s3.latest')))),
  // latest takes only proven archives, and an encrypted one never is (verify cannot read it).
  row('latestOfEncrypted', and(restoreS3, on('restore.storage.s3.latest'), not(on('restore.storage.s3.acceptUnproven')), on('restore.decryption.secretName'))),
  schedule('guard.schedule', and(on('guard.enabled'), or(backup, restore))),
  // The alerts' values: an expected Job duration of 0 (often read as "no limit") would let no running Job hold the alerts;
  // a regular expression Prometheus cannot compile makes it refuse the whole rule group.
  row('jobDurationZero', and(rule, eq(algorithm('durationSeconds', val('v.monitoring.prometheusRule.expectedJobDuration')), '0'))),
  row('workloadsPattern', and(rule, not(truthy(algorithm('re2Subset', { re: val('v.monitoring.prometheusRule.infrahubWorkloads'), c: val('c') })))), val('v.monitoring.prometheusRule.infrahubWorkloads')),
  // The NetworkPolicy must let the pods reach their S3 credentials: with an empty S3 secretName they come from the
  // ServiceAccount or the node, over endpoints the policy blocks unless networkPolicy.credentialEndpoints names them.
  { ...row('credentialEgressMissing', and(credentialEgress, backupS3, not(on('backup.storage.s3.secretName'))), 'backup.storage.s3.secretName', 'backup.storage.s3.secretName'), name: 'credentialEgressMissing.backup' },
  {
    ...row('credentialEgressMissing', and(credentialEgress, not(backupS3), restoreS3, not(on('restore.storage.s3.secretName'))), 'restore.storage.s3.secretName', 'restore.storage.s3.secretName'),
    name: 'credentialEgressMissing.restore',
  },
  // Only a backup to S3 pings the heartbeat: its pod with the scale guard, its retention, verification and freshness CronJobs.
  row('heartbeatWithoutPing', and(on('monitoring.heartbeat.secretName'), not(heartbeatPinged))),
];

/**
 * The order in which the chart reports the same problems (rows by name): it
 * has always checked the schedules after the other problems of a backup.
 * Every row appears once (the chart build fails otherwise).
 */
export const CHART_ORDER: readonly string[] = [
  'invalidRelease',
  'invalidNamespace',
  'bothEnabled',
  'unknownTimeZone',
  'backupBucketMissing',
  'retentionNeedsS3',
  'verificationNeedsS3',
  'freshnessNeedsS3',
  'verificationOfEncrypted',
  'retentionOfEncrypted',
  'encryptWithoutKey',
  'encryptEnvWithoutKey',
  'copyNeedsVerification',
  'copyBucketMissing',
  'objectLockNeedsVerification',
  'objectLockDaysMissing',
  'backup.schedule',
  'backup.retention.schedule',
  'backup.verification.schedule',
  'monitoring.freshness.schedule',
  'restore.schedule',
  'guard.schedule',
  'maxAgeNotDerived',
  'scheduledRestoreNeedsS3',
  'restoreBucketMissing',
  'keyAndLatest',
  'keyOrLatestMissing',
  'latestOfEncrypted',
  'jobDurationZero',
  'workloadsPattern',
  'credentialEgressMissing.backup',
  'credentialEgressMissing.restore',
  'heartbeatWithoutPing',
];

/** One warning: when `when` holds, the warning `id` of messages.ts WARNINGS, `%s` filled by `value`. */
export interface WarningRow {
  readonly id: WarningId;
  readonly when: Cond;
  readonly value: Expr;
}

/**
 * Values that are valid but not applied as written: OpsMill's chart honours
 * them on restores, this one keeps a restore safe instead (never retried,
 * never deleted by a TTL, never overlapping).
 */
export const WARNING_ROWS: readonly WarningRow[] = [
  { id: 'restoreBackoffLimit', when: and(restore, on('job.backoffLimit')), value: intString(val('v.job.backoffLimit')) },
  { id: 'restoreTtl', when: and(restore, present(val('v.job.ttlSecondsAfterFinished'))), value: intString(val('v.job.ttlSecondsAfterFinished')) },
  {
    id: 'restoreConcurrencyPolicy',
    when: and(restore, eq(val('v.restore.mode'), 'cronjob'), not(eq(val('v.cronJob.concurrencyPolicy'), 'Forbid'))),
    value: val('v.cronJob.concurrencyPolicy'),
  },
];
