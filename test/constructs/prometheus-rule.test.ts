/**
 * The PrometheusRule: which alerts each deployment gets, their texts and
 * scoping, its schema, and what Prometheus makes of it. `promtool check rules`
 * reads the rendered rules; `promtool test rules` replays synthetic
 * kube-state-metrics series: every alert fires in its scenario and none fires
 * for a healthy nightly backup.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { stringify } from 'yaml';
import { ALERTS } from '../../src/model/alerts';
import { ensurePromtool, cronJobRun, DAY, HOUR, InputSeries, lastSuccess, MINUTE, promtool, samples, series, STEP } from '../support/promtool';
import { ROOT } from '../support/helm';
import { validateObject } from '../support/kube-schema';
import { KubeObject, mergeDocs, MODES, only, S3_BACKUP, S3_RESTORE, synthObjects, TestValues } from '../support/synth';

const NS = 'infrahub';
const MONITORED = { monitoring: { prometheusRule: { enabled: true } } };
const NIGHTLY: TestValues = mergeDocs(S3_BACKUP, MONITORED, {
  backup: { mode: 'cronjob', schedule: '0 2 * * *', verification: { enabled: true }, retention: { enabled: true } },
  monitoring: { freshness: { enabled: true } },
});

type Rule = { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> };

function ruleObject(values: TestValues): KubeObject {
  return only(synthObjects(values, 'infrahub-backup', NS), 'PrometheusRule');
}

function rulesOf(values: TestValues): Rule[] {
  return ruleObject(values).spec.groups[0].rules;
}

const dir = mkdtempSync(join(tmpdir(), 'ibc-promtool-'));
jest.setTimeout(120_000);
beforeAll(() => ensurePromtool());

describe('alerts per deployment', () => {
  test.each([
    ['nightly S3 backup with verification and retention', NIGHTLY, ['InfrahubBackupMissing', 'InfrahubBackupJobFailed', 'InfrahubBackupCronJobSuspended', 'InfrahubBackupVerificationFailed', 'InfrahubBackupRetentionFailed', 'InfrahubScaledDownAfterBackup']],
    ['scheduled backup with the freshness CronJob', mergeDocs(MODES['scheduled backup to S3'], MONITORED, { monitoring: { freshness: { enabled: true } } }), ['InfrahubBackupMissing', 'InfrahubBackupJobFailed', 'InfrahubBackupCronJobSuspended', 'InfrahubBackupVerificationFailed', 'InfrahubScaledDownAfterBackup']],
    ['scheduled local backup', mergeDocs(MODES['scheduled local backup with persistence'], MONITORED), ['InfrahubBackupMissing', 'InfrahubBackupJobFailed', 'InfrahubBackupCronJobSuspended', 'InfrahubScaledDownAfterBackup']],
    ['one-shot backup', mergeDocs(S3_BACKUP, MONITORED), ['InfrahubBackupJobFailed', 'InfrahubScaledDownAfterBackup']],
    ['restore', mergeDocs(S3_RESTORE, MONITORED), ['InfrahubRestoreJobFailed', 'InfrahubScaledDownAfterBackup']],
    ['scheduled restore', mergeDocs(MODES['scheduled restore'], MONITORED), ['InfrahubRestoreJobFailed', 'InfrahubScaledDownAfterBackup']],
  ])('%s', (_name, values, alerts) => {
    expect(rulesOf(values).map((r) => r.alert)).toEqual(alerts);
  });

  test('off by default, and nothing without a backup or a restore', () => {
    expect(synthObjects(NIGHTLY.backup ? mergeDocs(NIGHTLY, { monitoring: { prometheusRule: { enabled: false } } }) : {}).map((o) => o.kind)).not.toContain('PrometheusRule');
    expect(synthObjects(MONITORED)).toEqual([]);
  });

  test('the alert names are exactly those documented', () => {
    expect(Object.keys(ALERTS).sort()).toEqual([
      'InfrahubBackupCronJobSuspended',
      'InfrahubBackupJobFailed',
      'InfrahubBackupMissing',
      'InfrahubBackupRetentionFailed',
      'InfrahubBackupVerificationFailed',
      'InfrahubRestoreJobFailed',
      'InfrahubScaledDownAfterBackup',
    ]);
  });
});

describe('rule fields', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const all = [...rulesOf(NIGHTLY), ...rulesOf(mergeDocs(S3_RESTORE, MONITORED))];

  test.each(all.map((r) => [r.alert, r]))('%s has severity, summary, description and a runbook in the README', (alert, r) => {
    expect(['warning', 'critical']).toContain((r as Rule).labels.severity);
    expect((r as Rule).annotations.summary).toMatch(/\S/);
    expect((r as Rule).annotations.description).toMatch(/\S/);
    expect((r as Rule).annotations.runbook_url).toBe(`https://github.com/opsmill/infrahub-backup-cdk8s/blob/main/README.md#${String(alert).toLowerCase()}`);
    // The anchor is a README heading of that name.
    expect(readme).toMatch(new RegExp(`^#+ ${alert}$`, 'm'));
  });

  test('a restore failure and a scaled-down Infrahub are critical, the rest warnings', () => {
    const severities = Object.fromEntries(all.map((r) => [r.alert, r.labels.severity]));
    expect(severities.InfrahubRestoreJobFailed).toBe('critical');
    expect(severities.InfrahubScaledDownAfterBackup).toBe('critical');
    expect(severities.InfrahubBackupMissing).toBe('warning');
  });

  test('expressions read kube-state-metrics series only, each scoped to the release namespace', () => {
    for (const r of all) {
      const metrics = [...r.expr.matchAll(/\b([a-z_]+)\{/g)].map((m) => m[1]);
      expect(metrics.length).toBeGreaterThan(0);
      for (const m of metrics) expect(m).toMatch(/^kube_/);
      const selectors = [...r.expr.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
      for (const s of selectors) expect(s).toContain(`namespace="${NS}"`);
    }
  });

  test('expressions name this release\'s objects', () => {
    const byName = Object.fromEntries(rulesOf(NIGHTLY).map((r) => [r.alert, r.expr]));
    expect(byName.InfrahubBackupMissing).toContain('cronjob="infrahub-backup"');
    expect(byName.InfrahubBackupVerificationFailed).toContain('owner_name="infrahub-backup-verify"');
    expect(byName.InfrahubBackupRetentionFailed).toContain('owner_name="infrahub-backup-retention"');
    expect(byName.InfrahubScaledDownAfterBackup).toContain('job_name=~"infrahub-backup-[0-9]+"');
  });

  test('thresholds: maximum age from the schedule or fixed, durations of the values', () => {
    const missing = (v: TestValues) => rulesOf(v).find((r) => r.alert === 'InfrahubBackupMissing')!;
    expect(missing(NIGHTLY).expr).toMatch(/> 93600$/);
    expect(missing(NIGHTLY).annotations.summary).toContain('26h');
    expect(missing(mergeDocs(NIGHTLY, { backup: { schedule: '@weekly' } })).expr).toMatch(/> 612000$/);
    expect(missing(mergeDocs(NIGHTLY, { monitoring: { backupMaxAge: '1d2h' } })).expr).toMatch(/> 93600$/);
    expect(missing(mergeDocs(NIGHTLY, { monitoring: { backupMaxAge: '90m' } })).expr).toMatch(/> 5400$/);
    const suspended = rulesOf(mergeDocs(NIGHTLY, { monitoring: { prometheusRule: { suspendedFor: '3h' } } })).find((r) => r.alert === 'InfrahubBackupCronJobSuspended')!;
    expect(suspended.for).toBe('3h');
  });

  test('namespace and labels of the object', () => {
    const o = ruleObject(mergeDocs(NIGHTLY, { monitoring: { prometheusRule: { namespace: 'monitoring', labels: { release: 'kube-prometheus-stack' } } } }));
    expect(o.metadata.namespace).toBe('monitoring');
    expect(o.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(o.metadata.labels['app.kubernetes.io/instance']).toBe('infrahub-backup');
    // The rules still watch the release namespace.
    expect(o.spec.groups[0].rules[0].expr).toContain(`namespace="${NS}"`);
    expect(ruleObject(NIGHTLY).metadata.namespace).toBe(NS);
  });

  test('valid for @kubernetes-models/prometheus-operator', () => {
    for (const values of [NIGHTLY, mergeDocs(S3_RESTORE, MONITORED), mergeDocs(MODES['scheduled restore'], MONITORED)]) {
      expect(() => validateObject(ruleObject(values))).not.toThrow();
    }
  });
});

/** The rule file Prometheus would load from the PrometheusRule. */
function writeRules(name: string, values: TestValues): string {
  const file = join(dir, `${name}.rules.yaml`);
  writeFileSync(file, stringify({ groups: ruleObject(values).spec.groups }, { lineWidth: 0 }));
  return file;
}

