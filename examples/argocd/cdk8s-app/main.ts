/**
 * A cdk8s app for the infrahub-backup Argo CD plugin: nightly backups of
 * Infrahub to S3, the same configuration as examples/values/scheduled-s3.yaml,
 * written in TypeScript.
 *
 * Under Argo CD the plugin runs this file (with tsx: no tsc step) and sets
 * INFRAHUB_BACKUP_RELEASE (the Application's name unless the release-name
 * parameter says otherwise) and INFRAHUB_BACKUP_NAMESPACE (the Application's
 * destination namespace). Locally: `npm install && npx cdk8s synth`.
 */
import { App } from 'cdk8s';
import { BackupMode, BackupStorageType, InfrahubBackupChart } from 'infrahub-backup-cdk8s';

// Leave outdir unset: the plugin collects the manifests from CDK8S_OUTDIR.
const app = new App();

new InfrahubBackupChart(app, 'infrahub-backup', {
  releaseName: process.env.INFRAHUB_BACKUP_RELEASE ?? 'infrahub-backup',
  namespace: process.env.INFRAHUB_BACKUP_NAMESPACE ?? 'infrahub',
  values: {
    backup: {
      enabled: true,
      mode: BackupMode.CRONJOB,
      schedule: '0 2 * * *',
      storage: {
        type: BackupStorageType.S3,
        s3: {
          bucket: 'infrahub-backups',
          prefix: 'production',
          region: 'eu-west-1',
          secretName: 'infrahub-backup-s3',
        },
      },
    },
    cronJob: { timeZone: 'Etc/UTC' },
  },
});

app.synth();
