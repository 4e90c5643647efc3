/**
 * Containers of the companion image (this project's CLI): S3 checks before
 * backups and restores, resolution of the newest archive, retention,
 * verification and freshness (src/constructs/companion.ts).
 */
import { HEARTBEAT_ENV, HEARTBEAT_MAX_AGE_ENV } from '../companion-env';
import { PACKAGE_VERSION } from '../version';
import { algorithm, arg, call, concat, format, kubeletEscape, maybe, shape, truthy, val, when } from './expr';
import { HANDOFF_DIR, resources, s3Env, secretEnv, TMP_MOUNT, VOLUME_NAMES } from './pod';

/** The file in which the newest archive's `s3://` URI is handed to the restore container. */
export const ARCHIVE_URI_FILE = `${HANDOFF_DIR}/archive-uri`;

/**
 * The heartbeat URL from `monitoring.heartbeat`'s Secret, when one is named,
 * and the maximum age a success ping vouches for.
 */
export const heartbeatEnv = shape(
  'heartbeatEnv',
  'The heartbeat variables',
  [],
  maybe(
    truthy(val('v.monitoring.heartbeat.secretName')),
    call(secretEnv, { name: HEARTBEAT_ENV, secretName: val('v.monitoring.heartbeat.secretName'), key: val('v.monitoring.heartbeat.key') }),
    { name: HEARTBEAT_MAX_AGE_ENV, value: algorithm('backupMaxAge') },
  ),
);

/**
 * A companion container running `infrahub-backup-cdk8s s3 <args>` on the S3
 * settings `s3`, with extra `mounts` and variables `env`; with `heartbeat`,
 * it pings the heartbeat URL of `monitoring.heartbeat`.
 */
export const companionContainer = shape('companionContainer', 'A companion container', ['name', 'args', 's3', 'mounts', 'heartbeat', 'env'], {
  name: arg('name'),
  image: format('%s:%s', val('v.companion.image.repository'), when(truthy(val('v.companion.image.tag')), val('v.companion.image.tag'), PACKAGE_VERSION)),
  imagePullPolicy: val('v.companion.image.pullPolicy'),
  args: kubeletEscape(concat(['s3'], arg('args'))),
  env: concat(call(s3Env, { s3: arg('s3') }), when(truthy(arg('env')), arg('env'), []), when(truthy(arg('heartbeat')), call(heartbeatEnv), []), val('v.extraEnv')),
  resources: call(resources, { r: val('v.companion.resources') }),
  securityContext: val('v.securityContext'),
  volumeMounts: concat([TMP_MOUNT], arg('mounts'), val('v.extraVolumeMounts')),
});

/** Fails the pod before the image starts when S3 is not usable for a backup (or does not hold the archive `uri` to restore). */
export const preflightContainer = shape('preflightContainer', 'The S3 preflight init container', ['purpose', 's3', 'uri'], call(companionContainer, {
  name: 'preflight',
  args: concat(['preflight', '--for', arg('purpose')], maybe(truthy(arg('uri')), '--uri', arg('uri'))),
  s3: arg('s3'),
}));

/**
 * Finds the newest archive under the prefix, logs it and writes its URI to
 * ARCHIVE_URI_FILE; with `companion.preflight` it checks that archive first.
 * The newest proven archive, unless `restore.storage.s3.acceptUnproven` takes
 * a newer one whose ends look complete.
 */
export const latestArchiveContainer = shape('latestArchiveContainer', 'The init container that finds the newest archive', [], call(companionContainer, {
  name: 'find-latest',
  args: concat(
    when(truthy(val('v.companion.preflight')), ['preflight', '--for', 'restore'], ['latest']),
    maybe(truthy(val('v.restore.storage.s3.acceptUnproven')), '--accept-unproven'),
    ['--output', ARCHIVE_URI_FILE],
  ),
  s3: val('v.restore.storage.s3'),
  mounts: [{ name: VOLUME_NAMES.handoff, mountPath: HANDOFF_DIR }],
}));
