/**
 * The hardened pod template shared by every backup and restore workload.
 *
 * The pod spec is built as plain Kubernetes JSON: the user's pass-through
 * fragments (affinity, tolerations, security contexts, extra env, volumes and
 * mounts) must reach the manifest unchanged, which the `k8s` L1 classes cannot
 * guarantee (they re-serialize their JSON and drop or rewrite fields they do not
 * model, such as a raw `emptyDir.sizeLimit`).
 */
import type {
  IAffinity,
  IContainer,
  IEnvVar,
  ILocalObjectReference,
  IPodSecurityContext,
  IPodTemplateSpec,
  ISecurityContext,
  IToleration,
  IVolume,
  IVolumeMount,
} from 'kubernetes-models/v1';
import type { RenderPlan } from '../model/plan';
import type { ResolvedValues } from '../model/types';
import { imageReference, podLabels } from '../model/objects';

/** Home directory of the image's user; kubectl keeps its cache under `$HOME/.kube`. */
export const HOME_DIR = '/home/infrahub';
/** Where key files from Secrets are mounted. */
export const KEYS_DIR = '/etc/infrahub-backup/keys';
/** Size of the home volume: kubectl's discovery cache only. */
export const HOME_SIZE_LIMIT = '64Mi';
/** The writable scratch directory of every container (TMPDIR). */
export const TMP_DIR = '/tmp';
/** Names of the pods' volumes. */
export const VOLUME_NAMES = { tmp: 'tmp', home: 'home', backups: 'backups', keys: 'keys', handoff: 'handoff' } as const;
/** The environment variables the pods set, by what they hold. */
export const ENV_NAMES = {
  namespace: 'INFRAHUB_K8S_NAMESPACE',
  backupDir: 'INFRAHUB_BACKUP_DIR',
  logFormat: 'INFRAHUB_LOG_FORMAT',
  home: 'HOME',
  tmpDir: 'TMPDIR',
  s3Bucket: 'INFRAHUB_S3_BUCKET',
  s3Prefix: 'INFRAHUB_S3_PREFIX',
  s3Endpoint: 'INFRAHUB_S3_ENDPOINT',
  s3Region: 'INFRAHUB_S3_REGION',
  accessKeyId: 'AWS_ACCESS_KEY_ID',
  secretAccessKey: 'AWS_SECRET_ACCESS_KEY',
  sessionToken: 'AWS_SESSION_TOKEN',
  dbPassword: 'INFRAHUB_DB_PASSWORD',
  dbUsername: 'INFRAHUB_DB_USERNAME',
} as const;
/** Mode of key files mounted from Secrets: readable by the user and group only. */
export const KEY_FILE_MODE = 0o440;
/** Restart policy of every pod: a failed backup or restore is the Job's to retry, never the kubelet's. */
export const RESTART_POLICY = 'Never';
/** The mount of the scratch volume, in every container. */
export const TMP_MOUNT: IVolumeMount = { name: VOLUME_NAMES.tmp, mountPath: TMP_DIR };
/** Where companion init containers leave what they found (the archive to restore). */
export const HANDOFF_DIR = '/run/infrahub-backup';
/** Size of the hand-off volume: a few lines of text. */
export const HANDOFF_SIZE_LIMIT = '1Mi';

/**
 * The values passed through to the pods, typed as what they are once
 * InfrahubBackup has turned them into Kubernetes JSON (kubernetes-values.ts).
 */
export interface PassThroughJson {
  readonly imagePullSecrets: ILocalObjectReference[];
  readonly tolerations: IToleration[];
  readonly affinity: IAffinity;
  readonly podSecurityContext: IPodSecurityContext;
  readonly securityContext: ISecurityContext;
  readonly extraEnv: IEnvVar[];
  readonly extraVolumes: IVolume[];
  readonly extraVolumeMounts: IVolumeMount[];
}

