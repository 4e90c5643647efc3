/**
 * App mode's namespace rule against Argo CD's own reading of the plugin's
 * output (test/support/argocd-reader.ts: sigs.k8s.io/yaml, apimachinery's
 * document splitting, Unstructured.IsList unpacking): whatever an app writes
 * (objects hiding in `items`, merge keys, anchors, duplicate keys, JSON,
 * odd separators, kinds the plugin does not know), every object Argo CD
 * would deploy from what the plugin prints is in the destination namespace,
 * and an app whose own text Argo CD would deploy elsewhere is refused.
 */
import * as fc from 'fast-check';
import { checkNamespaces, CLUSTER_SCOPED, groupKind, NAMESPACED } from '../../src/argocd/namespace-rule';
import { InputError } from '../../src/input-error';
import { ARGOCD_READER, ArgocdReading, readAsArgocd } from '../support/argocd-reader';
import { describeWithGo } from '../support/go';

const DEST = 'infrahub';

/** Where Argo CD would put an object: fine only for a namespaced kind in the destination namespace (or none). */
function outside(object: Record<string, unknown>): boolean {
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
  const kind = typeof object.kind === 'string' ? object.kind : '';
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  const ns = typeof metadata === 'object' && metadata !== null ? metadata.namespace : undefined;
  if (!NAMESPACED.has(groupKind(apiVersion, kind))) return true;
  return !(ns === undefined || ns === null || ns === '' || ns === DEST);
}

/** The plugin's output for an app's text, or the lines it refused it with. */
function plugin(text: string): { output: string } | { refused: string[] } {
  try {
    return { output: checkNamespaces(text, DEST) };
  } catch (e) {
    if (e instanceof InputError) return { refused: e.lines };
    throw e;
  }
}

const objectsOf = (r: ArgocdReading) => ('objects' in r && r.objects !== undefined ? r.objects : []);

/** The three bypasses of issue 18 and variants written by hand. */
const BYPASSES: Record<string, string> = {
  'a ConfigMap whose items hold a ClusterRoleBinding to cluster-admin': [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: {name: innocent, namespace: infrahub}',
    'items:',
    '  - apiVersion: rbac.authorization.k8s.io/v1',
    '    kind: ClusterRoleBinding',
    '    metadata: {name: owned}',
    '    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}',
    '    subjects: [{kind: ServiceAccount, name: default, namespace: infrahub}]',
    '',
  ].join('\n'),
  'a custom kind with items holding a Secret in kube-system': 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: infrahub}\nitems: [{apiVersion: v1, kind: Secret, metadata: {name: s, namespace: kube-system}}]\n',
  'a merge key in metadata': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, <<: {namespace: kube-system}}\n',
  'a merge key through an anchor': 'x-base: &ns {namespace: kube-system}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n  <<: *ns\n',
  'a merge key list': 'apiVersion: v1\nkind: Secret\nmetadata:\n  <<: [{namespace: kube-system}, {namespace: infrahub}]\n  name: x\n',
  'a merge key at the top, bringing metadata': 'apiVersion: v1\nkind: Secret\n<<: {metadata: {name: x, namespace: kube-system}}\n',
  'a merge key bringing the kind': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n<<: {kind: ClusterRoleBinding}\nmetadata: {name: x}\n',
  'an explicitly tagged merge key': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, !!merge <<: {namespace: kube-system}}\n',
  'a duplicate namespace key': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n  namespace: infrahub\n  namespace: kube-system\n',
  'a duplicate metadata key': 'apiVersion: v1\nkind: Secret\nmetadata: {name: x, namespace: infrahub}\nmetadata: {name: x, namespace: kube-system}\n',
  'a cluster-scoped custom kind naming a namespace': 'apiVersion: external-secrets.io/v1beta1\nkind: ClusterSecretStore\nmetadata: {name: all, namespace: infrahub}\n',
  'an unknown kind naming the destination namespace': 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: infrahub}\n',
  'a JSON stream of two objects': '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}\n{"apiVersion":"v1","kind":"Secret","metadata":{"name":"b","namespace":"kube-system"}}\n',
  'a List in a List': 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items: [{apiVersion: v1, kind: Namespace, metadata: {name: x}}]\n',
  'items: null with a spec': 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nitems: null\nspec: {}\n',
};

