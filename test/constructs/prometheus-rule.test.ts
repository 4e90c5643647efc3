/**
 * The PrometheusRule: which alerts each deployment gets, their texts and
 * scoping, its schema, and what Prometheus makes of it. `promtool check rules`
 * reads the rendered rules; `promtool test rules` replays synthetic
 * kube-state-metrics series: every alert fires in its scenario and none fires
 * for a healthy nightly backup.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { stringify } from 'yaml';
import fc from 'fast-check';
import { ALERTS, BACKUP_IMAGES } from '../../src/model/alerts';
import { COMPANION_IMAGE, ensurePromtool, cronJobRun, DAY, HOUR, InputSeries, jobRun, lastSuccess, MINUTE, promtool, samples, scraped, series, STEP } from '../support/promtool';
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

function ruleObject(values: TestValues, release = 'infrahub-backup'): KubeObject {
  return only(synthObjects(values, release, NS), 'PrometheusRule');
}

function rulesOf(values: TestValues, release = 'infrahub-backup'): Rule[] {
  return ruleObject(values, release).spec.groups[0].rules;
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
  const all = [...rulesOf(NIGHTLY), ...rulesOf(mergeDocs(S3_RESTORE, MONITORED))];

  test.each(all.map((r) => [r.alert, r]))('%s has severity, summary, description and a runbook page of its own', (alert, r) => {
    expect(['warning', 'critical']).toContain(r.labels.severity);
    expect(r.annotations.summary).toMatch(/\S/);
    expect(r.annotations.description).toMatch(/\S/);
    expect(r.annotations.runbook_url).toBe(`https://github.com/opsmill/infrahub-backup-cdk8s/blob/main/docs/runbooks/${alert}.md`);
    // The page is in this repository, under that path, and is about that alert.
    const page = readFileSync(join(ROOT, 'docs', 'runbooks', `${alert}.md`), 'utf8');
    expect(page.split('\n')[0]).toBe(`# ${alert}`);
  });

  test('every alert has a runbook page, and every runbook page an alert', () => {
    const pages = readdirSync(join(ROOT, 'docs', 'runbooks')).filter((f) => f.endsWith('.md')).map((f) => f.slice(0, -3)).sort();
    expect(pages).toEqual([...new Set(all.map((r) => r.alert))].sort());
  });

  test('a runbookUrl of your own is the folder: each alert appends /<alert>.md', () => {
    const rules = rulesOf(mergeDocs(NIGHTLY, { monitoring: { prometheusRule: { runbookUrl: 'https://wiki.example.com/infrahub/runbooks' } } }));
    for (const r of rules) expect(r.annotations.runbook_url).toBe(`https://wiki.example.com/infrahub/runbooks/${r.alert}.md`);
    // The folder's URL written with a trailing "/" links to the same pages.
    const slash = rulesOf(mergeDocs(NIGHTLY, { monitoring: { prometheusRule: { runbookUrl: 'https://wiki.example.com/infrahub/runbooks/' } } }));
    expect(slash.map((r) => r.annotations.runbook_url)).toEqual(rules.map((r) => r.annotations.runbook_url));
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
    // Infrahub is scaled down by the Jobs of every release in the namespace: by the image of their pods, or by name.
    expect(byName.InfrahubScaledDownAfterBackup).toContain(`image=~"${BACKUP_IMAGES}"`);
    expect(byName.InfrahubScaledDownAfterBackup).toContain(`image_spec=~"${BACKUP_IMAGES}"`);
    // The image as a container (guard.enabled=false) or as the last init container (the scale guard).
    expect(byName.InfrahubScaledDownAfterBackup).toContain(`kube_pod_container_info{namespace="infrahub", image=~"${BACKUP_IMAGES}"}`);
    expect(byName.InfrahubScaledDownAfterBackup).toContain(`kube_pod_init_container_info{namespace="infrahub", image=~"${BACKUP_IMAGES}"}`);
    expect(byName.InfrahubScaledDownAfterBackup).toContain('owner_kind="CronJob", owner_name=~".+-restore|infrahub-backup"');
    expect(byName.InfrahubScaledDownAfterBackup).toContain('job_name=~".+-(backup|restore)-[0-9a-f]{8}"');
    // A release's name as a pattern matches that name only: its dots are literal.
    const dotted = rulesOf(NIGHTLY, 'prod.infrahub').find((r) => r.alert === 'InfrahubScaledDownAfterBackup')!.expr;
    expect(dotted).toContain('owner_name=~".+-restore|prod[.]infrahub-infrahub-backup"');
  });

  test('the Jobs and CronJobs that scale Infrahub down are recognised whatever the release name and overrides, the others never', () => {
    const images = new RegExp(`^(?:${BACKUP_IMAGES})$`);
    const long = 'a'.repeat(40) + '.b' + 'c'.repeat(10);
    const cases: Array<[string, TestValues]> = [
      ['prod', {}],
      [long, {}],
      ['infra-backup', {}],
      ['my-infrahub-backup-prod', {}],
      ['x', { fullnameOverride: 'y'.repeat(63) }],
      ['ib.prod', {}],
      ['x', { fullnameOverride: 'ib-prod' }],
      ['x', { nameOverride: 'backup' }],
      ['x', { image: { repository: 'mirror.example.com/opsmill/infrahub-backup', digest: `sha256:${'ab'.repeat(32)}` } }],
      ['x', { global: { imageRegistry: 'harbor.example.com:8443/proxy' } }],
    ];
    let checked = 0;
    for (const [release, overrides] of cases) {
      for (const values of [S3_BACKUP, S3_RESTORE, NIGHTLY, mergeDocs(S3_RESTORE, { restore: { mode: 'cronjob', storage: { s3: { key: null, latest: true } } } })]) {
        const objects = synthObjects(mergeDocs(values, overrides, MONITORED), release, NS);
        const expr = only(objects, 'PrometheusRule').spec.groups[0].rules.find((r: Rule) => r.alert === 'InfrahubScaledDownAfterBackup').expr as string;
        const jobNames = new RegExp(`^(?:${/job_name=~"([^"]+)"/.exec(expr)![1]})$`);
        const cronJobNames = new RegExp(`^(?:${/owner_kind="CronJob", owner_name=~"([^"]+)"/.exec(expr)![1]})$`);
        const scaling = objects.filter((x) => ['backup', 'restore'].includes(x.metadata.labels['app.kubernetes.io/component']));
        const workloads = scaling.filter((x) => x.kind === 'Job' || x.kind === 'CronJob');
        expect(workloads).toHaveLength(1);
        // By name, before the first pod runs: this release's own Jobs and CronJob.
        for (const job of workloads.filter((x) => x.kind === 'Job')) expect(job.metadata.name).toMatch(jobNames);
        for (const cronJob of workloads.filter((x) => x.kind === 'CronJob')) expect(cronJob.metadata.name).toMatch(cronJobNames);
        // By the image of their pods, for every release: the main container runs the backup image.
        for (const w of workloads) {
          const pod = w.kind === 'Job' ? w.spec.template.spec : w.spec.jobTemplate.spec.template.spec;
          expect([...pod.containers, ...(pod.initContainers ?? [])].some((c: { image: string }) => images.test(c.image))).toBe(true);
          checked++;
        }
        // The other CronJobs (verification, retention, freshness) never scale Infrahub down: neither name nor image counts.
        for (const other of objects.filter((x) => x.kind === 'CronJob' && !scaling.includes(x))) {
          expect(other.metadata.name).not.toMatch(cronJobNames);
          for (const c of [...other.spec.jobTemplate.spec.template.spec.containers, ...(other.spec.jobTemplate.spec.template.spec.initContainers ?? [])]) expect(c.image).not.toMatch(images);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  test('the backup image is recognised by the last segment of its repository, with any registry, tag or digest', () => {
    const images = new RegExp(`^(?:${BACKUP_IMAGES})$`);
    const host = fc.oneof(fc.constant(''), fc.constantFrom('registry.opsmill.io/', 'mirror.example.com:5000/', 'localhost/', 'docker.io/', '10.0.0.7:8443/', 'infrahub-backup:5000/'));
    const segment = fc.stringMatching(/^[a-z0-9]+([._-][a-z0-9]+)*$/).filter((x) => x.length < 30);
    const last = fc.oneof(fc.constant('infrahub-backup'), fc.constantFrom('infrahub-backup-cdk8s', 'infrahub-backups', 'xinfrahub-backup', 'infrahub', 'backup', 'postgresql'), segment);
    const tag = fc.oneof(fc.constant(''), fc.stringMatching(/^:[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/));
    const digest = fc.oneof(fc.constant(''), fc.constant(`@sha256:${'0f'.repeat(32)}`));
    let recognised = 0;
    let drawn = 0;
    fc.assert(
      fc.property(host, fc.array(segment, { maxLength: 3 }), last, tag, digest, (h, path, l, t, d) => {
        const image = `${h}${path.map((x) => `${x}/`).join('')}${l}${t}${d}`;
        drawn++;
        if (l === 'infrahub-backup') recognised++;
        expect(images.test(image)).toBe(l === 'infrahub-backup');
      }),
      { numRuns: 2000, seed: 18 },
    );
    expect(drawn).toBe(2000);
    expect(recognised).toBeGreaterThan(300);
    expect(drawn - recognised).toBeGreaterThan(300);
  });

  test('each rule names the release whose rule fired', () => {
    for (const r of rulesOf(NIGHTLY, 'prod.infrahub')) expect(r.labels.release).toBe('prod.infrahub');
  });

  test('thresholds: maximum age from the schedule or fixed, durations of the values', () => {
    const missing = (v: TestValues) => rulesOf(v).find((r) => r.alert === 'InfrahubBackupMissing')!;
    expect(missing(NIGHTLY).expr).toMatch(/> 93600\) unless/);
    expect(missing(NIGHTLY).annotations.summary).toContain('26h');
    expect(missing(mergeDocs(NIGHTLY, { backup: { schedule: '@weekly' } })).expr).toMatch(/> 612000\) unless/);
    expect(missing(mergeDocs(NIGHTLY, { monitoring: { backupMaxAge: '1d2h' } })).expr).toMatch(/> 93600\) unless/);
    expect(missing(mergeDocs(NIGHTLY, { monitoring: { backupMaxAge: '90m' } })).expr).toMatch(/> 5400\) unless/);
    // A running backup holds it for job.activeDeadlineSeconds (6h by default).
    expect(missing(NIGHTLY).expr).toContain('< 21600 unless');
    expect(missing(mergeDocs(NIGHTLY, { monitoring: { prometheusRule: { expectedJobDuration: '90m' } } })).expr).toContain('< 21600 unless');
    expect(missing(mergeDocs(NIGHTLY, { job: { activeDeadlineSeconds: 18000 } })).expr).toContain('< 18000 unless');
    const scaledDown = (v: TestValues) => rulesOf(v).find((r) => r.alert === 'InfrahubScaledDownAfterBackup')!;
    expect(scaledDown(NIGHTLY).expr).toContain('< 10800 unless');
    expect(scaledDown(mergeDocs(NIGHTLY, { job: { activeDeadlineSeconds: 18000 }, monitoring: { prometheusRule: { expectedJobDuration: '1d' } } })).expr).toContain('< 86400 unless');
    expect(scaledDown(NIGHTLY).annotations.summary).toContain('3h');
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
function writeRules(name: string, values: TestValues, release = 'infrahub-backup'): string {
  const file = join(dir, `${name}.rules.yaml`);
  writeFileSync(file, stringify({ groups: ruleObject(values, release).spec.groups }, { lineWidth: 0 }));
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
    const result = await promtool(['check', 'rules', writeRules(String(name), values)]);
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
    exp_labels: { ...labels, ...rule.labels },
    exp_annotations: annotationsFor(rule, labels, value),
  }));
  return { eval_time: `${at}m`, alertname: alert, exp_alerts: exp };
}

function silent(rules: Rule[], at: number) {
  return rules.map((r) => ({ eval_time: `${at}m`, alertname: r.alert, exp_alerts: [] }));
}

const BACKUP_CJ = 'infrahub-backup';
/** The Jobs of the verification and retention CronJobs run the companion image. */
const COMPANION = { image: COMPANION_IMAGE };
const VERIFY_CJ = 'infrahub-backup-verify';
const RETENTION_CJ = 'infrahub-backup-retention';
const SERVER = { namespace: NS, deployment: 'infrahub-infrahub-server' };
const WORKER = { namespace: NS, deployment: 'infrahub-task-worker' };
const DATABASE = { namespace: NS, statefulset: 'infrahub-database' };

