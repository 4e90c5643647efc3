/**
 * The NetworkPolicy of a release's pods (`networkPolicy`): the backup, restore
 * and companion pods accept no connection, and reach only DNS, the Kubernetes
 * API (the image drives Infrahub with kubectl), the S3 endpoint and the
 * user's `extraEgress`. Its shape is src/shapes/network-policy.ts.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { INetworkPolicyEgressRule, INetworkPolicySpec } from 'kubernetes-models/networking.k8s.io/v1';
import type { RenderPlan } from '../model/plan';
import { evaluate } from '../shapes/evaluate';
import { egressRules as egressRulesShape } from '../shapes/network-policy';
import { renderScope } from '../shapes/scope';
import { k8s } from './kplus';
import { kindObject, type ObjectMetadata } from './workload';

export { CREDENTIAL_ENDPOINTS, endpointPort, POD_COMPONENTS } from '../shapes/network-policy';

/** The egress rules, in order: DNS, API server, S3, the credential endpoints, then `extraEgress`. */
export function egressRules(d: RenderPlan): INetworkPolicyEgressRule[] {
  return evaluate(egressRulesShape, renderScope(d));
}

/** What the NetworkPolicy renders. */
export interface NetworkPolicyProps {
  /** The NetworkPolicy's metadata. */
  readonly metadata: ObjectMetadata;
  /** Its spec: the release's pods, no ingress, the egress rules. */
  readonly spec: INetworkPolicySpec;
}

/** Denies ingress to the release's pods and limits their egress. */
export class BackupNetworkPolicy extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: NetworkPolicyProps) {
    super(scope, id);
    this.apiObject = kindObject(this, k8s.KubeNetworkPolicy.GVK, props);
  }
}