describeWithGo('app mode against Argo CD\'s reading (sigs.k8s.io/yaml, document splitting, list unpacking)', ARGOCD_READER, (binary) => {
  test('the bypasses of issue 18 are real for Argo CD, and the plugin refuses each', () => {
    const names = Object.keys(BYPASSES);
    const readings = readAsArgocd(binary(), names.map((n) => BYPASSES[n]));
    const escaped = names.filter((_, i) => objectsOf(readings[i]).some(outside));
    // Argo CD would deploy each of these outside the destination namespace (or as a kind no one vouched for).
    expect(escaped).toEqual(names);
    const accepted = names.filter((n) => 'output' in plugin(BYPASSES[n]));
    expect(accepted).toEqual([]);
  });

  test('the example objects pass, and Argo CD reads from the output exactly the objects it would read from the app\'s text', () => {
    const text = [
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: infrahub\ndata:\n  "on": "yes"\n  n: 012\n  big: 12345678901234567890\n',
      'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: b}\nspec: {schedule: "0 2 * * *"}\n',
      'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ServiceAccount, metadata: {name: c}}\n- {apiVersion: v1, kind: Secret, metadata: {name: d, namespace: infrahub}, stringData: {"<<": "<<", x: "--- a"}}\n',
      'apiVersion: v1\nkind: ConfigMapList\nitems: null\n',
    ].join('---\n');
    const r = plugin(text);
    expect(r).toHaveProperty('output');
    const [own, printed] = readAsArgocd(binary(), [text, (r as { output: string }).output]);
    expect(printed).toEqual(own);
    expect(objectsOf(printed)).toHaveLength(4);
  });

  test('an item of a List that is itself an empty list (items: null, no spec or status) is not dropped from the output: refused instead', () => {
    // Argo CD deploys such an item as it is (items are not unpacked again); written alone, it would read as nothing.
    const texts = [
      'apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: ConfigMap, metadata: {name: x}, items: null}]\n',
      'apiVersion: v1\nkind: ConfigMapList\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: y}, items: ~}\n',
    ];
    const results = texts.map(plugin);
    const readings = readAsArgocd(binary(), [...texts, ...results.map((r) => ('output' in r ? r.output : ''))]);
    const changed = texts.filter((_, i) => 'output' in results[i] && JSON.stringify(readings[texts.length + i]) !== JSON.stringify(readings[i]));
    expect(changed).toEqual([]);
    expect(results).toEqual(texts.map(() => ({ refused: [expect.stringMatching(/^document 1, item 1: .*items: null/)] })));
  });

  test('drawn app outputs: whatever Argo CD would deploy from the plugin\'s output is in the destination namespace; text Argo CD would deploy elsewhere is refused', () => {
    const KINDS: Array<[string, string]> = [
      ['v1', 'ConfigMap'], ['v1', 'Secret'], ['apps/v1', 'Deployment'], ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
      ['v1', 'Namespace'], ['external-secrets.io/v1beta1', 'ClusterSecretStore'], ['example.com/v1', 'Widget'],
      ['v1', 'ConfigMapList'], ['v1', 'List'], ['monitoring.coreos.com/v1', 'PrometheusRule'],
    ];
    const namespaceArb = fc.constantFrom<string | undefined>(undefined, DEST, 'kube-system', '');
    // How a namespace is written into metadata (flow style), and how a kind is written at the top.
    const metadataArb = fc.record({ ns: namespaceArb, other: namespaceArb, style: fc.constantFrom('plain', 'merge', 'merge-list', 'anchor', 'duplicate', 'tagged-merge', 'quoted-merge', 'top-merge', 'alias-metadata') });
    const objectArb = fc.record({ kind: fc.constantFrom(...KINDS), hiddenKind: fc.option(fc.constantFrom(...KINDS), { nil: undefined }), metadata: metadataArb });
    type Drawn = { kind: [string, string]; hiddenKind?: [string, string]; metadata: { ns?: string; other?: string; style: string } };
    const q = (s: string) => JSON.stringify(s);
    const nsEntry = (ns: string | undefined) => (ns === undefined ? '' : `namespace: ${q(ns)}`);
    const join = (...parts: string[]) => parts.filter((p) => p !== '').join(', ');
    /** The top-level lines of an object (block style at the top, flow inside). */
    const objectLines = (o: Drawn, id: number): string[] => {
      const [apiVersion, kind] = o.kind;
      const lines = [`apiVersion: ${apiVersion}`, `kind: ${kind}`];
      if (o.hiddenKind !== undefined) lines.push(`<<: {kind: ${o.hiddenKind[1]}, apiVersion: ${o.hiddenKind[0]}}`);
      const { ns, other, style } = o.metadata;
      const name = `name: o${id}`;
      switch (style) {
        case 'plain': lines.push(`metadata: {${join(name, nsEntry(ns))}}`); break;
        case 'merge': lines.push(`metadata: {${join(name, `<<: {${nsEntry(ns)}}`)}}`); break;
        case 'merge-list': lines.push(`metadata: {${join(name, `<<: [{${nsEntry(ns)}}, {${nsEntry(other)}}]`)}}`); break;
        case 'anchor': lines.unshift(`x-ns${id}: &ns${id} {${nsEntry(ns)}}`); lines.push(`metadata: {${join(name, `<<: *ns${id}`)}}`); break;
        case 'duplicate': lines.push(`metadata: {${join(name, nsEntry(other), nsEntry(ns))}}`); break;
        case 'tagged-merge': lines.push(`metadata: {${join(name, `!!merge <<: {${nsEntry(ns)}}`)}}`); break;
        case 'quoted-merge': lines.push(`metadata: {${join(name, `"<<": {${nsEntry(ns)}}`)}}`); break;
        case 'top-merge': lines.push(`<<: {metadata: {${join(name, nsEntry(ns))}}}`); break;
        default: lines.unshift(`x-meta${id}: &meta${id} {${join(name, nsEntry(ns))}}`); lines.push(`metadata: *meta${id}`);
      }
      return lines;
    };
    const documentArb = fc.oneof(
      objectArb.map((o) => ({ shape: 'object', text: (id: number) => objectLines(o, id).join('\n') + '\n' })),
      fc.record({ list: objectArb, items: fc.array(objectArb, { maxLength: 3 }), nested: fc.boolean(), itemsNull: fc.constantFrom(false, 'bare', 'spec') }).map((l) => ({
        shape: 'list',
        text: (id: number) => {
          const head = objectLines(l.list, id).join('\n');
          if (l.itemsNull !== false) return `${head}\nitems: null\n${l.itemsNull === 'spec' ? 'spec: {}\n' : ''}`;
          const items = l.items.map((item, j) => `- ${objectLines(item, id * 10 + j + 1).join('\n  ')}\n`).join('');
          const inner = l.nested ? `- apiVersion: v1\n  kind: List\n  items:\n  ${objectLines(l.list, id * 10).join('\n    ').replace(/^/, '- ')}\n` : '';
          return `${head}\nitems:\n${items}${inner}` + (l.items.length === 0 && !l.nested ? '' : '');
        },
      })),
      objectArb.map((o) => ({
        shape: 'json',
        text: (id: number) => {
          const [apiVersion, kind] = o.kind;
          const metadata: Record<string, string> = { name: `j${id}` };
          if (o.metadata.ns !== undefined) metadata.namespace = o.metadata.ns;
          return JSON.stringify({ apiVersion, kind, metadata, ...(o.hiddenKind ? { items: [{ apiVersion: o.hiddenKind[0], kind: o.hiddenKind[1], metadata: { name: 'i' } }] } : {}) }) + '\n';
        },
      })),
      fc.constantFrom('', '# only a comment\n', 'null\n').map((t) => ({ shape: 'empty', text: () => t })),
    );
    const separatorArb = fc.constantFrom('---\n', '--- \n', '---  # next\n', '\n---\n', '---\r\n', '...\n---\n');
    const streamArb = fc.array(fc.tuple(documentArb, separatorArb), { minLength: 1, maxLength: 4 }).map((docs) =>
      docs.map(([d, sep], i) => (i === 0 ? '' : sep) + d.text(i + 1)).join(''),
    );

    const streams = fc.sample(streamArb, { numRuns: 400, seed: 18 });
    const results = streams.map(plugin);
    const outputs = results.map((r) => ('output' in r ? r.output : ''));
    const readings = readAsArgocd(binary(), [...streams, ...outputs]);
    const drawn = { refused: 0, accepted: 0, escapingText: 0, argocdFails: 0 };
    const failures: string[] = [];
    streams.forEach((text, i) => {
      const own = readings[i];
      const printed = readings[streams.length + i];
      const r = results[i];
      if (own.error !== undefined) drawn.argocdFails++;
      const escapes = objectsOf(own).some(outside);
      if (escapes) drawn.escapingText++;
      if ('refused' in r) {
        drawn.refused++;
        return;
      }
      drawn.accepted++;
      if (printed.error !== undefined) failures.push(`Argo CD cannot read the output of ${q(text)}: ${printed.error}`);
      else if (printed.objects.some(outside)) failures.push(`output of ${q(text)} deploys outside: ${JSON.stringify(printed.objects)}`);
      if (escapes) failures.push(`accepted although Argo CD deploys the app's own text outside: ${q(text)}`);
      if (own.error === undefined && JSON.stringify(printed) !== JSON.stringify(own)) failures.push(`output of ${q(text)} reads differently from the text`);
    });
    console.log(`namespace rule against Argo CD's reading: ${streams.length} drawn app outputs, ${drawn.refused} refused, ${drawn.accepted} accepted, ${drawn.escapingText} that Argo CD would deploy outside as written, ${drawn.argocdFails} that Argo CD cannot read`);
    expect(failures.slice(0, 5)).toEqual([]);
    expect(drawn.escapingText).toBeGreaterThan(100);
    expect(drawn.accepted).toBeGreaterThan(20);
  });
});

test('kinds: none is both cluster-scoped and namespaced', () => {
  expect([...CLUSTER_SCOPED].filter((k) => NAMESPACED.has(k))).toEqual([]);
});
