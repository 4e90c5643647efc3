/**
 * Durations as Prometheus writes them (`26h`, `1d2h`, `90m`, `2w`): one or
 * more groups of a whole number and a unit, units w, d, h, m, s, each at most
 * once and in that order. Pure.
 */
import { InputError } from '../input-error';

const DURATION = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const UNIT_MS = [7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000];

/** Milliseconds of a duration, or undefined if the text is not one (or is zero). */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (match === null || text === '') return undefined;
  let ms = 0;
  for (let i = 0; i < UNIT_MS.length; i++) {
    if (match[i + 1] !== undefined) ms += Number(match[i + 1]) * UNIT_MS[i];
  }
  return ms > 0 && Number.isSafeInteger(ms) ? ms : undefined;
}

/** A duration flag's value in milliseconds; an InputError naming the flag otherwise. */
export function durationFlag(raw: string, flag: string): number {
  const ms = parseDuration(raw.trim());
  if (ms === undefined) {
    throw new InputError([`${flag}: "${raw}" is not a duration: whole numbers with units w, d, h, m, s in that order, like 26h, 1d2h, 90m or 2w`]);
  }
  return ms;
}

/** An age for people: `1d 2h 3m`, `45s`. */
export function formatAge(ms: number): string {
  let seconds = Math.max(0, Math.floor(ms / 1000));
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds >= size) {
      parts.push(`${Math.floor(seconds / size)}${unit}`);
      seconds %= size;
    }
  }
  if (seconds > 0 || parts.length === 0) parts.push(`${seconds}s`);
  return parts.join(' ');
}
