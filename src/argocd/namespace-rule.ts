/**
 * The plugin deploys into the Application's destination namespace and nowhere
 * else: a rendered object in another namespace, or a cluster-scoped object the
 * operator did not allow, fails the render with one line each.
 *
 * Argo CD puts an object without `metadata.namespace` into the destination
 * namespace when its kind is namespaced, and cluster-wide when it is not; a
 * kind this module does not know could be either, so such an object must
 * name its namespace.
 */
import { parseAllDocuments } from '../yaml';
import { InputError } from '../input-error';

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

/**
 * Checks every object of a multi-document YAML stream against the destination
 * namespace; `allowedClusterKinds` are kinds (e.g. `ClusterRole`) the operator
 * lets through cluster-wide.
 *
 * @throws InputError with one line per refused object
 */
export function checkNamespaces(manifests: string, namespace: string, allowedClusterKinds: ReadonlySet<string> = new Set()): void {
  const problems: string[] = [];
  parseAllDocuments(manifests, { uniqueKeys: false }).forEach((doc, i) => {
    const where = `document ${i + 1}`;
    if (doc.errors.length > 0) {
      problems.push(`${where}: not valid YAML (${shown(doc.errors[0].message.split('\n')[0])})`);
      return;
    }
    let object: unknown;
    try {
      object = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      problems.push(`${where}: ${shown((e as Error).message.split('\n')[0])}`);
      return;
    }
    problems.push(...namespaceProblems([{ object, where }], namespace, allowedClusterKinds));
  });
  if (problems.length > 0) throw new InputError(problems);
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
    objects.map((object, i) => ({ object, where: `document ${i + 1}` })),
    namespace,
    new Set(),
  );
  if (problems.length > 0) throw new InputError(problems);
}

function namespaceProblems(
  objects: ReadonlyArray<{ readonly object: unknown; readonly where: string }>,
  namespace: string,
  allowedClusterKinds: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  const check = (object: unknown, where: string, depth: number): void => {
    if (object === null || object === undefined) return;
    if (typeof object !== 'object' || Array.isArray(object)) {
      problems.push(`${where}: not a Kubernetes object`);
      return;
    }
    const o = object as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown }; items?: unknown };
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
      problems.push(`${where}: not a Kubernetes object (no apiVersion or kind)`);
      return;
    }
    // A List is unpacked by Argo CD: each of its items is an object to check.
    if (o.kind.endsWith('List') && Array.isArray(o.items)) {
      if (depth > 0) problems.push(`${where}: a List inside a List`);
      else o.items.forEach((item, j) => check(item, `${where}, item ${j + 1}`, depth + 1));
      return;
    }
    const name = `${shown(o.kind)} ${shown(o.metadata?.name ?? '(no name)')}`;
    const gk = groupKind(o.apiVersion, o.kind);
    const ns = o.metadata?.namespace;
    const allowed = allowedClusterKinds.has(o.kind) || allowedClusterKinds.has(gk);
    if (CLUSTER_SCOPED.has(gk)) {
      if (!allowed) {
        problems.push(
          `${name}: cluster-scoped, outside the destination namespace ${namespace}; the sidecar's INFRAHUB_BACKUP_ALLOW_CLUSTER_KINDS must list ${shown(o.kind)} to deploy it`,
        );
      }
      return;
    }
    if (ns === undefined || ns === null || ns === '') {
      if (!NAMESPACED.has(gk) && !allowed) {
        problems.push(`${name}: no metadata.namespace, and ${shown(gk)} may be cluster-scoped; set metadata.namespace to ${namespace}`);
      }
      return;
    }
    if (ns !== namespace) problems.push(`${name}: namespace ${shown(ns)} is not the destination namespace ${namespace}`);
  };
  for (const { object, where } of objects) check(object, where, 0);
  return problems;
}
