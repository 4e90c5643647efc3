/**
 * The pod that runs `infrahub-backup restore`, shared by the restore Job and CronJob.
 */
import type { IPodTemplateSpec, IVolume } from 'kubernetes-models/v1';
import type { Deployment } from '../model/deployment';
import { keyFilePath, podTemplate, scratchVolume } from './pod';

/** The archive to restore: an `s3://bucket/key` URI or a file in the backup directory. */
export function restoreSource(d: Deployment): string | undefined {
  const { storage } = d.values.restore;
  if (storage.type === 'local') return `${storage.path}/${storage.local.filename}`;
  if (storage.s3.latest) return undefined;
  return `s3://${storage.s3.bucket}/${storage.s3.key}`;
}

/** Arguments of `infrahub-backup restore`, per the image's contract. */
export function restoreArgs(d: Deployment): string[] {
  const { storage, options, decryption } = d.values.restore;
  const source = restoreSource(d);
  // Without a named archive the image (2.3.0 and later) picks the newest one under the bucket and prefix.
  const args = source ? ['restore', source] : ['restore', '--latest', '--s3'];
  if (options.excludeTaskmanager) args.push('--exclude-taskmanager');
  if (options.migrateFormat) args.push('--migrate-format');
  if (options.resetDeploymentId) args.push('--reset-deployment-id');
  if (decryption.secretName) args.push(`--decrypt-key=${keyFilePath(decryption.key)}`);
  if (storage.type === 'local' && !storage.local.existingClaim && options.sleep) args.push(`--sleep=${options.sleep}`);
  args.push(...options.extraArgs);
  return args;
}

/** The restore pod template. */
export function restorePodTemplate(d: Deployment): IPodTemplateSpec {
  const { storage, decryption } = d.values.restore;
  const storageVolume: Omit<IVolume, 'name'> =
    storage.type === 'local' && storage.local.existingClaim
      ? { persistentVolumeClaim: { claimName: storage.local.existingClaim } }
      : scratchVolume(d);
  return podTemplate(d, {
    component: 'restore',
    args: restoreArgs(d),
    storagePath: storage.path,
    storageVolume,
    s3: storage.type === 's3' ? storage.s3 : undefined,
    keySecret: decryption.secretName ? { secretName: decryption.secretName, key: decryption.key } : undefined,
  });
}
