/**
 * Reads values the way `helm template` does: files in order (`-` is stdin),
 * then `--set`s, then `--set-string`s, applied in place over the merged files.
 *
 * Files are read in Helm's YAML dialect (sigs.k8s.io/yaml over go-yaml v2,
 * see src/model/go-yaml.ts): duplicate keys keep the last value, `<<` merges,
 * `!!binary` is decoded, a UTF-8 or UTF-16 byte order mark is honoured, and
 * what Helm refuses is refused with one line naming the file and the line:
 * invalid UTF-8, control characters, `.inf`/`.nan`, keys that are maps,
 * lists or null, a document that is not a map.
 *
 * Input is bounded: files up to MAX_VALUES_FILE_BYTES, nesting up to
 * MAX_VALUES_DEPTH, and the work is linear in the size of the input.
 */
import { closeSync, fstatSync, openSync, readSync } from 'fs';
import { Document, isAlias, isMap, isScalar, isSeq, LineCounter, Node, Pair, parseAllDocuments, visit } from '../yaml';
import { GoNumber, GO_YAML_SCALAR_TAGS } from '../model/go-yaml';
import { isPlainObject, MAX_VALUES_DEPTH, mergeUserValues, setOwn, Values } from '../model/merge';
import { InputError } from '../input-error';
import { applySet, SetSyntaxError } from './set-values';
import { prescanYaml } from './yaml-prescan';

export { InputError };

/** Largest values file read (bytes). */
export const MAX_VALUES_FILE_BYTES = 10 * 1024 * 1024;

/** Most maps, lists and scalars one file may expand to, aliases included. */
export const MAX_VALUES_NODES = 2_000_000;

/** One `--set`/`--set-string` argument; all `--set`s are applied before the `--set-string`s, as Helm does. */
export interface SetArgument {
  readonly expression: string;
  readonly asString: boolean;
}

/** Characters go-yaml refuses anywhere in a document (escapes such as `"\x01"` are fine). */
const FORBIDDEN = /[^\t\n\r\x20-\x7e\u0085\u00a0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** The text of a values file: UTF-8, or UTF-16 with a byte order mark, as go-yaml decodes it. */
export function decodeValuesBytes(bytes: Uint8Array, source: string): string {
  if (bytes.length > MAX_VALUES_FILE_BYTES) {
    throw new InputError([`${source}: the file is ${bytes.length} bytes; values files are limited to ${MAX_VALUES_FILE_BYTES} bytes (10 MiB)`]);
  }
  let text: string;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    text = new TextDecoder('utf-16le').decode(bytes.subarray(2));
  } else if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    text = new TextDecoder('utf-16be').decode(bytes.subarray(2));
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      let good = 0;
      for (let end = bytes.length; good < end; ) {
        // Longest valid prefix, found by halving: for the line number only.
        const mid = Math.ceil((good + end) / 2);
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid));
          good = mid;
        } catch {
          end = mid - 1;
        }
      }
      const line = bytes.subarray(0, good).reduce((n, b) => (b === 0x0a ? n + 1 : n), 1);
      throw new InputError([`${source}: line ${line}: invalid UTF-8; values files must be UTF-8 (or UTF-16 with a byte order mark)`]);
    }
  }
  return text;
}

/** Refuses the characters go-yaml refuses, naming the line. */
function checkCharacters(text: string, source: string): void {
  const bad = FORBIDDEN.exec(text);
  if (bad) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new InputError([`${source}: line ${lineOf(text, bad.index)}: control character U+${code} is not allowed in YAML; write it as an escape in a double-quoted string`]);
  }
  const nel = text.indexOf('\u0085');
  if (nel !== -1) {
    throw new InputError([`${source}: line ${lineOf(text, nel)}: character U+0085 (NEL) is not allowed: Helm's YAML reader takes it for a line break; write "\\N" in a double-quoted string`]);
  }
}

