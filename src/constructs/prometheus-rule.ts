/**
 * The PrometheusRule of a release: the alerts of `src/model/alerts.ts`, filled
 * in with this release's namespace, object names and thresholds.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ALERT_EXPRESSIONS, ALERTS, AlertExpression, exactNamePattern, fillAlertText } from '../model/alerts';
import { ValuesError } from '../model/errors';
import type { RenderPlan } from '../model/plan';
import { backupMaxAge, durationSeconds } from '../model/max-age';
import { commonLabels } from '../model/objects';
import { freshnessRuns } from './freshness-cron-job';

/** One alerting rule, as the Prometheus operator takes it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** The API group and version of the Prometheus operator's PrometheusRule. */
export const PROMETHEUS_RULE_GVK = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule' } as const;

/**
 * The namespace the series are scoped to. Helm, the CLI and the plugin always
 * have one; a cdk8s chart without a namespace must name it for the alerts.
 */
export function monitoredNamespace(d: RenderPlan, path: string): string {
  if (d.namespace) return d.namespace;
  throw new ValuesError([
    { path, message: 'the series are scoped to a namespace: give the chart or the InfrahubBackup a namespace, or disable it' },
  ]);
}

/**
 * The metadata of a monitoring object: its own namespace when set (one the
 * operator or the Grafana sidecar watches), else the release's; its own labels
 * (for their selectors) under the release's common labels.
 */
export function monitoringMetadata(d: RenderPlan, name: string, own: { readonly namespace: string; readonly labels: Record<string, string> }) {
  return { name, namespace: own.namespace || d.namespace, labels: { ...own.labels, ...commonLabels(d.values, d.release, 'monitoring') } };
}

function rule(d: RenderPlan, alert: string, expression: AlertExpression, vars: Record<string, string>, forDuration?: string): AlertRule {
  const text = ALERTS[alert];
  const values = { ...vars, NAMESPACE: monitoredNamespace(d, 'monitoring.prometheusRule.enabled'), ...(forDuration ? { FOR: forDuration } : {}) };
  const r: AlertRule = {
    alert,
    expr: fillAlertText(ALERT_EXPRESSIONS[expression], values),
    // Several releases may watch one namespace: the label says whose rule fired.
    labels: { severity: text.severity, release: d.release },
    annotations: {
      summary: fillAlertText(text.summary, values),
      description: fillAlertText(text.description, values),
      // One page per alert under the runbooks' folder (a trailing "/" of the folder's URL is dropped).
      runbook_url: `${d.values.monitoring.prometheusRule.runbookUrl.replace(/\/$/, '')}/${alert}.md`,
    },
  };
  return forDuration ? { ...r, for: forDuration } : r;
}

/** The rules for what the values deploy, in a fixed order. */
export function alertRules(d: RenderPlan): AlertRule[] {
  const v = d.values;
  const { names } = d;
  const p = v.monitoring.prometheusRule;
  const rules: AlertRule[] = [];
  const jobSeconds = String(durationSeconds(p.expectedJobDuration));
  if (v.backup.enabled) {
    const maxAge = backupMaxAge(v);
    if (v.backup.mode === 'cronjob') {
      const cron = { CRONJOB: names.backupCronJob };
      // A running backup holds the alert until it is older than the Job may run.
      const runSeconds = v.job.activeDeadlineSeconds != null ? String(v.job.activeDeadlineSeconds) : jobSeconds;
      rules.push(rule(d, 'InfrahubBackupMissing', 'missing', { ...cron, MAX_AGE: maxAge, MAX_AGE_SECONDS: String(durationSeconds(maxAge)), RUN_SECONDS: runSeconds }));
      rules.push(rule(d, 'InfrahubBackupJobFailed', 'cronJobFailed', cron));
      rules.push(rule(d, 'InfrahubBackupCronJobSuspended', 'suspended', cron, p.suspendedFor));
    } else {
      rules.push(rule(d, 'InfrahubBackupJobFailed', 'jobFailed', { JOB: names.backupJob }));
    }
    if (v.backup.storage.type === 's3') {
      if (v.backup.verification.enabled) {
        rules.push(rule(d, 'InfrahubBackupVerificationFailed', 'cronJobFailed', { CRONJOB: names.verificationCronJob }));
      } else if (freshnessRuns(d)) {
        rules.push(rule(d, 'InfrahubBackupVerificationFailed', 'cronJobFailed', { CRONJOB: names.freshnessCronJob }));
      }
      if (v.backup.retention.enabled) {
        rules.push(rule(d, 'InfrahubBackupRetentionFailed', 'cronJobFailed', { CRONJOB: names.retentionCronJob }));
      }
    }
  }
  if (v.restore.enabled) {
    if (v.restore.mode === 'cronjob') {
      rules.push(rule(d, 'InfrahubRestoreJobFailed', 'cronJobFailed', { CRONJOB: names.restoreCronJob }));
    } else {
      rules.push(rule(d, 'InfrahubRestoreJobFailed', 'jobFailed', { JOB: names.restoreJob }));
    }
  }
  // This release's backup CronJob counts by name even before its first pod runs (whatever the mode: another release of the same name may run it).
  const scaled = { WORKLOADS: p.infrahubWorkloads, JOB_DURATION: p.expectedJobDuration, JOB_SECONDS: jobSeconds, BACKUP_CRONJOB_PATTERN: exactNamePattern(names.backupCronJob) };
  rules.push(rule(d, 'InfrahubScaledDownAfterBackup', 'scaledDown', scaled, p.scaledDownFor));
  return rules;
}

/**
 * Alerts on kube-state-metrics series when backups stop, fail or leave
 * Infrahub scaled down (`monitoring.prometheusRule`).
 */
export class BackupPrometheusRule extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, d: RenderPlan) {
    super(scope, id);
    this.apiObject = new ApiObject(this, 'Resource', {
      ...PROMETHEUS_RULE_GVK,
      metadata: monitoringMetadata(d, d.names.prometheusRule, d.values.monitoring.prometheusRule),
      spec: { groups: [{ name: d.names.fullname, rules: alertRules(d) }] },
    });
  }
}
