/**
 * Validation of synthesized objects against the Kubernetes OpenAPI schema
 * (through the `kubernetes-models` classes), plus a light strictness check:
 * `kubernetes-models` accepts unknown keys, so a typo such as
 * `imagePullPolicyy` would pass it. The keys of the structures we emit
 * ourselves (metadata, Job/CronJob/pod specs, containers, security contexts,
 * env, mounts, volumes, RBAC rules, claims) are compared against the field
 * names of the current Kubernetes API. Pass-through fragments the user owns
 * (affinity, tolerations, volume sources...) are not descended into.
 */
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, PersistentVolumeClaim, ServiceAccount } from 'kubernetes-models/v1';
import type { KubeObject } from './synth';

interface Validatable {
  validate(): void;
}

/** The kubernetes-models class of each kind we synthesize, keyed by `apiVersion/kind`. */
const MODELS: Record<string, (data: KubeObject) => Validatable> = {
  'v1/ServiceAccount': (data) => new ServiceAccount(data),
  'v1/ConfigMap': (data) => new ConfigMap(data),
  'v1/PersistentVolumeClaim': (data) => new PersistentVolumeClaim(data),
  'rbac.authorization.k8s.io/v1/Role': (data) => new Role(data),
  'rbac.authorization.k8s.io/v1/RoleBinding': (data) => new RoleBinding(data as ConstructorParameters<typeof RoleBinding>[0]),
  'batch/v1/Job': (data) => new Job(data),
  'batch/v1/CronJob': (data) => new CronJob(data),
  'networking.k8s.io/v1/NetworkPolicy': (data) => new NetworkPolicy(data),
  'monitoring.coreos.com/v1/PrometheusRule': (data) => new PrometheusRule(data as ConstructorParameters<typeof PrometheusRule>[0]),
};