/** Go's `strconv.FormatFloat(f, 'g', -1, 32)`, the spelling of a float map key. */
function goFloat32Key(value: number): string {
  if (Number.isNaN(value)) return '.nan';
  if (value === Infinity) return '.inf';
  if (value === -Infinity) return '-.inf';
  const f = Math.fround(value);
  if (!Number.isFinite(f)) return f > 0 ? '.inf' : '-.inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  let digits = '';
  for (let p = 1; p <= 9; p++) {
    digits = f.toExponential(p - 1);
    if (Math.fround(Number(digits)) === f) break;
  }
  const [mantissa, exp] = digits.split('e');
  const exponent = Number(exp);
  if (exponent < -4 || exponent >= 6) {
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const sign = mantissa.startsWith('-') ? '-' : '';
  const ds = mantissa.replace('-', '').replace('.', '');
  if (exponent >= ds.length - 1) return `${sign}${ds}${'0'.repeat(exponent - ds.length + 1)}`;
  if (exponent >= 0) return `${sign}${ds.slice(0, exponent + 1)}.${ds.slice(exponent + 1)}`;
  return `${sign}0.${'0'.repeat(-exponent - 1)}${ds}`;
}

/** Converts a parsed document to values as sigs.k8s.io/yaml does, with limits. */
class Converter {
  private nodes = 0;
  private aliasDepth = 0;
  private aliasNodes = 0;

  constructor(
    private readonly doc: Document,
    private readonly source: string,
    private readonly lines: LineCounter,
    /** Integers beyond 2^53 stay `bigint` (go-yaml reads them as exact int64 or uint64). */
    private readonly exactIntegers: boolean = false,
  ) {}

  private fail(node: Node | null | undefined, message: string): never {
    const at = node?.range ? `line ${this.lines.linePos(node.range[0]).line}: ` : '';
    throw new InputError([`${this.source}: ${at}${message}`]);
  }

  private readonly sizes = new Map<unknown, number>();

  /** How many values a node expands to, aliases included; linear thanks to the memo of anchored nodes. */
  size(node: unknown, depth: number, maxNodes: number = MAX_VALUES_NODES): number {
    if (depth > MAX_VALUES_DEPTH) this.fail(node as Node, `values are nested deeper than ${MAX_VALUES_DEPTH} levels`);
    const target = this.deref(node);
    if (!isMap(target) && !isSeq(target)) return 1;
    const known = this.sizes.get(target);
    if (known !== undefined) return known;
    let total = 1;
    for (const item of target.items) {
      total += isMap(target) ? this.size((item as Pair).value, depth + 1, maxNodes) : this.size(item, depth + 1, maxNodes);
      if (total > maxNodes) break;
    }
    this.sizes.set(target, total);
    return total;
  }

  /** The node of each alias, found in one walk of the document (the yaml library's own lookup walks the document for each alias). */
  private targets?: Map<unknown, unknown>;

  private deref(node: unknown): unknown {
    if (!isAlias(node)) return node;
    if (this.targets === undefined) {
      const targets = new Map<unknown, unknown>();
      const anchors = new Map<string, unknown>();
      // In document order: an alias names the last node anchored before it.
      visit(this.doc, (_, n) => {
        if (isAlias(n)) targets.set(n, anchors.get(n.source));
        else if ((isScalar(n) || isMap(n) || isSeq(n)) && n.anchor) anchors.set(n.anchor, n);
      });
      this.targets = targets;
    }
    const target = this.targets.get(node);
    if (target === undefined) this.fail(node, `unknown anchor '${node.source}' referenced`);
    return target;
  }

  /**
   * go-yaml's guard against alias bombs: once more than 1000 nodes are decoded, of which more than 100
   * inside aliases, the share decoded inside aliases must stay under a ratio that falls from 0.99
   * (up to 400,000 nodes) to 0.10 (from 4,000,000 nodes).
   */
  private tick(node: unknown): void {
    this.nodes++;
    if (this.aliasDepth > 0) this.aliasNodes++;
    if (this.aliasNodes > 100 && this.nodes > 1000) {
      const allowed = this.nodes <= 400_000 ? 0.99 : this.nodes >= 4_000_000 ? 0.1 : 0.99 - (0.89 * (this.nodes - 400_000)) / 3_600_000;
      if (this.aliasNodes / this.nodes > allowed) this.fail(node as Node, 'the document contains excessive aliasing (Helm refuses it too)');
    }
  }

  private enter<T>(node: unknown, convert: (target: unknown) => T): T {
    this.tick(node);
    if (!isAlias(node)) return convert(node);
    const target = this.deref(node);
    this.aliasDepth++;
    try {
      this.tick(target);
      return convert(target);
    } finally {
      this.aliasDepth--;
    }
  }

  key(node: unknown): string {
    return this.enter(node, (target) => this.keyOf(node, target as Node | null | undefined));
  }

  private keyOf(node: unknown, target: Node | null | undefined): string {
    if (!isScalar(target)) this.fail(isAlias(node) ? node : target, 'a map key must be a string, number or boolean, not a map or a list');
    const value = target.value;
    if (value === null || value === undefined) this.fail(target, 'a map key must not be null or empty');
    if (typeof value === 'string') return value;
    if (typeof value === 'boolean') return String(value);
    if (value instanceof GoNumber) {
      return value.scalar.kind === 'int' ? value.scalar.value.toString() : goFloat32Key(value.scalar.value);
    }
    if (typeof value === 'number') return String(value);
    // The go-yaml schema resolves every scalar to one of the kinds above.
    return this.fail(target, 'a map key must be a string, number or boolean, not a map or a list');
  }

  value(node: unknown, depth: number): unknown {
    if (depth > MAX_VALUES_DEPTH) this.fail(node as Node, `values are nested deeper than ${MAX_VALUES_DEPTH} levels`);
    return this.enter(node, (target) => this.valueOf(target, depth));
  }

  private valueOf(target: unknown, depth: number): unknown {
    if (target === null || target === undefined) return null;
    if (isScalar(target)) {
      const value = target.value;
      if (value instanceof GoNumber) {
        if (this.exactIntegers && value.scalar.kind === 'int' && !Number.isSafeInteger(Number(value.scalar.value))) return value.scalar.value;
        const number = value.toNumber();
        if (!Number.isFinite(number)) this.fail(target, `${String(target.source ?? number)} is not a value Helm accepts (infinity and NaN cannot be written as JSON)`);
        return number;
      }
      if (typeof value === 'string' && /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value)) {
        this.fail(target, 'found invalid Unicode character escape code (a lone surrogate)');
      }
      return value === undefined ? null : value;
    }
    if (isSeq(target)) return target.items.map((item) => this.value(item, depth + 1));
    if (isMap(target)) {
      const out: Values = {};
      for (const pair of target.items) {
        const key = pair.key as Node | null;
        // go-yaml merges on a plain `<<`, and on any `<<` tagged !!merge.
        // (the yaml library resolves a !!merge-tagged key to a symbol).
        if (isScalar(key) && ((key.value === '<<' && key.type === 'PLAIN' && !key.tag) || key.tag === 'tag:yaml.org,2002:merge')) {
          if (key.tag && key.source !== '<<') this.fail(key, 'a key tagged !!merge must be <<');
          this.merge(out, pair.value, depth);
          continue;
        }
        setOwn(out, this.key(key), this.value(pair.value, depth + 1));
      }
      return out;
    }
    return this.fail(target as Node, 'unsupported YAML node');
  }

  /** `<<: map` or `<<: [maps]` (earlier maps of the list win); later keys of the map override. */
  private merge(out: Values, node: unknown, depth: number): void {
    const target = this.deref(node);
    const sources = isSeq(target) ? [...target.items].reverse() : [target];
    for (const source of sources) {
      const merged = this.value(source, depth + 1);
      if (!isPlainObject(merged)) this.fail(target as Node, 'a merge key (<<) needs a map or a list of maps');
      for (const k of Object.keys(merged)) setOwn(out, k, merged[k]);
    }
  }
}

