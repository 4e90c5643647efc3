/**
 * Random values documents drawn from the model (src/model/spec.ts): every key
 * may appear, strings follow their patterns or are odd on purpose (quotes,
 * colons, `{{`, unicode, YAML keywords), and a scenario makes each document
 * valid (both modes, both storage types, restores, scheduled restores).
 */
import * as fc from 'fast-check';
import { effectivePattern } from '../../src/model/schema';
import { VALUES_SPEC } from '../../src/model/spec';
import { Field, ObjectField } from '../../src/model/spec-types';

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

type Doc = Record<string, any>;

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

/** A valid values document and the release name to render it with. */
export interface ValuesCase {
  readonly values: Doc;
  readonly release: string;
}

const releaseName = fc.oneof(
  fc.constantFrom('infrahub-backup', 'rel', 'prod-infrahub-backup-nightly', 'a', 'infrahub', 'infra.hub', `${'a'.repeat(46)}.bcdef`),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,51}[a-z0-9]$/),
);

/** Valid values documents drawn from the model. */
export const valuesCase: fc.Arbitrary<ValuesCase> = fc
  .record({
    doc: objectArbitrary('', VALUES_SPEC),
    scenario: fc.constantFrom(...SCENARIOS),
    bucket: fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,20}[a-z0-9]$/),
    key: fc.oneof(fc.constantFrom('infrahub_backup_20260101_020000.tar.gz', 'prod/infrahub_backup_20261124_000000.tar.gz'), fc.stringMatching(/^[^/\s][^\s]{0,30}$/)),
    useAlias: fc.boolean(),
    release: releaseName,
  })
  .map(({ doc, scenario, bucket, key, useAlias, release }) => ({
    values: applyScenario(doc as Doc, scenario, bucket, key, useAlias),
    release,
  }));
