import { formatProblem, ValuesError, ValuesProblem } from '../../src/model/errors';
import { Values } from '../../src/model/merge';
import { resolveValues } from '../../src/model/resolve';
import type { RenderContext } from '../../src/model/types';
import { PROBLEMS } from '../../src/model/messages';
import { VALUES_SPEC } from '../../src/model/spec';
import { fieldAt, StringField } from '../../src/model/spec-types';
import fc from 'fast-check';
import { setPath } from '../../src/model/merge';
import { walkFields } from '../../src/model/spec-types';
import { VALID_SCHEDULES } from '../support/schedules';
import { SIX_PROBLEMS as SIX } from '../support/synth';

const CONTEXT: RenderContext = { release: 'infrahub-backup', namespace: 'infrahub' };

/** The ValuesError that resolveValues throws for these values. */
function valuesErrorOf(values: unknown, context: RenderContext = CONTEXT): ValuesError {
  try {
    resolveValues(values as Values, context);
  } catch (e) {
    if (e instanceof ValuesError) return e;
    throw e;
  }
  throw new Error(`expected a ValuesError for ${JSON.stringify(values)}`);
}

function problemsOf(values: unknown, context: RenderContext = CONTEXT): ValuesProblem[] {
  return valuesErrorOf(values, context).problems;
}

/** The single problem reported for these values. */
function onlyProblem(values: unknown, context: RenderContext = CONTEXT): ValuesProblem {
  const problems = problemsOf(values, context);
  if (problems.length !== 1) throw new Error(`expected one problem, got ${problems.length}:\n${problems.map(formatProblem).join('\n')}`);
  return problems[0];
}

const S3_BACKUP = { enabled: true, storage: { s3: { bucket: 'backups' } } };
const S3_RESTORE = { enabled: true, storage: { s3: { bucket: 'backups', key: 'infrahub_backup_20260101_020000.tar.gz' } } };

const ROOT_KEYS = [
  'enabled', 'global', 'nameOverride', 'fullnameOverride', 'serviceAccount', 'rbac', 'backup', 'restore', 'guard', 'companion', 'neo4j', 'image',
  'imagePullSecrets', 'logFormat', 'resources', 'scratch', 'nodeSelector', 'tolerations', 'affinity', 'priorityClassName',
  'podAnnotations', 'podLabels', 'podSecurityContext', 'securityContext', 'extraEnv', 'extraVolumes', 'extraVolumeMounts',
  'cronJob', 'job', 'monitoring', 'networkPolicy',
];

describe('valid values', () => {
  test('empty values resolve', () => {
    expect(() => resolveValues({}, CONTEXT)).not.toThrow();
  });

  test('a minimal S3 backup and a minimal S3 restore resolve', () => {
    expect(resolveValues({ backup: S3_BACKUP }, CONTEXT).backup.storage.s3.bucket).toBe('backups');
    expect(resolveValues({ restore: S3_RESTORE }, CONTEXT).restore.storage.s3.key).toBe('infrahub_backup_20260101_020000.tar.gz');
  });

  test('a restore of the latest archive resolves', () => {
    const resolved = resolveValues({ restore: { enabled: true, storage: { s3: { bucket: 'backups', latest: true } } } }, CONTEXT);
    expect(resolved.restore.storage.s3.latest).toBe(true);
    expect(resolved.restore.storage.s3.key).toBe('');
  });

  test('the user values are not modified', () => {
    const user = { backup: { enabled: true, storage: { s3: { bucket: 'backups' } } }, restore: { s3: { region: 'eu-west-1' } } };
    const copy = structuredClone(user);
    resolveValues(user, CONTEXT);
    expect(user).toEqual(copy);
  });

  test('the resolved tree has every key, without aliases, global or enabled', () => {
    const resolved = resolveValues({ enabled: true, global: { x: 1 }, restore: { s3: { region: 'eu-west-1' } } }, CONTEXT) as unknown as Values;
    expect(resolved).not.toHaveProperty('global');
    expect(resolved).not.toHaveProperty('enabled');
    expect(resolved).not.toHaveProperty(['restore', 's3']);
    expect(resolved).not.toHaveProperty(['backup', 'storage', 'local', 'path']);
    expect(resolved).toHaveProperty(['backup', 'storage', 'local', 'persistence', 'accessModes'], ['ReadWriteOnce']);
    expect(resolved).toHaveProperty(['job', 'ttlSecondsAfterFinished'], null);
    expect(resolved).toHaveProperty(['cronJob', 'startingDeadlineSeconds'], null);
  });

  test('a user null removes a default and the leaf is filled with its empty value where that is valid', () => {
    const resolved = resolveValues(
      { resources: { limits: null }, image: { tag: null }, job: { ttlSecondsAfterFinished: null }, companion: { preflight: null }, backup: { options: { sleep: null } } },
      CONTEXT,
    );
    expect(resolved.resources.limits).toEqual({});
    expect(resolved.image.tag).toBe('');
    expect(resolved.job.ttlSecondsAfterFinished).toBeNull();
    expect(resolved.companion.preflight).toBe(false);
    expect(resolved.backup.options.sleep).toBe('');
  });

  test.each([
    ['backup.mode', { backup: { mode: null } }, '"job"'],
    ['backup.schedule', { backup: { schedule: null } }, '"0 2 * * *"'],
    ['image.repository', { image: { repository: null } }, '"registry.opsmill.io/opsmill/infrahub-backup"'],
    ['backup.retention.keepLast', { backup: { retention: { keepLast: null } } }, '7'],
    ['job.backoffLimit', { job: { backoffLimit: null } }, '0'],
    ['backup.storage.path', { backup: { storage: { path: null } } }, '"/infrahub_backups"'],
    ['backup.storage.s3.accessKeyIdKey', { backup: { storage: { s3: { accessKeyIdKey: null } } } }, '"AWS_ACCESS_KEY_ID"'],
    ['cronJob.concurrencyPolicy', { cronJob: { concurrencyPolicy: null } }, '"Forbid"'],
    ['backup.options.neo4jMetadata', { backup: { options: { neo4jMetadata: null } } }, '"all"'],
    ['backup.storage.local.persistence.accessModes', { backup: { storage: { local: { persistence: { accessModes: null } } } } }, '["ReadWriteOnce"]'],
  ])('a null %s, which cannot be empty, is refused naming its default', (path, values, def) => {
    expect(onlyProblem(values)).toEqual({
      path,
      message: `is null, and this setting cannot be empty: remove the line to keep the default (${def}), or give a value`,
    });
  });

  test('a null section is refused', () => {
    expect(onlyProblem({ backup: null })).toEqual({
      path: 'backup',
      message: 'is null, which would remove all of its settings: remove the line to keep the defaults, or set the keys inside it',
    });
  });

  test('a null inside a security context removes that setting (OpenShift assigns the user), and a map it empties goes too', () => {
    const resolved = resolveValues({ podSecurityContext: { runAsUser: null, seccompProfile: { type: null }, fsGroupChangePolicy: null } }, CONTEXT);
    expect(resolved.podSecurityContext).toEqual({ runAsNonRoot: true, runAsGroup: 1000, fsGroup: 1000 });
  });

  test('resource quantities may be numbers', () => {
    expect(resolveValues({ resources: { requests: { cpu: 1 } } }, CONTEXT).resources.requests).toEqual({ cpu: 1, memory: '256Mi' });
  });
});

