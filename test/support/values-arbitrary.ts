/**
 * Random values documents drawn from the model (src/model/spec.ts): every key
 * may appear, strings follow their patterns or are odd on purpose (quotes,
 * colons, `{{`, unicode, YAML keywords), and a scenario makes each document
 * valid (both modes, both storage types, restores, scheduled restores).
 *
 * On top of that, categories of hostile input drawn from the contract's
 * grammar (docs/values-contract.md): nulls at any depth, YAML scalars of every
 * tag quoted and unquoted, schedules from the cron grammar, integer-like and
 * astral map keys, large numbers, a broken document for every cross-field
 * rule, every alias conflict, invalid release and namespace names. Each case
 * names the categories it was drawn from, so a run can count them.
 */
import * as fc from 'fast-check';
import { ValuesError } from '../../src/model/errors';
import { cloneValues } from '../../src/model/merge';
import { PROBLEMS } from '../../src/model/messages';
import { re2Subset } from '../../src/model/re2';
import { resolveValues } from '../../src/model/resolve';
import { scheduleProblem, SCHEDULE_FIELDS, SCHEDULE_MACROS } from '../../src/model/schedule';
import { effectivePattern } from '../../src/model/schema';
import { PROMETHEUS_DURATION_PATTERN, VALUES_SPEC } from '../../src/model/spec';
import { Field, ObjectField, walkFields } from '../../src/model/spec-types';
import type { KubeObject } from './synth';

/** Strings that break naive templates or YAML writers. */
export const ODD_STRINGS = [
  'a: b',
  '"double"',
  "it's",
  '{{ .Values.backup }}',
  '{{',
  '}}',
  'ünïcødé ✓ 日本',
  '# not a comment',
  '- not a list',
  'yes',
  'no',
  'on',
  'null',
  '~',
  '0123',
  '1e3',
  'true',
  '@at',
  '*',
  '&anchor',
  '!tag',
  '%percent',
  'multi\nline',
  ' leading',
  'trailing ',
  'tab\there',
  '<html>&amp;',
  'back\\slash',
  '',
];

const oddString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...ODD_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 20 }) },
);

const SCHEDULES = ['0 2 * * *', '*/15 * * * *', '@daily', '@hourly', '@weekly', '0 3 * * MON-FRI', '30 1 1,15 * *', '0 0 1 JAN *', '5 4 * * sun', '@midnight'];
const TIME_ZONES = ['', 'UTC', 'Etc/UTC', 'Europe/Paris', 'America/New_York', 'US/Eastern', 'Asia/Kolkata'];
const QUANTITIES = ['100m', '1', '0.5', '256Mi', '2Gi', '1500M'];
const labelKey = fc.constantFrom('team', 'example.com/owner', 'app.kubernetes.io/name', 'cost-center', 'x');
const smallInt = fc.integer({ min: 0, max: 100000 });

/** Kubernetes fragments users pass through, by field. */
const KUBERNETES: Record<string, fc.Arbitrary<unknown>> = {
  global: fc.constantFrom({}, { imageRegistry: 'registry.example.com' }),
  imagePullSecrets: fc.array(fc.record({ name: fc.constantFrom('regcred', 'pull-secret') }), { maxLength: 2 }),
  tolerations: fc.array(
    fc.record({
      key: fc.constantFrom('dedicated', 'example.com/backup'),
      operator: fc.constantFrom('Equal', 'Exists'),
      value: oddString,
      effect: fc.constantFrom('NoSchedule', 'NoExecute'),
      tolerationSeconds: smallInt,
    }, { requiredKeys: ['key'] }),
    { maxLength: 2 },
  ),
  affinity: fc.constantFrom(
    {},
    { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b: c'] }] }] } } },
    { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'infrahub' } } } }] } },
  ),
  podSecurityContext: fc.constantFrom({}, { runAsUser: 1000 }, { fsGroup: 2000, supplementalGroups: [3000] }, { runAsNonRoot: null }, { seccompProfile: { type: 'RuntimeDefault' }, fsGroupChangePolicy: 'OnRootMismatch' }),
  securityContext: fc.constantFrom({}, { readOnlyRootFilesystem: true }, { capabilities: { drop: ['ALL'] }, privileged: false }, { allowPrivilegeEscalation: false, runAsUser: 1000 }),
  extraEnv: fc.array(
    fc.oneof(
      fc.record({ name: fc.constantFrom('HTTPS_PROXY', 'NO_PROXY', 'TZ'), value: oddString }),
      fc.constant({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }),
      fc.constant({ name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } }),
      // What the tool reads for --encrypt and --encrypt-key when the flags are not given.
      // A $(VAR) the kubelet expands is known only at run time; $$( is a literal.
      fc.record({ name: fc.constantFrom('INFRAHUB_ENCRYPT', 'INFRAHUB_ENCRYPT_KEY'), value: fc.constantFrom('', 'true', 'T', '0', 'yes', '/keys/k.pub', '$(ENCRYPT)', '$$(ENCRYPT)') }),
      fc.constant({ name: 'INFRAHUB_ENCRYPT', valueFrom: { secretKeyRef: { name: 'flags', key: 'encrypt' } } }),
    ),
    { maxLength: 3 },
  ),
  extraVolumes: fc.array(
    fc.constantFrom(
      { name: 'ca', configMap: { name: 'ca-bundle', defaultMode: 420 } },
      { name: 'cache', emptyDir: { sizeLimit: '1Gi', medium: 'Memory' } },
      { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600, audience: 'sts.amazonaws.com' } }] } },
    ),
    { maxLength: 2 },
  ),
  extraVolumeMounts: fc.array(
    fc.constantFrom({ name: 'ca', mountPath: '/etc/ssl/custom', readOnly: true }, { name: 'cache', mountPath: '/cache', subPath: 'x' }),
    { maxLength: 2 },
  ),
  'networkPolicy.apiServer.ports': fc.constantFrom([], [{ port: 443, protocol: 'TCP' }], [{ port: 6443 }, { port: 'https', protocol: 'TCP' }]),
  'networkPolicy.extraEgress': fc.array(
    fc.constantFrom({ to: [{ ipBlock: { cidr: '192.0.2.10/32' } }], ports: [{ port: 3128, protocol: 'TCP' }] }, { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'proxy' } } }] }),
    { maxLength: 2 },
  ),
};

