/**
 * The YAML dialect of Helm values and Kubernetes manifests: sigs.k8s.io/yaml
 * over go-yaml v2. A plain (unquoted) scalar is a null, a boolean, a number or
 * a string by go-yaml v2's rules, which are neither YAML 1.1 nor YAML 1.2:
 * `yes`/`on`/`y` are booleans, `0o17`, `0b11`, `0x1F`, `017` and `1_000` are
 * integers, `2:30` (a YAML 1.1 sexagesimal) and `1e400` are strings, and
 * dates stay the text that was written.
 *
 * The same rules decide what the manifest writer quotes, so that a string
 * written here is read back as a string by Kubernetes, kubectl and Argo CD.
 */
import { Document, DocumentOptions, isScalar, ScalarTag, SchemaOptions, ToStringOptions, visit } from '../yaml';

/** What go-yaml v2 makes of a plain scalar. */
export type GoScalar =
  | { readonly kind: 'null' }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'int'; readonly value: bigint }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'str' };

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUES = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE']);
const FALSES = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE']);
const SPECIAL_FLOATS = new Map<string, number>([
  ['.nan', NaN], ['.NaN', NaN], ['.NAN', NaN],
  ['.inf', Infinity], ['.Inf', Infinity], ['.INF', Infinity],
  ['+.inf', Infinity], ['+.Inf', Infinity], ['+.INF', Infinity],
  ['-.inf', -Infinity], ['-.Inf', -Infinity], ['-.INF', -Infinity],
]);
/** go-yaml v2's float syntax, tried after the integer forms. */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** go-yaml v2 tries the timestamp layouts only on text shaped like a date. */
const TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$/;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const DIGITS: Record<number, RegExp> = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ };
const PREFIX: Record<number, string> = { 2: '0b', 8: '0o', 16: '0x' };

/** Go's `strconv.ParseInt(s, 0, 64)` (or ParseUint): base prefixes 0x, 0o, 0b and a leading 0 for octal. */
function goParseInt(text: string, signed: boolean): bigint | undefined {
  let body = text;
  let negative = false;
  if (signed && (body[0] === '+' || body[0] === '-')) {
    negative = body[0] === '-';
    body = body.slice(1);
  }
  let base = 10;
  if (/^0[xX]/.test(body)) base = 16;
  else if (/^0[oO]/.test(body)) base = 8;
  else if (/^0[bB]/.test(body)) base = 2;
  else if (body.length > 1 && body[0] === '0') base = 8;
  const digits = base === 10 ? body : /^0[xXoObB]/.test(body) ? body.slice(2) : body.slice(1);
  if (!DIGITS[base].test(digits)) return undefined;
  const magnitude = BigInt(base === 10 ? digits : `${PREFIX[base]}${digits}`);
  const value = negative ? -magnitude : magnitude;
  if (signed ? value < INT64_MIN || value > INT64_MAX : value > UINT64_MAX) return undefined;
  return value;
}

/** Go's `strconv.ParseFloat(s, 64)` on the decimal forms go-yaml lets through; out of range is a failure. */
function goParseFloat(text: string): number | undefined {
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** What go-yaml v2 makes of an untagged plain scalar. */
export function goResolve(text: string): GoScalar {
  if (NULLS.has(text)) return { kind: 'null' };
  if (TRUES.has(text)) return { kind: 'bool', value: true };
  if (FALSES.has(text)) return { kind: 'bool', value: false };
  const special = SPECIAL_FLOATS.get(text);
  if (special !== undefined) return { kind: 'float', value: special };
  const first = text[0];
  if (first === '.') {
    const value = /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text) ? goParseFloat(text) : undefined;
    return value === undefined ? { kind: 'str' } : { kind: 'float', value };
  }
  if (!/^[-+0-9]/.test(first)) return { kind: 'str' };
  // A date stays the text that was written (sigs.k8s.io/yaml keeps it).
  if (TIMESTAMP.test(text)) return { kind: 'str' };
  const plain = text.replace(/_/g, '');
  const int = goParseInt(plain, true) ?? goParseInt(plain, false);
  if (int !== undefined) return { kind: 'int', value: int };
  if (YAML_STYLE_FLOAT.test(plain)) {
    const value = goParseFloat(plain);
    if (value !== undefined) return { kind: 'float', value };
  }
  return { kind: 'str' };
}

