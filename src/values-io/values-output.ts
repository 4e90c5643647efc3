/**
 * Values printed as Helm's templates see them: `-o json` is exactly
 * `{{ toJson .Values }}` (Go's encoding/json: keys in byte order, `<`, `>`,
 * `&`, U+2028 and U+2029 escaped, integers beyond 2^53 with all their
 * digits); `-o yaml` is the same tree as YAML in the dialect Helm reads.
 */
import { isPlainObject, Values } from '../model/merge';
import { stringifyGoYaml } from '../model/go-yaml';

/** Go orders map keys by their UTF-8 bytes (JS sorts UTF-16 units, and puts integer-like keys first). */
export function goKeyOrder(keys: string[]): string[] {
  return keys
    .map((key) => ({ key, bytes: Buffer.from(key, 'utf8') }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map((entry) => entry.key);
}

function goString(text: string): string {
  return JSON.stringify(text)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function goScalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goString(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : JSON.stringify(value);
  return JSON.stringify(value);
}

/** `toJson` of a values tree, without recursion. */
export function goJsonValues(values: unknown): string {
  const parts: string[] = [];
  type Frame = { kind: 'list'; items: unknown[]; i: number } | { kind: 'map'; map: Values; keys: string[]; i: number };
  const stack: Frame[] = [];
  const open = (value: unknown): void => {
    if (Array.isArray(value)) {
      parts.push('[');
      stack.push({ kind: 'list', items: value, i: 0 });
    } else if (isPlainObject(value)) {
      parts.push('{');
      stack.push({ kind: 'map', map: value, keys: goKeyOrder(Object.keys(value)), i: 0 });
    } else {
      parts.push(goScalar(value));
    }
  };
  open(values);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.kind === 'list') {
      if (frame.i >= frame.items.length) {
        parts.push(']');
        stack.pop();
        continue;
      }
      if (frame.i > 0) parts.push(',');
      open(frame.items[frame.i++]);
    } else {
      if (frame.i >= frame.keys.length) {
        parts.push('}');
        stack.pop();
        continue;
      }
      if (frame.i > 0) parts.push(',');
      const key = frame.keys[frame.i++];
      parts.push(`${goString(key)}:`);
      open(frame.map[key]);
    }
  }
  return parts.join('');
}

/** The tree with maps as `Map`s in Go's key order, for the YAML writer (which keeps a Map's order). */
function ordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(ordered);
  if (isPlainObject(value)) return new Map(goKeyOrder(Object.keys(value)).map((key) => [key, ordered(value[key])]));
  return value;
}

/** Values as YAML: keys in Go's order, strings quoted whenever Helm would read them as another type. */
export function goYamlValues(values: Values): string {
  return stringifyGoYaml(ordered(values), { lineWidth: 0, version: '1.2' });
}
