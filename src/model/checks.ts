/**
 * Rules that span several values, which JSON Schema cannot express. The chart
 * applies the same rules (the `infrahub-backup.deployment` helper in
 * _helpers.tpl) with the same texts (messages.ts) and patterns.
 */
import { encryptsArchives, keylessEncryption } from './encryption';
import { ValuesProblem } from './errors';
import { durationSeconds, maxAgeUnderivable } from './max-age';
import { problem, warning } from './messages';
import { re2Subset } from './re2';
import { scheduleProblemId } from './schedule';
import { VALUES_SPEC } from './spec';
import { fieldAt, StringField } from './spec-types';
import type { RenderContext, ResolvedValues } from './types';

/** Helm's rule for release names. */
export const RELEASE_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Helm's limit on release names. */
export const RELEASE_NAME_MAX_LENGTH = 53;
/** A DNS-1123 label: a namespace. */
export const NAMESPACE_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** The length limit of a DNS-1123 label. */
export const NAMESPACE_MAX_LENGTH = 63;

/**
 * Whether a CronJob pings the heartbeat: retention, verification or the
 * freshness check of a backup to S3 (the backup and restore pods never do).
 */
export function heartbeatPinged(v: ResolvedValues): boolean {
  const b = v.backup;
  return b.enabled && b.storage.type === 's3' && (v.guard.enabled || b.retention.enabled || b.verification.enabled || v.monitoring.freshness.enabled);
}

function checkContext(context: RenderContext, problems: ValuesProblem[]): void {
  if (!RELEASE_NAME_PATTERN.test(context.release) || context.release.length > RELEASE_NAME_MAX_LENGTH) {
    problems.push(problem('invalidRelease', [context.release]));
  }
  if (context.namespace !== undefined && (!NAMESPACE_PATTERN.test(context.namespace) || context.namespace.length > NAMESPACE_MAX_LENGTH)) {
    problems.push(problem('invalidNamespace', [context.namespace]));
  }
}

function checkSchedule(path: string, schedule: string, problems: ValuesProblem[]): void {
  const found = scheduleProblemId(schedule);
  if (found) problems.push(problem(found[0], found[1], path));
}

/** The time zones Kubernetes knows (the schema only checks their shape, so Helm's error stays short). */
function checkTimeZone(v: ResolvedValues, problems: ValuesProblem[]): void {
  const zone = v.cronJob.timeZone;
  if (!zone) return; // the zone list (tzdata) is read only when a zone is set
  const known = (fieldAt(VALUES_SPEC, 'cronJob.timeZone') as StringField).knownValues ?? [];
  if (!known.includes(zone)) problems.push(problem('unknownTimeZone', [zone]));
}

function checkBackup(v: ResolvedValues, problems: ValuesProblem[]): void {
  const b = v.backup;
  if (!b.enabled) return;
  if (b.mode === 'cronjob') checkSchedule('backup.schedule', b.schedule, problems);
  if (b.storage.type === 's3' && !b.storage.s3.bucket) problems.push(problem('backupBucketMissing'));
  if (b.storage.type === 's3' && b.retention.enabled) checkSchedule('backup.retention.schedule', b.retention.schedule, problems);
  if (b.storage.type === 's3' && b.verification.enabled) checkSchedule('backup.verification.schedule', b.verification.schedule, problems);
  if (b.storage.type === 's3' && v.monitoring.freshness.enabled && !b.verification.enabled) {
    checkSchedule('monitoring.freshness.schedule', v.monitoring.freshness.schedule, problems);
  }
  // The companion CronJobs read S3: with local storage they would fail every night.
  if (b.storage.type === 'local') {
    if (b.retention.enabled) problems.push(problem('retentionNeedsS3'));
    if (b.verification.enabled) problems.push(problem('verificationNeedsS3'));
    if (v.monitoring.freshness.enabled) problems.push(problem('freshnessNeedsS3'));
  } else if ((b.verification.enabled || b.retention.enabled) && encryptsArchives(v)) {
    // Neither can read an encrypted archive: verification has no private key, and retention counts only proven archives.
    if (b.verification.enabled) problems.push(problem('verificationOfEncrypted'));
    if (b.retention.enabled) problems.push(problem('retentionOfEncrypted'));
  }
  const keyless = keylessEncryption(v);
  if (keyless) problems.push(problem(keyless.where === 'args' ? 'encryptWithoutKey' : 'encryptEnvWithoutKey', [keyless.spelling]));
  if (maxAgeUnderivable(v)) problems.push(problem('maxAgeNotDerived', [b.schedule, v.cronJob.timeZone]));
}

