/**
 * The PrometheusRule (the alerts of src/model/alerts.ts, filled in for a
 * release) and the Grafana dashboard (src/model/dashboard.ts), as shapes
 * (src/constructs/prometheus-rule.ts, grafana-dashboard.ts).
 */
import { ALERT_EXPRESSIONS, ALERTS, type AlertExpression } from '../model/alerts';
import { DASHBOARD_TEMPLATE } from '../model/dashboard';
import { algorithm, and, call, concat, entry1, eq, fill, format, intString, join, lit, mapList, maybe, merge, not, omitEmpty, orDefault, present, replace, sha256, shape, trimSuffix, truthy, val, when, type Expr, type Template } from './expr';
import { labels } from './workload';

const p = 'v.monitoring.prometheusRule';

/**
 * The metadata of a monitoring object: its own namespace when set (one the
 * operator or the Grafana sidecar watches), else the release's; its own
 * labels (for their selectors) under the release's common labels.
 */
function monitoringMetadata(name: Expr, own: string): Template {
  return {
    name,
    namespace: orDefault(val(`${own}.namespace`), val('namespace')),
    labels: merge(call(labels, { component: 'monitoring' }), val(`${own}.labels`)),
  };
}

/** A name as a pattern that matches only it: "." as "[.]". */
const exactNamePattern = (name: Template): Expr => replace('.', '[.]', name);

/** One alert rule, its texts filled in with `vars`, the namespace and `for`. */
function rule(alert: string, expression: AlertExpression, vars: Record<string, Template>, forDuration?: Expr): Template {
  const text = ALERTS[alert];
  const values = { ...vars, NAMESPACE: val('namespace'), ...(forDuration ? { FOR: omitEmpty(forDuration) } : {}) };
  return {
    alert,
    expr: fill(lit(ALERT_EXPRESSIONS[expression]), values),
    // Several releases may watch one namespace: the label says whose rule fired.
    labels: { severity: text.severity, release: val('release') },
    annotations: {
      summary: fill(lit(text.summary), values),
      description: fill(lit(text.description), values),
      // One page per alert under the runbooks' folder (a trailing "/" of the folder's URL is dropped).
      runbook_url: format(`%s/${alert}.md`, trimSuffix('/', val(`${p}.runbookUrl`))),
    },
    ...(forDuration ? { for: omitEmpty(forDuration) } : {}),
  };
}

const backup = truthy(val('v.backup.enabled'));
const backupS3 = eq(val('v.backup.storage.type'), 's3');
const jobSeconds = algorithm('durationSeconds', val(`${p}.expectedJobDuration`));
const cron = { CRONJOB: val('names.backupCronJob') };

