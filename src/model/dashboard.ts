/**
 * The Grafana dashboard of scheduled backups, as JSON text with `@KEY@`
 * placeholders (NAMESPACE, BACKUP_CRONJOB, CRONJOBS: a regular expression of
 * the release's CronJob names, TITLE, UID). The construct and the chart fill
 * in the same text, so both write the same bytes. Queries read the
 * kube-state-metrics series the alerts read, reduced with `max by` as the
 * alerts do: two kube-state-metrics replicas export every series twice.
 */

const NS = 'namespace="@NAMESPACE@"';
const BACKUP_JOBS = `${NS}, job_name=~"@BACKUP_CRONJOB_RE@-[0-9]+"`;

function target(expr: string, legendFormat: string): Record<string, unknown> {
  return { datasource: { type: 'prometheus', uid: '${datasource}' }, expr, legendFormat, refId: 'A' };
}

function panel(id: number, type: string, title: string, grid: [number, number, number, number], expr: string, legend: string, unit: string, description: string): Record<string, unknown> {
  const [x, y, w, h] = grid;
  return {
    id,
    type,
    title,
    description,
    datasource: { type: 'prometheus', uid: '${datasource}' },
    gridPos: { x, y, w, h },
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: {},
    targets: [target(expr, legend)],
  };
}

const dashboard = {
  title: '@TITLE@',
  uid: '@UID@',
  description: 'Infrahub backups of @NAMESPACE@, from kube-state-metrics.',
  tags: ['infrahub', 'backup'],
  timezone: 'utc',
  schemaVersion: 39,
  editable: false,
  time: { from: 'now-7d', to: 'now' },
  refresh: '5m',
  templating: {
    list: [{ name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0 }],
  },
  panels: [
    panel(
      1,
      'stat',
      'Age of the last successful backup',
      [0, 0, 8, 6],
      `time() - max(kube_cronjob_status_last_successful_time{${NS}, cronjob="@BACKUP_CRONJOB@"})`,
      'age',
      's',
      'Time since the backup CronJob last completed a backup; InfrahubBackupMissing fires past the maximum age.',
    ),
    panel(
      2,
      'stat',
      'Backup CronJob suspended',
      [8, 0, 8, 6],
      `max(kube_cronjob_spec_suspend{${NS}, cronjob="@BACKUP_CRONJOB@"})`,
      'suspended',
      'bool_yes_no',
      'Whether the backup CronJob is suspended.',
    ),
    panel(
      3,
      'stat',
      'Backups running',
      [16, 0, 8, 6],
      `sum(max by (namespace, job_name) (kube_job_status_active{${BACKUP_JOBS}})) or vector(0)`,
      'running',
      'none',
      'Backup Jobs running now; Infrahub may be scaled down meanwhile.',
    ),
    panel(
      4,
      'timeseries',
      'Backup run duration',
      [0, 6, 12, 8],
      `max by (job_name) (kube_job_status_completion_time{${BACKUP_JOBS}} - kube_job_status_start_time{${BACKUP_JOBS}})`,
      '{{job_name}}',
      's',
      'Duration of each completed backup Job.',
    ),
    panel(
      5,
      'timeseries',
      'Failed Jobs',
      [12, 6, 12, 8],
      `sum by (owner_name) (max by (namespace, job_name) (kube_job_failed{${NS}, condition="true"}) * on (namespace, job_name) group_left (owner_name) max by (namespace, job_name, owner_name) (kube_job_owner{${NS}, owner_kind="CronJob", owner_name=~"@CRONJOBS@"}))`,
      '{{owner_name}}',
      'none',
      'Failed Jobs kept by the backup, verification, freshness and retention CronJobs.',
    ),
  ],
};

/** The dashboard JSON, placeholders included. */
export const DASHBOARD_TEMPLATE = `${JSON.stringify(dashboard, null, 2)}\n`;
