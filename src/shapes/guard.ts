/**
 * The scale guard in the rendered objects (docs/scale-guard.md): the
 * `guard record` init container before the image scales Infrahub down, the
 * container after it that proves a backup landed and clears the record, and
 * the CronJob that repairs what a killed run left (src/constructs/guard-cron-job.ts).
 */
import { GUARD_JOB_ENV, GUARD_POD_ENV } from '../companion-env';
import { PACKAGE_VERSION } from '../version';
import { arg, call, concat, format, kubeletEscape, maybe, omitEmpty, orDefault, shape, truthy, val, when } from './expr';
import { heartbeatEnv } from './companion';
import { ENV_NAMES, HANDOFF_DIR, resources, s3Env, TMP_MOUNT, tmpVolume, VOLUME_NAMES, workloadPodTemplate } from './pod';
import { cronJobObject } from './workload';

/** Where `guard record` writes the run's start, which the proof of a backup to S3 reads. */
export const RUN_START_FILE = `${HANDOFF_DIR}/run-start`;
/** The companion image's command. */
export const COMPANION_COMMAND = 'infrahub-backup-cdk8s';
/** The guard CronJob's bound: a repair is bounded by its own `--timeout` (30 s). */
export const GUARD_JOB_DEADLINE_SECONDS = 300;

/** Whether the guard renders (with a backup or a restore). */
export const guardOn = truthy(val('v.guard.enabled'));

/** The variables the guard reads: the namespace, and this pod's Job and name (downward API). */
export const guardEnv = shape('guardEnv', 'The variables of the guard', [], [
  { name: ENV_NAMES.namespace, valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
  { name: GUARD_JOB_ENV, valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } } },
  { name: GUARD_POD_ENV, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
]);

/** The flags naming the release, as the chart names it. */
const releaseArgs = ['--release', val('release'), '--name', val('names.name'), '--fullname', val('names.fullname')];

/**
 * A container of the companion image running `infrahub-backup-cdk8s guard
 * <args>`; `command` (a shell line) replaces the image's entrypoint, `s3`
 * adds the S3 and heartbeat variables.
 */
export const guardContainer = shape('guardContainer', 'A guard container', ['name', 'args', 'command', 's3', 'mounts'], {
  name: arg('name'),
  image: format('%s:%s', val('v.companion.image.repository'), when(truthy(val('v.companion.image.tag')), val('v.companion.image.tag'), PACKAGE_VERSION)),
  imagePullPolicy: val('v.companion.image.pullPolicy'),
  command: omitEmpty(arg('command')),
  args: kubeletEscape(concat(when(truthy(arg('command')), [], ['guard']), arg('args'), releaseArgs)),
  env: concat(call(guardEnv), when(truthy(arg('s3')), concat(call(s3Env, { s3: arg('s3') }), call(heartbeatEnv)), []), val('v.extraEnv')),
  resources: call(resources, { r: val('v.companion.resources') }),
  securityContext: val('v.securityContext'),
  volumeMounts: concat([TMP_MOUNT], orDefault(arg('mounts'), []), val('v.extraVolumeMounts')),
});

/** `guard record` before the image runs; for a backup to S3 it also writes the run's start to RUN_START_FILE. */
export const recordContainer = shape('recordContainer', 'The guard record init container', ['purpose', 'startFile'], call(guardContainer, {
  name: 'guard-record',
  args: concat(['record', '--for', arg('purpose')], maybe(truthy(arg('startFile')), '--start-file', RUN_START_FILE)),
  mounts: maybe(truthy(arg('startFile')), { name: VOLUME_NAMES.handoff, mountPath: HANDOFF_DIR }),
}));

/**
 * After the image: `guard clear`. After a backup to S3, first the proof that
 * this run's upload landed: `s3 latest --newer-than` the start `guard record`
 * wrote (a restorable archive uploaded since, one line and exit 1 otherwise),
 * which pings the heartbeat URL when one is set.
 */
export const clearContainer = shape('clearContainer', 'The container after the image', ['s3'], call(guardContainer, {
  name: when(truthy(arg('s3')), 'prove', 'guard-clear'),
  command: maybe(
    truthy(arg('s3')),
    '/bin/sh',
    '-c',
    `${COMPANION_COMMAND} s3 latest --accept-unproven --newer-than @${RUN_START_FILE} && exec ${COMPANION_COMMAND} guard "$@"`,
    'prove',
  ),
  args: ['clear'],
  s3: arg('s3'),
  mounts: maybe(truthy(arg('s3')), { name: VOLUME_NAMES.handoff, mountPath: HANDOFF_DIR, readOnly: true }),
}));

/** The guard CronJob: `guard repair` on `guard.schedule`. */
export const guardCronJob = shape('guardCronJob', 'The guard CronJob', [], call(cronJobObject, {
  name: val('names.guardCronJob'),
  component: 'guard',
  template: call(workloadPodTemplate, {
    component: 'guard',
    containers: [call(guardContainer, { name: 'guard', args: ['repair'] })],
    initContainers: [],
    volumes: [call(tmpVolume)],
    automountToken: true,
  }),
  backoffLimit: 0,
  activeDeadlineSeconds: GUARD_JOB_DEADLINE_SECONDS,
  schedule: val('v.guard.schedule'),
  concurrencyPolicy: 'Forbid',
}));
