/**
 * The PrometheusRule of a release: the alerts of `src/model/alerts.ts`, filled
 * in with this release's namespace, object names and thresholds. Its shape is
 * src/shapes/monitoring.ts.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ValuesError } from '../model/errors';
import type { RenderPlan } from '../model/plan';
import { kindObject, type ObjectMetadata } from './workload';

/** The API group and version of the Prometheus operator's PrometheusRule. */
export const PROMETHEUS_RULE_GVK = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule' } as const;

/** One alerting rule, as the Prometheus operator takes it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/**
 * The namespace the series are scoped to. Helm, the CLI and the plugin always
 * have one; a cdk8s chart without a namespace must name it for the alerts.
 */
export function monitoredNamespace(d: RenderPlan, path: string): string {
  if (d.namespace) return d.namespace;
  throw new ValuesError([
    { path, message: 'the series are scoped to a namespace: give the chart or the InfrahubBackup a namespace, or disable it' },
  ]);
}

/** What the PrometheusRule renders. */
export interface PrometheusRuleProps {
  /** The rule's metadata: its own namespace and labels when set (for the operator's selectors). */
  readonly metadata: ObjectMetadata;
  /** One group of the release's alert rules. */
  readonly spec: { readonly groups: ReadonlyArray<{ readonly name: string; readonly rules: readonly AlertRule[] }> };
}

/**
 * Alerts on kube-state-metrics series when backups stop, fail or leave
 * Infrahub scaled down (`monitoring.prometheusRule`).
 */
export class BackupPrometheusRule extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: PrometheusRuleProps) {
    super(scope, id);
    this.apiObject = kindObject(this, PROMETHEUS_RULE_GVK, props);
  }
}
