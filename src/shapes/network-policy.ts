/**
 * The NetworkPolicy of a release's pods (`networkPolicy`): the backup, restore
 * and companion pods accept no connection, and reach only DNS, the Kubernetes
 * API (the image drives Infrahub with kubectl), the S3 endpoint in use, the
 * credential endpoints the values name and the user's `extraEgress`.
 */
import { algorithm, and, call, concat, eq, has, mapList, maybe, omitEmpty, or, present, shape, truthy, val, when, type Template } from './expr';
import { metadata } from './workload';

/** The `app.kubernetes.io/component` labels of every pod a release can run. */
export const POD_COMPONENTS = ['backup', 'restore', 'retention', 'verification', 'freshness', 'guard'] as const;

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

/** The port of an S3 endpoint URL: its own, else 80 for http://, else 443 (also AWS S3, no endpoint). */
export function endpointPort(endpoint: string): number {
  const host = /^https?:\/\/([^/]+)/.exec(endpoint)?.[1] ?? '';
  const port = /:([0-9]+)$/.exec(host)?.[1];
  if (port) return parseInt(port, 10);
  return endpoint.startsWith('http://') ? 80 : 443;
}

const n = 'v.networkPolicy';
const backupS3 = and(truthy(val('v.backup.enabled')), eq(val('v.backup.storage.type'), 's3'));
const restoreS3 = and(truthy(val('v.restore.enabled')), eq(val('v.restore.storage.type'), 's3'));
/** The S3 endpoint the release's pods talk to. */
const endpoint = when(backupS3, val('v.backup.storage.s3.endpoint'), val('v.restore.storage.s3.endpoint'));

/** Peers of a list of CIDRs (none: left out, any address). */
function peers(cidrs: Template) {
  return omitEmpty(mapList(cidrs, (cidr) => ({ ipBlock: { cidr } })));
}

/** The egress rules, in order: DNS, API server, S3, the second copy's endpoint, the credential endpoints, then `extraEgress`. */
export const egressRules = shape(
  'egressRules',
  'The egress rules of the NetworkPolicy',
  [],
  concat(
    [{ ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }],
    // No ports and no addresses would allow everything: the rule is left out instead.
    maybe(or(truthy(val(`${n}.apiServer.ports`)), truthy(val(`${n}.apiServer.cidrs`))), {
      to: peers(val(`${n}.apiServer.cidrs`)),
      ports: omitEmpty(val(`${n}.apiServer.ports`)),
    }),
    maybe(or(backupS3, restoreS3), {
      to: peers(val(`${n}.s3.cidrs`)),
      ports: [{ port: when(present(val(`${n}.s3.port`)), val(`${n}.s3.port`), algorithm('endpointPort', endpoint)), protocol: 'TCP' }],
    }),
    // The second copy's endpoint (backup.storage.s3.copy) may be another host on another port: its port, any address.
    maybe(and(backupS3, truthy(val('v.backup.storage.s3.copy.enabled'))), {
      ports: [{ port: algorithm('endpointPort', val('v.backup.storage.s3.copy.endpoint')), protocol: 'TCP' }],
    }),
    ...Object.entries(CREDENTIAL_ENDPOINTS).map(([name, e]) =>
      maybe(has(val(`${n}.credentialEndpoints`), name), {
        ...(e.cidrs.length > 0 ? { to: e.cidrs.map((cidr) => ({ ipBlock: { cidr } })) } : {}),
        ports: [{ port: e.port, protocol: 'TCP' }],
      }),
    ),
    val(`${n}.extraEgress`),
  ),
);

/** Denies ingress to the release's pods and limits their egress. */
export const networkPolicy = shape('networkPolicy', 'The NetworkPolicy', [], {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: call(metadata, { name: val('names.networkPolicy'), component: 'network-policy' }),
  spec: {
    podSelector: {
      matchLabels: val('selector'),
      matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: [...POD_COMPONENTS] }],
    },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [],
    egress: call(egressRules),
  },
});
