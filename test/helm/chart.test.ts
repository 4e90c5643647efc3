/**
 * The packaged chart with the real Helm 3 and Helm 4: lint, the seed plan's
 * verification commands, the examples, installation as a subchart, and
 * reproducible packaging.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ChartOutput } from '../../src/helm/build';
import { buildTestChart, cli, ensureHelm, helm, HELMS, objectsOf, rebuildTestChart, ROOT } from '../support/helm';
import type { KubeObject } from '../support/synth';

jest.setTimeout(120_000);

let chart: ChartOutput;

beforeAll(() => {
  ensureHelm();
  chart = buildTestChart();
});

const kinds = (objects: KubeObject[]) => objects.map((o) => o.kind).sort();

describe.each(Object.keys(HELMS))('%s', (name) => {
  test('lint --strict is clean on the directory and the package', async () => {
    for (const target of [chart.chartDir, chart.packagePath]) {
      const result = await helm(name, ['lint', '--strict', target]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
  });

  test.each(['--set backup.enabled=true', '--set backup.enabled=true,backup.mode=cronjob'])(
    'seed plan: helm template test <chart> %s is refused, as synth refuses it: no bucket and no storage type, the archive would vanish with the pod',
    async (set) => {
      const args = set.split(' ');
      const rendered = await helm(name, ['template', 'test', chart.packagePath, ...args]);
      expect(rendered.code).not.toBe(0);
      expect(rendered.stderr.replace(/\//g, '.')).toContain('backup.storage.s3.bucket');
      const synth = await cli(['synth', '--release', 'test', ...args]);
      expect(synth.code).toBe(2);
      expect(synth.stderr).toContain('backup.storage.type: is empty and backup.storage.s3.bucket is not set');
    },
  );

  test.each([
    // Each with the scale guard's CronJob.
    ['--set backup.enabled=true,backup.storage.type=local', ['CronJob', 'Job', 'Role', 'RoleBinding', 'ServiceAccount']],
    ['--set backup.enabled=true,backup.mode=cronjob,backup.storage.type=local', ['CronJob', 'CronJob', 'Role', 'RoleBinding', 'ServiceAccount']],
    ['--set restore.enabled=true,restore.s3.bucket=test,restore.s3.key=backup.tar.gz', ['CronJob', 'Job', 'Role', 'RoleBinding', 'ServiceAccount']],
  ])('seed plan: helm template test <chart> %s', async (set, expectedKinds) => {
    const args = set.split(' ');
    const rendered = await helm(name, ['template', 'test', chart.packagePath, ...args]);
    expect(rendered.stderr).toBe('');
    const objects = objectsOf(rendered.stdout);
    expect(kinds(objects)).toEqual(expectedKinds);
    const synth = await cli(['synth', '--release', 'test', ...args]);
    expect(synth.code).toBe(0);
    expect(objects).toEqual(objectsOf(synth.stdout));
  });

  // The backup CronJob is the fullname (upstream's name); a fullname that ends in a side CronJob's
  // role at its cut must not give that CronJob the same name (only the last object would be applied).
  test.each([
    [`${'a'.repeat(44)}-verify`, 'backup.verification.enabled=true'],
    [`${'a'.repeat(41)}-retention`, 'backup.verification.enabled=true'],
    [`${'a'.repeat(41)}-freshness`, 'monitoring.freshness.enabled=true'],
    [`${'a'.repeat(45)}-guard`, 'backup.verification.enabled=true'],
  ])('fullnameOverride %s: four CronJobs (with the scale guard\'s) of four names, as synth names them', async (fullname, side) => {
    const args = ['--set', `backup.enabled=true,backup.mode=cronjob,backup.storage.s3.bucket=backups,backup.storage.s3.secretName=s3-creds,backup.retention.enabled=true,${side},fullnameOverride=${fullname}`];
    const rendered = await helm(name, ['template', 'test', chart.packagePath, ...args]);
    expect(rendered.stderr).toBe('');
    const objects = objectsOf(rendered.stdout);
    const cronJobs = objects.filter((o) => o.kind === 'CronJob').map((o) => o.metadata.name);
    expect(new Set(cronJobs).size).toBe(4);
    expect(cronJobs).toContain(fullname);
    const synth = await cli(['synth', '--release', 'test', ...args]);
    expect(objects).toEqual(objectsOf(synth.stdout));
  });

  test('the seed restore command restores s3://test/backup.tar.gz once, never retried', async () => {
    const rendered = await helm(name, ['template', 'test', chart.packagePath, '--set', 'restore.enabled=true,restore.s3.bucket=test,restore.s3.key=backup.tar.gz']);
    const job = objectsOf(rendered.stdout).find((o) => o.kind === 'Job')!;
    expect(job.spec.backoffLimit).toBe(0);
    // The image runs as the last init container, before guard clear.
    expect(job.spec.template.spec.initContainers.at(-1).args).toEqual(['restore', 's3://test/backup.tar.gz']);
    expect(job.metadata.annotations?.['helm.sh/hook']).toBeUndefined();
  });

  test.each(readdirSync(join(ROOT, 'examples', 'values')))('example %s renders as synth does', async (file) => {
    const path = join(ROOT, 'examples', 'values', file);
    const rendered = await helm(name, ['template', 'infrahub', chart.packagePath, '-f', path, '--namespace', 'infrahub']);
    expect(rendered.stderr).toBe('');
    const synth = await cli(['synth', '-f', path, '--release', 'infrahub', '--namespace', 'infrahub']);
    expect(objectsOf(rendered.stdout)).toEqual(objectsOf(synth.stdout));
  });

  test('cross-field problems fail the render with the CLI\'s lines (the schema refuses them first, naming the paths)', async () => {
    const set = 'backup.enabled=true,backup.storage.type=s3,restore.enabled=true';
    const checked = await helm(name, ['template', 'test', chart.packagePath, '--set', set]);
    expect(checked.code).not.toBe(0);
    expect(checked.stderr.replace(/\//g, '.')).toContain('restore.enabled');
    const rendered = await helm(name, ['template', 'test', chart.packagePath, '--skip-schema-validation', '--set', set]);
    const synth = await cli(['synth', '--release', 'test', '--set', set]);
    expect(rendered.code).not.toBe(0);
    expect(synth.code).toBe(2);
    const lines = synth.stderr.trim().split('\n').map((l) => l.replace(/^error: /, ''));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(rendered.stderr).toContain(line);
  });

  test('the schema rejects unknown keys, wrong types and enums', async () => {
    for (const set of ['backup.enabeld=true', 'backup.enabled=maybe', 'backup.options.neo4jMetadata=some', 'cronJob.timeZone=Mars Olympus', 'backup.schedule=61 * * * * *']) {
      const rendered = await helm(name, ['template', 'test', chart.packagePath, '--set', set]);
      expect(rendered.code).not.toBe(0);
      expect(rendered.stderr).toContain("values don't meet the specifications");
      expect((await cli(['synth', '--set', set])).code).toBe(2);
    }
  });

  test('the templates refuse what a short schema pattern cannot: unknown time zones, schedules the API server refuses', async () => {
    for (const set of ['cronJob.timeZone=Mars/Olympus', 'backup.enabled=true,backup.mode=cronjob,backup.storage.type=local,backup.schedule=61 * * * *']) {
      const rendered = await helm(name, ['template', 'test', chart.packagePath, '--set', set]);
      expect(rendered.code).not.toBe(0);
      expect(rendered.stderr).toContain('invalid values:');
      expect((await cli(['synth', '--set', set])).code).toBe(2);
    }
  });

  test('as the infrahub-backup subchart: nothing when disabled, the objects when enabled', async () => {
    const work = mkdtempSync(join(tmpdir(), 'ibc-umbrella-'));
    cpSync(chart.chartDir, join(work, 'infrahub-backup'), { recursive: true });
    cpSync(join(ROOT, 'test', 'fixtures', 'umbrella'), join(work, 'infrahub'), { recursive: true });
    const umbrella = join(work, 'infrahub');
    const build = await helm(name, ['dependency', 'build', umbrella]);
    expect(build.code).toBe(0);

    const disabled = await helm(name, ['template', 'prod', umbrella]);
    expect(disabled.code).toBe(0);
    expect(objectsOf(disabled.stdout)).toEqual([]);

    const enabled = await helm(name, ['template', 'prod', umbrella, '-f', join(umbrella, 'values-enabled.yaml'), '--namespace', 'infrahub']);
    expect(enabled.stderr).toBe('');
    const objects = objectsOf(enabled.stdout);
    expect(kinds(objects)).toEqual(['CronJob', 'CronJob', 'Role', 'RoleBinding', 'ServiceAccount']);
    expect(objects.filter((o) => o.kind === 'CronJob').map((o) => o.metadata.name)).toEqual(['prod-infrahub-backup', 'prod-infrahub-backup-guard']);

    // The subchart sees its values plus `enabled` and `global`; synth of the same block agrees.
    const block = join(work, 'block.yaml');
    writeFileSync(block, readFileSync(join(umbrella, 'values-enabled.yaml'), 'utf8').replace(/^infrahub-backup:\n/, '').replace(/^ {2}/gm, ''));
    const synth = await cli(['synth', '-f', block, '--release', 'prod', '--namespace', 'infrahub']);
    expect(objects).toEqual(objectsOf(synth.stdout));
  });
});

test('the package is reproducible: same inputs, same bytes', () => {
  const again = rebuildTestChart();
  expect(readFileSync(again.packagePath).equals(readFileSync(chart.packagePath))).toBe(true);
});

test('the package holds the generated values, schema, README and Artifact Hub annotations', () => {
  const chartYaml = readFileSync(join(chart.chartDir, 'Chart.yaml'), 'utf8');
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  expect(chartYaml).toContain(`version: ${pkg.version}`);
  expect(chartYaml).toContain('apiVersion: v2');
  expect(chartYaml).toContain('artifacthub.io/images');
  expect(chartYaml).toContain('artifacthub.io/license');
  const values = readFileSync(join(chart.chartDir, 'values.yaml'), 'utf8');
  expect(values).toContain('# -- Deploy backups.');
  expect(JSON.parse(readFileSync(join(chart.chartDir, 'values.schema.json'), 'utf8')).additionalProperties).toBe(false);
  expect(readFileSync(join(chart.chartDir, 'README.md'), 'utf8')).toContain('| `backup.schedule` |');
});

describe('NOTES.txt (helm 4 install --dry-run=client: Helm 3 wants a cluster for it)', () => {
  const notes = async (set: string): Promise<string> => {
    const result = await helm('helm4', ['install', '--dry-run=client', 'prod', chart.packagePath, '--namespace', 'infrahub', '--set', set]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return result.stdout.slice(result.stdout.indexOf('NOTES:'));
  };

  test('scheduled S3 backups with retention and verification', async () => {
    const text = await notes(
      'backup.enabled=true,backup.mode=cronjob,backup.storage.s3.bucket=backups,backup.storage.s3.prefix=nightly,backup.retention.enabled=true,backup.retention.keepDays=30,backup.verification.enabled=true',
    );
    expect(text).toContain('Scheduled Infrahub backups: CronJob prod-infrahub-backup runs "0 2 * * *".');
    expect(text).toContain('Archives go to s3://backups/nightly/infrahub_backup_<timestamp>.tar.gz');
    expect(text).toContain('Retention: CronJob prod-infrahub-backup-retention keeps the 7 newest proven archives and every newer one, and any younger than 30 days, on "0 6 * * *".');
    expect(text).toContain('Verification: CronJob prod-infrahub-backup-verify checks the newest archive and records its proof, on "0 5 * * *".');
    expect(text).not.toContain('WARNING: retention counts only');
    expect(text).toContain('kubectl logs -n infrahub -f -l app.kubernetes.io/instance=prod,app.kubernetes.io/component=backup -c backup');
    // The scale guard, and the Argo CD self-heal fix (docs/scale-guard.md).
    expect(text).toContain('CronJob prod-infrahub-backup-guard restores the recorded\nreplicas on "*/5 * * * *" (marker: ConfigMap prod-infrahub-backup-scale-guard;');
    expect(text).toContain('        jsonPointers: [/spec/replicas]');
    expect(text).toContain('        - RespectIgnoreDifferences=true');
    // OpsMill's chart ran its one-shot Jobs as hooks named <fullname> and <fullname>-restore.
    expect(text).toContain('(the backup CronJob keeps its name, prod-infrahub-backup)');
    expect(text).toContain('kubectl delete job -n infrahub prod-infrahub-backup prod-infrahub-backup-restore --ignore-not-found');
  });

  test('retention without verification: warned that nothing is proven, so nothing is deleted', async () => {
    const text = await notes('backup.enabled=true,backup.mode=cronjob,backup.storage.s3.bucket=backups,backup.retention.enabled=true');
    expect(text).toContain('WARNING: retention counts only archives the verification CronJob proved, and backup.verification is off: it deletes nothing and fails until archives are proven');
  });

  test('a restore of the newest archive says where the chosen archive is logged', async () => {
    const text = await notes('restore.enabled=true,restore.storage.s3.bucket=backups,restore.storage.s3.latest=true');
    expect(text).toContain('RESTORE: this overwrites the Infrahub databases in namespace infrahub.');
    expect(text).toMatch(/Restore Job: prod-infrahub-backup-restore-[0-9a-f]{8}\. It runs once/);
    expect(text).toContain('-c find-latest');
  });

  test('nothing enabled', async () => {
    expect(await notes('backup.enabled=false')).toContain('Nothing is deployed: set backup.enabled=true or restore.enabled=true.');
  });

  test('guard.enabled=false: no scale guard line; the Argo CD fix stays', async () => {
    const text = await notes('backup.enabled=true,backup.storage.s3.bucket=backups,guard.enabled=false');
    expect(text).not.toContain('Scale guard:');
    expect(text).toContain('component=backup\n');
    expect(text).toContain('RespectIgnoreDifferences=true');
  });
});

test('no template name is defined twice: Helm keeps one definition silently', () => {
  // The built chart: the hand-written templates and the generated ones together.
  const dir = join(chart.chartDir, 'templates');
  const defined = new Map<string, string[]>();
  for (const file of readdirSync(dir)) {
    for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/\{\{-?\s*define\s+"([^"]+)"/g)) {
      defined.set(m[1], [...(defined.get(m[1]) ?? []), file]);
    }
  }
  expect(defined.size).toBeGreaterThan(20);
  expect([...defined].filter(([, files]) => files.length > 1)).toEqual([]);
});