/** Field names of the Kubernetes API (1.34), for the typo check. */
export const FIELD_NAMES = {
  objectMeta: [
    'annotations', 'creationTimestamp', 'deletionGracePeriodSeconds', 'deletionTimestamp', 'finalizers', 'generateName',
    'generation', 'labels', 'managedFields', 'name', 'namespace', 'ownerReferences', 'resourceVersion', 'selfLink', 'uid',
  ],
  serviceAccount: ['apiVersion', 'kind', 'metadata', 'automountServiceAccountToken', 'imagePullSecrets', 'secrets'],
  role: ['apiVersion', 'kind', 'metadata', 'rules'],
  policyRule: ['apiGroups', 'nonResourceURLs', 'resourceNames', 'resources', 'verbs'],
  roleBinding: ['apiVersion', 'kind', 'metadata', 'roleRef', 'subjects'],
  roleRef: ['apiGroup', 'kind', 'name'],
  subject: ['apiGroup', 'kind', 'name', 'namespace'],
  persistentVolumeClaim: ['apiVersion', 'kind', 'metadata', 'spec', 'status'],
  persistentVolumeClaimSpec: [
    'accessModes', 'dataSource', 'dataSourceRef', 'resources', 'selector', 'storageClassName', 'volumeAttributesClassName',
    'volumeMode', 'volumeName',
  ],
  volumeResourceRequirements: ['limits', 'requests'],
  workload: ['apiVersion', 'kind', 'metadata', 'spec', 'status'],
  cronJobSpec: [
    'concurrencyPolicy', 'failedJobsHistoryLimit', 'jobTemplate', 'schedule', 'startingDeadlineSeconds',
    'successfulJobsHistoryLimit', 'suspend', 'timeZone',
  ],
  templateSpec: ['metadata', 'spec'],
  jobSpec: [
    'activeDeadlineSeconds', 'backoffLimit', 'backoffLimitPerIndex', 'completionMode', 'completions', 'managedBy',
    'manualSelector', 'maxFailedIndexes', 'parallelism', 'podFailurePolicy', 'podReplacementPolicy', 'selector',
    'successPolicy', 'suspend', 'template', 'ttlSecondsAfterFinished',
  ],
  podSpec: [
    'activeDeadlineSeconds', 'affinity', 'automountServiceAccountToken', 'containers', 'dnsConfig', 'dnsPolicy',
    'enableServiceLinks', 'ephemeralContainers', 'hostAliases', 'hostIPC', 'hostNetwork', 'hostPID', 'hostUsers', 'hostname',
    'hostnameOverride', 'imagePullSecrets', 'initContainers', 'nodeName', 'nodeSelector', 'os', 'overhead',
    'preemptionPolicy', 'priority', 'priorityClassName', 'readinessGates', 'resourceClaims', 'resources', 'restartPolicy',
    'runtimeClassName', 'schedulerName', 'schedulingGates', 'securityContext', 'serviceAccount', 'serviceAccountName',
    'setHostnameAsFQDN', 'shareProcessNamespace', 'subdomain', 'terminationGracePeriodSeconds', 'tolerations',
    'topologySpreadConstraints', 'volumes',
  ],
  container: [
    'args', 'command', 'env', 'envFrom', 'image', 'imagePullPolicy', 'lifecycle', 'livenessProbe', 'name', 'ports',
    'readinessProbe', 'resizePolicy', 'resources', 'restartPolicy', 'restartPolicyRules', 'securityContext', 'startupProbe',
    'stdin', 'stdinOnce', 'terminationMessagePath', 'terminationMessagePolicy', 'tty', 'volumeDevices', 'volumeMounts',
    'workingDir',
  ],
  podSecurityContext: [
    'appArmorProfile', 'fsGroup', 'fsGroupChangePolicy', 'runAsGroup', 'runAsNonRoot', 'runAsUser', 'seLinuxChangePolicy',
    'seLinuxOptions', 'seccompProfile', 'supplementalGroups', 'supplementalGroupsPolicy', 'sysctls', 'windowsOptions',
  ],
  securityContext: [
    'allowPrivilegeEscalation', 'appArmorProfile', 'capabilities', 'privileged', 'procMount', 'readOnlyRootFilesystem',
    'runAsGroup', 'runAsNonRoot', 'runAsUser', 'seLinuxOptions', 'seccompProfile', 'windowsOptions',
  ],
  resourceRequirements: ['claims', 'limits', 'requests'],
  envVar: ['name', 'value', 'valueFrom'],
  envVarSource: ['configMapKeyRef', 'fieldRef', 'fileKeyRef', 'resourceFieldRef', 'secretKeyRef'],
  volumeMount: ['mountPath', 'mountPropagation', 'name', 'readOnly', 'recursiveReadOnly', 'subPath', 'subPathExpr'],
  volume: [
    'name', 'awsElasticBlockStore', 'azureDisk', 'azureFile', 'cephfs', 'cinder', 'configMap', 'csi', 'downwardAPI',
    'emptyDir', 'ephemeral', 'fc', 'flexVolume', 'flocker', 'gcePersistentDisk', 'gitRepo', 'glusterfs', 'hostPath', 'image',
    'iscsi', 'nfs', 'persistentVolumeClaim', 'photonPersistentDisk', 'portworxVolume', 'projected', 'quobyte', 'rbd',
    'scaleIO', 'secret', 'storageos', 'vsphereVolume',
  ],
  localObjectReference: ['name'],
  configMap: ['apiVersion', 'kind', 'metadata', 'binaryData', 'data', 'immutable'],
  networkPolicy: ['apiVersion', 'kind', 'metadata', 'spec'],
  networkPolicySpec: ['egress', 'ingress', 'podSelector', 'policyTypes'],
  labelSelector: ['matchExpressions', 'matchLabels'],
  networkPolicyEgressRule: ['ports', 'to'],
  networkPolicyPeer: ['ipBlock', 'namespaceSelector', 'podSelector'],
  networkPolicyPort: ['endPort', 'port', 'protocol'],
  prometheusRule: ['apiVersion', 'kind', 'metadata', 'spec'],
  prometheusRuleSpec: ['groups'],
  ruleGroup: ['interval', 'labels', 'limit', 'name', 'partial_response_strategy', 'query_offset', 'rules'],
  rule: ['alert', 'annotations', 'expr', 'for', 'keep_firing_for', 'labels', 'record'],
} as const;

