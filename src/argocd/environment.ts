/**
 * What an Argo CD config-management plugin (CMP v2, sidecar) receives, turned
 * into a generation request. Pure: the environment and the directory listing
 * come in as arguments, nothing is read here.
 *
 * Argo CD gives a plugin command:
 * - the build environment: `ARGOCD_APP_NAME`, `ARGOCD_APP_NAMESPACE` (the
 *   destination namespace), `ARGOCD_APP_SOURCE_PATH`, `ARGOCD_APP_REVISION`...;
 * - the Application's `spec.source.plugin.env` entries, each prefixed with
 *   `ARGOCD_ENV_`;
 * - the Application's `spec.source.plugin.parameters`, as JSON in
 *   `ARGOCD_APP_PARAMETERS` (`[{name, string | array | map}]`) and as
 *   `PARAM_<NAME>` variables: the name upper-cased with every other character
 *   than A-Z and 0-9 replaced by `_`; an array as `PARAM_<NAME>_<INDEX>`, a map
 *   as `PARAM_<NAME>_<KEY>` (the key normalized the same way).
 */
import { posix } from 'path';
import type { SetArgument } from '../values-io/values-input';
import { InputError } from '../input-error';
import { DEFAULT_RELEASE } from '../model/names';
import { APP_MODE_DISABLED, appModeEnabled, checkAppModeSetting } from './trust';

/** How a parameter's value is given (`collectionType` in plugin.yaml). */
export type CollectionType = 'string' | 'array' | 'map';

/** A parameter the plugin announces, and the `ARGOCD_ENV_` variable that may give it too. */
export interface ParameterSpec {
  readonly name: string;
  readonly collectionType: CollectionType;
  /** Name of the plugin env entry (without `ARGOCD_ENV_`) that gives the same setting. */
  readonly envName: string;
}

/** The parameters of the plugin; argocd/plugin.yaml announces exactly these. */
export const PARAMETERS = {
  valuesFiles: { name: 'values-files', collectionType: 'array', envName: 'VALUES_FILES' },
  set: { name: 'set', collectionType: 'array', envName: 'SET' },
  setString: { name: 'set-string', collectionType: 'array', envName: 'SET_STRING' },
  releaseName: { name: 'release-name', collectionType: 'string', envName: 'RELEASE_NAME' },
  mode: { name: 'mode', collectionType: 'string', envName: 'MODE' },
  app: { name: 'app', collectionType: 'string', envName: 'APP' },
  allowEmpty: { name: 'allow-empty', collectionType: 'string', envName: 'ALLOW_EMPTY' },
} as const satisfies Record<string, ParameterSpec>;

/** Values files looked for, in this order, when `values-files` is not given: the first present is used. */
export const DEFAULT_VALUES_FILES = ['infrahub-backup.yaml', 'infrahub-backup.yml', 'values.yaml', 'values.yml'] as const;

/** Entry files of a cdk8s app looked for when neither `app` nor cdk8s.yaml names one. */
export const DEFAULT_APP_ENTRIES = ['main.ts', 'main.js'] as const;

/** The file that marks a cdk8s app directory. */
export const CDK8S_CONFIG = 'cdk8s.yaml';

/** Generation modes: `values` renders values files, `app` runs a cdk8s app, `auto` picks one from the directory. */
export type Mode = 'auto' | 'values' | 'app';
const MODES: readonly Mode[] = ['auto', 'values', 'app'];

/** A parameter value as Argo CD sends it. */
export interface ParameterValue {
  readonly string?: string;
  readonly array?: readonly string[];
  readonly map?: Readonly<Record<string, string>>;
}

/** `PARAM_<NAME>` of a parameter (or of a map key): upper case, anything but A-Z and 0-9 as `_`. */
export function paramEnvName(name: string): string {
  return `PARAM_${normalizeName(name)}`;
}

