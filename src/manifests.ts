import { defaultValues, valuesSchema } from './model/schema';
import type { InfrahubBackupValues } from './model/values.generated';
import { synthValues, SynthOptions } from './synth';

/**
 * The values model and the manifests it gives, without writing a cdk8s app:
 * what the CLI's `synth` and the chart's `values.schema.json` are made of.
 */
export class InfrahubBackupManifests {
  /**
   * The manifests for a values document, as multi-document YAML: what
   * `helm template` prints for the same values.
   *
   * @throws ValuesError when the values are invalid
   */
  public static synth(values: InfrahubBackupValues, options: SynthOptions = {}): string {
    return synthValues(values, options);
  }

  /** The JSON Schema of the values (strict: unknown keys are rejected). */
  public static valuesSchema(): Record<string, unknown> {
    return valuesSchema();
  }

  /** The default values, as the chart's `values.yaml` holds them. */
  public static defaultValues(): Record<string, unknown> {
    return defaultValues();
  }

  private constructor() {}
}