describe('the document itself', () => {
  test.each([
    ['a list', []],
    ['a string', 'backup'],
    ['null', null],
  ])('values that are %s are rejected', (_name, values) => {
    expect(problemsOf(values)).toEqual([{ path: '', message: 'values must be a map of keys' }]);
  });
});

describe('cross-field rules', () => {
  test('backup and restore both enabled', () => {
    expect(onlyProblem({ backup: S3_BACKUP, restore: S3_RESTORE })).toEqual({
      path: 'restore.enabled',
      message:
        'backup.enabled and restore.enabled are both true; they are mutually exclusive: deploy backups and restores from separate releases, or disable one',
    });
  });

  test('restore key and latest both set', () => {
    const p = onlyProblem({ restore: { enabled: true, storage: { s3: { bucket: 'backups', key: 'a.tar.gz', latest: true } } } });
    expect(p.path).toBe('restore.storage.s3.key');
    expect(p.message).toBe('and restore.storage.s3.latest are both set: name one archive (key) or restore the newest (latest), not both');
  });

  test('restore with neither key nor latest', () => {
    const p = onlyProblem({ restore: { enabled: true, storage: { s3: { bucket: 'backups' } } } });
    expect(p.path).toBe('restore.storage.s3.key');
    expect(p.message).toBe(
      'is required for a restore from S3: give the object key of the archive, or set restore.storage.s3.latest=true',
    );
  });

  test('a disabled restore is not checked', () => {
    expect(() => resolveValues({ restore: { storage: { s3: { key: 'a', latest: true } } } }, CONTEXT)).not.toThrow();
  });

  test('a scheduled restore from local storage', () => {
    const p = onlyProblem({ restore: { enabled: true, mode: 'cronjob', storage: { type: 'local' } } });
    expect(p).toEqual({
      path: 'restore.storage.type',
      message: 'a scheduled restore (restore.mode=cronjob) needs s3 storage: set restore.storage.type=s3',
    });
  });

  test('a one-shot restore from local storage is fine', () => {
    expect(() => resolveValues({ restore: { enabled: true, storage: { type: 'local' } } }, CONTEXT)).not.toThrow();
  });

  test('an S3 backup without a bucket', () => {
    expect(onlyProblem({ backup: { enabled: true, storage: { type: 's3' } } })).toEqual({
      path: 'backup.storage.s3.bucket',
      message: 'is required when backup.storage.type is s3: name the bucket, or set backup.storage.type=local',
    });
  });

  test('without a storage type, a backup goes to S3 when a bucket is named, and is refused without one (the archive would vanish with the pod)', () => {
    expect(onlyProblem({ backup: { enabled: true } })).toEqual({ path: 'backup.storage.type', message: PROBLEMS.backupStorageUnset.text });
    expect(resolveValues({}, CONTEXT).backup.storage.type).toBe('local');
    expect(resolveValues({ backup: S3_BACKUP }, CONTEXT).backup.storage.type).toBe('s3');
    expect(resolveValues({ backup: { enabled: true, storage: { type: 'local', s3: { bucket: 'backups' } } } }, CONTEXT).backup.storage.type).toBe('local');
  });

  test('a local backup needs no bucket', () => {
    expect(() => resolveValues({ backup: { enabled: true, storage: { type: 'local' } } }, CONTEXT)).not.toThrow();
  });

  test('an S3 restore without a bucket', () => {
    expect(onlyProblem({ restore: { enabled: true, storage: { s3: { latest: true } } } })).toEqual({
      path: 'restore.storage.s3.bucket',
      message: 'is required for a restore from S3: name the bucket holding the archive',
    });
  });

  test('a scheduled local backup without persistence is accepted (the docs say its archives are lost with the pod)', () => {
    const values = { backup: { enabled: true, mode: 'cronjob', storage: { type: 'local' } } };
    expect(resolveValues(values, CONTEXT).backup.storage.local.persistence.enabled).toBe(false);
  });

  test('a scheduled local backup with persistence is fine', () => {
    const values = { backup: { enabled: true, mode: 'cronjob', storage: { type: 'local', local: { persistence: { enabled: true } } } } };
    expect(() => resolveValues(values, CONTEXT)).not.toThrow();
  });

  test('a one-shot local backup without persistence is fine', () => {
    expect(() => resolveValues({ backup: { enabled: true, storage: { type: 'local' } } }, CONTEXT)).not.toThrow();
  });
});

