/**
 * Calendar buckets of calendar retention (`prune --keep-daily/--keep-weekly/
 * --keep-monthly/--keep-yearly`): the day, ISO week, month and year an instant
 * falls in, in an IANA time zone, from Intl.DateTimeFormat (the runtime's own
 * tz data: no table of offsets here). Pure.
 */
import { InputError } from '../input-error';

/** The calendar rules, smallest bucket first. */
export const CALENDAR_RULES = ['daily', 'weekly', 'monthly', 'yearly'] as const;
export type CalendarRule = (typeof CALENDAR_RULES)[number];

/** What a bucket of each rule is called in the reports. */
export const BUCKET_NOUN: Readonly<Record<CalendarRule, string>> = { daily: 'day', weekly: 'week', monthly: 'month', yearly: 'year' };

/** The default time zone of the calendar rules. */
export const DEFAULT_TIME_ZONE = 'UTC';

/** The bucket keys of an instant: `2026-12-07`, `2026-W49`, `2026-12`, `2026`; they sort as their buckets do. */
export type Buckets = Readonly<Record<CalendarRule, string>>;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', calendar: 'iso8601', numberingSystem: 'latn' });
    formatters.set(timeZone, f);
  }
  return f;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The local calendar date of an instant in a time zone. */
export function localDate(time: number, timeZone: string): { year: number; month: number; day: number } {
  const parts = formatter(timeZone).formatToParts(new Date(time));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

/** The ISO 8601 week (weeks start on Monday; week 1 holds the year's first Thursday) of a calendar date. */
export function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = Date.UTC(year, month - 1, day);
  const weekday = (new Date(date).getUTCDay() + 6) % 7; // Monday 0 ... Sunday 6
  const thursday = new Date(date + (3 - weekday) * 86_400_000);
  const weekYear = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(weekYear, 0, 1)) / (7 * 86_400_000)) + 1;
  return { year: weekYear, week };
}

/** The buckets an instant falls in, in `timeZone`. */
export function bucketsOf(time: number, timeZone: string): Buckets {
  const { year, month, day } = localDate(time, timeZone);
  const week = isoWeek(year, month, day);
  return {
    daily: `${pad(year, 4)}-${pad(month)}-${pad(day)}`,
    weekly: `${pad(week.year, 4)}-W${pad(week.week)}`,
    monthly: `${pad(year, 4)}-${pad(month)}`,
    yearly: pad(year, 4),
  };
}

/**
 * The time zone of `--time-zone`: an IANA name as the CronJob controller
 * knows it (the generated zone table, as `cronJob.timeZone` is checked) that
 * this runtime can also compute with. Returns the name; InputError otherwise.
 */
export function checkTimeZone(raw: string, flag = '--time-zone'): string {
  const name = raw.trim();
  // Loaded only when a zone other than UTC is asked for.
  const known = name === DEFAULT_TIME_ZONE || (require('../model/time-zones.generated') as typeof import('../model/time-zones.generated')).TIME_ZONE_NAMES.includes(name);
  if (!known) throw new InputError([`${flag}: ${JSON.stringify(raw)} is not an IANA time zone name (like UTC, Europe/Berlin or America/Sao_Paulo): use the name cronJob.timeZone takes`]);
  try {
    formatter(name);
  } catch {
    throw new InputError([`${flag}: ${JSON.stringify(raw)} is a time zone this runtime's time zone data does not know: use UTC or a zone it knows`]);
  }
  return name;
}
