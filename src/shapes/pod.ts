/**
 * The hardened pod shared by every workload (restricted Pod Security
 * Standard), and its parts (src/constructs/pod.ts evaluates them).
 */
import { DEFAULT_IMAGE_TAG } from '../model/spec';
import { COPY_ENV_PREFIX } from '../companion-env';
import { arg, call, concat, format, kubeletEscape, maybe, merge, omitEmpty, replace, shape, truthy, val, when, type Shape } from './expr';

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
export const TMP_MOUNT = { name: VOLUME_NAMES.tmp, mountPath: TMP_DIR } as const;
/** Where companion init containers leave what they found (the archive to restore). */
export const HANDOFF_DIR = '/run/infrahub-backup';
/** Size of the hand-off volume: a few lines of text. */
export const HANDOFF_SIZE_LIMIT = '1Mi';

/** The path of a key file mounted from a Secret. */
export function keyFilePath(key: string): string {
  return `${KEYS_DIR}/${key}`;
}

/** An environment variable from a Secret's key. */
export const secretEnv = shape('secretEnv', 'An environment variable from a Secret', ['name', 'secretName', 'key'], {
  name: arg('name'),
  valueFrom: { secretKeyRef: { name: arg('secretName'), key: arg('key') } },
});

/** The S3 variables, each name with `prefix` before it, from the S3 settings `s3`. */
function s3EnvShape(name: string, doc: string, prefix: string): Shape {
  const n = (variable: string): string => `${prefix}${variable}`;
  return shape(
    name,
    doc,
    ['s3'],
    concat(
      [{ name: n(ENV_NAMES.s3Bucket), value: arg('s3.bucket') }],
      // Every $ doubled, as in arguments: the kubelet would expand a $(VAR) here into an earlier variable (a key, for COPY_).
      maybe(truthy(arg('s3.prefix')), { name: n(ENV_NAMES.s3Prefix), value: replace('$', '$$', arg('s3.prefix')) }),
      maybe(truthy(arg('s3.endpoint')), { name: n(ENV_NAMES.s3Endpoint), value: replace('$', '$$', arg('s3.endpoint')) }),
      [{ name: n(ENV_NAMES.s3Region), value: arg('s3.region') }],
      when(
        truthy(arg('s3.secretName')),
        concat(
          [
            call(secretEnv, { name: n(ENV_NAMES.accessKeyId), secretName: arg('s3.secretName'), key: arg('s3.accessKeyIdKey') }),
            call(secretEnv, { name: n(ENV_NAMES.secretAccessKey), secretName: arg('s3.secretName'), key: arg('s3.secretAccessKeyKey') }),
          ],
          maybe(truthy(arg('s3.sessionTokenKey')), call(secretEnv, { name: n(ENV_NAMES.sessionToken), secretName: arg('s3.secretName'), key: arg('s3.sessionTokenKey') })),
        ),
        [],
      ),
    ),
  );
}

/** The `INFRAHUB_S3_*` and `AWS_*` variables the images read, from S3 settings. */
export const s3Env = s3EnvShape('s3Env', 'The S3 variables of the images', '');

/** The same variables with the `COPY_` prefix: the destination of `s3 copy`, from `backup.storage.s3.copy`. */
export const copyEnv = s3EnvShape('copyEnv', 'The variables of the second copy', COPY_ENV_PREFIX);

/** An emptyDir volume source, size-limited when a limit is given. */
export const emptyDir = shape('emptyDir', 'An emptyDir volume source', ['sizeLimit'], {
  emptyDir: when(truthy(arg('sizeLimit')), { sizeLimit: arg('sizeLimit') }, {}),
});

/** The scratch volume at TMP_DIR, size-limited by `scratch.sizeLimit`. */
export const tmpVolume = shape('tmpVolume', 'The scratch volume', [], merge({ name: VOLUME_NAMES.tmp }, call(emptyDir, { sizeLimit: val('v.scratch.sizeLimit') })));

/** `resources` with the empty maps left out. */
export const resources = shape('resources', 'Container resources', ['r'], {
  requests: omitEmpty(arg('r.requests')),
  limits: omitEmpty(arg('r.limits')),
});

/** A pod template with the scheduling, security and identity settings every workload shares. */
export const workloadPodTemplate = shape('workloadPodTemplate', 'A pod template of a workload', ['component', 'containers', 'initContainers', 'volumes', 'automountToken'], {
  metadata: {
    labels: merge({ 'app.kubernetes.io/component': arg('component') }, val('selector'), val('v.podLabels')),
    annotations: omitEmpty(val('v.podAnnotations')),
  },
  spec: {
    serviceAccountName: val('names.serviceAccount'),
    automountServiceAccountToken: arg('automountToken'),
    restartPolicy: RESTART_POLICY,
    securityContext: val('v.podSecurityContext'),
    containers: arg('containers'),
    volumes: concat(arg('volumes'), val('v.extraVolumes')),
    initContainers: omitEmpty(arg('initContainers')),
    imagePullSecrets: omitEmpty(val('v.imagePullSecrets')),
    priorityClassName: omitEmpty(val('v.priorityClassName')),
    nodeSelector: omitEmpty(val('v.nodeSelector')),
    tolerations: omitEmpty(val('v.tolerations')),
    affinity: omitEmpty(val('v.affinity')),
  },
});