describe('cron schedules', () => {
  const scheduledBackup = (schedule: string) => ({ backup: { ...S3_BACKUP, mode: 'cronjob', schedule } });

  // Refused by the JSON Schema's short shape pattern (so `helm` refuses them too).
  test.each([
    ['six fields', '0 2 * * * *'],
    ['four fields', '0 2 * *'],
    ['#', '0 2 * * 1#2'],
    ['a CRON_TZ= prefix', 'CRON_TZ=UTC 0 2 * * *'],
    ['a line break', '0 2 * * *\n'],
    ['a no-break space between fields', '0\u00a02 * * *'],
    ['an empty schedule', ''],
    ['a blank schedule', '   '],
  ])('a backup schedule with %s is refused by the schema', (_name, schedule) => {
    const p = onlyProblem(scheduledBackup(schedule));
    expect(p.path).toBe('backup.schedule');
    expect(p.message).toContain('is not valid');
    expect(p.message).toContain('five fields (minute hour day-of-month month day-of-week');
  });

  // Well-shaped, but refused by the API server's parser (robfig/cron v3), or never firing.
  test.each([
    ['L', '0 2 L * *', 'the day-of-month field "L" is not valid'],
    ['H', 'H 2 * * *', 'the minute field "H" is not valid'],
    ['W', '0 2 15W * *', 'the day-of-month field "15W" is not valid'],
    ['an out-of-range minute', '61 2 * * *', 'the minute field "61" is not valid'],
    ['an out-of-range hour', '0 24 * * *', 'the hour field "24" is not valid'],
    ['an out-of-range month', '0 2 * 13 *', 'the month field "13" is not valid'],
    ['day of week 7', '0 2 * * 7', 'the day-of-week field "7" is not valid; it takes 0-6 or SUN-SAT (7 is not Sunday)'],
    ['day of week 0-7', '0 2 * * 0-7', 'the day-of-week field "0-7" is not valid'],
    ['an unknown month name', '0 2 * JANUARY *', 'the month field "JANUARY" is not valid'],
    ['a step of zero', '*/0 * * * *', 'the minute field "*/0" is not valid'],
    ['a reversed range', '5-1 * * * *', 'the minute field "5-1" is not valid'],
    ['an unknown macro', '@reboot', 'is not a schedule Kubernetes accepts'],
    ['a day that does not exist', '0 2 31 2 *', 'never fires'],
    ['an empty minute list', ', 2 * * *', 'never fires'],
  ])('a backup schedule with %s is refused', (_name, schedule, reason) => {
    const p = onlyProblem(scheduledBackup(schedule));
    expect(p.path).toBe('backup.schedule');
    expect(p.message).toContain(`"${schedule}"`);
    expect(p.message).toContain(reason);
  });

  test('TZ anywhere is refused (the API server refuses it in new CronJobs)', () => {
    expect(onlyProblem(scheduledBackup('0 2 * * TZ')).message).toContain('set cronJob.timeZone instead');
  });

  test.each(VALID_SCHEDULES)('the backup schedule %p is accepted', (schedule) => {
    expect(resolveValues(scheduledBackup(schedule), CONTEXT).backup.schedule).toBe(schedule);
  });

  test('a restore schedule is checked under its own path', () => {
    const values = { restore: { enabled: true, mode: 'cronjob', schedule: '0 4 * * * *', storage: { s3: { bucket: 'backups', latest: true } } } };
    const p = onlyProblem(values);
    expect(p.path).toBe('restore.schedule');
    expect(p.message).toContain('"0 4 * * * *" is not valid');
  });

  test('a never-firing restore schedule is checked under its own path', () => {
    const values = { restore: { enabled: true, mode: 'cronjob', schedule: '0 4 31 2 *', storage: { s3: { bucket: 'backups', latest: true } } } };
    const p = onlyProblem(values);
    expect(p.path).toBe('restore.schedule');
    expect(p.message).toBe('"0 4 31 2 *" never fires: none of its months has that day of the month');
  });

  test('retention and verification schedules are checked when their CronJobs are deployed', () => {
    const values = { backup: { ...S3_BACKUP, retention: { enabled: true, schedule: '0 0 * * 7' }, verification: { enabled: true, schedule: '0 0 30 2 *' } } };
    expect(problemsOf(values).map((p) => p.path)).toEqual(['backup.retention.schedule', 'backup.verification.schedule']);
  });

  test('a valid schedule with an impossible date is only checked when the CronJob is deployed', () => {
    expect(() => resolveValues({ backup: { ...S3_BACKUP, schedule: '0 2 31 2 *' } }, CONTEXT)).not.toThrow();
    expect(() => resolveValues({ backup: { mode: 'cronjob', schedule: '0 2 31 2 *' } }, CONTEXT)).not.toThrow();
  });
});

