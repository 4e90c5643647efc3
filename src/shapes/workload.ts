/**
 * Metadata, Job and CronJob shapes (src/constructs/workload.ts).
 */
import { arg, call, merge, omitEmpty, omitNull, shape, val } from './expr';

/** Labels of an object: the common labels and its component. */
export const labels = shape('labels', 'Labels of an object', ['component'], merge({ 'app.kubernetes.io/component': arg('component') }, val('common')));

/** Metadata of an object. */
export const metadata = shape('metadata', 'Metadata of an object', ['name', 'component'], {
  name: arg('name'),
  namespace: val('namespace'),
  labels: call(labels, { component: arg('component') }),
});

/** A Job spec running the pod template once; a null control is left out. */
export const jobSpec = shape('jobSpec', 'A Job spec', ['template', 'backoffLimit', 'activeDeadlineSeconds', 'ttlSecondsAfterFinished'], {
  backoffLimit: arg('backoffLimit'),
  template: arg('template'),
  activeDeadlineSeconds: omitNull(arg('activeDeadlineSeconds')),
  ttlSecondsAfterFinished: omitNull(arg('ttlSecondsAfterFinished')),
});

/** A CronJob spec running the Job spec on a schedule, with the `cronJob.*` values. */
export const cronJobSpec = shape('cronJobSpec', 'A CronJob spec', ['schedule', 'concurrencyPolicy', 'job', 'labels'], {
  schedule: arg('schedule'),
  concurrencyPolicy: arg('concurrencyPolicy'),
  suspend: val('v.cronJob.suspend'),
  jobTemplate: { metadata: { labels: arg('labels') }, spec: arg('job') },
  successfulJobsHistoryLimit: omitNull(val('v.cronJob.successfulJobsHistoryLimit')),
  failedJobsHistoryLimit: omitNull(val('v.cronJob.failedJobsHistoryLimit')),
  timeZone: omitEmpty(val('v.cronJob.timeZone')),
  startingDeadlineSeconds: omitNull(val('v.cronJob.startingDeadlineSeconds')),
});

const JOB_ARGS = ['name', 'component', 'template', 'backoffLimit', 'activeDeadlineSeconds'] as const;

/** A Job object. */
export const jobObject = shape('jobObject', 'A Job', [...JOB_ARGS, 'ttlSecondsAfterFinished'], {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: call(metadata, { name: arg('name'), component: arg('component') }),
  spec: call(jobSpec, {
    template: arg('template'),
    backoffLimit: arg('backoffLimit'),
    activeDeadlineSeconds: arg('activeDeadlineSeconds'),
    ttlSecondsAfterFinished: arg('ttlSecondsAfterFinished'),
  }),
});

/** A CronJob object: the Job's controls, never a TTL. */
export const cronJobObject = shape('cronJobObject', 'A CronJob', [...JOB_ARGS, 'schedule', 'concurrencyPolicy'], {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: call(metadata, { name: arg('name'), component: arg('component') }),
  spec: call(cronJobSpec, {
    schedule: arg('schedule'),
    concurrencyPolicy: arg('concurrencyPolicy'),
    labels: call(labels, { component: arg('component') }),
    job: call(jobSpec, { template: arg('template'), backoffLimit: arg('backoffLimit'), activeDeadlineSeconds: arg('activeDeadlineSeconds') }),
  }),
});
