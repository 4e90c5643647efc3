/**
 * What the resolved values say about the objects to create: their names,
 * labels and the requests that name the one-shot Jobs.
 */
import { chartShortName, fullName, requestHash, sideCronJobName, suffixedName, truncName } from './names';
import type { ResolvedValues } from './types';
import { evaluate } from '../shapes/evaluate';
import { restoreRequest as RESTORE_REQUEST } from '../shapes/requests';
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

/** What a restore restores and how (the shape `restoreRequest`, src/shapes/requests.ts): its hash names the restore Job. */
export function restoreRequest(v: ResolvedValues): Record<string, unknown> {
  return evaluate(RESTORE_REQUEST, { v });
}

/**
 * Everything that shapes the one-shot backup Job: a changed configuration gets
 * a new Job. Monitoring and the network policy do not shape it, nor do the
 * values added since that only the companion CronJobs read (the calendar
 * retention rules, `backup.objectLock`, `backup.storage.s3.copy`): left out,
 * so that an upgrade keeps the Job's name and does not run a backup again.
 */
export function backupRequest(v: ResolvedValues): Record<string, unknown> {
  const { restore: _restore, monitoring: _monitoring, networkPolicy: _networkPolicy, backup, ...rest } = v;
  const { objectLock: _objectLock, storage, retention, ...backupRest } = backup;
  const { copy: _copy, ...s3 } = storage.s3;
  const { keepDaily: _daily, keepWeekly: _weekly, keepMonthly: _monthly, keepYearly: _yearly, ...kept } = retention;
  return { ...rest, backup: { ...backupRest, storage: { ...storage, s3 }, retention: kept } };
}

/**
 * How each object beside the fullname is named, as data: the fullname itself,
 * truncated (`max`), with a role and the hash of a request (`suffixed`), or a
 * CronJob beside the backup CronJob (`side`); `override` names a value that
 * replaces the name when set. The chart build writes the same table as
 * `infrahub-backup.names`.
 */
export type NameRule =
  | { readonly kind: 'fullname' }
  | { readonly kind: 'trunc'; readonly max: number }
  | { readonly kind: 'suffixed'; readonly role: string; readonly hash?: 'backup' | 'restore'; readonly max: number; readonly override?: 'backup.storage.local.persistence.existingClaim' }
  | { readonly kind: 'side'; readonly role: string };

/** The names derived from the fullname (the others: `name`, `fullname`, `serviceAccount`). */
export const NAME_RULES: Readonly<Record<Exclude<keyof ObjectNames, 'name' | 'fullname' | 'serviceAccount'>, NameRule>> = {
  role: { kind: 'fullname' },
  roleBinding: { kind: 'fullname' },
  backupJob: { kind: 'suffixed', role: 'backup', hash: 'backup', max: 63 },
  // Upstream's name for the same CronJob: `helm upgrade` from OpsMill's chart
  // updates it in place instead of deleting it (and a backup running in it).
  backupCronJob: { kind: 'trunc', max: 52 },
  backupClaim: { kind: 'suffixed', role: 'backups', max: 253, override: 'backup.storage.local.persistence.existingClaim' },
  restoreJob: { kind: 'suffixed', role: 'restore', hash: 'restore', max: 63 },
  restoreCronJob: { kind: 'suffixed', role: 'restore', max: 52 },
  retentionCronJob: { kind: 'side', role: 'retention' },
  verificationCronJob: { kind: 'side', role: 'verify' },
  freshnessCronJob: { kind: 'side', role: 'freshness' },
  guardCronJob: { kind: 'side', role: 'guard' },
  scaleGuard: { kind: 'suffixed', role: 'scale-guard', max: 253 },
  networkPolicy: { kind: 'fullname' },
  prometheusRule: { kind: 'fullname' },
  dashboard: { kind: 'suffixed', role: 'dashboard', max: 253 },
};

/**
 * The names of all objects, Helm-style: `<release>-infrahub-backup[-role[-hash]]`;
 * the backup CronJob is `<fullname>`, as in OpsMill's chart.
 */
export function objectNames(v: ResolvedValues, release: string): ObjectNames {
  const fullname = fullName(release, v.nameOverride, v.fullnameOverride);
  const serviceAccount = v.serviceAccount.create ? v.serviceAccount.name || fullname : v.serviceAccount.name || 'default';
  const hashes = { backup: () => requestHash(backupRequest(v)), restore: () => requestHash(restoreRequest(v)) };
  const named = (r: NameRule): string => {
    switch (r.kind) {
      case 'fullname':
        return fullname;
      case 'trunc':
        return truncName(fullname, r.max);
      case 'side':
        return sideCronJobName(fullname, r.role);
      case 'suffixed':
        return (r.override && v.backup.storage.local.persistence.existingClaim) || suffixedName(fullname, r.role, r.hash && hashes[r.hash](), r.max);
    }
  };
  const derived = Object.fromEntries(Object.entries(NAME_RULES).map(([k, r]) => [k, named(r)])) as Record<keyof typeof NAME_RULES, string>;
  return { name: chartShortName(v.nameOverride), fullname, serviceAccount, ...derived };
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
