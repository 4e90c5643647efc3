import { ApiObject } from 'cdk8s';
import * as kplus from './kplus';
import { Construct } from 'constructs';
import type { RenderPlan } from '../model/plan';
import { evaluate } from '../shapes/evaluate';
import { serviceAccount as serviceAccountShape } from '../shapes/rbac';
import { renderScope } from '../shapes/scope';

/**
 * The ServiceAccount of the backup and restore pods. It does not mount its
 * token by default (`automountServiceAccountToken: false`); the pods that need
 * it ask for it. Its annotations carry cloud identities (IRSA, workload
 * identity) when no S3 Secret is used.
 */
export class BackupServiceAccount extends Construct {
  public readonly serviceAccount: kplus.ServiceAccount;
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, d: RenderPlan) {
    super(scope, id);
    const { metadata, automountServiceAccountToken } = evaluate(serviceAccountShape, renderScope(d));
    this.serviceAccount = new kplus.ServiceAccount(this, 'Resource', { automountToken: automountServiceAccountToken, metadata });
    this.apiObject = ApiObject.of(this.serviceAccount);
  }
}
