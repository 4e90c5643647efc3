/**
 * The pod that runs `infrahub-backup restore`, shared by the restore Job and CronJob.
 */
import type { IContainer, IPodTemplateSpec, IVolume } from 'kubernetes-models/v1';
import type { RenderPlan } from '../model/plan';
import { ARCHIVE_URI_FILE, latestArchiveContainer, preflightContainer } from './companion';
import { keyFilePath, podTemplate, scratchVolume } from './pod';

/** The image's entrypoint. */
export const IMAGE_ENTRYPOINT = '/usr/local/bin/infrahub-backup';

/** The archive to restore: an `s3://` URI or a file in the backup directory; undefined for the newest archive. */
export function restoreSource(d: RenderPlan): string | undefined {
  const { storage } = d.values.restore;
  if (storage.type === 'local') return `${storage.path}/${storage.local.filename}`;
  if (storage.s3.latest) return undefined;
  return `s3://${storage.s3.bucket}/${storage.s3.key}`;
}

/** Flags of `infrahub-backup restore`, per the image's contract. */
export function restoreFlags(d: RenderPlan): string[] {
  const { storage, options, decryption } = d.values.restore;
  const flags: string[] = [];
  if (options.excludeTaskmanager) flags.push('--exclude-taskmanager');
  if (options.migrateFormat) flags.push('--migrate-format');
  if (options.resetDeploymentId) flags.push('--reset-deployment-id');
  if (decryption.secretName) flags.push(`--decrypt-key=${keyFilePath(decryption.key)}`);
  if (storage.type === 'local' && !storage.local.existingClaim && options.sleep) flags.push(`--sleep=${options.sleep}`);
  for (const arg of options.extraArgs) flags.push(arg); // not push(...): a long list would overflow the stack
  return flags;
}

/**
 * Arguments of `infrahub-backup restore <source> [flags]`. For the newest
 * archive the source is read from the file the `find-latest` init container
 * wrote, through the image's shell: the URI becomes the first argument and
 * the flags follow unchanged ("$@"), so any image version works.
 */
export function restoreCommand(d: RenderPlan): { command?: string[]; args: string[] } {
  const source = restoreSource(d);
  if (source) return { args: ['restore', source, ...restoreFlags(d)] };
  return {
    command: ['/bin/sh', '-c', `exec ${IMAGE_ENTRYPOINT} restore "$(cat ${ARCHIVE_URI_FILE})" "$@"`, 'infrahub-backup'],
    args: restoreFlags(d),
  };
}

/** The restore pod template. */
export function restorePodTemplate(d: RenderPlan): IPodTemplateSpec {
  const { storage, decryption } = d.values.restore;
  const storageVolume: Omit<IVolume, 'name'> =
    storage.type === 'local' && storage.local.existingClaim
      ? { persistentVolumeClaim: { claimName: storage.local.existingClaim } }
      : scratchVolume(d);
  const s3 = storage.type === 's3' ? storage.s3 : undefined;
  const initContainers: IContainer[] = [];
  if (s3 && s3.latest) initContainers.push(latestArchiveContainer(d, s3));
  else if (s3 && d.values.companion.preflight) initContainers.push(preflightContainer(d, 'restore', s3, restoreSource(d)));
  return podTemplate(d, {
    component: 'restore',
    ...restoreCommand(d),
    initContainers,
    handoff: Boolean(s3 && s3.latest),
    storagePath: storage.path,
    storageVolume,
    s3,
    keySecret: decryption.secretName ? { secretName: decryption.secretName, key: decryption.key } : undefined,
  });
}
