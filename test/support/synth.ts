import { Testing } from 'cdk8s';
import { InfrahubBackupChart } from '../../src';
import type { InfrahubBackupValues } from '../../src';

/** A synthesized Kubernetes object. */
export type KubeObject = Record<string, any>;

/** Synthesizes values into objects, as `synth` would. */
export function synthObjects(values: InfrahubBackupValues | Record<string, unknown>, releaseName = 'infrahub-backup', namespace = 'infrahub'): KubeObject[] {
  const app = Testing.app();
  const chart = new InfrahubBackupChart(app, 'test', { values: values as InfrahubBackupValues, releaseName, namespace });
  return Testing.synth(chart);
}

/** The one object of a kind. */
export function only(objects: KubeObject[], kind: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}: ${objects.map((o) => o.kind).join(', ')}`);
  return found[0];
}

/** The pod spec of a Job or CronJob. */
export function podSpecOf(workload: KubeObject): KubeObject {
  return workload.kind === 'CronJob' ? workload.spec.jobTemplate.spec.template.spec : workload.spec.template.spec;
}

/** Minimal values for each kind of deployment. */
export const S3_BACKUP = { backup: { enabled: true, storage: { s3: { bucket: 'backups', secretName: 's3-creds' } } } };
export const S3_RESTORE = { restore: { enabled: true, storage: { s3: { bucket: 'backups', key: 'infrahub_backup_20260101_020000.tar.gz', secretName: 's3-creds' } } } };
