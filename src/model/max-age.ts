/**
 * How old the newest backup may be before it counts as missing
 * (`monitoring.backupMaxAge`), and durations in the syntax Prometheus and
 * `s3 latest --max-age` share. The chart derives the same figures in
 * `_monitoring.tpl`, step by step as here.
 */
import type { ResolvedValues } from './resolve';
import { goDurationNs, SCHEDULE_FIELDS, SCHEDULE_MACRO_FIELDS } from './schedule';

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

/** Month and day names (upper case) and their numbers, from the schedule fields. */
export const CRON_NAMES: Readonly<Record<string, number>> = Object.fromEntries(
  SCHEDULE_FIELDS.flatMap((field) => Object.entries(field.names).map(([name, n]) => [name.toUpperCase(), n])),
);

function fieldNumber(text: string): number {
  const named = CRON_NAMES[text.toUpperCase()];
  return named ?? parseInt(text, 10);
}

/**
 * The sorted values a cron field selects within [lo, hi]. Items are `*`, `?`,
 * `a` or `a-b`, each with an optional `/step`; a bare `a/step` runs to `hi`.
 * A field that selects nothing (a reversed range) counts as every value.
 */
export function fieldValues(field: string, lo: number, hi: number): number[] {
  const selected = new Set<number>();
  for (const item of field.split(',')) {
    const [base, stepText] = item.split('/');
    const step = Math.max(1, stepText === undefined ? 1 : parseInt(stepText, 10) || 1);
    let from = lo;
    let to = hi;
    if (base !== '*' && base !== '?') {
      const [a, b] = base.split('-');
      from = fieldNumber(a);
      to = b !== undefined ? fieldNumber(b) : stepText !== undefined ? hi : from;
    }
    for (let x = from; x <= to && x <= hi; x += step) selected.add(x);
  }
  const values = [...selected].sort((x, y) => x - y);
  return values.length > 0 ? values : Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

/** The largest difference between consecutive values (0 for one value). */
function innerGap(values: number[]): number {
  let gap = 0;
  for (let i = 1; i < values.length; i++) gap = Math.max(gap, values[i] - values[i - 1]);
  return gap;
}

/** The largest gap between consecutive values on a cycle of `period` (wrapping around). */
function cyclicGap(values: number[], period: number): number {
  return Math.max(innerGap(values), values[0] + period - values[values.length - 1]);
}

/**
 * The longest gap in days between days of the month: the days every month has
 * (1 to 28) on a cycle of 31 days; with only days some months lack (29 to 31),
 * one month more, as a month without them is skipped.
 */
function monthDayGap(days: number[]): number {
  const everyMonth = days.filter((d) => d <= 28);
  return everyMonth.length > 0 ? cyclicGap(everyMonth, 31) : cyclicGap(days, 31) + 31;
}

/**
 * The longest time between two runs of a schedule, in minutes. Within a day
 * the runs are hours × minutes; across days they repeat daily, on the days of
 * the week, on the days of the month (monthDayGap), or on the months of a year
 * of 31-day months, whichever the schedule restricts (with both a day of the
 * month and a day of the week, the runs of either: the shorter gap bounds it).
 * Never shorter than the real longest gap.
 */
export function scheduleIntervalMinutes(schedule: string): number {
  const trimmed = schedule.trim();
  if (trimmed.startsWith(EVERY)) return everyMinutes(trimmed.slice(EVERY.length));
  const expression = CRON_MACROS[trimmed] ?? trimmed;
  const [minute = '*', hour = '*', dom = '*', month = '*', dow = '*'] = expression.split(/\s+/);
  const minutes = fieldValues(minute, 0, 59);
  const hours = fieldValues(hour, 0, 23);
  const days = fieldValues(dom, 1, 31);
  const months = fieldValues(month, 1, 12);
  const weekdays = [...new Set(fieldValues(dow, 0, 7).map((d) => d % 7))].sort((x, y) => x - y);

  let dayGap: number;
  if (months.length < 12) dayGap = cyclicGap(months, 12) * 31;
  else if (days.length < 31 && weekdays.length < 7) dayGap = Math.min(monthDayGap(days), cyclicGap(weekdays, 7));
  else if (days.length < 31) dayGap = monthDayGap(days);
  else if (weekdays.length < 7) dayGap = cyclicGap(weekdays, 7);
  else dayGap = 1;

  const first = hours[0] * 60 + minutes[0];
  const last = hours[hours.length - 1] * 60 + minutes[minutes.length - 1];
  return Math.max(innerGap(minutes), innerGap(hours) * 60 + minutes[0] - minutes[minutes.length - 1], dayGap * 1440 + first - last);
}

/** `monitoring.backupMaxAge`, or the backup schedule's longest gap plus the margin. */
export function backupMaxAge(v: ResolvedValues): string {
  if (v.monitoring.backupMaxAge) return v.monitoring.backupMaxAge;
  return minutesDuration(scheduleIntervalMinutes(v.backup.schedule) + MAX_AGE_MARGIN_MINUTES);
}
