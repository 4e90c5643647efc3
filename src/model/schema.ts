/**
 * Derives the defaults and the JSON Schema of the values from `spec.ts`.
 */
import { cloneValues } from './merge';
import { Field, ObjectField, StringField } from './spec-types';
import { VALUES_SPEC } from './spec';

export type JsonSchema = Record<string, unknown>;

/** The JSON Schema `pattern` of a string field: the empty string passes when the default is empty. */
export function effectivePattern(field: StringField): string | undefined {
  if (!field.pattern) return undefined;
  return field.default === '' ? `^$|${field.pattern}` : field.pattern;
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
      if (field.maximum !== undefined) s.maximum = field.maximum;
      return s;
    }
    case 'stringMap':
      return {
        type: 'object',
        description,
        additionalProperties: { type: field.allowNumbers ? ['string', 'number'] : 'string' },
      };
    case 'stringList':
      return {
        type: 'array',
        description,
        items: field.itemEnum
          ? { type: 'string', enum: [...field.itemEnum] }
          : { type: 'string', ...(field.itemPattern ? { pattern: field.itemPattern } : {}) },
      };
    case 'kubernetes':
      if (field.list) {
        const items: JsonSchema = { type: 'object' };
        if (field.requiredKeys) items.required = [...field.requiredKeys];
        return { type: 'array', description, items };
      }
      return { type: 'object', description };
    case 'object':
      return objectSchema(field);
    case 'alias':
      return { ...fieldSchema(field.shape), description };
  }
}

function objectSchema(field: ObjectField): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [key, child] of Object.entries(field.fields)) properties[key] = fieldSchema(child);
  return { type: 'object', description: field.doc, additionalProperties: false, properties };
}

/** The JSON Schema of the whole values tree (draft-07, strict: unknown keys are rejected). */
export function valuesSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'infrahub-backup values',
    ...objectSchema(VALUES_SPEC),
  };
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
