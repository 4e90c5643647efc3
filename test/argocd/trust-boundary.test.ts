/**
 * The trust boundary of the Argo CD plugin's app mode, through the generate
 * command of argocd/plugin.yaml run exactly as written: the operator's switch,
 * the time limit, the kill of every process the app started (detached ones
 * too), on timeout, on success and on SIGTERM/SIGINT, the cleanup of the
 * temporary files, the minimal environment, and the namespace rule.
 *
 * The fixture apps are CommonJS JavaScript (no tsx, no cdk8s: fast) that write
 * their manifests to CDK8S_OUTDIR themselves. Their "CPU-bound" grandchildren
 * spin at most a few seconds: the time limit here is 3 s.
 */
import { execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';
import { Application, APP_MODE_SIDECAR, argocdEnvironment, loadPlugin, makeRepository, ROOT, runPluginCommand } from './sidecar';

const plugin = loadPlugin();
const LINUX = process.platform === 'linux';
/** Tags the spinners of this file, so that a failing test leaves none spinning. */
const RUN_TAG = `ibc-spin-${randomBytes(4).toString('hex')}`;
const newTag = () => `${RUN_TAG}-${randomBytes(4).toString('hex')}`;

afterEach(() => {
  if (!LINUX) return;
  for (const pid of aliveWith(RUN_TAG)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

beforeAll(() => {
  if (!existsSync(join(ROOT, 'lib', 'cli.js'))) {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'pipe' });
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'compile-validator.js')], { cwd: ROOT, stdio: 'pipe' });
  }
}, 180_000);

const app: Application = { name: 'backups', namespace: 'infrahub', path: 'apps/backup', parameters: [{ name: 'mode', string: 'app' }] };

/** A JavaScript app writing `objects` (YAML text) to CDK8S_OUTDIR, after `before` (JavaScript statements). */
function appWriting(objects: string, before = ''): string {
  return [
    "const fs = require('fs'); const path = require('path'); const { spawn } = require('child_process');",
    before,
    `fs.writeFileSync(path.join(process.env.CDK8S_OUTDIR, 'app.k8s.yaml'), ${JSON.stringify(objects)});`,
  ].join('\n');
}

const CONFIG_MAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: infrahub\ndata:\n  a: b\n';

/** JavaScript that starts a detached, CPU-bound process tagged `tag` with the environment `env` (JS expression), and prints its pid. */
function spinner(tag: string, env: string): string {
  return (
    `{ const g = spawn(process.execPath, ['-e', 'for(;;){}', '${tag}'], { detached: true, stdio: 'ignore', env: ${env} }); g.unref();` +
    ` console.error('spinner ' + g.pid); }`
  );
}

/** JavaScript that starts a child which starts a detached spinner and exits at once (the spinner is orphaned, with the inherited environment). */
function orphanedSpinner(tag: string): string {
  const inner = `const { spawn } = require('child_process'); const g = spawn(process.execPath, ['-e', 'for(;;){}', '${tag}'], { detached: true, stdio: 'ignore' }); g.unref(); console.error('spinner ' + g.pid);`;
  return `{ const c = spawn(process.execPath, ['-e', ${JSON.stringify(inner)}], { stdio: ['ignore', 'inherit', 'inherit'] }); }`;
}

