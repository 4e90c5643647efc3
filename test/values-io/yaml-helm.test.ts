/**
 * Values files read as Helm 3 and Helm 4 read them (sigs.k8s.io/yaml over
 * go-yaml), and strings written so that Helm's reader (the one Kubernetes
 * uses) reads them back as the same strings. Everything is compared with both
 * binaries through the probe chart; scalars share one file per Helm process.
 */
import * as fc from 'fast-check';
import { InputError } from '../../src/input-error';
import { parseValuesBytes } from '../../src/values-io/values-input';
import { goJsonValues, goYamlValues } from '../../src/values-io/values-output';
import { stringifyManifests } from '../../src/model/go-yaml';
import { pool } from '../support/helm';
import { probe, tempFile } from '../support/helm-probe';

jest.setTimeout(600_000);

const HELMS = ['helm3', 'helm4'];

function ours(bytes: Uint8Array): { ok: true; json: string } | { ok: false; error: string } {
  try {
    return { ok: true, json: goJsonValues(parseValuesBytes(bytes, 'values.yaml')) };
  } catch (e) {
    if (e instanceof InputError) return { ok: false, error: e.lines.join('; ') };
    throw e;
  }
}

/** Plain scalars: YAML 1.1 and 1.2 number, boolean and null forms, and near misses. */
const HAND_SCALARS = [
  '2:30', '1:30', '1:2:3', '190:20:30.15', '-1:30', '0o17', '0O17', '0o8', '0777', '0778', '09', '-012', '+012', '0x1F', '0X1f', '+0x1F',
  '-0x1F', '0x', '0x_1F', '0b101', '0B11', '-0b1', '0b2', '1_000', '1__0', '_1', '1_', '0777_7', '1_0.5', '1e3', '1E3', '1e+3',
  '1e-3', '1.5e+3', '12e03', '0.5e', '1e', 'e3', '.5', '5.', '+.5', '-.5', '.', '..', '.e3', '.5e3', '1.2.3', '0.1', '0.0000001',
  '1e21', '1e400', '-1e400', '1e-400', '5e-324', '100000000000000000000', '123456789012345678901234567890', '9007199254740993',
  '9223372036854775807', '9223372036854775808', '18446744073709551615', '18446744073709551616', '-9223372036854775809', '-0',
  '+0', '-0.0', '+12', '0', '00', 'yes', 'Yes', 'YES', 'yEs', 'no', 'No', 'NO', 'on', 'On', 'ON', 'oN', 'off', 'Off', 'OFF', 'y',
  'Y', 'n', 'N', 'true', 'True', 'TRUE', 'tRUE', 'false', 'False', 'FALSE', 'null', 'Null', 'NULL', 'nULL', '~', '.nan', '.NaN',
  'nan', 'NaN', 'inf', 'Infinity', '.iNf', '2001-12-14', '2002-1-2', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5',
  '2002-13-45', '1.0', '3.14159265358979', '0x1p-2', '1,000', '$1', '=', '<<', '12:30:00', '1h', '1d2h', '0.', '-.', '+',
];
const SPECIAL_FLOATS = ['.inf', '.Inf', '.INF', '+.inf', '-.inf', '-.Inf', '.nan', '.NAN'];

/** Plain scalars drawn from the characters numbers, booleans and times are made of. */
const scalarChar = fc.constantFrom('0', '1', '7', '9', '+', '-', '.', 'e', 'E', '_', 'x', 'o', 'b', 'B', 'f', ':', 'y', 'n', 'o', 'N');
const drawnScalar = fc
  .array(scalarChar, { minLength: 1, maxLength: 6 })
  .map((cs) => cs.join(''))
  .filter((s) => /^[0-9+.a-zA-Z]/.test(s) && !/[:-]$/.test(s) && !/^[-+.]$/.test(s));
const DRAWN_SCALARS = fc.sample(drawnScalar, { numRuns: 200, seed: 2020 });

