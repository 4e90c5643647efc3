import { scheduleProblem } from '../../src/model/schedule';
import { VALID_SCHEDULES } from '../support/schedules';

/**
 * The rules of robfig/cron v3's standard parser (what the Kubernetes API
 * server runs on a CronJob's schedule), plus "never fires".
 */
describe('scheduleProblem (what the Kubernetes API server accepts)', () => {
  test.each([...VALID_SCHEDULES, '*-5 * * * *', '?-x-y * * * *', '1,,2 * * * *', ',5 * * * *', '*/99999 * * * *', '@every 0', '@every -5m', '@every .5h', '@every 1µs'])(
    '%p is accepted',
    (schedule) => {
      expect(scheduleProblem(schedule)).toBeUndefined();
    },
  );

  test('an empty schedule', () => {
    expect(scheduleProblem('')).toBe('is empty: give a cron expression such as "0 2 * * *" or a macro such as @daily');
  });

  test.each(['CRON_TZ=UTC 0 2 * * *', 'TZ=Europe/Paris 0 2 * * *', '0 2 * * TZ'])('%p contains TZ', (schedule) => {
    expect(scheduleProblem(schedule)).toBe('must not contain TZ (Kubernetes refuses TZ= and CRON_TZ= in schedules): set cronJob.timeZone instead');
  });

  test.each([
    '@reboot',
    '@Daily',
    '@every',
    '@every 5',
    '@every 1d',
    '@every  1h',
    '@every 3000000h',
    '0 2 * * * *',
    '0 2 * *',
    'garbage',
    '  0 2 * * *',
    '0 2 * * *\n',
    '0\u00a02 * * *',
    '0\u20282 * * *',
  ])('%p does not have the shape of a schedule', (schedule) => {
    expect(scheduleProblem(schedule)).toBe(
      `"${schedule}" is not a schedule Kubernetes accepts: give five fields (minute hour day-of-month month day-of-week) separated by spaces, or @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>`,
    );
  });

  test.each([
    ['0 0 * * 7', 'day-of-week', '7'],
    ['0 0 * * 0-7', 'day-of-week', '0-7'],
    ['0 0 * * 5L', 'day-of-week', '5L'],
    ['0 0 L * *', 'day-of-month', 'L'],
    ['0 0 15W * *', 'day-of-month', '15W'],
    ['5-1 * * * *', 'minute', '5-1'],
    ['*/0 * * * *', 'minute', '*/0'],
    ['1-2-3 * * * *', 'minute', '1-2-3'],
    ['1/2/3 * * * *', 'minute', '1/2/3'],
    ['-1 * * * *', 'minute', '-1'],
    ['1- * * * *', 'minute', '1-'],
    ['60 * * * *', 'minute', '60'],
    ['0 24 * * *', 'hour', '24'],
    ['0 0 0 * *', 'day-of-month', '0'],
    ['0 0 * 0 *', 'month', '0'],
    ['0 0 * JANUARY *', 'month', 'JANUARY'],
    ['0 0 * * MONDAY', 'day-of-week', 'MONDAY'],
    ['MON 0 * * *', 'minute', 'MON'],
    ['*/x * * * *', 'minute', '*/x'],
    ['*/JAN 0 * * *', 'minute', '*/JAN'],
    ['0 0 * */JAN *', 'month', '*/JAN'],
    ['99999999999999999999 0 * * *', 'minute', '99999999999999999999'],
    ['*/99999999999999999999 0 * * *', 'minute', '*/99999999999999999999'],
  ])('%p: the %s field %p is refused', (schedule, field, text) => {
    expect(scheduleProblem(schedule)).toMatch(new RegExp(`^"${schedule.replace(/[*?+]/g, '\\$&')}": the ${field} field "${text.replace(/[*?+]/g, '\\$&')}" is not valid; it takes `));
  });

  test.each(['0 0 31 2 *', '0 0 30 2 *', '0 0 31 4,6,9,11 *', '0 0 30-31 2 *', '0 0 31 2 ?', '0 0 31 2 */1', ', 0 * * *', '0 , * * *', '0 0 * , *', '0 0 , * *-1'])(
    '%p never fires',
    (schedule) => {
      expect(scheduleProblem(schedule)).toBe(`"${schedule}" never fires: none of its months has that day of the month`);
    },
  );

  test.each(['0 0 31 2 1', '0 0 31 2 */2', '0 0 , * 1', '0 0 31 2,3 *'])('%p fires (a restricted day of week is ORed with the day of month)', (schedule) => {
    expect(scheduleProblem(schedule)).toBeUndefined();
  });
});
