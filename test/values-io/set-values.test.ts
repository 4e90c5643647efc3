import { applySet, SetSyntaxError } from '../../src/values-io/set-values';
import { Values } from '../../src/model/merge';

/** Applies --set expressions to an empty document. */
function set(...expressions: string[]): Values {
  const values: Values = {};
  for (const e of expressions) applySet(values, e);
  return values;
}

function setString(...expressions: string[]): Values {
  const values: Values = {};
  for (const e of expressions) applySet(values, e, true);
  return values;
}

function syntaxError(expression: string): SetSyntaxError {
  try {
    applySet({}, expression);
  } catch (e) {
    if (e instanceof SetSyntaxError) return e;
    throw e;
  }
  throw new Error(`expected a SetSyntaxError for ${expression}`);
}

describe('paths', () => {
  test('a top-level key', () => {
    expect(set('logFormat=json')).toEqual({ logFormat: 'json' });
  });

  test('nested keys create maps', () => {
    expect(set('backup.storage.s3.bucket=backups')).toEqual({ backup: { storage: { s3: { bucket: 'backups' } } } });
  });

  test('nested keys merge into existing maps', () => {
    const values: Values = { backup: { enabled: true, storage: { type: 's3' } } };
    applySet(values, 'backup.storage.s3.bucket=backups');
    expect(values).toEqual({ backup: { enabled: true, storage: { type: 's3', s3: { bucket: 'backups' } } } });
  });

  test('a later assignment replaces an earlier one', () => {
    expect(set('a=1', 'a=2')).toEqual({ a: 2 });
  });

  test('a nested key through a scalar is refused, as Helm does', () => {
    const values: Values = { a: 'scalar' };
    expect(() => applySet(values, 'a.b=1')).toThrow('"a" is string "scalar", not a map');
  });
});

describe('several assignments', () => {
  test('comma-separated assignments', () => {
    expect(set('backup.enabled=true,backup.storage.s3.bucket=backups,logFormat=json')).toEqual({
      backup: { enabled: true, storage: { s3: { bucket: 'backups' } } },
      logFormat: 'json',
    });
  });

  test('a trailing comma is ignored', () => {
    expect(set('a=1,')).toEqual({ a: 1 });
  });

  test('an empty value', () => {
    expect(set('a=')).toEqual({ a: '' });
  });
});

describe('list indexes', () => {
  test('a[0].b=c creates a list of maps', () => {
    expect(set('imagePullSecrets[0].name=regcred')).toEqual({ imagePullSecrets: [{ name: 'regcred' }] });
  });

  test('several fields of one item', () => {
    expect(set('extraEnv[0].name=A,extraEnv[0].value=1')).toEqual({ extraEnv: [{ name: 'A', value: 1 }] });
  });

  test('a gap in the indexes is filled with null', () => {
    expect(set('a[2]=z')).toEqual({ a: [null, null, 'z'] });
  });

  test('successive indexes build a list', () => {
    expect(set('a[0]=x,a[1]=y')).toEqual({ a: ['x', 'y'] });
  });

  test('nested indexes', () => {
    expect(set('a[0][1]=x')).toEqual({ a: [[null, 'x']] });
  });

  test('an index into an existing list keeps the other items', () => {
    const values: Values = { tolerations: [{ key: 'a' }, { key: 'b' }] };
    applySet(values, 'tolerations[1].effect=NoSchedule');
    expect(values).toEqual({ tolerations: [{ key: 'a' }, { key: 'b', effect: 'NoSchedule' }] });
  });

  test('a path below an index', () => {
    expect(set('extraVolumes[0].secret.secretName=keys')).toEqual({ extraVolumes: [{ secret: { secretName: 'keys' } }] });
  });
});

describe('lists in braces', () => {
  test('{x,y} is a list', () => {
    expect(set('backup.options.extraArgs={--quiet,--verbose}')).toEqual({ backup: { options: { extraArgs: ['--quiet', '--verbose'] } } });
  });

  test('{} is a list of one empty string, as in Helm', () => {
    expect(set('a={}')).toEqual({ a: [''] });
  });

  test('list items are typed', () => {
    expect(set('a={1,true,null,x}')).toEqual({ a: [1, true, null, 'x'] });
  });

  test('a list followed by another assignment', () => {
    expect(set('a={x,y},b=z')).toEqual({ a: ['x', 'y'], b: 'z' });
  });

  test('an escaped comma inside a list item', () => {
    expect(set('a={x\\,y,z}')).toEqual({ a: ['x,y', 'z'] });
  });

  test('with --set-string the items stay strings', () => {
    expect(setString('a={1,true}')).toEqual({ a: ['1', 'true'] });
  });
});

describe('escapes', () => {
  test('\\, keeps a comma in a value', () => {
    expect(set('podAnnotations.note=a\\,b')).toEqual({ podAnnotations: { note: 'a,b' } });
  });

  test('\\. keeps a dot in a key', () => {
    expect(set('podAnnotations.example\\.com/team=infra')).toEqual({ podAnnotations: { 'example.com/team': 'infra' } });
  });

  test('\\= keeps an equals sign in a key', () => {
    expect(set('a\\=b=c')).toEqual({ 'a=b': 'c' });
  });

  test('\\[ keeps a bracket in a key', () => {
    expect(set('a\\[0\\]=x')).toEqual({ 'a[0]': 'x' });
  });

  test('escaped braces give a string, not a list', () => {
    expect(set('a=\\{x\\}')).toEqual({ a: '{x}' });
  });

  test('a value containing "=" keeps everything after the first one', () => {
    expect(set('podAnnotations.query=a=b=c')).toEqual({ podAnnotations: { query: 'a=b=c' } });
  });
});