/** Whole documents, bytes and all: each one Helm process. */
const DOCUMENTS: Array<[string, string | Buffer]> = [
  ['sexagesimal', 'a: 2:30\nb: 1:30\n'],
  ['infinity', 'a: .inf\n'],
  ['nan', 'a: .nan\n'],
  ['invalid UTF-8', Buffer.from('a: "\xff\xfe"\n', 'latin1')],
  ['invalid UTF-8 in a key', Buffer.concat([Buffer.from('a'), Buffer.from([0xc3]), Buffer.from(': 1\n')])],
  ['control character quoted', 'a: "x\x01y"\n'],
  ['control character plain', 'a: x\x01y\n'],
  ['escaped control character', 'a: "x\\u0001y\\x1b"\n'],
  ['NUL at the end', 'a: 1\n\x00'],
  ['DEL', 'a: "\x7f"\n'],
  ['U+FFFE', 'a: "\ufffe"\n'],
  ['escaped lone surrogate', 'a: "\\ud800"\n'],
  ['escaped astral', 'a: "\\U0001F600\\u00e9\\x41"\n'],
  ['duplicate keys', 'a: 1\na: 2\n'],
  ['duplicate maps', 'a:\n  b: 1\na:\n  c: 2\n'],
  ['binary', 'a: !!binary aGVsbG8=\n'],
  ['binary not UTF-8', 'a: !!binary /w==\n'],
  ['binary truncated sequence', 'a: !!binary 4oI=\n'],
  ['binary with a space', 'a: !!binary "aGVs bG8="\n'],
  ['binary invalid', 'a: !!binary "!!!"\n'],
  ['UTF-8 BOM', '\ufeffa: 1\n'],
  ['UTF-16 BE BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('a: 1\n', 'utf16le').swap16()])],
  ['UTF-16 BE without BOM', Buffer.from('a: 1\n', 'utf16le').swap16()],
  ['UTF-32', Buffer.from([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0])],
  ['CRLF', 'a: 1\r\nb: 2\r\n'],
  ['tab after colon', 'a:\tb\n'],
  ['empty', ''],
  ['comment only', '# nothing\n'],
  ['null document', '~\n'],
  ['a list', '- 1\n'],
  ['a scalar', 'hello\n'],
  ['explicit tags', 'a: !!str 1\nb: !!int "1"\nc: !foo x\nd: !!float 1\ne: !!bool "yes"\n'],
  ['explicit tag mismatch', 'a: !!int x\n'],
  ['merge keys', 'a: 1\n<<: {a: 2, b: 2}\nc: 3\n'],
  ['merge first', '<<: {a: 2, b: 2}\na: 1\n'],
  ['merge list', '<<: [{a: 1}, {a: 2, b: 2}]\n'],
  ['quoted merge key', 'x: &x {p: 1}\n"<<": *x\n'],
  ['aliases', 'x: &a 1\nz: *a\nm: &m {k: v}\nn: *m\n'],
  ['unknown anchor', 'a: *nope\n'],
  ['alias bomb', `a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n${[1, 2, 3, 4].map((i) => `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`).join('\n')}\n`],
  ['keys of every type', '1.50: a\n0.1: b\n1e3: c\n1234567.0: d\n0x10: e\n010: f\n9007199254740993: g\n99999999999999999999: h\ny: i\n2001-01-01: j\n-0: k\n.5: l\n.inf: m\n'],
  ['null key', '~: a\n'],
  ['empty key', '"": a\n'],
  ['list key', '[1, 2]: a\n'],
  ['HTML characters', 'a: "<b>&</b>"\nb: "\u2028\u2029"\n'],
  ['keys needing byte order', '"é": 1\n"z": 2\n"\ue000": 3\n"😀": 4\n"10": 5\n"9": 6\n'],
  ['prototype keys', '__proto__: {x: 1}\nconstructor: 2\nprototype: [3]\n'],
  ['deep nesting within the limit', `${Array.from({ length: 90 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} 1\n`],
];

/** Documents where the contract is deliberately stricter than one of the binaries (see docs/values-contract.md). */
const STRICTER: Record<string, string> = {
  'two documents': 'Helm 3 reads the first document, Helm 4 merges them',
  'empty first document': 'Helm 3 reads the (empty) first document, Helm 4 the second',
  'NEL in a quoted string': "go-yaml folds a raw U+0085 into a space; the contract refuses the raw character",
};
DOCUMENTS.push(['two documents', 'a: 1\n---\nb: 2\n'], ['empty first document', '---\n---\nb: 2\n'], ['NEL in a quoted string', 'a: "x\u0085y"\n']);
/** Helm 4 refuses a UTF-16 file with a little-endian byte order mark that Helm 3 reads; the contract reads it. */
DOCUMENTS.push(['UTF-16 LE BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a: 1\nb: é\n', 'utf16le')])]);