/** The series of a CronJob created at 0 that kube-state-metrics exports whatever its runs (docs/metrics/workload/cronjob-metrics.md). */
function created(cronJob: string, end: number): InputSeries[] {
  const labels = { namespace: NS, cronjob: cronJob };
  return [
    series('kube_cronjob_created', labels, samples([end, 0])),
    series('kube_cronjob_spec_suspend', labels, samples([end, 0])),
    series('kube_cronjob_info', { ...labels, schedule: '0 2 * * *', concurrency_policy: 'Forbid' }, samples([end, 1])),
    series('kube_cronjob_labels', labels, samples([end, 1])),
    series('kube_cronjob_spec_successful_job_history_limit', labels, samples([end, 3])),
    series('kube_cronjob_spec_failed_job_history_limit', labels, samples([end, 3])),
  ];
}

/** Three nights of a healthy scheduled backup at 02:00 (30 min, Infrahub down meanwhile), verification at 05:00, retention at 03:30. */
function healthyNights(end: number, BACKUP_CJ = 'infrahub-backup', VERIFY_CJ = 'infrahub-backup-verify', RETENTION_CJ = 'infrahub-backup-retention'): InputSeries[] {
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
    ...nights.flatMap((n) => cronJobRun(NS, RETENTION_CJ, n * DAY + 3 * HOUR + 30, 5, 'succeeded', end, COMPANION)),
    ...nights.flatMap((n) => cronJobRun(NS, VERIFY_CJ, n * DAY + 5 * HOUR, 10, 'succeeded', end, COMPANION)),
    lastSuccess(NS, BACKUP_CJ, nights.map((n) => n * DAY + 2 * HOUR + 30), end),
    lastSuccess(NS, RETENTION_CJ, nights.map((n) => n * DAY + 3 * HOUR + 35), end),
    lastSuccess(NS, VERIFY_CJ, nights.map((n) => n * DAY + 5 * HOUR + 10), end),
    series('kube_deployment_spec_replicas', SERVER, samples(...replicas)),
    series('kube_deployment_spec_replicas', WORKER, samples(...replicas)),
    series('kube_statefulset_replicas', DATABASE, samples([end, 1])),
  ];
}

