/**
 * The clock shifts each time zone will make from 2027 to 2054 (a 28-year
 * calendar cycle), read from the tzdata package's rules: the range of its UTC
 * offsets and the wall-clock windows of its forward shifts. The maximum age
 * (src/model/max-age.ts) needs nothing else from the zone.
 */


/** The first year and the number of years the shifts cover. */
export const SHIFT_FIRST_YEAR = 2027;
export const SHIFT_YEARS = 28;

import type { ZoneShifts } from '../src/model/zone-shifts';

type RuleEntry = [string, string, string, string, string, [string, string, string, string | null], string, string];
interface TzData {
  readonly zones: Record<string, string | Array<[string, string, string, string | null]>>;
  readonly rules: Record<string, RuleEntry[]>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const DAY_MS = 86400000;

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

/** The shifts of every zone (links resolved) whose offset changes in the covered years. */
export function zoneShifts(tzdata: TzData): Record<string, ZoneShifts> {
  const result: Record<string, ZoneShifts> = {};
  for (const name of Object.keys(tzdata.zones).sort()) {
    let zone = tzdata.zones[name];
    while (typeof zone === 'string') zone = tzdata.zones[zone];
    const [gmtoff, ruleName] = zone[zone.length - 1];
    const previous = zone[zone.length - 2];
    if (previous && Number(previous[3]) >= Date.UTC(SHIFT_FIRST_YEAR, 0, 1)) {
      throw new Error(`${name} changes its rules after ${SHIFT_FIRST_YEAR}: zoneShifts reads only a zone's last line`);
    }
    const rules = tzdata.rules[ruleName];
    if (!rules) continue;
    const std = -Number(gmtoff);
    // Each rule's dates from the year before (to know the save in force) to the end of the cycle.
    const changes: Array<{ local: number; suffix: string | null; save: number }> = [];
    for (const [from, to, , month, on, at, save] of rules) {
      const first = Number(from);
      const end = to === 'only' ? first : to === 'max' ? Infinity : Number(to);
      for (let y = Math.max(first, SHIFT_FIRST_YEAR - 1); y <= Math.min(end, SHIFT_FIRST_YEAR + SHIFT_YEARS); y++) {
        const minutes = Number(at[0]) * 60 + Math.sign(Number(at[0]) || 1) * Number(at[1]);
        changes.push({ local: ruleDay(y, MONTHS.indexOf(month), on) + minutes * 60000, suffix: at[3], save: Number(save) });
      }
    }
    if (changes.length === 0) continue;
    changes.sort((a, b) => a.local - b.local);
    let saveBefore = changes[0].save; // refined by the walk: the first change is in the year before the cycle
    const saves = new Set<number>();
    const windows = new Map<string, [number, number]>();
    const start = Date.UTC(SHIFT_FIRST_YEAR, 0, 1);
    const end = Date.UTC(SHIFT_FIRST_YEAR + SHIFT_YEARS, 0, 1);
    for (const change of changes) {
      const utc = change.local - (change.suffix === 'u' || change.suffix === 'g' || change.suffix === 'z' ? 0 : std * 60000) - (change.suffix === null || change.suffix === 'w' ? saveBefore * 60000 : 0);
      if (utc >= start && utc < end) {
        saves.add(saveBefore);
        saves.add(change.save);
        const shift = change.save - saveBefore;
        if (shift !== 0) {
          // A shift of whole hours skips the wall-clock times it jumps over; any other throws
          // robfig/cron's hour-by-hour search off the hour for the rest of that search: any time.
          const wall = (((utc + (std + saveBefore) * 60000) % DAY_MS) + DAY_MS) % DAY_MS / 60000;
          const window: [number, number] = shift % 60 !== 0 ? [0, 1440] : shift > 0 ? [wall, shift] : [0, 0];
          if (window[1] > 0) windows.set(window.join(), window);
        }
      } else if (utc < start) {
        saves.clear();
      }
      saveBefore = change.save;
    }
    if (saves.size < 2) continue;
    const sorted = [...windows.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const whole = sorted.find((w) => w[1] >= 1440);
    result[name] = { range: Math.max(...saves) - Math.min(...saves), windows: whole ? [whole] : sorted };
  }
  return result;
}
