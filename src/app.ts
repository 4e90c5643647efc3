/**
 * The default cdk8s app: `npx cdk8s synth` writes dist/*.k8s.yaml from the
 * example values (scheduled backups to S3). Set INFRAHUB_BACKUP_VALUES to a
 * values file, INFRAHUB_BACKUP_RELEASE and INFRAHUB_BACKUP_NAMESPACE to render
 * another configuration.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { App } from 'cdk8s';
import { parseValuesBytes } from './values-io/values-input';
import { InfrahubBackupChart } from './constructs/infrahub-backup-chart';

const file = process.env.INFRAHUB_BACKUP_VALUES ?? join(__dirname, '..', 'examples', 'values', 'scheduled-s3.yaml');
const app = new App();
const chart = new InfrahubBackupChart(app, 'infrahub-backup', {
  values: parseValuesBytes(readFileSync(file), file),
  releaseName: process.env.INFRAHUB_BACKUP_RELEASE,
  namespace: process.env.INFRAHUB_BACKUP_NAMESPACE ?? 'infrahub',
});
// Values applied otherwise than written (restores keep their safety): said on stderr, as synth says them.
for (const line of chart.backup.warnings) process.stderr.write(`warning: ${line}\n`);
app.synth();
