import { ApiObject, Chart } from 'cdk8s';
import * as kplus from './kplus';
import { Construct } from 'constructs';
import { DEFAULT_RELEASE, RenderPlan, planRender } from '../model/plan';
import type { InfrahubBackupValues } from '../model/values.generated';
import { BackupClaim, type BackupClaimProps } from './backup-claim';
import { BackupCronJob } from './backup-cron-job';
import { BackupJob } from './backup-job';
import { BackupRetentionCronJob, BackupVerificationCronJob } from './backup-maintenance-cron-jobs';
import { BackupFreshnessCronJob } from './freshness-cron-job';
import { ScaleGuardCronJob } from './guard-cron-job';
import { BackupGrafanaDashboard, type GrafanaDashboardProps } from './grafana-dashboard';
import { BackupNetworkPolicy, type NetworkPolicyProps } from './network-policy';
import { BackupPrometheusRule, monitoredNamespace, type PrometheusRuleProps } from './prometheus-rule';
import { RestoreCronJob } from './restore-cron-job';
import { RestoreJob } from './restore-job';
import { BackupRole, type RoleProps } from './role';
import { valuesAsKubernetesJson } from './kubernetes-values';
import { BackupRoleBinding, type RoleBindingProps } from './role-binding';
import { BackupServiceAccount, type ServiceAccountProps } from './service-account';
import type { CronJobObjectProps, JobObjectProps } from './workload';
import { evaluate, holds } from '../shapes/evaluate';
import { OBJECTS, type ObjectShape } from '../shapes/objects';
import { renderScope } from '../shapes/scope';

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
   * Two InfrahubBackup constructs in one chart need different release names
   * (or `fullnameOverride` values), else their objects would share names.
   *
   * @default "infrahub-backup"
   */
  readonly releaseName?: string;

  /**
   * The namespace of the objects; it must be Infrahub's namespace.
   *
   * @default - the enclosing chart's namespace; without one, the objects carry no namespace and go where they are applied
   */
  readonly namespace?: string;
}

/** The objects of each chart, by kind, namespace and name, with the path of the InfrahubBackup that made them. */
const OBJECTS_OF_CHART = new WeakMap<Chart, Map<string, string>>();

function objectKey(o: ApiObject): string {
  return `${o.apiGroup}/${o.kind}/${o.metadata.namespace ?? ''}/${o.name}`;
}

/** A release name made of a construct id, when the id can be one. */
function releaseNameOf(id: string): string | undefined {
  const name = id
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return name && name.length <= 53 ? name : undefined;
}

/**
 * Backup and restore of an Infrahub instance with the infrahub-backup image:
 * the ServiceAccount, Role and RoleBinding its pods need, and the backup Job or
 * CronJob, or the restore Job or CronJob, that the values ask for; with
 * `monitoring` and `networkPolicy`, the alert rules, the freshness check and
 * the NetworkPolicy of those pods.
 *
 * Invalid values throw a `ValuesError` at construction, one line per problem.
 * A second InfrahubBackup whose objects would have the same names as another's
 * in the same chart throws an Error naming the fix; another object of the
 * chart with the name of one of ours fails the app's synthesis.
 */
export class InfrahubBackup extends Construct {
  /** The `<release>-infrahub-backup` prefix of the object names. */
  public readonly fullname: string;

  /** The name of the ServiceAccount the pods run as (created here or existing). */
  public readonly serviceAccountName: string;

  /**
   * Values that are valid but applied otherwise than written, for safety (a
   * restore is never retried, never deleted by a TTL, never overlapping): one
   * `path: text` line each, for the app to show. Empty when none.
   */
  public readonly warnings: string[];

  /** Every Kubernetes object created, in the order they are synthesized. */
  public readonly apiObjects: ApiObject[];

  /** The ServiceAccount; undefined when not created (`serviceAccount.create=false`, or nothing enabled). */
  public readonly serviceAccount?: kplus.ServiceAccount;

  /** The Role; undefined when not created (`rbac.create=false`, or nothing enabled). */
  public readonly role?: kplus.Role;

  /** The RoleBinding; undefined when not created (`rbac.create=false`, or nothing enabled). */
  public readonly roleBinding?: kplus.RoleBinding;

  /** The PersistentVolumeClaim of local archives; undefined unless this construct creates one. */
  public readonly backupClaim?: kplus.k8s.KubePersistentVolumeClaim;

