/**
 * From user values to a complete, checked, canonical values tree: Helm-style
 * merge over the defaults, JSON Schema validation, aliases folded into their
 * canonical paths, empty leaves filled in, cross-field checks.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { checkValues } from './checks';
import { formatProblem, ValuesError, ValuesProblem } from './errors';
import { IMAGE_REGISTRY_PATTERN, withRegistry } from './image-registry';
import { problem } from './messages';
import { AJV_OPTIONS } from './validator-options';
import { goJson } from './names';
import { cloneValues, coalesceWithDefaults, getPath, isPlainObject, setPath, Values } from './merge';
import { VALUES_SPEC } from './spec';
import { AliasField, fieldAt, Field, ObjectField, walkFields } from './spec-types';
import { defaultValues, emptyValue, valuesSchema } from './schema';
import type { RenderContext, ResolvedValues } from './types';
import { InfrahubBackupValues } from './values.generated';

let validator: ValidateFunction | undefined;

/** The values validator: compiled at build time (scripts/compile-validator.js), else here. */
function schemaValidator(): ValidateFunction {
  if (!validator) {
    try {
      validator = require('./values-validator') as ValidateFunction;
    } catch {
      // Loaded only here: ajv's compiler is most of a cold start's module loading.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiler loads only when the build-time validator is missing
      const Ajv = (require('ajv') as typeof import('ajv')).default;
      validator = new Ajv(AJV_OPTIONS).compile(valuesSchema());
    }
  }
  return validator;
}

const CREDENTIAL_KEY = /pass(word)?|secret(access)?key|access[-_]?key|token|credential|aws_/i;

