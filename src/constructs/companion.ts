/**
 * Containers of the companion image (this project's CLI): S3 checks before
 * backups and restores, resolution of the newest archive, retention and
 * verification. They read the same `INFRAHUB_S3_*` / `AWS_*` environment as
 * the infrahub-backup image, so one Secret serves both.
 */
import type { IContainer, IEnvVar, IVolumeMount } from 'kubernetes-models/v1';
import type { RenderPlan } from '../model/plan';
import { backupMaxAge } from '../model/max-age';
import { HEARTBEAT_ENV, HEARTBEAT_MAX_AGE_ENV } from '../companion-env';
import { PACKAGE_VERSION } from '../version';
import { HANDOFF_DIR, kubeletEscape, passThrough, resourcesOf, S3Settings, s3Env, TMP_MOUNT, VOLUME_NAMES } from './pod';

/** The file in which the newest archive's `s3://` URI is handed to the restore container. */
export const ARCHIVE_URI_FILE = `${HANDOFF_DIR}/archive-uri`;

/** The companion image reference: its tag defaults to this package's version. */
export function companionImage(d: RenderPlan): string {
  const image = d.values.companion.image;
  return `${image.repository}:${image.tag || PACKAGE_VERSION}`;
}

// The variables the `s3` commands read their heartbeat URL and the maximum age a success vouches for from: one definition, theirs.
export { HEARTBEAT_ENV, HEARTBEAT_MAX_AGE_ENV };

/**
 * The heartbeat URL from `monitoring.heartbeat`'s Secret, when one is named,
 * and the maximum age (`monitoring.backupMaxAge`, or the one derived from the
 * schedule): a success ping then means that a restorable archive younger than
 * it exists, whichever CronJob sends it.
 */
export function heartbeatEnv(d: RenderPlan): IEnvVar[] {
  const h = d.values.monitoring.heartbeat;
  if (!h.secretName) return [];
  return [
    { name: HEARTBEAT_ENV, valueFrom: { secretKeyRef: { name: h.secretName, key: h.key } } },
    { name: HEARTBEAT_MAX_AGE_ENV, value: backupMaxAge(d.values) },
  ];
}

/**
 * A companion container running `infrahub-backup-cdk8s s3 <args>`; with
 * `heartbeat`, it pings the heartbeat URL of `monitoring.heartbeat` (the
 * CronJobs that look after the archives do, the init containers of backups
 * and restores do not).
 */
export function companionContainer(d: RenderPlan, name: string, args: string[], s3: S3Settings, mounts: IVolumeMount[] = [], heartbeat = false): IContainer {
  const v = d.values;
  return {
    name,
    image: companionImage(d),
    imagePullPolicy: v.companion.image.pullPolicy,
    args: ['s3', ...args].map(kubeletEscape),
    env: [...s3Env(s3), ...(heartbeat ? heartbeatEnv(d) : []), ...passThrough(v).extraEnv],
    resources: resourcesOf(v.companion.resources),
    securityContext: passThrough(v).securityContext,
    volumeMounts: [TMP_MOUNT, ...mounts, ...passThrough(v).extraVolumeMounts],
  };
}

/** Fails the pod before the image starts when S3 is not usable for a backup (or does not hold the archive to restore). */
export function preflightContainer(d: RenderPlan, purpose: 'backup' | 'restore', s3: S3Settings, uri?: string): IContainer {
  return companionContainer(d, 'preflight', ['preflight', '--for', purpose, ...(uri ? ['--uri', uri] : [])], s3);
}

/**
 * Finds the newest archive under the prefix, logs it and writes its URI to
 * ARCHIVE_URI_FILE; with `companion.preflight` it checks that archive first
 * (`preflight --for restore` without `--uri` resolves the newest one).
 */
export function latestArchiveContainer(d: RenderPlan, s3: S3Settings): IContainer {
  const args = d.values.companion.preflight ? ['preflight', '--for', 'restore'] : ['latest'];
  // The newest proven archive, unless restore.storage.s3.acceptUnproven takes a newer one whose ends look complete.
  const accept = d.values.restore.storage.s3.acceptUnproven ? ['--accept-unproven'] : [];
  return companionContainer(d, 'find-latest', [...args, ...accept, '--output', ARCHIVE_URI_FILE], s3, [{ name: VOLUME_NAMES.handoff, mountPath: HANDOFF_DIR }]);
}
