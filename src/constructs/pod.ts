/**
 * The hardened pod template shared by every backup and restore workload.
 *
 * The pod spec is built as plain Kubernetes JSON: the user's pass-through
 * fragments (affinity, tolerations, security contexts, extra env, volumes and
 * mounts) must reach the manifest unchanged, which the `k8s` L1 classes cannot
 * guarantee (they re-serialize their JSON and drop or rewrite fields they do not
 * model, such as a raw `emptyDir.sizeLimit`).
 */
import type { IContainer, IEnvVar, IPodTemplateSpec, IVolume, IVolumeMount } from 'kubernetes-models/v1';
import type { Deployment } from '../model/deployment';
import { imageReference, podLabels } from '../model/objects';

/** Home directory of the image's user; kubectl keeps its cache under `$HOME/.kube`. */
export const HOME_DIR = '/home/infrahub';
/** Where key files from Secrets are mounted. */
export const KEYS_DIR = '/etc/infrahub-backup/keys';
/** Size of the home volume: kubectl's discovery cache only. */
export const HOME_SIZE_LIMIT = '64Mi';
/** The writable scratch directory of every container (TMPDIR). */
export const TMP_DIR = '/tmp';
/** The mount of the scratch volume, in every container. */
export const TMP_MOUNT: IVolumeMount = { name: 'tmp', mountPath: TMP_DIR };
/** Where companion init containers leave what they found (the archive to restore). */
export const HANDOFF_DIR = '/run/infrahub-backup';
/** Size of the hand-off volume: a few lines of text. */
export const HANDOFF_SIZE_LIMIT = '1Mi';

/** S3 settings shared by the backup and restore sides. */
export interface S3Settings {
  readonly bucket: string;
  readonly prefix: string;
  readonly endpoint: string;
  readonly region: string;
  readonly secretName: string;
  readonly accessKeyIdKey: string;
  readonly secretAccessKeyKey: string;
  readonly sessionTokenKey: string;
}

/** What differs between the backup and the restore pods. */
export interface PodTemplateOptions {
  /** `backup` or `restore`: the container name and the component label. */
  readonly component: 'backup' | 'restore';
  /** Arguments of the image's entrypoint (of `command` when set). */
  readonly args: string[];
  /** Replaces the image's entrypoint. */
  readonly command?: string[];
  /** Companion containers that run first (S3 checks, archive resolution). */
  readonly initContainers?: IContainer[];
  /** Mount the hand-off volume the init containers write to. */
  readonly handoff?: boolean;
  /** The backup directory. */
  readonly storagePath: string;
  /** The volume at the backup directory (without its name). */
  readonly storageVolume: Omit<IVolume, 'name'>;
  /** S3 settings, for S3 storage. */
  readonly s3?: S3Settings;
  /** A key file from a Secret, mounted under KEYS_DIR. */
  readonly keySecret?: { readonly secretName: string; readonly key: string };
}

function secretEnv(name: string, secretName: string, key: string): IEnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secretName, key } } };
}

/** The `INFRAHUB_S3_*` and `AWS_*` variables the image reads. */
export function s3Env(s3: S3Settings): IEnvVar[] {
  const env: IEnvVar[] = [{ name: 'INFRAHUB_S3_BUCKET', value: s3.bucket }];
  if (s3.prefix) env.push({ name: 'INFRAHUB_S3_PREFIX', value: s3.prefix });
  if (s3.endpoint) env.push({ name: 'INFRAHUB_S3_ENDPOINT', value: s3.endpoint });
  env.push({ name: 'INFRAHUB_S3_REGION', value: s3.region });
  if (s3.secretName) {
    env.push(secretEnv('AWS_ACCESS_KEY_ID', s3.secretName, s3.accessKeyIdKey));
    env.push(secretEnv('AWS_SECRET_ACCESS_KEY', s3.secretName, s3.secretAccessKeyKey));
    if (s3.sessionTokenKey) env.push(secretEnv('AWS_SESSION_TOKEN', s3.secretName, s3.sessionTokenKey));
  }
  return env;
}

/** The path of a key file mounted from a Secret. */
export function keyFilePath(key: string): string {
  return `${KEYS_DIR}/${key}`;
}

/** An emptyDir volume source, size-limited when a limit is given. */
function emptyDir(sizeLimit: string): Omit<IVolume, 'name'> {
  return { emptyDir: sizeLimit ? { sizeLimit } : {} };
}

/** The scratch volume used at the backup directory when nothing persistent is asked for. */
export function scratchVolume(d: Deployment): Omit<IVolume, 'name'> {
  return emptyDir(d.values.scratch.sizeLimit);
}

/** The scratch volume at TMP_DIR, size-limited by `scratch.sizeLimit`. */
export function tmpVolume(d: Deployment): IVolume {
  return { name: TMP_MOUNT.name, ...scratchVolume(d) };
}

