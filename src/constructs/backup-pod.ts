/**
 * The pod that runs `infrahub-backup create`, shared by the one-shot Job and the CronJob.
 */
import type { IPodTemplateSpec, IVolume } from 'kubernetes-models/v1';
import type { RenderPlan } from '../model/plan';
import { preflightContainer } from './companion';
import { keyFilePath, podTemplate, scratchVolume } from './pod';

/** Whether local archives are kept on a PersistentVolumeClaim. */
export function persistsLocally(d: RenderPlan): boolean {
  const storage = d.values.backup.storage;
  return storage.type === 'local' && storage.local.persistence.enabled;
}

/** Arguments of `infrahub-backup create`, per the image's contract. */
export function backupArgs(d: RenderPlan): string[] {
  const { storage, options, encryption } = d.values.backup;
  const args = ['create'];
  if (options.force) args.push('--force');
  if (options.excludeTaskmanager) args.push('--exclude-taskmanager');
  args.push(`--neo4jmetadata=${options.neo4jMetadata}`);
  if (storage.type === 's3') {
    args.push('--s3-upload');
    if (options.keepLocal) args.push('--s3-keep-local');
  }
  if (encryption.secretName) args.push(`--encrypt-key=${keyFilePath(encryption.key)}`);
  if (storage.type === 'local' && !persistsLocally(d) && options.sleep) args.push(`--sleep=${options.sleep}`);
  for (const arg of options.extraArgs) args.push(arg); // not push(...): a long list would overflow the stack
  return args;
}

/** The backup pod template. */
export function backupPodTemplate(d: RenderPlan): IPodTemplateSpec {
  const { storage, encryption } = d.values.backup;
  const storageVolume: Omit<IVolume, 'name'> = persistsLocally(d)
    ? { persistentVolumeClaim: { claimName: d.names.backupClaim } }
    : scratchVolume(d);
  const s3 = storage.type === 's3' ? storage.s3 : undefined;
  return podTemplate(d, {
    component: 'backup',
    initContainers: s3 && d.values.companion.preflight ? [preflightContainer(d, 'backup', s3)] : [],
    args: backupArgs(d),
    storagePath: storage.path,
    storageVolume,
    s3,
    keySecret: encryption.secretName ? { secretName: encryption.secretName, key: encryption.key } : undefined,
  });
}
