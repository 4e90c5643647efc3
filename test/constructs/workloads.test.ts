/**
 * Job and CronJob controls: what the values set, and what a restore never
 * allows (retries, TTL deletion, overlapping runs).
 */
import { jobSpecOf, KubeObject, mergeDocs, MODES, podTemplateOf, S3_BACKUP, S3_RESTORE, synthObjects, TestValues, workloadOf } from '../support/synth';

const SCHEDULED_BACKUP = MODES['scheduled backup to S3'];
const SCHEDULED_RESTORE = MODES['scheduled restore'];
const workload = (values: TestValues): KubeObject => workloadOf(synthObjects(values));

const CRON_SETTINGS = {
  cronJob: { timeZone: 'Europe/Paris', concurrencyPolicy: 'Replace', successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 10, startingDeadlineSeconds: 120, suspend: true },
};
/** What CRON_SETTINGS gives a CronJob spec, but its concurrencyPolicy. */
const { concurrencyPolicy: _policy, ...CRON_SPEC } = CRON_SETTINGS.cronJob;
const JOB_SETTINGS = { job: { backoffLimit: 4, ttlSecondsAfterFinished: 600, activeDeadlineSeconds: 10800 } };

describe('backup CronJob', () => {
  test('defaults: Forbid, not suspended, 3 and 3 kept, no time zone, no deadline', () => {
    const cron = workload(SCHEDULED_BACKUP);
    expect(cron.apiVersion).toBe('batch/v1');
    expect(cron.spec).toMatchObject({ schedule: '30 1 * * *', concurrencyPolicy: 'Forbid', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3 });
    expect(cron.spec.timeZone).toBeUndefined();
    expect(cron.spec.startingDeadlineSeconds).toBeUndefined();
  });

  test('the default schedule is 0 2 * * *', () => {
    expect(workload(mergeDocs(S3_BACKUP, { backup: { mode: 'cronjob' } })).spec.schedule).toBe('0 2 * * *');
  });

  test('every cronJob setting reaches the spec', () => {
    const cron = workload(mergeDocs(SCHEDULED_BACKUP, CRON_SETTINGS, { backup: { schedule: '@hourly' } }));
    expect(cron.spec).toMatchObject({ ...CRON_SPEC, schedule: '@hourly', concurrencyPolicy: 'Replace' });
  });

  test('zero history limits are kept, not dropped', () => {
    const cron = workload(mergeDocs(SCHEDULED_BACKUP, { cronJob: { successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 0, startingDeadlineSeconds: 0 } }));
    expect(cron.spec).toMatchObject({ successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 0, startingDeadlineSeconds: 0 });
  });

  test('the Job template takes backoffLimit and activeDeadlineSeconds, but no TTL (the CronJob keeps history itself)', () => {
    const job = jobSpecOf(workload(mergeDocs(SCHEDULED_BACKUP, JOB_SETTINGS)));
    expect(job.backoffLimit).toBe(4);
    expect(job.activeDeadlineSeconds).toBe(10800);
    expect(job.ttlSecondsAfterFinished).toBeUndefined();
  });

  test('the Job template carries the backup labels', () => {
    const cron = workload(SCHEDULED_BACKUP);
    expect(cron.spec.jobTemplate.metadata.labels).toEqual(cron.metadata.labels);
    expect(cron.spec.jobTemplate.metadata.labels['app.kubernetes.io/component']).toBe('backup');
    expect(podTemplateOf(cron).metadata.labels['app.kubernetes.io/component']).toBe('backup');
  });
});

describe('restore CronJob', () => {
  test('is always Forbid, whatever cronJob.concurrencyPolicy says', () => {
    for (const concurrencyPolicy of ['Forbid', 'Replace', 'Allow']) {
      expect(workload(mergeDocs(SCHEDULED_RESTORE, { cronJob: { concurrencyPolicy } })).spec.concurrencyPolicy).toBe('Forbid');
    }
  });

  test('takes the other cronJob settings and its own schedule', () => {
    const cron = workload(mergeDocs(SCHEDULED_RESTORE, CRON_SETTINGS, { restore: { schedule: '0 5 * * 6' } }));
    expect(cron.spec).toMatchObject({ ...CRON_SPEC, schedule: '0 5 * * 6', concurrencyPolicy: 'Forbid' });
  });

  test('its Jobs are never retried and have no TTL, even when job.* says otherwise', () => {
    const job = jobSpecOf(workload(mergeDocs(SCHEDULED_RESTORE, JOB_SETTINGS)));
    expect(job.backoffLimit).toBe(0);
    expect(job.ttlSecondsAfterFinished).toBeUndefined();
    expect(job.activeDeadlineSeconds).toBe(10800);
  });

  test('restore schedule default is 0 4 * * *, separate from the backup schedule', () => {
    expect(workload(mergeDocs(SCHEDULED_RESTORE, { backup: { schedule: '@daily' } })).spec.schedule).toBe('0 4 * * *');
  });
});

describe('backup Job', () => {
  test('defaults: no retry, no TTL, a deadline of 6 hours', () => {
    const job = workload(S3_BACKUP);
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(job.spec.activeDeadlineSeconds).toBe(21600);
  });

  test('job.backoffLimit, ttlSecondsAfterFinished and activeDeadlineSeconds reach the spec', () => {
    expect(workload(mergeDocs(S3_BACKUP, JOB_SETTINGS)).spec).toMatchObject({ backoffLimit: 4, ttlSecondsAfterFinished: 600, activeDeadlineSeconds: 10800 });
  });

  test('a zero TTL is kept (delete at once), not dropped', () => {
    expect(workload(mergeDocs(S3_BACKUP, { job: { ttlSecondsAfterFinished: 0 } })).spec.ttlSecondsAfterFinished).toBe(0);
  });

  test('cronJob settings do not leak into a Job', () => {
    const job = workload(mergeDocs(S3_BACKUP, CRON_SETTINGS));
    expect(Object.keys(job.spec).sort()).toEqual(['activeDeadlineSeconds', 'backoffLimit', 'template']);
  });
});

describe('restore Job', () => {
  test.each<[string, TestValues]>([
    ['by key', S3_RESTORE],
    ['latest', MODES['restore latest']],
    ['local', MODES['restore from local storage']],
  ])('%s: backoffLimit 0 and no TTL even when job.* sets them', (_name, values) => {
    const job = workload(mergeDocs(values, JOB_SETTINGS));
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(job.spec.activeDeadlineSeconds).toBe(10800);
    expect(podTemplateOf(job).spec.restartPolicy).toBe('Never');
  });

  test('defaults: backoffLimit 0, the deadline and the template', () => {
    expect(Object.keys(workload(S3_RESTORE).spec).sort()).toEqual(['activeDeadlineSeconds', 'backoffLimit', 'template']);
  });
});
