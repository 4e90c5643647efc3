/**
 * Runs a user's cdk8s app (TypeScript or JavaScript importing this library)
 * and collects what it synthesizes.
 *
 * - TypeScript runs through tsx (esbuild: no type-check, transforms cached in
 *   the temporary directory), so nothing is compiled with tsc on a refresh; a
 *   JavaScript entry runs as is.
 * - `infrahub-backup-cdk8s`, `cdk8s`, `constructs` (and the other dependencies
 *   of this package) resolve from this installation through NODE_PATH when the
 *   app's directory has no node_modules of its own (CommonJS apps: Node.js
 *   ignores NODE_PATH for ES modules).
 * - The app writes into a fresh `CDK8S_OUTDIR`; its own stdout goes to stderr,
 *   so that only manifests reach Argo CD.
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { basename, delimiter, dirname, join, relative, resolve } from 'path';
import { pathToFileURL } from 'url';
import type { GenerateIo } from './generate';

/** The name the app imports this library by. */
export const PACKAGE_NAME = 'infrahub-backup-cdk8s';

/** Root of this package (lib/argocd/ or src/argocd/ is two levels below). */
const PACKAGE_ROOT = resolve(__dirname, '..', '..');

/** Files cdk8s writes next to the manifests. */
const NOT_MANIFESTS = new Set(['construct-metadata.json']);

/** Options of runCdk8sApp. */
export interface Cdk8sAppRun {
  readonly dir: string;
  /** Entry file, relative to `dir`. */
  readonly entry: string;
  readonly releaseName: string;
  readonly namespace: string;
  readonly env: NodeJS.ProcessEnv;
  readonly io: GenerateIo;
}

/**
 * Module directories that make this package and its dependencies resolvable by
 * name: the node_modules holding this package when it is installed, else a
 * temporary directory with a link named after it (a source checkout).
 */
export function libraryModulePaths(root: string = PACKAGE_ROOT): { paths: string[]; cleanup: () => void } {
  const parent = dirname(root);
  if (basename(parent) === 'node_modules' && basename(root) === PACKAGE_NAME) {
    return { paths: [parent, join(root, 'node_modules')], cleanup: () => undefined };
  }
  const links = mkdtempSync(join(tmpdir(), 'infrahub-backup-modules-'));
  symlinkSync(root, join(links, PACKAGE_NAME), 'dir');
  return { paths: [links, join(root, 'node_modules')], cleanup: () => rmSync(links, { recursive: true, force: true }) };
}

/** The module type of the package scope of `file`: "module" or "commonjs" (the nearest package.json's "type"). */
export function packageScopeType(file: string): 'module' | 'commonjs' {
  let dir = dirname(resolve(file));
  for (;;) {
    try {
      const type = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { type?: unknown }).type;
      return type === 'module' ? 'module' : 'commonjs';
    } catch {
      // no (readable) package.json here: look further up
    }
    const parent = dirname(dir);
    if (parent === dir) return 'commonjs';
    dir = parent;
  }
}

/**
 * Node.js arguments that run `entry` (a path relative to the working
 * directory). TypeScript runs through tsx: its CommonJS hook when the file is
 * CommonJS (fast to start), its ES module loader otherwise; JavaScript runs as
 * is.
 */
export function nodeArguments(entry: string, scopeType: 'module' | 'commonjs' = packageScopeType(entry)): string[] {
  const script = entry.startsWith('.') || entry.startsWith('/') ? entry : `./${entry}`;
  if (/\.mts$/.test(entry) || (/\.(?:ts|tsx)$/.test(entry) && scopeType === 'module')) {
    return ['--import', pathToFileURL(require.resolve('tsx')).href, script];
  }
  if (/\.(?:ts|cts|tsx)$/.test(entry)) return ['--require', require.resolve('tsx/cjs'), script];
  return [script];
}

/** Files under `dir`, recursively, as paths relative to it, in code-point order. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The compile cache this process uses (bin/infrahub-backup-cdk8s enables it on
 * Node.js 22.1 and later), handed to the app's process, which loads the same
 * library modules.
 */
function compileCacheEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dir = (require('module') as { getCompileCacheDir?: () => string | undefined }).getCompileCacheDir?.();
  return dir && env.NODE_COMPILE_CACHE === undefined && env.NODE_DISABLE_COMPILE_CACHE === undefined ? { NODE_COMPILE_CACHE: dirname(dir) } : {};
}

/**
 * Runs the app and returns the manifests it wrote, as one multi-document YAML
 * stream (files in path order).
 *
 * @throws Error when the app fails or writes no file
 */
export function runCdk8sApp(run: Cdk8sAppRun): string {
  const outdir = mkdtempSync(join(tmpdir(), 'infrahub-backup-synth-'));
  const modules = libraryModulePaths();
  try {
    const nodePath = [...modules.paths, ...(run.env.NODE_PATH ?? '').split(delimiter).filter((p) => p !== '')].join(delimiter);
    const result = spawnSync(process.execPath, nodeArguments(run.entry, packageScopeType(join(run.dir, run.entry))), {
      cwd: run.dir,
      env: {
        ...run.env,
        NODE_PATH: nodePath,
        CDK8S_OUTDIR: outdir,
        INFRAHUB_BACKUP_RELEASE: run.releaseName,
        INFRAHUB_BACKUP_NAMESPACE: run.namespace,
        ...compileCacheEnvironment(run.env),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    // The app's own output is diagnostics: stdout carries only manifests.
    if (result.stdout) run.io.stderr(result.stdout);
    if (result.stderr) run.io.stderr(result.stderr);
    if (result.error) throw new Error(`cannot run the cdk8s app ${run.entry}: ${result.error.message}`);
    if (result.signal) throw new Error(`the cdk8s app ${run.entry} was killed by ${result.signal}`);
    if (result.status !== 0) throw new Error(`the cdk8s app ${run.entry} failed with exit code ${result.status}`);

    const files = filesUnder(outdir).filter((f) => !NOT_MANIFESTS.has(basename(f)));
    if (files.length === 0) {
      throw new Error(
        `the cdk8s app ${run.entry} wrote no manifest to CDK8S_OUTDIR: call app.synth(), and do not set outdir in new App()`,
      );
    }
    const parts = files
      .map((f) => readFileSync(join(outdir, f), 'utf8'))
      .filter((text) => text.trim() !== '')
      .map((text) => (text.endsWith('\n') ? text : `${text}\n`));
    return parts.map((text, i) => (i === 0 || text.startsWith('---') ? text : `---\n${text}`)).join('');
  } finally {
    modules.cleanup();
    rmSync(outdir, { recursive: true, force: true });
  }
}
