/**
 * The core promise: for any values document V, release R and namespace N,
 * `helm template R <chart>.tgz -f V -n N` and `infrahub-backup-cdk8s synth -f V
 * --release R` give the same objects (compared parsed, without the labels that
 * name the renderer), with Helm 3 and Helm 4; and what one refuses, the other
 * refuses, with the same problem lines when the templates find them.
 *
 * Documents come from the model (most of them valid) and from every hostile
 * category of the generator (test/support/values-arbitrary.ts); the run prints
 * how many documents each category drew, and fails when one drew none.
 */
import * as fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { readValues } from '../../src/values-io/values-input';
import { InputError } from '../../src/input-error';
import { ValuesError } from '../../src/model/errors';
import { synthValues } from '../../src/synth';
import { ChartOutput } from '../../src/helm/build';
import { buildTestChart, ensureHelm, hasNull, HELM_PROCESSES, HELMS, objectsOf, RunResult, templateAlone, templateMany, TemplateRequest } from '../support/helm';
import { CATEGORIES, categoryCase, valuesCase, ValuesCase, valuesYaml } from '../support/values-arbitrary';
import type { KubeObject } from '../support/synth';

const VALID_DOCUMENTS = Number(process.env.EQUIVALENCE_RUNS ?? 300);
/** Documents of the mixed draw that synth refuses, kept up to this many (each hostile category adds its own). */
const MIXED_REFUSED = Number(process.env.EQUIVALENCE_REFUSED ?? 100);
const PER_CATEGORY = Number(process.env.EQUIVALENCE_PER_CATEGORY ?? 2);
const SEED = Number(process.env.EQUIVALENCE_SEED ?? 20261124);

let chart: ChartOutput;
const dir = mkdtempSync(join(tmpdir(), 'ibc-equivalence-'));

beforeAll(() => {
  ensureHelm();
  chart = buildTestChart();
});

interface Drawn extends ValuesCase {
  readonly file: string;
  readonly synth: { objects?: KubeObject[]; problems?: string[] };
}

/** What the CLI's synth makes of a values file: the same code path, in process. */
function synthFile(file: string, release: string, namespace: string): Drawn['synth'] {
  try {
    return { objects: objectsOf(synthValues(readValues([file], []), { releaseName: release, namespace })) };
  } catch (e) {
    if (e instanceof ValuesError || e instanceof InputError) return { problems: e.message.split('\n') };
    throw e;
  }
}

let written = 0;
function draw(c: ValuesCase): Drawn {
  const file = join(dir, `case-${written++}.yaml`);
  writeFileSync(file, valuesYaml(c.values));
  return { ...c, file, synth: synthFile(file, c.release, c.namespace) };
}

/**
 * Mixed documents until `count` of them are valid (the first MIXED_REFUSED
 * invalid ones are kept: more than half of the mixed draw is refused, for the
 * reasons the categories draw on purpose), then PER_CATEGORY documents of
 * every hostile category.
 */
function drawCases(count: number): Drawn[] {
  const cases: Drawn[] = [];
  let valid = 0;
  let refused = 0;
  let seed = SEED;
  while (valid < count) {
    for (const c of fc.sample(valuesCase, { numRuns: 50, seed: seed++ })) {
      const d = draw(c);
      if (d.synth.objects) valid++;
      else if (++refused > MIXED_REFUSED) continue;
      cases.push(d);
      if (valid >= count) break;
    }
  }
  console.log(`mixed draw: ${valid} valid, ${refused} refused (${Math.min(refused, MIXED_REFUSED)} kept)`);
  for (const name of Object.keys(CATEGORIES)) {
    for (const c of fc.sample(categoryCase(name), { numRuns: PER_CATEGORY, seed: seed++ })) cases.push(draw(c));
  }
  return cases;
}

const cases = drawCases(VALID_DOCUMENTS);
jest.setTimeout(1_200_000);

test('every category of the generator is drawn, valid and invalid documents both', () => {
  const counts = new Map<string, { valid: number; invalid: number }>();
  for (const c of cases) {
    for (const category of c.categories) {
      const entry = counts.get(category) ?? { valid: 0, invalid: 0 };
      if (c.synth.objects) entry.valid++;
      else entry.invalid++;
      counts.set(category, entry);
    }
  }
  const lines = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k.padEnd(48)} ${String(v.valid).padStart(5)} valid ${String(v.invalid).padStart(5)} refused`);
  console.log(`${cases.length} documents drawn, by category:\n${lines.join('\n')}`);
  // The steps and flags that only some values render: how many valid documents hold each.
  const containers = (o: KubeObject): KubeObject[] => {
    const spec = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec?.template?.spec;
    return spec ? [...(spec.initContainers ?? []), ...spec.containers] : [];
  };
  const renders = (test: (container: KubeObject) => boolean) => cases.filter((c) => c.synth.objects?.some((o) => containers(o).some(test))).length;
  const features = {
    'lock step': renders((x) => x.name === 'lock'),
    'copy step': renders((x) => x.name === 'copy'),
    'calendar retention': renders((x) => x.args?.includes('--keep-daily') || x.args?.includes('--keep-yearly')),
    'calendar in a time zone': renders((x) => x.args?.includes('--time-zone')),
  };
  console.log(`valid documents by feature: ${Object.entries(features).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  expect(Object.entries(features).filter(([, n]) => n === 0)).toEqual([]);
  expect(Object.keys(CATEGORIES).filter((k) => !counts.has(k))).toEqual([]);
  expect(cases.filter((c) => c.synth.objects).length).toBeGreaterThanOrEqual(VALID_DOCUMENTS);
  expect(cases.filter((c) => c.synth.problems).length).toBeGreaterThan(0);
});

