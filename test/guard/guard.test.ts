/**
 * The scale guard against a Kubernetes API server in the test suite, through
 * the CLI and `@kubernetes/client-node`: a run killed at each step, double
 * runs, a concurrent restore, an operator's own scale-down, missing RBAC, API
 * errors and an API that never answers. After every scenario the workloads
 * are at their recorded counts or untouched, never lower.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest hoists jest.mock above the imports: its factory requires the CommonJS bundle of the ESM client itself
jest.mock('@kubernetes/client-node', () => require('./support').kubernetesClient());

import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { AddressInfo, createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { FakeCluster, NAMESPACE, infrahubWorkloads, kubernetesClient, startCluster } from './support';
import { MARKER, RELEASE, Run, cli, repair } from './sim';

let c: FakeCluster;
let before: Record<string, number>;

beforeAll(async () => {
  // Bundling the client takes a few seconds on a busy machine: done once, here.
  kubernetesClient();
  c = await startCluster();
}, 60_000);
afterAll(() => c.close());
beforeEach(() => {
  const fresh = infrahubWorkloads();
  c.deployments = fresh.deployments;
  c.statefulsets = fresh.statefulsets;
  c.configmaps.clear();
  c.jobs.clear();
  c.pods.clear();
  c.events.length = 0;
  c.log.length = 0;
  c.denied.clear();
  c.fault = () => undefined;
  before = c.replicas();
});

/** The workloads the tool scales (and so the guard records). */
const SCALED = [
  'deployment/infrahub-infrahub-server',
  'deployment/infrahub-task-manager',
  'deployment/infrahub-task-manager-background-svc',
  'deployment/infrahub-task-worker',
  'statefulset/infrahub-cache',
  'statefulset/infrahub-message-queue',
];

/** No workload below where it started; the ones not scaled by the tool never written. */
function expectRestored(): void {
  expect(c.replicas()).toEqual(before);
  const writes = c.log.filter((r) => r.method === 'PUT' && r.path.endsWith('/scale')).map((r) => r.path);
  expect(writes.filter((p) => /unrelated-app|infrahub-database/.test(p))).toEqual([]);
}

function writesOf(method: string): number {
  return c.log.filter((r) => r.method === method && r.status < 300).length;
}

test('record writes the marker: the counts of every workload the tool scales, the Job, the pod, the start time', async () => {
  const run = new Run(c, 'backup-1');
  const r = await run.record();
  expect(r).toMatchObject({ code: 0, stdout: '' });
  expect(r.stderr).toMatch(/^recorded deployment\/infrahub-infrahub-server=2, .* in ConfigMap infrahub-backup-scale-guard for backup Job backup-1\n$/);
  const cm = c.configmaps.get(MARKER)!;
  expect(cm.labels).toEqual({
    'app.kubernetes.io/name': 'infrahub-backup',
    'app.kubernetes.io/component': 'scale-guard',
    'app.kubernetes.io/part-of': 'infrahub',
    'app.kubernetes.io/managed-by': 'infrahub-backup-cdk8s',
  });
  expect(cm.data).toMatchObject({ format: '1', operation: 'backup', job: 'backup-1', pod: 'backup-1-p0' });
  expect(Date.parse(cm.data.startedAt)).not.toBeNaN();
  expect(JSON.parse(cm.data.workloads)).toEqual([
    { kind: 'Deployment', name: 'infrahub-infrahub-server', replicas: 2 },
    { kind: 'Deployment', name: 'infrahub-task-manager', replicas: 1 },
    { kind: 'Deployment', name: 'infrahub-task-manager-background-svc', replicas: 1 },
    { kind: 'Deployment', name: 'infrahub-task-worker', replicas: 3 },
    { kind: 'StatefulSet', name: 'infrahub-cache', replicas: 1 },
    { kind: 'StatefulSet', name: 'infrahub-message-queue', replicas: 1 },
  ]);
});

test('a successful run: record, scale down, upload, scale up, clear leaves no marker and nothing changed', async () => {
  const run = new Run(c, 'backup-1');
  expect((await run.record()).code).toBe(0);
  run.toolScaleDown();
  run.toolScaleUp();
  const r = await run.clear();
  expect(r).toEqual({ code: 0, stdout: '', stderr: 'cleared ConfigMap infrahub-backup-scale-guard of backup Job backup-1 (pod backup-1-p0, started ' + JSON.parse(JSON.stringify(r.stderr)).split('started ')[1] });
  run.finish();
  expect(c.configmaps.has(MARKER)).toBe(false);
  expect(c.events).toEqual([]);
  expectRestored();
});