function normalizeName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** The parameters set in the Application, by name, from `ARGOCD_APP_PARAMETERS`; undefined when it is not set. */
export function parametersFromJson(env: NodeJS.ProcessEnv): Map<string, ParameterValue> | undefined {
  const text = env.ARGOCD_APP_PARAMETERS;
  if (text === undefined || text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new InputError([`ARGOCD_APP_PARAMETERS: not JSON (${(e as Error).message})`]);
  }
  if (parsed === null) return new Map();
  if (!Array.isArray(parsed)) throw new InputError(['ARGOCD_APP_PARAMETERS: must be a JSON list of {name, string | array | map}']);
  const out = new Map<string, ParameterValue>();
  const problems: string[] = [];
  parsed.forEach((entry: unknown, i) => {
    if (entry === null || typeof entry !== 'object' || typeof (entry as { name?: unknown }).name !== 'string') {
      problems.push(`ARGOCD_APP_PARAMETERS[${i}]: must be an object with a string "name"`);
      return;
    }
    const e = entry as { name: string; string?: unknown; array?: unknown; map?: unknown };
    const value: { string?: string; array?: string[]; map?: Record<string, string> } = {};
    /** A scalar as text; a list or an object where text belongs is a problem, named by where it is. */
    const text = (v: unknown, where: string): string => {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
      problems.push(`ARGOCD_APP_PARAMETERS[${i}]${where}: must be a string, number or boolean`);
      return '';
    };
    if (e.string !== undefined && e.string !== null) value.string = text(e.string, '.string');
    if (Array.isArray(e.array)) value.array = e.array.map((v: unknown, j) => text(v, `.array[${j}]`));
    if (e.map !== undefined && e.map !== null && typeof e.map === 'object' && !Array.isArray(e.map)) {
      value.map = Object.fromEntries(Object.entries(e.map as Record<string, unknown>).map(([k, v]) => [k, text(v, `.map[${JSON.stringify(k)}]`)]));
    }
    out.set(e.name, value);
  });
  if (problems.length > 0) throw new InputError(problems);
  return out;
}

/**
 * A parameter from its `PARAM_*` variables; undefined when none is set.
 * Arrays are read from index 0 up to the first missing index.
 */
export function parameterFromParamEnv(env: NodeJS.ProcessEnv, spec: ParameterSpec): ParameterValue | undefined {
  const base = paramEnvName(spec.name);
  switch (spec.collectionType) {
    case 'string':
      return env[base] === undefined ? undefined : { string: env[base] };
    case 'array': {
      const array: string[] = [];
      for (let i = 0; env[`${base}_${i}`] !== undefined; i++) array.push(env[`${base}_${i}`] as string);
      return array.length === 0 ? undefined : { array };
    }
    case 'map': {
      const prefix = `${base}_`;
      const entries = Object.entries(env).filter(([k, v]) => k.startsWith(prefix) && v !== undefined) as Array<[string, string]>;
      if (entries.length === 0) return undefined;
      // The original keys are lost in PARAM_ names: the normalized (lower-case) suffixes stand for them.
      return { map: Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k.slice(prefix.length).toLowerCase(), v])) };
    }
  }
}

/** A parameter set in the Application: `ARGOCD_APP_PARAMETERS` when present (exact names and keys), else `PARAM_*`. */
export function readParameter(env: NodeJS.ProcessEnv, spec: ParameterSpec, fromJson = parametersFromJson(env)): ParameterValue | undefined {
  if (fromJson !== undefined) return fromJson.get(spec.name);
  return parameterFromParamEnv(env, spec);
}

/** What to generate, before looking at the directory. */
export interface GenerateRequest {
  readonly mode: Mode;
  /** Values files, relative to the application directory; undefined for the defaults. */
  readonly valuesFiles?: readonly string[];
  readonly sets: readonly SetArgument[];
  readonly releaseName: string;
  readonly namespace: string;
  /** Entry file of the cdk8s app; undefined to take it from cdk8s.yaml. */
  readonly app?: string;
  /** Accept a render with no object (Argo CD then prunes what the application deployed). */
  readonly allowEmpty: boolean;
  /** Whether the operator enabled app mode on the sidecar (INFRAHUB_BACKUP_APP_MODE=enabled; never from the Application). */
  readonly appModeEnabled: boolean;
  /** Where each setting came from, for the diagnostics on stderr. */
  readonly sources: Readonly<Record<'releaseName' | 'namespace', string>>;
}

