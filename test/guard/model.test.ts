/**
 * The guard under random histories: backup and restore runs started, recorded,
 * scaled down and up by the tool, cleared, killed (with or without a retried
 * pod) at any step; repairs at any time; an operator scaling workloads between
 * runs; someone scaling a workload up; API failures (HTTP 500, 403) on any request of a guard command. Every
 * guard command runs against the test API server through client-node.
 *
 * After every guard command: no workload lower than before it; nothing written
 * but the workloads the tool scales; a repair writes nothing while a backup or
 * restore Job runs. At the end (every run ended, a last repair): no marker, and
 * every workload exactly where the operator last put it.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest hoists jest.mock above the imports: its factory requires the CommonJS bundle of the ESM client itself
jest.mock('@kubernetes/client-node', () => require('./support').kubernetesClient());

import fc from 'fast-check';
import { clear, record, repair } from '../../src/guard/guard';
import { kubernetesApi } from '../../src/guard/kube';
import { FakeCluster, NAMESPACE, infrahubWorkloads, kubernetesClient, startCluster } from './support';
import { MARKER, RELEASE, Run } from './sim';

const RUNS = 50;
const TARGET = { chartName: 'infrahub-backup', release: RELEASE, fullname: 'infrahub-backup' };
const TOOL_SCALED = new Set([
  'deployment/infrahub-infrahub-server',
  'deployment/infrahub-task-worker',
  'deployment/infrahub-task-manager',
  'deployment/infrahub-task-manager-background-svc',
  'statefulset/infrahub-cache',
  'statefulset/infrahub-message-queue',
]);
const WORKLOADS = [...TOOL_SCALED, 'deployment/unrelated-app', 'statefulset/infrahub-database'];

type Action =
  | { t: 'start'; op: 'backup' | 'restore' }
  | { t: 'step'; i: number; thenKill: boolean }
  | { t: 'kill'; i: number; retry: boolean }
  | { t: 'repair' }
  | { t: 'operator'; w: number; n: number }
  | { t: 'raise'; w: number; k: number }
  | { t: 'fault'; nth: number; kind: 'error500' | 'forbidden' };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ t: fc.constant('start' as const), op: fc.constantFrom('backup' as const, 'restore' as const) }) },
  // The run's next step: record, the tool's scale-down, its scale-up (after the upload), clear.
  // With thenKill, the pod is killed right after the tool's scale-down (mid-backup).
  { weight: 5, arbitrary: fc.record({ t: fc.constant('step' as const), i: fc.nat(2), thenKill: fc.constantFrom(false, false, true) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('kill' as const), i: fc.nat(2), retry: fc.boolean() }) },
  { weight: 3, arbitrary: fc.constant({ t: 'repair' as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('operator' as const), w: fc.nat(WORKLOADS.length - 1), n: fc.nat(4) }) },
  // Someone scales a workload up (an operator, an autoscaler), except between a record and the tool's scale-up.
  { weight: 1, arbitrary: fc.record({ t: fc.constant('raise' as const), w: fc.nat(WORKLOADS.length - 1), k: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('fault' as const), nth: fc.nat(12), kind: fc.constantFrom('error500' as const, 'forbidden' as const) }) },
);

let c: FakeCluster;
let api: ReturnType<typeof kubernetesApi>;
beforeAll(async () => {
  kubernetesClient();
  c = await startCluster();
  // One client for every command (as one CLI process has): a command of a history never waits on the API server.
  api = kubernetesApi(NAMESPACE, { KUBECONFIG: c.kubeconfig, HOME: '/nonexistent' }, new AbortController().signal, 60);
}, 60_000);
afterAll(() => c.close());

type Stage = 'started' | 'recorded' | 'down' | 'up' | 'done';

test('random histories of runs, kills, repairs, operator scaling and API failures never leave Infrahub lower than recorded', async () => {
  const drew = {
    histories: 0,
    actions: 0,
    guardCommands: 0,
    guardFailures: 0,
    refusedRecords: 0,
    retriedPods: 0,
    killsScaledDown: 0,
    repairsRestoring: 0,
    repairsWaiting: 0,
    recordsRepairingFirst: 0,
    operatorScaleDowns: 0,
    raisedUnderMarker: 0,
    faultsInjected: 0,
    finalRepairsRestoring: 0,
  };
  await fc.assert(
    fc.asyncProperty(fc.array(action, { minLength: 12, maxLength: 32 }), async (actions) => {
      const fresh = infrahubWorkloads();
      Object.assign(c, { deployments: fresh.deployments, statefulsets: fresh.statefulsets });
      c.configmaps.clear();
      c.jobs.clear();
      c.pods.clear();
      c.events.length = 0;
      c.fault = () => undefined;
      const intended = c.replicas();
      const runs: Array<{ run: Run; stage: Stage }> = [];
      let jobs = 0;
      let pendingFault: { nth: number; kind: 'error500' | 'forbidden' } | undefined;
      drew.histories++;

      /** Runs one guard command with the invariants checked around it; true when it succeeded. */
      const guard = async (body: (api: ReturnType<typeof kubernetesApi>) => Promise<void>): Promise<boolean> => {
        drew.guardCommands++;
        const before = c.replicas();
        c.log.length = 0;
        if (pendingFault) {
          const { nth, kind } = pendingFault;
          let n = 0;
          c.fault = () => (n++ === nth ? kind : undefined);
          pendingFault = undefined;
          drew.faultsInjected++;
        }
        let ok = true;
        try {
          await body(api);
        } catch {
          ok = false;
          drew.guardFailures++;
        }
        c.fault = () => undefined;
        const after = c.replicas();
        for (const w of WORKLOADS) expect([w, after[w] >= before[w]]).toEqual([w, true]);
        const written = c.log.filter((r) => r.method === 'PUT' && r.path.endsWith('/scale') && r.status === 200);
        for (const r of written) {
          const [, kind, name] = /\/(deployments|statefulsets)\/([^/]+)\/scale$/.exec(r.path)!;
          expect(TOOL_SCALED.has(`${kind.slice(0, -1)}/${name}`)).toBe(true);
        }
        return ok;
      };
      /** The i-th of the runs still going (wrapping). */
      const pick = (i: number): { run: Run; stage: Stage } | undefined => {
        const going = runs.filter((r) => r.run.running);
        return going.length === 0 ? undefined : going[i % going.length];
      };
      const log = (): void => undefined;

      for (const a of actions) {
        drew.actions++;
        if (a.t === 'start') {
          runs.push({ run: new Run(c, `${a.op}-${++jobs}`, a.op), stage: 'started' });
        } else if (a.t === 'fault') {
          pendingFault = { nth: a.nth, kind: a.kind };
        } else if (a.t === 'operator') {
          // An operator's own scaling, between runs: no run going, no marker left.
          if (runs.some((r) => r.run.running) || c.configmaps.has(MARKER)) continue;
          const [kind, name] = WORKLOADS[a.w].split('/');
          c.setReplicas(kind === 'deployment' ? 'Deployment' : 'StatefulSet', name, a.n);
          if (a.n < intended[WORKLOADS[a.w]]) drew.operatorScaleDowns++;
          intended[WORKLOADS[a.w]] = a.n;
        } else if (a.t === 'raise') {
          // Not between a record and the tool's scale-up: the guard restores the counts of the record, and a
          // raise the tool read into memory after it would be restored lower (docs/scale-guard.md, limits).
          if (runs.some((r) => r.stage === 'recorded' || r.stage === 'down')) continue;
          const [kind, name] = WORKLOADS[a.w].split('/');
          const now = c.replicas()[WORKLOADS[a.w]] + a.k;
          c.setReplicas(kind === 'deployment' ? 'Deployment' : 'StatefulSet', name, now);
          // Raising a workload a killed run left at 0 to less than its count does not lower what the guard restores.
          intended[WORKLOADS[a.w]] = Math.max(intended[WORKLOADS[a.w]], now);
          if (c.configmaps.has(MARKER)) drew.raisedUnderMarker++;
        } else if (a.t === 'repair') {
          const running = [...c.jobs.values()].some((j) => !j.finished);
          const markerBefore = c.configmaps.has(MARKER);
          const before = c.replicas();
          c.log.length = 0;
          await guard((api) => repair(api, TARGET, NAMESPACE, log));
          if (running) {
            expect(c.log.filter((r) => r.method !== 'GET' && r.status < 300)).toEqual([]);
            if (markerBefore) drew.repairsWaiting++;
          }
          if (WORKLOADS.some((w) => c.replicas()[w] > before[w])) drew.repairsRestoring++;
        } else {
          const r = pick(a.i);
          if (!r || !r.run.running) continue;
          if (a.t === 'step' && r.stage === 'started') {
            const hadMarker = c.configmaps.get(MARKER)?.data.job;
            const ok = await guard((api) => record(api, TARGET, NAMESPACE, { operation: r.run.operation, job: r.run.job, pod: r.run.pod }, log));
            if (ok) {
              if (hadMarker && hadMarker !== r.run.job) drew.recordsRepairingFirst++;
              r.stage = 'recorded';
            } else {
              // The record step failed: the pod fails before the tool runs (the restore Job is never retried).
              drew.refusedRecords++;
              r.run.kill();
              r.stage = 'done';
            }
          } else if (a.t === 'step' && r.stage === 'recorded') {
            r.run.toolScaleDown();
            r.stage = 'down';
            if (a.thenKill) {
              drew.killsScaledDown++;
              r.run.kill();
              r.stage = 'done';
            }
          } else if (a.t === 'step' && r.stage === 'down') {
            r.run.toolScaleUp();
            r.stage = 'up';
          } else if (a.t === 'step' && r.stage === 'up') {
            const ok = await guard((api) => clear(api, TARGET, NAMESPACE, { job: r.run.job }, log));
            if (ok) r.run.finish();
            else r.run.kill();
            r.stage = 'done';
          } else if (a.t === 'kill') {
            if (r.stage === 'down') drew.killsScaledDown++;
            r.run.kill(a.retry);
            if (a.retry) drew.retriedPods++;
            r.stage = a.retry ? 'started' : 'done';
          }
        }
      }

      // Every run ends (killed where it stands); the guard's CronJob runs once more.
      for (const r of runs) if (r.run.running) r.run.kill();
      pendingFault = undefined;
      const before = c.replicas();
      await guard((api) => repair(api, TARGET, NAMESPACE, log));
      if (WORKLOADS.some((w) => c.replicas()[w] > before[w])) drew.finalRepairsRestoring++;
      expect(c.configmaps.has(MARKER)).toBe(false);
      expect(c.replicas()).toEqual(intended);
    }),
    { numRuns: RUNS, seed: 20261207 },
  );
  process.stdout.write(`guard model: ${JSON.stringify(drew)}\n`);
  expect(drew.histories).toBe(RUNS);
  for (const [name, count] of Object.entries(drew)) expect([name, count >= 5]).toEqual([name, true]);
}, 60_000);
