/**
 * Derives the defaults and the JSON Schema of the values from `spec.ts`.
 */
import { ENCRYPT_ARG_PATTERN, ENCRYPT_KEY_ENV, GO_FALSE, GO_TRUE, VALUE_FLAGS } from './encryption';
import { cloneValues } from './merge';
import { Field, ObjectField, StringField } from './spec-types';
import { VALUES_SPEC } from './spec';

export type JsonSchema = Record<string, unknown>;

/** The JSON Schema `pattern` of a string field: the empty string passes when the default is empty. */
export function effectivePattern(field: StringField): string | undefined {
  if (!field.pattern) return undefined;
  return field.default === '' ? `^$|${field.pattern}` : field.pattern;
}

/** The largest integer a value may hold: Kubernetes' int32 fields, and exact in float64 (Helm reads numbers as float64). */
export const MAX_INTEGER = 2147483647;

/**
 * Whether a user `null` is refused for this field. A `null` removes the key
 * and its default (Helm's rule); the key then takes its empty value ("",
 * false, not set, {}, []). Where that empty value is not valid (an enum, a
 * pattern that needs a value, an integer with a default, a list that needs an
 * item, a group of settings), the key is required instead, so both renderers
 * refuse the `null` naming its path.
 */
export function nullRefused(field: Field): boolean {
  switch (field.type) {
    case 'object':
      return true;
    case 'string': {
      if (field.enum && !field.enum.includes('')) return true;
      const pattern = effectivePattern(field);
      return pattern !== undefined && !new RegExp(pattern, 'u').test('');
    }
    case 'integer':
      return field.default !== null;
    case 'stringList':
      return (field.minItems ?? 0) > 0;
    case 'kubernetes':
      return field.list && (field.minItems ?? 0) > 0;
    default:
      return false;
  }
}

function fieldSchema(field: Field): JsonSchema {
  const description = field.doc;
  switch (field.type) {
    case 'string': {
      const s: JsonSchema = { type: 'string', description };
      if (field.enum) s.enum = [...field.enum];
      const pattern = effectivePattern(field);
      if (pattern) s.pattern = pattern;
      if (field.maxLength !== undefined) s.maxLength = field.maxLength;
      return s;
    }
    case 'boolean':
      return { type: 'boolean', description };
    case 'integer': {
      const s: JsonSchema = { type: field.default === null ? ['integer', 'null'] : 'integer', description };
      if (field.minimum !== undefined) s.minimum = field.minimum;
      s.maximum = field.maximum ?? MAX_INTEGER;
      return s;
    }
    case 'stringMap':
      return {
        type: 'object',
        description,
        additionalProperties: { type: field.allowNumbers ? ['string', 'number'] : 'string' },
      };
    case 'stringList': {
      const s: JsonSchema = {
        type: 'array',
        description,
        items: field.itemEnum
          ? { type: 'string', enum: [...field.itemEnum] }
          : { type: 'string', ...(field.itemPattern ? { pattern: field.itemPattern } : {}) },
      };
      if (field.minItems !== undefined) s.minItems = field.minItems;
      return s;
    }
    case 'kubernetes':
      if (field.list) {
        const items: JsonSchema = { type: 'object' };
        if (field.requiredKeys) items.required = [...field.requiredKeys];
        return { type: 'array', description, items, ...(field.minItems !== undefined ? { minItems: field.minItems } : {}) };
      }
      return { type: 'object', description };
    case 'object':
      return objectSchema(field, true);
    case 'alias':
      return { ...(field.shape.type === 'object' ? objectSchema(field.shape, false) : fieldSchema(field.shape)), description };
  }
}

function objectSchema(field: ObjectField, withDefaults: boolean): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [key, child] of Object.entries(field.fields)) properties[key] = fieldSchema(child);
  const schema: JsonSchema = { type: 'object', description: field.doc, additionalProperties: false, properties };
  // The chart's values.yaml holds every key: a missing one was removed by a user `null`.
  const required = withDefaults ? Object.entries(field.fields).filter(([, f]) => nullRefused(f)).map(([k]) => k) : [];
  if (required.length > 0) schema.required = required;
  return schema;
}

/** The JSON Schema of the whole values tree (draft-07, strict: unknown keys are rejected). */
export function valuesSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'infrahub-backup values',
    ...objectSchema(VALUES_SPEC, true),
  };
}

