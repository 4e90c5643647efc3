import { ApiObject } from 'cdk8s';
import * as kplus from './kplus';
import { Construct } from 'constructs';
import type { ObjectMetadata } from './workload';

/** What the RoleBinding renders. */
export interface RoleBindingProps {
  /** The RoleBinding's metadata. */
  readonly metadata: ObjectMetadata;
  /** The Role it binds. */
  readonly role: kplus.IRole;
  /** The ServiceAccount created beside it. @default - the existing `serviceAccountName` */
  readonly serviceAccount?: kplus.IServiceAccount;
  /** The name of the pods' ServiceAccount. */
  readonly serviceAccountName: string;
  /** The release namespace. @default - none: Kubernetes reads the subject in the binding's namespace */
  readonly namespace?: string;
}

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

  constructor(scope: Construct, id: string, props: RoleBindingProps) {
    super(scope, id);
    const binding = (this.roleBinding = new kplus.RoleBinding(this, 'Resource', {
      role: props.role,
      metadata: props.metadata,
    }));
    binding.addSubjects(props.serviceAccount ?? new ExistingServiceAccount(this, 'ServiceAccount', props.serviceAccountName, props.namespace));
    this.apiObject = ApiObject.of(binding);
  }
}
