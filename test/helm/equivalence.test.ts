/**
 * The core promise: for any values document V and release R,
 * `helm template R <chart>.tgz -f V` and `infrahub-backup-cdk8s synth -f V --release R`
 * give the same objects (compared parsed, without the labels that name the
 * renderer), with Helm 3 and Helm 4; and what one rejects, the other rejects.
 */
import * as fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { stringify } from 'yaml';
import { readValues } from '../../src/cli/values-input';
import { ValuesError } from '../../src/model/errors';
import { synthValues } from '../../src/synth';
import { ChartOutput } from '../../src/helm/build';
import { buildTestChart, ensureHelm, helm, HELMS, objectsOf, pool, RunResult, templateAlone, templateMany, valuesYaml } from '../support/helm';
import { valuesCase, ValuesCase } from '../support/values-arbitrary';

const VALID_DOCUMENTS = Number(process.env.EQUIVALENCE_RUNS ?? 300);
const SEED = Number(process.env.EQUIVALENCE_SEED ?? 20261124);

let chart: ChartOutput;
const dir = mkdtempSync(join(tmpdir(), 'ibc-equivalence-'));

beforeAll(() => {
  ensureHelm();
  chart = buildTestChart();
});

type SynthOutcome = { objects?: Array<Record<string, any>>; problems?: string[] };
/** Outcomes by release and file content: each document is drawn once and compared with two Helms. */
const synthOutcomes = new Map<string, SynthOutcome>();

/** What the CLI's synth makes of a values file: the same code path, in process. */
function synthFile(file: string, release: string): SynthOutcome {
  const key = `${release}\n${readFileSync(file, 'utf8')}`;
  const known = synthOutcomes.get(key);
  if (known) return known;
  let outcome: SynthOutcome;
  try {
    outcome = { objects: objectsOf(synthValues(readValues([file], []), { releaseName: release, namespace: 'infrahub' })) };
  } catch (e) {
    if (!(e instanceof ValuesError)) throw e;
    outcome = { problems: e.message.split('\n') };
  }
  synthOutcomes.set(key, outcome);
  return outcome;
}

/** Draws documents until `count` of them are valid, keeping the invalid ones too. */
function drawCases(count: number): { valid: ValuesCase[]; invalid: ValuesCase[] } {
  const valid: ValuesCase[] = [];
  const invalid: ValuesCase[] = [];
  let seed = SEED;
  while (valid.length < count) {
    for (const c of fc.sample(valuesCase, { numRuns: 100, seed: seed++ })) {
      const file = join(dir, 'probe.yaml');
      writeFileSync(file, stringify(c.values, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' }));
      (synthFile(file, c.release).objects ? valid : invalid).push(c);
      if (valid.length >= count) break;
    }
  }
  return { valid, invalid };
}

const { valid, invalid } = drawCases(VALID_DOCUMENTS);
jest.setTimeout(600_000);

describe.each(Object.keys(HELMS))('%s renders what synth renders', (name) => {
  test(`${valid.length} valid documents drawn from the model`, async () => {
    const kinds = new Set<string>();
    // Many documents per Helm process; a difference is confirmed by rendering that document alone.
    const rendered = await templateMany(name, chart, valid, 'infrahub');
    const mismatches = await pool(valid, 3, async (c, i) => {
      const file = join(dir, `${name}-valid-${i}.yaml`);
      writeFileSync(file, valuesYaml(c.values));
      const synth = synthFile(file, c.release);
      const compare = (r: RunResult): string | undefined => {
        if (r.code !== 0) return `${file}: helm failed: ${r.stderr.split('\n')[0]}`;
        const helmObjects = objectsOf(r.stdout);
        helmObjects.forEach((o) => kinds.add(`${o.kind}`));
        try {
          expect(helmObjects).toEqual(synth.objects);
        } catch (e) {
          return `${file} (release ${c.release}): ${(e as Error).message.slice(0, 2000)}`;
        }
        return undefined;
      };
      if (compare(rendered[i]) === undefined) return undefined;
      return compare(await templateAlone(name, chart, c, 'infrahub'));
    });
    expect(mismatches.filter(Boolean)).toEqual([]);
    expect([...kinds].sort()).toEqual(['CronJob', 'Job', 'PersistentVolumeClaim', 'Role', 'RoleBinding', 'ServiceAccount']);
  });

  test('documents the CLI rejects are rejected by Helm with the same problems', async () => {
    expect(invalid.length).toBeGreaterThan(0);
    const mismatches = await pool(invalid, 3, async (c, i) => {
      const file = join(dir, `${name}-invalid-${i}.yaml`);
      writeFileSync(file, stringify(c.values, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' }));
      const rendered = await helm(name, ['template', c.release, chart.packagePath, '-f', file, '--namespace', 'infrahub']);
      const synth = synthFile(file, c.release);
      if (rendered.code === 0) return `${file}: helm accepted what synth rejected: ${synth.problems?.join('; ')}`;
      // Schema problems are worded by Helm's own validator; cross-field problems must read the same.
      if (rendered.stderr.includes("values don't meet the specifications")) return undefined;
      const missing = (synth.problems ?? []).filter((p) => !rendered.stderr.includes(p));
      return missing.length > 0 ? `${file}: helm did not report ${missing.join('; ')}` : undefined;
    });
    expect(mismatches.filter(Boolean)).toEqual([]);
  });
});