/** The pass-through values of resolved values, as Kubernetes JSON. */
export function passThrough(v: ResolvedValues): PassThroughJson {
  return v as unknown as PassThroughJson;
}

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
  const env: IEnvVar[] = [{ name: ENV_NAMES.s3Bucket, value: s3.bucket }];
  if (s3.prefix) env.push({ name: ENV_NAMES.s3Prefix, value: s3.prefix });
  if (s3.endpoint) env.push({ name: ENV_NAMES.s3Endpoint, value: s3.endpoint });
  env.push({ name: ENV_NAMES.s3Region, value: s3.region });
  if (s3.secretName) {
    env.push(secretEnv(ENV_NAMES.accessKeyId, s3.secretName, s3.accessKeyIdKey));
    env.push(secretEnv(ENV_NAMES.secretAccessKey, s3.secretName, s3.secretAccessKeyKey));
    if (s3.sessionTokenKey) env.push(secretEnv(ENV_NAMES.sessionToken, s3.secretName, s3.sessionTokenKey));
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
export function scratchVolume(d: RenderPlan): Omit<IVolume, 'name'> {
  return emptyDir(d.values.scratch.sizeLimit);
}

/** The scratch volume at TMP_DIR, size-limited by `scratch.sizeLimit`. */
export function tmpVolume(d: RenderPlan): IVolume {
  return { name: TMP_MOUNT.name, ...scratchVolume(d) };
}

/**
 * An argument as the kubelet must receive it to pass it on unchanged: the
 * kubelet expands `$(VAR)` in `command` and `args` and turns `$$` into `$`,
 * so every `$` is doubled (a key `a$(AWS_SECRET_ACCESS_KEY)` would otherwise
 * put the secret on the command line).
 */
export function kubeletEscape(arg: string): string {
  return arg.replace(/\$/g, '$$$$');
}

/** The pod template of a backup or restore workload. */
export function podTemplate(d: RenderPlan, o: PodTemplateOptions): IPodTemplateSpec {
  const v = d.values;
  const env: IEnvVar[] = [
    { name: ENV_NAMES.namespace, valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: ENV_NAMES.backupDir, value: o.storagePath },
    { name: ENV_NAMES.logFormat, value: v.logFormat },
    { name: ENV_NAMES.home, value: HOME_DIR },
    { name: ENV_NAMES.tmpDir, value: TMP_DIR },
    ...(o.s3 ? s3Env(o.s3) : []),
  ];
  if (v.neo4j.secretName) {
    env.push(secretEnv(ENV_NAMES.dbPassword, v.neo4j.secretName, v.neo4j.passwordKey));
    if (v.neo4j.usernameKey) env.push(secretEnv(ENV_NAMES.dbUsername, v.neo4j.secretName, v.neo4j.usernameKey));
  }
  for (const item of passThrough(v).extraEnv) env.push(item); // not push(...): a long list would overflow the stack

  const volumes: IVolume[] = [
    tmpVolume(d),
    { name: VOLUME_NAMES.home, ...emptyDir(HOME_SIZE_LIMIT) },
    { name: VOLUME_NAMES.backups, ...o.storageVolume },
  ];
  const mounts: IVolumeMount[] = [
    TMP_MOUNT,
    { name: VOLUME_NAMES.home, mountPath: HOME_DIR },
    { name: VOLUME_NAMES.backups, mountPath: o.storagePath },
  ];
  if (o.keySecret) {
    volumes.push({
      name: VOLUME_NAMES.keys,
      secret: { secretName: o.keySecret.secretName, items: [{ key: o.keySecret.key, path: o.keySecret.key }], defaultMode: KEY_FILE_MODE },
    });
    mounts.push({ name: VOLUME_NAMES.keys, mountPath: KEYS_DIR, readOnly: true });
  }
  if (o.handoff) {
    volumes.push({ name: VOLUME_NAMES.handoff, ...emptyDir(HANDOFF_SIZE_LIMIT) });
    mounts.push({ name: VOLUME_NAMES.handoff, mountPath: HANDOFF_DIR, readOnly: true });
  }
  for (const item of passThrough(v).extraVolumeMounts) mounts.push(item);

  const container: IContainer = {
    name: o.component,
    image: imageReference(v),
    imagePullPolicy: v.image.pullPolicy,
    ...(o.command ? { command: o.command } : {}),
    args: o.args.map(kubeletEscape),
    env,
    resources: resourcesOf(v.resources),
    securityContext: passThrough(v).securityContext,
    volumeMounts: mounts,
  };
  return workloadPodTemplate(d, { component: o.component, containers: [container], initContainers: o.initContainers, volumes, automountToken: true });
}

/** `resources` with the empty maps left out. */
export function resourcesOf(r: { requests: Record<string, string | number>; limits: Record<string, string | number> }): Record<string, Record<string, string | number>> {
  const resources: Record<string, Record<string, string | number>> = {};
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
export function workloadPodTemplate(d: RenderPlan, o: WorkloadPodOptions): IPodTemplateSpec {
  const v = d.values;
  const k = passThrough(v);
  const metadata: IPodTemplateSpec['metadata'] = { labels: podLabels(v, d.release, o.component) };
  if (Object.keys(v.podAnnotations).length > 0) metadata.annotations = { ...v.podAnnotations };

  const spec: NonNullable<IPodTemplateSpec['spec']> = {
    serviceAccountName: d.names.serviceAccount,
    automountServiceAccountToken: o.automountToken,
    restartPolicy: RESTART_POLICY,
    securityContext: k.podSecurityContext,
    containers: o.containers,
    volumes: [...o.volumes, ...k.extraVolumes],
  };
  if (o.initContainers && o.initContainers.length > 0) spec.initContainers = o.initContainers;
  if (k.imagePullSecrets.length > 0) spec.imagePullSecrets = k.imagePullSecrets;
  if (v.priorityClassName) spec.priorityClassName = v.priorityClassName;
  if (Object.keys(v.nodeSelector).length > 0) spec.nodeSelector = v.nodeSelector;
  if (k.tolerations.length > 0) spec.tolerations = k.tolerations;
  if (Object.keys(k.affinity).length > 0) spec.affinity = k.affinity;
  return { metadata, spec };
}
