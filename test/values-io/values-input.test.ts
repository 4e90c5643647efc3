import { InputError, parseValuesBytes, parseValuesText, readValues } from '../../src/values-io/values-input';

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('parseValuesText', () => {
  test('a map of keys', () => {
    expect(parseValuesText('backup:\n  enabled: true\n', 'v.yaml')).toEqual({ backup: { enabled: true } });
  });

  test('an empty file or a file of comments is empty values', () => {
    expect(parseValuesText('', 'v.yaml')).toEqual({});
    expect(parseValuesText('# nothing\n', 'v.yaml')).toEqual({});
    expect(parseValuesText('~\n', 'v.yaml')).toEqual({});
  });

  test('YAML anchors and aliases are resolved', () => {
    expect(parseValuesText('a: &x {k: v}\nb: *x\n', 'v.yaml')).toEqual({ a: { k: 'v' }, b: { k: 'v' } });
  });

  test('a syntax error names the file and the line', () => {
    expect(inputError(() => parseValuesText('a: 1\nb: [\n', 'v.yaml')).lines).toEqual([
      'v.yaml: line 3: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  test('a duplicate key keeps the last value, as Helm does', () => {
    expect(parseValuesText('backup:\n  enabled: true\n  enabled: false\n', 'v.yaml')).toEqual({ backup: { enabled: false } });
    expect(parseValuesText('a:\n  b: 1\na:\n  c: 2\n', 'v.yaml')).toEqual({ a: { c: 2 } });
  });

  test('bad indentation names the line', () => {
    const lines = inputError(() => parseValuesText('a:\n  b: 1\n c: 2\n', 'v.yaml')).lines;
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^v\.yaml: line 3: /);
  });

  test('a list is refused', () => {
    expect(inputError(() => parseValuesText('- a\n- b\n', 'v.yaml')).lines).toEqual(['v.yaml: a values file must hold a map of keys, not a list']);
  });

  test('a scalar is refused', () => {
    expect(inputError(() => parseValuesText('hello\n', 'v.yaml')).lines).toEqual(['v.yaml: a values file must hold a map of keys, not string']);
    expect(inputError(() => parseValuesText('42\n', 'v.yaml')).lines).toEqual(['v.yaml: a values file must hold a map of keys, not number']);
  });

  test('an alias to an unknown anchor names the file', () => {
    const lines = inputError(() => parseValuesText('a: *nope\n', 'v.yaml')).lines;
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^v\.yaml: .*nope/);
  });

  test('an alias bomb is refused', () => {
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 6; i++) text += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    const lines = inputError(() => parseValuesText(text, 'v.yaml')).lines;
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^v\.yaml: /);
  });
});

describe('readValues', () => {
  const files: Record<string, string> = {
    'a.yaml': 'backup:\n  enabled: true\n  storage:\n    s3:\n      bucket: from-a\n      prefix: a\nlogFormat: json\n',
    'b.yaml': 'backup:\n  storage:\n    s3:\n      bucket: from-b\n',
    'list.yaml': '- 1\n',
    'bad.yaml': 'a: [\n',
  };
  const readText = (path: string): string => {
    if (!(path in files)) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
    return files[path];
  };

  test('no files and no --set: empty values', () => {
    expect(readValues([], [], readText)).toEqual({});
  });

  test('files merge in order, maps deeply', () => {
    expect(readValues(['a.yaml', 'b.yaml'], [], readText)).toEqual({
      backup: { enabled: true, storage: { s3: { bucket: 'from-b', prefix: 'a' } } },
      logFormat: 'json',
    });
  });

  test('--set wins over the files, in order', () => {
    const values = readValues(
      ['a.yaml', 'b.yaml'],
      [
        { expression: 'backup.storage.s3.bucket=from-set', asString: false },
        { expression: 'logFormat=text', asString: false },
        { expression: 'backup.storage.s3.bucket=from-last', asString: false },
      ],
      readText,
    );
    expect(values).toEqual({ backup: { enabled: true, storage: { s3: { bucket: 'from-last', prefix: 'a' } } }, logFormat: 'text' });
  });

  test('--set-string keeps the value a string', () => {
    expect(readValues([], [{ expression: 'podLabels.version=2', asString: true }], readText)).toEqual({ podLabels: { version: '2' } });
  });

  test('an unreadable file names the file and the reason', () => {
    expect(inputError(() => readValues(['missing.yaml'], [], readText)).lines).toEqual(['missing.yaml: cannot read the file (ENOENT)']);
  });

  test('every input problem is reported, one line each', () => {
    const e = inputError(() =>
      readValues(['missing.yaml', 'list.yaml', 'bad.yaml', 'a.yaml'], [{ expression: 'nokey', asString: false }], readText),
    );
    expect(e.lines).toEqual([
      'missing.yaml: cannot read the file (ENOENT)',
      'list.yaml: a values file must hold a map of keys, not a list',
      'bad.yaml: line 2: Flow sequence in block collection must be sufficiently indented and end with a ]',
      '--set "nokey": key "nokey" has no value',
    ]);
    expect(e.message.split('\n')).toEqual(e.lines);
  });
});

