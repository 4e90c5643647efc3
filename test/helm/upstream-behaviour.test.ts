/**
 * OpsMill's chart 1.3.0, as facts (test/fixtures/upstream-1.3.0/behaviour.yaml:
 * object names, the container's arguments and environment, schedules, RBAC
 * rules per values case), against what this chart renders for the same values
 * with `synth` and with Helm 3 and Helm 4. Every difference must be listed in
 * the fixture with its reason and explained in docs/helm.md's compatibility
 * section; a listed difference that is gone fails too.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';
import { onceByKey } from '../support/cache';
import { buildTestChart, cli, ensureHelm, helm, HELMS, objectsOf, ownAnswer, ROOT, RunResult, templateMany, TemplateRequest } from '../support/helm';
import type { KubeObject } from '../support/synth';

jest.setTimeout(300_000);

type EnvFact = string | { fieldRef: string } | { secret: string; key: string };
interface Workload {
  kind: string;
  name: string;
  hook: string | null;
  serviceAccountName?: string;
  schedule?: string;
  concurrencyPolicy?: string;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
  startingDeadlineSeconds?: number;
  activeDeadlineSeconds?: number;
  suspend?: boolean;
  backoffLimit: number | null;
  container: string;
  mountPath: string;
  resources?: Record<string, Record<string, string>>;
  args: string[];
  env: Record<string, EnvFact>;
}
interface Case {
  name: string;
  values: Record<string, unknown>;
  objects: Array<[string, string]>;
  workload: Workload;
}
interface Difference {
  aspect: string;
  cases: string[];
  why: string;
  readme: string;
}
interface Refusal {
  what: string;
  values: Record<string, unknown>;
  kubeVersion?: string;
  error: string;
}
interface Behaviour {
  refusals: Refusal[];
  defaultResources: Record<string, Record<string, string>>;
  emptyDir: Record<string, unknown>;
  rbacRules: Array<[string, string, string]>;
  cases: Case[];
  differences: Difference[];
}

const BEHAVIOUR = parse(readFileSync(join(ROOT, 'test', 'fixtures', 'upstream-1.3.0', 'behaviour.yaml'), 'utf8')) as Behaviour;
/** Variables this chart gives the image's container in every case. */
const RUNTIME_ENV = ['INFRAHUB_BACKUP_DIR', 'INFRAHUB_LOG_FORMAT', 'HOME', 'TMPDIR'];

type K8s = KubeObject;

function envFact(e: K8s): EnvFact | undefined {
  if (e.value !== undefined) return String(e.value);
  if (e.valueFrom?.fieldRef) return { fieldRef: e.valueFrom.fieldRef.fieldPath };
  if (e.valueFrom?.secretKeyRef) return { secret: e.valueFrom.secretKeyRef.name, key: e.valueFrom.secretKeyRef.key };
  return undefined;
}

function sameArgs(ours: string[], theirs: string[]): boolean {
  if (ours[0] !== theirs[0]) return false;
  return JSON.stringify([...ours.slice(1)].sort()) === JSON.stringify([...theirs.slice(1)].sort());
}

function permissions(role: K8s | undefined): Set<string> {
  const out = new Set<string>();
  for (const rule of role?.rules ?? []) {
    for (const g of rule.apiGroups) for (const r of rule.resources) for (const v of rule.verbs) out.add(`${g}/${r}/${v}`);
  }
  return out;
}

