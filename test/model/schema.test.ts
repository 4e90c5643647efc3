import Ajv from 'ajv';
import { ValuesError } from '../../src/model/errors';
import { getPath, setPath, Values } from '../../src/model/merge';
import { mergedValues, resolveValues } from '../../src/model/resolve';
import { defaultValues, effectivePattern, JsonSchema, valuesSchema } from '../../src/model/schema';
import { VALUES_SPEC } from '../../src/model/spec';
import { Field, ObjectField, walkFields } from '../../src/model/spec-types';

const CONTEXT = { release: 'infrahub-backup', namespace: 'infrahub' };

function compile() {
  return new Ajv({ allErrors: true, strict: false }).compile(valuesSchema());
}

/** Every object level of the values tree, alias shapes included, with its dotted path ('' for the root). */
function objectLevels(): Array<[string, ObjectField]> {
  const out: Array<[string, ObjectField]> = [['', VALUES_SPEC]];
  const visit = (fields: Readonly<Record<string, Field>>, prefix: string) => {
    for (const [key, field] of Object.entries(fields)) {
      const path = prefix ? `${prefix}.${key}` : key;
      const node = field.type === 'alias' ? field.shape : field;
      if (node.type === 'object') {
        out.push([path, node]);
        visit(node.fields, path);
      }
    }
  };
  visit(VALUES_SPEC.fields, '');
  return out;
}

/** Every field of the tree with its path (alias shapes not entered). */
function allFields(): Array<[string, Field]> {
  const out: Array<[string, Field]> = [];
  walkFields(VALUES_SPEC.fields, (path, field) => out.push([path, field]));
  return out;
}

const LEAVES = allFields().filter(([, f]) => f.type !== 'object');
const STRING_LEAVES = LEAVES.filter((e): e is [string, Extract<Field, { type: 'string' }>] => e[1].type === 'string');

describe('defaults and schema agree', () => {
  test('defaultValues() validates against valuesSchema()', () => {
    const validate = compile();
    const ok = validate(defaultValues());
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test('the schema is a strict draft-07 schema that ajv compiles in strict mode (unknown keywords, formats and types)', () => {
    const schema = valuesSchema();
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.additionalProperties).toBe(false);
    expect(() => new Ajv({ strict: true, strictRequired: false, allowUnionTypes: true }).compile(schema)).not.toThrow();
  });

  test('the defaults resolve without problems', () => {
    expect(() => resolveValues(defaultValues(), CONTEXT)).not.toThrow();
  });

  test('every leaf except aliases has its default in defaultValues()', () => {
    const defaults = defaultValues();
    for (const [path, field] of LEAVES) {
      if (field.type === 'alias') {
        expect(getPath(defaults, path)).toBeUndefined();
      } else if (field.type !== 'object') {
        expect({ path, value: getPath(defaults, path) }).toEqual({ path, value: field.default });
      }
    }
  });

  test('defaultValues() returns a fresh copy each time', () => {
    const a = defaultValues();
    (a.resources as Values).requests = {};
    expect((defaultValues().resources as Values).requests).toEqual({ cpu: '100m', memory: '256Mi' });
  });

  test('every alias points at an existing canonical field', () => {
    for (const [path, field] of allFields()) {
      if (field.type !== 'alias') continue;
      const canonical = getPath(defaultValues(), field.of);
      expect({ path, canonical: canonical === undefined ? 'missing' : 'present' }).toEqual({ path, canonical: 'present' });
      if (field.shape.type === 'object') {
        for (const key of Object.keys(field.shape.fields)) {
          expect({ path: `${field.of}.${key}`, present: getPath(defaultValues(), `${field.of}.${key}`) !== undefined }).toEqual({
            path: `${field.of}.${key}`,
            present: true,
          });
        }
      }
    }
  });

  test('every string pattern compiles and accepts the default', () => {
    for (const [path, field] of STRING_LEAVES) {
      const pattern = effectivePattern(field);
      if (!pattern) continue;
      expect({ path, ok: new RegExp(pattern, 'u').test(field.default) }).toEqual({ path, ok: true });
    }
  });

  test('every enum holds its default', () => {
    for (const [path, field] of STRING_LEAVES) {
      if (!field.enum) continue;
      expect({ path, ok: field.enum.includes(field.default) }).toEqual({ path, ok: true });
    }
  });

  test('every pattern has a hint for the error message', () => {
    for (const [path, field] of STRING_LEAVES) {
      if (!field.pattern) continue;
      expect({ path, hint: Boolean(field.patternHint) }).toEqual({ path, hint: true });
    }
  });
});

describe('documentation', () => {
  test.each(allFields())('%s has a non-empty doc', (_path, field) => {
    expect(field.doc.trim()).not.toBe('');
  });

  test('every object level has a description in the schema', () => {
    const schema = valuesSchema();
    for (const [path] of objectLevels()) {
      let node: JsonSchema = schema;
      for (const key of path ? path.split('.') : []) node = (node.properties as Record<string, JsonSchema>)[key];
      expect({ path, description: typeof node.description === 'string' && node.description !== '' }).toEqual({ path, description: true });
    }
  });
});

describe('unknown keys are rejected at every object level', () => {
  const levels = objectLevels();

  test('the walk covers the nested levels, the restore.s3 alias included', () => {
    const paths = levels.map(([p]) => p);
    expect(paths).toEqual(
      expect.arrayContaining(['', 'backup', 'backup.storage.s3', 'backup.storage.local.persistence', 'restore.storage.local', 'restore.s3', 'cronJob', 'job']),
    );
  });

  test.each(levels.map(([path, field]) => [path || '(root)', path, field] as const))('by the schema at %s', (_label, path, _field) => {
    const values: Values = {};
    setPath(values, path ? `${path}.notAKey` : 'notAKey', 'x');
    const validate = compile();
    expect(validate(mergedValues(values))).toBe(false);
    const instancePath = path ? `/${path.split('.').join('/')}` : '';
    expect(validate.errors).toEqual([
      expect.objectContaining({ keyword: 'additionalProperties', instancePath, params: { additionalProperty: 'notAKey' } }),
    ]);
  });

  test.each(levels.map(([path, field]) => [path || '(root)', path, field] as const))('by resolveValues at %s, listing the known keys', (_label, path, field) => {
    const values: Values = {};
    const full = path ? `${path}.notAKey` : 'notAKey';
    setPath(values, full, 'x');
    let problems: ValuesError['problems'] = [];
    try {
      resolveValues(values, CONTEXT);
    } catch (e) {
      if (!(e instanceof ValuesError)) throw e;
      problems = e.problems;
    }
    expect(problems).toEqual([
      { path: full, message: `unknown key; check its spelling (known keys here: ${Object.keys(field.fields).join(', ')})` },
    ]);
  });
});
