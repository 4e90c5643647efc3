/**
 * The variables the companion's `s3` commands read beside the backup image's
 * own: one definition for the commands (src/s3) and for the pods that set
 * them (the constructs and, through the generated helpers, the chart), so that
 * the construct library loads none of the S3 code.
 */

/** The heartbeat URL of `s3 latest`, `s3 verify` and `s3 prune` (the flag --heartbeat-url wins). */
export const HEARTBEAT_ENV = 'INFRAHUB_BACKUP_HEARTBEAT_URL';
/** The maximum age a heartbeat success vouches for (the flag --heartbeat-max-age wins; `latest` also takes its --max-age). */
export const HEARTBEAT_MAX_AGE_ENV = 'INFRAHUB_BACKUP_HEARTBEAT_MAX_AGE';
/** The floor of `s3 verify`'s download rate without --deadline, in KiB/s (the flag --min-rate wins; throughput.ts). */
export const MIN_RATE_ENV = 'INFRAHUB_BACKUP_MIN_RATE';
/** The Job of a backup or restore run, for `guard record` and `guard clear` (the flag --job wins; the pod sets it from its job-name label). */
export const GUARD_JOB_ENV = 'INFRAHUB_BACKUP_JOB_NAME';
/** The pod of a backup or restore run, for `guard record` (the flag --pod wins; the pod sets it from metadata.name). */
export const GUARD_POD_ENV = 'INFRAHUB_BACKUP_POD_NAME';
/**
 * The prefix of the variables of `s3 copy`'s destination (`COPY_INFRAHUB_S3_BUCKET`,
 * `COPY_AWS_ACCESS_KEY_ID`...), which the copy step of the verification CronJob sets.
 */
export const COPY_ENV_PREFIX = 'COPY_';
