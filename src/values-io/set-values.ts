/**
 * Helm's `--set` syntax (its strvals reader), with the same results and the
 * same refusals, checked against the Helm 3 and Helm 4 binaries
 * (test/values-io/strvals-helm.test.ts):
 *
 * - `a.b=c,d[0].e=f`; `{x,y}` is a list; `\` takes the next character as is
 *   (a trailing `\` is dropped); a trailing `,` is allowed, an empty
 *   assignment (`a=1,,b=2`) is not.
 * - With `--set`, `true`/`false`/`null` in any letter case, and decimal
 *   integers within 64 bits that do not start with `0` (`+1`, `-0`, `-12`),
 *   are typed; everything else stays a string (`1.5`, `1e3`, `0x1F`, `007`).
 *   With `--set-string` every value is a string.
 * - An assignment with an empty key is skipped (`=1`, `.a=1`); `a.=1` and
 *   `a.b` are errors; `a={}` is a list holding one empty string.
 * - Writing through a value of another kind (`a=x,a.b=y`, `a[0]=1,a.b=2`,
 *   a map or list path through a `null`) is an error, except that a list
 *   item that is not a map is replaced by one (`a[0]=1,a[0].b=2`).
 * - At most 30 nested names, list indexes 0 to 65536.
 *
 * Integers beyond 2^53 are returned as `bigint` so that their digits survive.
 * Keys are own properties, so `__proto__`, `constructor` and `prototype` are
 * plain keys.
 */
import { hasOwn, isPlainObject, MAX_VALUES_DEPTH, setOwn, Values } from '../model/merge';

/** A `--set` expression that Helm refuses too. */
export class SetSyntaxError extends Error {}

/** Helm's limits (strvals.MaxNestedNameLevel and MaxIndex). */
export const MAX_NESTED_NAMES = 30;
export const MAX_LIST_INDEX = 65536;

const EOF = Symbol('eof');

class Scanner {
  private pos = 0;
  constructor(private readonly runes: string[]) {}

  read(): string | typeof EOF {
    return this.pos < this.runes.length ? this.runes[this.pos++] : EOF;
  }

  unread(): void {
    this.pos--;
  }

  /** Characters up to one of `stop` (consumed), with `\x` read as `x`. */
  until(stop: string): { text: string; last: string | typeof EOF } {
    let text = '';
    for (;;) {
      const r = this.read();
      if (r === EOF) return { text, last: EOF };
      if (stop.includes(r)) return { text, last: r };
      if (r === '\\') {
        const next = this.read();
        if (next === EOF) return { text, last: EOF };
        text += next;
      } else {
        text += r;
      }
    }
  }
}

const TRUE = /^[tT][rR][uU][eE]$/;
const FALSE = /^[fF][aA][lL][sSſ][eE]$/;
const NULL = /^[nN][uU][lL][lL]$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Helm's typing of a `--set` value. */
export function typedSetValue(text: string, asString: boolean): unknown {
  if (asString) return text;
  if (TRUE.test(text)) return true;
  if (FALSE.test(text)) return false;
  if (NULL.test(text)) return null;
  if (text === '0') return 0;
  if (text !== '' && text[0] !== '0' && /^[-+]?[0-9]+$/.test(text)) {
    const value = BigInt(text);
    if (value >= INT64_MIN && value <= INT64_MAX) {
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
    }
  }
  return text;
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a map';
  return `${typeof value === 'bigint' ? 'number' : typeof value} ${JSON.stringify(typeof value === 'bigint' ? value.toString() : value)}`;
}

/** Go's `strconv.Atoi`. */
function atoi(text: string): number {
  if (!/^[-+]?[0-9]+$/.test(text)) throw new SetSyntaxError(`list index "${text}" is not an integer`);
  const value = BigInt(text);
  if (value < INT64_MIN || value > INT64_MAX) throw new SetSyntaxError(`list index ${text} is out of range`);
  return value > BigInt(MAX_LIST_INDEX) ? MAX_LIST_INDEX + 1 : value < -BigInt(MAX_LIST_INDEX) ? -1 : Number(value);
}

class SetParser {
  private readonly sc: Scanner;
  private depth = 0;

  constructor(
    expression: string,
    private readonly asString: boolean,
  ) {
    this.sc = new Scanner(Array.from(expression));
  }

  parse(data: Values): void {
    while (this.key(data, 0) !== EOF);
  }

  private typed(text: string): unknown {
    return typedSetValue(text, this.asString);
  }

