import { scheduleProblem } from '../../src/model/schedule';
import { VALID_SCHEDULES } from '../support/schedules';

describe('scheduleProblem (what the CronJob controller accepts)', () => {
  test.each([...VALID_SCHEDULES, '  0 2 * * *  '])('%p is accepted', (schedule) => {
    expect(scheduleProblem(schedule)).toBeUndefined();
  });

  test.each(['', '   '])('%p is empty', (schedule) => {
    expect(scheduleProblem(schedule)).toBe('is empty: give a cron expression such as "0 2 * * *" or a macro such as @daily');
  });

  test.each(['CRON_TZ=UTC 0 2 * * *', 'TZ=Europe/Paris 0 2 * * *'])('%p carries a time zone', (schedule) => {
    expect(scheduleProblem(schedule)).toBe('must not carry a time zone: set cronJob.timeZone instead');
  });

  test.each(['@reboot', '@every 1h', '@Daily'])('%p is not a Kubernetes macro', (schedule) => {
    expect(scheduleProblem(schedule)).toBe(
      `"${schedule}" is not a macro Kubernetes accepts (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)`,
    );
  });

  test.each([
    ['0 2 * * * *', 6],
    ['0 2 * *', 4],
    ['garbage', 1],
  ])('%p has the wrong number of fields', (schedule, count) => {
    expect(scheduleProblem(schedule)).toBe(
      `"${schedule}" has ${count} fields; Kubernetes takes five: minute hour day-of-month month day-of-week`,
    );
  });

  test.each(['0 2 L * *', '0 2 * * 5L', '0 2 * * 1#2', 'H 2 * * *', '0 2 15W * *'])('%p uses a Quartz/Jenkins extension', (schedule) => {
    expect(scheduleProblem(schedule)).toBe(`"${schedule}" uses L, H or #, which Kubernetes does not accept`);
  });

  test('month and day names are not mistaken for L, H or W', () => {
    // JUL, MAR, THU, WED hold L, H or W.
    expect(scheduleProblem('0 2 * JUL,MAR THU,WED')).toBeUndefined();
  });

  test.each([
    ['61 2 * * *', 'expected range 0-59'],
    ['*/0 * * * *', 'cannot repeat at every 0 time'],
    ['0 2 31 2 *', 'Invalid explicit day of month definition'],
  ])('%p is refused by the parser, with its reason', (schedule, reason) => {
    const problem = scheduleProblem(schedule);
    expect(problem).toContain(`"${schedule}" is not a valid cron expression (`);
    expect(problem).toContain(reason);
  });
});
