/**
 * The operator's settings of the plugin's trust boundary, read from the
 * sidecar's own environment. An Application cannot set them: Argo CD passes
 * its `plugin.env` entries prefixed with `ARGOCD_ENV_`, so
 * `ARGOCD_ENV_INFRAHUB_BACKUP_APP_MODE` is never read as the switch.
 */
import { InputError } from '../input-error';

/** Sidecar variable that lets the plugin run cdk8s apps from the repository (`enabled`). */
export const APP_MODE_ENV = 'INFRAHUB_BACKUP_APP_MODE';

/** Sidecar variable bounding a cdk8s app's run (Go duration: `60s`, `1m30s`). */
export const APP_TIMEOUT_ENV = 'INFRAHUB_BACKUP_APP_TIMEOUT';

/** Sidecar variable listing the cluster-scoped kinds an app may produce (comma-separated, e.g. `ClusterRole,ClusterRoleBinding`). */
export const CLUSTER_KINDS_ENV = 'INFRAHUB_BACKUP_ALLOW_CLUSTER_KINDS';

/** Argo CD's own variable for the time it gives a command (the repo server's and the sidecar's). */
export const ARGOCD_EXEC_TIMEOUT_ENV = 'ARGOCD_EXEC_TIMEOUT';

/** Argo CD's default exec timeout. */
export const ARGOCD_DEFAULT_EXEC_TIMEOUT_MS = 90_000;

/**
 * Time kept between the app's limit and Argo CD's: the plugin's own start,
 * the kill, the cleanup and the reply must fit in it, since Argo CD kills the
 * plugin's process group only, never the app's.
 */
export const TIMEOUT_MARGIN_MS = 15_000;

/** The longest delay a Node.js timer takes (longer ones fire at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The one line a cdk8s app directory fails with while app mode is off. */
export const APP_MODE_DISABLED =
  `app mode is disabled on this sidecar: a cdk8s app runs code from the repository, so only the Argo CD operator can enable it, ` +
  `by setting ${APP_MODE_ENV}=enabled in the environment of the plugin's sidecar container (an Application's plugin.env cannot)`;

/** Whether the operator enabled app mode on the sidecar. */
export function appModeEnabled(env: NodeJS.ProcessEnv): boolean {
  return env[APP_MODE_ENV]?.trim().toLowerCase() === 'enabled';
}

/** Checks the switch's value: anything but unset, `enabled` or `disabled` is a typo worth a line. */
export function checkAppModeSetting(env: NodeJS.ProcessEnv): string | undefined {
  const value = env[APP_MODE_ENV]?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'enabled' || value === 'disabled') return undefined;
  return `${APP_MODE_ENV}: must be enabled or disabled, not "${sanitize(env[APP_MODE_ENV] ?? '')}"`;
}

const UNITS_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Printable, bounded form of an environment value for an error line. */
function sanitize(text: string): string {
  const shown = text.slice(0, 40).replace(/[^\x20-\x7e]/g, '?');
  return text.length > 40 ? `${shown}...` : shown;
}

/**
 * A Go duration (`time.ParseDuration`, the syntax of ARGOCD_EXEC_TIMEOUT) in
 * milliseconds; a bare number is seconds. Undefined when malformed.
 */
export function parseGoDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  if (t.length > 64 || !/^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.test(t)) return undefined;
  let total = 0;
  for (const [, number, unit] of t.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(number) * UNITS_MS[unit];
  return Number.isFinite(total) ? total : undefined;
}

function durationSetting(env: NodeJS.ProcessEnv, name: string, problems: string[]): number | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const ms = parseGoDuration(text);
  if (ms === undefined || ms <= 0) {
    problems.push(`${name}: must be a positive duration such as 60s or 1m30s, not "${sanitize(text)}"`);
    return undefined;
  }
  return ms;
}

/** Formats milliseconds the way the settings are written. */
export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * How long a cdk8s app may run: INFRAHUB_BACKUP_APP_TIMEOUT, else Argo CD's
 * exec timeout (ARGOCD_EXEC_TIMEOUT, default 90 s) less TIMEOUT_MARGIN_MS; a
 * setting not below Argo CD's timeout is refused, since Argo CD would then
 * kill the plugin first and leave the app running.
 *
 * @throws InputError for a malformed or too long setting
 */
export function appTimeoutMs(env: NodeJS.ProcessEnv): number {
  const problems: string[] = [];
  const exec = durationSetting(env, ARGOCD_EXEC_TIMEOUT_ENV, problems) ?? ARGOCD_DEFAULT_EXEC_TIMEOUT_MS;
  const own = durationSetting(env, APP_TIMEOUT_ENV, problems);
  if (problems.length > 0) throw new InputError(problems);
  if (own === undefined) return Math.min(Math.max(exec - TIMEOUT_MARGIN_MS, Math.min(exec / 2, 5_000)), MAX_TIMER_MS);
  if (own >= exec) {
    throw new InputError([
      `${APP_TIMEOUT_ENV}: ${formatDuration(own)} is not below Argo CD's exec timeout ${formatDuration(exec)} (${ARGOCD_EXEC_TIMEOUT_ENV}); ` +
        `choose at most ${formatDuration(Math.max(exec - TIMEOUT_MARGIN_MS, 1000))}`,
    ]);
  }
  return Math.min(own, MAX_TIMER_MS);
}

/** The cluster-scoped kinds the operator lets apps produce. */
export function allowedClusterKinds(env: NodeJS.ProcessEnv): Set<string> {
  return new Set((env[CLUSTER_KINDS_ENV] ?? '').split(',').map((k) => k.trim()).filter((k) => k !== ''));
}

/** Sidecar variable naming the custom kinds known to be namespaced (comma-separated `group/Kind`, e.g. `external-secrets.io/ExternalSecret`). */
export const NAMESPACED_KINDS_ENV = 'INFRAHUB_BACKUP_NAMESPACED_KINDS';

/**
 * The `group/Kind`s the operator declares namespaced, besides the built-in
 * ones: an app may deploy them into the destination namespace. A bare kind
 * is refused: another API group may have a cluster-scoped kind of that name.
 *
 * @throws InputError one line per malformed entry
 */
export function namespacedKinds(env: NodeJS.ProcessEnv): Set<string> {
  const entries = (env[NAMESPACED_KINDS_ENV] ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
  const problems = entries
    .filter((k) => !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?\/[A-Za-z][A-Za-z0-9]*$/.test(k))
    .map((k) => `${NAMESPACED_KINDS_ENV}: "${sanitize(k)}" must be an API group and a kind, such as external-secrets.io/ExternalSecret`);
  if (problems.length > 0) throw new InputError(problems);
  return new Set(entries);
}