/** True when go-yaml reads this plain scalar as something other than a string (or breaks its line). */
export function goReadsAsNonString(text: string): boolean {
  return goResolve(text).kind !== 'str' || /[\u0085\u2028\u2029]/.test(text);
}

/** A `RegExp` whose `test` asks a function: the yaml library only calls `test`. */
class Predicate extends RegExp {
  constructor(private readonly predicate: (text: string) => boolean) {
    super('');
  }

  override test(text: string): boolean {
    return this.predicate(text);
  }
}

/** A number read from values: integers beyond 2^53 keep their digits for the keys they name. */
export class GoNumber {
  constructor(public readonly scalar: GoScalar & { kind: 'int' | 'float' }) {}

  /** The float64 Helm ends up with (sigs.k8s.io/yaml goes through JSON). */
  toNumber(): number {
    return this.scalar.kind === 'int' ? Number(this.scalar.value) : this.scalar.value;
  }
}

function resolveAs(kind: 'int' | 'float' | 'bool' | 'null') {
  return (text: string, onError: (message: string) => void): unknown => {
    const scalar = goResolve(text);
    // One implicit tag serves both number kinds: the explicit !!int is as lenient as !!float.
    const matches = scalar.kind === kind || ((kind === 'float' || kind === 'int') && (scalar.kind === 'int' || scalar.kind === 'float'));
    if (!matches) {
      onError(`cannot decode !!str \`${text.length > 40 ? `${text.slice(0, 40)}…` : text}\` as a !!${kind}`);
      return text;
    }
    switch (scalar.kind) {
      case 'null':
        return null;
      case 'bool':
        return scalar.value;
      case 'int':
      case 'float':
        return new GoNumber(scalar);
      default:
        return text;
    }
  };
}

const invalidBase64 = /[^A-Za-z0-9+/=]/;

/** `!!binary`: base64, decoded to a string the way Go turns bytes into JSON text (each bad byte U+FFFD). */
function resolveBinary(text: string, onError: (message: string) => void): unknown {
  const compact = text.replace(/[\r\n]/g, '');
  if (invalidBase64.test(compact) || compact.length % 4 !== 0 || /=[^=]/.test(compact)) {
    onError('!!binary value contains invalid base64 data');
    return text;
  }
  return goBytesToString(Buffer.from(compact, 'base64'));
}

/** Bytes to text as Go's encoding/json does: every byte of an invalid sequence becomes U+FFFD. */
export function goBytesToString(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let size = 0;
    let min = 0;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      size = 2;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      size = 3;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      size = 4;
      min = 0x10000;
    }
    let cp = size === 2 ? b & 0x1f : size === 3 ? b & 0x0f : b & 0x07;
    let ok = size > 0 && i + size <= bytes.length;
    for (let k = 1; ok && k < size; k++) {
      const c = bytes[i + k];
      if ((c & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (c & 0x3f);
    }
    if (ok && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) {
      out += String.fromCodePoint(cp);
      i += size;
    } else {
      out += '\ufffd';
      i++;
    }
  }
  return out;
}


/**
 * The scalar tags of the dialect, for the yaml library: implicit resolution of
 * plain scalars by go-yaml's rules, explicit `!!str`, `!!int`, `!!float`,
 * `!!bool`, `!!null`, `!!binary`.
 */
