/**
 * The values contract (docs/values-contract.md) against the real Helm 3 and
 * Helm 4: hand-written hostile documents render the same objects in synth and
 * in `helm template`, or are refused by both; schedules follow robfig/cron in
 * the chart's template check as in the model; every schema pattern matches
 * the same strings in Go (Helm's schema validators) as in JavaScript (ajv);
 * Helm's errors are short and name the value path; `helm lint --strict`
 * refuses the cross-field problems.
 */
import Ajv from 'ajv';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { readValues } from '../../src/values-io/values-input';
import { ValuesError } from '../../src/model/errors';
import { requestHash } from '../../src/model/names';
import { scheduleProblem } from '../../src/model/schedule';
import { effectivePattern } from '../../src/model/schema';
import { VALUES_SPEC } from '../../src/model/spec';
import { walkFields } from '../../src/model/spec-types';
import { AJV_OPTIONS } from '../../src/model/validator-options';
import { synthValues } from '../../src/synth';
import { ChartOutput } from '../../src/helm/build';
import { onceByKey } from '../support/cache';
import { buildTestChart, ensureHelm, helm, HELMS, objectsOf, ownAnswer, RunResult, templateMany, TemplateRequest } from '../support/helm';
import { VALID_SCHEDULES } from '../support/schedules';
import type { KubeObject } from '../support/synth';

jest.setTimeout(300_000);

let chart: ChartOutput;
const dir = mkdtempSync(join(tmpdir(), 'ibc-contract-'));

beforeAll(() => {
  ensureHelm();
  chart = buildTestChart();
});

function synthFile(file: string, release = 'rel'): { objects?: KubeObject[]; problems?: string[] } {
  try {
    return { objects: objectsOf(synthValues(readValues([file], []), { releaseName: release, namespace: 'infrahub' })) };
  } catch (e) {
    if (e instanceof ValuesError) return { problems: e.message.split('\n') };
    throw e;
  }
}

const S3_BACKUP = 'backup:\n  enabled: true\n  storage:\n    s3:\n      bucket: backups\n';

/** Hostile documents, as users type them: each must render alike or be refused by both. */
const HOSTILE: Array<[string, string, 'renders' | 'refused']> = [
  ['backup.mode with nothing after it', 'backup:\n  enabled: true\n  mode:\n  storage:\n    s3:\n      bucket: backups\n', 'refused'],
  ['a null schedule', 'backup:\n  enabled: true\n  mode: cronjob\n  schedule: ~\n  storage:\n    s3:\n      bucket: backups\n', 'refused'],
  ['a null image repository', `${S3_BACKUP}image:\n  repository: null\n`, 'refused'],
  ['a null neo4jMetadata', `${S3_BACKUP}  options:\n    neo4jMetadata: null\n`, 'refused'],
  ['a null secret key name', `${S3_BACKUP}      secretName: creds\n      accessKeyIdKey: null\n`, 'refused'],
  ['a null backup path', 'backup:\n  enabled: true\n  storage:\n    path: null\n    s3:\n      bucket: backups\n', 'refused'],
  ['a null concurrency policy', `${S3_BACKUP}  mode: cronjob\ncronJob:\n  concurrencyPolicy: null\n`, 'refused'],
  ['a null keepLast', `${S3_BACKUP}  retention:\n    enabled: true\n    keepLast: null\n`, 'refused'],
  ['a null backup section', 'backup: null\n', 'refused'],
  ['a null runAsUser and seccomp type (OpenShift)', `${S3_BACKUP}podSecurityContext:\n  runAsUser: null\n  seccompProfile:\n    type: null\nsecurityContext:\n  seccompProfile: null\n`, 'renders'],
  ['null limits and sleep', `${S3_BACKUP}resources:\n  limits: null\ncompanion:\n  preflight: null\n`, 'renders'],
  ['a keepLast of a million', `${S3_BACKUP}  retention:\n    enabled: true\n    keepLast: 1000000\n    keepDays: 1e3\n`, 'renders'],
  ['integer-like and astral map keys in the hashed values', `${S3_BACKUP}nodeSelector:\n  "10": a\n  "9": b\n  "😀": c\n  "\uff21": d\npodAnnotations:\n  "1": "x"\n  "01": "y"\n`, 'renders'],
  ['$( in a restore key and extraArgs', 'restore:\n  enabled: true\n  storage:\n    s3:\n      bucket: backups\n      key: "a$(AWS_SECRET_ACCESS_KEY)$$b.tar.gz"\n  options:\n    extraArgs: ["--x=$(HOME)", "$$"]\n', 'renders'],
  ['day of week 7', `${S3_BACKUP}  mode: cronjob\n  schedule: "0 0 * * 7"\n`, 'refused'],
  ['a never-firing schedule', `${S3_BACKUP}  mode: cronjob\n  schedule: "0 0 31 2 *"\n`, 'refused'],
  ['a reversed range', `${S3_BACKUP}  mode: cronjob\n  schedule: "5-1 * * * *"\n`, 'refused'],
  ['a step of zero in the retention schedule', `${S3_BACKUP}  retention:\n    enabled: true\n    schedule: "*/0 * * * *"\n`, 'refused'],
  ['@every', `${S3_BACKUP}  mode: cronjob\n  schedule: "@every 1h30m"\n`, 'renders'],
  ['an unknown time zone', `${S3_BACKUP}  mode: cronjob\ncronJob:\n  timeZone: Mars/Olympus\n`, 'refused'],
  ['an integer beyond int32', `${S3_BACKUP}job:\n  backoffLimit: 1e20\n`, 'refused'],
];

