/**
 * Schedules and time zones the maximum-age suites draw: sparse day-of-month and
 * month combinations, day-of-week OR day-of-month, steps, ranges, names, macros
 * and `@every`, hours biased to the hours clocks shift in.
 */
import * as fc from 'fast-check';

/** Zones with clock shifts of every kind, zones whose rules changed in the past (Apia, Asuncion, Moscow) and zones without. */
export const ZONES = [
  '',
  'UTC',
  'Europe/Paris',
  'America/New_York',
  'Australia/Lord_Howe',
  'Pacific/Apia',
  'America/Asuncion',
  'Europe/Moscow',
  'America/Santiago',
  'America/Havana',
  'Antarctica/Troll',
  'Europe/Dublin',
  'America/Nuuk',
  'Pacific/Chatham',
  'Asia/Tokyo',
  'Asia/Jerusalem',
];

const minute = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 59 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('0,30', '*/30', '15/20', '5,50', '0-10/5') },
);
const hourValue = fc.oneof(fc.constantFrom(0, 1, 2, 3, 23), fc.integer({ min: 0, max: 23 }));
const hour = fc.oneof(
  { weight: 5, arbitrary: hourValue.map(String) },
  { weight: 2, arbitrary: fc.uniqueArray(hourValue, { minLength: 2, maxLength: 3 }).map((h) => h.join(',')) },
  { weight: 1, arbitrary: fc.constantFrom('*/6', '1-3', '22-23', '*/8', '0-23/12') },
);
const dom = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('*', '?') },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 31 }).map(String) },
  { weight: 2, arbitrary: fc.constantFrom('29', '30', '31', '29-31', '1,31', '28-31/3', '1-31', '*/10', '15-20', '1,15', '30,31') },
);
const month = fc.oneof(
  { weight: 4, arbitrary: fc.constant('*') },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 12 }).map(String) },
  { weight: 2, arbitrary: fc.constantFrom('1,2', '1-11', 'FEB', 'feb,mar', '*/3', '2-12/5', 'JAN-MAR,dec', '3,10', '4,6,9,11', '1-12') },
);
const dow = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('*', '?') },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 6 }).map(String) },
  { weight: 2, arbitrary: fc.constantFrom('MON-FRI', 'sun', '0,6', '*/2', '1-5/2', '0-6', 'SAT', 'tue,thu') },
);
export const schedule = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(minute, hour, dom, month, dow).map((f) => f.join(' ')) },
  { weight: 1, arbitrary: fc.constantFrom('@yearly', '@monthly', '@weekly', '@daily', '@hourly', '@every 90m', '@every 25h', '@every 90s', '@every 168h') },
);