describe('time zones', () => {
  test.each(['Mars/Olympus', 'Europe/Pariss', 'europe/paris', 'Local', 'A'.repeat(65)])('%p is refused by the zone list', (zone) => {
    const p = onlyProblem({ cronJob: { timeZone: zone } });
    expect(p).toEqual({
      path: 'cronJob.timeZone',
      message: `"${zone}" is not a time zone Kubernetes knows; it must be an IANA time zone name such as UTC or Europe/Paris`,
    });
  });

  test.each(['TZ=UTC', 'CRON_TZ=UTC', 'Europe/ Paris', '../etc/passwd'])('%p is refused by the pattern', (zone) => {
    const p = onlyProblem({ cronJob: { timeZone: zone } });
    expect(p.path).toBe('cronJob.timeZone');
    expect(p.message).toContain('IANA time zone');
  });

  test('every zone Kubernetes knows has the shape the schema checks', () => {
    const field = fieldAt(VALUES_SPEC, 'cronJob.timeZone') as StringField;
    const shape = new RegExp(field.pattern!, 'u');
    expect(field.knownValues!.length).toBeGreaterThan(500);
    expect(field.knownValues!.filter((z) => !shape.test(z))).toEqual([]);
  });

  test('the message does not list every time zone', () => {
    expect(onlyProblem({ cronJob: { timeZone: 'Mars/Olympus' } }).message.length).toBeLessThan(200);
  });

  test.each(['Europe/Paris', 'UTC', 'America/New_York', 'Asia/Tokyo', 'Etc/GMT+5', 'America/Argentina/Buenos_Aires', ''])('%p is accepted', (zone) => {
    expect(resolveValues({ cronJob: { timeZone: zone } }, CONTEXT).cronJob.timeZone).toBe(zone);
  });
});

describe('enums', () => {
  test('an unknown neo4jMetadata lists the allowed values', () => {
    expect(onlyProblem({ backup: { options: { neo4jMetadata: 'some' } } })).toEqual({
      path: 'backup.options.neo4jMetadata',
      message: 'string "some" is not allowed; use one of: all, none, users, roles',
    });
  });

  test.each([
    ['backup.mode', { backup: { mode: 'daily' } }, 'use one of: job, cronjob'],
    ['restore.mode', { restore: { mode: 'once' } }, 'use one of: job, cronjob'],
    ['backup.storage.type', { backup: { storage: { type: 'gcs' } } }, 'use one of: "" (empty), s3, local'],
    ['restore.storage.type', { restore: { storage: { type: 'gcs' } } }, 'use one of: s3, local'],
    ['image.pullPolicy', { image: { pullPolicy: 'always' } }, 'use one of: Always, IfNotPresent, Never'],
    ['logFormat', { logFormat: 'yaml' }, 'use one of: text, json'],
    ['cronJob.concurrencyPolicy', { cronJob: { concurrencyPolicy: 'forbid' } }, 'use one of: Forbid, Replace, Allow'],
  ])('%s lists its allowed values', (path, values, allowed) => {
    const p = onlyProblem(values);
    expect(p.path).toBe(path);
    expect(p.message).toContain('is not allowed; ');
    expect(p.message).toContain(allowed);
  });

  test('an unknown list item names its index', () => {
    const p = onlyProblem({ backup: { storage: { local: { persistence: { accessModes: ['ReadWriteOnce', 'RWO'] } } } } });
    expect(p.path).toBe('backup.storage.local.persistence.accessModes[1]');
    expect(p.message).toBe('string "RWO" is not allowed; use one of: ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod');
  });
});

describe('unknown keys', () => {
  test('at the root, the message lists the root keys', () => {
    const p = onlyProblem({ bakup: { enabled: true } });
    expect(p.path).toBe('bakup');
    expect(p.message).toBe(`unknown key; check its spelling (known keys here: ${ROOT_KEYS.join(', ')})`);
  });

  test('one level down', () => {
    expect(onlyProblem({ backup: { strage: {} } })).toEqual({
      path: 'backup.strage',
      message: 'unknown key; check its spelling (known keys here: enabled, id, mode, schedule, storage, options, encryption, retention, objectLock, verification)',
    });
  });

  test('deep in the tree', () => {
    expect(onlyProblem({ backup: { storage: { s3: { buckets: 'backups' } } } })).toEqual({
      path: 'backup.storage.s3.buckets',
      message:
        'unknown key; check its spelling (known keys here: bucket, prefix, endpoint, region, secretName, accessKeyIdKey, secretAccessKeyKey, sessionTokenKey, copy)',
    });
  });

  test('deepest object level', () => {
    const p = onlyProblem({ backup: { storage: { local: { persistence: { sise: '10Gi' } } } } });
    expect(p.path).toBe('backup.storage.local.persistence.sise');
    expect(p.message).toBe('unknown key; check its spelling (known keys here: enabled, existingClaim, size, storageClassName, accessModes)');
  });

  test('under the restore.s3 alias, the message lists the alias keys', () => {
    expect(onlyProblem({ restore: { s3: { buckt: 'backups' } } })).toEqual({
      path: 'restore.s3.buckt',
      message: 'unknown key; check its spelling (known keys here: bucket, key, endpoint, region, secretName)',
    });
  });

  test('a canonical key that the alias does not carry is unknown under the alias', () => {
    const p = onlyProblem({ restore: { s3: { latest: true } } });
    expect(p.path).toBe('restore.s3.latest');
    expect(p.message).toContain('unknown key');
  });

  test('maps of strings accept any key', () => {
    expect(() => resolveValues({ podLabels: { team: 'infra' }, nodeSelector: { 'kubernetes.io/os': 'linux' } }, CONTEXT)).not.toThrow();
  });

  test('Kubernetes objects are passed through without checking their keys', () => {
    expect(() => resolveValues({ affinity: { anything: { goes: true } }, podSecurityContext: { fsGroupChangePolicy: 'OnRootMismatch' } }, CONTEXT)).not.toThrow();
  });
});

