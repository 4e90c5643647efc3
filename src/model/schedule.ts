/**
 * Cron schedules exactly as the Kubernetes API server accepts them for a new
 * CronJob: robfig/cron v3's standard parser (five fields or a descriptor), no
 * `TZ` anywhere (the API server refuses `TZ=`/`CRON_TZ=` in new objects), plus
 * one rule of this project: a schedule that can never fire (`0 0 31 2 *`) is
 * refused, because the controller would silently never run it.
 *
 * The values schema holds schedules to SCHEDULE_SHAPE (a short pattern, so
 * Helm's error stays readable); this module checks the rest. The chart applies
 * the same rules (`infrahub-backup.scheduleProblem` in _schedule.tpl) with the
 * same texts (messages.ts) and the same field table (SCHEDULE_FIELDS).
 */
import { problem, ProblemId } from './messages';

/** One field of a five-field schedule: its bounds and the names it takes. */
export interface ScheduleField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names (lowercase) and their numbers; case-insensitive, as robfig/cron reads them. */
  readonly names: Readonly<Record<string, number>>;
  /** What the field takes, completing "it takes ...". */
  readonly hint: string;
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** The five fields in order, with robfig/cron's bounds. */
export const SCHEDULE_FIELDS: readonly ScheduleField[] = [
  { name: 'minute', min: 0, max: 59, names: {}, hint: '0-59, lists (0,30), ranges (0-29) and steps (*/15)' },
  { name: 'hour', min: 0, max: 23, names: {}, hint: '0-23, lists (1,13), ranges (1-5) and steps (*/2)' },
  { name: 'day-of-month', min: 1, max: 31, names: {}, hint: '1-31, lists, ranges and steps; no L or W' },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: Object.fromEntries(MONTH_NAMES.map((n, i) => [n, i + 1])),
    hint: '1-12 or JAN-DEC, lists, ranges and steps',
  },
  {
    name: 'day-of-week',
    min: 0,
    max: 6,
    names: Object.fromEntries(DAY_NAMES.map((n, i) => [n, i])),
    hint: '0-6 or SUN-SAT (7 is not Sunday), lists, ranges and steps; no L or #',
  },
];

/** The descriptors of robfig/cron's standard parser, with the five fields each stands for. */
export const SCHEDULE_MACRO_FIELDS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** The descriptors of robfig/cron's standard parser. */
export const SCHEDULE_MACROS = Object.keys(SCHEDULE_MACRO_FIELDS);

/** A Go duration as time.ParseDuration reads it (the argument of `@every`). */
export const GO_PARSE_DURATION = '^[-+]?(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$';

/** One number and unit of a duration. */
export const DURATION_PART = '([0-9.]+)(ns|us|µs|μs|ms|s|m|h)';
/** Nanoseconds per duration unit. */
export const NANOSECONDS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
/** time.ParseDuration refuses durations beyond the int64 nanosecond range (2^63 - 1, which a double holds as 2^63). */
export const MAX_DURATION_NS = 2 ** 63;

/** The shape every schedule must have (JSON Schema pattern; means the same in JavaScript and Go). */
const FIELD = '[-+*?,/0-9A-Za-z]+';
export const SCHEDULE_SHAPE = `^(@[a-z]+|@every [-+.0-9a-zµμ]+|${FIELD}([ \\t]+${FIELD}){4})$`;

