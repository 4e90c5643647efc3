import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { DEFAULT_RELEASE, Deployment, planDeployment } from '../model/deployment';
import type { InfrahubBackupValues } from '../model/values.generated';
import { BackupClaim } from './backup-claim';
import { BackupCronJob } from './backup-cron-job';
import { BackupJob } from './backup-job';
import { BackupRetentionCronJob, BackupVerificationCronJob } from './backup-maintenance-cron-jobs';
import { persistsLocally } from './backup-pod';
import { BackupFreshnessCronJob, freshnessRuns } from './freshness-cron-job';
import { BackupGrafanaDashboard, dashboardRenders } from './grafana-dashboard';
import { BackupNetworkPolicy } from './network-policy';
import { BackupPrometheusRule } from './prometheus-rule';
import { RestoreCronJob } from './restore-cron-job';
import { RestoreJob } from './restore-job';
import { BackupRole } from './role';
import { BackupRoleBinding } from './role-binding';
import { BackupServiceAccount } from './service-account';

/** Properties of an InfrahubBackup. */
export interface InfrahubBackupProps {
  /**
   * The values of the infrahub-backup chart, in its upstream or seed layout.
   *
   * @default - the chart defaults: nothing is deployed until `backup.enabled` or `restore.enabled` is set
   */
  readonly values?: InfrahubBackupValues;

  /**
   * The release name: the prefix of every object name and the `app.kubernetes.io/instance` label.
   *
   * @default "infrahub-backup"
   */
  readonly releaseName?: string;

  /**
   * The namespace of the objects; it must be Infrahub's namespace.
   *
   * @default - the enclosing chart's namespace, else "default"
   */
  readonly namespace?: string;
}

/**
 * Backup and restore of an Infrahub instance with the infrahub-backup image:
 * the ServiceAccount, Role and RoleBinding its pods need, and the backup Job or
 * CronJob, or the restore Job or CronJob, that the values ask for; with
 * `monitoring` and `networkPolicy`, the alert rules, the freshness check and
 * the NetworkPolicy of those pods.
 *
 * Invalid values throw a `ValuesError` at construction, one line per problem.
 */
export class InfrahubBackup extends Construct {
  /** The `<release>-infrahub-backup` prefix of the object names. */
  public readonly fullname: string;

  /** The ServiceAccount the pods run as. */
  public readonly serviceAccountName: string;

  /** Every Kubernetes object created, in the order they are synthesized. */
  public readonly apiObjects: ApiObject[];

  constructor(scope: Construct, id: string, props: InfrahubBackupProps = {}) {
    super(scope, id);
    const d: Deployment = planDeployment(props.values ?? {}, {
      release: props.releaseName ?? DEFAULT_RELEASE,
      namespace: props.namespace ?? Chart.of(this).namespace ?? 'default',
    });
    this.fullname = d.names.fullname;
    this.serviceAccountName = d.names.serviceAccount;
    this.apiObjects = [];
    const { backup, restore, serviceAccount, rbac } = d.values;
    if (!backup.enabled && !restore.enabled) return;

    const account = serviceAccount.create ? new BackupServiceAccount(this, 'ServiceAccount', d) : undefined;
    if (account) this.apiObjects.push(account.apiObject);
    if (rbac.create) {
      const role = new BackupRole(this, 'Role', d);
      this.apiObjects.push(role.apiObject);
      this.apiObjects.push(new BackupRoleBinding(this, 'RoleBinding', d, role.role, account?.serviceAccount).apiObject);
    }
    if (backup.enabled) {
      if (persistsLocally(d) && !backup.storage.local.persistence.existingClaim) {
        this.apiObjects.push(new BackupClaim(this, 'BackupClaim', d).apiObject);
      }
      const workload = backup.mode === 'cronjob' ? new BackupCronJob(this, 'BackupCronJob', d) : new BackupJob(this, 'BackupJob', d);
      this.apiObjects.push(workload.apiObject);
      if (backup.storage.type === 's3' && backup.retention.enabled) {
        this.apiObjects.push(new BackupRetentionCronJob(this, 'BackupRetentionCronJob', d).apiObject);
      }
      if (backup.storage.type === 's3' && backup.verification.enabled) {
        this.apiObjects.push(new BackupVerificationCronJob(this, 'BackupVerificationCronJob', d).apiObject);
      }
      if (freshnessRuns(d)) {
        this.apiObjects.push(new BackupFreshnessCronJob(this, 'BackupFreshnessCronJob', d).apiObject);
      }
    }
    if (restore.enabled) {
      const workload = restore.mode === 'cronjob' ? new RestoreCronJob(this, 'RestoreCronJob', d) : new RestoreJob(this, 'RestoreJob', d);
      this.apiObjects.push(workload.apiObject);
    }
    if (d.values.networkPolicy.enabled) {
      this.apiObjects.push(new BackupNetworkPolicy(this, 'NetworkPolicy', d).apiObject);
    }
    if (d.values.monitoring.prometheusRule.enabled) {
      this.apiObjects.push(new BackupPrometheusRule(this, 'PrometheusRule', d).apiObject);
    }
    if (dashboardRenders(d)) {
      this.apiObjects.push(new BackupGrafanaDashboard(this, 'GrafanaDashboard', d).apiObject);
    }
  }
}
