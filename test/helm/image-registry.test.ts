/**
 * `global.imageRegistry` moves every image the chart renders (the backup image
 * and the companion image of the preflight, find-latest, retention,
 * verification and freshness containers) to a mirror registry, as Bitnami's
 * charts read it; the constructs and the chart (Helm 3 and Helm 4) agree, also
 * when the value comes from the umbrella chart's `global`.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { withRegistry } from '../../src/model/image-registry';
import { ChartOutput } from '../../src/helm/build';
import { buildTestChart, cli, ensureHelm, helm, HELMS, objectsOf, ROOT, RunResult, templateAlone, templateMany, TemplateRequest } from '../support/helm';
import type { KubeObject } from '../support/synth';
import { onceByKey } from '../support/cache';

jest.setTimeout(300_000);

type K8s = KubeObject;

function imagesOf(objects: K8s[]): string[] {
  const images = new Set<string>();
  for (const o of objects) {
    const pod = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.kind === 'Job' ? o.spec.template.spec : undefined;
    for (const c of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) images.add(c.image);
  }
  return [...images].sort();
}

const s3 = { bucket: 'backups', secretName: 's3-creds' };
const CASES: Array<[string, Record<string, unknown>]> = [
  ['backups with preflight, retention, verification', { backup: { enabled: true, mode: 'cronjob', storage: { s3 }, retention: { enabled: true }, verification: { enabled: true } } }],
  ['freshness', { backup: { enabled: true, mode: 'cronjob', storage: { s3 } }, monitoring: { freshness: { enabled: true } } }],
  ['restore of the newest archive', { restore: { enabled: true, storage: { s3: { ...s3, latest: true } } } }],
  ['a backup image already on the mirror', { image: { repository: 'harbor.example.com:8443/proxy/opsmill/infrahub-backup' }, backup: { enabled: true, storage: { s3 } } }],
  ['digest and tags', { image: { digest: `sha256:${'a'.repeat(64)}` }, companion: { image: { tag: '9.9.9' } }, restore: { enabled: true, storage: { s3: { ...s3, key: 'a.tar.gz' } } } }],
];
const REGISTRIES = ['mirror.example.com', 'harbor.example.com:8443/proxy', 'localhost:5000'];

describe('withRegistry: the registry host is replaced, or added to a repository without one', () => {
  test.each([
    ['registry.opsmill.io/opsmill/infrahub-backup', 'mirror.example.com', 'mirror.example.com/opsmill/infrahub-backup'],
    ['ghcr.io/opsmill/infrahub-backup-cdk8s', 'harbor.example.com:8443/proxy', 'harbor.example.com:8443/proxy/opsmill/infrahub-backup-cdk8s'],
    ['localhost:5000/infrahub-backup', 'mirror.example.com', 'mirror.example.com/infrahub-backup'],
    ['localhost/infrahub-backup', 'mirror.example.com', 'mirror.example.com/infrahub-backup'],
    ['opsmill/infrahub-backup', 'mirror.example.com', 'mirror.example.com/opsmill/infrahub-backup'],
    ['infrahub-backup', 'mirror.example.com', 'mirror.example.com/infrahub-backup'],
    ['registry.opsmill.io/opsmill/infrahub-backup', '', 'registry.opsmill.io/opsmill/infrahub-backup'],
    ['harbor.example.com:8443/proxy/opsmill/infrahub-backup', 'harbor.example.com:8443/proxy', 'harbor.example.com:8443/proxy/opsmill/infrahub-backup'],
  ])('%s with %j: %s', (repository, registry, expected) => {
    expect(withRegistry(repository, registry)).toBe(expected);
  });
});

let work: string;
let chart: ChartOutput;
let chartDir: string;

beforeAll(() => {
  ensureHelm();
  chart = buildTestChart();
  chartDir = chart.chartDir;
  work = mkdtempSync(join(tmpdir(), 'ibc-registry-'));
});

/** What synth renders for a values file, by the file's text: the same for both Helm binaries. */
const synthByText = onceByKey<string, Promise<{ stderr: string; objects: K8s[] }>>();

