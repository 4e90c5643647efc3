/**
 * This chart as the Infrahub umbrella chart's `infrahub-backup` subchart, with
 * the umbrella's own `infrahub-backup:` block (test/fixtures/umbrella/values.yaml:
 * the old layout `restore.s3.*` with `region: us-east-1`) under the user's
 * values: backups and restores in several regions, with Helm 3 and Helm 4,
 * render and agree with `synth` of the same values.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';
import { buildTestChart, cli, ensureHelm, helm, HELMS, objectsOf, ROOT, RunResult } from '../support/helm';
import { onceByKey } from '../support/cache';

jest.setTimeout(300_000);

const REGIONS = ['eu-west-1', 'ap-southeast-2', 'us-east-1'];
const KEY = 'infrahub_backup_20260101_020000.tar.gz';

type Case = [string, string, Record<string, unknown>];

/** What a user writes under `infrahub-backup:` in the umbrella's values, per case and region. */
function cases(): Case[] {
  const out: Case[] = [];
  for (const region of REGIONS) {
    out.push(['backup (cronjob)', region, { enabled: true, backup: { enabled: true, storage: { s3: { bucket: 'infrahub-backups', region, secretName: 's3-creds' } } } }]);
    out.push([
      'restore by key',
      region,
      { enabled: true, restore: { enabled: true, storage: { s3: { bucket: 'infrahub-backups', key: KEY, region, secretName: 's3-creds' } } } },
    ]);
    out.push([
      'restore latest',
      region,
      { enabled: true, restore: { enabled: true, storage: { s3: { bucket: 'infrahub-backups', prefix: 'prod', latest: true, region, secretName: 's3-creds' } } } },
    ]);
    out.push([
      'restore cronjob',
      region,
      {
        enabled: true,
        restore: { enabled: true, mode: 'cronjob', schedule: '0 5 * * *', storage: { s3: { bucket: 'infrahub-backups', latest: true, region, secretName: 's3-creds' } } },
      },
    ]);
    // The old layout, as the umbrella's own block spells it.
    out.push(['restore by key, old layout', region, { enabled: true, restore: { enabled: true, s3: { bucket: 'infrahub-backups', key: KEY, region, secretName: 's3-creds' } } }]);
  }
  out.push(['backup (job)', 'eu-west-1', { enabled: true, backup: { enabled: true, mode: 'job', storage: { s3: { bucket: 'infrahub-backups', region: 'eu-west-1' } } } }]);
  return out;
}

let work: string;
let umbrella: string;
let block: string;

beforeAll(() => {
  ensureHelm();
  const chart = buildTestChart();
  work = mkdtempSync(join(tmpdir(), 'ibc-umbrella-regions-'));
  cpSync(chart.chartDir, join(work, 'infrahub-backup'), { recursive: true });
  cpSync(join(ROOT, 'test', 'fixtures', 'umbrella'), join(work, 'infrahub'), { recursive: true });
  umbrella = join(work, 'infrahub');
  // The umbrella's block alone: what Helm hands the subchart before the user's values.
  block = join(work, 'umbrella-block.yaml');
  const umbrellaValues = parse(readFileSync(join(umbrella, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  writeFileSync(block, JSON.stringify(umbrellaValues['infrahub-backup']));
});

test('the fixture has the umbrella block\'s old-layout restore region at us-east-1', () => {
  const values = parse(readFileSync(join(ROOT, 'test', 'fixtures', 'umbrella', 'values.yaml'), 'utf8'));
  expect(values['infrahub-backup'].restore.s3.region).toBe('us-east-1');
  expect(values['infrahub-backup'].backup.storage.s3.region).toBe('us-east-1');
});

/** What synth answers for the umbrella's block under each case's own values, asked once for both Helm binaries. */
const synthAnswer = onceByKey<string, Promise<RunResult>>();
function synthOf(label: string, region: string, user: Record<string, unknown>): Promise<RunResult> {
  const own = join(work, `${label.replace(/\W+/g, '-')}-${region}-block.yaml`);
  return synthAnswer(own, () => {
    writeFileSync(own, JSON.stringify(user));
    return cli(['synth', '-f', block, '-f', own, '--release', 'prod', '--namespace', 'infrahub']);
  });
}

describe.each(Object.keys(HELMS))('%s', (name) => {
  beforeAll(async () => {
    expect((await helm(name, ['dependency', 'build', umbrella])).code).toBe(0);
  });

  test.each(cases())('%s in %s renders in the umbrella as synth renders it', async (label, region, user) => {
    const file = join(work, `${name}-${label.replace(/\W+/g, '-')}-${region}.yaml`);
    writeFileSync(file, JSON.stringify({ 'infrahub-backup': user }));
    const rendered = await helm(name, ['template', 'prod', umbrella, '-f', file, '--namespace', 'infrahub']);
    expect(rendered.stderr).toBe('');
    expect(rendered.code).toBe(0);
    const objects = objectsOf(rendered.stdout);
    // The backup or restore workload, beside the scale guard's CronJob.
    const workloads = objects.filter((o) => (o.kind === 'Job' || o.kind === 'CronJob') && o.metadata.labels['app.kubernetes.io/component'] !== 'guard');
    expect(workloads).toHaveLength(1);
    const pod = workloads[0].kind === 'CronJob' ? workloads[0].spec.jobTemplate.spec.template.spec : workloads[0].spec.template.spec;
    // The image's container: the last init container, with the scale guard.
    const main = pod.initContainers.at(-1);
    expect(main.env.find((e: { name: string }) => e.name === 'INFRAHUB_S3_REGION')?.value).toBe(region);

    const synth = await synthOf(label, region, user);
    expect(synth.stderr).toBe('');
    expect(objects).toEqual(objectsOf(synth.stdout));
  });
});