function checkRestore(v: ResolvedValues, problems: ValuesProblem[]): void {
  const r = v.restore;
  if (!r.enabled) return;
  if (r.mode === 'cronjob') {
    checkSchedule('restore.schedule', r.schedule, problems);
    if (r.storage.type !== 's3') problems.push(problem('scheduledRestoreNeedsS3'));
  }
  if (r.storage.type === 's3') {
    const s3 = r.storage.s3;
    if (!s3.bucket) problems.push(problem('restoreBucketMissing'));
    if (s3.key && s3.latest) problems.push(problem('keyAndLatest'));
    else if (!s3.key && !s3.latest) problems.push(problem('keyOrLatestMissing'));
    // latest takes only proven archives, and an encrypted one never is (verify cannot read it).
    if (s3.latest && !s3.acceptUnproven && r.decryption.secretName) problems.push(problem('latestOfEncrypted'));
  }
}

/**
 * The alerts' values: a regular expression Prometheus cannot compile makes it
 * refuse the whole rule group; an expected Job duration of 0 (often read as
 * "no limit") would let no running Job hold the alerts.
 */
function checkMonitoring(v: ResolvedValues, problems: ValuesProblem[]): void {
  const p = v.monitoring.prometheusRule;
  if (!p.enabled) return;
  if (durationSeconds(p.expectedJobDuration) === 0) problems.push(problem('jobDurationZero'));
  if (!re2Subset(p.infrahubWorkloads)) problems.push(problem('workloadsPattern', [p.infrahubWorkloads]));
}

/**
 * The NetworkPolicy must let the pods reach their S3 credentials: with an
 * empty S3 `secretName` they come from the ServiceAccount or the node, over
 * endpoints the policy blocks unless `networkPolicy.credentialEndpoints` names them.
 */
function checkCredentialEgress(v: ResolvedValues, problems: ValuesProblem[]): void {
  const n = v.networkPolicy;
  if (!n.enabled || n.credentialEndpoints.length > 0) return;
  let secretPath: string | undefined;
  if (v.backup.enabled && v.backup.storage.type === 's3') {
    if (!v.backup.storage.s3.secretName) secretPath = 'backup.storage.s3.secretName';
  } else if (v.restore.enabled && v.restore.storage.type === 's3') {
    if (!v.restore.storage.s3.secretName) secretPath = 'restore.storage.s3.secretName';
  }
  if (secretPath) problems.push(problem('credentialEgressMissing', [secretPath, secretPath]));
}

/** Every cross-field problem of resolved values. */
export function checkValues(v: ResolvedValues, context: RenderContext): ValuesProblem[] {
  const problems: ValuesProblem[] = [];
  checkContext(context, problems);
  checkTimeZone(v, problems);
  if (v.backup.enabled && v.restore.enabled) problems.push(problem('bothEnabled'));
  checkBackup(v, problems);
  checkRestore(v, problems);
  if (v.guard.enabled && (v.backup.enabled || v.restore.enabled)) checkSchedule('guard.schedule', v.guard.schedule, problems);
  checkMonitoring(v, problems);
  checkCredentialEgress(v, problems);
  if (v.monitoring.heartbeat.secretName && !heartbeatPinged(v)) problems.push(problem('heartbeatWithoutPing'));
  return problems;
}

/**
 * Values that are valid but not applied as written: OpsMill's chart honours
 * them on restores, this one keeps a restore safe instead (never retried,
 * never deleted by a TTL, never overlapping). One `path: text` line each.
 */
export function valuesWarnings(v: ResolvedValues): string[] {
  const r = v.restore;
  if (!r.enabled) return [];
  const warnings: string[] = [];
  if (v.job.backoffLimit !== 0) warnings.push(warning('restoreBackoffLimit', String(v.job.backoffLimit)));
  if ((v.job.ttlSecondsAfterFinished as number | null) !== null) warnings.push(warning('restoreTtl', String(v.job.ttlSecondsAfterFinished)));
  if (r.mode === 'cronjob' && v.cronJob.concurrencyPolicy !== 'Forbid') warnings.push(warning('restoreConcurrencyPolicy', v.cronJob.concurrencyPolicy));
  return warnings;
}