describe('promtool check rules', () => {
  test.each([
    ['nightly', NIGHTLY],
    ['one-shot', mergeDocs(S3_BACKUP, MONITORED)],
    ['restore', mergeDocs(S3_RESTORE, MONITORED)],
    ['scheduled-restore', mergeDocs(MODES['scheduled restore'], MONITORED)],
    ['dotted-release', mergeDocs(NIGHTLY, { fullnameOverride: 'infra-hub', monitoring: { prometheusRule: { infrahubWorkloads: 'infrahub-(server|worker)-.+' } } })],
  ])('%s', async (name, values) => {
    const result = await promtool(['check', 'rules', writeRules(String(name), values as TestValues)]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });
});

// --- promtool test rules ------------------------------------------------------

interface ExpectedAlert {
  readonly exp_labels: Record<string, string>;
  readonly exp_annotations: Record<string, string>;
}

/** The annotations Prometheus renders for an alert with these labels (and `$value` as humanizeDuration text). */
function annotationsFor(rule: Rule, labels: Record<string, string>, value?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, text] of Object.entries(rule.annotations)) {
    out[k] = text
      .replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_m, l: string) => labels[l])
      .replace(/\{\{ \$value \| humanizeDuration \}\}/g, () => value ?? '');
  }
  return out;
}

