/**
 * Helm 3 and Helm 4 render the monitoring and network policy objects as synth
 * does, for hand-picked documents that reach every branch: alert sets of each
 * deployment, thresholds, the maximum age derived from schedules of every
 * shape, the heartbeat, the freshness check, and the policy's rules.
 */
import { writeFileSync, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { stringify } from 'yaml';
import { ChartOutput } from '../../src/helm/build';
import { PROBLEMS } from '../../src/model/messages';
import { synthValues } from '../../src/synth';
import { buildTestChart, ensureHelm, helm, HELMS, objectsOf, templateMany } from '../support/helm';
import { onceByKey } from '../support/cache';

const S3 = { bucket: 'backups', secretName: 's3-creds' };
const ALL_MONITORING = {
  prometheusRule: { enabled: true, labels: { release: 'kube-prometheus-stack' }, namespace: 'monitoring', suspendedFor: '2h30m', scaledDownFor: '20m', expectedJobDuration: '1d2h', infrahubWorkloads: 'infrahub-(server|worker)-.+', runbookUrl: 'https://wiki.example.com/backups/' },
  freshness: { enabled: true, schedule: '*/30 * * * *' },
  heartbeat: { secretName: 'heartbeat', key: 'ping-url' },
  grafanaDashboard: { enabled: true, namespace: 'grafana', labels: { grafana_dashboard: '1', team: 'platform' } },
};

const SCHEDULES = ['0 2 * * *', '*/15 3-5 * * MON-FRI', '@weekly', '@hourly', '30 1 1,15 * *', '0 0 31 * *', '0 0 1 JAN *', '0 2 * 1-11 *', '5 4 * * sun', '0 3 * * 6', '@every 1h30m', '+5 002 * * *', '0 0 1 * 1', '*/7 */5 * * *', '05 08 09 * *'];

const CASES: Record<string, Record<string, unknown>> = {
  'scheduled backup, everything on': {
    backup: { enabled: true, mode: 'cronjob', storage: { s3: { ...S3, endpoint: 'http://minio.minio.svc:9000' } }, verification: { enabled: true }, retention: { enabled: true } },
    monitoring: ALL_MONITORING,
    networkPolicy: { enabled: true, apiServer: { cidrs: ['172.20.0.1/32', 'fd00::1/128'] }, s3: { cidrs: ['10.0.0.0/8'] }, extraEgress: [{ to: [{ ipBlock: { cidr: '192.0.2.10/32' } }], ports: [{ port: 443 }] }] },
  },
  'scheduled backup, freshness CronJob, fixed maximum age': {
    backup: { enabled: true, mode: 'cronjob', storage: { s3: S3 } },
    monitoring: { backupMaxAge: '1d12h', prometheusRule: { enabled: true }, freshness: { enabled: true }, heartbeat: { secretName: 'heartbeat' }, grafanaDashboard: { enabled: true } },
    networkPolicy: { enabled: true, apiServer: { ports: [{ port: 6443, protocol: 'TCP' }] }, s3: { port: 8443 } },
  },
  'scheduled backup with a Job deadline': {
    backup: { enabled: true, mode: 'cronjob', storage: { s3: S3 } },
    job: { activeDeadlineSeconds: 18000 },
    monitoring: { prometheusRule: { enabled: true, expectedJobDuration: '90m' } },
  },
  'one-shot backup': { backup: { enabled: true, storage: { s3: { ...S3, endpoint: 'https://s3.example.com' } } }, monitoring: { prometheusRule: { enabled: true } }, networkPolicy: { enabled: true, apiServer: { ports: [{ port: 443 }], cidrs: ['10.1.0.1/32'] } } },
  'local backup': { backup: { enabled: true, mode: 'cronjob', storage: { type: 'local', local: { persistence: { enabled: true } } } }, monitoring: { prometheusRule: { enabled: true } }, networkPolicy: { enabled: true } },
  // Nothing pings the heartbeat in a restore release: it is refused there (heartbeatWithoutPing).
  'restore by key': { restore: { enabled: true, storage: { s3: { ...S3, key: 'a.tar.gz', endpoint: 'http://ceph.local' } } }, monitoring: { ...ALL_MONITORING, heartbeat: { secretName: '' } }, networkPolicy: { enabled: true } },
  'scheduled restore': { restore: { enabled: true, mode: 'cronjob', storage: { s3: { ...S3, latest: true } } }, monitoring: { prometheusRule: { enabled: true } }, networkPolicy: { enabled: true } },
  ...Object.fromEntries(
    SCHEDULES.map((schedule) => [
      `maximum age of "${schedule}"`,
      { backup: { enabled: true, mode: 'cronjob', schedule, storage: { s3: S3 }, verification: { enabled: true } }, monitoring: { prometheusRule: { enabled: true }, freshness: { enabled: true } } },
    ]),
  ),
};

let chart: ChartOutput;
const dir = mkdtempSync(join(tmpdir(), 'ibc-monitoring-'));
jest.setTimeout(300_000);

beforeAll(() => {
  ensureHelm();
  chart = buildTestChart();
});

/** What synth renders for each case, computed once for both Helm binaries. */
const synthByTitle = onceByKey<string, unknown>();
const synthOf = (title: string, values: Record<string, unknown>): unknown =>
  synthByTitle(title, () => objectsOf(synthValues(values, { releaseName: 'prod.infrahub', namespace: 'infrahub' })));

describe.each(Object.keys(HELMS))('%s', (name) => {
  test('renders the monitoring and network policy objects as synth does', async () => {
    const entries = Object.entries(CASES);
    // `helm template prod.infrahub <chart> -f <file> --namespace infrahub` of each case, in batches (test/support/helm.ts).
    const rendered = await templateMany(
      name,
      chart,
      entries.map(([, values]) => ({ values, yaml: stringify(values), release: 'prod.infrahub' })),
      'infrahub',
    );
    const mismatches = entries.map(([title, values], i) => {
      if (rendered[i].code !== 0) return `${title}: helm failed: ${rendered[i].stderr}`;
      try {
        expect(objectsOf(rendered[i].stdout)).toEqual(synthOf(title, values));
      } catch (e) {
        return `${title}: ${(e as Error).message.slice(0, 3000)}`;
      }
      return undefined;
    });
    expect(mismatches.filter(Boolean)).toEqual([]);
  });

  test('refuses an expectedJobDuration of 0 with the constructs\' line', async () => {
    // "0" often reads as "no limit"; here it would mean that no running Job holds the alerts.
    for (const zero of ['0s', '0h0m', '00m']) {
      const values: Record<string, unknown> = { backup: { enabled: true, mode: 'cronjob', storage: { s3: S3 } }, monitoring: { prometheusRule: { enabled: true, expectedJobDuration: zero } } };
      const file = join(dir, `${name}-zero-${zero}.yaml`);
      writeFileSync(file, stringify(values));
      const rendered = await helm(name, ['template', 'prod.infrahub', chart.packagePath, '-f', file, '--namespace', 'infrahub']);
      expect(rendered.code).not.toBe(0);
      expect(rendered.stdout).toBe('');
      const line = `monitoring.prometheusRule.expectedJobDuration: ${PROBLEMS.jobDurationZero.text}`;
      expect(rendered.stderr).toContain(line);
      expect(() => synthValues(values, { releaseName: 'prod.infrahub', namespace: 'infrahub' })).toThrow(line);
    }
  });
});
