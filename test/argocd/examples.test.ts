/**
 * examples/argocd/: the sidecar patch for the argo-cd Helm chart, the
 * Applications and the cdk8s app fit argocd/plugin.yaml and render.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as ts from 'typescript';
import { parse } from 'yaml';
import { cli } from '../support/helm';
import { namespacedKinds } from '../../src/argocd/trust';
import { Application, argocdEnvironment, loadPlugin, ROOT, runPluginCommand } from './sidecar';

const EXAMPLES = join(ROOT, 'examples', 'argocd');

/** The sidecar's env of argocd-values.yaml once its commented `env:` block is uncommented. */
function sidecarAppModeEnv(): Record<string, string> {
  const lines = readFileSync(join(EXAMPLES, 'argocd-values.yaml'), 'utf8').split('\n');
  const at = lines.findIndex((l) => /^\s*# env:$/.test(l));
  expect(at).toBeGreaterThan(0);
  const indent = lines[at].indexOf('#');
  const block: string[] = [];
  for (const l of lines.slice(at)) {
    if (!/^\s*#/.test(l) || l.indexOf('#') !== indent) break;
    block.push(l.slice(indent + 2));
  }
  const env = (parse(block.join('\n')) as { env: Array<{ name: string; value: string }> }).env;
  return Object.fromEntries(env.map((e) => [e.name, e.value]));
}
const plugin = loadPlugin();
const load = (name: string) => parse(readFileSync(join(EXAMPLES, name), 'utf8'));

type Container = {
  name: string;
  image: string;
  command: string[];
  securityContext: Record<string, unknown>;
  volumeMounts: Array<{ name: string; mountPath: string; subPath?: string; readOnly?: boolean }>;
};

describe('argocd-values.yaml (repoServer.extraContainers of the argo-cd chart)', () => {
  const values = load('argocd-values.yaml') as { repoServer: { extraContainers: Container[]; volumes: Array<{ name: string; emptyDir?: object }> } };
  const sidecar = values.repoServer.extraContainers.find((c) => c.name === 'infrahub-backup')!;

  test('runs argocd-cmp-server as uid 999, non-root', () => {
    expect(sidecar.command).toEqual(['/var/run/argocd/argocd-cmp-server']);
    expect(sidecar.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999 });
  });

  test("mounts the chart's var-files and plugins volumes, and a /tmp of its own", () => {
    const mounts = Object.fromEntries(sidecar.volumeMounts.map((m) => [m.mountPath, m.name]));
    expect(mounts['/var/run/argocd']).toBe('var-files');
    expect(mounts['/home/argocd/cmp-server/plugins']).toBe('plugins');
    expect(mounts['/tmp']).not.toBe('tmp'); // never the repo server's /tmp
    expect(values.repoServer.volumes.map((v) => v.name)).toContain(mounts['/tmp']);
    // The configuration is baked into the image: no ConfigMap mount over it.
    expect(sidecar.volumeMounts.some((m) => m.mountPath.startsWith('/home/argocd/cmp-server/config'))).toBe(false);
  });

  // argocd-cmp-server extracts repositories under its /tmp; argocd-cmp-server's own socket goes to plugins.
  const WRITABLE: Record<string, string> = {
    '/home/argocd/cmp-server/plugins': 'argocd-cmp-server creates its socket there; sockets, no code',
    '/tmp': "the sidecar's own emptyDir; the plugin refuses an app with node_modules, package.json or tsconfig.json above its repository",
  };

  test('mounts read-only every volume a later start or run loads code from: var-files (argocd-cmp-server) above all', () => {
    const mounts = sidecar.volumeMounts as Array<{ name: string; mountPath: string; readOnly?: boolean }>;
    expect(mounts.find((m) => m.name === 'var-files')).toMatchObject({ mountPath: '/var/run/argocd', readOnly: true });
    for (const m of mounts) {
      if (m.readOnly !== true) expect([m.mountPath, WRITABLE[m.mountPath]]).toEqual([m.mountPath, expect.any(String)]);
    }
    expect(sidecar.securityContext).toMatchObject({ readOnlyRootFilesystem: true });
  });

  test('shows the app-mode switch, commented out: app mode stays off unless the operator uncomments it', () => {
    expect(sidecar).not.toHaveProperty('env');
    expect(sidecarAppModeEnv()).toEqual({
      INFRAHUB_BACKUP_APP_MODE: 'enabled',
      INFRAHUB_BACKUP_APP_TIMEOUT: '60s',
      INFRAHUB_BACKUP_NAMESPACED_KINDS: 'external-secrets.io/ExternalSecret',
    });
    expect(namespacedKinds(sidecarAppModeEnv()).size).toBe(1);
  });

  test('uses the image of this project, at its version', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
    expect(sidecar.image).toMatch(new RegExp(`/${pkg.name}:${pkg.version.replace(/\./g, '\\.')}$`));
  });
});

