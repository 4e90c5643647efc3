import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { stringifyManifests } from './model/go-yaml';
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
    namespace: options.namespace,
  });
  // cdk8s writes YAML 1.1; Kubernetes reads it with go-yaml, which also takes `0o17`, `0b1`, `09` or `1_0`
  // for numbers: re-written so that every string stays a string there.
  return stringifyManifests(parseAllDocuments(app.synthYaml(), { version: '1.1' }).map((d) => d.toJS()));
}
