/**
 * The maximum age of the newest backup: durations, and the longest gap
 * between two runs of a schedule, compared with the runs cron-parser
 * enumerates over two years (UTC).
 */
import { CronExpressionParser } from 'cron-parser';
import * as fc from 'fast-check';
import { backupMaxAge, CRON_MACROS, durationSeconds, fieldValues, minutesDuration, scheduleIntervalMinutes } from '../../src/model/max-age';
import { resolveValues } from '../../src/model/resolve';
import { VALID_SCHEDULES } from '../support/schedules';

/** The exact minutes of a Go duration (the runs of `@every` are that far apart), at least one. */
function everyDurationMinutes(duration: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, 'µs': 1e-6, 'μs': 1e-6, ns: 1e-9 };
  if (duration.startsWith('-')) return 1;
  let seconds = 0;
  for (const [, n, u] of duration.matchAll(/([0-9.]+)(ns|us|µs|μs|ms|s|m|h)/gu)) seconds += Number(n) * units[u];
  return Math.max(1, Math.ceil(seconds / 60 - 1e-9));
}

const FROM = new Date('2026-01-01T00:00:00Z');
const TO = new Date('2028-01-01T00:00:00Z');
const MAX_RUNS = 3000;

/** The longest gap in minutes between runs cron-parser enumerates (a lower bound when the enumeration is cut). */
function observedGap(schedule: string): { gap: number; days: number } {
  const every = /^@every (.*)$/.exec(schedule.trim());
  if (every) return { gap: everyDurationMinutes(every[1]), days: 0 };
  // cron-parser takes neither a sign nor leading zeros, which robfig/cron reads as the plain number.
  const expression = (CRON_MACROS[schedule.trim()] ?? schedule).replace(/\+?0*([0-9])/g, '$1');
  const it = CronExpressionParser.parse(expression, { currentDate: FROM, endDate: TO, tz: 'UTC' });
  let first: number | undefined;
  let previous: number | undefined;
  let gap = 0;
  let runs = 0;
  while (runs < MAX_RUNS) {
    let t: number;
    try {
      t = it.next().getTime();
    } catch {
      break; // past the end date
    }
    if (previous !== undefined) gap = Math.max(gap, (t - previous) / 60000);
    first ??= t;
    previous = t;
    runs++;
  }
  return { gap, days: previous === undefined || first === undefined ? 0 : (previous - first) / 86400000 };
}

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

describe('the maximum age derived from the schedule', () => {
  test.each([
    ['0 2 * * *', '26h'],
    ['@daily', '26h'],
    ['@hourly', '3h'],
    ['@weekly', '170h'],
    ['*/15 * * * *', '2h15m'],
    ['0 3 * * 7', '170h'],
    ['*/15 3-5 * * MON-FRI', '71h15m'],
  ])('%s: %s', (schedule, expected) => {
    const v = resolveValues({ backup: { schedule } }, { release: 'r', namespace: 'n' });
    expect(backupMaxAge(v)).toBe(expected);
  });

  test('a fixed duration wins', () => {
    expect(backupMaxAge(resolveValues({ monitoring: { backupMaxAge: '36h' } }, { release: 'r', namespace: 'n' }))).toBe('36h');
  });

  test('fields: names, ranges, steps and lists', () => {
    expect(fieldValues('MON-FRI', 0, 7)).toEqual([1, 2, 3, 4, 5]);
    expect(fieldValues('5/20', 0, 59)).toEqual([5, 25, 45]);
    expect(fieldValues('1-10/3,30', 0, 59)).toEqual([1, 4, 7, 10, 30]);
    expect(fieldValues('jan,Dec', 1, 12)).toEqual([1, 12]);
    expect(fieldValues('*/0', 0, 3)).toEqual([0, 1, 2, 3]);
    expect(fieldValues('5-1', 0, 6)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  test.each(VALID_SCHEDULES)('%s: never shorter than the real longest gap', (schedule) => {
    expect(scheduleIntervalMinutes(schedule)).toBeGreaterThanOrEqual(observedGap(schedule).gap);
  });

  const item = (lo: number, hi: number) =>
    fc.oneof(
      fc.constant('*'),
      fc.integer({ min: lo, max: hi }).map(String),
      fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
      fc.integer({ min: 1, max: hi - lo + 1 }).map((s) => `*/${s}`),
      fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: 1, max: 12 })).map(([a, s]) => `${a}/${s}`),
    );
  const field = (lo: number, hi: number) => fc.array(item(lo, hi), { minLength: 1, maxLength: 3 }).map((items) => (items.includes('*') ? '*' : items.join(',')));
  const schedules = fc.tuple(field(0, 59), field(0, 23), field(1, 31), field(1, 12), field(0, 6)).map((f) => f.join(' '));

  test('random schedules: never shorter than the real gap, and equal to it when only hours, minutes or weekdays are restricted', () => {
    let exact = 0;
    let drawn = 0;
    fc.assert(
      fc.property(schedules, (schedule) => {
        // cron-parser refuses lists that repeat a value, which Kubernetes accepts.
        let parses = true;
        try {
          CronExpressionParser.parse(schedule);
        } catch {
          parses = false;
        }
        fc.pre(parses);
        drawn++;
        const derived = scheduleIntervalMinutes(schedule);
        const { gap, days } = observedGap(schedule);
        expect(derived).toBeGreaterThanOrEqual(gap);
        const [, , dom, month] = schedule.split(' ');
        // Daily and weekly patterns are seen whole in eight days of runs.
        if (dom === '*' && month === '*' && days >= 8) {
          expect(derived).toBe(gap);
          exact++;
        }
      }),
      { numRuns: 50, seed: 20261130 },
    );
    expect(drawn).toBe(50);
    expect(exact).toBeGreaterThan(5);
  });
});