/** synthFile's answer for each hostile document, asked once for both Helm binaries. */
const hostileSynth = onceByKey<string, ReturnType<typeof synthFile>>();

describe.each(Object.keys(HELMS))('%s and synth agree on hostile documents', (name) => {
  // The documents expected to render: `helm template rel <chart> -f <file> --namespace infrahub` in a batch
  // (test/support/helm.ts); one whose batch wrote anything on stderr is rendered alone, as the check of stderr
  // is each document's own. The refused ones render alone: the length of each one's whole error is checked.
  const RENDERS = HOSTILE.filter(([, , expected]) => expected === 'renders');
  const request = (text: string): TemplateRequest => ({ values: undefined, yaml: text, release: 'rel' });
  let batched: RunResult[];
  beforeAll(async () => {
    batched = await templateMany(name, chart, RENDERS.map(([, text]) => request(text)), 'infrahub');
  });

  test.each(HOSTILE)('%s', async (label, text, expected) => {
    const file = join(dir, `${name}-${label.replace(/[^a-z0-9]+/gi, '-')}.yaml`);
    writeFileSync(file, text);
    const synth = hostileSynth(label, () => synthFile(file));
    const i = RENDERS.findIndex(([l]) => l === label);
    const rendered =
      expected === 'refused'
        ? await helm(name, ['template', 'rel', chart.packagePath, '-f', file, '--namespace', 'infrahub'])
        : await ownAnswer(name, chart, batched[i], request(text), 'infrahub');
    if (expected === 'refused') {
      expect(synth.problems).toBeDefined();
      expect(rendered.code).not.toBe(0);
      // Every Helm error stays short and names the value path.
      expect(rendered.stderr.length).toBeLessThan(700);
      const path = synth.problems![0].split(':')[0];
      const helmPath = path.replace(/\.([^.]+)$/, '');
      expect(rendered.stderr.replace(/\//g, '.')).toContain(helmPath.split('.').pop());
    } else {
      expect(synth.problems).toBeUndefined();
      expect(rendered.stderr).toBe('');
      expect(objectsOf(rendered.stdout)).toEqual(synth.objects);
    }
  });
});

describe('hostile documents render what the contract says', () => {
  const objects = (label: string) => {
    const [, text] = HOSTILE.find(([l]) => l === label)!;
    const file = join(dir, 'one.yaml');
    writeFileSync(file, text);
    return synthFile(file).objects!;
  };
  const container = (o: KubeObject) => (o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec);

  test('a keepLast of a million is printed as an integer', () => {
    const retention = objects('a keepLast of a million').find((o) => o.metadata.name.endsWith('-retention'))!;
    expect(container(retention).containers[0].args).toEqual(['s3', 'prune', '--keep-last', '1000000', '--keep-days', '1000']);
  });

  test('$ in arguments is doubled, so the kubelet passes it on unexpanded', () => {
    const job = objects('$( in a restore key and extraArgs').find((o) => o.kind === 'Job')!;
    const spec = container(job);
    // The image's container: the last init container (the scale guard's clear runs after it).
    expect(spec.initContainers.at(-1).args).toEqual(['restore', 's3://backups/a$$(AWS_SECRET_ACCESS_KEY)$$$$b.tar.gz', '--x=$$(HOME)', '$$$$']);
    expect(spec.initContainers[0].args).toContain('s3://backups/a$$(AWS_SECRET_ACCESS_KEY)$$$$b.tar.gz');
  });

  test('null inside a security context removes the setting, and the maps it empties', () => {
    const spec = container(objects('a null runAsUser and seccomp type (OpenShift)').find((o) => o.kind === 'Job')!);
    expect(spec.securityContext).toEqual({ runAsNonRoot: true, runAsGroup: 1000, fsGroup: 1000 });
    expect(spec.containers[0].securityContext.seccompProfile).toBeUndefined();
  });
});

test('request hashes order keys as Go does (UTF-8 bytes), not as JavaScript objects do', () => {
  // Go: {"01":..,"1":..,"10":..,"9":..,"\uffff":..,"😀":..}
  expect(requestHash({ '9': 1, '10': 2 })).toBe(requestHash({ '10': 2, '9': 1 }));
  const { createHash } = jest.requireActual<typeof import('crypto')>('crypto');
  const go = '{"10":2,"9":1,"\uffff":3,"😀":4}';
  expect(requestHash({ '9': 1, '10': 2, '😀': 4, '\uffff': 3 })).toBe(createHash('sha256').update(go).digest('hex').slice(0, 8));
});

/** A copy of the built chart whose only template runs a helper on every probe value (no schema: the probe values are not chart values). */
function probeChart(template: string): string {
  const probe = mkdtempSync(join(tmpdir(), 'ibc-probe-'));
  cpSync(chart.chartDir, probe, { recursive: true });
  rmSync(join(probe, 'values.schema.json'));
  for (const f of ['cronjob-backup.yaml', 'cronjob-restore.yaml', 'cronjob-retention.yaml', 'cronjob-verification.yaml', 'job-backup.yaml', 'job-restore.yaml', 'pvc-backup.yaml', 'role.yaml', 'rolebinding.yaml', 'serviceaccount.yaml', 'NOTES.txt']) {
    rmSync(join(probe, 'templates', f), { force: true });
  }
  writeFileSync(join(probe, 'templates', 'probe.yaml'), template);
  return probe;
}

/** Schedules drawn from the cron grammar's corners: robfig/cron's rules decide each. */
const SCHEDULE_CORPUS = [
  ...VALID_SCHEDULES,
  '', 'TZ=UTC 0 2 * * *', '0 2 * * TZ', '@reboot', '@Daily', '@every', '@every 5', '@every 1d', '@every  1h', '@every 3000000h', '@every 0', '@every -5m', '@every .5h', '@every 1µs', '@every 1μs',
  '0 2 * * * *', '0 2 * *', '  0 2 * * *', '0\t2\t*\t*\t*', '0 2 * * *\n', '0\u00a02 * * *',
  '0 0 * * 7', '0 0 * * 0-7', '0 0 * * 5L', '0 0 L * *', '0 0 15W * *', '5-1 * * * *', '*/0 * * * *', '1-2-3 * * * *', '1/2/3 * * * *',
  '-1 * * * *', '1- * * * *', '60 * * * *', '0 24 * * *', '0 0 0 * *', '0 0 * 0 *', '0 0 * JANUARY *', '0 0 * * MONDAY', 'MON 0 * * *',
  '*/x * * * *', '*/JAN 0 * * *', '0 0 * */JAN *', '99999999999999999999 0 * * *', '*/99999999999999999999 0 * * *', '*/9223372036854775807 0 * * *',
  '*-5 * * * *', '?-x-y * * * *', '1,,2 * * * *', ',5 * * * *', '*/99999 * * * *', '+5 002 * * *', '0 2 * jAn-MAR sUn',
  '0 0 31 2 *', '0 0 30 2 *', '0 0 31 4,6,9,11 *', '0 0 30-31 2 *', '0 0 31 2 ?', '0 0 31 2 */1', ', 0 * * *', '0 , * * *', '0 0 * , *', '0 0 , * *-1',
  '0 0 31 2 1', '0 0 31 2 */2', '0 0 , * 1', '0 0 31 2,3 *', '0 0 29 2 *', '0 0 1-31/31 * *', '59 23 31 12 6',
];

describe.each(Object.keys(HELMS))('%s: the chart checks schedules as the model does', (name) => {
  test(`${SCHEDULE_CORPUS.length} schedules`, async () => {
    const probe = probeChart(
      '{{- $c := include "infrahub-backup.constants" . | fromJson }}{{- $p := include "infrahub-backup.problems" . | fromJson }}' +
        '{{- $out := list }}{{- range .Values.probe }}{{- $out = append $out (include "infrahub-backup.scheduleProblem" (dict "s" . "c" $c "p" $p)) }}{{- end }}' +
        '{{ dict "problems" $out | toJson }}\n',
    );
    const values = join(dir, `${name}-schedules.json`);
    writeFileSync(values, JSON.stringify({ probe: SCHEDULE_CORPUS }));
    const rendered = await helm(name, ['template', 'probe', probe, '-f', values]);
    expect(rendered.stderr).toBe('');
    const helmProblems = (objectsOf(rendered.stdout)[0] as { problems: string[] }).problems;
    const expected = SCHEDULE_CORPUS.map((s) => scheduleProblem(s) ?? '');
    expect(SCHEDULE_CORPUS.map((s, i) => [s, helmProblems[i]])).toEqual(SCHEDULE_CORPUS.map((s, i) => [s, expected[i]]));
  });
});

/** Strings on which JavaScript and Go regular expressions disagree when written carelessly. */
const ODD_STRINGS = [
  'a', 'a b', 'a\tb', 'a\nb', 'a\rb', 'a\r\n', 'a\n', '\na', 'a\u2028b', 'a\u2029b', 'a\u0085b', 'a\u00a0b', 'a\u1680b', 'a\u2000b', 'a\u200ab',
  'a\u202fb', 'a\u205fb', 'a\u3000b', 'a\ufeffb', 'a\u000bb', 'a\u000cb', 'a\u0000b', 'a\u001fb', 'é', '😀', 'a😀', '/a', 'a/', '/', '', ' ',
  '/infrahub_backups', '/a b', '/a\u2028b', 'prefix/x', 'x/', 'key.tar.gz', 'https://s3.example.com', 'https://s3.example.com/x y', 'http://a\u00a0b',
  'Europe/Paris', 'Etc/GMT+5', 'us-east-1', '20Gi', '0.5', 'sha256:' + 'a'.repeat(64), '1h30m', '90µs', 'infrahub_backup_latest.tar.gz', 'a$', 'a\n$',
];

describe.each(Object.keys(HELMS))('%s: every schema pattern matches the same strings as in JavaScript', (name) => {
  test('patterns × odd strings', async () => {
    const patterns = new Map<string, string>();
    walkFields(VALUES_SPEC.fields, (path, field) => {
      const node = field.type === 'alias' ? field.shape : field;
      if (node.type === 'string' && node.pattern) patterns.set(effectivePattern(node)!, path);
    });
    const list = [...patterns.keys()];
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: Object.fromEntries(list.map((p, i) => [`p${i}`, { type: 'array', items: { type: 'string', pattern: p } }])),
    };
    const probe = probeChart('{}\n');
    writeFileSync(join(probe, 'values.schema.json'), JSON.stringify(schema));
    const values = join(dir, `${name}-patterns.json`);
    // YAML (and so Helm) takes DEL, C1 controls and the BOM only escaped (and DEL not at all in its schema check).
    const json = JSON.stringify(Object.fromEntries(list.map((_p, i) => [`p${i}`, ODD_STRINGS])));
    writeFileSync(values, json.replace(/[\u007f-\u009f\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
    const rendered = await helm(name, ['template', 'probe', probe, '-f', values]);
    // Helm 3: "- p3.7: Does not match pattern"; Helm 4: "- at '/p3/7': ... does not match pattern".
    const goRefused = new Set([...rendered.stderr.matchAll(/p(\d+)[./](\d+)/g)].map((m) => `${m[1]}/${m[2]}`));
    const ajv = new Ajv(AJV_OPTIONS);
    const jsRefused = new Set<string>();
    list.forEach((p, i) => {
      const validate = ajv.compile({ type: 'string', pattern: p });
      ODD_STRINGS.forEach((s, j) => {
        if (!validate(s)) jsRefused.add(`${i}/${j}`);
      });
    });
    const show = (set: Set<string>) => [...set].sort().map((k) => { const [i, j] = k.split('/').map(Number); return `${patterns.get(list[i])} ${JSON.stringify(ODD_STRINGS[j])}`; });
    expect(jsRefused.size).toBeGreaterThan(0);
    if (goRefused.size === 0) throw new Error(rendered.stderr.slice(0, 2000));
    expect(show(goRefused)).toEqual(show(jsRefused));
  });
});

/** Documents that break each cross-field rule: `helm lint --strict` must refuse them through the schema. */
const CROSS_FIELD = [
  ['both enabled', ['--set', 'backup.enabled=true,restore.enabled=true,restore.storage.s3.bucket=bkt,restore.storage.s3.latest=true,backup.storage.s3.bucket=bkt']],
  ['backup to S3 without a bucket', ['--set', 'backup.enabled=true,backup.storage.type=s3']],
  ['a scheduled restore from local storage', ['--set', 'restore.enabled=true,restore.mode=cronjob,restore.storage.type=local']],
  ['a restore without a bucket', ['--set', 'restore.enabled=true,restore.storage.s3.latest=true']],
  ['a restore with both key and latest', ['--set', 'restore.enabled=true,restore.storage.s3.bucket=bkt,restore.storage.s3.latest=true,restore.storage.s3.key=k']],
  ['a restore with the alias key and latest', ['--set', 'restore.enabled=true,restore.s3.bucket=bkt,restore.storage.s3.latest=true,restore.s3.key=k']],
  ['a restore without key or latest', ['--set', 'restore.enabled=true,restore.storage.s3.bucket=bkt']],
] as const;

describe.each(Object.keys(HELMS))('%s lint --strict', (name) => {
  test.each(CROSS_FIELD)('refuses %s', async (_label, args) => {
    const result = await helm(name, ['lint', '--strict', chart.packagePath, ...args]);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/\[ERROR\] values.yaml/);
  });

  test.each([
    ['a restore from the alias', ['--set', 'restore.enabled=true,restore.s3.bucket=bkt,restore.s3.key=k']],
    ['a restore of the newest archive', ['--set', 'restore.enabled=true,restore.storage.s3.bucket=bkt,restore.storage.s3.latest=true']],
    ['a local backup', ['--set', 'backup.enabled=true,backup.storage.type=local']],
  ])('accepts %s', async (_label, args) => {
    const result = await helm(name, ['lint', '--strict', chart.packagePath, ...args]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  test('a mistyped time zone gives a short error naming the path', async () => {
    const result = await helm(name, ['template', 'rel', chart.packagePath, '--set', 'cronJob.timeZone=Europe/Pariss']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('cronJob.timeZone');
    expect(result.stderr.length).toBeLessThan(400);
  });

  test('a malformed schedule gives a short error naming the path', async () => {
    const result = await helm(name, ['template', 'rel', chart.packagePath, '--set', 'backup.schedule=every night']);
    expect(result.code).not.toBe(0);
    expect(result.stderr.replace(/\//g, '.')).toContain('backup.schedule');
    expect(result.stderr.length).toBeLessThan(400);
  });
});

describe.each(Object.keys(HELMS))('%s: nulls from an umbrella chart', (name) => {
  test('mean what they mean in the chart itself', async () => {
    const work = mkdtempSync(join(tmpdir(), 'ibc-umbrella-null-'));
    cpSync(chart.chartDir, join(work, 'infrahub-backup'), { recursive: true });
    cpSync(join(__dirname, '..', 'fixtures', 'umbrella'), join(work, 'infrahub'), { recursive: true });
    const umbrella = join(work, 'infrahub');
    expect((await helm(name, ['dependency', 'build', umbrella])).code).toBe(0);
    const refused = join(work, 'mode-null.yaml');
    writeFileSync(refused, 'infrahub-backup:\n  enabled: true\n  backup:\n    enabled: true\n    mode: null\n    storage:\n      s3:\n        bucket: bkt\n');
    const r = await helm(name, ['template', 'prod', umbrella, '-f', refused, '--namespace', 'infrahub']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/mode is required|missing property 'mode'/);
    const removed = join(work, 'run-as-user-null.yaml');
    writeFileSync(removed, 'infrahub-backup:\n  enabled: true\n  backup:\n    enabled: true\n    mode: job\n    storage:\n      s3:\n        bucket: bkt\n  podSecurityContext:\n    runAsUser: null\n');
    const ok = await helm(name, ['template', 'prod', umbrella, '-f', removed, '--namespace', 'infrahub']);
    expect(ok.stderr).toBe('');
    const job = objectsOf(ok.stdout).find((o) => o.kind === 'Job')!;
    expect(job.spec.template.spec.securityContext).toEqual({ runAsNonRoot: true, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
  });
});