type Shape = keyof typeof FIELD_NAMES;

function isMap(value: unknown): value is KubeObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Collects the keys of `value` that are not fields of `shape`. */
function checkKeys(value: unknown, shape: Shape, path: string, problems: string[]): void {
  if (value === undefined) return;
  if (!isMap(value)) {
    problems.push(`${path}: expected a map (${shape}), got ${JSON.stringify(value)}`);
    return;
  }
  const known: readonly string[] = FIELD_NAMES[shape];
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) problems.push(`${path ? `${path}.` : ''}${key}: unknown field of ${shape}`);
  }
}

function checkList(value: unknown, shape: Shape, path: string, problems: string[], each?: (item: KubeObject, path: string) => void): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    problems.push(`${path}: expected a list of ${shape}`);
    return;
  }
  value.forEach((item, i) => {
    checkKeys(item, shape, `${path}[${i}]`, problems);
    each?.(item, `${path}[${i}]`);
  });
}

function checkContainer(c: KubeObject, path: string, problems: string[]): void {
  checkKeys(c.securityContext, 'securityContext', `${path}.securityContext`, problems);
  checkKeys(c.resources, 'resourceRequirements', `${path}.resources`, problems);
  checkList(c.env, 'envVar', `${path}.env`, problems, (e, p) => checkKeys(e.valueFrom, 'envVarSource', `${p}.valueFrom`, problems));
  checkList(c.volumeMounts, 'volumeMount', `${path}.volumeMounts`, problems);
}

function checkPodTemplate(template: KubeObject, path: string, problems: string[]): void {
  checkKeys(template, 'templateSpec', path, problems);
  if (!isMap(template)) return;
  checkKeys(template.metadata, 'objectMeta', `${path}.metadata`, problems);
  const spec = template.spec;
  checkKeys(spec, 'podSpec', `${path}.spec`, problems);
  if (!isMap(spec)) return;
  checkKeys(spec.securityContext, 'podSecurityContext', `${path}.spec.securityContext`, problems);
  for (const list of ['containers', 'initContainers'] as const) {
    checkList(spec[list], 'container', `${path}.spec.${list}`, problems, (c, p) => checkContainer(c, p, problems));
  }
  checkList(spec.volumes, 'volume', `${path}.spec.volumes`, problems);
  checkList(spec.imagePullSecrets, 'localObjectReference', `${path}.spec.imagePullSecrets`, problems);
}

function checkJobSpec(spec: KubeObject, path: string, problems: string[]): void {
  checkKeys(spec, 'jobSpec', path, problems);
  if (isMap(spec)) checkPodTemplate(spec.template, `${path}.template`, problems);
}

