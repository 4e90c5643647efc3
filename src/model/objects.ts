/**
 * What the resolved values say about the objects to create: their names,
 * labels and the requests that name the one-shot Jobs.
 */
import { chartShortName, fullName, requestHash, sideCronJobName, suffixedName, truncName } from './names';
import type { ResolvedValues } from './types';
import { DEFAULT_IMAGE_TAG } from './spec';
import { PACKAGE_VERSION } from '../version';

/** Names of every object the values can produce. */
export interface ObjectNames {
  readonly name: string;
  readonly fullname: string;
  readonly serviceAccount: string;
  readonly role: string;
  readonly roleBinding: string;
  readonly backupJob: string;
  readonly backupCronJob: string;
  readonly backupClaim: string;
  readonly restoreJob: string;
  readonly restoreCronJob: string;
  readonly retentionCronJob: string;
  readonly verificationCronJob: string;
  readonly freshnessCronJob: string;
  /** The scale guard's CronJob (`guard repair`). */
  readonly guardCronJob: string;
  /** The scale guard's marker ConfigMap (written by the pods, never rendered). */
  readonly scaleGuard: string;
  readonly networkPolicy: string;
  readonly prometheusRule: string;
  readonly dashboard: string;
}

/**
 * What a restore restores and how: the inputs that name the restore Job, so
 * the same request keeps the same Job (never re-run) and a new one gets a new Job.
 */
export function restoreRequest(v: ResolvedValues): Record<string, unknown> {
  const { storage, options, decryption, id } = v.restore;
  return {
    id,
    storage: {
      type: storage.type,
      path: storage.path,
      s3: {
        bucket: storage.s3.bucket,
        prefix: storage.s3.prefix,
        key: storage.s3.key,
        latest: storage.s3.latest,
        endpoint: storage.s3.endpoint,
        // Only when on: a request that never set it keeps the name (and Job) it had.
        ...(storage.s3.acceptUnproven ? { acceptUnproven: true } : {}),
      },
      local: storage.local,
    },
    options,
    decryption,
  };
}

/**
 * Everything that shapes the one-shot backup Job: a changed configuration gets
 * a new Job. Monitoring and the network policy do not shape it.
 */
export function backupRequest(v: ResolvedValues): Record<string, unknown> {
  const { restore: _restore, monitoring: _monitoring, networkPolicy: _networkPolicy, ...rest } = v;
  return rest;
}

/**
 * The names of all objects, Helm-style: `<release>-infrahub-backup[-role[-hash]]`;
 * the backup CronJob is `<fullname>`, as in OpsMill's chart.
 */
export function objectNames(v: ResolvedValues, release: string): ObjectNames {
  const fullname = fullName(release, v.nameOverride, v.fullnameOverride);
  const serviceAccount = v.serviceAccount.create ? v.serviceAccount.name || fullname : v.serviceAccount.name || 'default';
  return {
    name: chartShortName(v.nameOverride),
    fullname,
    serviceAccount,
    role: fullname,
    roleBinding: fullname,
    backupJob: suffixedName(fullname, 'backup', requestHash(backupRequest(v)), 63),
    // Upstream's name for the same CronJob: `helm upgrade` from OpsMill's chart
    // updates it in place instead of deleting it (and a backup running in it).
    backupCronJob: truncName(fullname, 52),
    backupClaim: v.backup.storage.local.persistence.existingClaim || suffixedName(fullname, 'backups', undefined, 253),
    restoreJob: suffixedName(fullname, 'restore', requestHash(restoreRequest(v)), 63),
    restoreCronJob: suffixedName(fullname, 'restore', undefined, 52),
    retentionCronJob: sideCronJobName(fullname, 'retention'),
    verificationCronJob: sideCronJobName(fullname, 'verify'),
    freshnessCronJob: sideCronJobName(fullname, 'freshness'),
    guardCronJob: sideCronJobName(fullname, 'guard'),
    scaleGuard: `${fullname}-scale-guard`,
    networkPolicy: fullname,
    prometheusRule: fullname,
    dashboard: suffixedName(fullname, 'dashboard', undefined, 253),
  };
}

/** Labels that select this release's pods. */
export function selectorLabels(v: ResolvedValues, release: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': chartShortName(v.nameOverride),
    'app.kubernetes.io/instance': release,
  };
}

/** Labels of every object; `component` says what the object is for. */
export function commonLabels(v: ResolvedValues, release: string, component: string): Record<string, string> {
  return {
    ...selectorLabels(v, release),
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': 'infrahub',
    'app.kubernetes.io/version': PACKAGE_VERSION,
    'app.kubernetes.io/managed-by': 'cdk8s',
  };
}

/** Labels of the pods: the user's `podLabels`, then the selector labels and component. */
export function podLabels(v: ResolvedValues, release: string, component: string): Record<string, string> {
  return { ...v.podLabels, ...selectorLabels(v, release), 'app.kubernetes.io/component': component };
}

/** The image reference: by digest when one is given, else by tag. */
export function imageReference(v: ResolvedValues): string {
  if (v.image.digest) return `${v.image.repository}@${v.image.digest}`;
  return `${v.image.repository}:${v.image.tag || DEFAULT_IMAGE_TAG}`;
}
