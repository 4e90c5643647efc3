import { only, podSpecOf, S3_BACKUP, S3_RESTORE, synthObjects } from './support/synth';

describe('InfrahubBackup', () => {
  test('defaults deploy nothing', () => {
    expect(synthObjects({})).toEqual([]);
  });

  test('a one-shot S3 backup gets a ServiceAccount, Role, RoleBinding and Job', () => {
    const objects = synthObjects(S3_BACKUP);
    expect(objects.map((o) => o.kind)).toEqual(['ServiceAccount', 'Role', 'RoleBinding', 'Job']);
    const job = only(objects, 'Job');
    expect(job.metadata.name).toMatch(/^infrahub-backup-backup-[0-9a-f]{8}$/);
    const pod = podSpecOf(job);
    expect(pod.containers[0].args).toEqual(['create', '--neo4jmetadata=all', '--s3-upload']);
    expect(pod.automountServiceAccountToken).toBe(true);
  });

  test('a restore Job is never retried and has no TTL', () => {
    const job = only(synthObjects(S3_RESTORE), 'Job');
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(podSpecOf(job).containers[0].args).toEqual(['restore', 's3://backups/infrahub_backup_20260101_020000.tar.gz']);
  });
});
