/**
 * The cross-field problems, each with its value path and its text. The
 * constructs' checks and the chart's `fail` calls both read this table, so a
 * problem reads the same whichever renderer finds it. `%s` stands for the
 * offending value.
 */
export const PROBLEMS = {
  bothEnabled: {
    path: 'restore.enabled',
    text: 'backup.enabled and restore.enabled are both true; they are mutually exclusive: deploy backups and restores from separate releases, or disable one',
  },
  backupBucketMissing: {
    path: 'backup.storage.s3.bucket',
    text: 'is required when backup.storage.type is s3: name the bucket, or set backup.storage.type=local',
  },
  retentionNeedsS3: {
    path: 'backup.retention.enabled',
    text: 'retention deletes old archives in S3, but backup.storage.type is local: nothing would ever delete an archive and the volume would fill up; use s3 storage, or set backup.retention.enabled=false and delete old archives from the volume yourself',
  },
  freshnessNeedsS3: {
    path: 'monitoring.freshness.enabled',
    text: 'the freshness check reads the newest archive\'s age in S3, but backup.storage.type is local: nothing would check it; use s3 storage, or set monitoring.freshness.enabled=false and watch the backup CronJob with monitoring.prometheusRule',
  },
  verificationNeedsS3: {
    path: 'backup.verification.enabled',
    text: 'verification reads the newest archive from S3, but backup.storage.type is local: every run would fail; use s3 storage, or set backup.verification.enabled=false',
  },
  verificationOfEncrypted: {
    path: 'backup.verification.enabled',
    text: 'the archives are encrypted (backup.encryption.secretName or --encrypt in backup.options.extraArgs) and verification has no private key to read them, so every run would fail: set backup.verification.enabled=false and check archives by restoring them (restore.decryption) into a staging instance, or stop encrypting',
  },
  scheduledRestoreNeedsS3: {
    path: 'restore.storage.type',
    text: 'a scheduled restore (restore.mode=cronjob) needs s3 storage: set restore.storage.type=s3',
  },
  restoreBucketMissing: {
    path: 'restore.storage.s3.bucket',
    text: 'is required for a restore from S3: name the bucket holding the archive',
  },
  keyAndLatest: {
    path: 'restore.storage.s3.key',
    text: 'and restore.storage.s3.latest are both set: name one archive (key) or restore the newest (latest), not both',
  },
  keyOrLatestMissing: {
    path: 'restore.storage.s3.key',
    text: 'is required for a restore from S3: give the object key of the archive, or set restore.storage.s3.latest=true',
  },
  invalidRelease: {
    path: 'release',
    text: '"%s" is not a valid release name: use at most 53 lowercase letters, digits, "-" and "."',
  },
  aliasConflict: {
    path: '',
    text: 'is %s but %s is %s; these are two spellings of one setting: keep only %s',
  },
  invalidNamespace: {
    path: 'namespace',
    text: '"%s" is not a valid namespace: use at most 63 lowercase letters, digits and "-"',
  },
  scheduleEmpty: {
    path: '',
    text: 'is empty: give a cron expression such as "0 2 * * *" or a macro such as @daily',
  },
  scheduleTimeZone: {
    path: '',
    text: 'must not contain TZ (Kubernetes refuses TZ= and CRON_TZ= in schedules): set cronJob.timeZone instead',
  },
  scheduleShape: {
    path: '',
    text: '"%s" is not a schedule Kubernetes accepts: give five fields (minute hour day-of-month month day-of-week) separated by spaces, or @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>',
  },
  scheduleField: {
    path: '',
    text: '"%s": the %s field "%s" is not valid; it takes %s',
  },
  scheduleNeverFires: {
    path: '',
    text: '"%s" never fires: none of its months has that day of the month',
  },
  unknownTimeZone: {
    path: 'cronJob.timeZone',
    text: '"%s" is not a time zone Kubernetes knows; it must be an IANA time zone name such as UTC or Europe/Paris',
  },
  jobDurationZero: {
    path: 'monitoring.prometheusRule.expectedJobDuration',
    text: 'is 0, so no running backup or restore Job would hold InfrahubScaledDownAfterBackup and every backup that scales Infrahub down would page: give the longest time a backup or restore Job may run, e.g. "3h"',
  },
  workloadsPattern: {
    path: 'monitoring.prometheusRule.infrahubWorkloads',
    text: '"%s" is not a regular expression that Prometheus is known to accept (RE2), and Prometheus refuses every alert of the group when it refuses one: use literal characters, ".", classes "[a-z]" or "[^a-z]" (ranges in order, no "[" or "]" inside), groups "(...)" or "(?:...)" with balanced parentheses, "|", "^", "$", and "*", "+", "?", "{n}", "{n,}" or "{n,m}" (at most 1000, nested counts multiplied) after a character, a class or a group',
  },
} as const;

export type ProblemId = keyof typeof PROBLEMS;

/** A problem of the table, its `%s` filled in order; `path` overrides the table's. */
export function problem(id: ProblemId, args: string[] = [], path?: string): { path: string; message: string } {
  const entry = PROBLEMS[id];
  let i = 0;
  return { path: path ?? entry.path, message: entry.text.replace(/%s/g, () => args[i++] ?? '') };
}
