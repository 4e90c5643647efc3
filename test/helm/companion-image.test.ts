/**
 * The companion image: by default the image the release workflow publishes
 * (package.json config.image, tagged with the package version), listed in the
 * chart's artifacthub.io/images and named by NOTES when a pod pulls it; with
 * `companion.preflight=false` and no retention, verification or restore of the
 * newest archive, the constructs and the chart (Helm 3 and Helm 4) pull only
 * the upstream backup image.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { ChartOutput } from '../../src/helm/build';
import { DEFAULT_COMPANION_REPOSITORY, DEFAULT_IMAGE_REPOSITORY, DEFAULT_IMAGE_TAG } from '../../src/model/spec';
import { buildTestChart, ensureHelm, helm, HELMS, objectsOf, ownAnswer, ROOT, RunResult, templateMany, TemplateRequest } from '../support/helm';
import { KubeObject, synthObjects } from '../support/synth';

jest.setTimeout(120_000);

const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; config: { image: string } };
const UPSTREAM = `${DEFAULT_IMAGE_REPOSITORY}:${DEFAULT_IMAGE_TAG}`;
const COMPANION = `${PKG.config.image}:${PKG.version}`;

/** Every image a set of objects pulls (containers and init containers of every pod). */
function imagesOf(objects: KubeObject[]): string[] {
  const images = new Set<string>();
  for (const o of objects) {
    const pod = o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template?.spec : o.kind === 'Job' ? o.spec?.template?.spec : undefined;
    for (const c of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) images.add(c.image);
  }
  return [...images].sort();
}

/** `--set` text of a values tree's leaves (for Helm). */
function setOf(values: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(values).flatMap(([k, v]) =>
    v !== null && typeof v === 'object' ? setOf(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}=${String(v)}`],
  );
}

const s3 = { bucket: 'backups', secretName: 's3-creds' };
/** Deployments that need no companion container when preflight and the scale guard are off. */
const UPSTREAM_ONLY: Array<[string, Record<string, unknown>]> = [
  ['S3 backup Job', { companion: { preflight: false }, guard: { enabled: false }, backup: { enabled: true, storage: { s3 } } }],
  ['S3 backup CronJob', { companion: { preflight: false }, guard: { enabled: false }, backup: { enabled: true, mode: 'cronjob', storage: { s3 } } }],
  ['S3 restore of a key', { companion: { preflight: false }, guard: { enabled: false }, restore: { enabled: true, storage: { s3: { ...s3, key: 'infrahub_backup_20260101_020000.tar.gz' } } } }],
  ['scheduled S3 restore of a key', { companion: { preflight: false }, guard: { enabled: false }, restore: { enabled: true, mode: 'cronjob', storage: { s3: { ...s3, key: 'a.tar.gz' } } } }],
];
/** Deployments that do pull the companion image. */
const WITH_COMPANION: Array<[string, Record<string, unknown>]> = [
  ['S3 backup with preflight (the default)', { backup: { enabled: true, storage: { s3 } } }],
  ['the scale guard (the default)', { companion: { preflight: false }, backup: { enabled: true, storage: { type: 'local' } } }],
  ['retention', { companion: { preflight: false }, backup: { enabled: true, mode: 'cronjob', storage: { s3 }, retention: { enabled: true } } }],
  ['verification', { companion: { preflight: false }, backup: { enabled: true, mode: 'cronjob', storage: { s3 }, verification: { enabled: true } } }],
  ['restore of the newest archive', { companion: { preflight: false }, restore: { enabled: true, storage: { s3: { ...s3, latest: true } } } }],
];

let chart: ChartOutput;

beforeAll(() => {
  ensureHelm();
  chart = buildTestChart();
});

test('the default companion image is package.json config.image at the package version, where the release workflow pushes', () => {
  expect(DEFAULT_COMPANION_REPOSITORY).toBe(PKG.config.image);
  expect(PKG.config.image).toBe('ghcr.io/opsmill/infrahub-backup-cdk8s');
  const release = readFileSync(join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8');
  expect(release).toContain(`require("./package.json").config.image`);
  expect(imagesOf(synthObjects(WITH_COMPANION[0][1]))).toEqual([COMPANION, UPSTREAM].sort());
});

test('Chart.yaml lists both images in artifacthub.io/images', () => {
  const chartYaml = parse(readFileSync(join(chart.chartDir, 'Chart.yaml'), 'utf8')) as { annotations: Record<string, string> };
  expect(parse(chartYaml.annotations['artifacthub.io/images'])).toEqual([
    { name: 'infrahub-backup', image: UPSTREAM },
    { name: 'infrahub-backup-cdk8s', image: COMPANION },
  ]);
});

describe('constructs', () => {
  test.each(UPSTREAM_ONLY)('%s, companion.preflight=false: only the upstream image', (_, values) => {
    expect(imagesOf(synthObjects(values))).toEqual([UPSTREAM]);
  });
  test.each(WITH_COMPANION)('%s: the companion image too', (_, values) => {
    expect(imagesOf(synthObjects(values))).toEqual([COMPANION, UPSTREAM].sort());
  });
});

describe.each(Object.keys(HELMS))('%s template', (name) => {
  // `helm template prod <chart> --namespace infrahub --set <leaves>` of every deployment, in a batch
  // (test/support/helm.ts); one whose batch wrote anything on stderr is rendered alone, as the check of
  // stderr is each document's own.
  const request = (values: Record<string, unknown>): TemplateRequest => ({ values: undefined, set: setOf(values).join(','), release: 'prod' });
  const documents = [...UPSTREAM_ONLY, ...WITH_COMPANION].map(([, values]) => values);
  let batched: RunResult[];
  beforeAll(async () => {
    batched = await templateMany(name, chart, documents.map(request), 'infrahub');
  });
  const render = async (values: Record<string, unknown>) => {
    const i = documents.indexOf(values);
    const r = await ownAnswer(name, chart, batched[i], request(values), 'infrahub');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return objectsOf(r.stdout);
  };
  test.each(UPSTREAM_ONLY)('%s, companion.preflight=false: only the upstream image', async (_, values) => {
    expect(imagesOf(await render(values))).toEqual([UPSTREAM]);
  });
  test.each(WITH_COMPANION)('%s: the companion image too', async (_, values) => {
    expect(imagesOf(await render(values))).toEqual([COMPANION, UPSTREAM].sort());
  });
});

describe('NOTES (helm 4 install --dry-run=client)', () => {
  const notes = async (values: Record<string, unknown>) => {
    const r = await helm('helm4', ['install', '--dry-run=client', 'prod', chart.packagePath, '--namespace', 'infrahub', '--set', setOf(values).join(',')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return r.stdout.slice(r.stdout.indexOf('NOTES:'));
  };
  test.each(WITH_COMPANION)('%s: names the companion image', async (_, values) => {
    expect(await notes(values)).toContain(`run from the companion image ${COMPANION}`);
  });
  test.each(UPSTREAM_ONLY)('%s, companion.preflight=false: does not', async (_, values) => {
    expect(await notes(values)).not.toContain('companion image');
  });
});
