/**
 * The maximum age of the newest backup: durations, and the longest gap
 * between two runs of a schedule, proven against the CronJob controller's own
 * schedule semantics (robfig/cron v3 with `TZ=<zone>`, walked run by run over
 * a 28-year calendar cycle with the zone's clock shifts: test/support/cron-oracle.ts).
 */
import * as fc from 'fast-check';
import { backupMaxAge, durationSeconds, MAX_AGE_MARGIN_MINUTES, minutesDuration, scheduleIntervalMinutes } from '../../src/model/max-age';
import { resolveValues } from '../../src/model/resolve';
import { scheduleFieldSets, scheduleProblemId } from '../../src/model/schedule';
import { TIME_ZONE_NAMES, TIME_ZONE_SHIFTS } from '../../src/model/time-zones.generated';
import { CRON_ORACLE, GapQuery, oracleGaps, oracleShifts, ZONEINFO_PRESENT } from '../support/cron-oracle';
import { describeWithGo } from '../support/go';
import { schedule, ZONES } from '../support/schedule-arbitrary';
import { VALID_SCHEDULES } from '../support/schedules';

jest.setTimeout(300_000);

describe('durations', () => {
  test.each([
    ['26h', 93600],
    ['1d2h', 93600],
    ['90m', 5400],
    ['2w', 1209600],
    ['1w1d1h1m1s', 694861],
    ['0s', 0],
  ])('%s is %d seconds', (text, seconds) => expect(durationSeconds(text)).toBe(seconds));

  test.each([
    [45, '45m'],
    [60, '1h'],
    [1560, '26h'],
    [135, '2h15m'],
  ])('%d minutes read %s', (minutes, text) => expect(minutesDuration(minutes)).toBe(text));

  test.each(['', '26', 'h', '2h1d', '1.5h', '1ms', '1y', '-1h', '1h ', '1234567h'])('%p is refused as monitoring.backupMaxAge unless empty', (text) => {
    const resolve = () => resolveValues({ monitoring: { backupMaxAge: text } }, { release: 'r', namespace: 'n' });
    if (text === '') expect(resolve).not.toThrow();
    else expect(resolve).toThrow(/monitoring\.backupMaxAge: .* is not valid; it must be a duration such as "26h"/);
  });
});

const CONTEXT = { release: 'r', namespace: 'n' };
const S3_BACKUP = { enabled: true, mode: 'cronjob', storage: { s3: { bucket: 'backups' } } };

describe('the maximum age derived from the schedule', () => {
  test.each([
    ['0 2 * * *', '', '26h'],
    ['@daily', '', '26h'],
    ['@hourly', '', '3h'],
    ['@weekly', '', '170h'],
    ['*/15 * * * *', '', '2h15m'],
    ['0 3 * * 0', '', '170h'],
    ['*/15 3-5 * * MON-FRI', '', '71h15m'],
    // Only January 31st: a year, or a leap year's 366 days (not 11 months of 31 days).
    ['0 2 31 1,2 *', '', `${366 * 24 + 2}h`],
    // December skipped: November 30th to January 1st (not two months of 31 days).
    ['0 2 * 1-11 *', '', `${32 * 24 + 2}h`],
    // Outside the shift window: a day, plus the hour a gap across the autumn shift lasts longer.
    ['0 4 * * *', 'Europe/Paris', '27h'],
    // In the spring shift's window: the controller skips that run, two gaps merge.
    ['0 2 * * *', 'Europe/Paris', '52h'],
    ['0 2 * * *', 'Asia/Tokyo', '26h'],
    // Apia has kept standard time since 2021; a controller with older zoneinfo still shifts at 03:00.
    ['0 2 * * *', 'Pacific/Apia', '27h'],
    ['@every 36h', 'Europe/Paris', '38h'],
  ])('%s in %p: %s', (schedule, timeZone, expected) => {
    const v = resolveValues({ backup: { schedule }, cronJob: { timeZone } }, CONTEXT);
    expect(backupMaxAge(v)).toBe(expected);
  });

  test('a fixed duration wins', () => {
    expect(backupMaxAge(resolveValues({ monitoring: { backupMaxAge: '36h' } }, CONTEXT))).toBe('36h');
  });

  test('a weekly run the clock shift can skip is refused where the maximum age is used, naming monitoring.backupMaxAge', () => {
    const values = { backup: { ...S3_BACKUP, schedule: '0 2 * * 0' }, cronJob: { timeZone: 'Europe/Paris' }, monitoring: { prometheusRule: { enabled: true } } };
    expect(() => resolveValues(values, CONTEXT)).toThrow(
      'monitoring.backupMaxAge: is empty, and no close bound can be derived from backup.schedule "0 2 * * 0": it does not run every day, and its runs fall at a time of day the clock of cronJob.timeZone Europe/Paris can skip',
    );
    // Set explicitly, or unused (no alert, no freshness check), it is accepted.
    expect(() => resolveValues({ ...values, monitoring: { prometheusRule: { enabled: true }, backupMaxAge: '15d' } }, CONTEXT)).not.toThrow();
    expect(() => resolveValues({ ...values, monitoring: {} }, CONTEXT)).not.toThrow();
    expect(() => resolveValues({ ...values, monitoring: { freshness: { enabled: true } } }, CONTEXT)).toThrow(/monitoring\.backupMaxAge: is empty/);
  });
});

