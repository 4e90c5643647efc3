/**
 * The packaged chart with the real Helm 3 and Helm 4: lint, the seed plan's
 * verification commands, the examples, installation as a subchart, and
 * reproducible packaging.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ChartOutput } from '../../src/helm/build';
import { onceByKey } from '../support/cache';
import { buildTestChart, cli, ensureHelm, helm, HELMS, objectsOf, ownAnswer, rebuildTestChart, ROOT, RunResult, templateMany, TemplateRequest } from '../support/helm';
import type { KubeObject } from '../support/synth';

jest.setTimeout(120_000);

let chart: ChartOutput;

beforeAll(() => {
  ensureHelm();
  chart = buildTestChart();
});

const kinds = (objects: KubeObject[]) => objects.map((o) => o.kind).sort();

/** The seed plan's documents the chart refuses, as `--set` arguments. */
const SEED_REFUSED = ['backup.enabled=true', 'backup.enabled=true,backup.mode=cronjob'];
/** The seed plan's documents, as `--set` arguments, with the kinds they render (each with the scale guard's CronJob). */
const SEED: Array<[string, string[]]> = [
  ['backup.enabled=true,backup.storage.type=local', ['CronJob', 'Job', 'Role', 'RoleBinding', 'ServiceAccount']],
  ['backup.enabled=true,backup.mode=cronjob,backup.storage.type=local', ['CronJob', 'CronJob', 'Role', 'RoleBinding', 'ServiceAccount']],
  ['restore.enabled=true,restore.s3.bucket=test,restore.s3.key=backup.tar.gz', ['CronJob', 'Job', 'Role', 'RoleBinding', 'ServiceAccount']],
];
const SEED_RESTORE = 'restore.enabled=true,restore.s3.bucket=test,restore.s3.key=backup.tar.gz';
// The backup CronJob is the fullname (upstream's name); a fullname that ends in a side CronJob's
// role at its cut must not give that CronJob the same name (only the last object would be applied).
const FULLNAMES: Array<[string, string]> = [
  [`${'a'.repeat(44)}-verify`, 'backup.verification.enabled=true'],
  [`${'a'.repeat(41)}-retention`, 'backup.verification.enabled=true'],
  [`${'a'.repeat(41)}-freshness`, 'monitoring.freshness.enabled=true'],
  [`${'a'.repeat(45)}-guard`, 'backup.verification.enabled=true'],
];
const fullnameSet = (fullname: string, side: string): string =>
  `backup.enabled=true,backup.mode=cronjob,backup.storage.s3.bucket=backups,backup.storage.s3.secretName=s3-creds,backup.retention.enabled=true,${side},fullnameOverride=${fullname}`;
const CROSS_FIELD = 'backup.enabled=true,backup.storage.type=s3,restore.enabled=true';
const SCHEMA_REFUSED = ['backup.enabeld=true', 'backup.enabled=maybe', 'backup.options.neo4jMetadata=some', 'cronJob.timeZone=Mars Olympus', 'backup.schedule=61 * * * * *'];
const TEMPLATES_REFUSED = ['cronJob.timeZone=Mars/Olympus', 'backup.enabled=true,backup.mode=cronjob,backup.storage.type=local,backup.schedule=61 * * * *'];
const EXAMPLES = readdirSync(join(ROOT, 'examples', 'values'));

/** What synth answers for each command line, asked once for both Helm binaries. */
const synthAnswer = onceByKey<string, Promise<RunResult>>();
const synth = (args: string[]): Promise<RunResult> => synthAnswer(JSON.stringify(args), () => cli(['synth', ...args]));