/** Fields whose values are drawn from a list rather than from their type. */
const BY_PATH: Record<string, fc.Arbitrary<unknown>> = {
  'networkPolicy.apiServer.cidrs': fc.subarray(['10.96.0.1/32', '172.20.0.0/16', 'fd00::1/128']),
  'networkPolicy.s3.cidrs': fc.subarray(['0.0.0.0/0', '192.0.2.0/24', '2001:db8::/32']),
  'networkPolicy.s3.port': fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null }),
  // Valid: a duration of 0 is the cross-field rule jobDurationZero.
  'monitoring.prometheusRule.expectedJobDuration': fc.stringMatching(new RegExp(PROMETHEUS_DURATION_PATTERN)).filter((d) => d.length <= 24 && /[1-9]/.test(d)),
  // Valid: a pattern outside RE2's proven subset is the cross-field rule workloadsPattern.
  'monitoring.prometheusRule.infrahubWorkloads': fc.oneof(
    fc.constantFrom('.*(infrahub-server|task-worker).*', 'infrahub-(server|worker)-.+', '[a-z]+(-[0-9]{1,3})?', 'prod[.]infrahub-.*'),
    fc.stringMatching(/^[\x21\x23-\x5b\x5d-\x7e]{1,40}$/).filter(re2Subset),
  ),
  'networkPolicy.credentialEndpoints': fc.subarray(['eks-pod-identity', 'instance-metadata', 'web-identity']),
  // Valid: 0 with objectLock.enabled is the cross-field rule objectLockDaysMissing.
  'backup.objectLock.days': fc.integer({ min: 1, max: 36500 }),
  'backup.storage.s3.copy.endpoint': fc.constantFrom('', 'https://s3.eu-central-1.amazonaws.com', 'http://minio.dr.example.com:9000', 'https://dr.example.com:8443/path'),
  // The spellings of --encrypt and --encrypt-key among other arguments: both renderers read them as the tool does.
  'backup.options.extraArgs': fc.array(
    fc.oneof(
      { weight: 4, arbitrary: oddString },
      {
        weight: 1,
        // --neo4jmetadata and --s3-prefix take the next argument as their value, whatever it holds.
        arbitrary: fc.constantFrom('--encrypt', '--encrypt=T', '--encrypt=1', '--encrypt=false', '--encrypt=yes', '--encrypt-key', '--encrypt-key=', '--encrypt-key=/keys/k.pub', '--', '/keys/k.pub', '--neo4jmetadata', '--s3-prefix'),
      },
    ),
    { maxLength: 3 },
  ),
};

function stringArbitrary(path: string, field: Extract<Field, { type: 'string' }>): fc.Arbitrary<string> {
  if (path.endsWith('schedule')) return fc.constantFrom(...SCHEDULES);
  if (path === 'cronJob.timeZone') return fc.constantFrom(...TIME_ZONES);
  if (field.enum) return fc.constantFrom(...field.enum);
  const pattern = effectivePattern(field);
  if (pattern) {
    const max = field.maxLength ?? 60;
    return fc.stringMatching(new RegExp(pattern)).filter((s) => s.length <= Math.min(max, 60));
  }
  return oddString;
}

function fieldArbitrary(path: string, field: Field): fc.Arbitrary<unknown> {
  if (BY_PATH[path]) return BY_PATH[path];
  switch (field.type) {
    case 'string':
      return stringArbitrary(path, field);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return field.default === null ? fc.option(smallInt, { nil: null }) : fc.integer({ min: field.minimum ?? 0, max: 100000 });
    case 'stringMap':
      return field.allowNumbers
        ? fc.dictionary(fc.constantFrom('cpu', 'memory', 'ephemeral-storage'), fc.oneof(fc.constantFrom(...QUANTITIES), fc.constantFrom(1, 2)), { maxKeys: 3 })
        : fc.dictionary(labelKey, oddString, { maxKeys: 3 });
    case 'stringList':
      return field.itemEnum ? fc.subarray([...field.itemEnum], { minLength: 1 }) : fc.array(oddString, { maxLength: 3 });
    case 'kubernetes': {
      const arb = KUBERNETES[path];
      if (!arb) throw new Error(`no arbitrary for the Kubernetes field ${path}`);
      return arb;
    }
    case 'object':
      return objectArbitrary(path, field);
    case 'alias':
      return fieldArbitrary(path, field.shape);
  }
}

function objectArbitrary(prefix: string, spec: ObjectField): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, field] of Object.entries(spec.fields)) {
    model[key] = fieldArbitrary(prefix ? `${prefix}.${key}` : key, field);
  }
  return fc.record(model, { requiredKeys: [] });
}

type Doc = KubeObject;

