/**
 * The marker's format, read back strictly, and the workloads the guard
 * records: found as the backup tool finds them.
 */
import fc from 'fast-check';
import { readFileSync } from 'fs';
import { dirname } from 'path';
import { SCALED_SERVICES, releaseJobSelector, toolWorkload } from '../../src/guard/guard';
import { CLIENT_NODE, clientRuns, jobRunning } from '../../src/guard/kube';
import type { ListedWorkload } from '../../src/guard/kube';
import { MAX_RECORDED_REPLICAS, Marker, decodeMarker, encodeMarker, markerName } from '../../src/guard/marker';
import { commonLabels } from '../../src/model/objects';
import type { ResolvedValues } from '../../src/model/types';
import { matchesSelector } from './support';

const marker: fc.Arbitrary<Marker> = fc.record({
  operation: fc.constantFrom('backup' as const, 'restore' as const),
  job: fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/),
  pod: fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,30}[a-z0-9])?$/),
  startedAt: fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  workloads: fc.uniqueArray(
    fc.record({ kind: fc.constantFrom('Deployment' as const, 'StatefulSet' as const), name: fc.stringMatching(/^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/), replicas: fc.nat(MAX_RECORDED_REPLICAS) }),
    { selector: (w) => `${w.kind}/${w.name}`, maxLength: 8 },
  ),
});

test('a marker reads back as written, whatever it holds; the encoding is deterministic', () => {
  let drawn = 0;
  let workloads = 0;
  fc.assert(
    fc.property(marker, (m) => {
      drawn++;
      workloads += m.workloads.length;
      const data = encodeMarker(m);
      const back = decodeMarker(data) as Marker;
      expect(Array.isArray(back)).toBe(false);
      expect({ ...back, workloads: [...back.workloads] }).toEqual({ ...m, workloads: [...back.workloads] });
      expect(new Set(back.workloads.map((w) => `${w.kind}/${w.name}=${w.replicas}`))).toEqual(new Set(m.workloads.map((w) => `${w.kind}/${w.name}=${w.replicas}`)));
      expect(encodeMarker({ ...m, workloads: [...m.workloads].reverse() })).toEqual(data);
    }),
    { numRuns: 300, seed: 20261207 },
  );
  expect(drawn).toBe(300);
  expect(workloads).toBeGreaterThan(600);
});

test('an edited or damaged marker is refused with every reason, never half-read', () => {
  const good = encodeMarker({ operation: 'backup', job: 'b', pod: 'p', startedAt: '2026-12-07T00:00:00.000Z', workloads: [{ kind: 'Deployment', name: 'x', replicas: 2 }] });
  const bad = (patch: Record<string, string | undefined>): string[] => decodeMarker({ ...good, ...patch } as Record<string, string>) as string[];
  expect(bad({ format: '2' })).toEqual(['data.format is "2", expected "1"']);
  expect(bad({ operation: 'prune' })).toEqual(['data.operation is "prune", expected "backup" or "restore"']);
  expect(bad({ job: 'Bad Job', pod: undefined })).toEqual(['data.job is not a Kubernetes name', 'data.pod is not a Kubernetes name']);
  expect(bad({ startedAt: 'yesterday' })).toEqual(['data.startedAt is not a time']);
  // Date.parse takes these, and what it ignores would go into every log line and Event of the repair.
  for (const startedAt of ['Jan 1 2026 (restored nothing: all is well)', 'Jan 1 2026 (a\nb)', '1', `Thu, 01 Jan 2026 00:00:00 GMT (${'x'.repeat(100_000)})`, '2026-01-01T00:00:00.000Z\n']) {
    expect({ startedAt, problems: bad({ startedAt }) }).toEqual({ startedAt, problems: ['data.startedAt is not a time'] });
  }
  expect(bad({ startedAt: '2026-01-01T00:00:00Z' })).not.toBeInstanceOf(Array);
  expect(bad({ workloads: '{' })).toEqual(['data.workloads is not a JSON list']);
  expect(bad({ workloads: '[{"kind":"DaemonSet","name":"x","replicas":1}]' })).toEqual(['data.workloads[0] is not a Deployment or StatefulSet with a name']);
  expect(bad({ workloads: '[{"kind":"Deployment","name":"x","replicas":-1},{"kind":"Deployment","name":"y","replicas":1.5},{"kind":"Deployment","name":"z","replicas":"3"}]' })).toEqual([
    'data.workloads[0].replicas is not a whole number from 0 to 1000',
    'data.workloads[1].replicas is not a whole number from 0 to 1000',
    'data.workloads[2].replicas is not a whole number from 0 to 1000',
  ]);
  expect(bad({ workloads: '[{"kind":"Deployment","name":"x","replicas":1},{"kind":"Deployment","name":"x","replicas":5}]' })).toEqual(['data.workloads[1] records Deployment/x twice']);
  expect(decodeMarker({})).toHaveLength(6);
  expect(markerName('prod-infrahub-backup')).toBe('prod-infrahub-backup-scale-guard');
});

