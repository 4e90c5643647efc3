/**
 * The Grafana dashboard ConfigMap: only for scheduled backups, valid JSON
 * whose queries read kube-state-metrics series of this release only.
 */
import { validateObject } from '../support/kube-schema';
import { KubeObject, mergeDocs, MODES, only, S3_BACKUP, synthObjects, TestValues } from '../support/synth';

const DASHBOARD = { monitoring: { grafanaDashboard: { enabled: true } } };
const SCHEDULED = mergeDocs(MODES['scheduled backup to S3'], DASHBOARD, {
  backup: { retention: { enabled: true } },
  monitoring: { freshness: { enabled: true } },
});

function dashboardOf(values: TestValues, release = 'infrahub-backup'): { object: KubeObject; json: any } {
  const object = only(synthObjects(values, release), 'ConfigMap');
  const [text] = Object.values(object.data) as string[];
  return { object, json: JSON.parse(text) };
}

describe('Grafana dashboard', () => {
  test('only for scheduled backups', () => {
    expect(synthObjects(mergeDocs(S3_BACKUP, DASHBOARD)).map((o) => o.kind)).not.toContain('ConfigMap');
    expect(synthObjects(mergeDocs(MODES['scheduled restore'], DASHBOARD)).map((o) => o.kind)).not.toContain('ConfigMap');
    expect(synthObjects(mergeDocs(MODES['scheduled local backup with persistence'], DASHBOARD)).map((o) => o.kind)).toContain('ConfigMap');
  });

  test('a valid ConfigMap labelled for the Grafana sidecar', () => {
    const { object } = dashboardOf(SCHEDULED);
    expect(() => validateObject(object)).not.toThrow();
    expect(object.metadata.name).toBe('infrahub-backup-dashboard');
    expect(object.metadata.labels.grafana_dashboard).toBe('1');
  });

  test('panels: age of the last success, suspension, running, durations, failures', () => {
    const { json } = dashboardOf(SCHEDULED);
    expect(json.panels.map((p: KubeObject) => p.title)).toEqual([
      'Age of the last successful backup',
      'Backup CronJob suspended',
      'Backups running',
      'Backup run duration',
      'Failed Jobs',
    ]);
    expect(json.panels[4].targets[0].expr).toContain('owner_name=~"infrahub-backup|infrahub-backup-freshness|infrahub-backup-retention"');
  });

  test('every query reads kube-state-metrics series of the release namespace', () => {
    const { json } = dashboardOf(SCHEDULED);
    for (const p of json.panels) {
      const expr: string = p.targets[0].expr;
      for (const m of expr.matchAll(/\b([a-z_]+)\{([^}]*)\}/g)) {
        expect(m[1]).toMatch(/^kube_/);
        expect(m[2]).toContain('namespace="infrahub"');
      }
    }
  });

  test('each release gets its own uid, file name and title; dots in names match only dots', () => {
    const a = dashboardOf(SCHEDULED);
    const b = dashboardOf(SCHEDULED, 'prod.infrahub');
    expect(a.json.uid).not.toBe(b.json.uid);
    expect(a.json.uid).toMatch(/^[0-9a-f]{16}$/);
    expect(Object.keys(b.object.data)).toEqual(['prod.infrahub-infrahub-backup.json']);
    expect(b.json.title).toBe('Infrahub backups (infrahub/prod.infrahub-infrahub-backup)');
    expect(b.json.panels[2].targets[0].expr).toContain('job_name=~"prod[.]infrahub-infrahub-backup-[0-9]+"');
  });
});