  /** The one-shot backup Job; undefined unless `backup.enabled` and `backup.mode=job`. */
  public readonly backupJob?: ApiObject;

  /** The backup CronJob; undefined unless `backup.enabled` and `backup.mode=cronjob`. */
  public readonly backupCronJob?: ApiObject;

  /** The retention CronJob; undefined unless `backup.retention.enabled`. */
  public readonly retentionCronJob?: ApiObject;

  /** The verification CronJob; undefined unless `backup.verification.enabled`. */
  public readonly verificationCronJob?: ApiObject;

  /** The freshness-only CronJob; undefined unless `monitoring.freshness.enabled` with S3 storage and verification off. */
  public readonly freshnessCronJob?: ApiObject;

  /** The NetworkPolicy of the pods; undefined unless `networkPolicy.enabled`. */
  public readonly networkPolicy?: ApiObject;

  /** The PrometheusRule; undefined unless `monitoring.prometheusRule.enabled`. */
  public readonly prometheusRule?: ApiObject;

  /** The Grafana dashboard ConfigMap; undefined unless `monitoring.grafanaDashboard.enabled` with a scheduled backup. */
  public readonly grafanaDashboard?: ApiObject;

  /** The scale guard's CronJob (`guard repair`); undefined unless `guard.enabled` with a backup or a restore. */
  public readonly guardCronJob?: ApiObject;

  /** The restore Job; undefined unless `restore.enabled` and `restore.mode=job`. */
  public readonly restoreJob?: ApiObject;

  /** The restore CronJob; undefined unless `restore.enabled` and `restore.mode=cronjob`. */
  public readonly restoreCronJob?: ApiObject;

  constructor(scope: Construct, id: string, props: InfrahubBackupProps = {}) {
    super(scope, id);
    // Kubernetes fields written with the cdk8s types become the JSON a YAML file would hold.
    const d: RenderPlan = planRender(valuesAsKubernetesJson(props.values ?? {}), {
      release: props.releaseName ?? DEFAULT_RELEASE,
      namespace: props.namespace ?? Chart.of(this).namespace,
    });
    this.fullname = d.names.fullname;
    this.serviceAccountName = d.names.serviceAccount;
    this.warnings = [...d.warnings];
    this.apiObjects = [];
    const { backup, restore } = d.values;
    if (!backup.enabled && !restore.enabled) return;

    const add = <T extends ApiObject>(o: T): T => {
      this.apiObjects.push(o);
      return o;
    };
    // Each object's props are its shape (src/shapes/objects.ts) evaluated on the plan, under the
    // condition the chart renders it under.
    const shapeScope = renderScope(d);
    const shaped = <P>(object: ObjectShape): P | undefined => (holds(object.when, shapeScope) ? evaluate<P>(object.shape, shapeScope) : undefined);
    const accountProps = shaped<ServiceAccountProps>(OBJECTS.serviceAccount);
    const account = accountProps && new BackupServiceAccount(this, 'ServiceAccount', accountProps);
    if (account) {
      add(account.apiObject);
      this.serviceAccount = account.serviceAccount;
    }
    const roleProps = shaped<RoleProps>(OBJECTS.role);
    if (roleProps) {
      const role = new BackupRole(this, 'Role', { metadata: roleProps.metadata, scaleGuardMarker: d.values.guard.enabled ? d.names.scaleGuard : undefined });
      add(role.apiObject);
      this.role = role.role;
      const { metadata } = evaluate<RoleBindingProps>(OBJECTS.roleBinding.shape, shapeScope);
      const binding = new BackupRoleBinding(this, 'RoleBinding', {
        metadata,
        role: role.role,
        serviceAccount: account?.serviceAccount,
        serviceAccountName: d.names.serviceAccount,
        namespace: d.namespace,
      });
      add(binding.apiObject);
      this.roleBinding = binding.roleBinding;
    }
    const claim = shaped<BackupClaimProps>(OBJECTS.backupClaim);
    if (claim) this.backupClaim = add(new BackupClaim(this, 'BackupClaim', claim).apiObject);
    const backupCronJob = shaped<CronJobObjectProps>(OBJECTS.backupCronJob);
    if (backupCronJob) this.backupCronJob = add(new BackupCronJob(this, 'BackupCronJob', backupCronJob).apiObject);
    const backupJob = shaped<JobObjectProps>(OBJECTS.backupJob);
    if (backupJob) this.backupJob = add(new BackupJob(this, 'BackupJob', backupJob).apiObject);
    const retention = shaped<CronJobObjectProps>(OBJECTS.retentionCronJob);
    if (retention) this.retentionCronJob = add(new BackupRetentionCronJob(this, 'BackupRetentionCronJob', retention).apiObject);
    const verification = shaped<CronJobObjectProps>(OBJECTS.verificationCronJob);
    if (verification) this.verificationCronJob = add(new BackupVerificationCronJob(this, 'BackupVerificationCronJob', verification).apiObject);
    const freshness = shaped<CronJobObjectProps>(OBJECTS.freshnessCronJob);
    if (freshness) this.freshnessCronJob = add(new BackupFreshnessCronJob(this, 'BackupFreshnessCronJob', freshness).apiObject);
    const restoreCronJob = shaped<CronJobObjectProps>(OBJECTS.restoreCronJob);
    if (restoreCronJob) this.restoreCronJob = add(new RestoreCronJob(this, 'RestoreCronJob', restoreCronJob).apiObject);
    const restoreJob = shaped<JobObjectProps>(OBJECTS.restoreJob);
    if (restoreJob) this.restoreJob = add(new RestoreJob(this, 'RestoreJob', restoreJob).apiObject);
    const guard = shaped<CronJobObjectProps>(OBJECTS.guardCronJob);
    if (guard) this.guardCronJob = add(new ScaleGuardCronJob(this, 'ScaleGuardCronJob', guard).apiObject);
    const policy = shaped<NetworkPolicyProps>(OBJECTS.networkPolicy);
    if (policy) this.networkPolicy = add(new BackupNetworkPolicy(this, 'NetworkPolicy', policy).apiObject);
    // The alerts and the dashboard are scoped to a namespace: a chart without one is refused.
    if (holds(OBJECTS.prometheusRule.when, shapeScope)) monitoredNamespace(d, 'monitoring.prometheusRule.enabled');
    const rule = shaped<PrometheusRuleProps>(OBJECTS.prometheusRule);
    if (rule) this.prometheusRule = add(new BackupPrometheusRule(this, 'PrometheusRule', rule).apiObject);
    if (holds(OBJECTS.grafanaDashboard.when, shapeScope)) monitoredNamespace(d, 'monitoring.grafanaDashboard.enabled');
    const dashboard = shaped<GrafanaDashboardProps>(OBJECTS.grafanaDashboard);
    if (dashboard) this.grafanaDashboard = add(new BackupGrafanaDashboard(this, 'GrafanaDashboard', dashboard).apiObject);
    this.claimObjectNames(id);
    this.node.addValidation({ validate: () => this.nameClashes() });
  }