function envSetting(env: NodeJS.ProcessEnv, spec: ParameterSpec): string | undefined {
  const value = env[`ARGOCD_ENV_${spec.envName}`];
  return value === undefined || value.trim() === '' ? undefined : value;
}

function stringOf(value: ParameterValue | undefined, spec: ParameterSpec, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  if (value.string === undefined) {
    problems.push(`parameter ${spec.name}: must be a string`);
    return undefined;
  }
  return value.string.trim() === '' ? undefined : value.string.trim();
}

function arrayOf(value: ParameterValue | undefined, spec: ParameterSpec, problems: string[]): string[] | undefined {
  if (value === undefined) return undefined;
  if (value.array === undefined) {
    // A single string is accepted for an array parameter: one item.
    if (value.string !== undefined) return value.string.trim() === '' ? [] : [value.string];
    problems.push(`parameter ${spec.name}: must be an array of strings`);
    return undefined;
  }
  return value.array.filter((v) => v.trim() !== '');
}

/** Splits a comma-separated list (`ARGOCD_ENV_VALUES_FILES=base.yaml,prod.yaml`). */
function splitList(value: string): string[] {
  return value.split(',').map((v) => v.trim()).filter((v) => v !== '');
}

/**
 * The generation request for Argo CD's environment. Precedence, highest first:
 * parameters, `ARGOCD_ENV_*` entries, the build environment, the defaults.
 * `--set`s combine: those of the env entries (SET, then SET_STRING) apply
 * first, then those of the parameters (set, then set-string), so on the same
 * path a parameter wins, as the later `--set` does on the command line.
 *
 * @throws InputError for malformed parameters
 */
export function requestFromEnvironment(env: NodeJS.ProcessEnv): GenerateRequest {
  const problems: string[] = [];
  const json = parametersFromJson(env);
  const param = (spec: ParameterSpec) => readParameter(env, spec, json);

  const modeText = stringOf(param(PARAMETERS.mode), PARAMETERS.mode, problems) ?? envSetting(env, PARAMETERS.mode) ?? 'auto';
  const mode = modeText.toLowerCase() as Mode;
  if (!MODES.includes(mode)) problems.push(`mode: must be one of ${MODES.join(', ')}, not "${modeText}"`);

  // An empty list (a parameter cleared in the UI) means the defaults, never "no file".
  const nonEmpty = (list: string[] | undefined) => (list === undefined || list.length === 0 ? undefined : list);
  const envValuesFiles = envSetting(env, PARAMETERS.valuesFiles);
  const valuesFiles =
    nonEmpty(arrayOf(param(PARAMETERS.valuesFiles), PARAMETERS.valuesFiles, problems)) ??
    nonEmpty(envValuesFiles === undefined ? undefined : splitList(envValuesFiles));

  const sets: SetArgument[] = [];
  const envSet = envSetting(env, PARAMETERS.set);
  if (envSet !== undefined) sets.push({ expression: envSet, asString: false });
  const envSetString = envSetting(env, PARAMETERS.setString);
  if (envSetString !== undefined) sets.push({ expression: envSetString, asString: true });
  for (const expression of arrayOf(param(PARAMETERS.set), PARAMETERS.set, problems) ?? []) sets.push({ expression, asString: false });
  for (const expression of arrayOf(param(PARAMETERS.setString), PARAMETERS.setString, problems) ?? []) sets.push({ expression, asString: true });

  const releaseParam = stringOf(param(PARAMETERS.releaseName), PARAMETERS.releaseName, problems);
  const releaseEnv = envSetting(env, PARAMETERS.releaseName);
  // With applications in any namespace, Argo CD may name an application outside its own
  // namespace `<namespace>_<name>`; Kubernetes names have no "_", so what follows is the name.
  const appName = env.ARGOCD_APP_NAME?.trim().replace(/^[^_]*_/, '') || undefined;
  const [releaseName, releaseSource] =
    releaseParam !== undefined ? [releaseParam, `parameter ${PARAMETERS.releaseName.name}`]
      : releaseEnv !== undefined ? [releaseEnv.trim(), `ARGOCD_ENV_${PARAMETERS.releaseName.envName}`]
        : appName !== undefined ? [appName, 'ARGOCD_APP_NAME']
          : [DEFAULT_RELEASE, 'default'];

  // Argo CD always sets it: empty means an Application without a destination namespace, which
  // must not land in "default" (unset, outside Argo CD, keeps synth's default).
  const destination = env.ARGOCD_APP_NAMESPACE?.trim() || undefined;
  if (env.ARGOCD_APP_NAMESPACE !== undefined && destination === undefined) {
    problems.push(
      'ARGOCD_APP_NAMESPACE is empty: the Application has no destination namespace; set spec.destination.namespace (the plugin renders into that namespace only)',
    );
  }
  const [namespace, namespaceSource] = destination !== undefined ? [destination, 'ARGOCD_APP_NAMESPACE'] : ['default', 'default'];

  const app = stringOf(param(PARAMETERS.app), PARAMETERS.app, problems) ?? envSetting(env, PARAMETERS.app)?.trim();

  const allowEmptyText = (stringOf(param(PARAMETERS.allowEmpty), PARAMETERS.allowEmpty, problems) ?? envSetting(env, PARAMETERS.allowEmpty) ?? 'false').trim().toLowerCase();
  if (!['true', 'false'].includes(allowEmptyText)) problems.push(`allow-empty: must be true or false, not "${allowEmptyText}"`);

  const switchProblem = checkAppModeSetting(env);
  if (switchProblem !== undefined) problems.push(switchProblem);

  if (problems.length > 0) throw new InputError(problems);
  return {
    allowEmpty: allowEmptyText === 'true',
    appModeEnabled: appModeEnabled(env),
    mode,
    valuesFiles,
    sets,
    releaseName,
    namespace,
    app,
    sources: { releaseName: releaseSource, namespace: namespaceSource },
  };
}

