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
  heartbeatWithoutPing: {
    path: 'monitoring.heartbeat.secretName',
    text: 'names the heartbeat, but nothing would ping it: only a backup to S3 pings, from its pod once its archive has landed (guard.enabled) and from the retention, verification and freshness CronJobs (backup.retention.enabled, backup.verification.enabled, monitoring.freshness.enabled), so the heartbeat service would only ever see silence; enable one of them, or set monitoring.heartbeat.secretName=""',
  },
  verificationNeedsS3: {
    path: 'backup.verification.enabled',
    text: 'verification reads the newest archive from S3, but backup.storage.type is local: every run would fail; use s3 storage, or set backup.verification.enabled=false',
  },
  verificationOfEncrypted: {
    path: 'backup.verification.enabled',
    text: 'the archives are encrypted (backup.encryption.secretName or --encrypt in backup.options.extraArgs) and verification has no private key to read them, so every run would fail: set backup.verification.enabled=false and check archives by restoring them (restore.decryption) into a staging instance, or stop encrypting',
  },
  retentionOfEncrypted: {
    path: 'backup.retention.enabled',
    text: 'the archives are encrypted (backup.encryption.secretName or --encrypt in backup.options.extraArgs), and retention deletes only past archives s3 verify has proven restorable, which it cannot do without the private key: every run would keep everything and fail. Expire old archives with a lifecycle rule of the bucket instead, and set backup.retention.enabled=false',
  },
  encryptWithoutKey: {
    path: 'backup.options.extraArgs',
    text: '"%s" encrypts every archive, and without a key of yours the tool encrypts to OpsMill\'s built-in public key: only OpsMill could decrypt the archives, so no backup could be restored. Make a key pair with `infrahub-backup keygen`, put the public key in a Secret and name it in backup.encryption.secretName (keep the private key outside this cluster and bucket, see docs/encryption.md), or remove the argument',
  },
  encryptEnvWithoutKey: {
    path: 'extraEnv',
    text: '%s turns on encryption, and without a key of yours the tool encrypts to OpsMill\'s built-in public key: only OpsMill could decrypt the archives, so no backup could be restored. Make a key pair with `infrahub-backup keygen`, put the public key in a Secret and name it in backup.encryption.secretName (keep the private key outside this cluster and bucket, see docs/encryption.md), or remove the variable',
  },
  backupStorageUnset: {
    path: 'backup.storage.type',
    text: 'is empty and backup.storage.s3.bucket is not set: the archive would go to an emptyDir and vanish with the pod (OpsMill\'s chart means s3 here). Name the bucket in backup.storage.s3.bucket, or choose local storage explicitly with backup.storage.type=local (and backup.storage.local.persistence.enabled=true to keep the archives)',
  },
  credentialEgressMissing: {
    path: 'networkPolicy.credentialEndpoints',
    text: 'is empty while %s is empty (credentials from the ServiceAccount or the node) and the NetworkPolicy blocks every credential endpoint, so S3 would refuse each upload and download: list where the pods get credentials (eks-pod-identity: EKS Pod Identity at 169.254.170.23:80; instance-metadata: EC2 IMDS or GKE\'s metadata server at 169.254.169.254:80; web-identity: IRSA or Azure workload identity, STS or Entra ID over HTTPS on 443), or name a Secret in %s',
  },
  copyNeedsVerification: {
    path: 'backup.storage.s3.copy.enabled',
    text: 'the second copy is a step of the verification CronJob, right after s3 verify proves the night\'s archive (s3 copy copies proven archives only), but there is no verification: set backup.verification.enabled=true (S3 storage, unencrypted archives), or set backup.storage.s3.copy.enabled=false (encrypted archives are copied by s3 copy --accept-unproven, run yourself: docs/copy.md)',
  },
  copyBucketMissing: {
    path: 'backup.storage.s3.copy.bucket',
    text: 'is required when backup.storage.s3.copy.enabled is true: name the bucket of the second copy',
  },
  objectLockNeedsVerification: {
    path: 'backup.objectLock.enabled',
    text: 's3 lock is a step of the verification CronJob, right after s3 verify, but there is no verification: set backup.verification.enabled=true (S3 storage, unencrypted archives), or set backup.objectLock.enabled=false and give the bucket a default retention, which locks every upload without s3 lock (docs/retention.md)',
  },
  objectLockDaysMissing: {
    path: 'backup.objectLock.days',
    text: 'is 0 while backup.objectLock.enabled is true: give the days each archive stays locked after its upload, at least 1 (the storage is paid until then, and a COMPLIANCE lock cannot be shortened)',
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
  latestOfEncrypted: {
    path: 'restore.storage.s3.latest',
    text: 'restores the newest archive s3 verify proved restorable, and encrypted archives (restore.decryption.secretName is set) are never proven (verify holds no private key), so the restore would find none: set restore.storage.s3.acceptUnproven=true to take the newest whose first and last bytes look complete, or name the archive in restore.storage.s3.key',
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
  invalidImageRegistry: {
    path: 'global.imageRegistry',
    text: '%s is not a registry: it must be a registry host such as mirror.example.com, with an optional port and path (harbor.example.com:8443/proxy), without a scheme; a first part without a "." or a port (mirror) names a Docker Hub account, not a host',
  },
  maxAgeNotDerived: {
    path: 'monitoring.backupMaxAge',
    text: 'is empty, and no close bound can be derived from backup.schedule "%s": it does not run every day, and its runs fall at a time of day the clock of cronJob.timeZone %s can skip (the controller then skips the run, so two gaps merge); set monitoring.backupMaxAge, or move the runs out of the hours the clock shifts',
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

/**
 * Values OpsMill's chart honours that this one overrides for safety: the
 * renderers keep the safe value and say so (a `warning:` line on stderr for
 * `synth` and the Argo CD plugin, NOTES.txt for Helm). `%s` stands for the value.
 */
export const WARNINGS = {
  restoreBackoffLimit: {
    path: 'job.backoffLimit',
    text: 'is %s, but a restore is never retried (backoffLimit 0): a second attempt would scale Infrahub down and overwrite its databases again; the value applies to backups only',
  },
  restoreTtl: {
    path: 'job.ttlSecondsAfterFinished',
    text: 'is %s, but a restore Job is never deleted by a TTL: a GitOps tool would recreate the deleted Job and restore again; the value applies to backups only',
  },
  restoreConcurrencyPolicy: {
    path: 'cronJob.concurrencyPolicy',
    text: 'is %s, but a scheduled restore always uses Forbid: two restores must never overlap; the value applies to scheduled backups only',
  },
} as const;

export type WarningId = keyof typeof WARNINGS;

/** A warning of the table as a `path: text` line, its `%s` filled in. */
export function warning(id: WarningId, value: string): string {
  const entry = WARNINGS[id];
  return `${entry.path}: ${entry.text.replace('%s', value)}`;
}
