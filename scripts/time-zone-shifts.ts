/**
 * The clock shifts each time zone will make from 2027 to 2054 (a 28-year
 * calendar cycle), or made under the rules it had since 2020, read from the
 * tzdata package's rules: the range of its UTC offsets and the wall-clock
 * windows of its forward shifts. The maximum age
 * (src/model/max-age.ts) needs nothing else from the zone.
 */


/** The first year and the number of years the shifts cover. */
export const SHIFT_FIRST_YEAR = 2027;
export const SHIFT_YEARS = 28;
/** Rules in force since this year count too (a controller's zoneinfo may be that old). */
export const RULES_SINCE = 2020;

import type { ZoneShifts } from '../src/model/zone-shifts';

type RuleEntry = [string, string, string, string, string, [string, string, string, string | null], string, string];
interface TzData {
  readonly zones: Record<string, string | Array<[string, string, string, string | null]>>;
  readonly rules: Record<string, RuleEntry[]>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const DAY_MS = 86400000;
const DAY_MINUTES = 1440;

/** The day (UTC midnight, in ms) a rule's ON field names in a month. */
function ruleDay(year: number, month: number, on: string): number {
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const weekday = (day: number) => new Date(Date.UTC(year, month, day)).getUTCDay();
  let day: number;
  const lastMatch = /^last([A-Z][a-z]{2})$/.exec(on);
  const relative = /^([A-Z][a-z]{2})([<>]=)([0-9]+)$/.exec(on);
  if (lastMatch) {
    const target = DAYS.indexOf(lastMatch[1]);
    day = last;
    while (weekday(day) !== target) day--;
  } else if (relative) {
    const target = DAYS.indexOf(relative[1]);
    day = Number(relative[3]);
    const step = relative[2] === '>=' ? 1 : -1;
    while (weekday(day) !== target) day += step; // may leave the month, as zic allows
  } else {
    day = Number(on);
  }
  return Date.UTC(year, month, day);
}

/**
 * The wall-clock windows and the offset range of one set of rules at one
 * standard offset, over the years from `first` to the end of the cycle.
 */
function ruleShifts(std: number, rules: readonly RuleEntry[], first: number): { range: number; windows: Array<[number, number]> } {
  // Each rule's dates from the year before (to know the save in force) to the end of the cycle.
  const changes: Array<{ local: number; suffix: string | null; save: number }> = [];
  for (const [from, to, , month, on, at, save] of rules) {
    const start = Number(from);
    const end = to === 'only' ? start : to === 'max' ? Infinity : Number(to);
    for (let y = Math.max(start, first - 1); y <= Math.min(end, SHIFT_FIRST_YEAR + SHIFT_YEARS); y++) {
      const minutes = Number(at[0]) * 60 + Math.sign(Number(at[0]) || 1) * Number(at[1]);
      changes.push({ local: ruleDay(y, MONTHS.indexOf(month), on) + minutes * 60000, suffix: at[3], save: Number(save) });
    }
  }
  changes.sort((a, b) => a.local - b.local);
  let saveBefore = changes.length > 0 ? changes[0].save : 0;
  const saves = new Set<number>();
  const windows: Array<[number, number]> = [];
  const from = Date.UTC(first, 0, 1);
  const until = Date.UTC(SHIFT_FIRST_YEAR + SHIFT_YEARS, 0, 1);
  for (const change of changes) {
    const universal = change.suffix === 'u' || change.suffix === 'g' || change.suffix === 'z';
    const utc = change.local - (universal ? 0 : std * 60000) - (change.suffix === null || change.suffix === 'w' ? saveBefore * 60000 : 0);
    const shift = change.save - saveBefore;
    if (utc >= from && utc < until && shift !== 0) {
      saves.add(saveBefore);
      saves.add(change.save);
      // A shift of whole hours skips the wall-clock times it jumps over; any other throws
      // robfig/cron's hour-by-hour search off the hour for the rest of that search: any time.
      const wall = ((((utc + (std + saveBefore) * 60000) % DAY_MS) + DAY_MS) % DAY_MS) / 60000;
      // A forward shift over midnight at a UTC offset of zero or more: robfig/cron's day search
      // (midnight by midnight) gets Go's 01:00 for the missing midnight, steps back to 23:00 the
      // day before and on to the next midnight, skipping the whole day: any time, too.
      const overMidnight = shift > 0 && (DAY_MINUTES - wall) % DAY_MINUTES < shift && std + saveBefore >= 0;
      if (shift % 60 !== 0 || overMidnight) windows.push([0, 1440]);
      else if (shift > 0) windows.push([wall, shift]);
    }
    saveBefore = change.save;
  }
  return { range: saves.size > 0 ? Math.max(...saves) - Math.min(...saves) : 0, windows };
}

/**
 * The shifts of every zone (links resolved) whose offset changes: the union,
 * over every line of the zone in force since RULES_SINCE, of the shifts its
 * rules make from RULES_SINCE to the end of the cycle. A controller whose
 * zoneinfo predates a recent change of a zone's rules (America/Vancouver
 * keeping standard time, Morocco ending its Ramadan shifts) still shifts as
 * the older rules say, so the older rules count too.
 */
export function zoneShifts(tzdata: TzData): Record<string, ZoneShifts> {
  const result: Record<string, ZoneShifts> = {};
  const since = Date.UTC(RULES_SINCE, 0, 1);
  for (const name of Object.keys(tzdata.zones).sort()) {
    let zone = tzdata.zones[name];
    while (typeof zone === 'string') zone = tzdata.zones[zone];
    let range = 0;
    const windows = new Map<string, [number, number]>();
    for (const [gmtoff, ruleName, , until] of zone) {
      const rules = tzdata.rules[ruleName];
      if (!rules || (until !== null && Number(until) < since)) continue;
      const shifts = ruleShifts(-Number(gmtoff), rules, RULES_SINCE);
      range = Math.max(range, shifts.range);
      for (const w of shifts.windows) windows.set(w.join(), w);
    }
    if (range === 0) continue;
    const sorted = [...windows.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const whole = sorted.find((w) => w[1] >= 1440);
    result[name] = { range, windows: whole ? [whole] : sorted };
  }
  return result;
}