export const GO_YAML_SCALAR_TAGS: ScalarTag[] = [
  // Implicit resolution of plain scalars.
  { tag: 'tag:yaml.org,2002:null', default: true, test: new Predicate((t) => NULLS.has(t)), resolve: resolveAs('null') },
  { tag: 'tag:yaml.org,2002:bool', default: true, test: new Predicate((t) => TRUES.has(t) || FALSES.has(t)), resolve: resolveAs('bool') },
  {
    tag: 'tag:yaml.org,2002:int',
    default: true,
    test: new Predicate((t) => {
      const kind = goResolve(t).kind;
      return kind === 'int' || kind === 'float';
    }),
    resolve: resolveAs('int'),
  },
  // Explicit tags: the yaml library takes the first tag without `default` of that name.
  { tag: 'tag:yaml.org,2002:null', resolve: resolveAs('null') },
  { tag: 'tag:yaml.org,2002:bool', resolve: resolveAs('bool') },
  { tag: 'tag:yaml.org,2002:int', resolve: resolveAs('int') },
  { tag: 'tag:yaml.org,2002:float', resolve: resolveAs('float') },
  { tag: 'tag:yaml.org,2002:binary', resolve: resolveBinary },
  { tag: 'tag:yaml.org,2002:timestamp', resolve: (text: string) => text },
] as ScalarTag[];

/** Quotes exactly the strings go-yaml would not read back as strings. */
export const GO_YAML_WRITER_TAGS: ScalarTag[] = [
  {
    tag: 'tag:yaml.org,2002:go-non-string',
    default: true,
    test: new Predicate(goReadsAsNonString),
    resolve: (text: string) => text,
  },
];

/** Characters go-yaml refuses raw in a document: written as escapes in a double-quoted scalar. */
const RAW_FORBIDDEN = /[\u007f-\u009f\u2028\u2029\ufffe\uffff]/;
const RAW_FORBIDDEN_ALL = /[\u007f-\u009f\u2028\u2029\ufffe\uffff]/g;

function escapeRaw(ch: string): string {
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * YAML that go-yaml reads back as the same value: strings it would retype are
 * quoted, and strings holding characters it refuses raw (DEL, C1 controls,
 * U+2028, U+2029, U+FFFE, U+FFFF) are double-quoted with those characters escaped.
 */
export function stringifyGoYaml(value: unknown, options: DocumentOptions & SchemaOptions & ToStringOptions & { keepUndefined?: boolean }): string {
  // Without the merge tag, a `<<` key is an ordinary string (quoted below).
  const customTags = (tags: SchemaOptions['customTags'] & unknown[]) => [...tags.filter((t) => (t as ScalarTag).tag !== 'tag:yaml.org,2002:merge'), ...GO_YAML_WRITER_TAGS];
  const doc = new Document(value, { ...options, customTags: customTags as SchemaOptions['customTags'] });
  let escaped = false;
  visit(doc, {
    Scalar(_, node) {
      if (isScalar(node) && typeof node.value === 'string' && RAW_FORBIDDEN.test(node.value)) {
        node.type = 'QUOTE_DOUBLE';
        escaped = true;
      } else if (isScalar(node) && node.value === '<<') {
        // go-yaml reads a plain `<<` key as a merge: the string is written quoted.
        node.type = 'QUOTE_DOUBLE';
      }
    },
  });
  const text = doc.toString(options);
  // Such characters now only occur inside double-quoted scalars, where an escape means the same.
  return escaped ? text.replace(RAW_FORBIDDEN_ALL, escapeRaw) : text;
}

/**
 * Multi-document YAML for manifests (what cdk8s writes, with the same layout),
 * where a string scalar is quoted whenever go-yaml would read it as a null, a
 * boolean or a number (`0o17`, `0b1`, `09`, `1_0`, `y`, `.5`).
 */
export function stringifyManifests(docs: unknown[]): string {
  return docs.map((doc) => stringifyGoYaml(doc, { keepUndefined: true, lineWidth: 0, version: '1.1' })).join('---\n');
}