/** The aspects in which this chart's objects differ from upstream's facts for one case. */
function differencesOf(c: Case, objects: K8s[]): string[] {
  const found = new Set<string>();
  const theirs = new Set(c.objects.map(([kind, name]) => `${kind}/${name}`));
  // The scale guard's CronJob is a difference of its own.
  const guard = (o: K8s): boolean => o.kind === 'CronJob' && o.metadata.labels['app.kubernetes.io/component'] === 'guard';
  if (objects.some(guard)) found.add('objects.guard');
  const ours = new Set(objects.filter((o) => !guard(o)).map((o) => `${o.kind}/${o.metadata.name}`));
  if ([...theirs].some((o) => !ours.has(o)) || [...ours].some((o) => !theirs.has(o))) found.add('objects');

  const w = c.workload;
  const workload = objects.find((o) => (o.kind === 'Job' || o.kind === 'CronJob') && o.metadata.labels['app.kubernetes.io/component'] === w.container);
  if (!workload) return [...found, 'workload'];
  if ((workload.metadata.annotations?.['helm.sh/hook'] ?? null) !== w.hook) found.add('hook');
  const jobSpec = workload.kind === 'CronJob' ? workload.spec.jobTemplate.spec : workload.spec;
  const pod = jobSpec.template.spec;
  if (w.serviceAccountName !== undefined && pod.serviceAccountName !== w.serviceAccountName) found.add('serviceAccountName');
  for (const field of ['schedule', 'concurrencyPolicy', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit', 'startingDeadlineSeconds', 'suspend'] as const) {
    if (w[field] !== undefined && workload.spec[field] !== w[field]) found.add(field);
  }
  if (w.activeDeadlineSeconds !== undefined && jobSpec.activeDeadlineSeconds !== w.activeDeadlineSeconds) found.add('activeDeadlineSeconds');
  if ((jobSpec.backoffLimit ?? null) !== w.backoffLimit) found.add('backoffLimit');

  // With the scale guard the image runs as the last init container, between guard record and guard clear.
  if ((pod.initContainers ?? []).some((x: K8s) => x.name === w.container)) found.add('scaleGuard');
  const container = [...(pod.initContainers ?? []), ...pod.containers].find((x: K8s) => x.name === w.container);
  if (!container) return [...found, 'container'];
  const mount = (container.volumeMounts ?? []).find((m: K8s) => m.mountPath === w.mountPath);
  if (!mount) found.add('mountPath');
  if (JSON.stringify(container.resources ?? {}) !== JSON.stringify(w.resources ?? BEHAVIOUR.defaultResources)) found.add('resources');
  // The backup directory and the staging directory (/tmp, where upstream's writable root
  // filesystem put it) must hold what upstream's unlimited volume held.
  for (const m of (container.volumeMounts ?? []).filter((x: K8s) => x === mount || x.mountPath === '/tmp')) {
    const volume = pod.volumes.find((v: K8s) => v.name === m.name);
    if (volume.emptyDir && JSON.stringify(volume.emptyDir) !== JSON.stringify(BEHAVIOUR.emptyDir)) found.add('emptyDir');
  }
  if (container.command !== undefined || !sameArgs(container.args ?? [], w.args)) found.add('args');
  const env = new Map<string, EnvFact | undefined>((container.env ?? []).map((e: K8s) => [e.name, envFact(e)]));
  for (const [name, fact] of Object.entries(w.env)) {
    if (JSON.stringify(env.get(name)) !== JSON.stringify(fact)) found.add('env');
  }
  for (const name of env.keys()) {
    if (name in w.env) continue;
    found.add(RUNTIME_ENV.includes(name) ? 'env.runtime' : 'env.extra');
  }

  if (c.objects.some(([kind]) => kind === 'Role')) {
    const upstream = new Set(BEHAVIOUR.rbacRules.map((r) => r.join('/')));
    const granted = permissions(objects.find((o) => o.kind === 'Role'));
    if ([...upstream].some((p) => !granted.has(p))) found.add('rbac.missing');
    if ([...granted].some((p) => !upstream.has(p))) found.add('rbac.extra');
  }
  return [...found].sort();
}

/** The documented differences of one case. */
function documented(c: Case, observed: string[]): string[] {
  const out = new Set<string>();
  for (const d of BEHAVIOUR.differences) {
    if (d.cases.includes(c.name)) out.add(d.aspect);
    // "*": every case in which the aspect can be observed at all.
    if (d.cases.includes('*') && (observed.includes(d.aspect) || !d.aspect.startsWith('rbac') || c.objects.some(([k]) => k === 'Role'))) out.add(d.aspect);
  }
  return [...out].sort();
}

const WORK = mkdtempSync(join(tmpdir(), 'ibc-upstream-'));

function valuesFile(c: Case): string {
  const file = join(WORK, `${c.name}.json`);
  writeFileSync(file, JSON.stringify(c.values));
  return file;
}

/** What synth answers for each case, asked once: the synth test and both Helm binaries compare with it. */
const synthAnswer = onceByKey<string, Promise<RunResult>>();

const synthObjects = async (c: Case): Promise<K8s[]> => {
  const r = await synthAnswer(c.name, () => cli(['synth', '--release', 'rel', '--namespace', 'ns', '-f', valuesFile(c)]));
  expect(r.stderr).toBe('');
  return objectsOf(r.stdout);
};

test('the table covers backups and restores of every mode and storage, and RBAC', () => {
  const kinds = new Set(BEHAVIOUR.cases.map((c) => `${c.workload.container}/${c.workload.kind}`));
  expect([...kinds].sort()).toEqual(['backup/CronJob', 'backup/Job', 'restore/CronJob', 'restore/Job']);
  expect(BEHAVIOUR.rbacRules.length).toBeGreaterThan(0);
});

describe('synth against upstream 1.3.0', () => {
  test.each(BEHAVIOUR.cases.map((c) => [c.name, c] as const))('%s: only the documented differences', async (_name, c) => {
    const observed = differencesOf(c, await synthObjects(c));
    expect(observed).toEqual(documented(c, observed));
  });
});

/** The chart page's compatibility section: from its heading to the next one of its level. */
function compatibilitySection(): string {
  const page = readFileSync(join(ROOT, 'docs', 'helm.md'), 'utf8');
  const heading = "## Compatibility with OpsMill's chart 1.3.0\n";
  expect(page).toContain(heading);
  const section = page.slice(page.indexOf(heading) + heading.length);
  const end = section.search(/^## /m);
  return end < 0 ? section : section.slice(0, end);
}

describe('every documented difference', () => {
  const section = compatibilitySection();
  test.each(BEHAVIOUR.differences.map((d) => [`${d.aspect} (${d.cases.join(', ')})`, d] as const))('%s is explained in docs/helm.md\'s compatibility section', (_n, d) => {
    expect(section).toContain(d.readme);
    expect(d.why.length).toBeGreaterThan(20);
  });
});

describe('values upstream accepts and this chart refuses', () => {
  const section = compatibilitySection();
  // `helm template rel <chart> -f <file>` of each refusal without a Kubernetes version, by both
  // binaries, in batches of refused documents (test/support/helm.ts); the others render alone.
  const batched = BEHAVIOUR.refusals.filter((r) => !r.kubeVersion);
  const answers: Record<string, RunResult[]> = {};
  beforeAll(async () => {
    ensureHelm();
    for (const name of Object.keys(HELMS)) {
      answers[name] = await templateMany(name, buildTestChart(), batched.map((r) => ({ values: r.values, yaml: JSON.stringify(r.values), release: 'rel', refused: true })), undefined);
    }
  });
  test.each(BEHAVIOUR.refusals.map((r) => [r.what, r] as const))('%s: refused by synth and Helm 3 and 4, and quoted in docs/helm.md with its fix', async (what, r) => {
    const file = join(WORK, `refused-${what.replace(/\W+/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(r.values));
    if (!r.kubeVersion) {
      const synth = await cli(['synth', '-f', file]);
      expect(synth.code).toBe(2);
      expect(synth.stderr).toContain(r.error);
    }
    const chartDir = buildTestChart().chartDir;
    for (const name of Object.keys(HELMS)) {
      const rendered = r.kubeVersion ? await helm(name, ['template', 'rel', chartDir, '-f', file, '--kube-version', r.kubeVersion]) : answers[name][batched.indexOf(r)];
      expect(rendered.code).not.toBe(0);
      if (r.kubeVersion) expect(rendered.stderr).toContain(r.error.split(' ')[1]);
    }
    expect(section).toContain(r.error);
  });
});

describe.each(Object.keys(HELMS))('%s against upstream 1.3.0', (name) => {
  // `helm template rel <chart> -f <file> --namespace ns` of every case, in batches (test/support/helm.ts);
  // a case whose batch wrote anything on stderr is rendered alone, as the check of stderr is each case's own.
  const request = (c: Case): TemplateRequest => ({ values: c.values, yaml: JSON.stringify(c.values), release: 'rel' });
  let batched: RunResult[];
  beforeAll(async () => {
    ensureHelm();
    batched = await templateMany(name, buildTestChart(), BEHAVIOUR.cases.map(request), 'ns');
  });
  test.each(BEHAVIOUR.cases.map((c, i) => [c.name, c, i] as const))('%s renders as synth does', async (_name, c, i) => {
    const r = await ownAnswer(name, buildTestChart(), batched[i], request(c), 'ns');
    expect(r.stderr).toBe('');
    expect(objectsOf(r.stdout)).toEqual(await synthObjects(c));
  });
});