  private nest<T>(fn: () => T): T {
    if (++this.depth > MAX_VALUES_DEPTH) throw new SetSyntaxError(`values nested deeper than ${MAX_VALUES_DEPTH} levels`);
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  /** One assignment into `data`; EOF when the expression is used up. */
  private key(data: Values, nestedNames: number): typeof EOF | undefined {
    const { text: k, last } = this.sc.until('=[,.');
    if (last === EOF) {
      if (k === '') return EOF;
      throw new SetSyntaxError(`key "${k}" has no value`);
    }
    switch (last) {
      case '[': {
        const index = this.index();
        let list: unknown[] = [];
        if (hasOwn(data, k)) {
          const existing = data[k];
          if (!Array.isArray(existing)) throw new SetSyntaxError(`"${k}" is ${kindOf(existing)}, not a list`);
          list = existing;
        }
        const [result, end] = this.nest(() => this.listItem(list, index, nestedNames));
        set(data, k, result);
        return end;
      }
      case '=': {
        const list = this.valueList();
        if (list === EOF) {
          set(data, k, '');
          return EOF;
        }
        set(data, k, list ?? this.typed(this.sc.until(',').text));
        return undefined;
      }
      case ',':
        throw new SetSyntaxError(`key "${k}" has no value (cannot end with ,)`);
      default: {
        // '.'
        if (nestedNames + 1 > MAX_NESTED_NAMES) {
          throw new SetSyntaxError(`value name nested level is greater than maximum supported nested level of ${MAX_NESTED_NAMES}`);
        }
        let inner: Values = {};
        if (hasOwn(data, k)) {
          const existing = data[k];
          if (!isPlainObject(existing)) throw new SetSyntaxError(`"${k}" is ${kindOf(existing)}, not a map`);
          inner = existing;
        }
        const end = this.nest(() => this.key(inner, nestedNames + 1));
        const empty = Object.keys(inner).length === 0;
        if (end === undefined && empty) throw new SetSyntaxError(`key map "${k}" has no value`);
        if (!empty) set(data, k, inner);
        return end;
      }
    }
  }

  private index(): number {
    const { text, last } = this.sc.until(']');
    if (last === EOF) throw new SetSyntaxError('a list index is missing its "]"');
    return atoi(text);
  }

  /** `{a,b}`: the list, or null when the value is not a list, or EOF when nothing follows `=`. */
  private valueList(): unknown[] | null | typeof EOF {
    const r = this.sc.read();
    if (r === EOF) return EOF;
    if (r !== '{') {
      this.sc.unread();
      return null;
    }
    const list: unknown[] = [];
    for (;;) {
      const { text, last } = this.sc.until(',}');
      if (last === EOF) throw new SetSyntaxError("list must terminate with '}'");
      list.push(this.typed(text));
      if (last === '}') {
        const next = this.sc.read();
        if (next !== EOF && next !== ',') this.sc.unread();
        return list;
      }
    }
  }

  /** What follows `name[i]`; returns the list and EOF when the expression ended without a value. */
  private listItem(list: unknown[], i: number, nestedNames: number): [unknown[], typeof EOF | undefined] {
    if (i < 0) throw new SetSyntaxError(`negative ${i} index not allowed`);
    const { text: k, last } = this.sc.until('[.=');
    if (k !== '') throw new SetSyntaxError(`unexpected data at end of array index: "${k}"`);
    if (last === EOF) return [list, EOF];
    switch (last) {
      case '=': {
        const value = this.valueList();
        if (value === EOF) return [setIndex(list, i, ''), undefined];
        return [setIndex(list, i, value ?? this.typed(this.sc.until(',').text)), undefined];
      }
      case '[': {
        const next = this.index();
        let inner: unknown[] = [];
        if (list.length > i && list[i] !== null && list[i] !== undefined) {
          if (!Array.isArray(list[i])) throw new SetSyntaxError(`item ${i} is ${kindOf(list[i])}, not a list`);
          inner = list[i] as unknown[];
        }
        const [result, end] = this.nest(() => this.listItem(inner, next, nestedNames));
        if (end === EOF) return [list, EOF];
        return [setIndex(list, i, result), undefined];
      }
      default: {
        // '.': an item that is not a map is replaced by one.
        let inner: Values = {};
        if (list.length > i) {
          if (isPlainObject(list[i])) inner = list[i];
          else list[i] = inner;
        }
        const end = this.nest(() => this.key(inner, nestedNames));
        if (end === EOF) return [list, EOF];
        return [setIndex(list, i, inner), undefined];
      }
    }
  }
}

function set(data: Values, key: string, value: unknown): void {
  if (key === '') return;
  setOwn(data, key, value);
}

function setIndex(list: unknown[], index: number, value: unknown): unknown[] {
  if (index < 0) throw new SetSyntaxError(`negative ${index} index not allowed`);
  if (index > MAX_LIST_INDEX) throw new SetSyntaxError(`list index greater than the maximum of ${MAX_LIST_INDEX}`);
  while (list.length <= index) list.push(null);
  list[index] = value;
  return list;
}

/** Applies one `--set` (or `--set-string`) argument to a values document, in place, as Helm does. */
export function applySet(target: Values, expression: string, asString = false): void {
  new SetParser(expression, asString).parse(target);
}