const DRAWS = 400;

/**
 * Years to walk: the whole 28-year cycle for up to 12 runs a day; 4 (a leap year) up to 48; else
 * one (every yearly shift), as for `@every`, so that no walk passes ~150 000 runs on a shared machine.
 */
function years(s: string): number {
  const fields = scheduleFieldSets(s);
  if (!fields) return 1;
  const daily = fields[0].values.size * fields[1].values.size;
  return daily <= 12 ? 28 : daily <= 48 ? 4 : 1;
}

describeWithGo('the derived gap against the controller (robfig/cron with TZ=, Go zoneinfo)', CRON_ORACLE, (binary) => {
  beforeAll(() => {
    if (!ZONEINFO_PRESENT) throw new Error('no zoneinfo in /usr/share/zoneinfo: Go cannot load the zones (install tzdata)');
  });

  /** Every zone but Factory, and the clock shifts Go sees in each (asked once, read by two tests). */
  const zones = TIME_ZONE_NAMES.filter((z) => z !== 'Factory');
  let seenShifts: Array<Array<[number, number, number]>> | undefined;
  const shiftsSeen = () => (seenShifts ??= oracleShifts(binary(), zones));

  test("the generated clock shifts cover the ones Go sees in every zone (the system's zoneinfo may be older or newer)", () => {
    const seen = shiftsSeen();
    const uncovered: string[] = [];
    zones.forEach((zone, i) => {
      const table = TIME_ZONE_SHIFTS[zone] ?? { range: 0, windows: [] };
      const offsets = seen[i].flatMap(([from, to]) => [from, to]);
      const range = offsets.length ? Math.max(...offsets) - Math.min(...offsets) : 0;
      if (range > table.range) uncovered.push(`${zone}: offsets ${range} minutes apart, table ${table.range}`);
      for (const [from, to, wall] of seen[i]) {
        const shift = to - from;
        if (shift <= 0 && shift % 60 === 0) continue;
        const covered = table.windows.some(([start, length]) => (shift % 60 !== 0 ? length >= 1440 : (wall - start + 1440) % 1440 + shift <= length));
        if (!covered) uncovered.push(`${zone}: a shift of ${shift} minutes at ${wall} not in ${JSON.stringify(table.windows)}`);
      }
    });
    expect([...new Set(uncovered)]).toEqual([]);
  });

  test("the issue's cases: never shorter than the controller's longest gap", () => {
    const cases: GapQuery[] = [
      { zone: 'Europe/Paris', schedule: '0 2 * * *', years: 28 },
      { zone: '', schedule: '0 2 31 1,2 *', years: 28 },
      { zone: '', schedule: '0 2 * 1-11 *', years: 28 },
      { zone: 'Australia/Lord_Howe', schedule: '0 9 * * *', years: 28 },
    ];
    const gaps = oracleGaps(binary(), cases);
    expect(gaps.map((g) => g.seconds / 3600)).toEqual([47, 366 * 24, 32 * 24, 48.5]);
    cases.forEach((c, i) => expect(scheduleIntervalMinutes(c.schedule, c.zone)! * 60).toBeGreaterThanOrEqual(gaps[i].seconds));
  });

  test('a midnight forward shift east of UTC makes the controller skip the whole day (its day search lands on 23:00 the day before): never shorter, or refused', () => {
    // Beirut springs forward at 00:00 on a Sunday, Cairo on a Friday: a weekly run on that day waits two weeks.
    const cases: GapQuery[] = [
      { zone: 'Asia/Beirut', schedule: '0 12 * * 0', years: 28 },
      { zone: 'Africa/Cairo', schedule: '0 12 * * 5', years: 28 },
      { zone: 'Asia/Beirut', schedule: '0 12 * * 1-5,0', years: 28 },
      { zone: 'Africa/Cairo', schedule: '30 18 * * *', years: 28 },
    ];
    const gaps = oracleGaps(binary(), cases);
    expect(gaps.slice(0, 2).map((g) => g.seconds / 3600)).toEqual([335, 335]);
    const wrong = cases.filter((c, i) => {
      const derived = scheduleIntervalMinutes(c.schedule, c.zone);
      return derived !== undefined && derived * 60 < gaps[i].seconds;
    });
    expect(wrong).toEqual([]);
  });

  test('every zone whose clock Go sees jump over midnight at a UTC offset of zero or more may skip a run at any time of the day', () => {
    const seen = shiftsSeen();
    const uncovered = zones.filter((zone, i) =>
      seen[i].some(([from, to, wall]) => to > from && from >= 0 && (1440 - wall) % 1440 < to - from && !(TIME_ZONE_SHIFTS[zone]?.windows ?? []).some(([, length]) => length >= 1440)),
    );
    expect(uncovered).toEqual([]);
  });

  test('every listed valid schedule in every tested zone: never shorter, or refused; exact without clock shifts', () => {
    const queries = VALID_SCHEDULES.flatMap((s) => ZONES.map((zone): GapQuery => ({ zone, schedule: s, years: years(s) })));
    const gaps = oracleGaps(binary(), queries);
    const wrong: string[] = [];
    queries.forEach((q, i) => {
      const derived = scheduleIntervalMinutes(q.schedule, q.zone);
      if (derived === undefined) return;
      if (derived * 60 < gaps[i].seconds) wrong.push(`${q.schedule} in ${q.zone}: derived ${derived}m, real ${gaps[i].seconds / 60}m`);
      if (!TIME_ZONE_SHIFTS[q.zone] && q.years === 28 && derived !== Math.max(1, Math.ceil(gaps[i].seconds / 60))) wrong.push(`${q.schedule} in ${q.zone}: derived ${derived}m, exactly ${gaps[i].seconds / 60}m`);
    });
    expect(wrong).toEqual([]);
  });

  test(`${DRAWS} drawn schedules in drawn zones: derived ≥ the controller's longest gap (the margin on top), or refused`, () => {
    const pairs = fc
      .sample(fc.tuple(schedule, fc.constantFrom(...ZONES)), { numRuns: DRAWS * 3, seed: 20261207 })
      .filter(([s]) => scheduleProblemId(s) === undefined)
      .slice(0, DRAWS);
    expect(pairs.length).toBe(DRAWS);
    const queries = pairs.map(([s, zone]): GapQuery => ({ zone, schedule: s, years: years(s) }));
    const gaps = oracleGaps(binary(), queries);
    const wrong: string[] = [];
    let refused = 0;
    let exact = 0;
    let shifted = 0;
    let excess = 0;
    pairs.forEach(([s, zone], i) => {
      const derived = scheduleIntervalMinutes(s, zone);
      const real = gaps[i].seconds / 60;
      if (derived === undefined) {
        refused++;
        return;
      }
      if (derived < real) wrong.push(`${s} in ${zone || 'no zone'}: derived ${derived}m < real ${real}m`);
      if (TIME_ZONE_SHIFTS[zone]) {
        shifted++;
        excess = Math.max(excess, derived - real);
      } else if (derived === Math.max(1, Math.ceil(real))) exact++;
      else if (queries[i].years === 28) wrong.push(`${s} in ${zone || 'no zone'}: derived ${derived}m, exactly ${real}m`);
    });
    console.log(
      `max-age: ${pairs.length} schedules drawn, ${refused} refused, ${exact} exact without clock shifts, ${shifted} in shifting zones (longest excess ${excess} minutes), margin ${MAX_AGE_MARGIN_MINUTES} minutes on top`,
    );
    expect(wrong).toEqual([]);
    expect(refused).toBeGreaterThan(0);
    expect(exact).toBeGreaterThan(DRAWS / 5);
  });
});