async function synth(values: Record<string, unknown>, name: string): Promise<K8s[]> {
  const text = JSON.stringify(values);
  const r = await synthByText(text, () => {
    const file = join(work, `${name}.json`);
    writeFileSync(file, text);
    return cli(['synth', '-f', file, '--release', 'prod', '--namespace', 'infrahub']).then((a) => ({ stderr: a.stderr, objects: objectsOf(a.stdout) }));
  });
  expect(r.stderr).toBe('');
  return r.objects;
}

const MIRRORED = CASES.flatMap(([label, values]) => REGISTRIES.map((registry) => [label, registry, values] as const));
const mirrored = (values: Record<string, unknown>, registry: string): Record<string, unknown> => ({ ...values, global: { imageRegistry: registry } });

describe.each(Object.keys(HELMS))('%s', (helmName) => {
  // The documents as values files of release prod in namespace infrahub, in
  // batches (test/support/helm.ts); a document whose batch wrote anything on
  // stderr is rendered alone, as the check of stderr is each document's own.
  let requests: TemplateRequest[];
  let batched: RunResult[];
  beforeAll(async () => {
    requests = MIRRORED.map(([, registry, values]) => ({ values: mirrored(values, registry), yaml: JSON.stringify(mirrored(values, registry)), release: 'prod' }));
    batched = await templateMany(helmName, chart, requests, 'infrahub');
  });

  test.each(MIRRORED.map(([label, registry, values], i) => [label, registry, values, i] as const))(
    '%s, global.imageRegistry=%s: every image from the mirror, as synth renders it',
    async (label, registry, values, i) => {
      const doc = mirrored(values, registry);
      const name = `${label}-${registry}`.replace(/\W+/g, '-');
      const objects = await synth(doc, name);
      const images = imagesOf(objects);
      expect(images.length).toBeGreaterThanOrEqual(1);
      for (const image of images) expect(image.startsWith(`${registry}/`) && !image.startsWith(`${registry}/${registry}`)).toBe(true);
      const rendered = batched[i].stderr === '' ? batched[i] : await templateAlone(helmName, chart, requests[i], 'infrahub');
      expect(rendered.stderr).toBe('');
      expect(objectsOf(rendered.stdout)).toEqual(objects);
    },
  );

  // A first part without ".", ":" or "localhost" is a Docker Hub account, not a host (Docker's rule):
  // `mirror/opsmill/infrahub-backup` is docker.io/mirror/..., an image anyone can publish under that name.
  test.each(['https://mirror.example.com/', 'mirror', 'registry/proxy', 'harbor:/x', 'a:b:c'])('the invalid registry %s is refused by both, with the same line', async (registry) => {
    const file = join(work, `${helmName}-bad-${registry.replace(/\W+/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ global: { imageRegistry: registry }, backup: { enabled: true, storage: { s3 } } }));
    const r = await cli(['synth', '-f', file]);
    expect(r.code).toBe(2);
    const line = r.stderr.trim().replace(/^error: /, '');
    expect(line).toMatch(/^global\.imageRegistry: /);
    const rendered = await helm(helmName, ['template', 'prod', chartDir, '-f', file]);
    expect(rendered.code).not.toBe(0);
    expect(rendered.stderr).toContain(line);
  });

  test('from the umbrella chart\'s global, the subchart\'s images move too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibc-registry-umbrella-'));
    cpSync(chartDir, join(dir, 'infrahub-backup'), { recursive: true });
    cpSync(join(ROOT, 'test', 'fixtures', 'umbrella'), join(dir, 'infrahub'), { recursive: true });
    expect((await helm(helmName, ['dependency', 'build', join(dir, 'infrahub')])).code).toBe(0);
    const file = join(dir, 'values.json');
    writeFileSync(file, JSON.stringify({ global: { imageRegistry: 'mirror.example.com' }, 'infrahub-backup': { enabled: true, backup: { enabled: true, storage: { s3 } } } }));
    const rendered = await helm(helmName, ['template', 'prod', join(dir, 'infrahub'), '-f', file, '--namespace', 'infrahub']);
    expect(rendered.stderr).toBe('');
    expect(imagesOf(objectsOf(rendered.stdout))).toEqual([
      'mirror.example.com/opsmill/infrahub-backup-cdk8s:' + (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
      'mirror.example.com/opsmill/infrahub-backup:2.3.0',
    ]);
  });
});
