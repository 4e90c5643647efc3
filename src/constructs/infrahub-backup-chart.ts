import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { InfrahubBackupValues } from '../model/values.generated';
import { InfrahubBackup } from './infrahub-backup';

/** Properties of an InfrahubBackupChart. */
export interface InfrahubBackupChartProps {
  /**
   * The values of the infrahub-backup chart.
   *
   * @default - the chart defaults (nothing is deployed)
   */
  readonly values?: InfrahubBackupValues;

  /**
   * The release name.
   *
   * @default "infrahub-backup"
   */
  readonly releaseName?: string;

  /**
   * The namespace of the objects (Infrahub's namespace).
   *
   * @default - none: the objects carry no namespace and go where they are applied (`kubectl apply -n`, Argo CD's destination)
   */
  readonly namespace?: string;
}

/** A cdk8s Chart holding one InfrahubBackup, as `helm template` would render it. */
export class InfrahubBackupChart extends Chart {
  /** The backup construct inside the chart. */
  public readonly backup: InfrahubBackup;

  constructor(scope: Construct, id: string, props: InfrahubBackupChartProps = {}) {
    const namespace = props.namespace;
    super(scope, id, { namespace, disableResourceNameHashes: true });
    this.backup = new InfrahubBackup(this, 'InfrahubBackup', { values: props.values, releaseName: props.releaseName, namespace });
  }
}
