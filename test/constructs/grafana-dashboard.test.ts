/**
 * The Grafana dashboard ConfigMap: only for scheduled backups, valid JSON
 * whose queries read kube-state-metrics series of this release only.
 */
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { stringify } from 'yaml';
import { COMPANION_IMAGE, cronJobRun, ensurePromtool, HOUR, promtool, samples, scraped, series, STEP } from '../support/promtool';
import { validateObject } from '../support/kube-schema';
import { KubeObject, mergeDocs, MODES, only, S3_BACKUP, synthObjects, TestValues } from '../support/synth';

const DASHBOARD = { monitoring: { grafanaDashboard: { enabled: true } } };
const SCHEDULED = mergeDocs(MODES['scheduled backup to S3'], DASHBOARD, {
  backup: { retention: { enabled: true } },
  monitoring: { freshness: { enabled: true } },
});

function dashboardOf(values: TestValues, release = 'infrahub-backup'): { object: KubeObject; json: KubeObject } {
  const object = only(synthObjects(values, release), 'ConfigMap');
  const [text] = Object.values<string>(object.data);
  return { object, json: JSON.parse(text) as KubeObject };
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

describe('Grafana dashboard queries in promtool, read from two kube-state-metrics replicas', () => {
  jest.setTimeout(60_000);
  beforeAll(() => ensurePromtool());

  test('every panel evaluates, and counts each Job once', async () => {
    const { json } = dashboardOf(SCHEDULED);
    const ns = 'infrahub';
    const end = 6 * HOUR;
    const input = scraped(
      [
        series('kube_cronjob_created', { namespace: ns, cronjob: 'infrahub-backup' }, samples([end, 0])),
        series('kube_cronjob_spec_suspend', { namespace: ns, cronjob: 'infrahub-backup' }, samples([end, 0])),
        series('kube_cronjob_status_last_successful_time', { namespace: ns, cronjob: 'infrahub-backup' }, samples([2 * HOUR + 30, null], [end - 2 * HOUR - 30, (2 * HOUR + 30) * 60])),
        ...cronJobRun(ns, 'infrahub-backup', 2 * HOUR, 30, 'succeeded', end),
        ...cronJobRun(ns, 'infrahub-backup', 4 * HOUR, 20, 'failed', end),
        ...cronJobRun(ns, 'infrahub-backup-retention', 3 * HOUR, 5, 'failed', end, { image: COMPANION_IMAGE }),
        ...cronJobRun(ns, 'infrahub-backup', 5 * HOUR, 0, 'running', end),
      ],
      2,
    );
    const at = `${end - STEP}m`;
    const expected: Record<number, Array<{ labels: string; value: number }>> = {
      1: [{ labels: '{}', value: (end - STEP - 2 * HOUR - 30) * 60 }],
      2: [{ labels: '{}', value: 0 }],
      3: [{ labels: '{}', value: 1 }],
      4: [{ labels: `{job_name="infrahub-backup-${2 * HOUR}"}`, value: 1800 }],
      5: [
        { labels: '{owner_name="infrahub-backup"}', value: 1 },
        { labels: '{owner_name="infrahub-backup-retention"}', value: 1 },
      ],
    };
    const dir = mkdtempSync(join(tmpdir(), 'ibc-dashboard-'));
    const rules = join(dir, 'empty.rules.yaml');
    writeFileSync(rules, 'groups: []\n');
    const testFile = join(dir, 'dashboard.test.yaml');
    const promql = json.panels.map((p: KubeObject) => ({ expr: p.targets[0].expr, eval_time: at, exp_samples: expected[p.id as number] }));
    writeFileSync(testFile, stringify({ rule_files: [rules], evaluation_interval: `${STEP}m`, tests: [{ interval: `${STEP}m`, input_series: input, promql_expr_test: promql }] }, { lineWidth: 0 }));
    const result = await promtool(['test', 'rules', testFile]);
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });
});
