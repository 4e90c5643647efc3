/**
 * The freshness-only CronJob: when verification is off, `s3 latest --max-age`
 * still checks on `monitoring.freshness.schedule` that a recent archive landed
 * in the bucket, so a backup that "succeeds" without uploading fails a Job.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from './kplus';
import { CronJobObjectProps, kindObject } from './workload';

/** Fails its Job when the newest archive is older than `monitoring.backupMaxAge`. */
export class BackupFreshnessCronJob extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: CronJobObjectProps) {
    super(scope, id);
    this.apiObject = kindObject(this, k8s.KubeCronJob.GVK, props);
  }
}
