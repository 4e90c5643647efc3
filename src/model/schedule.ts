/**
 * Cron schedules as Kubernetes accepts them. The values schema already holds
 * them to CRON_SCHEDULE_PATTERN; cron-parser checks what a pattern cannot.
 */
import { CronExpressionParser } from 'cron-parser';

/** The part of luxon's settings (cron-parser's date library) used here. */
interface LuxonSettings {
  defaultLocale: string | null;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const luxonSettings = (require('luxon') as { Settings: LuxonSettings }).Settings;

/**
 * Parses with a fixed locale: unset, luxon asks Intl for the system locale on
 * the first date it makes, which costs more than the parse. A locale does not
 * change what a parse accepts; luxon's previous setting is put back.
 */
function parseCron(expression: string): void {
  const previous = luxonSettings.defaultLocale;
  luxonSettings.defaultLocale = 'en-US';
  try {
    CronExpressionParser.parse(expression, { strict: false });
  } finally {
    luxonSettings.defaultLocale = previous;
  }
}

/** The macros the CronJob controller accepts, with the expression each stands for. */
const KUBERNETES_MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/**
 * Why a schedule would be refused by Kubernetes, or undefined when it is fine:
 * five fields (minute hour day-of-month month day-of-week) or a macro.
 */
export function scheduleProblem(schedule: string): string | undefined {
  const trimmed = schedule.trim();
  if (trimmed === '') return 'is empty: give a cron expression such as "0 2 * * *" or a macro such as @daily';
  if (/^(CRON_)?TZ=/.test(trimmed)) return 'must not carry a time zone: set cronJob.timeZone instead';
  const expression = trimmed.startsWith('@') ? KUBERNETES_MACROS[trimmed] : trimmed;
  if (expression === undefined) {
    return `"${schedule}" is not a macro Kubernetes accepts (${Object.keys(KUBERNETES_MACROS).join(', ')})`;
  }
  const fields = expression.split(/\s+/);
  if (fields.length !== 5) {
    return `"${schedule}" has ${fields.length} fields; Kubernetes takes five: minute hour day-of-month month day-of-week`;
  }
  const withoutNames = expression.toUpperCase().replace(/JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT/g, '');
  if (/[LH#W]/.test(withoutNames)) {
    return `"${schedule}" uses L, H or #, which Kubernetes does not accept`;
  }
  try {
    parseCron(expression);
  } catch (e) {
    return `"${schedule}" is not a valid cron expression (${(e as Error).message})`;
  }
  return undefined;
}
