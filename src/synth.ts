import { App } from 'cdk8s';
import { stringifyManifests } from './model/go-yaml';
import { InfrahubBackupChart } from './constructs/infrahub-backup-chart';
import { DEFAULT_RELEASE } from './model/plan';
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

  /**
   * Receives each warning of the values (a value applied otherwise than
   * written, for safety), one `path: text` line without a newline; the
   * manifests are unchanged.
   *
   * @default - warnings are dropped
   */
  readonly warn?: (line: string) => void;
}

/**
 * The manifests for a values document, as multi-document YAML: what
 * `helm template` prints for the same values.
 *
 * @throws ValuesError when the values are invalid
 */
export function synthValues(values: InfrahubBackupValues, options: SynthOptions = {}): string {
  return manifestsOf(synthObjects(values, options));
}

/** Objects as synthValues writes them: one YAML document each, in Kubernetes' dialect. */
export function manifestsOf(objects: unknown[]): string {
  return stringifyManifests(objects);
}

/**
 * The objects for a values document, in the order synthValues writes them.
 *
 * @throws ValuesError when the values are invalid
 */
export function synthObjects(values: InfrahubBackupValues, options: SynthOptions = {}): unknown[] {
  const app = new App({ outdir: '.' });
  const chart = new InfrahubBackupChart(app, 'infrahub-backup', {
    values,
    releaseName: options.releaseName ?? DEFAULT_RELEASE,
    // helm template renders into "default" unless told otherwise.
    namespace: options.namespace ?? 'default',
  });
  // What app.synthYaml() does (validations, then every chart's objects), written by our writer:
  // cdk8s writes YAML 1.1, while Kubernetes reads go-yaml's dialect, which also takes `0o17`, `0b1`,
  // `09` or `1_0` for numbers; here every string stays a string there.
  const problems = app.node.findAll().flatMap((c) => c.node.validate());
  if (problems.length > 0) throw new Error(`Validation failed with the following errors:\n  ${problems.join('\n  ')}`);
  if (options.warn) for (const line of chart.backup.warnings) options.warn(line);
  return app.charts.flatMap((c): unknown[] => c.toJson());
}
