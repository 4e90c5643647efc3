import { ApiObject } from 'cdk8s';
import * as kplus from './kplus';
import { Construct } from 'constructs';
import type { RenderPlan } from '../model/plan';
import { evaluate } from '../shapes/evaluate';
import { roleBinding as roleBindingShape } from '../shapes/rbac';
import { renderScope } from '../shapes/scope';

/**
 * A ServiceAccount the values name but do not create. Unlike
 * `ServiceAccount.fromServiceAccountName`, it names no namespace when none is
 * given (instead of "default").
 */
class ExistingServiceAccount extends Construct implements kplus.ISubject {
  constructor(
    scope: Construct,
    id: string,
    private readonly accountName: string,
    private readonly namespace?: string,
  ) {
    super(scope, id);
  }

  public toSubjectConfiguration(): kplus.SubjectConfiguration {
    return { kind: 'ServiceAccount', name: this.accountName, apiGroup: '', ...(this.namespace === undefined ? {} : { namespace: this.namespace }) };
  }
}

/**
 * Binds the Role to the pods' ServiceAccount (created here or existing), in
 * the release namespace. Without a namespace the subject names none either:
 * Kubernetes reads a ServiceAccount subject of a RoleBinding in the binding's
 * own namespace.
 */
export class BackupRoleBinding extends Construct {
  public readonly roleBinding: kplus.RoleBinding;
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, d: RenderPlan, role: kplus.IRole, serviceAccount?: kplus.IServiceAccount) {
    super(scope, id);
    const binding = (this.roleBinding = new kplus.RoleBinding(this, 'Resource', {
      role,
      metadata: evaluate(roleBindingShape, renderScope(d)).metadata,
    }));
    binding.addSubjects(serviceAccount ?? new ExistingServiceAccount(this, 'ServiceAccount', d.names.serviceAccount, d.namespace));
    this.apiObject = ApiObject.of(binding);
  }
}