/** Processes alive (not zombies) whose command line holds `tag`. */
function aliveWith(tag: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (/^\S+ \(.*\) [ZX] /.test(stat)) continue;
      if (readFileSync(`/proc/${e}/cmdline`).toString('latin1').includes(tag)) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

/** Every file under `dir`, relative to it. */
function listing(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map((f) => relative(dir, join(dir, f))).sort();
}

/** A repository with the app at app.path, a fresh TMPDIR and HOME for the sidecar; runs generate. */
async function run(
  files: Record<string, string>,
  options: { sidecar?: Record<string, string>; application?: Application; onStderr?: Parameters<typeof runPluginCommand>[3] } = {},
) {
  const repo = makeRepository(Object.fromEntries(Object.entries(files).map(([p, c]) => [join(app.path, p), c])));
  const dir = join(repo, app.path);
  const sidecarTmp = mkdtempSync(join(tmpdir(), 'ibc-sidecar-tmp-'));
  const sidecarHome = mkdtempSync(join(tmpdir(), 'ibc-sidecar-home-'));
  const before = listing(repo);
  const env = { ...argocdEnvironment(options.application ?? app, options.sidecar ?? APP_MODE_SIDECAR), TMPDIR: sidecarTmp, HOME: sidecarHome };
  const r = await runPluginCommand(plugin.spec.generate, dir, env, options.onStderr);
  return { ...r, repo, dir, sidecarTmp, sidecarHome, before, after: listing(repo) };
}

/** Nothing left: no file in the sidecar's TMPDIR or HOME, the repository as it was. */
function expectClean(r: Awaited<ReturnType<typeof run>>): void {
  // The plugin's own compile cache (bin/infrahub-backup-cdk8s, Node.js 22.1+ and 20.19+) may stay; nothing of the app's.
  expect(readdirSync(r.sidecarTmp).filter((f) => f !== 'node-compile-cache')).toEqual([]);
  expect(readdirSync(r.sidecarHome)).toEqual([]);
  expect(r.after).toEqual(r.before);
}

const MAIN = { 'cdk8s.yaml': 'app: node main.js\n', 'package.json': '{"name":"app","dependencies":{"infrahub-backup-cdk8s":"*"}}\n' };

describe('the switch: app mode only when the operator enables it on the sidecar', () => {
  const files = { ...MAIN, 'main.js': appWriting(CONFIG_MAP, "console.error('the app ran');") };

  test('without INFRAHUB_BACKUP_APP_MODE on the sidecar, mode=app fails with one line saying how to enable it, and nothing runs', async () => {
    const r = await run(files, { sidecar: {} });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => l !== '')).toEqual([
      expect.stringMatching(/^error: app mode is disabled on this sidecar: .* by setting INFRAHUB_BACKUP_APP_MODE=enabled in the environment of the plugin's sidecar container/),
    ]);
    expect(r.stderr).not.toContain('the app ran');
    expectClean(r);
  }, 60_000);

  test('an Application cannot enable it: its plugin.env entry arrives as ARGOCD_ENV_INFRAHUB_BACKUP_APP_MODE', async () => {
    const r = await run(files, { sidecar: {}, application: { ...app, env: { INFRAHUB_BACKUP_APP_MODE: 'enabled', MODE: 'app' } } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: app mode is disabled on this sidecar/m);
    expect(r.stderr).not.toContain('the app ran');
  }, 60_000);

  test('auto mode never runs the app, even where app mode is enabled: one line saying to set mode=app', async () => {
    const r = await run(files, { application: { ...app, parameters: [] } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error: a cdk8s app (cdk8s.yaml) runs only in app mode, never in auto mode: set the mode parameter to app\n');
    const off = await run(files, { sidecar: {}, application: { ...app, parameters: [] } });
    expect(off.stderr).toMatch(/^error: a cdk8s app \(cdk8s\.yaml\) runs only in app mode, which is disabled on this sidecar: .*INFRAHUB_BACKUP_APP_MODE=enabled/);
    expect(off.stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);

  test('enabled and asked for: the app runs, with a minimal environment whose HOME and TMPDIR are the run\'s own', async () => {
    const probe = [
      "console.error('env ' + JSON.stringify({ secret: process.env.SIDECAR_SECRET ?? null, entry: process.env.ARGOCD_ENV_TEAM ?? null,",
      '  switch: process.env.INFRAHUB_BACKUP_APP_MODE ?? null, home: process.env.HOME, tmp: process.env.TMPDIR, tmpdir: require("os").tmpdir() }));',
    ].join('\n');
    const r = await run({ ...MAIN, 'main.js': appWriting(CONFIG_MAP, probe) }, {
      sidecar: { ...APP_MODE_SIDECAR, SIDECAR_SECRET: 'hunter2' },
      application: { ...app, env: { TEAM: 'platform' } },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(CONFIG_MAP);
    const seen = JSON.parse(/^env (.*)$/m.exec(r.stderr)![1]) as Record<string, string | null>;
    expect(seen).toMatchObject({ secret: null, entry: 'platform', switch: null });
    expect(seen.home!.startsWith(`${r.sidecarTmp}/infrahub-backup-app-`)).toBe(true);
    expect(seen.tmp!.startsWith(`${r.sidecarTmp}/infrahub-backup-app-`)).toBe(true);
    expect(seen.tmpdir).toBe(seen.tmp);
    expectClean(r);
  }, 60_000);
});

(LINUX ? describe : describe.skip)('the time limit and the kill of every process of the app', () => {
  const LIMIT = { ...APP_MODE_SIDECAR, INFRAHUB_BACKUP_APP_TIMEOUT: '3s' };

  test('an app that hangs is killed at the limit with its detached CPU-bound grandchildren; nothing remains', async () => {
    const tag = newTag();
    const main = [
      "const { spawn } = require('child_process');",
      spinner(`${tag}-a`, '{}'), // cleared environment, own session: found as the app's descendant
      orphanedSpinner(`${tag}-b`), // parent gone at once: found by the run's marker in its environment
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const r = await run({ ...MAIN, 'main.js': main }, { sidecar: LIMIT });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: the cdk8s app main\.js ran longer than 3s and was killed with its processes \(the sidecar's INFRAHUB_BACKUP_APP_TIMEOUT sets the limit/m);
    expect(r.stderr.match(/^spinner \d+$/gm)).toHaveLength(2);
    expect(aliveWith(tag)).toEqual([]);
    expect(r.ms).toBeGreaterThanOrEqual(3000);
    expect(r.ms).toBeLessThan(20_000);
    console.log(`hanging app with 2 detached spinners, limit 3s: plugin exited after ${r.ms.toFixed(0)} ms`);
    expectClean(r);
  }, 60_000);

  test('an app that succeeds but leaves detached processes: they are killed, with a warning, and the manifests kept', async () => {
    const tag = newTag();
    const r = await run({ ...MAIN, 'main.js': appWriting(CONFIG_MAP, spinner(tag, 'process.env')) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(CONFIG_MAP);
    expect(r.stderr).toContain('warning: the cdk8s app main.js left 1 process(es) running: killed');
    expect(aliveWith(tag)).toEqual([]);
    expectClean(r);
  }, 60_000);

  test.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s to the plugin kills the app and its detached grandchildren, removes its files and exits %i', async (signal, code) => {
    const tag = newTag();
    const main = ["const { spawn } = require('child_process');", spinner(tag, '{}'), 'setInterval(() => {}, 1000);'].join('\n');
    let sent = false;
    const r = await run({ ...MAIN, 'main.js': main }, {
      onStderr: (soFar, child) => {
        if (!sent && /^spinner \d+$/m.test(soFar)) {
          sent = true;
          expect(aliveWith(tag)).toHaveLength(1); // running, before the signal
          child.kill(signal);
        }
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`error: stopped by ${signal}: the cdk8s app main.js and its processes were killed`);
    expect(aliveWith(tag)).toEqual([]);
    expectClean(r);
  }, 60_000);

  test('SIGKILL to the plugin (it cannot clean up): the app notices it lost its parent and kills its own process group', async () => {
    const tag = newTag();
    const main = [
      "const { spawn } = require('child_process');",
      `spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)', '${tag}-child'], { stdio: 'ignore' });`,
      "console.error('app ' + process.pid);",
      'setInterval(() => {}, 1000);',
    ].join('\n');
    let appPid = 0;
    const r = await run({ ...MAIN, 'main.js': main }, {
      onStderr: (soFar, child) => {
        const m = /^app (\d+)$/m.exec(soFar);
        if (appPid === 0 && m) {
          appPid = Number(m[1]);
          child.kill('SIGKILL');
        }
      },
    });
    expect(r.code).toBeNull();
    expect(appPid).toBeGreaterThan(0);
    // The app kills its group, itself last: on a busy machine it may still be running when its child is gone.
    const appRunning = () => existsSync(`/proc/${appPid}/stat`) && !/^\S+ \(.*\) [ZX] /.test(readFileSync(`/proc/${appPid}/stat`, 'utf8'));
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (aliveWith(tag).length > 0 || appRunning())) await new Promise((res) => setTimeout(res, 100));
    expect(aliveWith(tag)).toEqual([]);
    expect(appRunning()).toBe(false);
  }, 60_000);

  test('a limit not below Argo CD\'s exec timeout is refused before anything runs', async () => {
    const files = { ...MAIN, 'main.js': appWriting(CONFIG_MAP, "console.error('the app ran');") };
    const r = await run(files, { sidecar: { ...APP_MODE_SIDECAR, INFRAHUB_BACKUP_APP_TIMEOUT: '2m' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: INFRAHUB_BACKUP_APP_TIMEOUT: 120s is not below Argo CD's exec timeout 90s \(ARGOCD_EXEC_TIMEOUT\); choose at most 75s$/m);
    expect(r.stderr).not.toContain('the app ran');
    const raised = await run(files, { sidecar: { ...APP_MODE_SIDECAR, ARGOCD_EXEC_TIMEOUT: '3m', INFRAHUB_BACKUP_APP_TIMEOUT: '2m' } });
    expect(raised.code).toBe(0);
  }, 60_000);
});

test('the TypeScript example app (tsx, the library from the plugin) leaves no file behind: tsx\'s cache is in the run\'s directory', async () => {
  const files: Record<string, string> = {};
  const example = join(ROOT, 'examples', 'argocd', 'cdk8s-app');
  for (const f of readdirSync(example)) files[f] = readFileSync(join(example, f), 'utf8');
  const r = await run(files);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('kind: CronJob');
  expectClean(r);
}, 120_000);

describe('the namespace rule: objects only in the destination namespace', () => {
  const doc = (kind: string, apiVersion: string, name: string, namespace?: string) =>
    `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: ${name}\n${namespace === undefined ? '' : `  namespace: ${namespace}\n`}`;

  test('objects in another namespace, cluster-scoped objects and kinds not known to be namespaced: one line each, nothing on stdout', async () => {
    const objects = [
      doc('ConfigMap', 'v1', 'ok', 'infrahub'),
      doc('ConfigMap', 'v1', 'no-namespace'), // namespaced kind: Argo CD puts it in the destination namespace
      doc('Secret', 'v1', 'elsewhere', 'kube-system'),
      doc('ClusterRoleBinding', 'rbac.authorization.k8s.io/v1', 'admin'),
      doc('Namespace', 'v1', 'infrahub'),
      doc('Widget', 'example.com/v1', 'w'),
    ].join('---\n');
    const r = await run({ ...MAIN, 'main.js': appWriting(objects) });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error: '))).toEqual([
      'error: Secret elsewhere: namespace kube-system is not the destination namespace infrahub',
      'error: ClusterRoleBinding admin: cluster-scoped, outside the destination namespace infrahub; the sidecar\'s INFRAHUB_BACKUP_ALLOW_CLUSTER_KINDS must list ClusterRoleBinding to deploy it',
      'error: Namespace infrahub: cluster-scoped, outside the destination namespace infrahub; the sidecar\'s INFRAHUB_BACKUP_ALLOW_CLUSTER_KINDS must list Namespace to deploy it',
      "error: Widget w: example.com/Widget is not known to be namespaced, so it may be cluster-scoped; the sidecar's INFRAHUB_BACKUP_NAMESPACED_KINDS must list example.com/Widget if it is namespaced",
    ]);
    expectClean(r);
  }, 60_000);

  test('cluster-scoped kinds the operator lists on the sidecar pass; an Application cannot list them', async () => {
    const objects = [doc('ConfigMap', 'v1', 'ok', 'infrahub'), doc('ClusterRole', 'rbac.authorization.k8s.io/v1', 'reader')].join('---\n');
    const allowed = await run({ ...MAIN, 'main.js': appWriting(objects) }, { sidecar: { ...APP_MODE_SIDECAR, INFRAHUB_BACKUP_ALLOW_CLUSTER_KINDS: 'ClusterRole' } });
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toBe(objects);
    const fromApplication = await run({ ...MAIN, 'main.js': appWriting(objects) }, {
      application: { ...app, env: { INFRAHUB_BACKUP_ALLOW_CLUSTER_KINDS: 'ClusterRole' } },
    });
    expect(fromApplication.code).toBe(2);
    expect(fromApplication.stderr).toMatch(/^error: ClusterRole reader: cluster-scoped/m);
  }, 60_000);
});
