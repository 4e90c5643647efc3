/**
 * The `guard` command group: `record`, `clear`, `repair`. Argument parsing
 * only; the Kubernetes client is loaded when a guard command runs. Every
 * command is bounded by --timeout; its lines go to stderr (stdout stays
 * empty); a failure is one `error: ...` line and exit 1, bad input exit 2.
 */
import { Command, Option } from 'commander';
import type { CliIo } from '../io';
import { GUARD_JOB_ENV, GUARD_POD_ENV } from '../companion-env';
import { InputError, sanitizeLine } from '../input-error';
import { CHART_NAME, fullName } from '../model/names';

/** The namespace variable the backup pods already set (the backup image reads it). */
export const NAMESPACE_ENV = 'INFRAHUB_K8S_NAMESPACE';

/** Default bound of a guard command, in seconds. */
export const DEFAULT_GUARD_TIMEOUT = 30;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const RELEASE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const ENVIRONMENT_HELP = `
The cluster is found as kubectl finds it: KUBECONFIG when set, else ~/.kube/config, else the pod's service account.
Environment (flags win): ${NAMESPACE_ENV} (--namespace), ${GUARD_JOB_ENV} (--job), ${GUARD_POD_ENV} (--pod).
Every line goes to stderr. Exit codes: 0 done (or nothing to do), 1 the guard could not do its work ("error: ..."), 2 bad input.`;

interface CommonOptions {
  namespace?: string;
  release?: string;
  name: string;
  fullname?: string;
  timeout: string;
}

function withCommon(command: Command): Command {
  return command
    .option('-n, --namespace <namespace>', `namespace of the release (default: $${NAMESPACE_ENV})`)
    .option('--release <release>', 'the release name (its Jobs carry app.kubernetes.io/instance=<release>)')
    .addOption(new Option('--name <name>', 'the chart name label (app.kubernetes.io/name; nameOverride)').default(CHART_NAME))
    .option('--fullname <fullname>', 'the release fullname: the marker is ConfigMap <fullname>-scale-guard (default: from --release and --name, as the chart names it)')
    .addOption(new Option('--timeout <seconds>', 'the bound of the whole command').default(String(DEFAULT_GUARD_TIMEOUT)))
    .addHelpText('after', ENVIRONMENT_HELP);
}

function check(value: string | undefined, flag: string, pattern: RegExp, what: string, problems: string[]): string {
  if (value === undefined || value === '') {
    problems.push(`${flag}: missing: give ${what}`);
    return '';
  }
  if (!pattern.test(value)) problems.push(`${flag}: ${JSON.stringify(sanitizeLine(value))} is not ${what}`);
  return value;
}

interface Resolved {
  readonly namespace: string;
  readonly target: { chartName: string; release: string; fullname: string };
  readonly timeoutSeconds: number;
}

function resolveCommon(o: CommonOptions, env: NodeJS.ProcessEnv, problems: string[]): Resolved {
  const namespace = check(o.namespace ?? env[NAMESPACE_ENV], '--namespace', DNS_LABEL, `a namespace name (or set $${NAMESPACE_ENV})`, problems);
  const release = check(o.release, '--release', RELEASE, 'a release name (lowercase letters, digits, "-" and ".")', problems);
  if (release.length > 53) problems.push('--release: longer than 53 characters (Helm refuses such a release)');
  const chartName = check(o.name, '--name', DNS_LABEL, 'a chart name of at most 63 lowercase letters, digits and "-"', problems);
  const fullname = o.fullname !== undefined ? check(o.fullname, '--fullname', DNS_LABEL, 'a name of at most 63 lowercase letters, digits and "-"', problems) : fullName(release, o.name, '');
  const timeoutText = o.timeout.trim();
  const timeoutSeconds = Number(timeoutText);
  if (!/^\d+$/.test(timeoutText) || timeoutSeconds < 1 || timeoutSeconds > 3600) problems.push(`--timeout: ${JSON.stringify(sanitizeLine(o.timeout))} is not a whole number of seconds from 1 to 3600`);
  return { namespace, target: { chartName, release, fullname }, timeoutSeconds };
}

/**
 * Runs a guard body against the cluster within the timeout: rejects with the
 * timeout's line when the API (or anything else) does not finish in time.
 */
