/**
 * The alerts of the PrometheusRule: names, severities, texts and expressions,
 * written once. The PrometheusRule's shape (`src/shapes/monitoring.ts`) fills
 * them in, in TypeScript and in the chart's generated templates alike. Expressions use kube-state-metrics series only, scoped by namespace and
 * by the names of this release's objects. `@KEY@` stands for a value:
 * NAMESPACE, CRONJOB, JOB, MAX_AGE_SECONDS, RUN_SECONDS (how long a backup Job
 * of the CronJob may run: `job.activeDeadlineSeconds`, else
 * `monitoring.prometheusRule.expectedJobDuration`), JOB_DURATION and
 * JOB_SECONDS (`expectedJobDuration`), WORKLOADS
 * (`monitoring.prometheusRule.infrahubWorkloads`), BACKUP_CRONJOB_PATTERN
 * (this release's backup CronJob name as a regular expression, `.` as `[.]`).
 *
 * kube-state-metrics often runs as two replicas, each exporting every series:
 * each series is reduced with `max by` before it is matched with another one.
 */

/** What an alert says. */
export interface AlertText {
  readonly severity: 'warning' | 'critical';
  readonly summary: string;
  readonly description: string;
}

/** The alerts, by name, in the order the rule group lists them. */
export const ALERTS: Readonly<Record<string, AlertText>> = {
  InfrahubBackupMissing: {
    severity: 'warning',
    summary: 'No successful Infrahub backup for longer than @MAX_AGE@',
    description:
      'The CronJob {{ $labels.namespace }}/{{ $labels.cronjob }} has not completed a backup for {{ $value | humanizeDuration }} (allowed: @MAX_AGE@). Infrahub is not being backed up.',
  },
  InfrahubBackupJobFailed: {
    severity: 'warning',
    summary: 'An Infrahub backup Job failed',
    description:
      'The backup Job {{ $labels.namespace }}/{{ $labels.job_name }} failed and no backup has succeeded since. Its pod logs say why (preflight, database dump or upload).',
  },
  InfrahubBackupCronJobSuspended: {
    severity: 'warning',
    summary: 'Infrahub backups are suspended',
    description: 'The backup CronJob {{ $labels.namespace }}/{{ $labels.cronjob }} has been suspended for more than @FOR@: no backup runs.',
  },
  InfrahubRestoreJobFailed: {
    severity: 'critical',
    summary: 'An Infrahub restore Job failed',
    description:
      'The restore Job {{ $labels.namespace }}/{{ $labels.job_name }} failed. Infrahub may be scaled down or hold partly restored data: check its workloads now.',
  },
  InfrahubBackupVerificationFailed: {
    severity: 'warning',
    summary: 'The newest Infrahub backup archive failed its check',
    description:
      'The Job {{ $labels.namespace }}/{{ $labels.job_name }} found the newest archive in S3 too old, unreadable or damaged. The backups may not be restorable.',
  },
  InfrahubBackupRetentionFailed: {
    severity: 'warning',
    summary: 'Pruning old Infrahub backup archives failed',
    description: 'The retention Job {{ $labels.namespace }}/{{ $labels.job_name }} failed: old archives are no longer deleted and the bucket keeps growing.',
  },
  InfrahubScaledDownAfterBackup: {
    severity: 'critical',
    summary: 'Infrahub is scaled down and no backup or restore has been running for less than @JOB_DURATION@',
    description:
      'Workloads of Infrahub in {{ $labels.namespace }} have had zero replicas for more than @FOR@ while no backup or restore Job of any infrahub-backup release in the namespace has been running for less than @JOB_DURATION@: a backup or restore pod was probably killed midway, or hangs, and left Infrahub down. @GUARD@',
  },
};

/**
 * The images whose pods back up or restore Infrahub: a repository whose last
 * path segment is `infrahub-backup`, with any registry, path, tag or digest
 * (`registry.opsmill.io/opsmill/infrahub-backup:2.3.0`,
 * `mirror.example.com/opsmill/infrahub-backup@sha256:...`). Not this project's
 * companion image (`.../infrahub-backup-cdk8s`), whose pods (verification,
 * retention, freshness, checks) never scale Infrahub down. OpsMill's own chart
 * runs the same image: its backup pods scale Infrahub down too, and count.
 */
export const BACKUP_IMAGES = '(.*/)?infrahub-backup([:@][^/]*)?';
/**
 * The restore CronJobs of any release of this chart (`<fullname>-restore`),
 * recognised by name before their first pod runs.
 */
const CHART_RESTORE_CRONJOB_NAMES = '.+-restore';
/**
 * The one-shot backup and restore Jobs of any release of this chart:
 * `-<request hash>`, always 8 hexadecimal digits (names.ts requestHash),
 * so that another tool's `db-backup-1` does not count.
 */
const CHART_JOB_NAMES = '.+-(backup|restore)-[0-9a-f]{8}';

/**
 * A DNS name as a regular expression matching exactly that name: `.` as
 * `[.]` (no backslash to escape in PromQL, YAML or Helm templates).
 */
export function exactNamePattern(name: string): string {
  return name.split('.').join('[.]');
}

/**
 * The Jobs of the namespace that started less than `seconds` ago and have
 * neither completed nor failed. Not `kube_job_status_active`: between two pods
 * of a retrying Job (`backoffLimit`) the controller waits up to 6 minutes with
 * no pod active, while the Job still runs.
 */