function toDotted(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${goJson(value)}`;
}

function schemaProblem(error: ErrorObject, values: Values): ValuesProblem {
  const path = toDotted(error.instancePath);
  const specPath = path.replace(/\[\d+\]/g, '');
  const field = specPath ? fieldAt(VALUES_SPEC, specPath) : VALUES_SPEC;
  const value = getPathLoose(values, error.instancePath);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      const full = path ? `${path}.${key}` : key;
      const shape = field && field.type === 'alias' ? field.shape : field;
      const known = shape && shape.type === 'object' ? Object.keys(shape.fields) : [];
      if (CREDENTIAL_KEY.test(key)) {
        const hint = known.includes('secretName') ? `set ${path}.secretName` : 'reference a Secret';
        return { path: full, message: `credentials are not accepted in values: store them in a Kubernetes Secret and ${hint}` };
      }
      return { path: full, message: `unknown key; check its spelling (known keys here: ${known.join(', ')})` };
    }
    case 'enum': {
      if (field && field.type === 'string' && field.enumInDocs === false) {
        return { path, message: `${describe(value)} is not valid; it must be ${field.patternHint}` };
      }
      return { path, message: `${describe(value)} is not allowed; use one of: ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => (v === '' ? '"" (empty)' : String(v))).join(', ')}` };
    }
    case 'type':
      // `type` is an array for nullable fields (["integer", "null"]).
      return { path, message: `must be ${String((error.params as { type: string | string[] }).type).replace(/,/g, ' or ')}, not ${describe(value)}` };
    case 'pattern': {
      const hint = field && (field.type === 'string' || field.type === 'alias' || field.type === 'stringList') ? patternHintOf(field) : undefined;
      return { path, message: `${describe(value)} is not valid; it must be ${hint ?? `matching ${(error.params as { pattern: string }).pattern}`}` };
    }
    case 'maxLength':
      return { path, message: `is ${String(value).length} characters long; at most ${(error.params as { limit: number }).limit} are allowed` };
    case 'minimum':
      return { path, message: `${describe(value)} is too small; it must be at least ${(error.params as { limit: number }).limit}` };
    case 'maximum':
      return { path, message: `${describe(value)} is too large; it must be at most ${(error.params as { limit: number }).limit}` };
    case 'required': {
      // The merged values hold every key of the chart: a missing one was set to null.
      const key = (error.params as { missingProperty: string }).missingProperty;
      const full = path ? `${path}.${key}` : key;
      const missing = fieldAt(VALUES_SPEC, full);
      if (missing) return { path: full, message: nullMessage(missing) };
      return { path, message: `needs the key "${key}"` };
    }
    default:
      return { path, message: error.message ?? 'is not valid' };
  }
}

/** Why a null is refused for a field, and what to write instead. */
function nullMessage(field: Field): string {
  if (field.type === 'object') return 'is null, which would remove all of its settings: remove the line to keep the defaults, or set the keys inside it';
  const def = 'default' in field ? field.default : undefined;
  return `is null, and this setting cannot be empty: remove the line to keep the default (${goJson(def)}), or give a value`;
}

function patternHintOf(field: Field): string | undefined {
  if (field.type === 'alias') return patternHintOf(field.shape);
  if (field.type === 'stringList') return field.itemPatternHint;
  return field.type === 'string' ? field.patternHint : undefined;
}

function getPathLoose(values: Values, instancePath: string): unknown {
  let node: unknown = values;
  for (const part of instancePath.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '' && value !== false;
}

function foldAlias(values: Values, path: string, alias: AliasField, problems: ValuesProblem[]): void {
  const value = getPath(values, path);
  if (value === undefined) return;
  const pairs: Array<[string, string, unknown]> =
    alias.shape.type === 'object'
      ? Object.keys(alias.shape.fields).map((k) => [`${path}.${k}`, `${alias.of}.${k}`, isPlainObject(value) ? value[k] : undefined])
      : [[path, alias.of, value]];
  for (const [aliasPath, canonicalPath, aliasValue] of pairs) {
    const canonicalField = fieldAt(VALUES_SPEC, canonicalPath);
    const canonicalDefault = canonicalField && 'default' in canonicalField ? canonicalField.default : undefined;
    // An alias at the setting's default says nothing: the Infrahub umbrella
    // chart's values supply `restore.s3.region: us-east-1`, and Helm hands that
    // to this chart exactly as if the user had written it.
    if (!isSet(aliasValue) || aliasValue === canonicalDefault) continue;
    const canonical = getPath(values, canonicalPath);
    if (!isSet(canonical) || canonical === canonicalDefault) {
      setPath(values, canonicalPath, aliasValue);
    } else if (canonical !== aliasValue) {
      problems.push(problem('aliasConflict', [describe(aliasValue), canonicalPath, describe(canonical), canonicalPath], aliasPath));
    }
  }
  const parentPath = path.split('.').slice(0, -1).join('.');
  const parent = parentPath ? getPath(values, parentPath) : values;
  if (isPlainObject(parent)) delete parent[path.split('.').pop()!];
}

function fillEmpty(values: Values, spec: ObjectField): void {
  for (const [key, field] of Object.entries(spec.fields)) {
    if (field.type === 'alias') continue;
    if (values[key] === undefined || values[key] === null) values[key] = emptyValue(field);
    if (field.type === 'object') fillEmpty(values[key] as Values, field);
    if (field.type === 'kubernetes') values[key] = prune(values[key], field.pruneEmpty === true);
  }
}

/**
 * A pass-through Kubernetes value without the nulls inside its maps (Kubernetes
 * reads a null field as an absent one; both renderers leave them out), and
 * with `emptyMaps`, without the maps those removals left empty (the chart's
 * `infrahub-backup.prune`).
 */
export function prune(value: unknown, emptyMaps: boolean): unknown {
  if (Array.isArray(value)) return value.map((item: unknown) => (isPlainObject(item) || Array.isArray(item) ? prune(item, emptyMaps) : item));
  if (!isPlainObject(value)) return value;
  const out: Values = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === null || item === undefined) continue;
    if (isPlainObject(item) || Array.isArray(item)) {
      const inner = prune(item, emptyMaps);
      if (!emptyMaps || !isPlainObject(inner) || Object.keys(inner).length > 0) out[key] = inner;
    } else {
      out[key] = item;
    }
  }
  return out;
}

/**
 * Settings whose default depends on other values (the chart's deployment
 * helper derives them the same way): backups go to S3 when a bucket is named,
 * else to the backup directory. An enabled backup with neither a type nor a
 * bucket is refused: OpsMill's chart means S3 there, and an archive in the
 * pod's emptyDir would vanish with the pod; local storage must be chosen.
 */
function deriveDefaults(v: ResolvedValues, problems: ValuesProblem[]): void {
  const storage = v.backup.storage as { type: string; s3: { bucket: string } };
  if (storage.type !== '') return;
  if (v.backup.enabled && !storage.s3.bucket) problems.push(problem('backupStorageUnset'));
  storage.type = storage.s3.bucket ? 's3' : 'local';
}

/**
 * `global.imageRegistry` (a parent chart's global, or the user's): every
 * image repository is pulled from that registry (the chart's resolved helper
 * does the same).
 */
function applyImageRegistry(values: Values, problems: ValuesProblem[]): void {
  const registry = isPlainObject(values.global) ? values.global.imageRegistry : undefined;
  if (registry === undefined || registry === null || registry === '') return;
  if (typeof registry !== 'string' || !new RegExp(IMAGE_REGISTRY_PATTERN).test(registry)) {
    problems.push(problem('invalidImageRegistry', [goJson(registry)]));
    return;
  }
  for (const image of [values.image, (values.companion as Values).image] as Values[]) {
    image.repository = withRegistry(image.repository as string, registry);
  }
}

/** Merges user values over the defaults as Helm does (the chart's `.Values`). */
export function mergedValues(user: Values): Values {
  return coalesceWithDefaults(user, defaultValues());
}

/**
 * Checks user values and returns the canonical, complete tree.
 * @throws ValuesError listing every problem found
 */
export function resolveValues(user: InfrahubBackupValues | Values, context: RenderContext): ResolvedValues {
  if (!isPlainObject(user)) throw new ValuesError([{ path: '', message: 'values must be a map of keys' }]);
  const merged = mergedValues(cloneValues(user));
  const validate = schemaValidator();
  const problems: ValuesProblem[] = [];
  // Paths (dotted) whose value the schema refused and that were replaced by their default.
  const replaced: string[] = [];
  if (!validate(merged)) {
    const schemaProblems = dedupe((validate.errors ?? []).map((e) => schemaProblem(e, merged)));
    // Every problem in one run: the refused values go back to their defaults, and the
    // cross-field checks run on the rest; those that involve a replaced value are dropped.
    if (!replaceRefused(merged, validate, replaced)) throw new ValuesError(schemaProblems);
    problems.push(...schemaProblems);
  }
  const schemaCount = problems.length;
  walkFields(VALUES_SPEC.fields, (path, field) => {
    if (field.type === 'alias') foldAlias(merged, path, field, problems);
  });
  fillEmpty(merged, VALUES_SPEC);
  deriveDefaults(merged as unknown as ResolvedValues, problems);
  applyImageRegistry(merged, problems);
  delete merged.global;
  delete merged.enabled;
  const resolved = merged as unknown as ResolvedValues;
  for (const p of checkValues(resolved, context)) problems.push(p);
  const kept = problems.filter((p, i) => i < schemaCount || !involvesReplaced(p, replaced));
  if (kept.length > 0) throw new ValuesError(dedupe(kept));
  return resolved;
}

/** JSON pointer segments of an ajv instancePath. */
function pointerKeys(instancePath: string): string[] {
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * Replaces every value the schema refuses by the chart's default at that path
 * (a list item: the whole list; an unknown key: removed; no default: removed),
 * until the tree validates. Records the replaced paths; false when a few
 * rounds do not make the tree valid.
 */
function replaceRefused(values: Values, validate: ValidateFunction, replaced: string[]): boolean {
  const defaults = defaultValues();
  for (let round = 0; round < 4; round++) {
    for (const error of validate.errors ?? []) {
      const keys = pointerKeys(error.instancePath);
      if (error.keyword === 'additionalProperties') keys.push((error.params as { additionalProperty: string }).additionalProperty);
      else if (error.keyword === 'required') keys.push((error.params as { missingProperty: string }).missingProperty);
      // Up to the first list index: a list is replaced whole.
      const index = keys.findIndex((k) => /^\d+$/.test(k));
      const path = index < 0 ? keys : keys.slice(0, index);
      if (path.length === 0) return false;
      const dotted = path.join('.');
      const fallback = error.keyword === 'additionalProperties' ? undefined : getPath(defaults, dotted);
      const parent = path.length === 1 ? values : getPath(values, path.slice(0, -1).join('.'));
      if (!isPlainObject(parent)) return false;
      if (fallback === undefined) delete parent[path[path.length - 1]];
      else setPath(values, dotted, cloneValues(fallback));
      if (!replaced.includes(dotted)) replaced.push(dotted);
    }
    if (validate(values)) return true;
  }
  return false;
}

/** Whether a problem found after replacing refused values is about one of them (its path or its text names one). */
function involvesReplaced(p: ValuesProblem, replaced: string[]): boolean {
  return replaced.some(
    (r) => p.path === r || p.path.startsWith(`${r}.`) || p.path.startsWith(`${r}[`) || r.startsWith(`${p.path}.`) || p.message.includes(r),
  );
}

function dedupe(problems: ValuesProblem[]): ValuesProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const line = formatProblem(p);
    if (seen.has(line)) return false;
    seen.add(line);
    return true;
  });
}
