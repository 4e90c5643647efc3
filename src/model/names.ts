/**
 * Object names and labels, built the way a Helm chart builds them, so that the
 * constructs and the chart name everything alike.
 */
import type * as Crypto from 'crypto';

export const CHART_NAME = 'infrahub-backup';

/** The default release name, as in `helm install infrahub-backup ...`. */
export const DEFAULT_RELEASE = 'infrahub-backup';

/**
 * Helm's `trunc N | trimSuffix "-"`, made strict: every trailing "-" and "."
 * goes, so a cut never leaves an invalid DNS name (`rel.-backup`).
 */
export function truncName(name: string, max: number): string {
  return name.slice(0, max).replace(/[-.]+$/, '');
}

/** `infrahub-backup.name`: the chart name or `nameOverride`. */
export function chartShortName(nameOverride: string): string {
  return truncName(nameOverride || CHART_NAME, 63);
}

/** `infrahub-backup.fullname`: `<release>-<name>`, or the release alone when it already holds the name. */
export function fullName(release: string, nameOverride: string, fullnameOverride: string): string {
  if (fullnameOverride) return truncName(fullnameOverride, 63);
  const name = nameOverride || CHART_NAME;
  return release.includes(name) ? truncName(release, 63) : truncName(`${release}-${name}`, 63);
}

/**
 * A name made of a base, a role and an optional hash, within `max` characters:
 * the base is shortened first so the role and hash always survive.
 */
export function suffixedName(base: string, role: string, hash: string | undefined, max: number): string {
  const suffix = hash ? `-${role}-${hash}` : `-${role}`;
  return `${truncName(base, max - suffix.length)}${suffix}`;
}

/**
 * The name of a CronJob that runs beside the backup CronJob, which is the
 * fullname itself (OpsMill's name for it): `<fullname>-<role>` within 52
 * characters, the base cut one character more when the cut would make it the
 * backup CronJob's name (a fullname ending in `-<role>` at the cut), since two
 * objects of one name would leave only the last one applied.
 */
export function sideCronJobName(fullname: string, role: string): string {
  const name = suffixedName(fullname, role, undefined, 52);
  return name === truncName(fullname, 52) ? suffixedName(fullname, role, undefined, name.length - 1) : name;
}

/**
 * JSON as Go's `encoding/json` writes it (and so Helm's `toJson`): map keys
 * sorted by their UTF-8 bytes (not by JavaScript's UTF-16 order, and never in
 * the integer-first order of JavaScript objects: `"10"` comes before `"9"`),
 * `<`, `>`, `&`, U+2028 and U+2029 escaped. The hashes below must be
 * computable by the chart's templates too.
 */
export function goJson(value: unknown): string {
  return goJsonOf(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Go's map key order: byte-wise on UTF-8. */
export function goKeyOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function goJsonOf(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : goJsonOf(item))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort(goKeyOrder);
    return `{${keys.map((key) => `${JSON.stringify(key)}:${goJsonOf(record[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The first 8 hex digits of the SHA-256 of a request's Go JSON: `sha256sum (toJson $request) | trunc 8`. */
export function requestHash(request: unknown): string {
  // Loaded here: `version`, `s3` and most syntheses never hash, and loading crypto costs more than the rest of this module.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on the first hash, as said above
  const { createHash } = require('crypto') as typeof Crypto;
  return createHash('sha256').update(goJson(request)).digest('hex').slice(0, 8);
}