describe("Helm's YAML dialect (each case also compared with Helm in yaml-helm.test.ts)", () => {
  const bytes = (text: string, encoding: BufferEncoding = 'utf8') => Buffer.from(text, encoding);

  test('no YAML 1.1 sexagesimals: 2:30 and 1:30 stay strings', () => {
    expect(parseValuesText('a: 2:30\nb: 1:30\n', 'v.yaml')).toEqual({ a: '2:30', b: '1:30' });
  });

  test("go-yaml's numbers: 0o17, 0b101, 017, 09, 1_000, 0x1F", () => {
    expect(parseValuesText('a: 0o17\nb: 0b101\nc: 017\nd: 09\ne: 1_000\nf: 0x1F\ng: 1e400\n', 'v.yaml')).toEqual({ a: 15, b: 5, c: 15, d: 9, e: 1000, f: 31, g: '1e400' });
  });

  test('y, n, on, off are booleans, also as keys', () => {
    expect(parseValuesText('a: y\nb: off\ny: 1\n', 'v.yaml')).toEqual({ a: true, b: false, true: 1 });
  });

  test('.inf and .nan are refused', () => {
    expect(inputError(() => parseValuesText('a: .inf\n', 'v.yaml')).lines).toEqual([
      'v.yaml: line 1: .inf is not a value Helm accepts (infinity and NaN cannot be written as JSON)',
    ]);
    expect(inputError(() => parseValuesText('a: [.nan]\n', 'v.yaml')).lines).toHaveLength(1);
  });

  test('invalid UTF-8 is refused, naming the line', () => {
    expect(inputError(() => parseValuesBytes(Buffer.from('a: 1\nb: "\xff"\n', 'latin1'), 'v.yaml')).lines).toEqual([
      'v.yaml: line 2: invalid UTF-8; values files must be UTF-8 (or UTF-16 with a byte order mark)',
    ]);
  });

  test('control characters are refused, escapes are not', () => {
    expect(inputError(() => parseValuesText('a: 1\nb: "x\x01"\n', 'v.yaml')).lines).toEqual([
      'v.yaml: line 2: control character U+0001 is not allowed in YAML; write it as an escape in a double-quoted string',
    ]);
    expect(parseValuesText('b: "x\\x01\\u001b"\n', 'v.yaml')).toEqual({ b: 'x\x01\x1b' });
  });

  test('!!binary is decoded; bytes that are not UTF-8 become U+FFFD', () => {
    expect(parseValuesText('a: !!binary aGVsbG8=\nb: !!binary /w==\n', 'v.yaml')).toEqual({ a: 'hello', b: '\ufffd' });
  });

  test('UTF-16 with a byte order mark, and a UTF-8 BOM', () => {
    expect(parseValuesBytes(Buffer.concat([Buffer.from([0xff, 0xfe]), bytes('a: 1\n', 'utf16le')]), 'v.yaml')).toEqual({ a: 1 });
    expect(parseValuesBytes(Buffer.concat([Buffer.from([0xfe, 0xff]), bytes('a: 1\n', 'utf16le').swap16()]), 'v.yaml')).toEqual({ a: 1 });
    expect(parseValuesBytes(bytes('\ufeffa: 1\n'), 'v.yaml')).toEqual({ a: 1 });
  });

  test('a second document is refused (Helm 3 and Helm 4 read it differently)', () => {
    expect(inputError(() => parseValuesText('a: 1\n---\nb: 2\n', 'v.yaml')).lines[0]).toMatch(/^v\.yaml: line 3: a values file must hold one YAML document/);
    expect(parseValuesText('---\na: 1\n---\n', 'v.yaml')).toEqual({ a: 1 });
  });

  test('keys never reach a prototype', () => {
    const values = parseValuesText('__proto__: {polluted: 1}\nconstructor: 2\n', 'v.yaml');
    expect(Object.keys(values)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
  });

  test('-f - reads standard input', () => {
    const seen: string[] = [];
    expect(readValues(['-'], [], (p) => (seen.push(p), Buffer.from('a: 0o17\n')))).toEqual({ a: 15 });
    expect(seen).toEqual(['-']);
  });
});