/** `{properties: {a: {properties: {b: S, ...}, required: [b]}}, required: [a]}` for a dotted path. */
function at(path: string, schema: JsonSchema): JsonSchema {
  return path
    .split('.')
    .reverse()
    .reduce<JsonSchema>((inner, key) => ({ properties: { [key]: inner }, required: [key] }), schema);
}

/** `{properties: {a: {properties: {b: S}}}}`: S applies where the path exists. */
function within(path: string, schema: JsonSchema): JsonSchema {
  return path
    .split('.')
    .reverse()
    .reduce<JsonSchema>((inner, key) => ({ properties: { [key]: inner } }), schema);
}

function allOf(...schemas: JsonSchema[]): JsonSchema {
  return { allOf: schemas };
}

const TRUE = { const: true };
const NON_EMPTY = { type: 'string', minLength: 1 };
const EMPTY = { type: 'string', maxLength: 0 };

/**
 * The cross-field rules of checks.ts as JSON Schema, so that `helm lint
 * --strict`, Argo CD and editors refuse what `helm template` refuses with a
 * `fail` message. Each `then` constrains the value the problem is reported
 * at, so Helm's error names that path. The aliases (`restore.s3.*`) count as
 * their canonical keys.
 */
export function crossFieldRules(): JsonSchema[] {
  const restoreFromS3 = allOf(at('restore.enabled', TRUE), at('restore.storage.type', { const: 's3' }));
  // An empty storage type means S3 when a bucket is set, else local (resolve.ts).
  const backupLocal = {
    anyOf: [at('backup.storage.type', { const: 'local' }), allOf(at('backup.storage.type', { const: '' }), within('backup.storage.s3.bucket', EMPTY))],
  };
  const encrypted = {
    anyOf: [
      at('backup.encryption.secretName', NON_EMPTY),
      at('backup.options.extraArgs', { contains: { type: 'string', pattern: ENCRYPT_ARG_PATTERN.source } }),
    ],
  };
  // What the schema can say of checks.ts keylessEncryption (the template finds the rest: order, the environment):
  // an argument that turns encryption on, none that turns it off, gives a key, ends the flags or takes the next
  // argument as its value, no key anywhere.
  const keylessEncrypt = allOf(
    at('backup.enabled', TRUE),
    within('backup.encryption.secretName', EMPTY),
    at('backup.options.extraArgs', { contains: { type: 'string', pattern: `^--encrypt(=(${GO_TRUE.join('|')}))?$` } }),
    { not: at('backup.options.extraArgs', { contains: { type: 'string', pattern: `^--$|^--encrypt-key|^--encrypt=(${GO_FALSE.join('|')})$|^(${VALUE_FLAGS.join('|')})$` } }) },
    { not: at('extraEnv', { contains: { type: 'object', properties: { name: { const: ENCRYPT_KEY_ENV } }, required: ['name'] } }) },
  );
  const backupToS3 = allOf(at('backup.enabled', TRUE), { not: backupLocal });
  const restoreFromS3Alone = allOf(restoreFromS3, { not: at('backup.enabled', TRUE) });
  const verified = allOf({ not: backupLocal }, at('backup.verification.enabled', TRUE));
  const noCredentialEgress = allOf(at('networkPolicy.enabled', TRUE), within('networkPolicy.credentialEndpoints', { maxItems: 0 }));
  return [
    {
      if: allOf(at('backup.enabled', TRUE), { not: at('backup.storage.type', { enum: ['s3', 'local'] }) }),
      then: at('backup.storage.s3.bucket', NON_EMPTY),
    },
    { if: keylessEncrypt, then: at('backup.encryption.secretName', NON_EMPTY) },
    {
      if: allOf(noCredentialEgress, backupToS3, within('backup.storage.s3.secretName', EMPTY)),
      then: at('networkPolicy.credentialEndpoints', { minItems: 1 }),
    },
    {
      if: allOf(noCredentialEgress, restoreFromS3Alone, within('restore.storage.s3.secretName', EMPTY), within('restore.s3.secretName', EMPTY)),
      then: at('networkPolicy.credentialEndpoints', { minItems: 1 }),
    },
    { if: at('backup.enabled', TRUE), then: within('restore.enabled', { const: false }) },
    {
      if: allOf(at('backup.enabled', TRUE), at('backup.storage.type', { const: 's3' })),
      then: at('backup.storage.s3.bucket', NON_EMPTY),
    },
    {
      if: allOf(at('backup.enabled', TRUE), backupLocal),
      then: allOf(
        within('backup.retention.enabled', { const: false }),
        within('backup.verification.enabled', { const: false }),
        within('monitoring.freshness.enabled', { const: false }),
      ),
    },
    {
      if: allOf(at('backup.enabled', TRUE), { not: backupLocal }, encrypted),
      then: allOf(within('backup.verification.enabled', { const: false }), within('backup.retention.enabled', { const: false })),
    },
    {
      if: allOf(at('restore.enabled', TRUE), at('restore.mode', { const: 'cronjob' })),
      then: at('restore.storage.type', { const: 's3' }),
    },
    { if: restoreFromS3, then: { anyOf: [at('restore.storage.s3.bucket', NON_EMPTY), at('restore.s3.bucket', NON_EMPTY)] } },
    // checks.ts heartbeatPinged: only a backup to S3 pings: its pod with the scale guard (on unless set
    // false, hence `within`), the retention, verification and freshness CronJobs.
    {
      if: {
        not: allOf(
          at('backup.enabled', TRUE),
          { not: backupLocal },
          { anyOf: [within('guard.enabled', TRUE), at('backup.retention.enabled', TRUE), at('backup.verification.enabled', TRUE), at('monitoring.freshness.enabled', TRUE)] },
        ),
      },
      then: within('monitoring.heartbeat.secretName', EMPTY),
    },
    {
      if: allOf(restoreFromS3, at('restore.storage.s3.latest', TRUE)),
      then: allOf(within('restore.storage.s3.key', EMPTY), within('restore.s3.key', EMPTY)),
    },
    {
      if: allOf(restoreFromS3, { not: at('restore.storage.s3.latest', TRUE) }),
      then: { anyOf: [at('restore.storage.s3.key', NON_EMPTY), at('restore.s3.key', NON_EMPTY)] },
    },
    // checks.ts: the second copy and Object Lock are steps of the verification CronJob, after s3 verify.
    { if: allOf(at('backup.enabled', TRUE), { not: verified }), then: within('backup.storage.s3.copy.enabled', { const: false }) },
    { if: allOf(at('backup.enabled', TRUE), at('backup.storage.s3.copy.enabled', TRUE)), then: at('backup.storage.s3.copy.bucket', NON_EMPTY) },
    { if: allOf(at('backup.enabled', TRUE), { not: verified }), then: within('backup.objectLock.enabled', { const: false }) },
    { if: allOf(at('backup.enabled', TRUE), at('backup.objectLock.enabled', TRUE)), then: at('backup.objectLock.days', { minimum: 1 }) },
    // checks.ts latestOfEncrypted: latest takes only proven archives, and an encrypted one never is.
    {
      if: allOf(restoreFromS3, at('restore.decryption.secretName', NON_EMPTY), { not: { anyOf: [at('restore.storage.s3.acceptUnproven', TRUE), at('restore.s3.acceptUnproven', TRUE)] } }),
      then: within('restore.storage.s3.latest', { const: false }),
    },
  ];
}

/** The chart's values.schema.json: the values schema and the cross-field rules. */
export function chartValuesSchema(): JsonSchema {
  return { ...valuesSchema(), allOf: crossFieldRules() };
}

function fieldDefault(field: Field): unknown {
  switch (field.type) {
    case 'object':
      return objectDefaults(field);
    case 'alias':
      return undefined;
    default:
      return cloneValues(field.default);
  }
}

function objectDefaults(field: ObjectField): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(field.fields)) {
    const value = fieldDefault(child);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The default values (what the chart's `values.yaml` holds). */
export function defaultValues(): Record<string, unknown> {
  return objectDefaults(VALUES_SPEC);
}

/** The value a leaf has when it is absent (Helm treats a missing key as empty). */
export function emptyValue(field: Field): unknown {
  switch (field.type) {
    case 'string':
      return '';
    case 'boolean':
      return false;
    case 'integer':
      return null;
    case 'stringMap':
      return {};
    case 'stringList':
      return [];
    case 'kubernetes':
      return field.list ? [] : {};
    case 'object':
      return {};
    case 'alias':
      return undefined;
  }
}