/** A test case: at `at` minutes, `alert` fires with exactly these series labels (none when empty). */
function fires(rules: Rule[], alert: string, at: number, labelSets: Array<Record<string, string>>, value?: string) {
  const rule = rules.find((r) => r.alert === alert);
  if (!rule) throw new Error(`no rule ${alert}`);
  const exp: ExpectedAlert[] = labelSets.map((labels) => ({
    exp_labels: { ...labels, severity: rule.labels.severity },
    exp_annotations: annotationsFor(rule, labels, value),
  }));
  return { eval_time: `${at}m`, alertname: alert, exp_alerts: exp };
}

function silent(rules: Rule[], at: number) {
  return rules.map((r) => ({ eval_time: `${at}m`, alertname: r.alert, exp_alerts: [] }));
}

const BACKUP_CJ = 'infrahub-backup';
const VERIFY_CJ = 'infrahub-backup-verify';
const RETENTION_CJ = 'infrahub-backup-retention';
const SERVER = { namespace: NS, deployment: 'infrahub-infrahub-server' };
const WORKER = { namespace: NS, deployment: 'infrahub-task-worker' };
const DATABASE = { namespace: NS, statefulset: 'infrahub-database' };

function created(cronJob: string, end: number): InputSeries[] {
  return [
    series('kube_cronjob_created', { namespace: NS, cronjob: cronJob }, samples([end, 0])),
    series('kube_cronjob_spec_suspend', { namespace: NS, cronjob: cronJob }, samples([end, 0])),
  ];
}

