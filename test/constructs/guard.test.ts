/**
 * The scale guard in the rendered objects (docs/scale-guard.md): the pods'
 * container order (record, the image as the last init container, then the
 * proof of the upload and clear), the variables the guard reads, and the
 * guard CronJob.
 */
import { guardCronJobOf, KubeObject, mergeDocs, MODES, only, podSpecOf, podTemplateOf, S3_BACKUP, synthObjects, workloadOf } from '../support/synth';

const names = (containers: KubeObject[] | undefined): string[] => (containers ?? []).map((c) => c.name);
const pod = (values: Record<string, unknown>): KubeObject => podSpecOf(workloadOf(synthObjects(values)));
const RELEASE_ARGS = ['--release', 'infrahub-backup', '--name', 'infrahub-backup', '--fullname', 'infrahub-backup'];

describe("the pods' container order", () => {
  test.each<[string, Record<string, unknown>, string[], string[]]>([
    ['one-shot backup to S3', MODES['one-shot backup to S3'], ['preflight', 'guard-record', 'backup'], ['prove']],
    ['scheduled backup to S3', MODES['scheduled backup to S3'], ['preflight', 'guard-record', 'backup'], ['prove']],
    ['backup to S3 without preflight', mergeDocs(S3_BACKUP, { companion: { preflight: false } }), ['guard-record', 'backup'], ['prove']],
    ['local backup', MODES['one-shot local backup without persistence'], ['guard-record', 'backup'], ['guard-clear']],
    ['local backup with persistence', MODES['one-shot local backup with persistence'], ['guard-record', 'backup'], ['guard-clear']],
    ['restore by key', MODES['restore by key'], ['preflight', 'guard-record', 'restore'], ['guard-clear']],
    ['restore latest', MODES['restore latest'], ['find-latest', 'guard-record', 'restore'], ['guard-clear']],
    ['local restore', MODES['restore from local storage'], ['guard-record', 'restore'], ['guard-clear']],
    ['scheduled restore', MODES['scheduled restore'], ['find-latest', 'guard-record', 'restore'], ['guard-clear']],
  ])('%s: init containers %j, then %j', (_name, values, init, containers) => {
    const spec = pod(values);
    expect(names(spec.initContainers)).toEqual(init);
    expect(names(spec.containers)).toEqual(containers);
  });

  test.each(Object.entries(MODES))('%s with guard.enabled=false: the image is the pod\'s only container', (_name, values) => {
    const spec = pod(mergeDocs(values, { guard: { enabled: false } }));
    expect(names(spec.containers)).toHaveLength(1);
    expect(['backup', 'restore']).toContain(spec.containers[0].name);
    expect(names(spec.initContainers)).not.toContain('guard-record');
    expect(guardCronJobOf(synthObjects(mergeDocs(values, { guard: { enabled: false } })))).toBeUndefined();
  });
});

describe('the guard containers', () => {
  const s3 = pod(S3_BACKUP);
  const record = s3.initContainers.find((c: KubeObject) => c.name === 'guard-record');
  const prove = s3.containers[0];

  test('record writes the run start for the proof; --for names the operation', () => {
    expect(record.args).toEqual(['guard', 'record', '--for', 'backup', '--start-file', '/run/infrahub-backup/run-start', ...RELEASE_ARGS]);
    expect(record.volumeMounts).toContainEqual({ name: 'handoff', mountPath: '/run/infrahub-backup' });
    const restore = pod(MODES['restore by key']).initContainers.find((c: KubeObject) => c.name === 'guard-record');
    expect(restore.args).toEqual(['guard', 'record', '--for', 'restore', ...RELEASE_ARGS]);
  });

  test('the proof: a restorable archive uploaded since the start, then guard clear; one process, in order', () => {
    expect(prove.command).toEqual([
      '/bin/sh',
      '-c',
      'infrahub-backup-cdk8s s3 latest --accept-unproven --newer-than @/run/infrahub-backup/run-start && exec infrahub-backup-cdk8s guard "$@"',
      'prove',
    ]);
    expect(prove.args).toEqual(['clear', ...RELEASE_ARGS]);
    expect(prove.volumeMounts).toContainEqual({ name: 'handoff', mountPath: '/run/infrahub-backup', readOnly: true });
  });

  test('local storage: no S3 check, guard clear alone', () => {
    const clear = pod(MODES['one-shot local backup without persistence']).containers[0];
    expect(clear.command).toBeUndefined();
    expect(clear.args).toEqual(['guard', 'clear', ...RELEASE_ARGS]);
    expect(clear.env.map((e: KubeObject) => e.name)).not.toContain('INFRAHUB_S3_BUCKET');
  });

  test('the variables the guard reads, from the downward API', () => {
    for (const c of [record, prove]) {
      const env = Object.fromEntries(c.env.map((e: KubeObject) => [e.name, e]));
      expect(env.INFRAHUB_K8S_NAMESPACE.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
      expect(env.INFRAHUB_BACKUP_JOB_NAME.valueFrom).toEqual({ fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } });
      expect(env.INFRAHUB_BACKUP_POD_NAME.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    }
  });

  test('the proof pings the heartbeat URL when one is named', () => {
    const withHeartbeat = pod(mergeDocs(S3_BACKUP, { monitoring: { heartbeat: { secretName: 'heartbeat' } } })).containers[0];
    expect(withHeartbeat.env.map((e: KubeObject) => e.name)).toEqual(expect.arrayContaining(['INFRAHUB_BACKUP_HEARTBEAT_URL', 'INFRAHUB_BACKUP_HEARTBEAT_MAX_AGE']));
    expect(prove.env.map((e: KubeObject) => e.name)).not.toContain('INFRAHUB_BACKUP_HEARTBEAT_URL');
  });

  test('the pod mounts the ServiceAccount token the guard uses', () => {
    expect(s3.automountServiceAccountToken).toBe(true);
  });
});

describe('the guard CronJob', () => {
  const objects = synthObjects(S3_BACKUP);
  const cron = guardCronJobOf(objects)!;
  const template = podTemplateOf(cron);

  test('guard repair every 5 minutes, never overlapping, never retried, bounded', () => {
    expect(cron.metadata.name).toBe('infrahub-backup-guard');
    expect(cron.spec).toMatchObject({ schedule: '*/5 * * * *', concurrencyPolicy: 'Forbid', suspend: false });
    expect(cron.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 300 });
    expect(template.spec.containers.map((c: KubeObject) => c.args)).toEqual([['guard', 'repair', ...RELEASE_ARGS]]);
    expect(template.spec.automountServiceAccountToken).toBe(true);
    expect(template.metadata.labels['app.kubernetes.io/component']).toBe('guard');
  });

  test('suspended with the other CronJobs (cronJob.suspend)', () => {
    expect(guardCronJobOf(synthObjects(mergeDocs(S3_BACKUP, { cronJob: { suspend: true } })))!.spec.suspend).toBe(true);
  });

  test('the NetworkPolicy selects its pods (it needs the API server)', () => {
    const policy = only(synthObjects(mergeDocs(S3_BACKUP, { networkPolicy: { enabled: true, apiServer: { cidrs: ['10.0.0.1/32'] } } })), 'NetworkPolicy');
    expect(policy.spec.podSelector.matchExpressions[0].values).toContain('guard');
  });

  test('not rendered without a backup or a restore', () => {
    expect(synthObjects({ guard: { enabled: true } })).toEqual([]);
  });
});