describe('a run killed at each step, then the repair', () => {
  const steps: Array<[string, (run: Run) => Promise<void>]> = [
    ['before record', () => Promise.resolve()],
    ['after record', async (run) => void (await run.record())],
    ['mid-backup (scaled down)', async (run) => (await run.record(), run.toolScaleDown())],
    ['after upload (scaled down, archive written)', async (run) => (await run.record(), run.toolScaleDown())],
    ['after the scale-up, before clear', async (run) => (await run.record(), run.toolScaleDown(), run.toolScaleUp())],
    ['after clear', async (run) => (await run.record(), run.toolScaleDown(), run.toolScaleUp(), void (await run.clear()))],
  ];
  test.each(steps)('%s', async (_name, upTo) => {
    const run = new Run(c, 'backup-1');
    await upTo(run);
    run.kill();
    const r = await repair(c);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(c.configmaps.has(MARKER)).toBe(false);
    expectRestored();
    const lowered = c.events.map((e) => e.involvedObject.name).sort();
    expect(lowered).toEqual(_name.includes('scaled down') ? SCALED.map((s) => s.split('/')[1]).sort() : []);
    // A second repair finds nothing to do.
    c.log.length = 0;
    expect(await repair(c)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(writesOf('PUT') + writesOf('DELETE') + writesOf('POST')).toBe(0);
  });

  test('the repair logs one line and creates one Warning Event per workload it restored', async () => {
    const run = new Run(c, 'backup-1');
    await run.record();
    run.toolScaleDown();
    run.kill();
    const r = await repair(c);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(SCALED.length + 1);
    expect(lines[0]).toMatch(/^restored deployment\/infrahub-infrahub-server in namespace infrahub to 2 replicas \(it had 0\), as recorded by backup Job backup-1 \(pod backup-1-p0, started \S+\)$/);
    expect(lines[SCALED.length]).toMatch(/^deleted ConfigMap infrahub-backup-scale-guard left by backup Job backup-1/);
    expect(c.events).toHaveLength(SCALED.length);
    for (const e of c.events) {
      expect(e).toMatchObject({ reason: 'ScaleGuardRestoredReplicas', type: 'Warning' });
      expect(e.involvedObject.uid).toMatch(/^uid-/);
    }
  });
});

test('nothing is repaired while the marker\'s Job runs, nor while another backup or restore of the release runs', async () => {
  const run = new Run(c, 'backup-1');
  await run.record();
  run.toolScaleDown();
  const down = c.replicas();
  c.log.length = 0;
  const r = await repair(c);
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/^nothing repaired: backup Job backup-1 .* is still running; ConfigMap infrahub-backup-scale-guard stays\n$/);
  expect(c.replicas()).toEqual(down);
  expect(writesOf('PUT') + writesOf('DELETE')).toBe(0);
  // The Job is gone but its pod still runs (deleted with --cascade=orphan): still nothing.
  c.jobs.delete('backup-1');
  expect((await repair(c)).stderr).toMatch(/is still running/);
  expect(c.replicas()).toEqual(down);
  // The pod ended; a restore Job of the release runs: still nothing (that run repairs at its start).
  c.pods.set(run.pod, 'Failed');
  const restore = new Run(c, 'restore-1', 'restore');
  expect((await repair(c)).stderr).toMatch(/^nothing repaired: Job restore-1 of release infrahub-backup is running/);
  expect(c.replicas()).toEqual(down);
  // ... and the restore's record repairs first, then records the restored counts.
  const rec = await restore.record();
  expect(rec.code).toBe(0);
  expect(rec.stderr).toMatch(/replacing the marker left by backup Job backup-1/);
  expectRestored();
  expect(JSON.parse(c.configmaps.get(MARKER)!.data.workloads)).toContainEqual({ kind: 'Deployment', name: 'infrahub-task-worker', replicas: 3 });
});

