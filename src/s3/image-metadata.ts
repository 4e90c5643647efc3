/**
 * Reads backup/backup_information.json as the backup image does: Go's
 * encoding/json into its BackupMetadata struct. Go matches object keys to the
 * struct's fields without regard to case (`"Checksums"`, `"checkſums"` fill
 * `checksums`), keeps the last of two keys for one field (and merges two
 * `checksums` objects), fails the whole restore on a value of the wrong type
 * (`"metadata_version": "1"`, `"redacted": "no"`), and replaces invalid UTF-8
 * and lone surrogates. The image never writes any of that: every such
 * document is refused here, with one line each, so what is accepted means
 * the same to Go as to this reader.
 *
 * The parser keeps only what the struct keeps (the fields, the checksums, the
 * components); everything else is checked for syntax and dropped, so memory
 * stays proportional to the (bounded) size of the file, whatever its shape.
 */

/** The struct's fields (json tags) and the JSON type each takes (null is allowed for all, as in Go). */
const FIELDS: Record<string, 'int' | 'string' | 'strings' | 'map' | 'bool'> = {
  metadata_version: 'int',
  backup_id: 'string',
  created_at: 'string',
  tool_version: 'string',
  infrahub_version: 'string',
  components: 'strings',
  checksums: 'map',
  neo4j_edition: 'string',
  redacted: 'bool',
  encrypted: 'bool',
};

/** How deep the document may nest: the image writes two levels. */
export const MAX_JSON_DEPTH = 32;

/** A key as Go's encoding/json compares it with a field name (case folded, with ſ as s and the Kelvin sign as k). */
function folded(key: string): string {
  return key.toLowerCase().replace(/\u017f/g, 's');
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const INT64_MAX = 9223372036854775807n;

class JsonSyntaxError extends Error {}

/**
 * What is kept of a value: its JSON type, a scalar's value, and, for the
 * containers the struct reads, their strings (undefined when one member or
 * item is not a string or null: the type is wrong).
 */
type Kept =
  | { readonly type: 'null' | 'bool' | 'number' | 'string'; readonly value?: unknown; readonly text?: string }
  | { readonly type: 'array'; readonly value?: string[] }
  | { readonly type: 'object'; readonly value?: Map<string, Kept> | Map<string, string> };

/** How much of a value to keep: nothing but its type; a field's strings; the top-level object's fields. */
const SKIP = 0;
const FIELD = 1;
const ROOT = 2;

export interface ImageMetadata {
  /** The fields the image reads, as it reads them (absent when not in the document). */
  readonly fields: Record<string, unknown>;
  /** The checksums map (path relative to backup/ -> expected digest), as Go would hold it. */
  readonly checksums: Map<string, string> | undefined;
  readonly components: string[] | undefined;
}

class Parser {
  private at = 0;
  readonly problems: string[] = [];

  constructor(private readonly text: string) {}

  private fail(what: string): never {
    throw new JsonSyntaxError(`${what} at offset ${this.at}`);
  }

  private ws(): void {
    const t = this.text;
    while (this.at < t.length) {
      const c = t.charCodeAt(this.at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      this.at++;
    }
  }

  private string(): string {
    const t = this.text;
    const start = this.at;
    this.at++;
    let escaped = false;
    for (;;) {
      if (this.at >= t.length) this.fail('an unterminated string');
      const c = t.charCodeAt(this.at);
      if (c === 0x22) break;
      if (c < 0x20) this.fail('a control character in a string');
      if (c === 0x5c) {
        escaped = true;
        const e = t[this.at + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(this.at + 2, this.at + 6))) this.fail('a bad \\u escape');
          this.at += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) this.fail('a bad escape');
        this.at += 2;
        continue;
      }
      this.at++;
    }
    this.at++;
    const value = escaped ? (JSON.parse(t.slice(start, this.at)) as string) : t.slice(start + 1, this.at - 1);
    if (LONE_SURROGATE.test(value)) this.problems.push(`a string with a lone UTF-16 surrogate (${JSON.stringify(value.slice(0, 60))}): Go's encoding/json replaces it, and the image never writes one`);
    return value;
  }

  /**
   * Reads a value and keeps what `mode` asks for: ROOT keeps the members whose
   * key is one of the struct's fields (folded), each read as FIELD; FIELD
   * keeps an array's or object's strings; SKIP only the type. Nothing else is
   * built, so a megabyte of `[{},{},…]` costs no memory.
   */
  value(depth: number, mode: number): Kept {
    if (depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH}`);
    this.ws();
    const t = this.text;
    const c = t[this.at];
    if (c === '"') return { type: 'string', value: this.string() };
    if (c === '{') {
      this.at++;
      const fields = mode === ROOT ? new Map<string, Kept>() : undefined;
      let strings = mode === FIELD ? new Map<string, string>() : undefined;
      let keys: Set<string> | undefined;
      let first: string | undefined;
      this.ws();
      if (t[this.at] === '}') {
        this.at++;
        return { type: 'object', value: fields ?? strings };
      }
      for (;;) {
        this.ws();
        if (t[this.at] !== '"') this.fail('an object key that is not a string');
        const key = this.string();
        // Duplicate keys: a Set only once there are two (most objects here are small or empty).
        if (first === undefined) first = key;
        else {
          keys ??= new Set([first]);
          if (keys.has(key)) this.problems.push(`the key ${JSON.stringify(key.slice(0, 100))} twice in one object: Go's encoding/json keeps the last one`);
          keys.add(key);
        }
        this.ws();
        if (t[this.at] !== ':') this.fail('a missing ":"');
        this.at++;
        const field = fields !== undefined && FIELDS[folded(key)] !== undefined;
        const member = this.value(depth + 1, field ? FIELD : SKIP);
        if (field) fields.set(key, member);
        if (strings !== undefined) {
          if (member.type === 'string' || member.type === 'null') strings.set(key, member.type === 'string' ? (member.value as string) : '');
          else strings = undefined;
        }
        this.ws();
        if (t[this.at] === ',') {
          this.at++;
          continue;
        }
        if (t[this.at] === '}') {
          this.at++;
          return { type: 'object', value: fields ?? strings };
        }
        this.fail('a missing "," or "}"');
      }
    }
    if (c === '[') {
      this.at++;
      let items = mode === FIELD ? ([] as string[]) : undefined;
      this.ws();
      if (t[this.at] === ']') {
        this.at++;
        return { type: 'array', value: items };
      }
      for (;;) {
        const item = this.value(depth + 1, SKIP);
        if (items !== undefined) {
          if (item.type === 'string' || item.type === 'null') items.push(item.type === 'string' ? (item.value as string) : '');
          else items = undefined;
        }
        this.ws();
        if (t[this.at] === ',') {
          this.at++;
          continue;
        }
        if (t[this.at] === ']') {
          this.at++;
          return { type: 'array', value: items };
        }
        this.fail('a missing "," or "]"');
      }
    }
    if (t.startsWith('true', this.at)) {
      this.at += 4;
      return { type: 'bool', value: true };
    }
    if (t.startsWith('false', this.at)) {
      this.at += 5;
      return { type: 'bool', value: false };
    }
    if (t.startsWith('null', this.at)) {
      this.at += 4;
      return { type: 'null' };
    }
    NUMBER.lastIndex = this.at;
    const m = NUMBER.exec(t);
    if (m === null) this.fail(c === undefined ? 'the end of the text' : `an unexpected character ${JSON.stringify(c)}`);
    this.at += m[0].length;
    return { type: 'number', text: m[0], value: Number(m[0]) };
  }

  end(): void {
    this.ws();
    if (this.at !== this.text.length) this.fail('text after the JSON value');
  }
}