/** The pod template of a backup or restore workload. */
export function podTemplate(d: Deployment, o: PodTemplateOptions): IPodTemplateSpec {
  const v = d.values;
  const env: IEnvVar[] = [
    { name: 'INFRAHUB_K8S_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'INFRAHUB_BACKUP_DIR', value: o.storagePath },
    { name: 'INFRAHUB_LOG_FORMAT', value: v.logFormat },
    { name: 'HOME', value: HOME_DIR },
    { name: 'TMPDIR', value: TMP_DIR },
    ...(o.s3 ? s3Env(o.s3) : []),
  ];
  if (v.neo4j.secretName) {
    env.push(secretEnv('INFRAHUB_DB_PASSWORD', v.neo4j.secretName, v.neo4j.passwordKey));
    if (v.neo4j.usernameKey) env.push(secretEnv('INFRAHUB_DB_USERNAME', v.neo4j.secretName, v.neo4j.usernameKey));
  }
  for (const item of v.extraEnv as IEnvVar[]) env.push(item); // not push(...): a long list would overflow the stack

  const volumes: IVolume[] = [
    tmpVolume(d),
    { name: 'home', ...emptyDir(HOME_SIZE_LIMIT) },
    { name: 'backups', ...o.storageVolume },
  ];
  const mounts: IVolumeMount[] = [
    TMP_MOUNT,
    { name: 'home', mountPath: HOME_DIR },
    { name: 'backups', mountPath: o.storagePath },
  ];
  if (o.keySecret) {
    volumes.push({
      name: 'keys',
      secret: { secretName: o.keySecret.secretName, items: [{ key: o.keySecret.key, path: o.keySecret.key }], defaultMode: 0o440 },
    });
    mounts.push({ name: 'keys', mountPath: KEYS_DIR, readOnly: true });
  }
  if (o.handoff) {
    volumes.push({ name: 'handoff', ...emptyDir(HANDOFF_SIZE_LIMIT) });
    mounts.push({ name: 'handoff', mountPath: HANDOFF_DIR, readOnly: true });
  }
  for (const item of v.extraVolumeMounts as IVolumeMount[]) mounts.push(item);

  const container: IContainer = {
    name: o.component,
    image: imageReference(v),
    imagePullPolicy: v.image.pullPolicy,
    ...(o.command ? { command: o.command } : {}),
    args: o.args,
    env,
    resources: resourcesOf(v.resources),
    securityContext: v.securityContext,
    volumeMounts: mounts,
  };
  return workloadPodTemplate(d, { component: o.component, containers: [container], initContainers: o.initContainers, volumes, automountToken: true });
}

/** `resources` with the empty maps left out. */
export function resourcesOf(r: { requests: Record<string, string>; limits: Record<string, string> }): Record<string, Record<string, string>> {
  const resources: Record<string, Record<string, string>> = {};
  if (Object.keys(r.requests).length > 0) resources.requests = r.requests;
  if (Object.keys(r.limits).length > 0) resources.limits = r.limits;
  return resources;
}

/** What a workload's pod holds. */
export interface WorkloadPodOptions {
  /** The component label: `backup`, `restore`, `retention` or `verification`. */
  readonly component: string;
  readonly containers: IContainer[];
  readonly initContainers?: IContainer[];
  /** Volumes besides the user's `extraVolumes`. */
  readonly volumes: IVolume[];
  /** Mount the ServiceAccount token (the infrahub-backup image needs it for kubectl). */
  readonly automountToken: boolean;
}

/** A pod template with the scheduling, security and identity settings every workload shares. */
export function workloadPodTemplate(d: Deployment, o: WorkloadPodOptions): IPodTemplateSpec {
  const v = d.values;
  const metadata: IPodTemplateSpec['metadata'] = { labels: podLabels(v, d.release, o.component) };
  if (Object.keys(v.podAnnotations).length > 0) metadata.annotations = { ...v.podAnnotations };

  const spec: NonNullable<IPodTemplateSpec['spec']> = {
    serviceAccountName: d.names.serviceAccount,
    automountServiceAccountToken: o.automountToken,
    restartPolicy: 'Never',
    securityContext: v.podSecurityContext,
    containers: o.containers,
    volumes: [...o.volumes, ...(v.extraVolumes as IVolume[])],
  };
  if (o.initContainers && o.initContainers.length > 0) spec.initContainers = o.initContainers;
  if (v.imagePullSecrets.length > 0) spec.imagePullSecrets = v.imagePullSecrets;
  if (v.priorityClassName) spec.priorityClassName = v.priorityClassName;
  if (Object.keys(v.nodeSelector).length > 0) spec.nodeSelector = v.nodeSelector;
  if (v.tolerations.length > 0) spec.tolerations = v.tolerations;
  if (Object.keys(v.affinity).length > 0) spec.affinity = v.affinity;
  return { metadata, spec };
}