/** Values mode: render these files (relative to the directory) and sets. */
export interface ValuesPlan {
  readonly kind: 'values';
  readonly files: readonly string[];
  readonly sets: readonly SetArgument[];
  readonly releaseName: string;
  readonly namespace: string;
  /** Ignored settings, reported on stderr. */
  readonly ignored: readonly string[];
}

/** App mode: run this cdk8s app entry (relative to the directory). */
export interface AppPlan {
  readonly kind: 'app';
  readonly entry: string;
  readonly releaseName: string;
  readonly namespace: string;
  /** Ignored settings, reported on stderr. */
  readonly ignored: readonly string[];
}

export type GenerationPlan = ValuesPlan | AppPlan;

/** What the planner may look at in the application directory. */
export interface DirectoryView {
  /** Whether a file exists, by path relative to the directory. */
  readonly exists: (path: string) => boolean;
  /** A file's text, by path relative to the directory; undefined when unreadable. */
  readonly readText: (path: string) => string | undefined;
}

const SCRIPT = /\.(?:ts|mts|cts|tsx|js|mjs|cjs)$/;

/**
 * The entry file named by cdk8s.yaml's `app` command (`npx ts-node main.ts`,
 * `node main.js`, `npx tsx src/main.ts`...): its last argument that is a
 * script file; undefined when there is none.
 */
