/**
 * The Grafana dashboard of scheduled backups (`monitoring.grafanaDashboard`):
 * a ConfigMap the Grafana sidecar loads by its label. Its shape is
 * src/shapes/monitoring.ts.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { RenderPlan } from '../model/plan';
import { grafanaDashboard } from '../shapes/monitoring';
import { monitoredNamespace } from './prometheus-rule';
import { shapeObject } from './workload';

/** A ConfigMap holding the dashboard, labelled for the Grafana sidecar. */
export class BackupGrafanaDashboard extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, d: RenderPlan) {
    super(scope, id);
    monitoredNamespace(d, 'monitoring.grafanaDashboard.enabled');
    this.apiObject = shapeObject(this, d, grafanaDashboard);
  }
}