function running(seconds: string): string {
  return (
    `time() - max by (namespace, job_name) (kube_job_status_start_time{namespace="@NAMESPACE@"}) < ${seconds}` +
    ' unless on (namespace, job_name) (kube_job_complete{namespace="@NAMESPACE@", condition="true"} == 1 or kube_job_failed{namespace="@NAMESPACE@", condition="true"} == 1)'
  );
}

/** The expressions, by kind. */
export const ALERT_EXPRESSIONS = {
  /**
   * Age of the last success of a CronJob (or of its creation, before any
   * success), unless one of its Jobs is running and younger than RUN_SECONDS.
   */
  missing:
    '(time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{namespace="@NAMESPACE@", cronjob="@CRONJOB@"} or kube_cronjob_created{namespace="@NAMESPACE@", cronjob="@CRONJOB@"}) > @MAX_AGE_SECONDS@)' +
    ' unless on (namespace) (' +
    running('@RUN_SECONDS@') +
    ' and on (namespace, job_name) max by (namespace, job_name) (kube_job_owner{namespace="@NAMESPACE@", owner_kind="CronJob", owner_name="@CRONJOB@"}))',
  /** A failed Job of a CronJob that started after the CronJob's last success. */
  cronJobFailed:
    'max by (namespace, job_name) (kube_job_status_start_time{namespace="@NAMESPACE@"})' +
    ' * on (namespace, job_name) group_left () max by (namespace, job_name) (kube_job_failed{namespace="@NAMESPACE@", condition="true"} == 1)' +
    ' * on (namespace, job_name) group_left () max by (namespace, job_name) (kube_job_owner{namespace="@NAMESPACE@", owner_kind="CronJob", owner_name="@CRONJOB@"})' +
    ' > on (namespace) group_left () (max by (namespace) (kube_cronjob_status_last_successful_time{namespace="@NAMESPACE@", cronjob="@CRONJOB@"}) or max by (namespace) (kube_cronjob_created{namespace="@NAMESPACE@", cronjob="@CRONJOB@"}) * 0)',
  /** A one-shot Job that failed. */
  jobFailed: 'max by (namespace, job_name) (kube_job_failed{namespace="@NAMESPACE@", job_name="@JOB@", condition="true"}) == 1',
  /** A suspended CronJob. */
  suspended: 'max by (namespace, cronjob) (kube_cronjob_spec_suspend{namespace="@NAMESPACE@", cronjob="@CRONJOB@"}) == 1',
  /**
   * Infrahub's workloads at zero replicas while no backup or restore Job of
   * any release in the namespace has been running for less than JOB_SECONDS.
   * kube-state-metrics exports no Job or Pod label by default, and the names
   * of a release's objects follow its release name and overrides, so a Job
   * counts when one of its pods (a failed attempt's pod stays while its Job
   * exists) runs the backup image (BACKUP_IMAGES, by `image` or `image_spec`),
   * or, before its first pod runs, by name: this release's backup CronJob
   * (BACKUP_CRONJOB_PATTERN, by owner, so manual runs count), any release's
   * restore CronJob (`<fullname>-restore`) and one-shot Jobs
   * (`<fullname>-backup-<hash>`, `<fullname>-restore-<hash>`).
   */
  scaledDown:
    '(count by (namespace) (max by (namespace, deployment) (kube_deployment_spec_replicas{namespace="@NAMESPACE@", deployment=~"@WORKLOADS@"}) == 0)' +
    ' or count by (namespace) (max by (namespace, statefulset) (kube_statefulset_replicas{namespace="@NAMESPACE@", statefulset=~"@WORKLOADS@"}) == 0))' +
    ' unless on (namespace) (' +
    running('@JOB_SECONDS@') +
    ' and on (namespace, job_name) (' +
    'max by (namespace, job_name) (label_replace(max by (namespace, pod, owner_name) (kube_pod_owner{namespace="@NAMESPACE@", owner_kind="Job"})' +
    // The image runs as a container, or (with the scale guard) as the last init container.
    ` and on (namespace, pod) (kube_pod_container_info{namespace="@NAMESPACE@", image=~"${BACKUP_IMAGES}"} or kube_pod_container_info{namespace="@NAMESPACE@", image_spec=~"${BACKUP_IMAGES}"}` +
    ` or kube_pod_init_container_info{namespace="@NAMESPACE@", image=~"${BACKUP_IMAGES}"} or kube_pod_init_container_info{namespace="@NAMESPACE@", image_spec=~"${BACKUP_IMAGES}"}),` +
    ' "job_name", "$1", "owner_name", "(.+)"))' +
    ` or max by (namespace, job_name) (kube_job_owner{namespace="@NAMESPACE@", owner_kind="CronJob", owner_name=~"${CHART_RESTORE_CRONJOB_NAMES}|@BACKUP_CRONJOB_PATTERN@"})` +
    ` or max by (namespace, job_name) (kube_job_info{namespace="@NAMESPACE@", job_name=~"${CHART_JOB_NAMES}"})))`,
} as const;

export type AlertExpression = keyof typeof ALERT_EXPRESSIONS;

/** Replaces every `@KEY@` of a text by its value. */
export function fillAlertText(text: string, values: Readonly<Record<string, string>>): string {
  let out = text;
  for (const key of Object.keys(values).sort()) out = out.split(`@${key}@`).join(values[key]);
  return out;
}