describe.each(['application.yaml', 'application-cdk8s.yaml'])('%s', (file) => {
  const application = load(file) as {
    kind: string;
    metadata: { name: string };
    spec: {
      source: { path: string; plugin: { name?: string; env?: Array<{ name: string; value: string }>; parameters?: Application['parameters'] } };
      destination: { namespace: string };
    };
  };
  const source = application.spec.source;
  const app: Application = {
    name: application.metadata.name,
    namespace: application.spec.destination.namespace,
    path: source.path,
    env: Object.fromEntries((source.plugin.env ?? []).map((e) => [e.name, e.value])),
    parameters: source.plugin.parameters,
  };

  test('names the plugin <metadata.name>-<spec.version> and sets only announced parameters', () => {
    expect(application.kind).toBe('Application');
    expect(source.plugin.name).toBe(`${plugin.metadata.name}-${plugin.spec.version}`);
    const announced = (plugin.spec.parameters?.static ?? []).map((p) => p.name);
    for (const p of source.plugin.parameters ?? []) expect(announced).toContain(p.name);
  });

  test('its directory is matched by discovery and renders what synth renders', async () => {
    expect(existsSync(join(ROOT, source.path))).toBe(true);
    // A copy of the repository, as the sidecar gets it (without node_modules).
    const repo = mkdtempSync(join(tmpdir(), 'ibc-example-repo-'));
    cpSync(join(ROOT, source.path), join(repo, source.path), { recursive: true });
    const dir = join(repo, source.path);
    // The cdk8s app needs the switch the operator uncomments in argocd-values.yaml.
    const env = argocdEnvironment(app, file === 'application-cdk8s.yaml' ? sidecarAppModeEnv() : {});

    const found = await runPluginCommand(plugin.spec.discover!.find as { command: string[]; args?: string[] }, dir, env);
    expect(found.code).toBe(0);
    expect(found.stdout.trim()).not.toBe('');

    const r = await runPluginCommand(plugin.spec.generate, dir, env);
    const release = app.parameters?.find((p) => p.name === 'release-name')?.string ?? app.name;
    const sets = (app.parameters?.find((p) => p.name === 'set')?.array ?? []).flatMap((s) => ['--set', s]);
    const values = join(ROOT, file === 'application.yaml' ? `${source.path}/infrahub-backup.yaml` : 'examples/values/scheduled-s3.yaml');
    const expected = await cli(['synth', '-f', values, ...sets, '--release', release, '--namespace', app.namespace]);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    expect(expected.code).toBe(0);
    expect(r.stdout).toBe(expected.stdout);
  }, 120_000);
});

describe('cdk8s-app', () => {
  test('main.ts type-checks against the library', () => {
    const program = ts.createProgram([join(EXAMPLES, 'cdk8s-app', 'main.ts')], {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules', '@types')],
      baseUrl: ROOT,
      paths: { 'infrahub-backup-cdk8s': ['src/index.ts'] },
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  }, 120_000);

  test('cdk8s.yaml runs main.ts and package.json depends on the library', () => {
    expect(readFileSync(join(EXAMPLES, 'cdk8s-app', 'cdk8s.yaml'), 'utf8')).toMatch(/^app: .*main\.ts$/m);
    const pkg = JSON.parse(readFileSync(join(EXAMPLES, 'cdk8s-app', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['cdk8s', 'constructs', 'infrahub-backup-cdk8s']);
  });
});