/** Keys of the object that are not Kubernetes field names, as `path: reason` lines. */
export function unknownFields(obj: KubeObject): string[] {
  const problems: string[] = [];
  checkKeys(obj.metadata, 'objectMeta', 'metadata', problems);
  switch (obj.kind) {
    case 'ServiceAccount':
      checkKeys(obj, 'serviceAccount', '', problems);
      break;
    case 'Role':
      checkKeys(obj, 'role', '', problems);
      checkList(obj.rules, 'policyRule', 'rules', problems);
      break;
    case 'RoleBinding':
      checkKeys(obj, 'roleBinding', '', problems);
      checkKeys(obj.roleRef, 'roleRef', 'roleRef', problems);
      checkList(obj.subjects, 'subject', 'subjects', problems);
      break;
    case 'PersistentVolumeClaim':
      checkKeys(obj, 'persistentVolumeClaim', '', problems);
      checkKeys(obj.spec, 'persistentVolumeClaimSpec', 'spec', problems);
      checkKeys(obj.spec?.resources, 'volumeResourceRequirements', 'spec.resources', problems);
      break;
    case 'Job':
      checkKeys(obj, 'workload', '', problems);
      checkJobSpec(obj.spec, 'spec', problems);
      break;
    case 'CronJob':
      checkKeys(obj, 'workload', '', problems);
      checkKeys(obj.spec, 'cronJobSpec', 'spec', problems);
      if (isMap(obj.spec)) {
        checkKeys(obj.spec.jobTemplate, 'templateSpec', 'spec.jobTemplate', problems);
        checkKeys(obj.spec.jobTemplate?.metadata, 'objectMeta', 'spec.jobTemplate.metadata', problems);
        checkJobSpec(obj.spec.jobTemplate?.spec, 'spec.jobTemplate.spec', problems);
      }
      break;
    case 'NetworkPolicy': {
      checkKeys(obj, 'networkPolicy', '', problems);
      checkKeys(obj.spec, 'networkPolicySpec', 'spec', problems);
      checkKeys(obj.spec?.podSelector, 'labelSelector', 'spec.podSelector', problems);
      // The rules the chart writes; `extraEgress` items are the user's and follow them.
      const ours = (obj.spec?.egress ?? []).slice(0, 3);
      checkList(ours, 'networkPolicyEgressRule', 'spec.egress', problems, (rule, path) => {
        checkList(rule.to, 'networkPolicyPeer', `${path}.to`, problems);
        checkList(rule.ports, 'networkPolicyPort', `${path}.ports`, problems);
      });
      break;
    }
    case 'ConfigMap':
      checkKeys(obj, 'configMap', '', problems);
      break;
    case 'PrometheusRule':
      checkKeys(obj, 'prometheusRule', '', problems);
      checkKeys(obj.spec, 'prometheusRuleSpec', 'spec', problems);
      checkList(obj.spec?.groups, 'ruleGroup', 'spec.groups', problems, (group, path) => checkList(group.rules, 'rule', `${path}.rules`, problems));
      break;
    default:
      problems.push(`${obj.apiVersion}/${obj.kind}: no field list for this kind`);
  }
  return problems;
}

/** A readable name of an object for error messages. */
export function describeObject(obj: KubeObject): string {
  return `${obj?.apiVersion ?? '?'} ${obj?.kind ?? '?'} ${obj?.metadata?.name ?? '<unnamed>'}`;
}

/** Schema errors of the object as lines, empty when it is valid. */
export function schemaErrors(obj: KubeObject): string[] {
  const model = MODELS[`${obj?.apiVersion}/${obj?.kind}`];
  if (!model) return [`no kubernetes-models class for ${obj?.apiVersion}/${obj?.kind}`];
  try {
    model(structuredClone(obj)).validate();
    return [];
  } catch (e) {
    const errors = (e as { errors?: Array<{ instancePath?: string; message?: string; params?: unknown }> }).errors;
    if (!Array.isArray(errors)) return [String((e as Error).message ?? e)];
    return errors.map((err) => `${err.instancePath || '/'} ${err.message ?? 'is invalid'} ${err.params ? JSON.stringify(err.params) : ''}`.trim());
  }
}

/**
 * Validates a synthesized object against the Kubernetes schema of its kind and
 * checks the keys we emit for typos.
 * @throws Error listing every problem, one per line
 */
export function validateObject(obj: KubeObject): void {
  const problems = [...schemaErrors(obj), ...unknownFields(obj).map((p) => `unknown field ${p}`)];
  if (problems.length > 0) {
    throw new Error(`${describeObject(obj)} is not a valid Kubernetes object:\n  ${problems.join('\n  ')}`);
  }
}
