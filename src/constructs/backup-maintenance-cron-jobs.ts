/**
 * CronJobs of the companion image that look after the archives in S3:
 * retention (`s3 prune`) and verification (`s3 verify --latest`). They need no
 * Kubernetes rights, so their pods do not mount the ServiceAccount token; the
 * ServiceAccount still gives them its cloud identity (IRSA, workload identity).
 * Their shapes are in src/shapes/maintenance.ts.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from './kplus';
import { CronJobObjectProps, kindObject } from './workload';

/**
 * Deletes old archives on `backup.retention.schedule`: counts only archives
 * the verification CronJob proved (its default schedule runs first), keeps
 * every archive newer than the newest proven one, and deletes nothing when
 * none is proven.
 */
export class BackupRetentionCronJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: CronJobObjectProps) {
    super(scope, id);
    this.apiObject = kindObject(this, k8s.KubeCronJob.GVK, props);
  }
}

/**
 * Streams the newest archive on `backup.verification.schedule` and checks
 * every checksum; with `monitoring.freshness`, checks the archive's age first.
 */
export class BackupVerificationCronJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: CronJobObjectProps) {
    super(scope, id);
    this.apiObject = kindObject(this, k8s.KubeCronJob.GVK, props);
  }
}