describe.each(HELMS)('values files read as %s reads them', (helmName) => {
  test(`${HAND_SCALARS.length + SPECIAL_FLOATS.length} hand-written and ${DRAWN_SCALARS.length} drawn plain scalars`, async () => {
    const all = [...new Set([...HAND_SCALARS, ...DRAWN_SCALARS])];
    // Scalars that are not valid YAML on their own (refused here) are compared one per process.
    const invalid = all.filter((s) => !ours(Buffer.from(`a: ${s}\n`)).ok);
    const scalars = all.filter((s) => !invalid.includes(s));
    const text = scalars.map((s, i) => `k${i}: ${s}\n`).join('');
    const theirs = await probe(helmName, ['-f', tempFile('scalars.yaml', text)]);
    const mine = ours(Buffer.from(text));
    expect({ ok: theirs.ok, json: theirs.ok ? theirs.json : undefined }).toEqual({ ok: mine.ok, json: mine.ok ? mine.json : undefined });
    // Infinity and NaN are refused by Helm, and so here.
    const refusals = await pool(SPECIAL_FLOATS, 2, async (s) => ({ s, theirs: await probe(helmName, ['-f', tempFile('f.yaml', `a: ${s}\n`)]), mine: ours(Buffer.from(`a: ${s}\n`)) }));
    for (const r of refusals) expect([r.s, r.theirs.ok, r.mine.ok]).toEqual([r.s, false, false]);
    const syntax = await pool(invalid, 2, async (s) => ({ s, theirs: await probe(helmName, ['-f', tempFile('f.yaml', `a: ${s}\n`)]) }));
    for (const r of syntax) expect([r.s, r.theirs.ok]).toEqual([r.s, false]);
    const kinds: Record<string, number> = {};
    const parsed = JSON.parse((mine as { json: string }).json) as Record<string, unknown>;
    for (const v of Object.values(parsed)) kinds[v === null ? 'null' : typeof v] = (kinds[v === null ? 'null' : typeof v] ?? 0) + 1;
    console.log(`${helmName}: ${scalars.length} distinct plain scalars in one Helm process, read as ${JSON.stringify(kinds)}; ${invalid.length} refused by both: ${JSON.stringify(invalid)}`);
  });

  test(`${DOCUMENTS.length} documents`, async () => {
    const results = await pool(DOCUMENTS, 2, async ([label, content]) => {
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      return { label, theirs: await probe(helmName, ['-f', tempFile('values.yaml', bytes)]), mine: ours(bytes) };
    });
    const mismatches: string[] = [];
    const stricter: string[] = [];
    for (const { label, theirs, mine } of results) {
      if (theirs.ok === mine.ok && (!theirs.ok || (mine.ok && theirs.json === mine.json))) continue;
      if (label in STRICTER && !mine.ok) {
        stricter.push(label);
        continue;
      }
      if (label === 'UTF-16 LE BOM' && helmName === 'helm4' && !theirs.ok && mine.ok) {
        stricter.push(`${label} (Helm 4 refuses it; read as Helm 3 reads it)`);
        continue;
      }
      mismatches.push(`${label}: helm ${JSON.stringify(theirs).slice(0, 300)} ours ${JSON.stringify(mine).slice(0, 300)}`);
    }
    console.log(`${helmName}: ${DOCUMENTS.length} documents, ${results.filter((r) => !r.mine.ok).length} refused; differing on purpose: ${JSON.stringify(stricter)}`);
    expect(mismatches).toEqual([]);
  });

  test('strings written by the manifest and values writers are read back by Helm as the same strings', async () => {
    const strings = [...new Set([...HAND_SCALARS, ...SPECIAL_FLOATS, ...DRAWN_SCALARS, '', ' ', 'a: b', '- x', '#', "'", '"', '\\', 'é', '\u2028', 'a\u007fb', '\u0085', '\u009f', '\ufffe', 'x\u0001\u001b', '\t'])];
    const values: Record<string, string> = {};
    strings.forEach((s, i) => (values[`k${i}`] = s));

    // The manifest writer (synth) and the values writer (`values -o yaml`).
    for (const text of [stringifyManifests([values]), goYamlValues(values)]) {
      const theirs = await probe(helmName, ['-f', tempFile('strings.yaml', text)]);
      expect(theirs.ok).toBe(true);
      const read = JSON.parse((theirs as { json: string }).json) as Record<string, unknown>;
      expect(Object.entries(read).filter(([k, v]) => v !== values[k])).toEqual([]);
    }
    console.log(`${helmName}: ${strings.length} strings written twice and read back as strings`);
  });
});

describe('values read from standard input', () => {
  test.each(HELMS)('-f - as %s', async (helmName) => {
    const { execFileSync } = await import('child_process');
    const { HELMS: BINARIES, HELM_ENV } = await import('../support/helm');
    const { probeChart } = await import('../support/helm-probe');
    const input = 'a: 0o17\nb: 2:30\n';
    const theirs = execFileSync(BINARIES[helmName], ['template', probeChart(), '-f', '-'], { input, env: HELM_ENV }).toString();
    const line = theirs.split('\n').find((l) => l.startsWith('json: '))!;
    expect(Buffer.from(line.slice(6), 'base64').toString()).toBe((ours(Buffer.from(input)) as { json: string }).json);
  });
});
