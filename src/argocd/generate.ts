/**
 * `infrahub-backup-cdk8s argocd generate`: the manifests of an Argo CD
 * application directory. Values mode renders values files like `synth`; app
 * mode runs the user's cdk8s app (loaded on demand: values mode never loads
 * it). Returns the manifests; every diagnostic goes to `stderr`.
 */
import { lstatSync, readFileSync, realpathSync, statSync } from 'fs';
import { dirname, join, relative, resolve, sep } from 'path';
import { InputError } from '../input-error';
import type { GenerateIo } from '../io';
import { GenerationPlan, planGeneration, requestFromEnvironment } from './environment';
import { checkNamespaceObjects, checkNamespaces } from './namespace-rule';
import { allowedClusterKinds, appTimeoutMs, namespacedKinds } from './trust';

/**
 * Most values the values files of an application may hold and expand to in
 * the plugin (the CLI allows MAX_VALUES_NODES a file): the sidecar reads files
 * any committer writes, and the YAML parser costs about 1 KiB and 10 µs a
 * node, so this, with PLUGIN_MAX_VALUES_BYTES, keeps any
 * application's values near 2 s and 200 MiB (scripts/bench-input-limits.js).
 */
export const PLUGIN_MAX_VALUES_NODES = 15_000;

/**
 * Most bytes of values files an application may hold together in the plugin
 * (the CLI reads 10 MiB a file): a string is copied into every object and
 * container that uses it, about 70 MiB of the process for each MiB of text.
 */
export const PLUGIN_MAX_VALUES_BYTES = 1024 * 1024;

const isFile = (path: string): boolean => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

/** The repository root above `dir`, from `ARGOCD_APP_SOURCE_PATH` (the directory's path in the repository). */
export function repositoryRoot(dir: string, sourcePath: string | undefined): string {
  const depth = (sourcePath ?? '').split('/').filter((s) => s !== '' && s !== '.').length;
  return resolve(dir, ...Array<string>(depth).fill('..'));
}

/** Rejects files whose real path (symbolic links followed) leaves the repository. */
function checkRealPaths(dir: string, files: readonly string[], sourcePath: string | undefined, what: string): void {
  let root: string;
  try {
    root = realpathSync(repositoryRoot(dir, sourcePath));
  } catch {
    return;
  }
  const problems: string[] = [];
  for (const file of files) {
    let real: string;
    try {
      real = realpathSync(join(dir, file));
    } catch {
      continue; // missing: reported by the reader
    }
    const rel = relative(root, real);
    if (rel === '..' || rel.startsWith(`..${sep}`) || resolve(root, rel) !== real) problems.push(`${what} ${file}: leads outside the repository`);
  }
  if (problems.length > 0) throw new InputError(problems);
}

/**
 * Names Node.js and tsx look for in every directory above an app (modules,
 * the package scope and its self-reference, the TypeScript configuration).
 */
export const LOOKED_UP_ABOVE = ['node_modules', 'package.json', 'tsconfig.json'];

/**
 * Refuses to run an app when one of LOOKED_UP_ABOVE sits in a directory above
 * the repository copy (argocd-cmp-server extracts each one under the
 * sidecar's writable /tmp): an earlier app, running as the same user, could
 * have left it there for this one to load.
 */
export function checkAboveRepository(root: string): void {
  const problems: string[] = [];
  for (let dir = dirname(root); ; dir = dirname(dir)) {
    for (const name of LOOKED_UP_ABOVE) {
      let found = false;
      try {
        lstatSync(join(dir, name));
        found = true;
      } catch {
        // absent
      }
      if (found) {
        problems.push(
          `${join(dir, name)}: found above the repository, where Node.js or tsx would load it into the cdk8s app; ` +
            'the app does not run (another app may have left it: remove it, or restart the sidecar with an empty /tmp)',
        );
      }
    }
    if (dirname(dir) === dir) break;
  }
  if (problems.length > 0) throw new InputError(problems);
}

/** True when a YAML stream holds no document. */
function isEmptyStream(yaml: string): boolean {
  return yaml.split('\n').every((l) => l.trim() === '' || l.trim() === '---' || l.trim().startsWith('#'));
}

