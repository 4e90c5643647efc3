/** Schedules the CronJob controller accepts: five fields, names, ranges, lists, steps and every macro. */
export const VALID_SCHEDULES = [
  '0 2 * * *',
  '*/5 * * * *',
  '*/15 * * * *',
  '0 0 1,15 * *',
  '0 2 1-5 * *',
  '0 2 * * 7',
  '0 2 * JAN MON',
  '0 2 * jan-mar mon-fri',
  '30 1 1,15 * SUN',
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
];