describe('plaintext credentials', () => {
  test.each([
    ['backup.storage.s3', 'accessKey'],
    ['backup.storage.s3', 'secretKey'],
    ['backup.storage.s3', 'secretAccessKey'],
    ['backup.storage.s3', 'access_key'],
    ['backup.storage.s3', 'sessionToken'],
    ['backup.storage.s3', 'password'],
    ['backup.storage.s3', 'AWS_SECRET_ACCESS_KEY'],
    ['restore.storage.s3', 'secretAccessKey'],
    ['restore.storage.s3', 'credentials'],
    ['neo4j', 'password'],
    ['neo4j', 'pass'],
  ])('%s.%s is refused and secretName is named', (parent, key) => {
    const values: Values = {};
    let node = values;
    for (const part of parent.split('.')) node = node[part] = {} as Values;
    node[key] = 'hunter2';
    expect(onlyProblem(values)).toEqual({
      path: `${parent}.${key}`,
      message: `credentials are not accepted in values: store them in a Kubernetes Secret and set ${parent}.secretName`,
    });
  });

  test('under the restore.s3 alias the alias secretName is named', () => {
    expect(onlyProblem({ restore: { s3: { accessKey: 'AKIA' } } })).toEqual({
      path: 'restore.s3.accessKey',
      message: 'credentials are not accepted in values: store them in a Kubernetes Secret and set restore.s3.secretName',
    });
  });

  test('where there is no secretName, the message says to reference a Secret', () => {
    expect(onlyProblem({ password: 'hunter2' })).toEqual({
      path: 'password',
      message: 'credentials are not accepted in values: store them in a Kubernetes Secret and reference a Secret',
    });
  });

  test('the credential value is never echoed', () => {
    const error = valuesErrorOf({ backup: { storage: { s3: { secretKey: 'wJalrXUtnFEMI' } } } });
    expect(error.message).not.toContain('wJalrXUtnFEMI');
  });
});

describe('types', () => {
  test.each([
    ['a string where a boolean is expected', { backup: { enabled: 'true' } }, 'backup.enabled', 'must be boolean, not string "true"'],
    ['a number where a boolean is expected', { rbac: { create: 1 } }, 'rbac.create', 'must be boolean, not number 1'],
    ['a string where an integer is expected', { job: { backoffLimit: 'three' } }, 'job.backoffLimit', 'must be integer, not string "three"'],
    ['a fraction where an integer is expected', { job: { backoffLimit: 1.5 } }, 'job.backoffLimit', 'must be integer, not number 1.5'],
    ['a string for a nullable integer', { job: { ttlSecondsAfterFinished: '1h' } }, 'job.ttlSecondsAfterFinished', 'must be integer or null, not string "1h"'],
    ['a number where a string is expected', { backup: { storage: { s3: { bucket: 42 } } } }, 'backup.storage.s3.bucket', 'must be string, not number 42'],
    ['a string where a map is expected', { backup: 'yes' }, 'backup', 'must be object, not string "yes"'],
    ['a list where a map is expected', { serviceAccount: [] }, 'serviceAccount', 'must be object, not a list'],
    ['a map where a list is expected', { imagePullSecrets: { name: 'regcred' } }, 'imagePullSecrets', 'must be array, not a map'],
    ['a string where a list is expected', { tolerations: 'none' }, 'tolerations', 'must be array, not string "none"'],
    ['a number in a map of strings', { podLabels: { version: 2 } }, 'podLabels.version', 'must be string, not number 2'],
    ['a map in a list of strings', { backup: { options: { extraArgs: [{ a: 1 }] } } }, 'backup.options.extraArgs[0]', 'must be string, not a map'],
    ['a list for a Kubernetes object', { affinity: [] }, 'affinity', 'must be object, not a list'],
    ['a null alias leaf', { backup: { storage: { local: { path: null } } } }, 'backup.storage.local.path', 'must be string, not null'],
  ])('%s', (_name, values, path, message) => {
    expect(onlyProblem(values)).toEqual({ path, message });
  });

  test('a list item without a required key', () => {
    expect(onlyProblem({ imagePullSecrets: [{ name: 'ok' }, { secret: 'regcred' }] })).toEqual({
      path: 'imagePullSecrets[1]',
      message: 'needs the key "name"',
    });
  });

  test('a volume mount without name and mountPath reports both keys', () => {
    const problems = problemsOf({ extraVolumeMounts: [{}] });
    expect(problems).toEqual([
      { path: 'extraVolumeMounts[0]', message: 'needs the key "name"' },
      { path: 'extraVolumeMounts[0]', message: 'needs the key "mountPath"' },
    ]);
  });

  test.each([
    [{ job: { backoffLimit: -1 } }, 'job.backoffLimit', 'number -1 is too small; it must be at least 0'],
    [{ job: { activeDeadlineSeconds: 0 } }, 'job.activeDeadlineSeconds', 'number 0 is too small; it must be at least 1'],
    [{ cronJob: { failedJobsHistoryLimit: -3 } }, 'cronJob.failedJobsHistoryLimit', 'number -3 is too small; it must be at least 0'],
  ])('minimum: %j', (values, path, message) => {
    expect(onlyProblem(values)).toEqual({ path, message });
  });
});