export function entryFromCdk8sConfig(text: string): string | undefined {
  const line = text.split('\n').find((l) => /^app\s*:/.test(l));
  if (line === undefined) return undefined;
  let command = line.replace(/^app\s*:\s*/, '').replace(/\s+#.*$/, '').trim();
  if ((command.startsWith('"') && command.endsWith('"')) || (command.startsWith("'") && command.endsWith("'"))) command = command.slice(1, -1);
  const scripts = command.split(/\s+/).map((t) => t.replace(/^['"]|['"]$/g, '')).filter((t) => SCRIPT.test(t) && !t.startsWith('-'));
  return scripts.length === 0 ? undefined : scripts[scripts.length - 1];
}

/**
 * Checks that a path given by the Application stays inside the repository:
 * relative, and not climbing above the repository root (the application
 * directory is `sourcePath` below it; `ARGOCD_APP_SOURCE_PATH`).
 */
export function checkRepositoryPath(path: string, sourcePath: string | undefined, what: string): string | undefined {
  if (posix.isAbsolute(path) || /^[A-Za-z]:[\\/]/.test(path)) return `${what} ${path}: must be a path relative to the application directory`;
  const inRepository = posix.normalize(posix.join((sourcePath ?? '').replace(/^\/+/, '') || '.', path.replace(/\\/g, '/')));
  if (inRepository === '..' || inRepository.startsWith('../')) return `${what} ${path}: must stay inside the repository`;
  return undefined;
}

/**
 * Decides what to generate in a directory.
 *
 * `app` mode runs the directory's cdk8s app, and only when the operator
 * enabled it on the sidecar. `auto` mode never runs code from the repository:
 * it renders the values (the `values-files` setting, or the first of
 * DEFAULT_VALUES_FILES present), and a cdk8s app directory without values
 * fails with a line saying how to run it.
 *
 * @throws InputError when nothing can be generated
 */
export function planGeneration(request: GenerateRequest, dir: DirectoryView, sourcePath?: string): GenerationPlan {
  const hasCdk8sConfig = dir.exists(CDK8S_CONFIG);
  const mode: Exclude<Mode, 'auto'> = request.mode === 'app' ? 'app' : 'values';
  if (mode === 'app' && !request.appModeEnabled) throw new InputError([APP_MODE_DISABLED]);

  if (mode === 'app') {
    const configEntry = hasCdk8sConfig ? entryFromCdk8sConfig(dir.readText(CDK8S_CONFIG) ?? '') : undefined;
    const candidates = request.app !== undefined ? [request.app] : configEntry !== undefined ? [configEntry] : [...DEFAULT_APP_ENTRIES];
    const entry = candidates.find((c) => dir.exists(c));
    if (entry === undefined) {
      throw new InputError([
        request.app !== undefined ? `app ${request.app}: no such file in the application directory`
          : configEntry !== undefined ? `${CDK8S_CONFIG}: its app command names ${configEntry}, which is not in the application directory`
            : `no cdk8s app: none of ${DEFAULT_APP_ENTRIES.join(', ')} in the application directory (set the app parameter)`,
      ]);
    }
    const problem = checkRepositoryPath(entry, sourcePath, 'app');
    if (problem !== undefined) throw new InputError([problem]);
    const ignored = [
      ...(request.valuesFiles !== undefined ? [PARAMETERS.valuesFiles.name] : []),
      ...(request.sets.length > 0 ? ['set/set-string'] : []),
    ];
    return { kind: 'app', entry, releaseName: request.releaseName, namespace: request.namespace, ignored };
  }

  let files: readonly string[];
  if (request.valuesFiles !== undefined) {
    files = request.valuesFiles;
    const problems = files.map((f) => checkRepositoryPath(f, sourcePath, 'values file')).filter((p): p is string => p !== undefined);
    if (problems.length > 0) throw new InputError(problems);
  } else {
    const found = DEFAULT_VALUES_FILES.find((f) => dir.exists(f));
    if (found === undefined && request.sets.length === 0 && (hasCdk8sConfig || request.app !== undefined)) {
      const what = hasCdk8sConfig ? `a cdk8s app (${CDK8S_CONFIG})` : `the cdk8s app ${request.app}`;
      throw new InputError([
        request.appModeEnabled
          ? `${what} runs only in app mode, never in ${request.mode} mode: set the ${PARAMETERS.mode.name} parameter to app`
          : `${what} runs only in app mode, which ${APP_MODE_DISABLED.replace(/^app mode /, '')}, and the Application then sets the ${PARAMETERS.mode.name} parameter to app`,
      ]);
    }
    if (found === undefined && request.sets.length === 0) {
      throw new InputError([
        `no values file: none of ${DEFAULT_VALUES_FILES.join(', ')} in the application directory, and no cdk8s app (${CDK8S_CONFIG}); ` +
          `set the ${PARAMETERS.valuesFiles.name} parameter`,
      ]);
    }
    files = found === undefined ? [] : [found];
  }
  const ignored = request.app !== undefined ? [PARAMETERS.app.name] : [];
  return { kind: 'values', files, sets: request.sets, releaseName: request.releaseName, namespace: request.namespace, ignored };
}
