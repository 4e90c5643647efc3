/**
 * Rules that span several values, which JSON Schema cannot express. Each
 * problem names the value path and how to fix it.
 */
import { ValuesProblem } from './errors';
import type { RenderContext, ResolvedValues } from './resolve';
import { isKnownTimeZone, scheduleProblem } from './schedule';

const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function checkContext(context: RenderContext, problems: ValuesProblem[]): void {
  if (!RELEASE_NAME.test(context.release) || context.release.length > 53) {
    problems.push({
      path: 'release',
      message: `"${context.release}" is not a valid release name: use at most 53 lowercase letters, digits, "-" and "."`,
    });
  }
  if (!DNS_LABEL.test(context.namespace) || context.namespace.length > 63) {
    problems.push({
      path: 'namespace',
      message: `"${context.namespace}" is not a valid namespace: use at most 63 lowercase letters, digits and "-"`,
    });
  }
}

function checkSchedule(path: string, schedule: string, problems: ValuesProblem[]): void {
  const problem = scheduleProblem(schedule);
  if (problem) problems.push({ path, message: problem });
}

function checkBackup(v: ResolvedValues, problems: ValuesProblem[]): void {
  const b = v.backup;
  if (!b.enabled) return;
  if (b.mode === 'cronjob') checkSchedule('backup.schedule', b.schedule, problems);
  if (b.storage.type === 's3' && !b.storage.s3.bucket) {
    problems.push({ path: 'backup.storage.s3.bucket', message: 'is required when backup.storage.type is s3: name the bucket, or set backup.storage.type=local' });
  }
  if (b.storage.type === 'local' && b.mode === 'cronjob' && !b.storage.local.persistence.enabled) {
    problems.push({
      path: 'backup.storage.local.persistence.enabled',
      message: 'scheduled local backups would vanish with each pod: set it to true (a PersistentVolumeClaim) or use backup.storage.type=s3',
    });
  }
}

function checkRestore(v: ResolvedValues, problems: ValuesProblem[]): void {
  const r = v.restore;
  if (!r.enabled) return;
  if (r.mode === 'cronjob') {
    checkSchedule('restore.schedule', r.schedule, problems);
    if (r.storage.type !== 's3') {
      problems.push({ path: 'restore.storage.type', message: 'a scheduled restore (restore.mode=cronjob) needs s3 storage: set restore.storage.type=s3' });
    }
  }
  if (r.storage.type === 's3') {
    const s3 = r.storage.s3;
    if (!s3.bucket) {
      problems.push({ path: 'restore.storage.s3.bucket', message: 'is required for a restore from S3: name the bucket holding the archive' });
    }
    if (s3.key && s3.latest) {
      problems.push({ path: 'restore.storage.s3.key', message: 'and restore.storage.s3.latest are both set: name one archive (key) or restore the newest (latest), not both' });
    } else if (!s3.key && !s3.latest) {
      problems.push({ path: 'restore.storage.s3.key', message: 'is required for a restore from S3: give the object key of the archive, or set restore.storage.s3.latest=true' });
    }
  }
}

/** Every cross-field problem of resolved values. */
export function checkValues(v: ResolvedValues, context: RenderContext): ValuesProblem[] {
  const problems: ValuesProblem[] = [];
  checkContext(context, problems);
  if (v.backup.enabled && v.restore.enabled) {
    problems.push({
      path: 'restore.enabled',
      message: 'backup.enabled and restore.enabled are both true; they are mutually exclusive: deploy backups and restores from separate releases, or disable one',
    });
  }
  checkBackup(v, problems);
  checkRestore(v, problems);
  if (v.cronJob.timeZone && !isKnownTimeZone(v.cronJob.timeZone)) {
    problems.push({ path: 'cronJob.timeZone', message: `"${v.cronJob.timeZone}" is not a known IANA time zone: use a name such as UTC or Europe/Paris` });
  }
  return problems;
}
