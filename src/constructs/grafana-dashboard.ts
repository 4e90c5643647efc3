/**
 * The Grafana dashboard of scheduled backups (`monitoring.grafanaDashboard`):
 * a ConfigMap the Grafana sidecar loads by its label. Its shape is
 * src/shapes/monitoring.ts.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from './kplus';
import { kindObject, type ObjectMetadata } from './workload';

/** What the dashboard's ConfigMap renders. */
export interface GrafanaDashboardProps {
  /** The ConfigMap's metadata: its own namespace and labels when set (for the sidecar). */
  readonly metadata: ObjectMetadata;
  /** The dashboard's JSON, under `<fullname>.json`. */
  readonly data: Readonly<Record<string, string>>;
}

/** A ConfigMap holding the dashboard, labelled for the Grafana sidecar. */
export class BackupGrafanaDashboard extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: GrafanaDashboardProps) {
    super(scope, id);
    this.apiObject = kindObject(this, k8s.KubeConfigMap.GVK, props);
  }
}
