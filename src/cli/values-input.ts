/**
 * Reads values the way `helm template` does: files in order, then `--set`s.
 */
import { readFileSync } from 'fs';
import { LineCounter, parseDocument, type Tags } from '../yaml';
import { isPlainObject, mergeUserValues, Values } from '../model/merge';
import { InputError } from '../input-error';
import { applySet, SetSyntaxError } from './set-values';

export { InputError };

/** One `--set`/`--set-string` argument; all `--set`s are applied before the `--set-string`s, as Helm does. */
export interface SetArgument {
  readonly expression: string;
  readonly asString: boolean;
}

/**
 * YAML as Helm reads values files: YAML 1.1 scalars (`yes`/`no`/`on`/`off` are
 * booleans, `0777` is octal) and merge keys, but timestamps stay strings.
 */
const HELM_YAML = {
  version: '1.1',
  customTags: (tags: Tags) => tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp'),
} as const;

/** Parses a values file's text; `source` names it in messages. */
export function parseValuesText(text: string, source: string): Values {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...HELM_YAML, uniqueKeys: true, prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    throw new InputError(
      doc.errors.map((e) => `${source}: line ${lineCounter.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // Unresolved aliases and alias bombs are only found while converting.
    throw new InputError([`${source}: ${(e as Error).message.split('\n')[0]}`]);
  }
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) throw new InputError([`${source}: a values file must hold a map of keys, not ${Array.isArray(value) ? 'a list' : typeof value}`]);
  return value;
}

/** Reads and merges values files, then applies `--set`s. */
export function readValues(files: string[], sets: SetArgument[], readText: (path: string) => string = (p) => readFileSync(p, 'utf8')): Values {
  const problems: string[] = [];
  let values: Values = {};
  for (const file of files) {
    let text: string;
    try {
      text = readText(file);
    } catch (e) {
      problems.push(`${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      continue;
    }
    try {
      values = mergeUserValues(values, parseValuesText(text, file));
    } catch (e) {
      if (e instanceof InputError) problems.push(...e.lines);
      else throw e;
    }
  }
  for (const set of sets) {
    try {
      applySet(values, set.expression, set.asString);
    } catch (e) {
      if (e instanceof SetSyntaxError) problems.push(`--set ${e.message}`);
      else throw e;
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return values;
}
