/**
 * Renders the TypeScript interfaces, the values table (docs/values.md) and the chart's
 * `values.yaml` from `spec.ts`. Run by `npm run generate`; a test checks that
 * the committed outputs are current.
 */
import { Document, isMap, isSeq, Scalar, YAMLMap } from 'yaml';
import { Field, ObjectField, walkFields } from './spec-types';
import { VALUES_SPEC } from './spec';
import { defaultValues } from './schema';

const GENERATED_BANNER = 'Generated from src/model/spec.ts by `npm run generate`. Do not edit.';

function enumMember(value: string): string {
  if (value === '') return 'AUTO';
  return value.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
}

function defaultText(field: Field): string {
  switch (field.type) {
    case 'alias':
      return `- not set (alias of \`${field.of}\`)`;
    case 'object':
      return '- see the fields';
    case 'integer':
      return field.default === null ? '- not set' : String(field.default);
    default:
      return JSON.stringify(field.default);
  }
}

function tsType(field: Field): string {
  switch (field.type) {
    case 'string':
      return field.enumName ?? 'string';
    case 'boolean':
      return 'boolean';
    case 'integer':
      return 'number';
    case 'stringMap':
      return field.allowNumbers ? '{ [key: string]: string | number }' : '{ [key: string]: string }';
    case 'stringList':
      return 'string[]';
    case 'kubernetes':
      // A Kubernetes 1.28 type of the k8s module (src/imports/k8s.ts); `object` is free-form.
      if (field.kubernetesType === 'object') return field.list ? 'unknown[]' : 'unknown';
      return `k8s.${field.kubernetesType}`;
    case 'object':
      return field.interfaceName;
    case 'alias':
      return tsType(field.shape);
  }
}

function collectTypes(field: ObjectField, interfaces: ObjectField[], enums: Map<string, readonly string[]>): void {
  interfaces.push(field);
  for (const child of Object.values(field.fields)) {
    const node = child.type === 'alias' ? child.shape : child;
    if (node.type === 'object') collectTypes(node, interfaces, enums);
    if (node.type === 'string' && node.enumName) {
      const known = enums.get(node.enumName);
      if (known && known.join() !== node.enum!.join()) {
        throw new Error(`enum ${node.enumName} is declared twice with different members`);
      }
      enums.set(node.enumName, node.enum!);
    }
  }
}

function docComment(lines: string[], indent: string): string {
  // A `*/` in the text (a schedule such as `*/5 * * * *`) would end the comment.
  return [`${indent}/**`, ...lines.map((l) => (l ? `${indent} * ${l.replace(/\*\//g, '*\\/')}` : `${indent} *`)), `${indent} */`].join('\n');
}

/** The TypeScript source of `values.generated.ts`. */
export function renderInterfaces(): string {
  const interfaces: ObjectField[] = [];
  const enums = new Map<string, readonly string[]>();
  collectTypes(VALUES_SPEC, interfaces, enums);
  const out: string[] = [`// ${GENERATED_BANNER}`, "import type { k8s } from '../imports/k8s';", ''];
  for (const [name, members] of enums) {
    out.push(docComment([`Allowed values of the fields typed \`${name}\`.`], ''));
    out.push(`export enum ${name} {`);
    for (const m of members) out.push(`  ${enumMember(m)} = '${m}',`);
    out.push('}', '');
  }
  const seen = new Set<string>();
  for (const iface of interfaces) {
    if (seen.has(iface.interfaceName)) continue;
    seen.add(iface.interfaceName);
    out.push(docComment([iface.doc], ''));
    out.push(`export interface ${iface.interfaceName} {`);
    for (const [key, field] of Object.entries(iface.fields)) {
      const lines = [field.doc];
      if (field.type === 'kubernetes' && field.kubernetesType !== 'object') {
        lines.push('', `A Kubernetes 1.28 \`${field.kubernetesType}\` (\`k8s.${field.kubernetesType.replace(/\[\]$/, '')}\` of cdk8s-plus-28), passed through to the pods.`);
      } else if (field.type === 'kubernetes') {
        lines.push('', 'Free-form, passed through unchanged.');
      }
      lines.push('', `@default ${defaultText(field)}`);
      out.push(docComment(lines, '  '));
      out.push(`  readonly ${key}?: ${tsType(field)};`);
    }
    out.push('}', '');
  }
  return out.join('\n');
}

function typeLabel(field: Field): string {
  switch (field.type) {
    case 'string':
      return field.enum && field.enumInDocs !== false ? field.enum.map((v) => `\`${v}\``).join(' \\| ') : 'string';
    case 'integer':
      return field.default === null ? 'integer or null' : 'integer';
    case 'stringMap':
      return 'map';
    case 'stringList':
      return 'list of strings';
    case 'kubernetes':
      return `\`${field.kubernetesType}\``;
    case 'alias':
      return `alias of \`${field.of}\``;
    default:
      return field.type;
  }
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The values table of docs/values.md and of the chart's README (Markdown). */
export function renderValuesTable(): string {
  const rows = ['| Key | Type | Default | Description |', '| --- | --- | --- | --- |'];
  walkFields(VALUES_SPEC.fields, (path, field) => {
    if (field.type === 'object') return;
    let def = '';
    if (field.type !== 'alias') {
      def = field.type === 'integer' && field.default === null ? 'not set' : `\`${cell(JSON.stringify(field.default))}\``;
    }
    const doc = field.type === 'string' && field.patternHint ? `${field.doc} Must be ${field.patternHint}.` : field.doc;
    rows.push(`| \`${path}\` | ${typeLabel(field)} | ${def} | ${cell(doc)} |`);
  });
  return rows.join('\n');
}

function commentFor(field: Field): string {
  const text = field.type === 'string' && field.enum && field.enumInDocs !== false ? `${field.doc} One of: ${field.enum.join(', ')}.` : field.doc;
  return ` -- ${text}`;
}

function annotate(map: YAMLMap, spec: ObjectField): void {
  for (const item of map.items) {
    const key = (item.key as Scalar).value as string;
    const field = spec.fields[key];
    (item.key as Scalar).commentBefore = commentFor(field);
    if (field.type === 'object' && isMap(item.value)) annotate(item.value, field);
    if (isSeq(item.value) && item.value.items.length === 0) item.value.flow = true;
    if (isMap(item.value) && item.value.items.length === 0) item.value.flow = true;
  }
}

/** The chart's `values.yaml`: the defaults, each key preceded by its documentation. */
export function renderValuesYaml(): string {
  const doc = new Document(defaultValues());
  annotate(doc.contents as YAMLMap, VALUES_SPEC);
  doc.commentBefore = ` Default values of the infrahub-backup chart.\n ${GENERATED_BANNER}`;
  return doc.toString({ lineWidth: 0 });
}
