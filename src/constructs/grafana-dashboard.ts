/**
 * The Grafana dashboard of scheduled backups (`monitoring.grafanaDashboard`):
 * a ConfigMap the Grafana sidecar loads by its label.
 */
import { createHash } from 'crypto';
import { ApiObject } from 'cdk8s';
import { k8s } from './kplus';
import { Construct } from 'constructs';
import { fillAlertText } from '../model/alerts';
import { exactNamePattern } from '../model/alerts';
import { DASHBOARD_TEMPLATE } from '../model/dashboard';
import type { RenderPlan } from '../model/plan';
import { freshnessRuns } from './freshness-cron-job';
import { monitoredNamespace, monitoringMetadata } from './prometheus-rule';

/** Whether the values ask for the dashboard: it shows scheduled backups. */
export function dashboardRenders(d: RenderPlan): boolean {
  const b = d.values.backup;
  return d.values.monitoring.grafanaDashboard.enabled && b.enabled && b.mode === 'cronjob';
}

/** The dashboard's JSON for this release. */
export function dashboardJson(d: RenderPlan): string {
  const { names } = d;
  const namespace = monitoredNamespace(d, 'monitoring.grafanaDashboard.enabled');
  const b = d.values.backup;
  const cronJobs = [names.backupCronJob];
  if (b.storage.type === 's3' && b.verification.enabled) cronJobs.push(names.verificationCronJob);
  if (freshnessRuns(d)) cronJobs.push(names.freshnessCronJob);
  if (b.storage.type === 's3' && b.retention.enabled) cronJobs.push(names.retentionCronJob);
  return fillAlertText(DASHBOARD_TEMPLATE, {
    NAMESPACE: namespace,
    BACKUP_CRONJOB: names.backupCronJob,
    BACKUP_CRONJOB_RE: exactNamePattern(names.backupCronJob),
    CRONJOBS: cronJobs.map(exactNamePattern).join('|'),
    TITLE: `Infrahub backups (${namespace}/${names.fullname})`,
    UID: createHash('sha256').update(`${namespace}/${names.fullname}`).digest('hex').slice(0, 16),
  });
}

/** A ConfigMap holding the dashboard, labelled for the Grafana sidecar. */
export class BackupGrafanaDashboard extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, d: RenderPlan) {
    super(scope, id);
    this.apiObject = new ApiObject(this, 'Resource', {
      ...k8s.KubeConfigMap.GVK,
      metadata: monitoringMetadata(d, d.names.dashboard, d.values.monitoring.grafanaDashboard),
      data: { [`${d.names.fullname}.json`]: dashboardJson(d) },
    });
  }
}