/**
 * The documents of a YAML stream in the dialect. Depth and size are bounded
 * first, by a linear pass (prescanYaml), so that the parser never builds a
 * tree the limits refuse; a stack overflow is the depth refusal too.
 * `maxNodes` bounds each document when `perDocument`, all together otherwise.
 */
function parseGoYamlDocuments(text: string, source: string, lineCounter: LineCounter, maxNodes: number, perDocument: boolean): Document[] {
  const excess = prescanYaml(text, MAX_VALUES_DEPTH, maxNodes, perDocument);
  if (excess?.kind === 'depth') throw new InputError([`${source}: line ${lineOf(text, excess.index)}: values are nested deeper than ${MAX_VALUES_DEPTH} levels`]);
  if (excess?.kind === 'nodes') throw new InputError([`${source}: the document expands to more than ${maxNodes} values (aliases included)`]);
  let docs: Document[];
  try {
    docs = parseAllDocuments(text, {
      schema: 'failsafe',
      customTags: GO_YAML_SCALAR_TAGS,
      uniqueKeys: false,
      prettyErrors: false,
      lineCounter,
    });
  } catch (e) {
    if (e instanceof RangeError) throw new InputError([`${source}: values are nested deeper than ${MAX_VALUES_DEPTH} levels`]);
    throw e;
  }
  return Array.isArray(docs) ? docs : [docs];
}