type TestGroup = { input_series: InputSeries[]; alert_rule_test: unknown[] };

async function promtoolTest(name: string, values: TestValues, groups: TestGroup[]): Promise<void> {
  await promtoolTestReleases(name, [['infrahub-backup', values]], groups);
}

/** `promtool test rules` with the rules of several releases in the namespace. */
async function promtoolTestReleases(name: string, releases: Array<[string, TestValues]>, groups: TestGroup[]): Promise<void> {
  const ruleFiles = releases.map(([release, values]) => writeRules(`${name}-${release}`, values, release));
  const testFile = join(dir, `${name}.test.yaml`);
  writeFileSync(
    testFile,
    stringify({ rule_files: ruleFiles, evaluation_interval: `${STEP}m`, tests: groups.map((g) => ({ interval: `${STEP}m`, ...g })) }, { lineWidth: 0 }),
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

  // The backup CronJob is the fullname (upstream's name): with a nameOverride or a fullnameOverride
  // it does not end in "-backup", and its Jobs must still count as a backup that holds Infrahub down.
  test.each([
    ['nameOverride ibk', { nameOverride: 'ibk' }, 'infrahub-backup-ibk'],
    ['fullnameOverride infra-bk', { fullnameOverride: 'infra-bk' }, 'infra-bk'],
  ])('a healthy nightly backup with %s raises nothing while Infrahub is down during the backup', async (label, override, fullname) => {
    const values = mergeDocs(NIGHTLY, override);
    await promtoolTest(`healthy-${label.replace(/\W+/g, '-')}`, values, [
      {
        input_series: healthyNights(END, fullname, `${fullname}-verify`, `${fullname}-retention`),
        alert_rule_test: [2 * HOUR + 20, 26 * HOUR + 20, 50 * HOUR + 25].flatMap((at) => silent(rulesOf(values), at)),
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
          ...cronJobRun(NS, VERIFY_CJ, 5 * HOUR, 10, 'failed', end, COMPANION),
          ...cronJobRun(NS, RETENTION_CJ, 3 * HOUR + 30, 5, 'failed', end, COMPANION),
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
    const jobSeries = (job: string, failedAfter: number, end: number) => jobRun({ namespace: NS, job, start: 0, runMinutes: failedAfter, outcome: 'failed', end });
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

// --- kube-state-metrics as it runs: two replicas, several releases in one namespace ---

/** Two kube-state-metrics replicas: every series twice, with the scrape's labels. */
const HA = 2;
const SECOND = 'second';
const SECOND_CJ = 'second-infrahub-backup';
const SECOND_VALUES: TestValues = mergeDocs(S3_BACKUP, MONITORED, { backup: { mode: 'cronjob', schedule: '0 3 * * *' } });
const RESTORE_RELEASE = 'restore';
const RESTORE_VALUES: TestValues = mergeDocs(S3_RESTORE, MONITORED);

/** Replicas of Infrahub's server and worker: 1, and 0 during each [from, to) window (minutes). */
function infrahubReplicas(windows: Array<[number, number]>, end: number): InputSeries[] {
  const segments: Array<[number, number]> = [];
  let t = 0;
  for (const [from, to] of windows) {
    segments.push([from - t, 1], [to - from, 0]);
    t = to;
  }
  segments.push([end - t, 1]);
  return [
    series('kube_deployment_spec_replicas', SERVER, samples(...segments)),
    series('kube_deployment_spec_replicas', WORKER, samples(...segments)),
    series('kube_statefulset_replicas', DATABASE, samples([end, 1])),
  ];
}

/** Every evaluation time from `from` to `to` (minutes), every `step`. */
function times(from: number, to: number, step = 10): number[] {
  const out: number[] = [];
  for (let t = from; t <= to; t += step) out.push(t);
  return out;
}

describe('promtool test rules: kube-state-metrics as it runs (two replicas, several releases)', () => {
  const rules = rulesOf(NIGHTLY);
  const restoreJob = only(synthObjects(RESTORE_VALUES, RESTORE_RELEASE, NS), 'Job').metadata.name as string;

  test('two backup releases and a restore release share a namespace: healthy runs of each other raise nothing; a killed one fires in each release, labelled', async () => {
    const end = 2 * DAY;
    const secondRules = rulesOf(SECOND_VALUES, SECOND);
    const restoreRules = rulesOf(RESTORE_VALUES, RESTORE_RELEASE);
    const killedAt = DAY + 3 * HOUR + 10;
    const input = scraped(
      [
        ...healthyNights(end).filter((x) => !x.series.startsWith('kube_deployment_spec_replicas') && !x.series.startsWith('kube_statefulset_replicas')),
        ...created(SECOND_CJ, end),
        // The second release backs up at 03:00 for 40 minutes; on the second night its pod is killed 10 minutes in.
        ...cronJobRun(NS, SECOND_CJ, 3 * HOUR, 40, 'succeeded', end),
        ...cronJobRun(NS, SECOND_CJ, DAY + 3 * HOUR, 10, 'failed', end),
        lastSuccess(NS, SECOND_CJ, [3 * HOUR + 40], end),
        // The restore release restores at 12:00 for 45 minutes.
        ...jobRun({ namespace: NS, job: restoreJob, start: 12 * HOUR, runMinutes: 45, outcome: 'succeeded', end }),
        ...infrahubReplicas(
          [
            [2 * HOUR, 2 * HOUR + 30],
            [3 * HOUR, 3 * HOUR + 40],
            [12 * HOUR, 12 * HOUR + 45],
            [DAY + 2 * HOUR, DAY + 2 * HOUR + 30],
            [DAY + 3 * HOUR, DAY + 6 * HOUR],
          ],
          end,
        ),
      ],
      HA,
    );
    const scaledDown = (rule: Rule) => ({ exp_labels: { namespace: NS, ...rule.labels }, exp_annotations: annotationsFor(rule, { namespace: NS }) });
    const firing = (at: number) => ({
      eval_time: `${at}m`,
      alertname: 'InfrahubScaledDownAfterBackup',
      exp_alerts: [rules, secondRules, restoreRules].map((r) => scaledDown(r.find((x) => x.alert === 'InfrahubScaledDownAfterBackup')!)),
    });
    await promtoolTestReleases(
      'releases',
      [
        ['infrahub-backup', NIGHTLY],
        [SECOND, SECOND_VALUES],
        [RESTORE_RELEASE, RESTORE_VALUES],
      ],
      [
        {
          input_series: input,
          alert_rule_test: [
            // Each release's healthy Job holds every release's alert, whichever scaled Infrahub down.
            ...[...times(2 * HOUR, 4 * HOUR), ...times(12 * HOUR, 13 * HOUR, 5), ...times(DAY + 2 * HOUR, DAY + 3 * HOUR + 20)].map((at) => ({
              eval_time: `${at}m`,
              alertname: 'InfrahubScaledDownAfterBackup',
              exp_alerts: [],
            })),
            // Killed at 03:10 and left at zero: each release's rule fires, saying whose it is.
            firing(killedAt + 20),
            firing(DAY + 5 * HOUR),
          ],
        },
      ],
    );
  });

  test('a hung backup holding Infrahub at zero replicas fires InfrahubScaledDownAfterBackup once it runs longer than expectedJobDuration', async () => {
    const end = 2 * DAY;
    const start = DAY + 2 * HOUR;
    const input = scraped(
      [
        ...created(BACKUP_CJ, end),
        ...created(VERIFY_CJ, end),
        ...created(RETENTION_CJ, end),
        ...cronJobRun(NS, BACKUP_CJ, 2 * HOUR, 30, 'succeeded', end),
        lastSuccess(NS, BACKUP_CJ, [2 * HOUR + 30], end),
        ...cronJobRun(NS, BACKUP_CJ, start, 0, 'running', end),
        ...infrahubReplicas([[2 * HOUR, 2 * HOUR + 30], [start, end]], end),
      ],
      HA,
    );
    await promtoolTest('hung', NIGHTLY, [
      {
        input_series: input,
        alert_rule_test: [
          ...times(start, start + 2 * HOUR + 50).map((at) => fires(rules, 'InfrahubScaledDownAfterBackup', at, [])),
          // 3h (expectedJobDuration) + 15m (scaledDownFor).
          fires(rules, 'InfrahubScaledDownAfterBackup', start + 3 * HOUR + 10, []),
          fires(rules, 'InfrahubScaledDownAfterBackup', start + 3 * HOUR + 15, [{ namespace: NS }]),
          fires(rules, 'InfrahubScaledDownAfterBackup', start + 10 * HOUR, [{ namespace: NS }]),
          // Past job.activeDeadlineSeconds (6h by default) a running backup no longer holds InfrahubBackupMissing either.
          fires(rules, 'InfrahubBackupMissing', start + 3 * HOUR + 5, []),
          fires(rules, 'InfrahubBackupMissing', start + 6 * HOUR + 5, [{ namespace: NS, cronjob: BACKUP_CJ }], '1d 5h 35m 0s'),
        ],
      },
    ]);
  });

  test('a backup running longer than the previous one by more than the margin does not fire InfrahubBackupMissing', async () => {
    const end = 2 * DAY;
    const start = DAY + 2 * HOUR;
    const input = (run: number) =>
      scraped(
        [
          ...created(BACKUP_CJ, end),
          ...created(VERIFY_CJ, end),
          ...created(RETENTION_CJ, end),
          ...cronJobRun(NS, BACKUP_CJ, 2 * HOUR, 30, 'succeeded', end),
          ...cronJobRun(NS, BACKUP_CJ, start, run, 'succeeded', end),
          lastSuccess(NS, BACKUP_CJ, [2 * HOUR + 30, start + run], end),
          ...infrahubReplicas([], end),
        ],
        HA,
      );
    // The last success was at 02:30: 26h later, 04:30, the running backup holds the alert.
    await promtoolTest('long-running', NIGHTLY, [
      { input_series: input(2 * HOUR + 50), alert_rule_test: times(start, start + 4 * HOUR).map((at) => fires(rules, 'InfrahubBackupMissing', at, [])) },
    ]);
    // With job.activeDeadlineSeconds, until the deadline.
    const withDeadline = mergeDocs(NIGHTLY, { job: { activeDeadlineSeconds: 5 * 3600 } });
    await promtoolTest('long-running-deadline', withDeadline, [
      {
        input_series: input(4 * HOUR + 30),
        alert_rule_test: [
          ...times(start, start + 4 * HOUR + 50).map((at) => fires(rulesOf(withDeadline), 'InfrahubBackupMissing', at, [])),
        ],
      },
    ]);
  });

  test('a Job of another tool named like ours (db-backup-1, pg-restore-7f3a, CronJob db-backup) running another image, and a verification Job (companion image), do not hold InfrahubScaledDownAfterBackup', async () => {
    const end = 2 * DAY;
    const killed = DAY + 2 * HOUR;
    const input = scraped(
      [
        ...created(BACKUP_CJ, end),
        ...created(VERIFY_CJ, end),
        ...created(RETENTION_CJ, end),
        ...cronJobRun(NS, BACKUP_CJ, 2 * HOUR, 30, 'succeeded', end),
        ...cronJobRun(NS, BACKUP_CJ, killed, 10, 'failed', end),
        lastSuccess(NS, BACKUP_CJ, [2 * HOUR + 30], end),
        // Started by hand, without owner, for two hours, running other images.
        ...jobRun({ namespace: NS, job: 'db-backup-1', start: killed, runMinutes: 2 * HOUR, outcome: 'succeeded', end, image: 'bitnami/postgresql:16.4.0' }),
        ...jobRun({ namespace: NS, job: 'pg-restore-7f3a', start: killed, runMinutes: 2 * HOUR, outcome: 'succeeded', end, image: 'docker.io/library/postgres:16' }),
        // A CronJob of another tool named like an older release's backup CronJob, its pods running another image.
        ...cronJobRun(NS, 'db-backup', killed, 2 * HOUR, 'running', end, { image: 'ghcr.io/example/infrahub-backups:1.0' }),
        // This project's verification Job (companion image) runs meanwhile: it never scales Infrahub down.
        ...cronJobRun(NS, VERIFY_CJ, killed, 2 * HOUR, 'running', end, COMPANION),
        ...infrahubReplicas([[2 * HOUR, 2 * HOUR + 30], [killed, end]], end),
      ],
      HA,
    );
    await promtoolTest('foreign-job', NIGHTLY, [
      {
        input_series: input,
        alert_rule_test: [
          fires(rules, 'InfrahubScaledDownAfterBackup', killed + 20, []),
          fires(rules, 'InfrahubScaledDownAfterBackup', killed + 30, [{ namespace: NS }]),
          fires(rules, 'InfrahubScaledDownAfterBackup', killed + HOUR, [{ namespace: NS }]),
        ],
      },
    ]);
  });

  test('between two pods of a retrying backup (backoffLimit) no pod is active: the Job still runs and holds both alerts', async () => {
    // After a pod fails, the Job controller waits (10 s, doubling up to 6 min) before the next one: status.active is 0
    // meanwhile, though the Job has neither finished nor failed.
    const end = 2 * DAY;
    const start = DAY + 2 * HOUR;
    const withRetries = mergeDocs(NIGHTLY, { job: { backoffLimit: 1 }, monitoring: { prometheusRule: { scaledDownFor: '5m' } } });
    // First pod 02:00-04:35, backoff until 04:45, second pod 04:45-04:55 succeeds: within expectedJobDuration (3h).
    const run = 175;
    const retrying = cronJobRun(NS, BACKUP_CJ, start, run, 'succeeded', end, { retries: 1 }).map((x) =>
      x.series.startsWith('kube_job_status_active{') ? { ...x, values: samples([start, null], [155, 1], [10, 0], [10, 1], [end - start - run, 0]) } : x,
    );
    const input = scraped(
      [
        ...created(BACKUP_CJ, end),
        ...created(VERIFY_CJ, end),
        ...created(RETENTION_CJ, end),
        ...cronJobRun(NS, BACKUP_CJ, 2 * HOUR, 30, 'succeeded', end),
        ...retrying,
        lastSuccess(NS, BACKUP_CJ, [2 * HOUR + 30, start + run], end),
        ...infrahubReplicas([[2 * HOUR, 2 * HOUR + 30], [start, start + run]], end),
      ],
      HA,
    );
    const r = rulesOf(withRetries);
    await promtoolTest('retry-backoff', withRetries, [
      {
        input_series: input,
        // The last success (02:30) is 26h old at 04:30: the running Job holds InfrahubBackupMissing until it succeeds.
        alert_rule_test: times(start, start + run + 30, 5).flatMap((at) => [
          fires(r, 'InfrahubBackupMissing', at, []),
          fires(r, 'InfrahubScaledDownAfterBackup', at, []),
        ]),
      },
    ]);
  });

  test('retries and the Jobs kept as history: a failure fires until the next success, retried pods do not', async () => {
    const end = 3 * DAY;
    const input = scraped(
      [
        ...created(BACKUP_CJ, end),
        ...created(VERIFY_CJ, end),
        ...created(RETENTION_CJ, end),
        ...cronJobRun(NS, BACKUP_CJ, 2 * HOUR, 30, 'failed', end, { retries: 2 }),
        ...cronJobRun(NS, BACKUP_CJ, DAY + 2 * HOUR, 40, 'succeeded', end, { retries: 2 }),
        ...cronJobRun(NS, BACKUP_CJ, 2 * DAY + 2 * HOUR, 30, 'succeeded', end),
        lastSuccess(NS, BACKUP_CJ, [DAY + 2 * HOUR + 40, 2 * DAY + 2 * HOUR + 30], end),
        ...infrahubReplicas([[2 * HOUR, 2 * HOUR + 30], [DAY + 2 * HOUR, DAY + 2 * HOUR + 40], [2 * DAY + 2 * HOUR, 2 * DAY + 2 * HOUR + 30]], end),
      ],
      HA,
    );
    const failed = { namespace: NS, job_name: `${BACKUP_CJ}-${2 * HOUR}` };
    await promtoolTest('retries', NIGHTLY, [
      {
        input_series: input,
        alert_rule_test: [
          fires(rules, 'InfrahubBackupJobFailed', 2 * HOUR + 20, []),
          fires(rules, 'InfrahubBackupJobFailed', 2 * HOUR + 40, [failed]),
          // The next night retries twice, then succeeds: the old failure still fires while it runs, then ends.
          fires(rules, 'InfrahubBackupJobFailed', DAY + 2 * HOUR + 30, [failed]),
          ...times(DAY + 2 * HOUR + 45, end - 5, 60).map((at) => fires(rules, 'InfrahubBackupJobFailed', at, [])),
          ...times(DAY + 2 * HOUR + 45, end - 5, 60).flatMap((at) => silent(rules, at)),
        ],
      },
    ]);
  });

  test('backup releases named anyhow (a release holding the chart name, fullnameOverride, a mirror by digest) and a restore release: healthy runs of each other raise nothing, a killed one fires', async () => {
    const end = 2 * DAY;
    const prod = 'my-infrahub-backup-prod';
    const prodValues: TestValues = mergeDocs(SECOND_VALUES, { image: { repository: 'mirror.example.com/opsmill/infrahub-backup', digest: `sha256:${'ab'.repeat(32)}` } });
    const other = 'other';
    const otherValues: TestValues = mergeDocs(SECOND_VALUES, { fullnameOverride: 'y'.repeat(63), backup: { schedule: '0 4 * * *' } });
    const cronJobOf = (values: TestValues, release: string) => only(synthObjects(values, release, NS).filter((x) => x.metadata.labels['app.kubernetes.io/component'] === 'backup'), 'CronJob');
    const prodCj = cronJobOf(prodValues, prod);
    const otherCj = cronJobOf(otherValues, other);
    expect(prodCj.metadata.name).toBe(prod);
    expect(otherCj.metadata.name).toBe('y'.repeat(52));
    const prodImage = prodCj.spec.jobTemplate.spec.template.spec.initContainers.find((c: { name: string }) => c.name === 'backup').image as string;
    expect(prodImage).toBe(`mirror.example.com/opsmill/infrahub-backup@sha256:${'ab'.repeat(32)}`);
    const restoreValues: TestValues = mergeDocs(RESTORE_VALUES, { fullnameOverride: 'ib-restore-tool' });
    const restoreName = only(synthObjects(restoreValues, RESTORE_RELEASE, NS), 'Job').metadata.name as string;
    const killedAt = DAY + 4 * HOUR;
    const input = scraped(
      [
        ...healthyNights(end).filter((x) => !x.series.startsWith('kube_deployment_spec_replicas') && !x.series.startsWith('kube_statefulset_replicas')),
        ...created(prodCj.metadata.name, end),
        ...created(otherCj.metadata.name, end),
        ...cronJobRun(NS, prodCj.metadata.name, 3 * HOUR, 40, 'succeeded', end, { image: prodImage }),
        ...cronJobRun(NS, otherCj.metadata.name, 4 * HOUR, 50, 'succeeded', end),
        // The second night the other release's pod is killed 10 minutes in.
        ...cronJobRun(NS, otherCj.metadata.name, killedAt, 10, 'failed', end),
        lastSuccess(NS, prodCj.metadata.name, [3 * HOUR + 40], end),
        lastSuccess(NS, otherCj.metadata.name, [4 * HOUR + 50], end),
        ...jobRun({ namespace: NS, job: restoreName, start: 12 * HOUR, runMinutes: 45, outcome: 'succeeded', end }),
        ...infrahubReplicas(
          [
            [2 * HOUR, 2 * HOUR + 30],
            [3 * HOUR, 3 * HOUR + 40],
            [4 * HOUR, 4 * HOUR + 50],
            [12 * HOUR, 12 * HOUR + 45],
            [DAY + 2 * HOUR, DAY + 2 * HOUR + 30],
            [killedAt, DAY + 8 * HOUR],
          ],
          end,
        ),
      ],
      HA,
    );
    const releases: Array<[string, TestValues]> = [
      ['infrahub-backup', NIGHTLY],
      [prod, prodValues],
      [other, otherValues],
      [RESTORE_RELEASE, restoreValues],
    ];
    const scaledRules = releases.map(([release, values]) => rulesOf(values, release).find((x) => x.alert === 'InfrahubScaledDownAfterBackup')!);
    await promtoolTestReleases('named-releases', releases, [
      {
        input_series: input,
        alert_rule_test: [
          ...[...times(2 * HOUR, 6 * HOUR), ...times(12 * HOUR, 13 * HOUR, 5), ...times(DAY + 2 * HOUR, DAY + 4 * HOUR + 20)].map((at) => ({
            eval_time: `${at}m`,
            alertname: 'InfrahubScaledDownAfterBackup',
            exp_alerts: [],
          })),
          ...[killedAt + 30, DAY + 7 * HOUR].map((at) => ({
            eval_time: `${at}m`,
            alertname: 'InfrahubScaledDownAfterBackup',
            exp_alerts: scaledRules.map((rule) => ({ exp_labels: { namespace: NS, ...rule.labels }, exp_annotations: annotationsFor(rule, { namespace: NS }) })),
          })),
        ],
      },
    ]);
  });

  test('this release\'s backup Job holds InfrahubScaledDownAfterBackup by its name before its first pod runs', async () => {
    const end = 2 * DAY;
    const start = DAY + 2 * HOUR;
    const input = scraped(
      [
        ...created(BACKUP_CJ, end),
        ...created(VERIFY_CJ, end),
        ...created(RETENTION_CJ, end),
        ...cronJobRun(NS, BACKUP_CJ, 2 * HOUR, 30, 'succeeded', end),
        lastSuccess(NS, BACKUP_CJ, [2 * HOUR + 30], end),
        // Its pod is not scheduled (no container status, so no kube_pod_container_info) for an hour.
        ...cronJobRun(NS, BACKUP_CJ, start, 60, 'succeeded', end, { image: null }),
        ...infrahubReplicas([[2 * HOUR, 2 * HOUR + 30], [start, start + 60]], end),
      ],
      HA,
    );
    await promtoolTest('no-pod-yet', NIGHTLY, [
      { input_series: input, alert_rule_test: times(start, start + 60, 5).map((at) => fires(rules, 'InfrahubScaledDownAfterBackup', at, [])) },
    ]);
  });

  test('three healthy nights read from two replicas raise nothing', async () => {
    await promtoolTest('healthy-ha', NIGHTLY, [
      {
        input_series: scraped(healthyNights(3 * DAY), HA),
        alert_rule_test: [...Array.from({ length: 71 }, (_, i) => (i + 1) * HOUR), 2 * HOUR + 20, 26 * HOUR + 20, 50 * HOUR + 25].flatMap((at) => silent(rules, at)),
      },
    ]);
  });
});

describe('bad monitoring and network policy values are refused, naming the path', () => {
  test.each([
    [{ monitoring: { prometheusRule: { infrahubWorkloads: 'a"} or vector(1) #' } } }, 'monitoring.prometheusRule.infrahubWorkloads', 'a regular expression of printable ASCII characters, without spaces, quotes or backslashes'],
    [{ monitoring: { prometheusRule: { infrahubWorkloads: '' } } }, 'monitoring.prometheusRule.infrahubWorkloads', 'a regular expression of printable ASCII characters, without spaces'],
    [{ monitoring: { prometheusRule: { runbookUrl: 'https://wiki.example.com/page#anchor' } } }, 'monitoring.prometheusRule.runbookUrl', 'without a "#" fragment'],
    [{ monitoring: { prometheusRule: { namespace: 'Monitoring' } } }, 'monitoring.prometheusRule.namespace', 'a namespace name'],
    [{ monitoring: { prometheusRule: { suspendedFor: '1h30' } } }, 'monitoring.prometheusRule.suspendedFor', 'a duration such as'],
    [{ monitoring: { prometheusRule: { scaledDownFor: '' } } }, 'monitoring.prometheusRule.scaledDownFor', 'a duration such as'],
    [{ monitoring: { prometheusRule: { expectedJobDuration: '0s' } } }, 'monitoring.prometheusRule.expectedJobDuration', 'is 0, so no running backup or restore Job would hold'],
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