/** The infrahub-backup image: by digest when one is given, else by tag. */
const image = when(
  truthy(val('v.image.digest')),
  format('%s@%s', val('v.image.repository'), val('v.image.digest')),
  format('%s:%s', val('v.image.repository'), when(truthy(val('v.image.tag')), val('v.image.tag'), DEFAULT_IMAGE_TAG)),
);

/** The image's container of a backup or restore pod (podTemplate's arguments). */
export const imageContainer = shape(
  'imageContainer',
  'The container of the infrahub-backup image',
  ['component', 'args', 'command', 'handoff', 'storagePath', 's3', 'keySecret'],
  {
    name: arg('component'),
    image,
    imagePullPolicy: val('v.image.pullPolicy'),
    command: omitEmpty(arg('command')),
    args: kubeletEscape(arg('args')),
    env: concat(
      [
        { name: ENV_NAMES.namespace, valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: ENV_NAMES.backupDir, value: arg('storagePath') },
        { name: ENV_NAMES.logFormat, value: val('v.logFormat') },
        { name: ENV_NAMES.home, value: HOME_DIR },
        { name: ENV_NAMES.tmpDir, value: TMP_DIR },
      ],
      when(truthy(arg('s3')), call(s3Env, { s3: arg('s3') }), []),
      when(
        truthy(val('v.neo4j.secretName')),
        concat(
          [call(secretEnv, { name: ENV_NAMES.dbPassword, secretName: val('v.neo4j.secretName'), key: val('v.neo4j.passwordKey') })],
          maybe(truthy(val('v.neo4j.usernameKey')), call(secretEnv, { name: ENV_NAMES.dbUsername, secretName: val('v.neo4j.secretName'), key: val('v.neo4j.usernameKey') })),
        ),
        [],
      ),
      val('v.extraEnv'),
    ),
    resources: call(resources, { r: val('v.resources') }),
    securityContext: val('v.securityContext'),
    volumeMounts: concat(
      [TMP_MOUNT, { name: VOLUME_NAMES.home, mountPath: HOME_DIR }, { name: VOLUME_NAMES.backups, mountPath: arg('storagePath') }],
      maybe(truthy(arg('keySecret')), { name: VOLUME_NAMES.keys, mountPath: KEYS_DIR, readOnly: true }),
      maybe(truthy(arg('handoff')), { name: VOLUME_NAMES.handoff, mountPath: HANDOFF_DIR, readOnly: true }),
      val('v.extraVolumeMounts'),
    ),
  },
);

const IMAGE_CONTAINER_ARGS = {
  component: arg('component'),
  args: arg('args'),
  command: arg('command'),
  handoff: arg('handoff'),
  storagePath: arg('storagePath'),
  s3: arg('s3'),
  keySecret: arg('keySecret'),
};

/**
 * The pod template of a backup or restore workload: the container of the
 * infrahub-backup image, or, with `after`, the image as the last init
 * container and `after` as the pod's container. `s3` (S3 settings) and `keySecret` (`secretName`,
 * `key`) may be empty; `handoff` mounts the volume the init containers write to.
 */
export const podTemplate = shape(
  'podTemplate',
  'The pod template of a backup or restore',
  ['component', 'args', 'command', 'initContainers', 'after', 'handoff', 'storagePath', 'storageVolume', 's3', 'keySecret'],
  call(workloadPodTemplate, {
    component: arg('component'),
    automountToken: true,
    // With a container to run after the image's, the image's is the last init container (init containers run in order).
    initContainers: when(truthy(arg('after')), concat(arg('initContainers'), [call(imageContainer, IMAGE_CONTAINER_ARGS)]), arg('initContainers')),
    containers: when(truthy(arg('after')), [arg('after')], [call(imageContainer, IMAGE_CONTAINER_ARGS)]),
    volumes: concat(
      [
        call(tmpVolume),
        merge({ name: VOLUME_NAMES.home }, call(emptyDir, { sizeLimit: HOME_SIZE_LIMIT })),
        merge({ name: VOLUME_NAMES.backups }, arg('storageVolume')),
      ],
      maybe(truthy(arg('keySecret')), {
        name: VOLUME_NAMES.keys,
        secret: { secretName: arg('keySecret.secretName'), items: [{ key: arg('keySecret.key'), path: arg('keySecret.key') }], defaultMode: KEY_FILE_MODE },
      }),
      maybe(truthy(arg('handoff')), merge({ name: VOLUME_NAMES.handoff }, call(emptyDir, { sizeLimit: HANDOFF_SIZE_LIMIT }))),
    ),
  }),
);