/** Helm's own refusals, worded by Helm: its schema validator, its release-name check, its YAML reader. */
const HELM_WORDED = [/values don't meet the specifications/, /invalid release name/, /failed to parse/];

describe.each(Object.keys(HELMS))('%s renders what synth renders', (name) => {
  test(`the drawn documents (${cases.length})`, async () => {
    const kinds = new Set<string>();
    // Each document's own file, release and namespace, in batches
    // (test/support/helm.ts): the ones synth refuses with each other, each
    // answered by its own part of Helm's schema error or else rendered alone;
    // one whose objects differ from synth's in a batch is rendered alone
    // again: its verdict is Helm's answer alone.
    const requests: TemplateRequest[] = cases.map((c) => ({ values: c.values, yaml: readFileSync(c.file, 'utf8'), release: c.release, namespace: c.namespace, refused: !c.synth.objects }));
    const batched = await templateMany(name, chart, requests, 'infrahub', 3);
    // Helm's objects for a document synth renders, parsed once: the check of the batch's answer and the verdict read the same parse.
    const parsed = (rendered: RunResult): Answer => {
      if (rendered.code !== 0) return rendered;
      try {
        return { ...rendered, objects: objectsOf(rendered.stdout) };
      } catch (e) {
        return { ...rendered, unparsable: e as Error };
      }
    };
    const differs = (c: Drawn, answer: Answer): boolean => {
      if (answer.code !== 0 || answer.unparsable) return true;
      try {
        expect(answer.objects).toEqual(c.synth.objects);
        return false;
      } catch {
        return true;
      }
    };
    const mismatches: Array<string | undefined> = [];
    let again = 0;
    for (const [i, c] of cases.entries()) {
      let answer: Answer = c.synth.objects ? parsed(batched[i]) : batched[i];
      if (c.synth.objects && !requests[i].alone) {
        if (differs(c, answer)) {
          again++;
          answer = parsed(await templateAlone(name, chart, requests[i], 'infrahub'));
        } else {
          // The verdict's comparison, already made.
          answer = { ...answer, agrees: true };
        }
      }
      mismatches.push(verdict(c, answer, kinds));
    }
    console.log(`${name}: ${cases.length} documents in ${HELM_PROCESSES[name]} Helm processes, ${again} rendered alone again after a difference in a batch`);
    expect(mismatches.filter(Boolean)).toEqual([]);
    expect([...kinds].sort()).toEqual(['ConfigMap', 'CronJob', 'Job', 'NetworkPolicy', 'PersistentVolumeClaim', 'PrometheusRule', 'Role', 'RoleBinding', 'ServiceAccount']);
  });
});

// The batches rest on this: a document with nulls reads the same nested
// under an alias as it reads at the top of the chart.
describe.each(Object.keys(HELMS))('%s reads nulls nested as it reads them alone', (name) => {
  test('documents with nulls, rendered in a batch and alone', async () => {
    const withNulls = cases.filter((c) => c.synth.objects && hasNull(c.values)).slice(0, 8);
    expect(withNulls.length).toBe(8);
    const requests: TemplateRequest[] = withNulls.map((c) => ({ values: c.values, yaml: readFileSync(c.file, 'utf8'), release: 'infrahub-backup', namespace: 'infrahub' }));
    const batched = await templateMany(name, chart, requests, 'infrahub');
    for (const [i, request] of requests.entries()) {
      const alone = await templateAlone(name, chart, request, 'infrahub');
      expect(batched[i].code).toBe(0);
      expect(objectsOf(batched[i].stdout)).toEqual(objectsOf(alone.stdout));
    }
  });
});

/** Helm's answer for one document, with its objects parsed (objectsOf) when it rendered. */
interface Answer extends RunResult {
  readonly objects?: KubeObject[];
  /** What objectsOf threw for an output it cannot read. */
  readonly unparsable?: Error;
  /** Its objects were compared with synth's and found equal. */
  readonly agrees?: boolean;
}

/** What Helm's answer for one document says against synth's: undefined when they agree. */
function verdict(c: Drawn, rendered: Answer, kinds: Set<string>): string | undefined {
  const where = `${c.file} [${c.categories.join(', ')}] (release ${c.release}, namespace ${c.namespace})`;
  if (c.synth.objects) {
    if (rendered.code !== 0) return `${where}: helm refused what synth rendered: ${rendered.stderr.slice(0, 600)}`;
    if (rendered.unparsable) throw rendered.unparsable;
    const helmObjects = rendered.objects!;
    helmObjects.forEach((o) => kinds.add(`${o.kind}`));
    if (rendered.agrees) return undefined;
    try {
      expect(helmObjects).toEqual(c.synth.objects);
    } catch (e) {
      return `${where}: ${(e as Error).message.slice(0, 2000)}`;
    }
    return undefined;
  }
  if (rendered.code === 0) return `${where}: helm rendered what synth refused: ${c.synth.problems?.join('; ')}`;
  if (HELM_WORDED.some((r) => r.test(rendered.stderr))) return undefined;
  const missing = (c.synth.problems ?? []).filter((p) => !rendered.stderr.includes(p));
  return missing.length > 0 ? `${where}: helm did not report ${missing.join('; ')}\n${rendered.stderr.slice(0, 600)}` : undefined;
}
