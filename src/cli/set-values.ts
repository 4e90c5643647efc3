/**
 * Helm's `--set` syntax: `a.b=c,d[0].e=f`, lists as `{x,y}`, `\` escapes `,`,
 * `.`, `=` and `[`. With `--set` the value's type is inferred as Helm infers it
 * (true/false, null, integers); with `--set-string` it stays a string.
 * No npm package implements this syntax, so it is kept small and tested here.
 */
import { isPlainObject, Values } from '../model/merge';

/** A `--set` expression that cannot be read. */
export class SetSyntaxError extends Error {}

type Step = { kind: 'key'; key: string } | { kind: 'index'; index: number };

const MAX_LIST_INDEX = 65536;

/** Splits on an unescaped separator, keeping escapes for the next stage. */
function splitUnescaped(text: string, separator: string, respectBraces: boolean): string[] {
  const parts: string[] = [];
  let current = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + text[i + 1];
      i++;
      continue;
    }
    if (respectBraces && ch === '{') depth++;
    if (respectBraces && ch === '}') depth = Math.max(0, depth - 1);
    if (ch === separator && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

function parsePath(path: string, expression: string): Step[] {
  const steps: Step[] = [];
  for (const raw of splitUnescaped(path, '.', false)) {
    const match = /^((?:\\.|[^[\\])*)((?:\[\d+\])*)$/.exec(raw);
    if (!match || (match[1] === '' && match[2] === '')) throw new SetSyntaxError(`"${expression}": empty key in "${path}"`);
    if (match[1] !== '') steps.push({ kind: 'key', key: unescape(match[1]) });
    for (const idx of match[2].matchAll(/\[(\d+)\]/g)) {
      const index = Number(idx[1]);
      if (index > MAX_LIST_INDEX) throw new SetSyntaxError(`"${expression}": list index ${index} is too large`);
      steps.push({ kind: 'index', index });
    }
  }
  if (steps[0].kind !== 'key') throw new SetSyntaxError(`"${expression}": a path must start with a key`);
  return steps;
}

function typed(text: string, asString: boolean): unknown {
  if (asString) return text;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (/^(0|-?[1-9][0-9]*)$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  return text;
}

function parseValue(text: string, asString: boolean): unknown {
  if (text.startsWith('{') && text.endsWith('}')) {
    const inner = text.slice(1, -1);
    return inner === '' ? [] : splitUnescaped(inner, ',', true).map((item) => typed(unescape(item), asString));
  }
  return typed(unescape(text), asString);
}

function assign(target: Values, steps: Step[], value: unknown, expression: string): void {
  let node: unknown = target;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const last = i === steps.length - 1;
    const nextIsIndex = !last && steps[i + 1].kind === 'index';
    if (step.kind === 'key') {
      const map = node as Values;
      if (last) {
        map[step.key] = value;
        return;
      }
      const existing = map[step.key];
      if (nextIsIndex ? !Array.isArray(existing) : !isPlainObject(existing)) map[step.key] = nextIsIndex ? [] : {};
      node = map[step.key];
    } else {
      if (!Array.isArray(node)) throw new SetSyntaxError(`"${expression}": cannot index a non-list`);
      while (node.length <= step.index) node.push(null);
      if (last) {
        node[step.index] = value;
        return;
      }
      const existing = node[step.index];
      if (nextIsIndex ? !Array.isArray(existing) : !isPlainObject(existing)) node[step.index] = nextIsIndex ? [] : {};
      node = node[step.index];
    }
  }
}

/** Applies one `--set` (or `--set-string`) argument to a values document. */
export function applySet(target: Values, expression: string, asString = false): void {
  for (const assignment of splitUnescaped(expression, ',', true)) {
    if (assignment === '') continue;
    const [path, ...rest] = splitUnescaped(assignment, '=', false);
    if (rest.length === 0) throw new SetSyntaxError(`"${assignment}": expected key=value`);
    const value = rest.join('=');
    assign(target, parsePath(path, assignment), parseValue(value, asString), assignment);
  }
}
