/**
 * The objects of a release, each a shape and the condition under which it is
 * rendered. The chart build writes one template file per object
 * (`templates/<file>`); InfrahubBackup renders the same objects under the
 * same conditions.
 */
import { and, eq, not, or, truthy, val, type Cond, type Shape } from './expr';
import { backupClaim, backupCronJob, backupJob, persistsLocally } from './backup';
import { freshnessCronJob, retentionCronJob, verificationCronJob } from './maintenance';
import { restoreCronJob, restoreJob } from './restore';
import { guardCronJob } from './guard';
import { grafanaDashboard, prometheusRule } from './monitoring';
import { networkPolicy } from './network-policy';
import { role, roleBinding, serviceAccount } from './rbac';
import { restoreRequest } from './requests';
import { withRegistry } from './image-registry';

/** An object of the release. */
export interface ObjectShape {
  /** Its template file in the chart. */
  readonly file: string;
  /** Why it exists (the file's comment). */
  readonly doc: string;
  /** When it is rendered. */
  readonly when: Cond;
  readonly shape: Shape;
}

const backup = truthy(val('v.backup.enabled'));
const restore = truthy(val('v.restore.enabled'));
const backupToS3 = and(backup, eq(val('v.backup.storage.type'), 's3'));
const any = or(backup, restore);

/** The objects, by the name InfrahubBackup gives their handles. */
export const OBJECTS = {
  serviceAccount: {
    file: 'serviceaccount.yaml',
    doc: 'The ServiceAccount of the pods; the pods that need its token mount it themselves',
    when: and(any, truthy(val('v.serviceAccount.create'))),
    shape: serviceAccount,
  },
  role: {
    file: 'role.yaml',
    doc: 'The Role of the pods: exactly what the infrahub-backup image calls',
    when: and(any, truthy(val('v.rbac.create'))),
    shape: role,
  },
  roleBinding: {
    file: 'rolebinding.yaml',
    doc: 'Binds the Role to the pods\' ServiceAccount',
    when: and(any, truthy(val('v.rbac.create'))),
    shape: roleBinding,
  },
  backupClaim: {
    file: 'pvc-backup.yaml',
    doc: 'The claim that keeps local archives; it outlives the release',
    when: and(backup, persistsLocally, not(truthy(val('v.backup.storage.local.persistence.existingClaim')))),
    shape: backupClaim,
  },
  backupJob: {
    file: 'job-backup.yaml',
    doc: 'The one-shot backup Job, named after a hash of the configuration; not a hook: upgrades do not re-run it',
    when: and(backup, eq(val('v.backup.mode'), 'job')),
    shape: backupJob,
  },
  backupCronJob: {
    file: 'cronjob-backup.yaml',
    doc: 'Scheduled backups',
    when: and(backup, eq(val('v.backup.mode'), 'cronjob')),
    shape: backupCronJob,
  },
  retentionCronJob: {
    file: 'cronjob-retention.yaml',
    doc: 'Deletes old archives; the newest is always kept',
    when: and(backupToS3, truthy(val('v.backup.retention.enabled'))),
    shape: retentionCronJob,
  },
  verificationCronJob: {
    file: 'cronjob-verification.yaml',
    doc: 'Streams the newest archive and checks every checksum; with monitoring.freshness, checks its age first',
    when: and(backupToS3, truthy(val('v.backup.verification.enabled'))),
    shape: verificationCronJob,
  },
  freshnessCronJob: {
    file: 'cronjob-freshness.yaml',
    doc: 'The freshness-only CronJob, when verification is off',
    when: and(backupToS3, truthy(val('v.monitoring.freshness.enabled')), not(truthy(val('v.backup.verification.enabled')))),
    shape: freshnessCronJob,
  },
  restoreJob: {
    file: 'job-restore.yaml',
    doc: 'The restore Job: destructive, so never retried, never deleted by a TTL, not a hook, and named after the restore request',
    when: and(restore, eq(val('v.restore.mode'), 'job')),
    shape: restoreJob,
  },
  restoreCronJob: {
    file: 'cronjob-restore.yaml',
    doc: 'A scheduled restore: runs never overlap, a failed run is never retried',
    when: and(restore, eq(val('v.restore.mode'), 'cronjob')),
    shape: restoreCronJob,
  },
  guardCronJob: {
    file: 'cronjob-guard.yaml',
    doc: 'The scale guard: restores the replicas a killed backup or restore left at zero (guard repair)',
    when: and(any, truthy(val('v.guard.enabled'))),
    shape: guardCronJob,
  },
  networkPolicy: {
    file: 'networkpolicy.yaml',
    doc: 'The NetworkPolicy of the release\'s pods: no ingress; egress to DNS, the API server, the S3 endpoint in use, the credential endpoints and extraEgress',
    when: and(any, truthy(val('v.networkPolicy.enabled'))),
    shape: networkPolicy,
  },
  prometheusRule: {
    file: 'prometheusrule.yaml',
    doc: 'The alerts on kube-state-metrics series',
    when: and(any, truthy(val('v.monitoring.prometheusRule.enabled'))),
    shape: prometheusRule,
  },
  grafanaDashboard: {
    file: 'configmap-dashboard.yaml',
    doc: 'The Grafana dashboard of scheduled backups',
    when: and(truthy(val('v.monitoring.grafanaDashboard.enabled')), backup, eq(val('v.backup.mode'), 'cronjob')),
    shape: grafanaDashboard,
  },
} as const satisfies Record<string, ObjectShape>;

/** Shapes the chart calls besides the objects: the restore request the deployment hashes, the image registry the resolved values apply. */
export const TEMPLATE_SHAPES: readonly Shape[] = [restoreRequest, withRegistry];