async function withCluster(r: Resolved, io: CliIo, body: (api: import('./kube').GuardApi) => Promise<void>): Promise<void> {
  const { GuardFailure, kubernetesApi } = require('./kube') as typeof import('./kube');
  const controller = new AbortController();
  const api = kubernetesApi(r.namespace, io.env, controller.signal, r.timeoutSeconds);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Aborting makes the pending request fail with its own line; this one is for a body that ignores the abort.
      controller.abort();
      timer = setTimeout(() => reject(new GuardFailure(`the Kubernetes API at ${api.server} did not answer within ${r.timeoutSeconds} s (--timeout)`)), 500);
      timer.unref();
    }, r.timeoutSeconds * 1000);
    timer.unref();
  });
  try {
    await Promise.race([body(api), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Adds `guard` and its commands to a commander program. Their actions throw on failure (runCliAsync turns that into the exit code). */
export function registerGuardCommands(program: Command, io: CliIo): Command {
  const guard = program
    .command('guard')
    .description('the scale guard: record the Infrahub replicas before a backup or restore scales them down, clear the record after success, restore them when a run was killed midway')
    .addHelpText('after', ENVIRONMENT_HELP);
  const log = (line: string): void => io.stderr(`${sanitizeLine(line)}\n`);

  withCommon(
    guard
      .command('record')
      .description('record the replicas of every workload the backup tool scales in ConfigMap <fullname>-scale-guard (repairing first from a marker a killed run left)')
      .addOption(new Option('--for <operation>', 'the run about to start').choices(['backup', 'restore']))
      .option('--job <job>', `the Job of this run (default: $${GUARD_JOB_ENV})`)
      .option('--pod <pod>', `the pod of this run (default: $${GUARD_POD_ENV})`)
      .option('--start-file <file>', "write the run's start (RFC 3339, UTC) to this file first, for s3 latest --newer-than @FILE"),
  ).action(async (o: CommonOptions & { for?: 'backup' | 'restore'; job?: string; pod?: string; startFile?: string }) => {
    const problems: string[] = [];
    const r = resolveCommon(o, io.env, problems);
    if (!o.for) problems.push('--for: missing: give backup or restore');
    const job = check(o.job ?? io.env[GUARD_JOB_ENV], '--job', DNS_LABEL, `a Job name (or set $${GUARD_JOB_ENV})`, problems);
    const pod = check(o.pod ?? io.env[GUARD_POD_ENV], '--pod', DNS_SUBDOMAIN, `a pod name (or set $${GUARD_POD_ENV})`, problems);
    // Loaded only when asked: the S3 client stays out of the guard's start.
    const files = o.startFile !== undefined ? (require('../s3/latest') as typeof import('../s3/latest')) : undefined;
    if (o.startFile !== undefined) {
      try {
        files!.checkOutputPath(o.startFile);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        problems.push(...e.lines.map((line) => line.replace(/^--output/, '--start-file')));
      }
    }
    if (problems.length > 0) throw new InputError(problems);
    if (o.startFile !== undefined) {
      try {
        files!.writeFileAtomically(o.startFile, new Date().toISOString());
      } catch (e) {
        const { GuardFailure } = require('./kube') as typeof import('./kube');
        throw new GuardFailure(`cannot write ${o.startFile}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    const { record } = require('./guard') as typeof import('./guard');
    await withCluster(r, io, (api) => record(api, r.target, r.namespace, { operation: o.for!, job, pod }, log));
  });

  withCommon(
    guard
      .command('clear')
      .description("after a successful run: raise anything left below its recorded count, then delete this Job's ConfigMap <fullname>-scale-guard")
      .option('--job <job>', `the Job of this run (default: $${GUARD_JOB_ENV})`),
  ).action(async (o: CommonOptions & { job?: string }) => {
    const problems: string[] = [];
    const r = resolveCommon(o, io.env, problems);
    const job = check(o.job ?? io.env[GUARD_JOB_ENV], '--job', DNS_LABEL, `a Job name (or set $${GUARD_JOB_ENV})`, problems);
    if (problems.length > 0) throw new InputError(problems);
    const { clear } = require('./guard') as typeof import('./guard');
    await withCluster(r, io, (api) => clear(api, r.target, r.namespace, { job }, log));
  });

  withCommon(
    guard
      .command('repair')
      .description('when ConfigMap <fullname>-scale-guard is left and no backup or restore of the release runs: restore the recorded replicas (never lower, nothing unrecorded), one line and one Event each, then delete it'),
  ).action(async (o: CommonOptions) => {
    const problems: string[] = [];
    const r = resolveCommon(o, io.env, problems);
    if (problems.length > 0) throw new InputError(problems);
    const { repair } = require('./guard') as typeof import('./guard');
    await withCluster(r, io, (api) => repair(api, r.target, r.namespace, log));
  });
  return guard;
}