describe('patterns', () => {
  test.each([
    ['a Secret name with uppercase and "_"', { backup: { storage: { s3: { secretName: 'My_Secret' } } } }, 'backup.storage.s3.secretName', 'string "My_Secret" is not valid; it must be a Kubernetes Secret name (lowercase letters, digits, "-" and ".")'],
    ['a Secret name with a trailing "-"', { neo4j: { secretName: 'neo4j-' } }, 'neo4j.secretName', 'it must be a Kubernetes Secret name'],
    ['an encryption Secret name', { backup: { encryption: { secretName: 'Keys' } } }, 'backup.encryption.secretName', 'it must be a Kubernetes Secret name'],
    ['a Secret data key with "/"', { neo4j: { passwordKey: 'a/b' } }, 'neo4j.passwordKey', 'string "a/b" is not valid; it must be a Secret data key (letters, digits, "-", "_" and ".")'],
    ['a bucket with a space', { backup: { storage: { s3: { bucket: 'my bucket' } } } }, 'backup.storage.s3.bucket', 'string "my bucket" is not valid; it must be an S3 bucket name (3 to 255 letters, digits, dots, hyphens or underscores, starting and ending with a letter or digit)'],
    ['a bucket starting with "-"', { restore: { storage: { s3: { bucket: '-backups' } } } }, 'restore.storage.s3.bucket', 'it must be an S3 bucket name'],
    ['a one-character bucket', { backup: { storage: { s3: { bucket: 'b' } } } }, 'backup.storage.s3.bucket', '3 to 255 letters'],
    ['a two-character bucket (the S3 commands refuse it too)', { backup: { storage: { s3: { bucket: 'bk' } } } }, 'backup.storage.s3.bucket', '3 to 255 letters'],
    ['an endpoint without a scheme', { backup: { storage: { s3: { endpoint: 'minio:9000' } } } }, 'backup.storage.s3.endpoint', 'string "minio:9000" is not valid; it must be a URL that starts with http:// or https://'],
    ['an ftp endpoint', { restore: { storage: { s3: { endpoint: 'ftp://minio' } } } }, 'restore.storage.s3.endpoint', 'it must be a URL that starts with http:// or https://'],
    ['a prefix with a leading "/"', { backup: { storage: { s3: { prefix: '/infrahub' } } } }, 'backup.storage.s3.prefix', 'string "/infrahub" is not valid; it must be a key prefix without a leading or trailing "/"'],
    ['a prefix with a trailing "/"', { backup: { storage: { s3: { prefix: 'infrahub/' } } } }, 'backup.storage.s3.prefix', 'it must be a key prefix without a leading or trailing "/"'],
    ['a restore prefix with a trailing "/"', { restore: { storage: { s3: { prefix: 'a/b/' } } } }, 'restore.storage.s3.prefix', 'without a leading or trailing "/"'],
    ['a restore key with a leading "/"', { restore: { storage: { s3: { key: '/a.tar.gz' } } } }, 'restore.storage.s3.key', 'it must be an object key without a leading "/"'],
    ['a short image digest', { image: { digest: 'sha256:abc' } }, 'image.digest', 'string "sha256:abc" is not valid; it must be sha256: followed by 64 hexadecimal digits'],
    ['a digest without algorithm', { image: { digest: 'a'.repeat(64) } }, 'image.digest', 'sha256: followed by 64 hexadecimal digits'],
    ['an image tag with ":"', { image: { tag: 'v1:2' } }, 'image.tag', 'it must be an image tag'],
    ['an uppercase repository', { image: { repository: 'Registry/infrahub-backup' } }, 'image.repository', 'it must be an image repository'],
    ['a relative backup path', { backup: { storage: { path: 'backups' } } }, 'backup.storage.path', 'string "backups" is not valid; it must be an absolute path'],
    ['a local file name with "/"', { restore: { storage: { local: { filename: 'a/b.tar.gz' } } } }, 'restore.storage.local.filename', 'it must be a file name without "/"'],
    ['a size without a unit suffix that Kubernetes knows', { backup: { storage: { local: { persistence: { size: '20GB' } } } } }, 'backup.storage.local.persistence.size', 'it must be a quantity such as 20Gi'],
    ['a scratch size with a space', { scratch: { sizeLimit: '20 Gi' } }, 'scratch.sizeLimit', 'it must be a quantity such as 20Gi'],
    ['a sleep that is not a Go duration', { backup: { options: { sleep: '3 minutes' } } }, 'backup.options.sleep', 'it must be a Go duration such as "90s", "3m" or "1h30m"'],
    ['an uppercase nameOverride', { nameOverride: 'Backup' }, 'nameOverride', 'it must be a DNS label (lowercase letters, digits and "-")'],
    ['a fullnameOverride with "."', { fullnameOverride: 'a.b' }, 'fullnameOverride', 'it must be a DNS label'],
    ['a ServiceAccount name', { serviceAccount: { name: 'Backup' } }, 'serviceAccount.name', 'it must be a ServiceAccount name'],
    ['a claim name', { backup: { storage: { local: { persistence: { existingClaim: 'Claim' } } } } }, 'backup.storage.local.persistence.existingClaim', 'it must be a PersistentVolumeClaim name'],
    ['an empty image repository', { image: { repository: '' } }, 'image.repository', 'string "" is not valid; it must be an image repository'],
    ['an empty backup directory', { backup: { storage: { path: '' } } }, 'backup.storage.path', 'string "" is not valid; it must be an absolute path'],
    ['an empty Secret data key', { neo4j: { passwordKey: '' } }, 'neo4j.passwordKey', 'string "" is not valid; it must be a Secret data key'],
    ['a region with uppercase', { backup: { storage: { s3: { region: 'EU-WEST-1' } } } }, 'backup.storage.s3.region', 'it must be a region name such as us-east-1'],
  ])('%s', (_name, values, path, message) => {
    const p = onlyProblem(values);
    expect(p.path).toBe(path);
    expect(p.message).toContain(message);
  });

  test.each([
    ['backup.storage.s3.endpoint', { backup: { storage: { s3: { endpoint: 'https://s3.example.com' } } } }],
    ['backup.storage.s3.endpoint (http with port and path)', { backup: { storage: { s3: { endpoint: 'http://minio.minio.svc:9000/base' } } } }],
    ['backup.storage.s3.prefix', { backup: { storage: { s3: { prefix: 'prod/infrahub' } } } }],
    ['backup.storage.s3.bucket', { backup: { storage: { s3: { bucket: 'my.bucket_name-1' } } } }],
    ['image.digest', { image: { digest: `sha256:${'0123456789abcdef'.repeat(4)}` } }],
    ['backup.options.sleep', { backup: { options: { sleep: '1h30m' } } }],
    ['empty optional strings', { backup: { options: { sleep: '' }, storage: { s3: { endpoint: '', prefix: '' } } }, scratch: { sizeLimit: '' } }],
    // Documented as "empty for none / no limit / the default tag", although their defaults are not empty.
    ['empty backup.options.sleep', { backup: { options: { sleep: '' } } }],
    ['empty restore.options.sleep', { restore: { options: { sleep: '' } } }],
    ['empty scratch.sizeLimit', { scratch: { sizeLimit: '' } }],
    ['empty image.tag', { image: { tag: '' } }],
  ])('a valid %s is accepted', (_name, values) => {
    expect(() => resolveValues(values, CONTEXT)).not.toThrow();
  });
});

