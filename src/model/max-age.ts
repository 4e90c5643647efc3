/**
 * How old the newest backup may be before it counts as missing
 * (`monitoring.backupMaxAge`), and durations in the syntax Prometheus and
 * `s3 latest --max-age` share. The chart derives the same figures in
 * `_monitoring.tpl` (the same rule; its day walk takes shortcuts for daily and
 * weekly patterns and goes month by month, test/helm/max-age.test.ts holds
 * both to the same answers). The rule and its proof: docs/max-age.md.
 */
import type { ResolvedValues } from './types';
import { FieldSet, goDurationNs, MONTH_DAYS, scheduleFieldSets, SCHEDULE_MACRO_FIELDS } from './schedule';
import { zoneShifts } from './zone-shifts';

const EVERY = '@every ';

/** Minutes between the runs of `@every D` (robfig/cron runs a duration under a second, or a negative one, every second). */
function everyMinutes(duration: string): number {
  if (duration.startsWith('-')) return 1;
  return Math.max(1, Math.ceil(goDurationNs(duration) / 60e9));
}

/** Minutes added to the schedule's longest gap: a backup's own run time and clock skew. */
export const MAX_AGE_MARGIN_MINUTES = 120;

const UNIT_SECONDS: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };

/** Seconds of a duration such as `26h` or `1d2h` (already checked against PROMETHEUS_DURATION_PATTERN). */
export function durationSeconds(duration: string): number {
  let total = 0;
  for (const [, count, unit] of duration.matchAll(/([0-9]+)([wdhms])/g)) total += Number(count) * UNIT_SECONDS[unit];
  return total;
}

/** A whole number of minutes as a duration: `26h`, `2h15m`, `45m`. */
export function minutesDuration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m}m`;
  return m === 0 ? `${h}h` : `${h}h${m}m`;
}

/** The five fields each macro stands for (as the CronJob controller reads them); the chart gets them as constants. */
export const CRON_MACROS = SCHEDULE_MACRO_FIELDS;

/**
 * The calendar the day pattern of a schedule is read over: 28 years (from
 * 2001, a Monday), after which weekdays and leap years repeat (1901 to 2099).
 */
export const CALENDAR_CYCLE = { firstYear: 2001, firstWeekday: 1, years: 28 } as const;

/** The largest difference between consecutive values (0 for one value). */
function innerGap(values: readonly number[]): number {
  let gap = 0;
  for (let i = 1; i < values.length; i++) gap = Math.max(gap, values[i] - values[i - 1]);
  return gap;
}

function sorted(values: ReadonlySet<number>): number[] {
  return [...values].sort((x, y) => x - y);
}

/** The minutes of the day a schedule runs at, sorted. */
function runMinutes(fields: readonly FieldSet[]): number[] {
  return sorted(fields[1].values).flatMap((h) => sorted(fields[0].values).map((m) => h * 60 + m));
}

/**
 * The longest gap in days between two days a schedule runs on, over the
 * calendar cycle (wrapping around): robfig/cron's day matching, the day of the
 * month and the day of the week both required when either holds `*`, else
 * either one.
 */
function dayGap(fields: readonly FieldSet[]): number {
  const [, , dom, month, dow] = fields;
  const both = dom.star || dow.star;
  let day = 0;
  let first = -1;
  let previous = -1;
  let gap = 0;
  for (let y = CALENDAR_CYCLE.firstYear; y < CALENDAR_CYCLE.firstYear + CALENDAR_CYCLE.years; y++) {
    for (let m = 1; m <= 12; m++) {
      const length = m === 2 && y % 4 !== 0 ? 28 : MONTH_DAYS[m - 1];
      if (month.values.has(m)) {
        for (let d = 1; d <= length; d++) {
          const inMonth = dom.values.has(d);
          const inWeek = dow.values.has((CALENDAR_CYCLE.firstWeekday + day + d - 1) % 7);
          if (both ? inMonth && inWeek : inMonth || inWeek) {
            if (first < 0) first = day + d - 1;
            else gap = Math.max(gap, day + d - 1 - previous);
            previous = day + d - 1;
          }
        }
      }
      day += length;
    }
  }
  return Math.max(gap, first + day - previous);
}

/** The longest time between two runs in minutes by the wall clock (the schedule's own time zone, no clock shifts). */
export function wallGapMinutes(fields: readonly FieldSet[]): number {
  const times = runMinutes(fields);
  return Math.max(innerGap(times), dayGap(fields) * 1440 + times[0] - times[times.length - 1]);
}

/**
 * The longest time between two runs of a schedule, in minutes, or undefined
 * when it cannot be bounded closely (the caller asks for
 * `monitoring.backupMaxAge`). Never shorter than the real longest gap:
 * - `@every D`: D (at least a minute);
 * - five fields: the longest gap by the wall clock over the 28-year calendar
 *   cycle (wallGapMinutes), exact;
 * - in a time zone whose clock shifts (`TIME_ZONE_SHIFTS`), the real gap may
 *   exceed the wall-clock one by the range of its UTC offsets; when a run
 *   falls in a window the controller may skip (the wall-clock times a forward
 *   shift jumps over; any time for shifts that are not whole hours, which
 *   throw robfig/cron's hour-by-hour search off the hour), two gaps merge:
 *   twice the gap plus twice the range, for a schedule that runs every day;
 *   undefined for a sparser one (twice a week or a month is no useful bound).
 */
export function scheduleIntervalMinutes(schedule: string, timeZone = ''): number | undefined {
  const trimmed = schedule.trim();
  if (trimmed.startsWith(EVERY)) return everyMinutes(trimmed.slice(EVERY.length));
  const fields = scheduleFieldSets(trimmed);
  if (!fields) return undefined;
  const wall = wallGapMinutes(fields);
  const shifts = timeZone ? zoneShifts(timeZone) : undefined;
  if (!shifts) return wall;
  const times = runMinutes(fields);
  const skips = shifts.windows.some(([start, length]) => times.some((t) => (t - start + 1440) % 1440 < length));
  if (!skips) return wall + shifts.range;
  return wall <= 1440 ? 2 * wall + 2 * shifts.range : undefined;
}

/** `monitoring.backupMaxAge`, or the backup schedule's longest gap plus the margin. */
export function backupMaxAge(v: ResolvedValues): string {
  if (v.monitoring.backupMaxAge) return v.monitoring.backupMaxAge;
  const minutes = scheduleIntervalMinutes(v.backup.schedule, v.cronJob.timeZone);
  // checks.ts refuses these values first (maxAgeNotDerived); a schedule it refuses has no gap either.
  return minutes === undefined ? '' : minutesDuration(minutes + MAX_AGE_MARGIN_MINUTES);
}

/** Whether the values need a maximum age they neither set nor let the chart derive (checks.ts refuses them). */
export function maxAgeUnderivable(v: ResolvedValues): boolean {
  if (v.monitoring.backupMaxAge || !v.backup.enabled) return false;
  const used = (v.monitoring.prometheusRule.enabled && v.backup.mode === 'cronjob') || v.monitoring.freshness.enabled;
  return used && scheduleFieldSets(v.backup.schedule) !== undefined && scheduleIntervalMinutes(v.backup.schedule, v.cronJob.timeZone) === undefined;
}
