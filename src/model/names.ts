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
 * JSON as Go's `encoding/json` writes it (and so Helm's `toJson`): map keys
 * sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped. The hashes below must be
 * computable by the chart's templates too.
 */
export function goJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/** The first 8 hex digits of the SHA-256 of a request's Go JSON: `sha256sum (toJson $request) | trunc 8`. */
export function requestHash(request: unknown): string {
  // Loaded here: `version`, `s3` and most syntheses never hash, and loading crypto costs more than the rest of this module.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash } = require('crypto') as typeof Crypto;
  return createHash('sha256').update(goJson(request)).digest('hex').slice(0, 8);
}