/** What the document deploys; the scenario makes it valid. */
const SCENARIOS = [
  'nothing',
  'backup-job-s3',
  'backup-cronjob-s3',
  'backup-job-local',
  'backup-cronjob-local',
  'restore-job-key',
  'restore-job-latest',
  'restore-job-local',
  'restore-cronjob',
] as const;

function child(doc: Doc, ...keys: string[]): Doc {
  let node = doc;
  for (const key of keys) {
    if (node[key] === null || typeof node[key] !== 'object') node[key] = {};
    node = node[key];
  }
  return node;
}

function applyScenario(doc: Doc, scenario: (typeof SCENARIOS)[number], bucket: string, key: string, useAlias: boolean): Doc {
  const backup = child(doc, 'backup');
  const restore = child(doc, 'restore');
  backup.enabled = scenario.startsWith('backup');
  restore.enabled = scenario.startsWith('restore');
  if (useAlias) delete restore.s3;
  if (backup.enabled) {
    backup.mode = scenario.includes('cronjob') ? 'cronjob' : 'job';
    const storage = child(backup, 'storage');
    storage.type = scenario.endsWith('s3') ? 's3' : 'local';
    if (storage.type === 's3') child(storage, 's3').bucket = bucket;
    // The second copy and Object Lock are steps of the verification CronJob (S3 only): drawn on, they turn it on.
    const copy = child(storage, 's3', 'copy');
    const lock = child(backup, 'objectLock');
    if (storage.type === 's3' && (copy.enabled === true || lock.enabled === true)) {
      child(backup, 'verification').enabled = true;
      if (copy.enabled === true && !copy.bucket) copy.bucket = `${bucket}-copy`;
    } else {
      copy.enabled = false;
      lock.enabled = false;
    }
    if (storage.type === 'local' && backup.mode === 'cronjob') child(storage, 'local', 'persistence').enabled = true;
  }
  if (restore.enabled) {
    restore.mode = scenario === 'restore-cronjob' ? 'cronjob' : 'job';
    const storage = child(restore, 'storage');
    storage.type = scenario === 'restore-job-local' ? 'local' : 's3';
    if (storage.type === 's3') {
      const s3 = child(storage, 's3');
      const latest = scenario === 'restore-job-latest' || (scenario === 'restore-cronjob' && key.length % 2 === 0);
      if (useAlias) {
        delete s3.bucket;
        delete s3.key;
        restore.s3 = { bucket, ...(latest ? {} : { key }) };
      } else {
        s3.bucket = bucket;
        if (!latest) s3.key = key;
      }
      s3.latest = latest;
      if (latest) delete s3.key;
    }
  }
  if (!useAlias) delete restore.s3;
  return doc;
}

/** A values document, the release and namespace to render it in, and the categories it was drawn from. */
export interface ValuesCase {
  readonly values: Doc;
  readonly release: string;
  readonly namespace: string;
  readonly categories: readonly string[];
}

// Mostly names from a short list, so that documents share a release and Helm
// renders them in batches: the chart's name, a part of it, one containing it,
// dots, the shortest, and the lengths where "<release>-infrahub-backup" meets
// the 63-character limit (47: exactly; 48: cut; 53, the longest Helm takes:
// cut after a "-", which goes). One in eight is drawn from the whole grammar.
const releaseName = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      'infrahub-backup',
      'rel',
      'prod-infrahub-backup-nightly',
      'a',
      'infrahub',
      'infra.hub',
      `${'a'.repeat(46)}.bcdef`,
      `rel-${'b'.repeat(43)}`,
      `rel-${'c'.repeat(44)}`,
      `r${'0'.repeat(51)}z`,
    ),
    weight: 7,
  },
  { arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,51}[a-z0-9]$/), weight: 1 },
);

interface Base {
  readonly doc: Doc;
  readonly scenario: (typeof SCENARIOS)[number];
  readonly release: string;
}

const base: fc.Arbitrary<Base> = fc
  .record({
    doc: objectArbitrary('', VALUES_SPEC),
    scenario: fc.constantFrom(...SCENARIOS),
    bucket: fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,20}[a-z0-9]$/),
    key: fc.oneof(fc.constantFrom('infrahub_backup_20260101_020000.tar.gz', 'prod/infrahub_backup_20261124_000000.tar.gz'), fc.stringMatching(/^[^/\s][^\s]{0,30}$/)),
    useAlias: fc.boolean(),
    release: releaseName,
  })
  .map(({ doc, scenario, bucket, key, useAlias, release }) => ({ doc: applyScenario(doc as Doc, scenario, bucket, key, useAlias), scenario, release }));

// ---------------------------------------------------------------------------
// YAML text: scalars written as the user typed them.

/** A scalar written into the YAML text as it is: a tag, a quote style, a YAML 1.1 keyword. */
export class RawScalar {
  constructor(
    public readonly text: string,
    public readonly category: string,
  ) {}
}

/** Unquoted scalars of every tag YAML (1.1 and 1.2) knows, by category; each is also drawn quoted. */
export const YAML_SCALARS: Record<string, readonly string[]> = {
  null: ['~', 'null', 'Null', 'NULL', '', '!!null ""'],
  bool: ['true', 'True', 'FALSE'],
  'bool-yaml11': ['yes', 'no', 'on', 'off', 'y', 'N', 'Yes', 'OFF'],
  int: ['7', '+1', '-0', '017', '0x1F', '1_000', '1000000', '12345678901234567890', '9007199254740993'],
  float: ['1e3', '1e+06', '1.0', '.5', '6.02e+23', '0.1'],
  timestamp: ['2001-12-14', '2001-12-14t21:59:43.10-05:00'],
  'str-tag': ['!!str 017', '!!str true', '!!str 1e3'],
  'int-tag': ['!!int "7"'],
  'bool-tag': ['!!bool "true"'],
  plain: ['plain text', '0 2 * * *', '@daily', 'a:b', 'a#b', '-a'],
  'int-yaml12': ['0o17'],
  sexagesimal: ['2:30', '1:30:00'],
  'float-tag': ['!!float 1'],
  binary: ['!!binary aGVsbG8='],
};