describe.each(Object.keys(HELMS))('%s', (name) => {
  test('lint --strict is clean on the directory and the package', async () => {
    // One process lints both (each is reported on its own; any failure fails the command).
    const result = await helm(name, ['lint', '--strict', chart.chartDir, chart.packagePath]);
    expect(result.stdout).toContain('2 chart(s) linted, 0 chart(s) failed');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  // `helm template test <chart> --set <set>` (the seed plan's commands) and `helm template infrahub <chart> -f
  // <example> --namespace infrahub` of every document below, in batches (test/support/helm.ts): the refused ones
  // with each other. An accepted one whose batch wrote anything on stderr is rendered alone, as the check of
  // stderr is each document's own.
  const setRequest = (set: string, refused = false): TemplateRequest => ({ values: undefined, set, release: 'test', refused });
  const exampleRequest = (file: string): TemplateRequest => {
    const yaml = readFileSync(join(ROOT, 'examples', 'values', file), 'utf8');
    return { values: undefined, yaml, release: 'infrahub', namespace: 'infrahub' };
  };
  const requests = new Map<string, TemplateRequest>([
    ...SEED.map(([set]) => [`set ${set}`, setRequest(set)] as const),
    ...FULLNAMES.map(([fullname, side]) => [`set ${fullnameSet(fullname, side)}`, setRequest(fullnameSet(fullname, side))] as const),
    ...[...SEED_REFUSED, CROSS_FIELD, ...SCHEMA_REFUSED, ...TEMPLATES_REFUSED].map((set) => [`set ${set}`, setRequest(set, true)] as const),
    ...EXAMPLES.map((file) => [`example ${file}`, exampleRequest(file)] as const),
  ]);
  const answers = new Map<string, RunResult>();
  beforeAll(async () => {
    const keys = [...requests.keys()];
    const results = await templateMany(name, chart, [...requests.values()], undefined);
    keys.forEach((key, i) => answers.set(key, results[i]));
  });
  const rendered = (key: string): Promise<RunResult> => ownAnswer(name, chart, answers.get(key)!, requests.get(key)!, undefined);

  test.each(SEED_REFUSED.map((set) => `--set ${set}`))(
    'seed plan: helm template test <chart> %s is refused, as synth refuses it: no bucket and no storage type, the archive would vanish with the pod',
    async (set) => {
      const args = set.split(' ');
      const r = await rendered(`set ${args[1]}`);
      expect(r.code).not.toBe(0);
      expect(r.stderr.replace(/\//g, '.')).toContain('backup.storage.s3.bucket');
      const synthed = await synth(['--release', 'test', ...args]);
      expect(synthed.code).toBe(2);
      expect(synthed.stderr).toContain('backup.storage.type: is empty and backup.storage.s3.bucket is not set');
    },
  );

  test.each(SEED.map(([set, kinds]) => [`--set ${set}`, kinds] as const))('seed plan: helm template test <chart> %s', async (set, expectedKinds) => {
    const args = set.split(' ');
    const r = await rendered(`set ${args[1]}`);
    expect(r.stderr).toBe('');
    const objects = objectsOf(r.stdout);
    expect(kinds(objects)).toEqual(expectedKinds);
    const synthed = await synth(['--release', 'test', ...args]);
    expect(synthed.code).toBe(0);
    expect(objects).toEqual(objectsOf(synthed.stdout));
  });

  test.each(FULLNAMES)('fullnameOverride %s: four CronJobs (with the scale guard\'s) of four names, as synth names them', async (fullname, side) => {
    const args = ['--set', fullnameSet(fullname, side)];
    const r = await rendered(`set ${args[1]}`);
    expect(r.stderr).toBe('');
    const objects = objectsOf(r.stdout);
    const cronJobs = objects.filter((o) => o.kind === 'CronJob').map((o) => o.metadata.name);
    expect(new Set(cronJobs).size).toBe(4);
    expect(cronJobs).toContain(fullname);
    const synthed = await synth(['--release', 'test', ...args]);
    expect(objects).toEqual(objectsOf(synthed.stdout));
  });

  test('the seed restore command restores s3://test/backup.tar.gz once, never retried', async () => {
    // `helm template test <chart> --set restore.enabled=true,restore.s3.bucket=test,restore.s3.key=backup.tar.gz`: a seed document above.
    const r = await rendered(`set ${SEED_RESTORE}`);
    const job = objectsOf(r.stdout).find((o) => o.kind === 'Job')!;
    expect(job.spec.backoffLimit).toBe(0);
    // The image runs as the last init container, before guard clear.
    expect(job.spec.template.spec.initContainers.at(-1).args).toEqual(['restore', 's3://test/backup.tar.gz']);
    expect(job.metadata.annotations?.['helm.sh/hook']).toBeUndefined();
  });

  test.each(EXAMPLES)('example %s renders as synth does', async (file) => {
    const path = join(ROOT, 'examples', 'values', file);
    const r = await rendered(`example ${file}`);
    expect(r.stderr).toBe('');
    const synthed = await synth(['-f', path, '--release', 'infrahub', '--namespace', 'infrahub']);
    expect(objectsOf(r.stdout)).toEqual(objectsOf(synthed.stdout));
  });

  test('cross-field problems fail the render with the CLI\'s lines (the schema refuses them first, naming the paths)', async () => {
    const set = CROSS_FIELD;
    const checked = await rendered(`set ${set}`);
    expect(checked.code).not.toBe(0);
    expect(checked.stderr.replace(/\//g, '.')).toContain('restore.enabled');
    const r = await helm(name, ['template', 'test', chart.packagePath, '--skip-schema-validation', '--set', set]);
    const synthed = await synth(['--release', 'test', '--set', set]);
    expect(r.code).not.toBe(0);
    expect(synthed.code).toBe(2);
    const lines = synthed.stderr.trim().split('\n').map((l) => l.replace(/^error: /, ''));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(r.stderr).toContain(line);
  });

  test('the schema rejects unknown keys, wrong types and enums', async () => {
    for (const set of SCHEMA_REFUSED) {
      const r = await rendered(`set ${set}`);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("values don't meet the specifications");
      expect((await synth(['--set', set])).code).toBe(2);
    }
  });

  test('the templates refuse what a short schema pattern cannot: unknown time zones, schedules the API server refuses', async () => {
    for (const set of TEMPLATES_REFUSED) {
      const r = await rendered(`set ${set}`);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('invalid values:');
      expect((await synth(['--set', set])).code).toBe(2);
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