/** One document of a stream read by readGoYamlStream: its value, or the one line saying why it cannot be read. */
export type GoYamlDocument = { readonly value: unknown } | { readonly problem: string };

/**
 * Every document of a multi-document YAML stream, read as sigs.k8s.io/yaml
 * reads each (go-yaml v2: `<<` merges, duplicate keys keep the last value,
 * YAML 1.1 scalars; integers beyond 2^53 stay exact as `bigint`), with the
 * limits of values files. `where(i)` names document i in messages. This is
 * how Argo CD's repo server reads a plugin's output.
 *
 * @throws InputError for what spoils the whole stream (characters go-yaml refuses)
 */
export function readGoYamlStream(text: string, where: (index: number) => string): GoYamlDocument[] {
  checkCharacters(text, where(0));
  const lineCounter = new LineCounter();
  const docs = parseGoYamlDocuments(text, where(0), lineCounter, MAX_VALUES_NODES, true);
  return docs.map((doc, i) => {
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      return { problem: `${where(i)}: not valid YAML (line ${lineCounter.linePos(e.pos[0]).line}: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')})` };
    }
    try {
      const converter = new Converter(doc, where(i), lineCounter, true);
      if (converter.size(doc.contents, 0) > MAX_VALUES_NODES) {
        return { problem: `${where(i)}: the document expands to more than ${MAX_VALUES_NODES} values (aliases included)` };
      }
      return { value: converter.value(doc.contents, 0) };
    } catch (e) {
      if (e instanceof InputError) return { problem: e.lines[0] };
      throw e;
    }
  });
}

/**
 * Parses a values file's text; `source` names it in messages. `maxNodes`
 * bounds the values the document holds and expands to (the Argo CD plugin
 * gives a tighter bound than the CLI's MAX_VALUES_NODES).
 */
