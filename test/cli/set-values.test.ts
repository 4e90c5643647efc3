import { applySet, SetSyntaxError } from '../../src/cli/set-values';
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

  test('a nested key replaces a scalar on the way', () => {
    const values: Values = { a: 'scalar' };
    applySet(values, 'a.b=1');
    expect(values).toEqual({ a: { b: 1 } });
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

  test('{} is an empty list', () => {
    expect(set('a={}')).toEqual({ a: [] });
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

  test('what is not an integer stays a string', () => {
    expect(set('a=1.5,b=1e3,c=0x10,d=+1,e=True,f=NULL')).toEqual({ a: '1.5', b: '1e3', c: '0x10', d: '+1', e: 'True', f: 'NULL' });
  });

  test('integers beyond the safe range stay strings', () => {
    expect(set('a=99999999999999999999')).toEqual({ a: '99999999999999999999' });
  });

  test('--set-string keeps every value a string', () => {
    expect(setString('a=true,b=42,c=null,d=007')).toEqual({ a: 'true', b: '42', c: 'null', d: '007' });
  });

  test('spaces and quotes are kept as they are', () => {
    expect(set('a=hello world,b="q"')).toEqual({ a: 'hello world', b: '"q"' });
  });
});

describe('syntax errors', () => {
  test('an assignment without "="', () => {
    const e = syntaxError('backup.enabled');
    expect(e).toBeInstanceOf(SetSyntaxError);
    expect(e.message).toBe('"backup.enabled": expected key=value');
  });

  test('the faulty assignment of a list is named', () => {
    expect(syntaxError('a=1,b').message).toBe('"b": expected key=value');
  });

  test('an empty key', () => {
    expect(syntaxError('=x').message).toBe('"=x": empty key in ""');
  });

  test('an empty path segment', () => {
    expect(syntaxError('a..b=x').message).toBe('"a..b=x": empty key in "a..b"');
    expect(syntaxError('a.=x').message).toBe('"a.=x": empty key in "a."');
  });

  test('a path starting with an index', () => {
    expect(syntaxError('[0]=x').message).toBe('"[0]=x": a path must start with a key');
  });

  test('a huge list index', () => {
    expect(syntaxError('a[99999999]=x').message).toBe('"a[99999999]=x": list index 99999999 is too large');
  });

  test('a malformed index', () => {
    expect(syntaxError('a[x]=1').message).toContain('empty key');
  });

  test('an error leaves earlier assignments applied but throws', () => {
    const values: Values = {};
    expect(() => applySet(values, 'a=1,b')).toThrow(SetSyntaxError);
    expect(values).toEqual({ a: 1 });
  });
});