describe('lengths', () => {
  test('a fullnameOverride of 64 characters', () => {
    expect(onlyProblem({ fullnameOverride: 'a'.repeat(64) })).toEqual({
      path: 'fullnameOverride',
      message: 'is 64 characters long; at most 63 are allowed',
    });
  });

  test('a fullnameOverride of 63 characters is accepted', () => {
    expect(resolveValues({ fullnameOverride: 'a'.repeat(63) }, CONTEXT).fullnameOverride).toHaveLength(63);
  });

  test('a restore key longer than 1024 characters', () => {
    const p = onlyProblem({ restore: { storage: { s3: { key: 'k'.repeat(1025) } } } });
    expect(p).toEqual({ path: 'restore.storage.s3.key', message: 'is 1025 characters long; at most 1024 are allowed' });
  });
});

describe('release name and namespace', () => {
  const releaseMessage = (release: string) =>
    `"${release}" is not a valid release name: use at most 53 lowercase letters, digits, "-" and "."`;

  test.each(['MyRelease', 'a'.repeat(54), 'release_1', '-release', 'release-', ''])('the release name %p is rejected', (release) => {
    expect(onlyProblem({}, { release, namespace: 'infrahub' })).toEqual({ path: 'release', message: releaseMessage(release) });
  });

  test.each(['a'.repeat(53), 'prod', 'infrahub-backup.v2', 'r1'])('the release name %p is accepted', (release) => {
    expect(() => resolveValues({}, { release, namespace: 'infrahub' })).not.toThrow();
  });

  test.each(['Infrahub', 'infra.hub', 'infra_hub', 'n'.repeat(64), ''])('the namespace %p is rejected', (namespace) => {
    expect(onlyProblem({}, { release: 'prod', namespace })).toEqual({
      path: 'namespace',
      message: `"${namespace}" is not a valid namespace: use at most 63 lowercase letters, digits and "-"`,
    });
  });

  test('a namespace of 63 characters is accepted', () => {
    expect(() => resolveValues({}, { release: 'prod', namespace: 'n'.repeat(63) })).not.toThrow();
  });

  test('both a bad release and a bad namespace are reported', () => {
    expect(problemsOf({}, { release: 'Prod', namespace: 'Infra' }).map((p) => p.path)).toEqual(['release', 'namespace']);
  });
});