/**
 * Scalars the contract reads apart from Helm on purpose (docs/values-contract.md, "Reading
 * values"): `.inf` and `.nan` are refused, where Helm would read a float no key can take. The
 * reader's own corpus (test/values-io/yaml-helm.test.ts) checks them.
 */
export const YAML_SCALARS_READ_APART: Record<string, readonly string[]> = {
  'float-special': ['.inf', '-.Inf', '.nan'],
};

function quoted(text: string): string[] {
  if (text.startsWith('!!') || text === '') return [];
  return [JSON.stringify(text), `'${text.replace(/'/g, "''")}'`];
}

const yamlScalar: fc.Arbitrary<RawScalar> = fc.constantFrom(
  ...Object.entries(YAML_SCALARS).flatMap(([tag, texts]) => [
    ...texts.map((t) => new RawScalar(t, `yaml:${tag}`)),
    ...texts.flatMap((t) => quoted(t).map((q) => new RawScalar(q, `yaml:${tag}:quoted`))),
  ]),
);

/** Every YAML scalar category the generator draws. */
export const YAML_CATEGORIES = Object.keys(YAML_SCALARS).flatMap((tag) => [`yaml:${tag}`, ...(YAML_SCALARS[tag].some((t) => quoted(t).length > 0) ? [`yaml:${tag}:quoted`] : [])]);

