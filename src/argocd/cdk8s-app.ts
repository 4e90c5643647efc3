/**
 * Runs a user's cdk8s app (TypeScript or JavaScript importing this library)
 * and collects what it synthesizes.
 *
 * - TypeScript runs through tsx (esbuild: no type-check; its cache lives in
 *   the run's temporary directory and goes with it), so nothing is compiled with tsc on a refresh; a
 *   JavaScript entry runs as is.
 * - `infrahub-backup-cdk8s`, `cdk8s`, `constructs` (and the other dependencies
 *   of this package) resolve from this installation through NODE_PATH when the
 *   app's directory has no node_modules of its own (CommonJS apps: Node.js
 *   ignores NODE_PATH for ES modules).
 * - The app writes into a fresh `CDK8S_OUTDIR`; its own stdout goes to stderr,
 *   so that only manifests reach Argo CD.
 * - It runs detached, bounded in time, with a minimal environment, and every
 *   process it starts is killed when it ends (see runCdk8sApp).
 */
import { spawn } from 'child_process';
import { randomBytes } from 'crypto';
import { createRequire } from 'module';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'fs';
import { constants as osConstants, tmpdir } from 'os';
import { basename, delimiter, dirname, join, relative, resolve } from 'path';
import { pathToFileURL } from 'url';
import { InputError } from '../input-error';
import type { GenerateIo } from '../io';
import { ProcessTracker } from './process-tree';
import { APP_TIMEOUT_ENV, formatDuration } from './trust';

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
  /** The plugin's environment: only what isPassedToApp accepts reaches the app. */
  readonly env: NodeJS.ProcessEnv;
  readonly io: GenerateIo;
  /** Time the app may run, in milliseconds. */
  readonly timeoutMs: number;
}

/**
 * Module directories that make this package and its dependencies resolvable by
 * name: the node_modules holding this package when it is installed, else a
 * temporary directory with a link named after it (a source checkout).
 */
export function libraryModulePaths(root: string = PACKAGE_ROOT, under: string = tmpdir()): { paths: string[]; cleanup: () => void } {
  const parent = dirname(root);
  if (basename(parent) === 'node_modules' && basename(root) === PACKAGE_NAME) {
    return { paths: [parent, join(root, 'node_modules')], cleanup: () => undefined };
  }
  const links = mkdtempSync(join(under, 'infrahub-backup-modules-'));
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
    return ['--import', pathToFileURL(resolveTsx('tsx', entry)).href, script];
  }
  if (/\.(?:ts|cts|tsx)$/.test(entry)) return ['--require', resolveTsx('tsx/cjs', entry), script];
  return [script];
}

/**
 * tsx is not a dependency of the package (a construct library consumer does
 * not need it): the image installs it beside the package; elsewhere the user
 * does. Resolved from this file's path, as `require.resolve` here would, also
 * when the CLI runs bundled (the image's startup snapshot, scripts/snapshot.js).
 */
