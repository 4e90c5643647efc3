/**
 * The NetworkPolicy: schema-valid, its pod selector matches every pod template
 * a release renders and no other pod, and its rules let through only DNS, the
 * API server, S3 and the user's extra rules.
 */
import { validateObject } from '../support/kube-schema';
import { KubeObject, mergeDocs, MODES, only, podTemplateOf, S3_BACKUP, S3_RESTORE, synthObjects, TestValues } from '../support/synth';
import { egressRules } from '../../src/constructs/network-policy';
import type { RenderPlan } from '../../src/model/plan';
import { resolveValues } from '../../src/model/resolve';

const POLICY = { networkPolicy: { enabled: true } };
const COMPANIONS = { backup: { mode: 'cronjob', retention: { enabled: true } }, monitoring: { freshness: { enabled: true } } };

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** Whether a label selector selects these labels (Kubernetes' rules). */
function selects(selector: Selector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const ok =
      e.operator === 'In' ? has && (e.values ?? []).includes(labels[e.key])
        : e.operator === 'NotIn' ? !has || !(e.values ?? []).includes(labels[e.key])
          : e.operator === 'Exists' ? has
            : e.operator === 'DoesNotExist' ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

function policyOf(objects: KubeObject[]): KubeObject {
  return only(objects, 'NetworkPolicy');
}

function podLabelSets(objects: KubeObject[]): Array<Record<string, string>> {
  return objects.filter((o) => o.kind === 'Job' || o.kind === 'CronJob').map((w) => podTemplateOf(w).metadata.labels);
}

/** Every deployment mode, with and without the companion CronJobs and user pod labels. */
const DEPLOYMENTS: Array<[string, TestValues]> = [
  // A restore of the newest archive without a credentials Secret gets them from EKS Pod Identity (refused without credential egress).
  ...Object.entries(MODES).map(
    ([name, values]) => [name, mergeDocs(values, POLICY, name === 'restore latest' ? { networkPolicy: { credentialEndpoints: ['eks-pod-identity'] } } : {})] as [string, TestValues],
  ),
  ['scheduled S3 backup with retention and freshness', mergeDocs(S3_BACKUP, COMPANIONS, POLICY)],
  ['scheduled S3 backup with verification', mergeDocs(S3_BACKUP, COMPANIONS, { backup: { verification: { enabled: true } } }, POLICY)],
  ['pod labels and a name override', mergeDocs(S3_BACKUP, COMPANIONS, POLICY, { nameOverride: 'ib', podLabels: { team: 'platform', 'app.kubernetes.io/component': 'other' } })],
];

describe('NetworkPolicy', () => {
  test('off by default', () => {
    expect(synthObjects(mergeDocs(S3_BACKUP, COMPANIONS)).map((o) => o.kind)).not.toContain('NetworkPolicy');
    expect(synthObjects(POLICY)).toEqual([]);
  });

  test.each(DEPLOYMENTS)('%s: valid, and selects every pod it renders', (_name, values) => {
    const objects = synthObjects(values);
    const policy = policyOf(objects);
    expect(() => validateObject(policy)).not.toThrow();
    const pods = podLabelSets(objects);
    expect(pods.length).toBeGreaterThan(0);
    for (const labels of pods) expect(selects(policy.spec.podSelector, labels)).toBe(true);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toEqual([]);
  });

  test.each(DEPLOYMENTS)('%s: selects no pod of another release, of another chart name, nor Infrahub\'s', (_name, values) => {
    const policy = policyOf(synthObjects(values));
    const others = [
      ...podLabelSets(synthObjects(values, 'staging')),
      ...podLabelSets(synthObjects(mergeDocs(values, { nameOverride: 'backups' }))),
      { 'app.kubernetes.io/name': 'infrahub', 'app.kubernetes.io/instance': 'infrahub-backup', 'app.kubernetes.io/component': 'infrahub-server' },
      { 'app.kubernetes.io/name': 'infrahub-backup', 'app.kubernetes.io/instance': 'infrahub-backup', 'app.kubernetes.io/component': 'database' },
      { 'app.kubernetes.io/name': 'infrahub-backup', 'app.kubernetes.io/instance': 'infrahub-backup' },
    ];
    for (const labels of others) expect(selects(policy.spec.podSelector, labels)).toBe(false);
  });

  test('egress: DNS, the API server on 443 and 6443, S3 on the endpoint\'s port, in that order', () => {
    const policy = policyOf(synthObjects(mergeDocs(S3_BACKUP, POLICY)));
    expect(policy.spec.egress).toEqual([
      { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
      { ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }] },
      { ports: [{ port: 443, protocol: 'TCP' }] },
    ]);
  });

  test.each([
    ['https://minio.example.com:9000', 9000],
    ['http://minio.minio.svc:9000/', 9000],
    ['http://ceph.local', 80],
    ['https://storage.googleapis.com', 443],
    ['http://[fd00::5]:8080', 8080],
  ])('S3 port of %s is %d', (endpoint, port) => {
    const egress = policyOf(synthObjects(mergeDocs(S3_BACKUP, POLICY, { backup: { storage: { s3: { endpoint } } } }))).spec.egress;
    expect(egress[2]).toEqual({ ports: [{ port, protocol: 'TCP' }] });
    const restore = policyOf(synthObjects(mergeDocs(S3_RESTORE, POLICY, { restore: { storage: { s3: { endpoint } } } }))).spec.egress;
    expect(restore[2]).toEqual({ ports: [{ port, protocol: 'TCP' }] });
  });

  test('addresses, ports and extra rules', () => {
    const extra = [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'proxy' } } }], ports: [{ port: 3128, protocol: 'TCP' }] }];
    const policy = policyOf(
      synthObjects(
        mergeDocs(S3_BACKUP, {
          networkPolicy: {
            enabled: true,
            apiServer: { cidrs: ['172.20.0.10/32', '172.20.0.11/32'], ports: [{ port: 6443, protocol: 'TCP' }] },
            s3: { cidrs: ['192.0.2.0/24'], port: 8443 },
            extraEgress: extra,
          },
        }),
      ),
    );
    expect(() => validateObject(policy)).not.toThrow();
    expect(policy.spec.egress.slice(1)).toEqual([
      { to: [{ ipBlock: { cidr: '172.20.0.10/32' } }, { ipBlock: { cidr: '172.20.0.11/32' } }], ports: [{ port: 6443, protocol: 'TCP' }] },
      { to: [{ ipBlock: { cidr: '192.0.2.0/24' } }], ports: [{ port: 8443, protocol: 'TCP' }] },
      ...extra,
    ]);
  });

  test('no S3 rule without S3; the API rule needs a port', () => {
    const local = policyOf(synthObjects(mergeDocs(MODES['one-shot local backup without persistence'], POLICY))).spec.egress;
    expect(local).toHaveLength(2);
    // No port would make the rule allow every port to every address, or drop the API rule: at least one is required.
    expect(() => synthObjects(mergeDocs(S3_BACKUP, { networkPolicy: { enabled: true, apiServer: { ports: [] } } }))).toThrow(
      /networkPolicy\.apiServer\.ports: must NOT have fewer than 1 items/,
    );
    expect(() => synthObjects(mergeDocs(S3_BACKUP, { networkPolicy: { enabled: true, apiServer: { ports: null } } }))).toThrow(
      /networkPolicy\.apiServer\.ports: is null, and this setting cannot be empty/,
    );
    const addresses = policyOf(
      synthObjects(mergeDocs(S3_BACKUP, { networkPolicy: { enabled: true, apiServer: { ports: [{ port: 6443, protocol: 'TCP' }], cidrs: ['10.0.0.1/32'] } } })),
    ).spec.egress;
    expect(addresses[1]).toEqual({ to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ port: 6443, protocol: 'TCP' }] });
  });

  test('addresses that are not CIDRs are refused, naming the value', () => {
    expect(() => synthObjects(mergeDocs(S3_BACKUP, { networkPolicy: { enabled: true, apiServer: { cidrs: ['10.0.0.1'] } } }))).toThrow(
      /networkPolicy\.apiServer\.cidrs\[0\]: string "10\.0\.0\.1" is not valid; it must be a CIDR such as 10\.0\.0\.1\/32/,
    );
  });
});

test('a long extraEgress list is appended without spreading it into call arguments (which overflows the stack)', () => {
  const extra = Array.from({ length: 200_000 }, (_, i) => ({ ports: [{ port: 1024 + (i % 1000) }] }));
  const base = resolveValues(mergeDocs(S3_BACKUP, POLICY), { release: 'infrahub', namespace: 'infrahub' });
  const d = { values: { ...base, networkPolicy: { ...base.networkPolicy, extraEgress: extra } } } as unknown as RenderPlan;
  const rules = egressRules(d);
  expect(rules).toHaveLength(200_000 + 3);
  expect(rules[rules.length - 1]).toBe(extra[extra.length - 1]);
});
