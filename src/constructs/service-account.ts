import { ApiObject } from 'cdk8s';
import * as kplus from './kplus';
import { Construct } from 'constructs';
import type { ObjectMetadata } from './workload';

/** What the ServiceAccount renders. */
export interface ServiceAccountProps {
  /** Its metadata, with `serviceAccount.annotations` (cloud identities). */
  readonly metadata: ObjectMetadata;
  /** Whether pods mount its token by default. */
  readonly automountServiceAccountToken: boolean;
}

/**
 * The ServiceAccount of the backup and restore pods. It does not mount its
 * token by default (`automountServiceAccountToken: false`); the pods that need
 * it ask for it. Its annotations carry cloud identities (IRSA, workload
 * identity) when no S3 Secret is used.
 */
export class BackupServiceAccount extends Construct {
  public readonly serviceAccount: kplus.ServiceAccount;
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: ServiceAccountProps) {
    super(scope, id);
    this.serviceAccount = new kplus.ServiceAccount(this, 'Resource', { automountToken: props.automountServiceAccountToken, metadata: props.metadata });
    this.apiObject = ApiObject.of(this.serviceAccount);
  }
}
