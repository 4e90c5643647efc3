/**
 * The clock shifts of the time zones (generated from the tzdata package by
 * scripts/time-zone-shifts.ts into time-zones.generated.ts, loaded on first use).
 */

import type { ZoneShifts } from './time-zones.generated';

export type { ZoneShifts };

/** The shifts of a zone, or undefined when its UTC offset never changes. */
export function zoneShifts(zone: string): ZoneShifts | undefined {
  const shifts = (require('./time-zones.generated') as typeof import('./time-zones.generated')).TIME_ZONE_SHIFTS;
  return Object.prototype.hasOwnProperty.call(shifts, zone) ? shifts[zone] : undefined;
}