function resolveTsx(specifier: string, entry: string): string {
  try {
    return createRequire(__filename).resolve(specifier);
  } catch {
    throw new InputError([
      `${entry}: a TypeScript cdk8s app runs with tsx, which is not installed: run \`npm install tsx\` beside infrahub-backup-cdk8s (the image has it), or name a compiled .js entry`,
    ]);
  }
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

/** Most of the app's own output forwarded to stderr (Argo CD keeps a command's stderr in memory). */
export const MAX_APP_OUTPUT = 1024 * 1024;

/** Most bytes of manifests read back from CDK8S_OUTDIR. */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/**
 * Preloaded into the app (`node --require`): if the plugin dies without
 * killing it (SIGKILL, e.g. by Argo CD past its deadline), the app's parent
 * changes, and the app kills its own process group.
 */
export const ORPHAN_GUARD = [
  "'use strict';",
  '{',
  '  const parent = process.ppid;',
  '  setInterval(() => {',
  '    if (process.ppid !== parent) {',
  "      try { process.kill(-process.pid, 'SIGKILL'); } catch { process.kill(process.pid, 'SIGKILL'); }",
  '    }',
  '  }, 250).unref();',
  '}',
  '',
].join('\n');

/** Packages a cdk8s app of this plugin imports, preloaded by preloadScript. */
export const PRELOADED = [PACKAGE_NAME, 'cdk8s', 'constructs'];

/**
 * Preloaded into a TypeScript app run by tsx's CommonJS hook, before the hook
 * (`node --require`): the packages of PRELOADED, each the very file the app's
 * entry resolves it to (its own node_modules first, else this installation),
 * so that they load through Node.js's own loader. tsx's hook reads and scans
 * every JavaScript file it loads for ES module syntax, which these CommonJS
 * packages (thousands of lines of generated Kubernetes classes) never hold:
 * that scan was a third of the app's time. A package the app cannot resolve
 * is skipped; what loads is what the app would load, earlier.
 */
export function preloadScript(entry: string): string {
  return [
    "'use strict';",
    '{',
    `  const load = require('module').createRequire(${JSON.stringify(entry)});`,
    `  for (const name of ${JSON.stringify(PRELOADED)}) {`,
    '    let file;',
    '    try { file = load.resolve(name); } catch { continue; }',
    '    load(file);',
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Most TypeScript files of an app for which esbuild runs without its worker thread. */
export const FEW_TYPESCRIPT_FILES = 10;

/**
 * Whether `dir` holds at most `limit` TypeScript files (.ts, .cts, .mts,
 * .tsx; node_modules and dot directories aside). Reads at most 2,000 entries:
 * past that, the answer is no.
 */
export function fewTypeScriptFiles(dir: string, limit: number = FEW_TYPESCRIPT_FILES): boolean {
  let files = 0;
  let entries = 0;
  const pending = [dir];
  while (pending.length > 0) {
    let list;
    try {
      list = readdirSync(pending.pop() as string, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of list) {
      if (++entries > 2000) return false;
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      if (e.isDirectory()) pending.push(join(e.parentPath, e.name));
      else if (/\.(?:ts|cts|mts|tsx)$/.test(e.name) && !e.name.endsWith('.d.ts') && ++files > limit) return false;
    }
  }
  return true;
}

/**
 * ESBUILD_WORKER_THREADS for the app. tsx transforms each TypeScript file with
 * esbuild's synchronous API, which by default starts a worker thread (about
 * 35 ms) that keeps one esbuild process for every call; without it, each call
 * runs esbuild once (about 8 ms a file). Off for an app of a few files, on
 * (esbuild's default) for a larger one; the sidecar's own setting wins.
 */
export function esbuildWorkerThreads(dir: string, env: NodeJS.ProcessEnv): string {
  const set = env.ESBUILD_WORKER_THREADS;
  if (set !== undefined) return set;
  return fewTypeScriptFiles(dir) ? '0' : '1';
}

/** Variables of the plugin's environment the app gets; the rest of the sidecar's environment stays out of its reach. */
export function isPassedToApp(name: string): boolean {
  return (
    name === 'PATH' || name === 'LANG' || name === 'TZ' || name.startsWith('LC_') ||
    name.startsWith('ARGOCD_APP_') || name.startsWith('ARGOCD_ENV_') || name.startsWith('PARAM_') ||
    name === 'KUBE_VERSION' || name === 'KUBE_API_VERSIONS'
  );
}

/**
 * Runs the app and returns the manifests it wrote, as one multi-document YAML
 * stream (files in path order).
 *
 * The app runs detached (its own process group and session) with a minimal
 * environment whose HOME, TMPDIR and CDK8S_OUTDIR are inside one temporary
 * directory of the run. On success, failure, timeout, or SIGTERM/SIGINT/SIGHUP
 * to the plugin, every process of the run is killed (ProcessTracker) and the
 * temporary directory removed; a signal then ends the plugin with 128 + its
 * number. Should the plugin be killed outright (SIGKILL), ORPHAN_GUARD in
 * the app kills the app's process group.
 *
 * @throws Error when the app fails, runs out of time or writes no file
 */
export async function runCdk8sApp(run: Cdk8sAppRun): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'infrahub-backup-app-'));
  const outdir = join(work, 'out');
  const home = join(work, 'home');
  const tmp = join(work, 'tmp');
  for (const d of [outdir, home, tmp]) mkdirSync(d);
  const cleanup = () => rmSync(work, { recursive: true, force: true });
  let tracker: ProcessTracker | undefined;
  let poll: NodeJS.Timeout | undefined;
  let timer: NodeJS.Timeout | undefined;
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
  const onSignal = (signal: NodeJS.Signals) => {
    tracker?.killAll();
    cleanup();
    run.io.stderr(`error: stopped by ${signal}: the cdk8s app ${run.entry} and its processes were killed\n`);
    process.exit(128 + (osConstants.signals[signal] ?? 15));
  };
  for (const s of signals) process.on(s, onSignal);
  try {
    const modules = libraryModulePaths(PACKAGE_ROOT, work);
    const nodePath = [...modules.paths, ...(run.env.NODE_PATH ?? '').split(delimiter).filter((p) => p !== '')].join(delimiter);
    const marker = `INFRAHUB_BACKUP_RUN=${randomBytes(12).toString('hex')}`;
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(run.env).filter(([k, v]) => v !== undefined && isPassedToApp(k)));
    Object.assign(env, {
      HOME: home,
      TMPDIR: tmp,
      NODE_PATH: nodePath,
      CDK8S_OUTDIR: outdir,
      INFRAHUB_BACKUP_RELEASE: run.releaseName,
      INFRAHUB_BACKUP_NAMESPACE: run.namespace,
      [marker.slice(0, marker.indexOf('='))]: marker.slice(marker.indexOf('=') + 1),
    });
    const guard = join(work, 'orphan-guard.js');
    writeFileSync(guard, ORPHAN_GUARD);
    const args = nodeArguments(run.entry, packageScopeType(join(run.dir, run.entry)));
    // A TypeScript entry runs through tsx: its loader (--import) or its CommonJS hook (--require).
    if (args[0] === '--import' || args[0] === '--require') env.ESBUILD_WORKER_THREADS = esbuildWorkerThreads(run.dir, run.env);
    if (args[0] === '--require') {
      const preload = join(work, 'preload.js');
      writeFileSync(preload, preloadScript(resolve(run.dir, run.entry)));
      args.unshift('--require', preload);
    }
    const child = spawn(process.execPath, ['--require', guard, ...args], {
      cwd: run.dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const started = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    try {
      await started;
    } catch (e) {
      throw new Error(`cannot run the cdk8s app ${run.entry}: ${(e as Error).message}`, { cause: e });
    }
    tracker = new ProcessTracker(child.pid as number, marker);
    const t = tracker;
    poll = setInterval(() => t.observe(), 100);

    // The app's own output is diagnostics: stdout carries only manifests.
    let forwarded = 0;
    const forward = (chunk: Buffer) => {
      if (forwarded >= MAX_APP_OUTPUT) return;
      const part = chunk.subarray(0, MAX_APP_OUTPUT - forwarded);
      forwarded += part.length;
      run.io.stderr(part.toString('utf8'));
      if (forwarded >= MAX_APP_OUTPUT) run.io.stderr(`\n[output of the cdk8s app cut at ${MAX_APP_OUTPUT} bytes]\n`);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));

    let timedOut = false;
    const exited = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      timer = setTimeout(() => {
        timedOut = true;
        t.killAll();
      }, run.timeoutMs);
    });
    clearTimeout(timer);
    clearInterval(poll);
    // Whatever the app left behind (detached children included) goes with it.
    const left = t.killAll();
    // Its pipes close once every holder is dead; do not wait for a holder the sweep could not see.
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    child.stdout.destroy();
    child.stderr.destroy();
    modules.cleanup();

    if (timedOut) {
      throw new Error(
        `the cdk8s app ${run.entry} ran longer than ${formatDuration(run.timeoutMs)} and was killed with its processes ` +
          `(the sidecar's ${APP_TIMEOUT_ENV} sets the limit, below Argo CD's exec timeout)`,
      );
    }
    if (left > 0) run.io.stderr(`warning: the cdk8s app ${run.entry} left ${left} process(es) running: killed\n`);
    if (exited.signal) throw new Error(`the cdk8s app ${run.entry} was killed by ${exited.signal}`);
    if (exited.code !== 0) throw new Error(`the cdk8s app ${run.entry} failed with exit code ${exited.code}`);

    const files = filesUnder(outdir).filter((f) => !NOT_MANIFESTS.has(basename(f)));
    if (files.length === 0) {
      throw new Error(
        `the cdk8s app ${run.entry} wrote no manifest to CDK8S_OUTDIR: call app.synth(), and do not set outdir in new App()`,
      );
    }
    const size = files.reduce((n, f) => n + statSync(join(outdir, f)).size, 0);
    if (size > MAX_MANIFEST_BYTES) throw new Error(`the cdk8s app ${run.entry} wrote ${size} bytes of manifests, more than ${MAX_MANIFEST_BYTES}`);
    const parts = files
      .map((f) => readFileSync(join(outdir, f), 'utf8'))
      .filter((text) => text.trim() !== '')
      .map((text) => (text.endsWith('\n') ? text : `${text}\n`));
    return parts.map((text, i) => (i === 0 || text.startsWith('---') ? text : `---\n${text}`)).join('');
  } finally {
    clearTimeout(timer);
    clearInterval(poll);
    tracker?.killAll();
    for (const s of signals) process.removeListener(s, onSignal);
    cleanup();
  }
}