test('a repair racing a new run: once the new run has recorded and its tool scaled down, the repair writes no scale (at every request of the repair)', async () => {
  // An undisturbed repair, to count its requests.
  const probe = new Run(c, 'backup-1');
  await probe.record();
  probe.toolScaleDown();
  probe.kill();
  c.log.length = 0;
  expect((await repair(c)).code).toBe(0);
  const requests = c.log.length;
  expect(requests).toBeGreaterThan(SCALED.length);
  let drawn = 0;
  for (let at = 1; at <= requests; at++) {
    // Reset: a killed run left its marker and the zeros.
    const fresh = infrahubWorkloads();
    c.deployments = fresh.deployments;
    c.statefulsets = fresh.statefulsets;
    c.configmaps.clear();
    c.jobs.clear();
    c.pods.clear();
    c.events.length = 0;
    const killed = new Run(c, 'backup-1');
    await killed.record();
    killed.toolScaleDown();
    killed.kill();
    c.log.length = 0;
    let injectedAt = -1;
    let next: Run | undefined;
    // Just before the repair's request number `at` is served: a new backup starts, records (raising what the
    // killed run left, then replacing the marker) and its tool scales Infrahub down.
    c.fault = () => {
      if (c.log.length + 1 !== at || next !== undefined) return undefined;
      injectedAt = c.log.length;
      next = new Run(c, 'backup-2');
      const old = c.configmaps.get(MARKER)!;
      for (const w of JSON.parse(old.data.workloads) as Array<{ kind: 'Deployment' | 'StatefulSet'; name: string; replicas: number }>) c.setReplicas(w.kind, w.name, w.replicas);
      c.configmaps.set(MARKER, { labels: old.labels, data: { ...old.data, job: 'backup-2', pod: next.pod }, rv: 50_000 + at });
      next.toolScaleDown();
      return undefined;
    };
    const r = await repair(c);
    c.fault = () => undefined;
    drawn++;
    expect(r.code).toBe(0);
    expect(injectedAt).toBe(at - 1);
    // While backup-2 runs, the repair scaled nothing: every scale it wrote was written before backup-2 recorded.
    const scaled = c.log.slice(injectedAt).filter((q) => q.method === 'PUT' && q.path.endsWith('/scale') && q.status < 300);
    expect({ at, scaled }).toEqual({ at, scaled: [] });
    for (const s of SCALED) expect({ at, s, replicas: c.replicas()[s] }).toEqual({ at, s, replicas: 0 });
    expect(c.configmaps.get(MARKER)?.data.job).toBe('backup-2');
    // backup-2 ends well: everything is back.
    next!.toolScaleUp();
    next!.finish();
    expect((await next!.clear()).code).toBe(0);
    expectRestored();
  }
  expect(drawn).toBe(requests);
}, 60_000);

test('a second run while one runs is refused before anything is recorded or scaled (double run, concurrent restore)', async () => {
  const first = new Run(c, 'backup-1');
  await first.record();
  first.toolScaleDown();
  const down = c.replicas();
  const marker = { ...c.configmaps.get(MARKER)! };
  for (const [job, operation] of [['backup-2', 'backup'], ['restore-1', 'restore']] as const) {
    const second = new Run(c, job, operation);
    const r = await second.record();
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: another backup or restore of release infrahub-backup is running \(Job backup-1\): this (backup|restore) does not start; run it again once that one has ended\n$/);
    second.kill();
  }
  expect(c.configmaps.get(MARKER)).toEqual(marker);
  expect(c.replicas()).toEqual(down);
  first.toolScaleUp();
  expect((await first.clear()).code).toBe(0);
  expectRestored();
});

test("a run whose Job was deleted but whose pod still runs (--cascade=orphan) blocks the next run's record", async () => {
  const first = new Run(c, 'backup-1');
  await first.record();
  first.toolScaleDown();
  const down = c.replicas();
  c.jobs.delete('backup-1');
  const second = new Run(c, 'backup-2');
  const r = await second.record();
  expect(r).toMatchObject({ code: 1, stdout: '' });
  expect(r.stderr).toBe('error: pod backup-1-p0 of the backup that recorded ConfigMap infrahub-backup-scale-guard is still running: this backup does not start; run it again once that pod has ended\n');
  expect(c.replicas()).toEqual(down);
  expect(c.configmaps.get(MARKER)!.data.job).toBe('backup-1');
});

test('a retried pod of the same Job keeps the first counts, not the zeros the killed pod left', async () => {
  const run = new Run(c, 'backup-1');
  await run.record();
  run.toolScaleDown();
  run.kill(true);
  const r = await run.record();
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/kept the replicas recorded by backup Job backup-1 \(pod backup-1-p0, .*this pod backup-1-p1 retries that run\n$/);
  expect(c.configmaps.get(MARKER)!.data.pod).toBe('backup-1-p1');
  expectRestored();
  run.toolScaleDown();
  run.toolScaleUp();
  expect((await run.clear()).code).toBe(0);
  expectRestored();
});