/** Three nights of a healthy scheduled backup at 02:00 (30 min, Infrahub down meanwhile), verification at 05:00, retention at 03:30. */
function healthyNights(end: number): InputSeries[] {
  const nights = [0, 1, 2];
  const replicas: Array<[number, number | null]> = [];
  let t = 0;
  for (const n of nights) {
    replicas.push([n * DAY + 2 * HOUR - t, 1], [30 * MINUTE, 0]);
    t = n * DAY + 2 * HOUR + 30 * MINUTE;
  }
  replicas.push([end - t, 1]);
  return [
    ...created(BACKUP_CJ, end),
    ...created(VERIFY_CJ, end),
    ...created(RETENTION_CJ, end),
    ...nights.flatMap((n) => cronJobRun(NS, BACKUP_CJ, n * DAY + 2 * HOUR, 30, 'succeeded', end)),
    ...nights.flatMap((n) => cronJobRun(NS, RETENTION_CJ, n * DAY + 3 * HOUR + 30, 5, 'succeeded', end)),
    ...nights.flatMap((n) => cronJobRun(NS, VERIFY_CJ, n * DAY + 5 * HOUR, 10, 'succeeded', end)),
    lastSuccess(NS, BACKUP_CJ, nights.map((n) => n * DAY + 2 * HOUR + 30), end),
    lastSuccess(NS, RETENTION_CJ, nights.map((n) => n * DAY + 3 * HOUR + 35), end),
    lastSuccess(NS, VERIFY_CJ, nights.map((n) => n * DAY + 5 * HOUR + 10), end),
    series('kube_deployment_spec_replicas', SERVER, samples(...replicas)),
    series('kube_deployment_spec_replicas', WORKER, samples(...replicas)),
    series('kube_statefulset_replicas', DATABASE, samples([end, 1])),
  ];
}

async function promtoolTest(name: string, values: TestValues, groups: Array<{ input_series: InputSeries[]; alert_rule_test: unknown[] }>): Promise<void> {
  const rulesFile = writeRules(name, values);
  const testFile = join(dir, `${name}.test.yaml`);
  writeFileSync(
    testFile,
    stringify({ rule_files: [rulesFile], evaluation_interval: `${STEP}m`, tests: groups.map((g) => ({ interval: `${STEP}m`, ...g })) }, { lineWidth: 0 }),
  );
  const result = await promtool(['test', 'rules', testFile]);
  if (result.code !== 0) throw new Error(`promtool test rules failed:\n${result.stdout}\n${result.stderr}`);
  expect(result.stdout).toContain('SUCCESS');
}

