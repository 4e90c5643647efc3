/**
 * The plugin deploys into the Application's destination namespace and nowhere
 * else: a rendered object in another namespace, or a cluster-scoped object the
 * operator did not allow, fails the render with one line each.
 *
 * Argo CD puts an object without `metadata.namespace` into the destination
 * namespace when its kind is namespaced, and applies an object of a
 * cluster-scoped kind cluster-wide whatever its `metadata.namespace` says; a
 * kind this module does not know could be either, so it is refused unless the
 * operator names it namespaced (or allows it cluster-wide).
 */
import { readGoYamlStream } from '../values-io/values-input';
import { InputError } from '../input-error';
import { stringifyManifests } from '../model/go-yaml';

/** Cluster-scoped kinds of Kubernetes 1.28+ (API group/kind; the core group is ""). */
export const CLUSTER_SCOPED = new Set([
  '/Namespace', '/Node', '/PersistentVolume', '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding',
  'storage.k8s.io/StorageClass', 'storage.k8s.io/CSIDriver', 'storage.k8s.io/CSINode', 'storage.k8s.io/VolumeAttachment',
  'storage.k8s.io/VolumeAttributesClass',
  'apiextensions.k8s.io/CustomResourceDefinition', 'apiregistration.k8s.io/APIService',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration', 'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy', 'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/MutatingAdmissionPolicy', 'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
  'scheduling.k8s.io/PriorityClass', 'node.k8s.io/RuntimeClass', 'networking.k8s.io/IngressClass',
  'networking.k8s.io/IPAddress', 'networking.k8s.io/ServiceCIDR',
  'certificates.k8s.io/CertificateSigningRequest', 'certificates.k8s.io/ClusterTrustBundle',
  'flowcontrol.apiserver.k8s.io/FlowSchema', 'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'policy/PodSecurityPolicy', 'resource.k8s.io/DeviceClass', 'resource.k8s.io/ResourceSlice',
]);

/** Namespaced kinds an object may omit the namespace of (Argo CD places it in the destination namespace). */
export const NAMESPACED = new Set([
  '/Pod', '/Service', '/ServiceAccount', '/ConfigMap', '/Secret', '/PersistentVolumeClaim', '/Endpoints', '/Event',
  '/LimitRange', '/ResourceQuota', '/ReplicationController', '/PodTemplate',
  'apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', 'apps/ControllerRevision',
  'batch/Job', 'batch/CronJob', 'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding',
  'networking.k8s.io/NetworkPolicy', 'networking.k8s.io/Ingress', 'policy/PodDisruptionBudget',
  'autoscaling/HorizontalPodAutoscaler', 'coordination.k8s.io/Lease', 'discovery.k8s.io/EndpointSlice',
  'events.k8s.io/Event', 'storage.k8s.io/CSIStorageCapacity',
  'monitoring.coreos.com/PrometheusRule', 'monitoring.coreos.com/ServiceMonitor', 'monitoring.coreos.com/PodMonitor',
]);

/** `group/Kind` of an apiVersion and kind (`batch/v1` + `Job` -> `batch/Job`, `v1` + `Pod` -> `/Pod`). */
export function groupKind(apiVersion: string, kind: string): string {
  const slash = apiVersion.lastIndexOf('/');
  return `${slash < 0 ? '' : apiVersion.slice(0, slash)}/${kind}`;
}

/** Printable, bounded text for an error line. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const s = text.slice(0, 80).replace(/[^\x20-\x7e]/g, '?');
  return text.length > 80 ? `${s}...` : s;
}

/** The operator's kind settings (trust.ts): kinds allowed cluster-wide, kinds declared namespaced. */
export interface KindSettings {
  /** Kinds (`Kind` or `group/Kind`) deployed whatever their scope (INFRAHUB_BACKUP_ALLOW_CLUSTER_KINDS). */
  readonly allowedClusterKinds?: ReadonlySet<string>;
  /** `group/Kind`s known to be namespaced besides NAMESPACED (INFRAHUB_BACKUP_NAMESPACED_KINDS). */
  readonly namespacedKinds?: ReadonlySet<string>;
}

/** An object Argo CD deploys, where it comes from, and whether it is an item of a list. */
interface Deployed {
  readonly object: unknown;
  readonly where: string;
  readonly item: boolean;
}

/** What Argo CD reads as a list of nothing: `items: null` with neither `spec` nor `status`. */
function isEmptyList(o: Record<string, unknown>): boolean {
  return 'items' in o && o.items === null && !('spec' in o) && !('status' in o);
}

/**
 * The objects Argo CD deploys from one document, as its repo server reads a
 * plugin's output: an object whose `items` is a list stands for its items
 * (`Unstructured.IsList()`, whatever its kind; the items are not unpacked
 * again), one whose `items` is null with neither `spec` nor `status` for
 * nothing, any other for itself.
 */