test("clear raises what the tool restored too low (it restores 1 where it kept no count) and leaves another Job's marker", async () => {
  const run = new Run(c, 'backup-1');
  await run.record();
  run.toolScaleDown();
  run.memory = new Map([...run.memory!].map(([k]) => [k, 0]));
  run.toolScaleUp();
  expect(c.replicas()['deployment/infrahub-task-worker']).toBe(1);
  const other = await cli(c, ['guard', 'clear', '--release', RELEASE, '--job', 'someone-else']);
  expect(other).toMatchObject({ code: 0, stdout: '' });
  expect(other.stderr).toMatch(/^left ConfigMap infrahub-backup-scale-guard in place: it belongs to backup Job backup-1/);
  expect((await run.clear()).code).toBe(0);
  expectRestored();
  expect(c.configmaps.has(MARKER)).toBe(false);
});

test("an operator's own scale-down is never undone: without a marker, and when recorded as it was", async () => {
  c.setReplicas('Deployment', 'infrahub-task-worker', 0);
  before = c.replicas();
  expect(await repair(c)).toEqual({ code: 0, stdout: '', stderr: '' });
  expect(c.replicas()).toEqual(before);
  const run = new Run(c, 'backup-1');
  await run.record();
  expect(JSON.parse(c.configmaps.get(MARKER)!.data.workloads)).toContainEqual({ kind: 'Deployment', name: 'infrahub-task-worker', replicas: 0 });
  run.toolScaleDown();
  run.kill();
  expect((await repair(c)).code).toBe(0);
  expectRestored();
  expect(c.replicas()['deployment/infrahub-task-worker']).toBe(0);
});

test('a workload above its recorded count (scaled up meanwhile) is never lowered; a deleted one is skipped', async () => {
  const run = new Run(c, 'backup-1');
  await run.record();
  run.toolScaleDown();
  run.kill();
  c.setReplicas('Deployment', 'infrahub-task-worker', 7);
  c.deployments.delete('infrahub-task-manager');
  const r = await repair(c);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain('skipped deployment/infrahub-task-manager: recorded with 1 replicas by backup Job backup-1');
  expect(c.replicas()['deployment/infrahub-task-worker']).toBe(7);
  expect(c.replicas()['deployment/infrahub-infrahub-server']).toBe(2);
});

