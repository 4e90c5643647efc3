/**
 * What Argo CD's CMP sidecar does with argocd/plugin.yaml, reproduced for the
 * tests: a copy of the repository in a temporary directory, the commands of
 * plugin.yaml run as written (command + args, no shell added) in the
 * application directory, with the sidecar's PATH (the bin, as in the image)
 * and the environment Argo CD sets.
 */
import { ChildProcess, spawn } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { delimiter, dirname, join } from 'path';
import { parse } from 'yaml';

export const ROOT = join(__dirname, '..', '..');
export const PLUGIN_FILE = join(ROOT, 'argocd', 'plugin.yaml');

/** A command of plugin.yaml. */
export interface PluginCommand {
  readonly command: string[];
  readonly args?: string[];
}

/** The parsed plugin.yaml. */
export interface PluginConfig {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    version?: string;
    init?: PluginCommand;
    generate: PluginCommand;
    discover?: { fileName?: string; find?: PluginCommand & { glob?: string } };
    parameters?: { static?: Array<Record<string, unknown>>; dynamic?: PluginCommand };
  };
}

export function loadPlugin(): PluginConfig {
  return parse(readFileSync(PLUGIN_FILE, 'utf8')) as PluginConfig;
}

/** A directory on PATH holding the bin, like /opt/infrahub-backup-cdk8s/node_modules/.bin in the image. */
function sidecarBin(): string {
  const bin = mkdtempSync(join(tmpdir(), 'ibc-sidecar-bin-'));
  const target = join(ROOT, 'bin', 'infrahub-backup-cdk8s');
  symlinkSync(target, join(bin, 'infrahub-backup-cdk8s'));
  return bin;
}

let binDir: string | undefined;

/** The sidecar's own environment: PATH with the bin and Node.js, a HOME. */
export function sidecarEnvironment(): NodeJS.ProcessEnv {
  binDir ??= sidecarBin();
  return {
    PATH: [binDir, dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(delimiter),
    HOME: dirname(binDir),
    TMPDIR: tmpdir(),
  };
}

/** An Application as far as the plugin sees it. */
export interface Application {
  readonly name: string;
  /** Destination namespace. */
  readonly namespace: string;
  /** `spec.source.path`: the application directory inside the repository. */
  readonly path: string;
  /** `spec.source.plugin.env`, before Argo CD prefixes the names. */
  readonly env?: Record<string, string>;
  /** `spec.source.plugin.parameters`. */
  readonly parameters?: Array<{ name: string; string?: string; array?: string[]; map?: Record<string, string> }>;
}

const REVISION = '4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b';

/** `PARAM_` name as Argo CD documents it: upper case, anything but A-Z and 0-9 as `_`. */
function paramName(name: string): string {
  return `PARAM_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** The environment the operator gives the sidecar container that enables app mode. */
export const APP_MODE_SIDECAR: Readonly<Record<string, string>> = { INFRAHUB_BACKUP_APP_MODE: 'enabled' };

/**
 * The environment of a plugin command for an Application: the sidecar's (with
 * `sidecar`, the operator's settings of the container), the build
 * environment, the plugin env entries (prefixed ARGOCD_ENV_, references to
 * build variables expanded) and the parameters (ARGOCD_APP_PARAMETERS and
 * PARAM_*).
 */
export function argocdEnvironment(app: Application, sidecar: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const build: Record<string, string> = {
    ARGOCD_APP_NAME: app.name,
    ARGOCD_APP_NAMESPACE: app.namespace,
    ARGOCD_APP_PROJECT_NAME: 'default',
    ARGOCD_APP_REVISION: REVISION,
    ARGOCD_APP_REVISION_SHORT: REVISION.slice(0, 7),
    ARGOCD_APP_REVISION_SHORT_8: REVISION.slice(0, 8),
    ARGOCD_APP_SOURCE_PATH: app.path,
    ARGOCD_APP_SOURCE_REPO_URL: 'https://git.example.com/platform/infrahub-deploy.git',
    ARGOCD_APP_SOURCE_TARGET_REVISION: 'main',
    KUBE_VERSION: '1.31.4',
    KUBE_API_VERSIONS: 'v1,apps/v1,batch/v1,rbac.authorization.k8s.io/v1,policy/v1',
  };
  const env: NodeJS.ProcessEnv = { ...sidecarEnvironment(), ...sidecar, ...build };
  for (const [name, value] of Object.entries(app.env ?? {})) {
    env[`ARGOCD_ENV_${name}`] = value.replace(/\$\{?([A-Z0-9_]+)\}?/g, (all, v: string) => build[v] ?? all);
  }
  if (app.parameters !== undefined) {
    env.ARGOCD_APP_PARAMETERS = JSON.stringify(app.parameters);
    for (const p of app.parameters) {
      const base = paramName(p.name);
      if (p.string !== undefined) env[base] = p.string;
      p.array?.forEach((item, i) => (env[`${base}_${i}`] = item));
      for (const [key, value] of Object.entries(p.map ?? {})) env[`${base}_${key.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] = value;
    }
  }
  return env;
}

/** A repository copy holding `files` (path -> content); returns its root. */
export function makeRepository(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'ibc-cmp-repo-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** The outcome of a plugin command. */
export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Runs a command of plugin.yaml as argocd-cmp-server does: argv = command +
 * args, in `cwd`, as the leader of its own process group. `onStderr` sees the
 * command's stderr as it arrives, with the command's process.
 */
export function runPluginCommand(
  command: PluginCommand,
  cwd: string,
  env: NodeJS.ProcessEnv,
  onStderr?: (soFar: string, child: ChildProcess) => void,
): Promise<CommandResult> {
  const [file, ...rest] = [...command.command, ...(command.args ?? [])];
  if (!existsSync(cwd)) throw new Error(`no application directory ${cwd}`);
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    // argocd-cmp-server starts commands with Setpgid, and kills their group on its deadline.
    const child = spawn(file, rest, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Number(process.hrtime.bigint() - start) / 1e6 }));
  });
}
