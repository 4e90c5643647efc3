/**
 * The pieces of the plugin's trust boundary, in-process: the operator's
 * settings (switch, time limit), the namespace rule on hostile renders, the
 * /proc reader.
 */
import { spawn } from 'child_process';
import * as fc from 'fast-check';
import { readFileSync } from 'fs';
import { join } from 'path';
import { stringify } from 'yaml';
import { checkNamespaces, CLUSTER_SCOPED, groupKind, NAMESPACED } from '../../src/argocd/namespace-rule';
import { parseStat, ProcessTracker, readProcesses } from '../../src/argocd/process-tree';
import { allowedClusterKinds, appModeEnabled, appTimeoutMs, namespacedKinds, parseGoDuration } from '../../src/argocd/trust';
import { readValues } from '../../src/values-io/values-input';
import { inputErrorLinesOrNone } from '../support/input-error';
import { synthValues } from '../../src/synth';

const ROOT = join(__dirname, '..', '..');

const problems = inputErrorLinesOrNone;

describe('operator settings', () => {
  test('the switch is the sidecar variable, exactly "enabled" (any case, trimmed)', () => {
    expect(appModeEnabled({ INFRAHUB_BACKUP_APP_MODE: 'enabled' })).toBe(true);
    expect(appModeEnabled({ INFRAHUB_BACKUP_APP_MODE: 'ENABLED\n' })).toBe(true);
    for (const v of ['', 'true', '1', 'yes', 'disabled', 'enabled,', 'enable']) expect(appModeEnabled({ INFRAHUB_BACKUP_APP_MODE: v })).toBe(false);
    expect(appModeEnabled({ ARGOCD_ENV_INFRAHUB_BACKUP_APP_MODE: 'enabled' })).toBe(false);
  });

  test('Go durations as ARGOCD_EXEC_TIMEOUT writes them; a bare number is seconds', () => {
    expect(parseGoDuration('90s')).toBe(90_000);
    expect(parseGoDuration('1m30s')).toBe(90_000);
    expect(parseGoDuration('1.5m')).toBe(90_000);
    expect(parseGoDuration('2h')).toBe(7_200_000);
    expect(parseGoDuration('500ms')).toBe(500);
    expect(parseGoDuration(' 45 ')).toBe(45_000);
    for (const bad of ['', 's', '1d', '-5s', '5 s', '1e3s', '5S', 'ninety', '9'.repeat(70) + 's']) expect(parseGoDuration(bad)).toBeUndefined();
  });

  test('the time limit: the exec timeout less 15 s by default, the operator\'s value when below it', () => {
    expect(appTimeoutMs({})).toBe(75_000);
    expect(appTimeoutMs({ ARGOCD_EXEC_TIMEOUT: '3m' })).toBe(165_000);
    expect(appTimeoutMs({ ARGOCD_EXEC_TIMEOUT: '10s' })).toBe(5_000);
    expect(appTimeoutMs({ INFRAHUB_BACKUP_APP_TIMEOUT: '30s' })).toBe(30_000);
    expect(appTimeoutMs({ INFRAHUB_BACKUP_APP_TIMEOUT: '' })).toBe(75_000);
    // Beyond what a timer holds (it would fire at once): the longest a timer holds.
    expect(appTimeoutMs({ ARGOCD_EXEC_TIMEOUT: '100000000h' })).toBe(2 ** 31 - 1);
    expect(appTimeoutMs({ ARGOCD_EXEC_TIMEOUT: '100000000h', INFRAHUB_BACKUP_APP_TIMEOUT: '99999999h' })).toBe(2 ** 31 - 1);
    // An Application's env entry is not the operator's setting.
    expect(appTimeoutMs({ ARGOCD_ENV_INFRAHUB_BACKUP_APP_TIMEOUT: '1s' })).toBe(75_000);
  });

  test('a bad or too long limit: one line each, naming the variable', () => {
    expect(problems(() => appTimeoutMs({ INFRAHUB_BACKUP_APP_TIMEOUT: '90s' }))).toEqual([
      "INFRAHUB_BACKUP_APP_TIMEOUT: 90s is not below Argo CD's exec timeout 90s (ARGOCD_EXEC_TIMEOUT); choose at most 75s",
    ]);
    expect(problems(() => appTimeoutMs({ INFRAHUB_BACKUP_APP_TIMEOUT: 'soon\u0000\u00ff', ARGOCD_EXEC_TIMEOUT: '0s' }))).toEqual([
      'ARGOCD_EXEC_TIMEOUT: must be a positive duration such as 60s or 1m30s, not "0s"',
      'INFRAHUB_BACKUP_APP_TIMEOUT: must be a positive duration such as 60s or 1m30s, not "soon??"',
    ]);
  });

  test('allowed cluster-scoped kinds: a comma-separated list', () => {
    expect([...allowedClusterKinds({ INFRAHUB_BACKUP_ALLOW_CLUSTER_KINDS: ' ClusterRole, ,rbac.authorization.k8s.io/ClusterRoleBinding' })]).toEqual([
      'ClusterRole',
      'rbac.authorization.k8s.io/ClusterRoleBinding',
    ]);
    expect(allowedClusterKinds({}).size).toBe(0);
  });
});

