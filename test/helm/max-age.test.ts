/**
 * Helm 3 and Helm 4 derive the same maximum age as the constructs, or refuse
 * the same values with the same line: the cases, clock-shifting zones,
 * and drawn schedules in drawn zones (the figures themselves are proven against
 * the controller's semantics in test/model/max-age.test.ts).
 */
import * as fc from 'fast-check';
import { ChartOutput } from '../../src/helm/build';
import { ValuesError } from '../../src/model/errors';
import { backupMaxAge } from '../../src/model/max-age';
import { resolveValues } from '../../src/model/resolve';
import { scheduleProblemId } from '../../src/model/schedule';
import { synthValues } from '../../src/synth';
import { buildTestChart, ensureHelm, HELMS, objectsOf, templateMany } from '../support/helm';
import { schedule, ZONES } from '../support/schedule-arbitrary';
import { onceByKey } from '../support/cache';

jest.setTimeout(600_000);

const FIXED: Array<[string, string]> = [
  ['0 2 * * *', 'Europe/Paris'],
  ['0 2 31 1,2 *', ''],
  ['0 2 * 1-11 *', ''],
  ['0 9 * * *', 'Australia/Lord_Howe'],
  ['45 2 * * *', 'Pacific/Chatham'],
  ['0 4 * * *', 'Europe/Paris'],
  ['0 2 * * 0', 'Europe/Paris'],
  ['30 1 * * 1-5', 'Antarctica/Troll'],
  ['0 0 29 2 *', 'America/Havana'],
  ['@every 25h', 'America/New_York'],
  ['0 23 * * *', 'America/Nuuk'],
  ['*/20 1-3 * * *', 'America/Santiago'],
  // Beirut springs forward over midnight: the controller skips that whole Sunday.
  ['0 12 * * 0', 'Asia/Beirut'],
  ['30 18 * * *', 'Africa/Cairo'],
];
const DRAWS = 40;
const drawn = fc
  .sample(fc.tuple(schedule, fc.constantFrom(...ZONES)), { numRuns: DRAWS * 3, seed: 20261208 })
  .filter(([s]) => scheduleProblemId(s) === undefined)
  .slice(0, DRAWS);
const CASES = [...FIXED, ...drawn];

const CONTEXT = { release: 'prod', namespace: 'infrahub' };

function valuesOf(s: string, timeZone: string): Record<string, unknown> {
  return {
    backup: { enabled: true, mode: 'cronjob', schedule: s, storage: { s3: { bucket: 'backups' } }, verification: { enabled: true } },
    cronJob: { timeZone },
    monitoring: { prometheusRule: { enabled: true }, freshness: { enabled: true } },
  };
}

/** The constructs' answer: the derived maximum age, or the refusal's lines. */
function expected(s: string, timeZone: string): { maxAge: string } | { refused: string[] } {
  try {
    return { maxAge: backupMaxAge(resolveValues(valuesOf(s, timeZone), CONTEXT)) };
  } catch (e) {
    if (e instanceof ValuesError) return { refused: e.problems.map((p) => `${p.path}: ${p.message}`) };
    throw e;
  }
}

/** The constructs' answers and objects, computed once for both Helm versions. */
let answers: ReturnType<typeof expected>[] | undefined;
const answersOf = () => (answers ??= CASES.map(([s, zone]) => expected(s, zone)));
const synthesized = onceByKey<number, ReturnType<typeof objectsOf>>();
const synthesizedOf = (i: number) => {
  const [s, zone] = CASES[i];
  return synthesized(i, () => objectsOf(synthValues(valuesOf(s, zone), { releaseName: CONTEXT.release, namespace: CONTEXT.namespace })));
};

let chart: ChartOutput;
beforeAll(() => {
  ensureHelm();
  chart = buildTestChart();
});

describe.each(Object.keys(HELMS))('%s', (name) => {
  test(`${CASES.length} schedules and zones (${DRAWS} drawn): the chart derives the constructs' maximum age, or refuses with their line`, async () => {
    const answers = answersOf();
    const results = await templateMany(
      name,
      chart,
      CASES.map(([s, zone], i) => ({ values: valuesOf(s, zone), release: CONTEXT.release, alone: 'refused' in answers[i] })),
      CONTEXT.namespace,
    );
    const mismatches: string[] = [];
    let refused = 0;
    CASES.forEach(([s, zone], i) => {
      const answer = answers[i];
      const result = results[i];
      const label = `${s} in ${zone || 'no zone'}`;
      if ('refused' in answer) {
        refused++;
        const failure = result.stderr.slice(result.stderr.indexOf('invalid values:\n') + 'invalid values:\n'.length).split('\n\n')[0];
        if (result.code === 0 || failure.trim().split('\n').join('\n') !== answer.refused.join('\n')) mismatches.push(`${label}: expected the refusal ${answer.refused.join(' | ')}, got ${result.code}: ${result.stderr.slice(0, 400)}`);
        return;
      }
      if (result.code !== 0) {
        mismatches.push(`${label}: helm failed: ${result.stderr.slice(0, 400)}`);
        return;
      }
      const objects = objectsOf(result.stdout);
      const args = objects.flatMap((o) => [...(o.spec?.jobTemplate?.spec?.template?.spec?.initContainers ?? []), ...(o.spec?.jobTemplate?.spec?.template?.spec?.containers ?? [])]).flatMap((c) => c.args ?? []);
      const maxAge = args[args.indexOf('--max-age') + 1];
      if (maxAge !== answer.maxAge) mismatches.push(`${label}: chart ${maxAge}, constructs ${answer.maxAge}`);
      else {
        try {
          expect(objects).toEqual(synthesizedOf(i));
        } catch (e) {
          mismatches.push(`${label}: ${(e as Error).message.slice(0, 1500)}`);
        }
      }
    });
    console.log(`${name} max-age: ${CASES.length} rendered (${DRAWS} drawn), ${refused} refused by both`);
    expect(mismatches).toEqual([]);
    expect(refused).toBeGreaterThan(0);
  });
});