/** The rules for what the values deploy, in a fixed order. */
export const alertRules = shape(
  'alertRules',
  'The alert rules',
  [],
  concat(
    when(
      backup,
      concat(
        when(
          eq(val('v.backup.mode'), 'cronjob'),
          [
            // A running backup holds the alert until it is older than the Job may run.
            rule('InfrahubBackupMissing', 'missing', {
              ...cron,
              MAX_AGE: algorithm('backupMaxAge'),
              MAX_AGE_SECONDS: algorithm('durationSeconds', algorithm('backupMaxAge')),
              RUN_SECONDS: when(present(val('v.job.activeDeadlineSeconds')), intString(val('v.job.activeDeadlineSeconds')), jobSeconds),
            }),
            rule('InfrahubBackupJobFailed', 'cronJobFailed', cron),
            rule('InfrahubBackupCronJobSuspended', 'suspended', cron, val(`${p}.suspendedFor`)),
          ],
          [rule('InfrahubBackupJobFailed', 'jobFailed', { JOB: val('names.backupJob') })],
        ),
        when(
          backupS3,
          concat(
            when(
              truthy(val('v.backup.verification.enabled')),
              [rule('InfrahubBackupVerificationFailed', 'cronJobFailed', { CRONJOB: val('names.verificationCronJob') })],
              maybe(truthy(val('v.monitoring.freshness.enabled')), rule('InfrahubBackupVerificationFailed', 'cronJobFailed', { CRONJOB: val('names.freshnessCronJob') })),
            ),
            maybe(truthy(val('v.backup.retention.enabled')), rule('InfrahubBackupRetentionFailed', 'cronJobFailed', { CRONJOB: val('names.retentionCronJob') })),
          ),
          [],
        ),
      ),
      [],
    ),
    when(
      truthy(val('v.restore.enabled')),
      when(
        eq(val('v.restore.mode'), 'cronjob'),
        [rule('InfrahubRestoreJobFailed', 'cronJobFailed', { CRONJOB: val('names.restoreCronJob') })],
        [rule('InfrahubRestoreJobFailed', 'jobFailed', { JOB: val('names.restoreJob') })],
      ),
      [],
    ),
    // This release's backup CronJob counts by name even before its first pod runs (whatever the mode).
    [
      rule(
        'InfrahubScaledDownAfterBackup',
        'scaledDown',
        {
          WORKLOADS: val(`${p}.infrahubWorkloads`),
          JOB_DURATION: val(`${p}.expectedJobDuration`),
          JOB_SECONDS: jobSeconds,
          BACKUP_CRONJOB_PATTERN: exactNamePattern(val('names.backupCronJob')),
          // The guard's last action: what restores the replicas, and where it says so.
          GUARD: when(
            truthy(val('v.guard.enabled')),
            format(
              'The scale guard (CronJob %s, schedule %s) restores the replicas a killed run recorded, one Event each (reason ScaleGuardRestoredReplicas): read its Events and its last Job\'s log; a marker ConfigMap %s still present means it has not repaired yet.',
              val('names.guardCronJob'),
              val('v.guard.schedule'),
              val('names.scaleGuard'),
            ),
            'The scale guard is off (guard.enabled=false): nothing restores the replicas by itself.',
          ),
        },
        val(`${p}.scaledDownFor`),
      ),
    ],
  ),
);

/** Alerts on kube-state-metrics series when backups stop, fail or leave Infrahub scaled down. */
export const prometheusRule = shape('prometheusRule', 'The PrometheusRule', [], {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: monitoringMetadata(val('names.prometheusRule'), p),
  spec: { groups: [{ name: val('names.fullname'), rules: call(alertRules) }] },
});

const b = 'v.backup';
const scopeName = format('%s/%s', val('namespace'), val('names.fullname'));

/** The dashboard's JSON for this release. */
export const dashboardJson = shape(
  'dashboardJson',
  'The Grafana dashboard JSON',
  [],
  fill(lit(DASHBOARD_TEMPLATE), {
    NAMESPACE: val('namespace'),
    BACKUP_CRONJOB: val('names.backupCronJob'),
    BACKUP_CRONJOB_RE: exactNamePattern(val('names.backupCronJob')),
    CRONJOBS: join(
      '|',
      mapList(
        concat(
          [val('names.backupCronJob')],
          maybe(and(eq(val(`${b}.storage.type`), 's3'), truthy(val(`${b}.verification.enabled`))), val('names.verificationCronJob')),
          maybe(and(eq(val(`${b}.storage.type`), 's3'), truthy(val('v.monitoring.freshness.enabled')), not(truthy(val(`${b}.verification.enabled`)))), val('names.freshnessCronJob')),
          maybe(and(eq(val(`${b}.storage.type`), 's3'), truthy(val(`${b}.retention.enabled`))), val('names.retentionCronJob')),
        ),
        exactNamePattern,
      ),
    ),
    TITLE: format('Infrahub backups (%s)', scopeName),
    UID: sha256(16, scopeName),
  }),
);

/** A ConfigMap holding the dashboard, labelled for the Grafana sidecar. */
export const grafanaDashboard = shape('grafanaDashboard', 'The Grafana dashboard ConfigMap', [], {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: monitoringMetadata(val('names.dashboard'), 'v.monitoring.grafanaDashboard'),
  data: entry1(format('%s.json', val('names.fullname')), call(dashboardJson)),
});