function describe(plan: GenerationPlan, sources: Record<string, string>): string {
  const where = `release ${plan.releaseName} (${sources.releaseName}), namespace ${plan.namespace} (${sources.namespace})`;
  if (plan.kind === 'app') return `cdk8s app ${plan.entry}; ${where}`;
  const files = plan.files.length === 0 ? 'no values file' : `values ${plan.files.join(', ')}`;
  return `${files}${plan.sets.length > 0 ? ` and ${plan.sets.length} --set` : ''}; ${where}`;
}

/**
 * The manifests of the application directory `dir` for Argo CD's environment
 * `env`. Every object must land in the destination namespace (checkNamespaces).
 *
 * @throws InputError or ValuesError for bad input; Error when the cdk8s app fails
 */
export async function generate(dir: string, env: NodeJS.ProcessEnv, io: GenerateIo): Promise<string> {
  const request = requestFromEnvironment(env);
  const sourcePath = env.ARGOCD_APP_SOURCE_PATH;
  const plan = planGeneration(
    request,
    {
      exists: (p) => isFile(join(dir, p)),
      readText: (p) => {
        try {
          return readFileSync(join(dir, p), 'utf8');
        } catch {
          return undefined;
        }
      },
    },
    sourcePath,
  );
  io.stderr(`infrahub-backup-cdk8s: ${describe(plan, request.sources)}\n`);

  if (plan.kind === 'app') {
    for (const setting of plan.ignored) io.stderr(`warning: ${setting} is ignored for a cdk8s app\n`);
    const timeoutMs = appTimeoutMs(env);
    const kinds = { allowedClusterKinds: allowedClusterKinds(env), namespacedKinds: namespacedKinds(env) };
    checkRealPaths(dir, [plan.entry], sourcePath, 'app');
    checkAboveRepository(repositoryRoot(resolve(dir), sourcePath));
    // Loaded here: values mode does not need it.
    const { runCdk8sApp } = require('./cdk8s-app') as typeof import('./cdk8s-app');
    const manifests = await runCdk8sApp({ dir, entry: plan.entry, releaseName: plan.releaseName, namespace: plan.namespace, env, io, timeoutMs });
    // What goes to Argo CD is the objects as checked, written again: never the app's own text.
    const checked = checkNamespaces(manifests, plan.namespace, kinds);
    return nonEmpty(checked, request.allowEmpty, 'the cdk8s app synthesized no object', io);
  }

  for (const setting of plan.ignored) io.stderr(`warning: ${setting} is ignored in values mode\n`);
  checkRealPaths(dir, plan.files, sourcePath, 'values file');
  // Loaded here: app mode runs the app in a child process and needs neither the model nor cdk8s.
  const { readValues } = require('../values-io/values-input') as typeof import('../values-io/values-input');
  const { manifestsOf, synthObjects } = require('../synth') as typeof import('../synth');
  const values = readValues(plan.files.map((f) => join(dir, f)), [...plan.sets], undefined, {
    maxNodes: PLUGIN_MAX_VALUES_NODES,
    maxTotalBytes: PLUGIN_MAX_VALUES_BYTES,
  });
  // The objects are checked before they are written: parsing the render back would repeat the work.
  const objects = synthObjects(values, { releaseName: plan.releaseName, namespace: plan.namespace, warn: (line) => io.stderr(`warning: ${line}\n`) });
  checkNamespaceObjects(objects, plan.namespace);
  const manifests = manifestsOf(objects);
  return nonEmpty(manifests, request.allowEmpty, 'the values enable neither backup nor restore', io);
}

/**
 * An empty render makes Argo CD prune everything the application deployed, so
 * it is a failure unless the application asked for it (`allow-empty`), e.g.
 * to remove a finished restore.
 */
function nonEmpty(manifests: string, allowEmpty: boolean, why: string, io: GenerateIo): string {
  if (!isEmptyStream(manifests)) return manifests;
  if (!allowEmpty) {
    throw new InputError([`${why}: no object to deploy; set the plugin parameter allow-empty=true to let Argo CD prune the application`]);
  }
  io.stderr(`warning: ${why}: no object (allow-empty: Argo CD prunes what the application deployed)\n`);
  return manifests;
}