/** Days in each month, February counted in a leap year (robfig/cron looks five years ahead). */
export const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** What one field of a schedule selects: its values, and whether it holds `*` or `?` (robfig/cron's star bit). */
export interface FieldSet {
  readonly values: ReadonlySet<number>;
  readonly star: boolean;
}

function parseNumber(text: string, field: ScheduleField): number | undefined {
  const named = field.names[text.toLowerCase()];
  if (named !== undefined && /^[A-Za-z]+$/.test(text)) return named;
  // strconv.Atoi: an optional sign and decimal digits; robfig refuses negatives.
  if (!/^\+?[0-9]+$/.test(text)) return undefined;
  const digits = text.replace(/^\+?0*/, '');
  // Beyond int64, Atoi fails; any number above 1000 is out of range anyway, or as a step fires once.
  if (digits.length > 19 || (digits.length === 19 && digits > '9223372036854775807')) return undefined;
  return digits.length > 4 ? 10000 : Number(digits || '0');
}

/** robfig/cron's getField: comma-separated ranges, empty items skipped. */
function parseField(text: string, field: ScheduleField): FieldSet | undefined {
  const values = new Set<number>();
  let star = false;
  for (const item of text.split(',').filter((i) => i !== '')) {
    const rangeAndStep = item.split('/');
    if (rangeAndStep.length > 2) return undefined;
    const lowAndHigh = rangeAndStep[0].split('-');
    let start: number | undefined;
    let end: number | undefined;
    let itemStar = false;
    if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
      start = field.min;
      end = field.max;
      itemStar = true;
    } else {
      if (lowAndHigh.length > 2) return undefined;
      start = parseNumber(lowAndHigh[0], field);
      end = lowAndHigh.length === 2 ? parseNumber(lowAndHigh[1], field) : start;
    }
    let step = 1;
    if (rangeAndStep.length === 2) {
      const parsed = parseNumber(rangeAndStep[1], { ...field, names: {} });
      if (parsed === undefined) return undefined;
      step = parsed;
      if (lowAndHigh.length === 1) end = field.max;
      if (step > 1) itemStar = false;
    }
    if (start === undefined || end === undefined) return undefined;
    if (start < field.min || end > field.max || start > end || step === 0) return undefined;
    for (let n = start; n <= end; n += step) values.add(n);
    star = star || itemStar;
  }
  return { values, star };
}

/** Whether five parsed fields can ever fire (robfig/cron's day matching: AND when a day field has `*`, else OR). */
function fires(fields: FieldSet[]): boolean {
  const [minute, hour, dom, month, dow] = fields;
  if (minute.values.size === 0 || hour.values.size === 0 || month.values.size === 0) return false;
  const dayOk = (day: number): boolean => [...month.values].some((m) => day <= MONTH_DAYS[m - 1]);
  const anyDom = [...dom.values].some(dayOk);
  if (dom.star || dow.star) return anyDom && dow.values.size > 0;
  return anyDom || dow.values.size > 0;
}

/** Nanoseconds of a Go duration's magnitude (its sign left aside), summed part by part as the chart does. */
export function goDurationNs(text: string): number {
  let total = 0;
  for (const [, number, unit] of text.matchAll(new RegExp(DURATION_PART, 'gu'))) total += Number(number) * NANOSECONDS[unit];
  return total;
}

function durationProblem(text: string): boolean {
  if (!new RegExp(GO_PARSE_DURATION, 'u').test(text)) return true;
  return goDurationNs(text) > MAX_DURATION_NS;
}

/** The problem of a schedule, as `[id, args]`, or undefined when Kubernetes runs it. */
export function scheduleProblemId(schedule: string): [ProblemId, string[]] | undefined {
  if (schedule === '') return ['scheduleEmpty', []];
  if (schedule.includes('TZ')) return ['scheduleTimeZone', []];
  if (!new RegExp(SCHEDULE_SHAPE, 'u').test(schedule)) return ['scheduleShape', [schedule]];
  if (schedule.startsWith('@every ')) return durationProblem(schedule.slice(7)) ? ['scheduleShape', [schedule]] : undefined;
  if (schedule.startsWith('@')) return SCHEDULE_MACROS.includes(schedule) ? undefined : ['scheduleShape', [schedule]];
  const texts = schedule.split(/[ \t]+/);
  const fields: FieldSet[] = [];
  for (const [i, field] of SCHEDULE_FIELDS.entries()) {
    const parsed = parseField(texts[i], field);
    if (!parsed) return ['scheduleField', [schedule, field.name, texts[i], field.hint]];
    fields.push(parsed);
  }
  return fires(fields) ? undefined : ['scheduleNeverFires', [schedule]];
}

/**
 * What the five fields of a schedule Kubernetes accepts select (a macro read as
 * its five fields), or undefined for `@every` and for a schedule it refuses:
 * the one reading of a schedule the other modules build on (max-age.ts).
 */
export function scheduleFieldSets(schedule: string): FieldSet[] | undefined {
  if (scheduleProblemId(schedule) !== undefined || schedule.startsWith('@every ')) return undefined;
  const expression = SCHEDULE_MACRO_FIELDS[schedule] ?? schedule;
  const texts = expression.split(/[ \t]+/);
  const fields = SCHEDULE_FIELDS.map((field, i) => parseField(texts[i], field));
  return fields.every((f) => f !== undefined) ? fields : undefined;
}

/** Why Kubernetes would refuse a schedule (or it would never fire), or undefined when it is fine. */
export function scheduleProblem(schedule: string): string | undefined {
  const found = scheduleProblemId(schedule);
  return found ? problem(found[0], found[1], '').message : undefined;
}