function deployedObjects(object: unknown, where: string): Deployed[] {
  if (object !== null && typeof object === 'object' && !Array.isArray(object)) {
    const o = object as Record<string, unknown>;
    if (Array.isArray(o.items) && typeof o.apiVersion === 'string' && typeof o.kind === 'string') {
      return o.items.map((item: unknown, j) => ({ object: item, where: `${where}, item ${j + 1}`, item: true }));
    }
    if (isEmptyList(o)) return [];
  }
  return [{ object, where, item: false }];
}

/**
 * Reads a multi-document YAML stream as Argo CD's repo server does (go-yaml's
 * merge keys, anchors and duplicate keys, every document, lists unpacked),
 * checks every object it would deploy against the destination namespace, and
 * returns those objects written again, one document each: what Argo CD reads
 * from the result is exactly what was checked.
 *
 * @throws InputError with one line per refused object
 */
export function checkNamespaces(manifests: string, namespace: string, kinds: KindSettings = {}): string {
  const problems: string[] = [];
  const deployed: Deployed[] = [];
  readGoYamlStream(manifests, (i) => `document ${i + 1}`).forEach((doc, i) => {
    if ('problem' in doc) {
      problems.push(doc.problem);
      return;
    }
    const objects = deployedObjects(doc.value, `document ${i + 1}`);
    // No spread: a list may hold more items than a call takes arguments.
    for (const problem of namespaceProblems(objects, namespace, kinds)) problems.push(problem);
    for (const object of objects) deployed.push(object);
  });
  if (problems.length > 0) throw new InputError(problems);
  return stringifyManifests(deployed.filter(({ object }) => object !== null && object !== undefined).map(({ object }) => object));
}

/**
 * The same rule for objects already in memory (values mode: what synth is
 * about to write), so the render is not parsed back. The `where` of each is
 * `document N`, as in the written stream.
 *
 * @throws InputError one line per object refused
 */
export function checkNamespaceObjects(objects: readonly unknown[], namespace: string): void {
  const problems = namespaceProblems(
    objects.map((object, i) => ({ object, where: `document ${i + 1}`, item: false })),
    namespace,
    {},
  );
  if (problems.length > 0) throw new InputError(problems);
}

function namespaceProblems(
  objects: readonly Deployed[],
  namespace: string,
  kinds: KindSettings,
): string[] {
  const allowedClusterKinds = kinds.allowedClusterKinds ?? new Set<string>();
  const namespacedKinds = kinds.namespacedKinds ?? new Set<string>();
  const problems: string[] = [];
  for (const { object, where, item } of objects) {
    if (object === null || object === undefined) continue;
    if (typeof object !== 'object' || Array.isArray(object)) {
      problems.push(`${where}: not a Kubernetes object`);
      continue;
    }
    const o = object as { apiVersion?: unknown; kind?: unknown; metadata?: unknown; items?: unknown };
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
      problems.push(`${where}: not a Kubernetes object (no apiVersion or kind)`);
      continue;
    }
    // An item that is a list again is deployed as an object by Argo CD: nothing this rule can vouch for.
    if (Array.isArray(o.items)) {
      problems.push(`${where}: a List inside a List`);
      continue;
    }
    // Argo CD deploys such an item as it is, but written alone as a document it would stand for nothing.
    if (item && isEmptyList(o)) {
      problems.push(`${where}: items: null without spec or status, which Argo CD reads as an empty List once the item is written alone`);
      continue;
    }
    const metadata = (o.metadata !== null && typeof o.metadata === 'object' ? o.metadata : {}) as { name?: unknown; namespace?: unknown };
    const name = `${shown(o.kind)} ${shown(metadata.name ?? '(no name)')}`;
    const gk = groupKind(o.apiVersion, o.kind);
    const ns = metadata.namespace;
    const allowed = allowedClusterKinds.has(o.kind) || allowedClusterKinds.has(gk);
    if (allowed) continue;
    if (CLUSTER_SCOPED.has(gk)) {
      problems.push(
        `${name}: cluster-scoped, outside the destination namespace ${namespace}; the sidecar's INFRAHUB_BACKUP_ALLOW_CLUSTER_KINDS must list ${shown(o.kind)} to deploy it`,
      );
      continue;
    }
    if (!NAMESPACED.has(gk) && !namespacedKinds.has(gk)) {
      // Argo CD applies an object of a cluster-scoped kind cluster-wide, whatever its metadata.namespace says.
      problems.push(
        `${name}: ${shown(gk)} is not known to be namespaced, so it may be cluster-scoped; the sidecar's INFRAHUB_BACKUP_NAMESPACED_KINDS must list ${shown(gk)} if it is namespaced`,
      );
      continue;
    }
    if (ns === undefined || ns === null || ns === '') continue;
    if (ns !== namespace) problems.push(`${name}: namespace ${shown(ns)} is not the destination namespace ${namespace}`);
  }
  return problems;
}