describe('promtool test rules', () => {
  const rules = rulesOf(NIGHTLY);
  const END = 3 * DAY;

  test('a healthy nightly backup raises nothing, also while Infrahub is down during the backup', async () => {
    await promtoolTest('healthy', NIGHTLY, [
      {
        input_series: healthyNights(END),
        // Every hour, and inside each backup window.
        alert_rule_test: [...Array.from({ length: 71 }, (_, i) => (i + 1) * HOUR), 2 * HOUR + 20, 26 * HOUR + 20, 50 * HOUR + 25].flatMap((at) => silent(rules, at)),
      },
    ]);
  });

  test('each alert fires in its scenario', async () => {
    const end = 2 * DAY;
    const base = [...created(VERIFY_CJ, end), ...created(RETENTION_CJ, end), series('kube_deployment_spec_replicas', SERVER, samples([end, 1]))];
    await promtoolTest('scenarios', NIGHTLY, [
      {
        // No backup ever succeeded: missing once the CronJob is older than 26h.
        input_series: [...base, ...created(BACKUP_CJ, end)],
        alert_rule_test: [
          fires(rules, 'InfrahubBackupMissing', 25 * HOUR, []),
          fires(rules, 'InfrahubBackupMissing', 27 * HOUR, [{ namespace: NS, cronjob: BACKUP_CJ }], '1d 3h 0m 0s'),
        ],
      },
      {
        // The second night's backup fails; the third succeeds.
        input_series: [
          ...base,
          ...created(BACKUP_CJ, 3 * DAY),
          ...cronJobRun(NS, BACKUP_CJ, 2 * HOUR, 30, 'succeeded', 3 * DAY),
          ...cronJobRun(NS, BACKUP_CJ, DAY + 2 * HOUR, 20, 'failed', 3 * DAY),
          ...cronJobRun(NS, BACKUP_CJ, 2 * DAY + 2 * HOUR, 30, 'succeeded', 3 * DAY),
          lastSuccess(NS, BACKUP_CJ, [2 * HOUR + 30, 2 * DAY + 2 * HOUR + 30], 3 * DAY),
        ],
        alert_rule_test: [
          fires(rules, 'InfrahubBackupJobFailed', DAY + 2 * HOUR + 10, []),
          fires(rules, 'InfrahubBackupJobFailed', DAY + 2 * HOUR + 25, [{ namespace: NS, job_name: `${BACKUP_CJ}-${DAY + 2 * HOUR}` }]),
          fires(rules, 'InfrahubBackupJobFailed', 2 * DAY + 3 * HOUR, []),
        ],
      },
      {
        // Suspended at 10:00: pending for an hour, then firing.
        input_series: [
          ...base,
          series('kube_cronjob_created', { namespace: NS, cronjob: BACKUP_CJ }, samples([end, 0])),
          series('kube_cronjob_spec_suspend', { namespace: NS, cronjob: BACKUP_CJ }, samples([10 * HOUR, 0], [end - 10 * HOUR, 1])),
        ],
        alert_rule_test: [
          fires(rules, 'InfrahubBackupCronJobSuspended', 10 * HOUR + 30, []),
          fires(rules, 'InfrahubBackupCronJobSuspended', 11 * HOUR + 5, [{ namespace: NS, cronjob: BACKUP_CJ }]),
        ],
      },
      {
        // The verification and the retention Jobs fail.
        input_series: [
          ...base,
          ...created(BACKUP_CJ, end),
          ...cronJobRun(NS, VERIFY_CJ, 5 * HOUR, 10, 'failed', end),
          ...cronJobRun(NS, RETENTION_CJ, 3 * HOUR + 30, 5, 'failed', end),
        ],
        alert_rule_test: [
          fires(rules, 'InfrahubBackupVerificationFailed', 5 * HOUR + 5, []),
          fires(rules, 'InfrahubBackupVerificationFailed', 5 * HOUR + 15, [{ namespace: NS, job_name: `${VERIFY_CJ}-${5 * HOUR}` }]),
          fires(rules, 'InfrahubBackupRetentionFailed', 3 * HOUR + 40, [{ namespace: NS, job_name: `${RETENTION_CJ}-${3 * HOUR + 30}` }]),
        ],
      },
      {
        // A backup pod killed 20 minutes in leaves Infrahub at zero replicas; a long backup does not alert.
        input_series: [
          ...created(BACKUP_CJ, end),
          ...cronJobRun(NS, BACKUP_CJ, 2 * HOUR, 20, 'failed', end),
          ...cronJobRun(NS, BACKUP_CJ, DAY + 2 * HOUR, 3 * 60, 'running', end),
          series('kube_deployment_spec_replicas', SERVER, samples([2 * HOUR, 1], [end - 2 * HOUR, 0])),
          series('kube_statefulset_replicas', DATABASE, samples([end, 1])),
        ],
        alert_rule_test: [
          fires(rules, 'InfrahubScaledDownAfterBackup', 2 * HOUR + 30, []),
          fires(rules, 'InfrahubScaledDownAfterBackup', 2 * HOUR + 40, [{ namespace: NS }]),
        ],
      },
      {
        input_series: [
          ...created(BACKUP_CJ, end),
          ...cronJobRun(NS, BACKUP_CJ, 2 * HOUR, 3 * 60, 'running', end),
          series('kube_deployment_spec_replicas', SERVER, samples([2 * HOUR, 1], [end - 2 * HOUR, 0])),
        ],
        alert_rule_test: [fires(rules, 'InfrahubScaledDownAfterBackup', 4 * HOUR + 50, [])],
      },
    ]);
  });

  test('a failed one-shot backup Job and a failed restore Job fire', async () => {
    const oneShot = mergeDocs(S3_BACKUP, MONITORED);
    const backupJob = only(synthObjects(oneShot, 'infrahub-backup', NS), 'Job').metadata.name;
    const backupRules = rulesOf(oneShot);
    const jobSeries = (job: string, failedAfter: number, end: number) => [
      series('kube_job_failed', { namespace: NS, job_name: job, condition: 'true' }, samples([failedAfter, 0], [end - failedAfter, 1])),
      series('kube_job_status_active', { namespace: NS, job_name: job }, samples([failedAfter, 1], [end - failedAfter, 0])),
    ];
    await promtoolTest('one-shot', oneShot, [
      {
        input_series: jobSeries(backupJob, 30, 2 * HOUR),
        alert_rule_test: [fires(backupRules, 'InfrahubBackupJobFailed', 20, []), fires(backupRules, 'InfrahubBackupJobFailed', 40, [{ namespace: NS, job_name: backupJob }])],
      },
    ]);
    const restore = mergeDocs(S3_RESTORE, MONITORED);
    const restoreJob = only(synthObjects(restore, 'infrahub-backup', NS), 'Job').metadata.name;
    const restoreRules = rulesOf(restore);
    await promtoolTest('restore', restore, [
      {
        input_series: [...jobSeries(restoreJob, 30, 2 * HOUR), series('kube_deployment_spec_replicas', SERVER, samples([10, 1], [2 * HOUR - 10, 0]))],
        alert_rule_test: [
          fires(restoreRules, 'InfrahubRestoreJobFailed', 40, [{ namespace: NS, job_name: restoreJob }]),
          // Scaled down by the restore: silent while it runs, firing 15 minutes after it failed.
          fires(restoreRules, 'InfrahubScaledDownAfterBackup', 25, []),
          fires(restoreRules, 'InfrahubScaledDownAfterBackup', 50, [{ namespace: NS }]),
        ],
      },
    ]);
  });
});

