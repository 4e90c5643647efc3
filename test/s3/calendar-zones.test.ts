/**
 * The retention CronJob passes `cronJob.timeZone` to `s3 prune --time-zone`
 * when a calendar rule is on: every zone the renderers accept must be one the
 * calendar (Intl, in the companion's Node.js) knows, or every run would fail.
 */
import { TIME_ZONE_NAMES } from '../../src/model/time-zones.generated';
import { checkTimeZone } from '../../src/s3/calendar';

test('every zone cronJob.timeZone accepts is one prune --time-zone knows, but Factory (a placeholder of tzdata, no place\'s zone)', () => {
  const unknown = TIME_ZONE_NAMES.filter((zone) => {
    try {
      checkTimeZone(zone);
      return false;
    } catch {
      return true;
    }
  });
  console.log(`${TIME_ZONE_NAMES.length} zones checked; unknown to this runtime: ${unknown.join(', ') || 'none'}`);
  expect(unknown.filter((zone) => zone !== 'Factory')).toEqual([]);
});