describe('failures: one line, exit 1, nothing on stdout, nothing scaled down, the marker kept for the next try', () => {
  async function killedRun(): Promise<Record<string, number>> {
    const run = new Run(c, 'backup-1');
    await run.record();
    run.toolScaleDown();
    run.kill();
    c.log.length = 0;
    return c.replicas();
  }

  test.each([
    ['update deployments/scale', /^error: scaling deployment\/infrahub-infrahub-server in namespace infrahub to 2: forbidden \(HTTP 403\): deployments\/scale "infrahub-infrahub-server" is forbidden: User "system:serviceaccount:infrahub:infrahub-backup" cannot update resource "deployments" subresource "scale" in API group "apps" in the namespace "infrahub": grant it in the release's Role \(docs\/scale-guard.md lists what the guard needs\)\n$/],
    ['get configmaps', /^error: reading ConfigMap infrahub-backup-scale-guard in namespace infrahub: forbidden \(HTTP 403\): .*cannot get resource "configmaps".*grant it in the release's Role/],
    ['list jobs', /^error: listing jobs in namespace infrahub: forbidden \(HTTP 403\)/],
    ['delete configmaps', /^error: deleting ConfigMap infrahub-backup-scale-guard in namespace infrahub: forbidden \(HTTP 403\)/],
  ])('repair without %s (RBAC)', async (denied, line) => {
    const down = await killedRun();
    c.denied.add(denied);
    const r = await repair(c);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error: '))).toHaveLength(1);
    expect(r.stderr.split('\n').find((l) => l.startsWith('error: '))! + '\n').toMatch(line);
    expect(c.configmaps.has(MARKER)).toBe(true);
    for (const [k, v] of Object.entries(c.replicas())) expect(v).toBeGreaterThanOrEqual(down[k]);
    // Once granted, the next repair finishes the work.
    c.denied.clear();
    expect((await repair(c)).code).toBe(0);
    expectRestored();
  });

  test('without events create: the replicas are restored, the marker deleted, and the missing right reported', async () => {
    await killedRun();
    c.denied.add('create events');
    const r = await repair(c);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: creating an Event for deployment\/infrahub-infrahub-server in namespace infrahub: forbidden \(HTTP 403\).*\(the replicas were restored\)$/m);
    expectRestored();
  });

  test('record without create configmaps: refused with one line, nothing recorded, nothing scaled', async () => {
    c.denied.add('create configmaps');
    const run = new Run(c, 'backup-1');
    const r = await run.record();
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(/^error: creating ConfigMap infrahub-backup-scale-guard in namespace infrahub: forbidden \(HTTP 403\).*\n$/);
    expect(c.configmaps.size).toBe(0);
    expectRestored();
  });

  test('an API error (HTTP 500) on a scale write: exit 1, the marker kept, the next repair restores', async () => {
    const down = await killedRun();
    c.fault = (method, path) => (method === 'PUT' && path.endsWith('infrahub-task-worker/scale') ? 'error500' : undefined);
    const r = await repair(c);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(/^error: scaling deployment\/infrahub-task-worker in namespace infrahub to 3: HTTP 500: Internal error occurred: etcdserver: request timed out$/m);
    for (const [k, v] of Object.entries(c.replicas())) expect(v).toBeGreaterThanOrEqual(down[k]);
    expect(c.configmaps.has(MARKER)).toBe(true);
    c.fault = () => undefined;
    expect((await repair(c)).code).toBe(0);
    expectRestored();
  });

  test('an API that never answers: the command ends at --timeout with one line', async () => {
    await killedRun();
    c.fault = (_method, path) => (path.includes('/jobs') ? 'hang' : undefined);
    const started = Date.now();
    const r = await cli(c, ['guard', 'repair', '--release', RELEASE, '--timeout', '1']);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r).toEqual({ code: 1, stdout: '', stderr: `error: listing jobs in namespace infrahub: the Kubernetes API at ${c.url} did not answer within 1 s (--timeout)\n` });
    expect(c.configmaps.has(MARKER)).toBe(true);
  });

  test('a closed port: one line naming the server', async () => {
    const port = await closedPort();
    const r = await cli(c, ['guard', 'repair', '--release', RELEASE], { KUBECONFIG: writeKubeconfig(`http://127.0.0.1:${port}`) });
    expect(r).toEqual({ code: 1, stdout: '', stderr: `error: reading ConfigMap infrahub-backup-scale-guard in namespace infrahub: cannot reach the Kubernetes API at http://127.0.0.1:${port}: ECONNREFUSED\n` });
  });

  test('a bad token: 401 with the fix', async () => {
    const r = await cli(c, ['guard', 'repair', '--release', RELEASE], { KUBECONFIG: writeKubeconfig(c.url, 'wrong') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: reading ConfigMap .*: unauthorized \(HTTP 401\): check the credentials of KUBECONFIG or the pod's service account token\n$/);
  });

  test('a damaged marker is refused, not half-applied', async () => {
    c.configmaps.set(MARKER, { labels: {}, data: { format: '1', operation: 'backup', job: 'b', pod: 'p', startedAt: 'x', workloads: '[{"kind":"Deployment","name":"unrelated-app","replicas":99999}]' }, rv: 1 });
    const r = await repair(c);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: ConfigMap infrahub/infrahub-backup-scale-guard: not a scale-guard marker (data.startedAt is not a time; data.workloads[0].replicas is not a whole number from 0 to 1000): check the Infrahub replicas by hand, then delete the ConfigMap\n',
    );
    expectRestored();
  });
});

test('a forged marker (written by someone who may create ConfigMaps but not scale) raises only the workloads the backup tool scales, never another app or the database', async () => {
  const forged = (workloads: Array<{ kind: string; name: string; replicas: number }>) =>
    c.configmaps.set(MARKER, {
      labels: {},
      data: { format: '1', operation: 'backup', job: 'forged', pod: 'forged-p0', startedAt: '2026-12-01T00:00:00.000Z', workloads: JSON.stringify(workloads) },
      rv: 7,
    });
  forged([
    { kind: 'Deployment', name: 'unrelated-app', replicas: 1000 },
    { kind: 'StatefulSet', name: 'infrahub-database', replicas: 1000 },
    { kind: 'Deployment', name: 'infrahub-task-worker', replicas: 3 },
  ]);
  c.setReplicas('Deployment', 'infrahub-task-worker', 0);
  const r = await repair(c);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain('skipped deployment/unrelated-app: recorded with 1000 replicas by backup Job forged');
  expect(r.stderr).toContain('not one the backup tool scales');
  expect(c.replicas()['deployment/unrelated-app']).toBe(2);
  expect(c.replicas()['statefulset/infrahub-database']).toBe(1);
  expect(c.replicas()['deployment/infrahub-task-worker']).toBe(3);
  expect(c.events.map((e) => e.involvedObject.name)).toEqual(['infrahub-task-worker']);
});

describe('the command line', () => {
  test('bad input: one line per problem, exit 2, no request', async () => {
    const r = await cli(c, ['guard', 'record', '--release', 'Bad_Release', '--timeout', '0', '--job', 'j'], { INFRAHUB_K8S_NAMESPACE: '' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      [
        'error: --namespace: missing: give a namespace name (or set $INFRAHUB_K8S_NAMESPACE)',
        'error: --release: "Bad_Release" is not a release name (lowercase letters, digits, "-" and ".")',
        'error: --timeout: "0" is not a whole number of seconds from 1 to 3600',
        'error: --for: missing: give backup or restore',
        'error: --pod: missing: give a pod name (or set $INFRAHUB_BACKUP_POD_NAME)',
        '',
      ].join('\n'),
    );
    expect(c.log).toEqual([]);
  });

  test('the Job and pod come from the environment the pod sets; --namespace from INFRAHUB_K8S_NAMESPACE', async () => {
    new Run(c, 'backup-9');
    const r = await cli(c, ['guard', 'record', '--for', 'backup', '--release', RELEASE], { INFRAHUB_BACKUP_JOB_NAME: 'backup-9', INFRAHUB_BACKUP_POD_NAME: 'backup-9-p0' });
    expect(r.code).toBe(0);
    expect(c.configmaps.get(MARKER)!.data).toMatchObject({ job: 'backup-9', pod: 'backup-9-p0' });
  });

  test("--start-file: the run's start, written before the record, for s3 latest --newer-than @FILE", async () => {
    const file = `${mkdtempSync(join(tmpdir(), 'ibc-guard-start-'))}/run-start`;
    new Run(c, 'backup-10');
    const before = Date.now();
    const r = await cli(c, ['guard', 'record', '--for', 'backup', '--release', RELEASE, '--job', 'backup-10', '--pod', 'backup-10-p0', '--start-file', file]);
    expect(r.code).toBe(0);
    const start = readFileSync(file, 'utf8');
    expect(start).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Date.parse(start)).toBeGreaterThanOrEqual(before - 1000);
    expect(c.configmaps.has(MARKER)).toBe(true);
  });

  test('--start-file in a folder that does not exist: exit 2, no request', async () => {
    const r = await cli(c, ['guard', 'record', '--for', 'backup', '--release', RELEASE, '--job', 'j', '--pod', 'p', '--start-file', '/nonexistent/run-start']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'error: --start-file: the folder /nonexistent does not exist\n' });
    expect(c.log).toEqual([]);
  });

  test('--fullname and --name choose the marker and the Job labels', async () => {
    const r = await cli(c, ['guard', 'repair', '--release', 'prod', '--name', 'ib', '--fullname', 'custom']);
    expect(r.code).toBe(0);
    expect(c.log.map((l) => l.path)).toEqual([`/api/v1/namespaces/${NAMESPACE}/configmaps/custom-scale-guard`]);
  });

  test('no cluster configuration at all: one line with the fix', async () => {
    const r = await cli(c, ['guard', 'repair', '--release', RELEASE], { KUBECONFIG: '' });
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'error: no cluster to talk to: set KUBECONFIG, or run in a pod whose service account token is mounted (automountServiceAccountToken: true)\n' });
  });
});

function writeKubeconfig(server: string, token = 'guard-test-token'): string {
  const dir = mkdtempSync(join(tmpdir(), 'ibc-guard-kc-'));
  const file = `${dir}/kubeconfig`;
  writeFileSync(
    file,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster: {server: "${server}", insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user: {token: ${token}}\ncontexts:\n- name: t\n  context: {cluster: t, user: u}\ncurrent-context: t\n`,
  );
  return file;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