describe('type inference', () => {
  test('true and false are booleans', () => {
    expect(set('a=true,b=false')).toEqual({ a: true, b: false });
  });

  test('null is null', () => {
    expect(set('a=null')).toEqual({ a: null });
  });

  test('integers are numbers', () => {
    expect(set('a=0,b=42,c=-7')).toEqual({ a: 0, b: 42, c: -7 });
  });

  test('numbers with a leading zero stay strings', () => {
    expect(set('a=007,b=00')).toEqual({ a: '007', b: '00' });
  });

  test('what is not a decimal integer stays a string', () => {
    expect(set('a=1.5,b=1e3,c=0x10,d=1_000,e= 1,f=−1')).toEqual({ a: '1.5', b: '1e3', c: '0x10', d: '1_000', e: ' 1', f: '−1' });
  });

  test('true, false and null in any letter case, signed integers, -0', () => {
    expect(set('a=True,b=FALSE,c=NULL,d=+1,e=-0,f=nUlL')).toEqual({ a: true, b: false, c: null, d: 1, e: 0, f: null });
  });

  test('64-bit integers keep their digits; beyond 64 bits they stay strings', () => {
    expect(set('a=9007199254740993,b=-9223372036854775808,c=9223372036854775808')).toEqual({
      a: 9007199254740993n,
      b: -9223372036854775808n,
      c: '9223372036854775808',
    });
  });

  test('--set-string keeps every value a string', () => {
    expect(setString('a=true,b=42,c=null,d=007')).toEqual({ a: 'true', b: '42', c: 'null', d: '007' });
  });

  test('spaces and quotes are kept as they are', () => {
    expect(set('a=hello world,b="q"')).toEqual({ a: 'hello world', b: '"q"' });
  });
});

describe('syntax errors (each also refused by Helm)', () => {
  test('an assignment without "="', () => {
    const e = syntaxError('backup.enabled');
    expect(e).toBeInstanceOf(SetSyntaxError);
    expect(e.message).toBe('key "enabled" has no value');
  });

  test('the faulty assignment of a list is named', () => {
    expect(syntaxError('a=1,b').message).toBe('key "b" has no value');
  });

  test('an empty assignment between commas', () => {
    expect(syntaxError('a=1,,b=2').message).toBe('key "" has no value (cannot end with ,)');
    expect(syntaxError(',a=1').message).toBe('key "" has no value (cannot end with ,)');
  });

  test('an empty last name', () => {
    expect(syntaxError('a.=x').message).toBe('key map "a" has no value');
  });

  test('a huge list index', () => {
    expect(syntaxError('a[99999999]=x').message).toBe('list index greater than the maximum of 65536');
    expect(syntaxError('a[-1]=x').message).toBe('negative -1 index not allowed');
  });

  test('a malformed index', () => {
    expect(syntaxError('a[x]=1').message).toBe('list index "x" is not an integer');
    expect(syntaxError('a[ 1]=1').message).toBe('list index " 1" is not an integer');
    expect(syntaxError('a[1]x=1').message).toBe('unexpected data at end of array index: "x"');
  });

  test('an unterminated list', () => {
    expect(syntaxError('a={x,y').message).toBe("list must terminate with '}'");
  });

  test('writing through a value of another kind', () => {
    expect(syntaxError('a=x,a.b=y').message).toBe('"a" is string "x", not a map');
    expect(syntaxError('a[0]=1,a.b=2').message).toBe('"a" is a list, not a map');
    expect(syntaxError('a=1,a[0]=2').message).toBe('"a" is number 1, not a list');
    expect(syntaxError('a=null,a.b=1').message).toBe('"a" is null, not a map');
  });

  test('more than 30 nested names', () => {
    expect(syntaxError(`${Array(32).fill('a').join('.')}=1`).message).toContain('maximum supported nested level of 30');
  });

  test('an error leaves earlier assignments applied but throws', () => {
    const values: Values = {};
    expect(() => applySet(values, 'a=1,b')).toThrow(SetSyntaxError);
    expect(values).toEqual({ a: 1 });
  });
});

describe('what Helm accepts that looks odd', () => {
  test('empty keys are skipped', () => {
    expect(set('=1')).toEqual({});
    expect(set('.a=1')).toEqual({});
    expect(set('[0]=x')).toEqual({});
  });

  test('a trailing backslash is dropped', () => {
    expect(set('a=b\\')).toEqual({ a: 'b' });
  });

  test('a list item that is not a map is replaced by one', () => {
    expect(set('a[0]=1,a[0].b=2')).toEqual({ a: [{ b: 2 }] });
  });

  test('a later scalar replaces a map', () => {
    expect(set('a.b=y,a=x')).toEqual({ a: 'x' });
  });

  test('text after a list starts the next assignment', () => {
    expect(set('a={1,2}b=3')).toEqual({ a: [1, 2], b: 3 });
  });

  test('an index without a value leaves an empty list', () => {
    expect(set('a[0]')).toEqual({ a: [] });
  });
});

describe('no prototype pollution', () => {
  test.each(['__proto__', 'constructor', 'prototype'])('%s is an ordinary key', (key) => {
    const values = set(`${key}.x=1,${key}.y[0]=2`);
    expect(Object.keys(values)).toEqual([key]);
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
    expect(JSON.stringify(values)).toBe(`{"${key}":{"x":1,"y":[2]}}`);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect((Object.prototype as unknown as Record<string, unknown>).x).toBeUndefined();
  });
});
