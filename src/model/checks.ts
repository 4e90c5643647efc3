/**
 * Rules that span several values, which JSON Schema cannot express. The chart
 * applies the same rules (the `infrahub-backup.deployment` helper in
 * _helpers.tpl) with the same texts (messages.ts) and patterns.
 */
import { ValuesProblem } from './errors';
import { durationSeconds } from './max-age';
import { problem } from './messages';
import type { RenderContext, ResolvedValues } from './resolve';
import { re2Subset } from './re2';
import { scheduleProblemId } from './schedule';
import { VALUES_SPEC } from './spec';
import { fieldAt, StringField } from './spec-types';

/** Helm's rule for release names. */
export const RELEASE_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Helm's limit on release names. */
export const RELEASE_NAME_MAX_LENGTH = 53;
/** A DNS-1123 label: a namespace. */
export const NAMESPACE_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** The length limit of a DNS-1123 label. */
export const NAMESPACE_MAX_LENGTH = 63;

/**
 * An argument of `infrahub-backup create` that makes encrypted archives
 * (`--encrypt`, `--encrypt=true`, `--encrypt-key PATH`, `--encrypt-key=PATH`),
 * in a syntax both JavaScript and Go (the chart) read alike.
 */
export const ENCRYPT_ARG_PATTERN = /^--encrypt(-key(=.*)?|=(1|t|T|true|TRUE|True))?$/;

/** Whether the backups write encrypted archives. */
export function encryptsArchives(v: ResolvedValues): boolean {
  const b = v.backup;
  return b.encryption.secretName !== '' || b.options.extraArgs.some((a) => ENCRYPT_ARG_PATTERN.test(a));
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
  } else if (b.verification.enabled && encryptsArchives(v)) {
    problems.push(problem('verificationOfEncrypted'));
  }
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

/** Every cross-field problem of resolved values. */
export function checkValues(v: ResolvedValues, context: RenderContext): ValuesProblem[] {
  const problems: ValuesProblem[] = [];
  checkContext(context, problems);
  checkTimeZone(v, problems);
  if (v.backup.enabled && v.restore.enabled) problems.push(problem('bothEnabled'));
  checkBackup(v, problems);
  checkRestore(v, problems);
  checkMonitoring(v, problems);
  return problems;
}
