/**
 * The clock shifts of the time zones (generated from the tzdata package by
 * scripts/time-zone-shifts.ts into time-zones.generated.ts, loaded on first use).
 */

/** What a zone's clock does from 2027 to 2054 (a 28-year calendar cycle). */
export interface ZoneShifts {
  /** Minutes between its smallest and its largest UTC offset. */
  readonly range: number;
  /** Wall-clock windows `[start minute of the day, length in minutes]` in which the controller may skip a run. */
  readonly windows: ReadonlyArray<readonly [number, number]>;
}

/** The shifts of a zone, or undefined when its UTC offset never changes. */
export function zoneShifts(zone: string): ZoneShifts | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const shifts = (require('./time-zones.generated') as typeof import('./time-zones.generated')).TIME_ZONE_SHIFTS;
  return Object.prototype.hasOwnProperty.call(shifts, zone) ? shifts[zone] : undefined;
}