describe('checkNamespaces', () => {
  const object = (apiVersion: string, kind: string, namespace?: unknown) => ({
    apiVersion,
    kind,
    metadata: { name: 'x', ...(namespace === undefined ? {} : { namespace }) },
  });
  const stream = (objects: unknown[]) => objects.map((o) => stringify(o)).join('---\n');

  test('every render of the values examples passes (values mode applies the same rule)', () => {
    for (const f of ['scheduled-s3.yaml', 'one-shot-backup.yaml', 'restore-latest.yaml', 'local-persistent.yaml']) {
      const manifests = synthValues(readValues([join(ROOT, 'examples', 'values', f)], []), { releaseName: 'r', namespace: 'infrahub' });
      expect(problems(() => checkNamespaces(manifests, 'infrahub'))).toEqual([]);
      expect(problems(() => checkNamespaces(manifests, 'other')).length).toBeGreaterThan(0);
    }
  });

  test('a kind not known to be namespaced is refused even in the destination namespace, unless the sidecar names it namespaced', () => {
    const store = stream([object('external-secrets.io/v1', 'ClusterSecretStore', 'ns'), object('external-secrets.io/v1beta1', 'ExternalSecret', 'ns')]);
    expect(problems(() => checkNamespaces(store, 'ns'))).toEqual([
      'ClusterSecretStore x: external-secrets.io/ClusterSecretStore is not known to be namespaced, so it may be cluster-scoped; the sidecar\'s INFRAHUB_BACKUP_NAMESPACED_KINDS must list external-secrets.io/ClusterSecretStore if it is namespaced',
      'ExternalSecret x: external-secrets.io/ExternalSecret is not known to be namespaced, so it may be cluster-scoped; the sidecar\'s INFRAHUB_BACKUP_NAMESPACED_KINDS must list external-secrets.io/ExternalSecret if it is namespaced',
    ]);
    const namespaced = namespacedKinds({ INFRAHUB_BACKUP_NAMESPACED_KINDS: ' external-secrets.io/ExternalSecret ,' });
    expect(problems(() => checkNamespaces(store, 'ns', { namespacedKinds: namespaced }))).toHaveLength(1);
    // Another group's kind of the same name is not vouched for.
    expect(problems(() => checkNamespaces(stream([object('evil.example.com/v1', 'ExternalSecret', 'ns')]), 'ns', { namespacedKinds: namespaced }))).toHaveLength(1);
    expect(problems(() => checkNamespaces(stream([object('external-secrets.io/v1', 'ExternalSecret', 'other')]), 'ns', { namespacedKinds: namespaced }))).toEqual([
      'ExternalSecret x: namespace other is not the destination namespace ns',
    ]);
  });

  test('INFRAHUB_BACKUP_NAMESPACED_KINDS: group/Kind entries only (a bare kind could be another group\'s cluster-scoped one)', () => {
    expect(namespacedKinds({}).size).toBe(0);
    expect(problems(() => namespacedKinds({ INFRAHUB_BACKUP_NAMESPACED_KINDS: 'ExternalSecret,external-secrets.io/v1/ExternalSecret' }))).toEqual([
      'INFRAHUB_BACKUP_NAMESPACED_KINDS: "ExternalSecret" must be an API group and a kind, such as external-secrets.io/ExternalSecret',
      'INFRAHUB_BACKUP_NAMESPACED_KINDS: "external-secrets.io/v1/ExternalSecret" must be an API group and a kind, such as external-secrets.io/ExternalSecret',
    ]);
  });

  test('group/kind of an apiVersion', () => {
    expect(groupKind('v1', 'Pod')).toBe('/Pod');
    expect(groupKind('rbac.authorization.k8s.io/v1', 'Role')).toBe('rbac.authorization.k8s.io/Role');
    expect([...CLUSTER_SCOPED].filter((k) => NAMESPACED.has(k))).toEqual([]);
  });

  test('a List is unpacked as Argo CD does: its items are checked', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [object('v1', 'ConfigMap', 'ns'), object('v1', 'Secret', 'kube-system')] };
    expect(problems(() => checkNamespaces(stringify(list), 'ns'))).toEqual(['Secret x: namespace kube-system is not the destination namespace ns']);
    const nested = { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'List', items: [] }] };
    expect(problems(() => checkNamespaces(stringify(nested), 'ns'))).toEqual(['document 1, item 1: a List inside a List']);
  });

  test('hostile renders: scalars, lists, no kind, broken YAML, an alias bomb, odd names; one sanitised line each, bounded', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 20 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join('\n');
    const text = [
      'just a string',
      '- a\n- b',
      'metadata: {name: x}',
      'kind: [unclosed',
      bomb,
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: "evil\\u001b[31m${'x'.repeat(200)}"\n  namespace: 42`,
      '',
    ].join('\n---\n');
    const start = Date.now();
    const lines = problems(() => checkNamespaces(text, 'ns'));
    expect(Date.now() - start).toBeLessThan(2000);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe('document 1: not a Kubernetes object');
    expect(lines[1]).toBe('document 2: not a Kubernetes object');
    expect(lines[2]).toBe('document 3: not a Kubernetes object (no apiVersion or kind)');
    expect(lines[3]).toMatch(/^document 4: not valid YAML /);
    expect(lines[4]).toMatch(/^document 5: .*alias/i);
    expect(lines[5]).toMatch(/^Secret evil\?\[31mx+\.\.\.: namespace 42 is not the destination namespace ns$/);
    for (const l of lines) expect(l).toMatch(/^[\x20-\x7e]+$/);
  });

  test('drawn objects: refused exactly when outside the namespace, cluster-scoped and not allowed, or of a kind not known to be namespaced', () => {
    const kinds = [...CLUSTER_SCOPED, ...NAMESPACED, 'example.com/Widget', 'monitoring.coreos.com/Probe'];
    const drawn = { refused: 0, passed: 0 };
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            gk: fc.constantFrom(...kinds),
            version: fc.constantFrom('v1', 'v1beta1', 'v2'),
            ns: fc.constantFrom(undefined, 'dest', 'other', ''),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.subarray(['ClusterRole', 'Namespace', 'example.com/Widget']),
        (objects, allowedList) => {
          const allowed = new Set(allowedList);
          const docs = objects.map(({ gk, version, ns }) => {
            const [group, kind] = gk.split('/');
            return object(group === '' ? version : `${group}/${version}`, kind, ns);
          });
          const expected = objects.filter(({ gk, ns }) => {
            const kind = gk.split('/')[1];
            if (allowed.has(kind) || allowed.has(gk)) return false;
            // Fail closed: a kind not known to be namespaced is refused, whatever namespace it names.
            if (CLUSTER_SCOPED.has(gk) || !NAMESPACED.has(gk)) return true;
            return ns !== undefined && ns !== '' && ns !== 'dest';
          }).length;
          const got = problems(() => checkNamespaces(stream(docs), 'dest', { allowedClusterKinds: allowed })).length;
          if (expected > 0) drawn.refused++;
          else drawn.passed++;
          return got === expected;
        },
      ),
      { numRuns: 300 },
    );
    console.log(`namespace rule: ${drawn.refused} drawn renders refused, ${drawn.passed} passed`);
    expect(drawn.refused).toBeGreaterThan(50);
    expect(drawn.passed).toBeGreaterThan(10);
  });
});

(process.platform === 'linux' ? describe : describe.skip)('/proc', () => {
  test('parseStat reads a command name holding spaces and parentheses', () => {
    const stat = '4242 (a) b (c)) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 18446744073709551615';
    expect(parseStat(stat)).toEqual({ pid: 4242, state: 'S', ppid: 17, pgid: 4242, sid: 4242, start: '987654' });
    expect(parseStat('garbage')).toBeUndefined();
    const self = readProcesses().get(process.pid);
    expect(self?.ppid).toBe(process.ppid);
    expect(parseStat(readFileSync('/proc/self/stat', 'utf8'))?.pid).toBeGreaterThan(0);
  });

  test('the tracker kills a detached child, its own detached child, and never this process', async () => {
    const tag = `ibc-tracker-${process.pid}-${Date.now()}`;
    const inner = `require('child_process').spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)', '${tag}'], { detached: true, stdio: 'ignore', env: {} }).unref(); setInterval(()=>{},1000);`;
    const root = spawn(process.execPath, ['-e', inner, tag], { detached: true, stdio: 'ignore', env: { ...process.env, IBC_MARK: tag } });
    await new Promise((r) => setTimeout(r, 700));
    const tracker = new ProcessTracker(root.pid as number, `IBC_MARK=${tag}`);
    tracker.observe();
    const before = tracker.members(true).map((p) => p.pid);
    expect(before).toContain(root.pid);
    expect(before).toHaveLength(2);
    expect(tracker.killAll()).toBe(1);
    expect(tracker.members(true)).toEqual([]);
    expect(readProcesses().has(process.pid)).toBe(true);
  });
});