describe('several problems', () => {
  test('schema problems are reported together, one per line', () => {
    const error = valuesErrorOf({
      foo: 1,
      backup: { enabled: 'yes', storage: { s3: { bucket: '-', endpoint: 'minio' } } },
      image: { digest: 'sha256:1' },
    });
    expect(error.problems.map((p) => p.path)).toEqual([
      'foo',
      'backup.enabled',
      'backup.storage.s3.bucket',
      'backup.storage.s3.endpoint',
      'image.digest',
    ]);
    expect(error.message.split('\n')).toEqual(error.problems.map(formatProblem));
    expect(error.message.split('\n')[1]).toBe('backup.enabled: must be boolean, not string "yes"');
  });

  test('cross-field problems are reported together, one per line', () => {
    const error = valuesErrorOf(
      {
        backup: { enabled: true, mode: 'cronjob', schedule: '0 2 31 2 *', storage: { type: 's3' } },
        restore: { enabled: true, storage: { s3: { key: 'a.tar.gz', latest: true } } },
      },
      { release: 'Prod', namespace: 'infrahub' },
    );
    expect(error.problems.map((p) => p.path)).toEqual([
      'release',
      'restore.enabled',
      'backup.schedule',
      'backup.storage.s3.bucket',
      'restore.storage.s3.bucket',
      'restore.storage.s3.key',
    ]);
    expect(error.message.split('\n')).toHaveLength(6);
    expect(error.message.split('\n')).toEqual(error.problems.map(formatProblem));
  });

  test('cross-field rules are checked in the same run as the schema (#22): the refused mode and the missing bucket', () => {
    const problems = problemsOf({ backup: { enabled: true, mode: 'hourly', storage: { type: 's3' } } });
    expect(problems.map((p) => p.path)).toEqual(['backup.mode', 'backup.storage.s3.bucket']);
  });

  test('identical problems are reported once', () => {
    // Two spellings of one unknown credential key produce the same line.
    const problems = problemsOf({
      'backup.storage.s3.token': 'x',
      backup: { 'storage.s3.token': 'x', storage: { 's3.token': 'x' } },
    });
    expect(problems).toEqual([
      {
        path: 'backup.storage.s3.token',
        message: 'credentials are not accepted in values: store them in a Kubernetes Secret and reference a Secret',
      },
    ]);
  });

  test('every line of the error is distinct', () => {
    const error = valuesErrorOf({ imagePullSecrets: [{}, {}, {}], extraEnv: [{}] });
    const lines = error.message.split('\n');
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines).toEqual([
      'imagePullSecrets[0]: needs the key "name"',
      'imagePullSecrets[1]: needs the key "name"',
      'imagePullSecrets[2]: needs the key "name"',
      'extraEnv[0]: needs the key "name"',
    ]);
  });

  test('the error is a ValuesError named as such', () => {
    const error = valuesErrorOf({ foo: 1 });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ValuesError');
  });
});

describe('formatProblem', () => {
  test('joins path and message', () => {
    expect(formatProblem({ path: 'a.b', message: 'is wrong' })).toBe('a.b: is wrong');
  });

  test('an empty path leaves the message alone', () => {
    expect(formatProblem({ path: '', message: 'values must be a map of keys' })).toBe('values must be a map of keys');
  });
});

describe('every problem of a values document in one run (#22)', () => {

  test('a bad secretName and an unknown key are reported with the four cross-field problems, six lines', () => {
    expect(problemsOf(SIX).map((p) => p.path)).toEqual([
      'backup.schedul',
      'backup.storage.s3.secretName',
      'cronJob.timeZone',
      'restore.enabled',
      'backup.verification.enabled',
      'restore.storage.type',
    ]);
  });

  test('a cross-field problem that involves a refused value is not reported (the value it would be about is unknown)', () => {
    // The bucket is refused by the schema; "an S3 backup without a bucket" would be about the replaced value.
    const problems = problemsOf({ backup: { enabled: true, storage: { type: 's3', s3: { bucket: 7 } } } });
    expect(problems.map((p) => p.path)).toEqual(['backup.storage.s3.bucket']);
  });

  test('a section of the wrong type is reported alone for that section, with the problems elsewhere', () => {
    const problems = problemsOf({ backup: 'yes', cronJob: { timeZone: 'Mars/Olympus' } });
    expect(problems.map((p) => p.path)).toEqual(['backup', 'cronJob.timeZone']);
  });
});

describe('every problem in one run, over drawn documents (#22)', () => {
  const PATHS: string[] = [];
  walkFields(VALUES_SPEC.fields, (path) => PATHS.push(path));
  const junk = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }));

  test('junk at up to six paths of a valid S3 backup: a ValuesError or resolved values, never a crash; each refused path is named once', () => {
    let drawn = 0;
    let refused = 0;
    let withCrossField = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...PATHS), junk), { minLength: 1, maxLength: 6 }), (edits) => {
        drawn++;
        const values: Values = { backup: { enabled: true, mode: 'cronjob', schedule: '0 2 * * *', storage: { s3: { bucket: 'b', secretName: 's' } } } };
        for (const [path, value] of edits) setPath(values, path, value);
        let problems: ValuesProblem[] = [];
        try {
          resolveValues(values, CONTEXT);
        } catch (e) {
          if (!(e instanceof ValuesError)) throw e;
          problems = e.problems;
        }
        if (problems.length > 0) refused++;
        const lines = problems.map(formatProblem);
        expect(new Set(lines).size).toBe(lines.length);
        if (problems.some((p) => !/not valid|not allowed|must be|unknown key|too (small|large)|characters long/.test(p.message))) withCrossField++;
      }),
      { numRuns: 300, seed: 22 },
    );
    process.stderr.write(`one-run validation: ${drawn} documents drawn, ${refused} refused, ${withCrossField} with a problem beyond the schema's\n`);
    expect(refused).toBeGreaterThan(100);
  });
});