describe('bad monitoring and network policy values are refused, naming the path', () => {
  test.each([
    [{ monitoring: { prometheusRule: { infrahubWorkloads: 'a"} or vector(1) #' } } }, 'monitoring.prometheusRule.infrahubWorkloads', 'a regular expression without spaces, quotes or backslashes'],
    [{ monitoring: { prometheusRule: { infrahubWorkloads: '' } } }, 'monitoring.prometheusRule.infrahubWorkloads', 'a regular expression without spaces'],
    [{ monitoring: { prometheusRule: { runbookUrl: 'https://wiki.example.com/page#anchor' } } }, 'monitoring.prometheusRule.runbookUrl', 'without a "#" fragment'],
    [{ monitoring: { prometheusRule: { namespace: 'Monitoring' } } }, 'monitoring.prometheusRule.namespace', 'a namespace name'],
    [{ monitoring: { prometheusRule: { suspendedFor: '1h30' } } }, 'monitoring.prometheusRule.suspendedFor', 'a duration such as'],
    [{ monitoring: { prometheusRule: { scaledDownFor: '' } } }, 'monitoring.prometheusRule.scaledDownFor', 'a duration such as'],
    [{ monitoring: { freshness: { schedule: '0 2 * *' } } }, 'monitoring.freshness.schedule', 'a cron schedule'],
    [{ monitoring: { heartbeat: { secretName: 'Heartbeat!' } } }, 'monitoring.heartbeat.secretName', 'a Kubernetes Secret name'],
    [{ monitoring: { heartbeat: { url: 'https://hc-ping.com/x' } } }, 'monitoring.heartbeat.url', 'unknown key'],
    [{ networkPolicy: { s3: { port: 0 } } }, 'networkPolicy.s3.port', 'too small'],
    [{ networkPolicy: { s3: { port: 65536 } } }, 'networkPolicy.s3.port', 'too large'],
    [{ networkPolicy: { s3: { cidrs: ['300.0.0.1/32'] } } }, 'networkPolicy.s3.cidrs[0]', 'a CIDR'],
    [{ networkPolicy: { apiServer: { ports: [{ protocol: 'TCP' }] } } }, 'networkPolicy.apiServer.ports[0]', 'needs the key "port"'],
  ])('%j', (values, path, hint) => {
    expect(() => synthObjects(mergeDocs(NIGHTLY, values as TestValues))).toThrow(new RegExp(`${path.replace(/[.[\]]/g, '\\$&')}: .*${hint.replace(/[.[\]()"#]/g, '\\$&')}`));
  });
});