export function parseValuesText(text: string, source: string, maxNodes: number = MAX_VALUES_NODES): Values {
  checkCharacters(text, source);
  const lineCounter = new LineCounter();
  // One document holds the values (a later one is refused), so the values of all count together.
  const docs = parseGoYamlDocuments(text, source, lineCounter, maxNodes, false);
  const errors = docs.flatMap((d) => d.errors);
  if (errors.length > 0) {
    throw new InputError(
      errors.slice(0, 5).map((e) =>
        /call stack/i.test(e.message)
          ? `${source}: values are nested deeper than ${MAX_VALUES_DEPTH} levels`
          : `${source}: line ${lineCounter.linePos(e.pos[0]).line}: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
      ),
    );
  }
  if (docs.length === 0) return {};
  const later = docs.slice(1).find((d) => d.contents !== null && !(isScalar(d.contents) && d.contents.value === null));
  if (later) {
    const line = later.contents?.range ? lineCounter.linePos(later.contents.range[0]).line : 1;
    throw new InputError([
      `${source}: line ${line}: a values file must hold one YAML document (Helm 3 reads only the first, Helm 4 merges them all); split it into several -f files`,
    ]);
  }
  const converter = new Converter(docs[0], source, lineCounter);
  if (converter.size(docs[0].contents, 0, maxNodes) > maxNodes) {
    throw new InputError([`${source}: the document expands to more than ${maxNodes} values (aliases included)`]);
  }
  const value = converter.value(docs[0].contents, 0);
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) throw new InputError([`${source}: a values file must hold a map of keys, not ${Array.isArray(value) ? 'a list' : typeof value}`]);
  return value;
}

/** Parses a values file's bytes (see decodeValuesBytes). */
export function parseValuesBytes(bytes: Uint8Array, source: string, maxNodes: number = MAX_VALUES_NODES): Values {
  return parseValuesText(decodeValuesBytes(bytes, source), source, maxNodes);
}

/**
 * How readValues reads a file; `-` is standard input, as for Helm. Reading
 * stops one byte past the size limit, so an endless or huge stream (a pipe,
 * /dev/stdin, /dev/urandom) is refused without being held in memory.
 */
export function readValuesFile(path: string): Uint8Array {
  const stdin = path.trim() === '-';
  const fd = stdin ? 0 : openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    if (stat.isFile() && stat.size > MAX_VALUES_FILE_BYTES) {
      throw new InputError([`${path}: the file is ${stat.size} bytes; values files are limited to ${MAX_VALUES_FILE_BYTES} bytes (10 MiB)`]);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      let read: number;
      try {
        read = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue; // a non-blocking standard input
        if ((e as NodeJS.ErrnoException).code === 'EOF') break;
        throw e;
      }
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      total += read;
      if (total > MAX_VALUES_FILE_BYTES) {
        throw new InputError([`${stdin ? 'standard input' : path}: more than ${MAX_VALUES_FILE_BYTES} bytes; values files are limited to 10 MiB`]);
      }
    }
    return Buffer.concat(chunks, total);
  } finally {
    if (!stdin) closeSync(fd);
  }
}

/** Options of readValues. */
export interface ReadValuesOptions {
  /**
   * Keep `--set` integers beyond 2^53 as `bigint` (the `values` command prints their digits);
   * otherwise they become the nearest number, as everything else that renders takes numbers.
   */
  readonly exactIntegers?: boolean;
  /**
   * Most values the files may hold and expand to, together (the Argo CD
   * plugin's bound); without it, each file may hold MAX_VALUES_NODES.
   *
   * @default MAX_VALUES_NODES a file
   */
  readonly maxNodes?: number;
  /**
   * Most bytes the files may hold together (the Argo CD plugin's bound);
   * without it, each file may hold MAX_VALUES_FILE_BYTES.
   *
   * @default MAX_VALUES_FILE_BYTES a file
   */
  readonly maxTotalBytes?: number;
}

/** How many maps, lists and scalars a values tree holds (as Converter.size counts them), without recursion. */
function countValues(values: unknown): number {
  let count = 0;
  const stack: unknown[] = [values];
  while (stack.length > 0) {
    const node = stack.pop();
    count++;
    if (Array.isArray(node)) for (const item of node) stack.push(item);
    else if (isPlainObject(node)) for (const key of Object.keys(node)) stack.push(node[key]);
  }
  return count;
}

/** Replaces bigints by numbers, without recursion. */
function withNumbers(values: Values): Values {
  const stack: unknown[] = [values];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        if (typeof node[i] === 'bigint') node[i] = Number(node[i]);
        else if (node[i] !== null && typeof node[i] === 'object') stack.push(node[i]);
      }
    } else if (isPlainObject(node)) {
      for (const key of Object.keys(node)) {
        const item = node[key];
        if (typeof item === 'bigint') setOwn(node, key, Number(item));
        else if (item !== null && typeof item === 'object') stack.push(item);
      }
    }
  }
  return values;
}

/** Reads and merges values files, then applies `--set`s. */
export function readValues(
  files: string[],
  sets: SetArgument[],
  readBytes: (path: string) => Uint8Array | string = readValuesFile,
  options: ReadValuesOptions = {},
): Values {
  const problems: string[] = [];
  let values: Values = {};
  let bytes = 0;
  let count = 0;
  for (const file of files) {
    let content: Uint8Array | string;
    try {
      content = readBytes(file);
      bytes += content.length;
      if (options.maxTotalBytes !== undefined && bytes > options.maxTotalBytes) {
        problems.push(`${file}: the values files hold more than ${options.maxTotalBytes} bytes together (${options.maxTotalBytes / 1024 / 1024} MiB, the limit here)`);
        break;
      }
    } catch (e) {
      if (e instanceof InputError) {
        problems.push(...e.lines);
        continue;
      }
      problems.push(`${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      continue;
    }
    try {
      const parsed = typeof content === 'string' ? parseValuesText(content, file, options.maxNodes) : parseValuesBytes(content, file, options.maxNodes);
      if (options.maxNodes !== undefined) {
        count += countValues(parsed);
        if (count > options.maxNodes) {
          problems.push(`${file}: the values files hold more than ${options.maxNodes} values together (aliases included)`);
          break;
        }
      }
      values = mergeUserValues(values, parsed);
    } catch (e) {
      if (e instanceof InputError) problems.push(...e.lines);
      else throw e;
    }
  }
  // Helm applies every --set, then every --set-string.
  for (const set of [...sets.filter((x) => !x.asString), ...sets.filter((x) => x.asString)]) {
    try {
      applySet(values, set.expression, set.asString);
    } catch (e) {
      if (e instanceof SetSyntaxError) problems.push(`${set.asString ? '--set-string' : '--set'} ${JSON.stringify(set.expression)}: ${e.message}`);
      else throw e;
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  // Only a --set makes bigints (files read integers as numbers): without one there is nothing to walk.
  return options.exactIntegers || sets.every((set) => set.asString) ? values : withNumbers(values);
}


