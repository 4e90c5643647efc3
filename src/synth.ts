import { App } from 'cdk8s';
import { InfrahubBackupChart } from './constructs/infrahub-backup-chart';
import { DEFAULT_RELEASE } from './model/deployment';
import type { InfrahubBackupValues } from './model/values.generated';

/** Options of synthValues. */
export interface SynthOptions {
  /**
   * The release name.
   *
   * @default "infrahub-backup"
   */
  readonly releaseName?: string;

  /**
   * The namespace of the objects.
   *
   * @default "default"
   */
  readonly namespace?: string;
}

/**
 * The manifests for a values document, as multi-document YAML: what
 * `helm template` prints for the same values.
 *
 * @throws ValuesError when the values are invalid
 */
export function synthValues(values: InfrahubBackupValues, options: SynthOptions = {}): string {
  const app = new App({ outdir: '.' });
  new InfrahubBackupChart(app, 'infrahub-backup', {
    values,
    releaseName: options.releaseName ?? DEFAULT_RELEASE,
    // helm template renders into "default" unless told otherwise.
    namespace: options.namespace ?? 'default',
  });
  return app.synthYaml();
}