function flow(value: unknown): string {
  if (value instanceof RawScalar) return value.text;
  if (Array.isArray(value)) return `[${value.map(flow).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${flow(v)}`).join(', ')}}`;
  }
  if (value === undefined) return 'null';
  return JSON.stringify(value);
}

function block(value: Record<string, unknown>, indent: string, lines: string[]): void {
  for (const [key, child] of Object.entries(value)) {
    const k = `${indent}${JSON.stringify(key)}:`;
    if (child !== null && typeof child === 'object' && !(child instanceof RawScalar) && !Array.isArray(child) && Object.keys(child).length > 0) {
      lines.push(k);
      block(child as Record<string, unknown>, `${indent}  `, lines);
    } else if (child instanceof RawScalar) {
      lines.push(child.text === '' ? k : `${k} ${child.text}`);
    } else {
      lines.push(`${k} ${flow(child)}`);
    }
  }
}

/** The YAML text of a document: block maps, flow lists, JSON strings, raw scalars as they are. */
export function valuesYaml(doc: Doc): string {
  const lines: string[] = [];
  block(doc, '', lines);
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------
// Hostile categories.

/** A change to a drawn document (and its context). */
type Mutation = (c: { doc: Doc; release: string; namespace: string }) => void;

function paths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object' || value instanceof RawScalar) return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

function setAt(doc: Doc, path: readonly string[], value: unknown): void {
  let node: KubeObject = doc;
  for (const key of path.slice(0, -1)) {
    if (node[key] === null || typeof node[key] !== 'object' || node[key] instanceof RawScalar) node[key] = {};
    node = node[key];
  }
  node[path[path.length - 1]] = value;
}

const leafPaths: Array<[string, Field]> = [];
walkFields(VALUES_SPEC.fields, (path, field) => {
  if (['string', 'boolean', 'integer'].includes(field.type)) leafPaths.push([path, field]);
});
const objectPaths: string[] = [];
walkFields(VALUES_SPEC.fields, (path, field) => {
  if (field.type === 'object') objectPaths.push(path);
});

/** A null somewhere in the drawn document, at any depth (`index` picks the place). */
function nullAt(kind: 'leaf' | 'object' | 'anywhere'): fc.Arbitrary<Mutation> {
  return fc.nat().map((index) => ({ doc }) => {
    if (kind === 'leaf') return setAt(doc, leafPaths[index % leafPaths.length][0].split('.'), null);
    if (kind === 'object') return setAt(doc, objectPaths[index % objectPaths.length].split('.'), null);
    const all = paths(doc);
    if (all.length > 0) setAt(doc, all[index % all.length], null);
  });
}

const DEEP_NULLS = [
  'podSecurityContext.runAsUser',
  'podSecurityContext.seccompProfile.type',
  'podSecurityContext.seccompProfile',
  'securityContext.capabilities.drop',
  'securityContext.capabilities',
  'resources.limits.memory',
  'companion.resources.requests.cpu',
  'podSecurityContext.windowsOptions',
];

/** Unquoted and quoted scalars of every tag, in a string, integer or boolean leaf or a map value. */
function scalarIn(tag: string): fc.Arbitrary<Mutation> {
  const scalars = yamlScalar.filter((r) => r.category === tag);
  return fc.record({ scalar: scalars, index: fc.nat() }).map(({ scalar, index }) => ({ doc }) => {
    const targets = [...leafPaths.map(([p]) => p), 'nodeSelector.team', 'podAnnotations.note', 'resources.requests.cpu'];
    setAt(doc, targets[index % targets.length].split('.'), scalar);
  });
}

const month = fc.oneof(fc.integer({ min: 0, max: 13 }).map(String), fc.constantFrom('JAN', 'feb', 'Dec', 'JANUARY', 'jun'));
const dow = fc.oneof(fc.integer({ min: 0, max: 8 }).map(String), fc.constantFrom('SUN', 'mon', 'Sat', 'MONDAY', 'L', '5L', '1#2'));

function cronItem(field: (typeof SCHEDULE_FIELDS)[number], value: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const n = fc.oneof(value, fc.integer({ min: field.min, max: field.max }).map(String));
  return fc.oneof(
    { weight: 3, arbitrary: n },
    { weight: 2, arbitrary: fc.constantFrom('*', '?') },
    { weight: 2, arbitrary: fc.tuple(n, n).map(([a, b]) => `${a}-${b}`) },
    { weight: 2, arbitrary: fc.tuple(fc.oneof(n, fc.constantFrom('*', '?')), fc.integer({ min: 0, max: 70 })).map(([a, st]) => `${a}/${st}`) },
    { weight: 1, arbitrary: fc.constantFrom('L', 'W', '15W', '-1', '1-2-3', '1/2/3', '', '+5', '0x1', '*-5') },
  );
}

function cronField(field: (typeof SCHEDULE_FIELDS)[number]): fc.Arbitrary<string> {
  const values: Record<string, fc.Arbitrary<string>> = {
    minute: fc.integer({ min: 0, max: 61 }).map(String),
    hour: fc.integer({ min: 0, max: 25 }).map(String),
    'day-of-month': fc.integer({ min: 0, max: 32 }).map(String),
    month,
    'day-of-week': dow,
  };
  return fc.array(cronItem(field, values[field.name]), { minLength: 1, maxLength: 3 }).map((items) => items.join(','));
}

/** Schedules from the cron grammar: five fields of items, lists, ranges and steps, macros, `@every`, wrong field counts, `TZ=`, never-firing dates. */
export const cronSchedule: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(...SCHEDULE_FIELDS.map(cronField)).map((f) => f.join(' ')) },
  { weight: 1, arbitrary: fc.constantFrom(...SCHEDULE_MACROS, '@reboot', '@Daily', '@every 1h30m', '@every 90s', '@every 5', '@every 1d', '@every .5h') },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('30', '31', '29', '30-31'), fc.constantFrom('2', '4,6,9,11', 'FEB', '*')).map(([d, m]) => `0 0 ${d} ${m} *`) },
  { weight: 1, arbitrary: fc.constantFrom('0 2 * * * *', '0 2 * *', 'TZ=UTC 0 2 * * *', 'CRON_TZ=Europe/Paris 0 2 * * *', '0  2 * * *', '0\t2 * * *', ' 0 2 * * *') },
);

/** Deploys what a schedule belongs to (and nothing that would conflict with it). */
const SCHEDULED: Array<[string, Mutation]> = [
  ['backup.schedule', ({ doc }) => { child(doc, 'restore').enabled = false; Object.assign(child(doc, 'backup'), { enabled: true, mode: 'cronjob' }); }],
  ['backup.retention.schedule', ({ doc }) => { child(doc, 'restore').enabled = false; Object.assign(child(doc, 'backup'), { enabled: true }); Object.assign(child(doc, 'backup', 'storage'), { type: 's3' }); Object.assign(child(doc, 'backup', 'storage', 's3'), { bucket: 'backups' }); child(doc, 'backup', 'retention').enabled = true; }],
  ['backup.verification.schedule', ({ doc }) => { child(doc, 'restore').enabled = false; Object.assign(child(doc, 'backup'), { enabled: true }); Object.assign(child(doc, 'backup', 'storage'), { type: 's3' }); Object.assign(child(doc, 'backup', 'storage', 's3'), { bucket: 'backups' }); child(doc, 'backup', 'verification').enabled = true; }],
  ['restore.schedule', ({ doc }) => { child(doc, 'backup').enabled = false; Object.assign(child(doc, 'restore'), { enabled: true, mode: 'cronjob' }); child(doc, 'restore', 'storage').type = 's3'; Object.assign(child(doc, 'restore', 'storage', 's3'), { bucket: 'backups', latest: true, key: '' }); delete child(doc, 'restore').s3; }],
];

function scheduleMutation(valid: boolean): fc.Arbitrary<Mutation> {
  return fc
    .record({ schedule: cronSchedule.filter((s) => (scheduleProblem(s) === undefined) === valid), target: fc.constantFrom(...SCHEDULED) })
    .map(({ schedule, target: [path, deploy] }) => (c) => {
      deploy(c);
      setAt(c.doc, path.split('.'), schedule);
    });
}

const INTEGER_LIKE_KEYS = ['0', '9', '10', '01', '-1', '1e3', '4294967296', '9007199254740993'];
const ASTRAL_KEYS = ['😀', '𝒜', '\uff21', '\ue000', 'é', 'a😀', '𐀀'];

function mapKeys(keys: readonly string[]): fc.Arbitrary<Mutation> {
  return fc
    .record({ map: fc.constantFrom('nodeSelector', 'podLabels', 'podAnnotations', 'serviceAccount.annotations'), picked: fc.subarray([...keys], { minLength: 2 }) })
    .map(({ map, picked }) => ({ doc }) => {
      for (const key of picked) setAt(doc, [...map.split('.'), key], `v${key.length}`);
    });
}

const INTEGER_FIELDS = leafPaths.filter(([, f]) => f.type === 'integer').map(([p]) => p);
const largeNumber = fc
  .record({ path: fc.constantFrom(...INTEGER_FIELDS), value: fc.constantFrom(1000000, 2147483647, 2147483648, 2 ** 53, 1e20, 123456789) })
  .map(({ path, value }): Mutation => ({ doc }) => {
    setAt(doc, path.split('.'), value);
    if (path.startsWith('backup.retention')) Object.assign(child(doc, 'backup', 'retention'), { enabled: true });
  });
const floatNumber = fc
  .record({ path: fc.constantFrom(...INTEGER_FIELDS, 'resources.requests.cpu', 'companion.resources.limits.memory'), value: fc.constantFrom(7.0, 1.5, 0.5, 1e3, 2.5e-7) })
  .map(({ path, value }): Mutation => ({ doc }) => setAt(doc, path.split('.'), value));

/** A document that breaks one cross-field rule (messages.ts), for each rule. */
const CROSS_FIELD: Record<string, Mutation> = {
  bothEnabled: ({ doc }) => {
    child(doc, 'backup').enabled = true;
    child(doc, 'restore').enabled = true;
  },
  backupBucketMissing: ({ doc }) => {
    Object.assign(child(doc, 'backup'), { enabled: true });
    child(doc, 'backup', 'storage').type = 's3';
    child(doc, 'backup', 'storage', 's3').bucket = '';
  },
  scheduledRestoreNeedsS3: ({ doc }) => {
    child(doc, 'backup').enabled = false;
    Object.assign(child(doc, 'restore'), { enabled: true, mode: 'cronjob' });
    child(doc, 'restore', 'storage').type = 'local';
  },
  restoreBucketMissing: ({ doc }) => {
    child(doc, 'backup').enabled = false;
    Object.assign(child(doc, 'restore'), { enabled: true });
    child(doc, 'restore', 'storage').type = 's3';
    child(doc, 'restore', 'storage', 's3').bucket = '';
    delete child(doc, 'restore').s3;
  },
  keyAndLatest: ({ doc }) => {
    child(doc, 'backup').enabled = false;
    Object.assign(child(doc, 'restore'), { enabled: true });
    child(doc, 'restore', 'storage').type = 's3';
    Object.assign(child(doc, 'restore', 'storage', 's3'), { bucket: 'backups', key: 'a.tar.gz', latest: true });
  },
  latestOfEncrypted: ({ doc }) => {
    child(doc, 'backup').enabled = false;
    Object.assign(child(doc, 'restore'), { enabled: true });
    child(doc, 'restore', 'storage').type = 's3';
    Object.assign(child(doc, 'restore', 'storage', 's3'), { bucket: 'backups', key: '', latest: true, acceptUnproven: false });
    delete child(doc, 'restore').s3;
    child(doc, 'restore', 'decryption').secretName = 'private-key';
  },
  keyOrLatestMissing: ({ doc }) => {
    child(doc, 'backup').enabled = false;
    Object.assign(child(doc, 'restore'), { enabled: true });
    child(doc, 'restore', 'storage').type = 's3';
    Object.assign(child(doc, 'restore', 'storage', 's3'), { bucket: 'backups', key: '', latest: false });
    delete child(doc, 'restore').s3;
  },
  retentionNeedsS3: ({ doc }) => {
    Object.assign(child(doc, 'backup'), { enabled: true });
    child(doc, 'restore').enabled = false;
    child(doc, 'backup', 'storage').type = 'local';
    child(doc, 'backup', 'retention').enabled = true;
  },
  verificationNeedsS3: ({ doc }) => {
    Object.assign(child(doc, 'backup'), { enabled: true });
    child(doc, 'restore').enabled = false;
    // An empty type with no bucket is local storage too.
    child(doc, 'backup', 'storage').type = '';
    child(doc, 'backup', 'storage', 's3').bucket = '';
    child(doc, 'backup', 'verification').enabled = true;
  },
  freshnessNeedsS3: ({ doc }) => {
    Object.assign(child(doc, 'backup'), { enabled: true });
    child(doc, 'restore').enabled = false;
    child(doc, 'backup', 'storage').type = 'local';
    child(doc, 'monitoring', 'freshness').enabled = true;
  },
  workloadsPattern: ({ doc }) => {
    Object.assign(child(doc, 'monitoring', 'prometheusRule'), { enabled: true, infrahubWorkloads: '(infrahub-server' });
  },
  heartbeatWithoutPing: ({ doc }) => {
    // A heartbeat with a backup to S3 whose CronJobs do not ping (no retention, verification or freshness).
    Object.assign(child(doc, 'backup'), { enabled: true });
    child(doc, 'restore').enabled = false;
    child(doc, 'backup', 'storage').type = 's3';
    child(doc, 'backup', 'storage', 's3').bucket = 'backups';
    child(doc, 'backup', 'retention').enabled = false;
    child(doc, 'backup', 'verification').enabled = false;
    child(doc, 'monitoring', 'freshness').enabled = false;
    child(doc, 'monitoring', 'heartbeat').secretName = 'heartbeat';
  },
  jobDurationZero: ({ doc }) => {
    Object.assign(child(doc, 'monitoring', 'prometheusRule'), { enabled: true, expectedJobDuration: '0h0m' });
  },
  verificationOfEncrypted: ({ doc }) => {
    Object.assign(child(doc, 'backup'), { enabled: true });
    child(doc, 'restore').enabled = false;
    child(doc, 'backup', 'storage').type = 's3';
    child(doc, 'backup', 'storage', 's3').bucket = 'backups';
    child(doc, 'backup', 'verification').enabled = true;
    child(doc, 'backup', 'options').extraArgs = ['--encrypt', '--encrypt-key=/keys/public.pem'];
  },
  retentionOfEncrypted: ({ doc }) => {
    Object.assign(child(doc, 'backup'), { enabled: true });
    child(doc, 'restore').enabled = false;
    child(doc, 'backup', 'storage').type = 's3';
    child(doc, 'backup', 'storage', 's3').bucket = 'backups';
    child(doc, 'backup', 'retention').enabled = true;
    child(doc, 'backup', 'encryption').secretName = 'keys';
  },
  backupStorageUnset: ({ doc }) => {
    Object.assign(child(doc, 'backup'), { enabled: true });
    child(doc, 'restore').enabled = false;
    child(doc, 'backup', 'storage').type = '';
    child(doc, 'backup', 'storage', 's3').bucket = '';
  },
  encryptWithoutKey: ({ doc }) => {
    Object.assign(child(doc, 'backup'), { enabled: true });
    child(doc, 'restore').enabled = false;
    child(doc, 'backup', 'encryption').secretName = '';
    child(doc, 'backup', 'options').extraArgs = ['--encrypt=T'];
  },
  encryptEnvWithoutKey: ({ doc }) => {
    Object.assign(child(doc, 'backup'), { enabled: true });
    child(doc, 'restore').enabled = false;
    child(doc, 'backup', 'encryption').secretName = '';
    child(doc, 'backup', 'options').extraArgs = [];
    doc.extraEnv = [{ name: 'INFRAHUB_ENCRYPT', value: '1' }];
  },
  credentialEgressMissing: ({ doc }) => {
    Object.assign(child(doc, 'backup'), { enabled: true });
    child(doc, 'restore').enabled = false;
    child(doc, 'backup', 'storage').type = 's3';
    Object.assign(child(doc, 'backup', 'storage', 's3'), { bucket: 'backups', secretName: '' });
    Object.assign(child(doc, 'networkPolicy'), { enabled: true, credentialEndpoints: [] });
  },
  invalidImageRegistry: ({ doc }) => {
    doc.global = { imageRegistry: 'https://mirror.example.com/' };
  },
  copyNeedsVerification: ({ doc }) => {
    Object.assign(child(doc, 'backup'), { enabled: true });
    child(doc, 'restore').enabled = false;
    child(doc, 'backup', 'storage').type = 's3';
    child(doc, 'backup', 'storage', 's3').bucket = 'backups';
    child(doc, 'backup', 'verification').enabled = false;
    Object.assign(child(doc, 'backup', 'storage', 's3', 'copy'), { enabled: true, bucket: 'backups-dr' });
  },
  copyBucketMissing: ({ doc }) => {
    Object.assign(child(doc, 'backup'), { enabled: true });
    child(doc, 'restore').enabled = false;
    child(doc, 'backup', 'storage').type = 's3';
    child(doc, 'backup', 'storage', 's3').bucket = 'backups';
    child(doc, 'backup', 'verification').enabled = true;
    Object.assign(child(doc, 'backup', 'storage', 's3', 'copy'), { enabled: true, bucket: '' });
  },
  objectLockNeedsVerification: ({ doc }) => {
    // Local storage: no verification CronJob at all.
    Object.assign(child(doc, 'backup'), { enabled: true });
    child(doc, 'restore').enabled = false;
    child(doc, 'backup', 'storage').type = 'local';
    child(doc, 'backup', 'verification').enabled = false;
    Object.assign(child(doc, 'backup', 'objectLock'), { enabled: true, days: 30 });
  },
  objectLockDaysMissing: ({ doc }) => {
    Object.assign(child(doc, 'backup'), { enabled: true });
    child(doc, 'restore').enabled = false;
    child(doc, 'backup', 'storage').type = 's3';
    child(doc, 'backup', 'storage', 's3').bucket = 'backups';
    child(doc, 'backup', 'verification').enabled = true;
    Object.assign(child(doc, 'backup', 'objectLock'), { enabled: true, days: 0 });
  },
  maxAgeNotDerived: ({ doc }) => {
    Object.assign(child(doc, 'backup'), { enabled: true, mode: 'cronjob', schedule: '30 2 * * 0' });
    child(doc, 'restore').enabled = false;
    child(doc, 'backup', 'storage').type = 's3';
    child(doc, 'backup', 'storage', 's3').bucket = 'backups';
    child(doc, 'cronJob').timeZone = 'Europe/Paris';
    child(doc, 'monitoring').backupMaxAge = '';
    child(doc, 'monitoring', 'prometheusRule').enabled = true;
  },
};

/** The cross-field rules the generator breaks: every problem of messages.ts about values. */
export const CROSS_FIELD_RULES = Object.keys(CROSS_FIELD);
const NOT_CROSS_FIELD = new Set(['invalidRelease', 'invalidNamespace', 'aliasConflict', 'unknownTimeZone']);
const uncovered = Object.keys(PROBLEMS).filter((id) => !id.startsWith('schedule') && !NOT_CROSS_FIELD.has(id) && !(id in CROSS_FIELD));
if (uncovered.length > 0) throw new Error(`no generator for the cross-field rules ${uncovered.join(', ')}`);

/** Every pair of an alias and its canonical key. */
const ALIAS_PAIRS: Array<[string, string, Field]> = [];
walkFields(VALUES_SPEC.fields, (path, field) => {
  if (field.type !== 'alias') return;
  const alias = field;
  if (alias.shape.type === 'object') for (const [k, f] of Object.entries(alias.shape.fields)) ALIAS_PAIRS.push([`${path}.${k}`, `${alias.of}.${k}`, f]);
  else ALIAS_PAIRS.push([path, alias.of, alias.shape]);
});

const CONFLICTING: Record<string, [string, string]> = {
  bucket: ['alias-bucket', 'canonical-bucket'],
  key: ['alias/key.tar.gz', 'canonical/key.tar.gz'],
  endpoint: ['https://alias.example.com', 'https://canonical.example.com'],
  region: ['eu-west-1', 'eu-central-1'],
  secretName: ['alias-secret', 'canonical-secret'],
  path: ['/alias', '/canonical'],
};

function aliasConflict(aliasPath: string, canonicalPath: string): Mutation {
  const [a, c] = CONFLICTING[aliasPath.split('.').pop()!];
  return ({ doc }) => {
    setAt(doc, aliasPath.split('.'), a);
    setAt(doc, canonicalPath.split('.'), c);
  };
}

/**
 * The alias at the canonical setting's default (as the Infrahub umbrella's
 * `restore.s3.region: us-east-1` arrives) and the canonical spelling set to
 * another value: the canonical value wins, in both renderers.
 */
function aliasAtDefault(aliasPath: string, canonicalPath: string, field: Field): Mutation {
  const [, c] = CONFLICTING[aliasPath.split('.').pop()!];
  const def = 'default' in field ? field.default : '';
  return ({ doc }) => {
    setAt(doc, aliasPath.split('.'), def);
    setAt(doc, canonicalPath.split('.'), c);
  };
}

const imageRegistry = fc
  .constantFrom('mirror.example.com', 'harbor.example.com:8443/proxy', 'localhost:5000', '', 'UPPER.example.com', 5000)
  .map((imageRegistry): Mutation => ({ doc }) => {
    doc.global = { ...(doc.global as object), imageRegistry };
  });

const invalidRelease = fc
  .constantFrom('Infrahub', 'rel_1', 'rel-', '-rel', 'a'.repeat(54), 'rel..x', 'rel.-x', 'réle', 'rel 1')
  .map((release): Mutation => (c) => Object.assign(c, { release }));
const invalidNamespace = fc
  .constantFrom('Infrahub', 'infra.hub', 'ns_1', 'ns-', 'a'.repeat(64), 'ñs')
  .map((namespace): Mutation => (c) => Object.assign(c, { namespace }));

/** Every hostile category, with what draws it. */
export const CATEGORIES: Record<string, fc.Arbitrary<Mutation>> = {
  'null:leaf': nullAt('leaf'),
  'null:object': nullAt('object'),
  'null:anywhere': nullAt('anywhere'),
  'null:inside-kubernetes': fc.constantFrom(...DEEP_NULLS).map((p): Mutation => ({ doc }) => setAt(doc, p.split('.'), null)),
  ...Object.fromEntries(YAML_CATEGORIES.map((c) => [c, scalarIn(c)])),
  'schedule:valid': scheduleMutation(true),
  'schedule:invalid': scheduleMutation(false),
  'map-key:integer-like': mapKeys(INTEGER_LIKE_KEYS),
  'map-key:astral': mapKeys(ASTRAL_KEYS),
  'number:large': largeNumber,
  'number:float': floatNumber,
  ...Object.fromEntries(Object.entries(CROSS_FIELD).map(([id, m]) => [`invalid:${id}`, fc.constant(m)])),
  ...Object.fromEntries(ALIAS_PAIRS.map(([a, c]) => [`alias-conflict:${a}`, fc.constant(aliasConflict(a, c))])),
  ...Object.fromEntries(ALIAS_PAIRS.map(([a, c, f]) => [`alias-at-default:${a}`, fc.constant(aliasAtDefault(a, c, f))])),
  'global:imageRegistry': imageRegistry,
  'release:invalid': invalidRelease,
  'namespace:invalid': invalidNamespace,
};

function build(b: Base, mutations: Array<[string, Mutation]>): ValuesCase {
  // A copy: the drawn fragments are shared constants, which a mutation must not change for later draws.
  const c = { doc: cloneValues(b.doc), release: b.release, namespace: 'infrahub' };
  for (const [, m] of mutations) m(c);
  return { values: c.doc, release: c.release, namespace: c.namespace, categories: [`scenario:${b.scenario}`, ...mutations.map(([n]) => n)] };
}

const anyCategory = fc.constantFrom(...Object.keys(CATEGORIES)).chain((name) => CATEGORIES[name].map((m): [string, Mutation] => [name, m]));

/** Documents drawn from the model, most of them valid, some with up to two hostile categories mixed in. */
export const valuesCase: fc.Arbitrary<ValuesCase> = fc
  .record({ b: base, mutations: fc.oneof({ weight: 3, arbitrary: fc.constant([] as Array<[string, Mutation]>) }, { weight: 1, arbitrary: fc.array(anyCategory, { maxLength: 2 }) }) })
  .map(({ b, mutations }) => build(b, mutations));

/** Drawn documents the model accepts as they are, so that a category's change is what decides. */
const validBase = base.filter((b) => {
  try {
    resolveValues(b.doc, { release: b.release, namespace: 'infrahub' });
    return true;
  } catch (e) {
    if (e instanceof ValuesError) return false;
    throw e;
  }
});

/** Documents drawn with one given hostile category, over a valid document. */
export function categoryCase(name: string): fc.Arbitrary<ValuesCase> {
  return fc.record({ b: validBase, m: CATEGORIES[name] }).map(({ b, m }) => build(b, [[name, m]]));
}

/** Documents drawn from the model alone, without hostile categories (plain JavaScript values, no raw YAML). */
export const plainValuesCase: fc.Arbitrary<ValuesCase> = base.map((b) => build(b, []));
