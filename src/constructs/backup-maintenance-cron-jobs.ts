/**
 * CronJobs of the companion image that look after the archives in S3:
 * retention (`s3 prune`) and verification (`s3 verify --latest`). They need no
 * Kubernetes rights, so their pods do not mount the ServiceAccount token; the
 * ServiceAccount still gives them its cloud identity (IRSA, workload identity).
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IContainer } from 'kubernetes-models/v1';
import type { RenderPlan } from '../model/plan';
import { backupMaxAge } from '../model/max-age';
import { companionContainer } from './companion';
import { tmpVolume, workloadPodTemplate } from './pod';
import { cronJobObject } from './workload';

/**
 * A CronJob of the companion image running `s3 <args>` (and `initContainers`
 * first) on the backups' bucket, with the heartbeat of `monitoring.heartbeat`.
 */
export function maintenanceCronJob(
  scope: Construct,
  d: RenderPlan,
  component: string,
  name: string,
  schedule: string,
  args: string[],
  initContainers: IContainer[] = [],
): ApiObject {
  const v = d.values;
  const template = workloadPodTemplate(d, {
    component,
    containers: [companionContainer(d, component, args, v.backup.storage.s3, [], true)],
    initContainers,
    volumes: [tmpVolume(d)],
    automountToken: false,
  });
  const controls = { backoffLimit: v.job.backoffLimit ?? 0, activeDeadlineSeconds: v.job.activeDeadlineSeconds };
  return cronJobObject(scope, d, { name, component, template, controls }, schedule, 'Forbid');
}

/**
 * Deletes old archives on `backup.retention.schedule`: counts only archives
 * the verification CronJob proved (its default schedule runs first), keeps
 * every archive newer than the newest proven one, and deletes nothing when
 * none is proven.
 */
export class BackupRetentionCronJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, d: RenderPlan) {
    super(scope, id);
    const r = d.values.backup.retention;
    const args = ['prune', '--keep-last', String(r.keepLast)];
    if (r.keepDays) args.push('--keep-days', String(r.keepDays));
    this.apiObject = maintenanceCronJob(this, d, 'retention', d.names.retentionCronJob, r.schedule, args);
  }
}

/**
 * The freshness check: fails when the newest restorable archive is older than
 * `monitoring.backupMaxAge`. It asks whether backups arrive, not whether they
 * are proven (the verification that follows proves them): unproven archives
 * whose ends look complete count.
 */
export function freshnessArgs(d: RenderPlan): string[] {
  return ['latest', '--accept-unproven', '--max-age', backupMaxAge(d.values)];
}

/** The container that fails when the newest archive is older than `monitoring.backupMaxAge` (`s3 latest --max-age`). */
export function freshnessContainer(d: RenderPlan): IContainer {
  return companionContainer(d, 'freshness', freshnessArgs(d), d.values.backup.storage.s3, [], true);
}

/**
 * Streams the newest archive on `backup.verification.schedule` and checks
 * every checksum; with `monitoring.freshness`, checks the archive's age first.
 */
export class BackupVerificationCronJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, d: RenderPlan) {
    super(scope, id);
    const init = d.values.monitoring.freshness.enabled ? [freshnessContainer(d)] : [];
    this.apiObject = maintenanceCronJob(this, d, 'verification', d.names.verificationCronJob, d.values.backup.verification.schedule, ['verify', '--latest'], init);
  }
}