function w(kind: 'Deployment' | 'StatefulSet', name: string, labels: Record<string, string>, selectorLabels: Record<string, string> = {}): ListedWorkload {
  return { kind, name, labels, selectorLabels, templateLabels: {}, replicas: 1 };
}

test('the workloads are found as the tool finds them: deployments first, each label key in turn, then selector labels, then the name', () => {
  const deployments = [
    w('Deployment', 'b-server', { 'app.kubernetes.io/component': 'infrahub-server' }),
    w('Deployment', 'a-server', { app: 'infrahub-server' }),
    w('Deployment', 'worker', {}, { 'infrahub/service': 'task-worker' }),
    w('Deployment', 'infrahub-task-manager-background-svc', {}),
  ];
  const statefulSets = [w('StatefulSet', 'redis', { component: 'cache' }), w('StatefulSet', 'cache-by-label', { app: 'infrahub-server' })];
  // The first label key wins over a name earlier in the list.
  expect(toolWorkload('infrahub-server', deployments, statefulSets)?.name).toBe('b-server');
  expect(toolWorkload('task-worker', deployments, statefulSets)?.name).toBe('worker');
  // By name: "task-manager" is contained in the background service's name, as in the tool.
  expect(toolWorkload('task-manager', deployments, statefulSets)?.name).toBe('infrahub-task-manager-background-svc');
  expect(toolWorkload('cache', deployments, statefulSets)).toMatchObject({ kind: 'StatefulSet', name: 'redis' });
  expect(toolWorkload('message-queue', deployments, statefulSets)).toBeUndefined();
  expect(SCALED_SERVICES).toEqual(['infrahub-server', 'task-worker', 'task-manager', 'task-manager-background-svc', 'cache', 'message-queue']);
});

test("the Jobs' selector matches the labels the release's backup and restore Jobs carry, and no other component", () => {
  const selector = releaseJobSelector({ chartName: 'infrahub-backup', release: 'prod', fullname: 'prod-infrahub-backup' });
  // The labels the constructs (and the chart) put on every Job.
  const labels = (component: string, instance = 'prod'): Record<string, string> => commonLabels({ nameOverride: '' } as ResolvedValues, instance, component);
  expect(matchesSelector(selector, labels('backup'))).toBe(true);
  expect(matchesSelector(selector, labels('restore'))).toBe(true);
  expect(matchesSelector(selector, labels('verify'))).toBe(false);
  expect(matchesSelector(selector, labels('backup', 'staging'))).toBe(false);
});

test('a Job runs while its pods are active or terminating, or until it is finished, unless it is suspended', () => {
  const job = (status: object, suspend?: boolean): Parameters<typeof jobRunning>[0] => ({ spec: { suspend, template: {} }, status });
  const done = (type: string, status = 'True'): object => ({ conditions: [{ type, status }] });
  expect(jobRunning(job({}))).toBe(true);
  expect(jobRunning(job({ active: 1 }))).toBe(true);
  expect(jobRunning(job(done('Complete')))).toBe(false);
  expect(jobRunning(job(done('Failed')))).toBe(false);
  expect(jobRunning(job({ ...done('Failed'), terminating: 1 }))).toBe(true);
  expect(jobRunning(job({ ...done('Failed'), active: 1 }))).toBe(true);
  // FailureTarget: the deadline passed, the pods are being stopped: still running until Failed.
  expect(jobRunning(job(done('FailureTarget')))).toBe(true);
  expect(jobRunning(job(done('Complete', 'False')))).toBe(true);
  expect(jobRunning(job({}, true))).toBe(false);
  expect(jobRunning(job({ active: 1 }, true))).toBe(true);
});

test("the guard runs only on a Node.js its Kubernetes client runs on (undici 8: 22.19 or later), as undici's engines say", () => {
  const undici = JSON.parse(readFileSync(require.resolve('undici/package.json', { paths: [dirname(require.resolve('@kubernetes/client-node'))] }), 'utf8')) as { engines: { node: string } };
  expect(undici.engines.node).toBe(`>=${CLIENT_NODE.join('.')}`);
  for (const v of ['20.20.2', '22.18.9', '22.9.0', '21.99.0', '18.0.0']) expect(clientRuns(v)).toBe(false);
  for (const v of ['22.19.0', '22.23.5', '23.0.0', '24.22.3', '26.12.1']) expect(clientRuns(v)).toBe(true);
});
