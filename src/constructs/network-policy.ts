/**
 * The NetworkPolicy of a release's pods (`networkPolicy`): the backup, restore
 * and companion pods accept no connection, and reach only DNS, the Kubernetes
 * API (the image drives Infrahub with kubectl), the S3 endpoint and the
 * user's `extraEgress`.
 */
import { ApiObject } from 'cdk8s';
import { k8s } from './kplus';
import { Construct } from 'constructs';
import type { INetworkPolicyEgressRule, INetworkPolicyPort, INetworkPolicySpec } from 'kubernetes-models/networking.k8s.io/v1';
import type { RenderPlan } from '../model/plan';
import { commonLabels, selectorLabels } from '../model/objects';

/** The `app.kubernetes.io/component` labels of every pod a release can run. */
export const POD_COMPONENTS = ['backup', 'restore', 'retention', 'verification', 'freshness'] as const;

/** The S3 endpoint the release's pods talk to, or undefined when none uses S3. */
export function s3EndpointInUse(d: RenderPlan): string | undefined {
  const { backup, restore } = d.values;
  if (backup.enabled && backup.storage.type === 's3') return backup.storage.s3.endpoint;
  if (restore.enabled && restore.storage.type === 's3') return restore.storage.s3.endpoint;
  return undefined;
}

/** The port of an S3 endpoint URL: its own, else 80 for http://, else 443 (also AWS S3, no endpoint). */
export function endpointPort(endpoint: string): number {
  const host = /^https?:\/\/([^/]+)/.exec(endpoint)?.[1] ?? '';
  const port = /:([0-9]+)$/.exec(host)?.[1];
  if (port) return parseInt(port, 10);
  return endpoint.startsWith('http://') ? 80 : 443;
}

function peers(cidrs: readonly string[]): Pick<INetworkPolicyEgressRule, 'to'> {
  return cidrs.length > 0 ? { to: cidrs.map((cidr) => ({ ipBlock: { cidr } })) } : {};
}

/**
 * The credential endpoints `networkPolicy.credentialEndpoints` may name, in
 * the order their rules are written: the addresses (none: any address) and
 * the TCP port each serves on.
 */
export const CREDENTIAL_ENDPOINTS: Readonly<Record<string, { readonly cidrs: readonly string[]; readonly port: number }>> = {
  // The EKS Pod Identity agent, on every node (IPv4 and IPv6 link-local addresses).
  'eks-pod-identity': { cidrs: ['169.254.170.23/32', 'fd00:ec2::23/128'], port: 80 },
  // EC2's instance metadata service (IMDS), and GKE's metadata server at the same address.
  'instance-metadata': { cidrs: ['169.254.169.254/32', 'fd00:ec2::254/128'], port: 80 },
  // A ServiceAccount token exchanged over HTTPS (AWS STS for IRSA, Entra ID for Azure workload identity): no fixed address.
  'web-identity': { cidrs: [], port: 443 },
};

/** The egress rules, in order: DNS, API server, S3, the credential endpoints, then `extraEgress`. */
export function egressRules(d: RenderPlan): INetworkPolicyEgressRule[] {
  const n = d.values.networkPolicy;
  const rules: INetworkPolicyEgressRule[] = [
    { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
  ];
  const apiPorts = n.apiServer.ports as INetworkPolicyPort[];
  // No ports and no addresses would allow everything: leave the rule out instead.
  if (apiPorts.length > 0 || n.apiServer.cidrs.length > 0) {
    rules.push({ ...peers(n.apiServer.cidrs), ...(apiPorts.length > 0 ? { ports: apiPorts } : {}) });
  }
  const endpoint = s3EndpointInUse(d);
  if (endpoint !== undefined) {
    rules.push({ ...peers(n.s3.cidrs), ports: [{ port: n.s3.port ?? endpointPort(endpoint), protocol: 'TCP' }] });
  }
  for (const [name, e] of Object.entries(CREDENTIAL_ENDPOINTS)) {
    if (n.credentialEndpoints.includes(name)) rules.push({ ...peers(e.cidrs), ports: [{ port: e.port, protocol: 'TCP' }] });
  }
  // concat, not push(...): a long user list spread into call arguments overflows the stack.
  return rules.concat(n.extraEgress as INetworkPolicyEgressRule[]);
}

/** Denies ingress to the release's pods and limits their egress. */
export class BackupNetworkPolicy extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, d: RenderPlan) {
    super(scope, id);
    const spec: INetworkPolicySpec = {
      podSelector: {
        matchLabels: selectorLabels(d.values, d.release),
        matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: [...POD_COMPONENTS] }],
      },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: egressRules(d),
    };
    this.apiObject = new ApiObject(this, 'Resource', {
      ...k8s.KubeNetworkPolicy.GVK,
      metadata: { name: d.names.networkPolicy, namespace: d.namespace, labels: commonLabels(d.values, d.release, 'network-policy') },
      spec,
    });
  }
}