const DECODER = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes the metadata as the image would; `problems` lists every reason the
 * image would fail on it, or read it differently from what it says.
 */
export function decodeImageMetadata(bytes: Uint8Array): { metadata?: ImageMetadata; problems: string[] } {
  let text: string;
  try {
    text = DECODER.decode(bytes);
  } catch {
    return { problems: ['is not UTF-8: Go\'s encoding/json replaces the bad bytes, and the image never writes them'] };
  }
  const parser = new Parser(text);
  let root: Kept;
  try {
    root = parser.value(0, ROOT);
    parser.end();
  } catch (e) {
    if (e instanceof JsonSyntaxError) return { problems: [`is not valid JSON: ${e.message}`] };
    throw e;
  }
  if (root.type !== 'object') return { problems: ['is not a JSON object'] };
  const members = root.value as Map<string, Kept>;
  const problems = parser.problems.map((p) => `has ${p}`);
  const fields: Record<string, unknown> = {};
  let checksums: Map<string, string> | undefined;
  let components: string[] | undefined;
  for (const [key, member] of members) {
    const name = folded(key);
    const type = FIELDS[name];
    if (type === undefined) continue;
    if (key !== name) {
      problems.push(`has the key ${JSON.stringify(key)}: Go's encoding/json reads it as ${name} (keys match without regard to case), and the image never writes one`);
      continue;
    }
    if (member.type === 'null') continue;
    const wrong = (what: string) => problems.push(`: ${name} is ${what}: Go's encoding/json fails on it, and the restore with it`);
    switch (type) {
      case 'int': {
        const literal = member.type === 'number' ? (member.text ?? '') : '';
        if (member.type !== 'number' || !/^-?(0|[1-9][0-9]*)$/.test(literal) || BigInt(literal) > INT64_MAX || BigInt(literal) < -INT64_MAX - 1n) wrong('not a whole number that fits 64 bits');
        else fields[name] = member.value;
        break;
      }
      case 'string':
      case 'bool':
        if (member.type !== type) wrong(`not a ${type === 'bool' ? 'boolean' : 'string'}`);
        else fields[name] = member.value;
        break;
      case 'strings':
        if (member.type !== 'array' || member.value === undefined) wrong('not an array of strings');
        else fields[name] = components = member.value;
        break;
      case 'map':
        if (member.type !== 'object' || member.value === undefined) wrong('not an object of path: SHA-256');
        else {
          checksums = member.value as Map<string, string>;
          fields[name] = Object.fromEntries(checksums);
        }
        break;
    }
  }
  return { metadata: { fields, checksums, components }, problems };
}