  /**
   * At synthesis: objects of the chart, added by the app around this
   * construct, that have the name of one of ours (they would replace each other).
   */
  private nameClashes(): string[] {
    const ours = new Map(this.apiObjects.map((o) => [objectKey(o), o]));
    const mine = new Set<ApiObject>(this.apiObjects);
    const clashes: string[] = [];
    for (const c of Chart.of(this).node.findAll()) {
      if (!(c instanceof ApiObject) || mine.has(c)) continue;
      const clash = ours.get(objectKey(c));
      if (clash) {
        clashes.push(
          `${clash.kind} "${clash.name}" is also the name of ${c.node.path} in the same chart: set this InfrahubBackup's releaseName or values.fullnameOverride, or rename the other object`,
        );
      }
    }
    return clashes;
  }

  /** Records this construct's objects in its chart; refuses names another InfrahubBackup there already uses. */
  private claimObjectNames(id: string): void {
    const chart = Chart.of(this);
    let owners = OBJECTS_OF_CHART.get(chart);
    if (!owners) OBJECTS_OF_CHART.set(chart, (owners = new Map<string, string>()));
    const path = this.node.path;
    for (const o of this.apiObjects) {
      const owner = owners.get(objectKey(o));
      if (owner === undefined || owner === path) continue;
      const suggestion = releaseNameOf(id);
      throw new Error(
        `InfrahubBackup "${path}": its ${o.kind} "${o.name}" would replace the one of InfrahubBackup "${owner}" in the same chart: ` +
          `give each InfrahubBackup its own releaseName${suggestion ? ` (e.g. releaseName: "${suggestion}")` : ''} or values.fullnameOverride; ` +
          'to share one ServiceAccount and Role, set serviceAccount.create=false, serviceAccount.name and rbac.create=false on this one',
      );
    }
    for (const o of this.apiObjects) owners.set(objectKey(o), path);
  }
}
