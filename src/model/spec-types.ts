/**
 * The vocabulary in which the values tree is described. One description
 * (`spec.ts`) yields the TypeScript interfaces, the defaults, the JSON Schema,
 * the chart's `values.yaml` and the values table of docs/values.md.
 */

/** A string leaf. */
export interface StringField {
  readonly type: 'string';
  readonly doc: string;
  readonly default: string;
  /** Allowed values; generates a TypeScript enum named `enumName`. */
  readonly enum?: readonly string[];
  readonly enumName?: string;
  /** Regular expression (JSON Schema `pattern`); the empty string is always accepted. */
  readonly pattern?: string;
  /** Human description of `pattern` (or of a long `enum`), used in error messages. */
  readonly patternHint?: string;
  /** Leave the allowed values out of the docs (a long list such as the time zones). */
  readonly enumInDocs?: boolean;
  readonly maxLength?: number;
  /**
   * The values the renderers accept (a long list such as the time zones),
   * checked by them rather than by the JSON Schema, so that Helm's error stays
   * short; `pattern` gives the shape.
   */
  readonly knownValues?: readonly string[];
}

/** A boolean leaf. */
export interface BooleanField {
  readonly type: 'boolean';
  readonly doc: string;
  readonly default: boolean;
}

/** An integer leaf; `null` default means "not set". */
export interface IntegerField {
  readonly type: 'integer';
  readonly doc: string;
  readonly default: number | null;
  readonly minimum?: number;
  readonly maximum?: number;
}

/** A map of strings (labels, annotations, node selectors). */
export interface StringMapField {
  readonly type: 'stringMap';
  readonly doc: string;
  readonly default: Readonly<Record<string, string>>;
  /** Values may also be numbers (resource quantities such as `cpu: 1`). */
  readonly allowNumbers?: boolean;
}

/** A list of strings. */
export interface StringListField {
  readonly type: 'stringList';
  readonly doc: string;
  readonly default: readonly string[];
  readonly itemEnum?: readonly string[];
  /** Regular expression every item must match (JSON Schema `items.pattern`). */
  readonly itemPattern?: string;
  /** Human description of `itemPattern`, used in error messages. */
  readonly itemPatternHint?: string;
  /** The fewest items; `null` then cannot remove the default. */
  readonly minItems?: number;
}

/** A Kubernetes object (or list of objects) passed through unchanged. */
export interface KubernetesField {
  readonly type: 'kubernetes';
  readonly doc: string;
  /** The Kubernetes type it holds, for documentation (e.g. `Affinity`, `Volume[]`). */
  readonly kubernetesType: string;
  readonly default: unknown;
  readonly list: boolean;
  /** Object keys that every list item must have. */
  readonly requiredKeys?: readonly string[];
  /** For a list, the fewest items; `null` then cannot remove the default. */
  readonly minItems?: number;
  /**
   * Maps and nulls left inside after a user `null` removed keys are dropped
   * (`seccompProfile: {type: null}` removes the profile instead of leaving an
   * invalid `seccompProfile: {}`).
   */
  readonly pruneEmpty?: boolean;
}

/** A nested object with its own interface. */
export interface ObjectField {
  readonly type: 'object';
  readonly doc: string;
  /** Name of the generated TypeScript interface. */
  readonly interfaceName: string;
  readonly fields: Readonly<Record<string, Field>>;
}

/**
 * Another spelling of a canonical setting, accepted for compatibility. The
 * alias is merged into the canonical path; a file that sets both to different
 * values is rejected.
 */
export interface AliasField {
  readonly type: 'alias';
  readonly doc: string;
  /** Canonical path, e.g. `restore.storage.s3`. */
  readonly of: string;
  /** What the alias accepts: a leaf, or an object whose keys map onto the canonical object's keys. */
  readonly shape: Field;
}

export type Field =
  | StringField
  | BooleanField
  | IntegerField
  | StringMapField
  | StringListField
  | KubernetesField
  | ObjectField
  | AliasField;

/** Visit every field of a tree, depth first, with its dotted path. */
export function walkFields(
  fields: Readonly<Record<string, Field>>,
  visit: (path: string, field: Field) => void,
  prefix = '',
): void {
  for (const [key, field] of Object.entries(fields)) {
    const path = prefix ? `${prefix}.${key}` : key;
    visit(path, field);
    if (field.type === 'object') walkFields(field.fields, visit, path);
  }
}

/** The field at a dotted path of a tree, if any. */
export function fieldAt(root: ObjectField, path: string): Field | undefined {
  let node: Field = root;
  for (const key of path.split('.')) {
    if (node.type === 'alias') node = node.shape;
    if (node.type !== 'object') return undefined;
    const next: Field | undefined = node.fields[key];
    if (!next) return undefined;
    node = next;
  }
  return node;
}
