import { ValuesError, ValuesProblem } from '../../src/model/errors';
import { Values } from '../../src/model/merge';
import { resolveValues } from '../../src/model/resolve';
import type { RenderContext } from '../../src/model/types';

const CONTEXT: RenderContext = { release: 'infrahub-backup', namespace: 'infrahub' };

function problemsOf(values: Values): ValuesProblem[] {
  try {
    resolveValues(values, CONTEXT);
  } catch (e) {
    if (e instanceof ValuesError) return e.problems;
    throw e;
  }
  throw new Error(`expected a ValuesError for ${JSON.stringify(values)}`);
}

const KEY = 'infrahub_backup_20260101_020000.tar.gz';

describe('restore.s3 (seed layout) maps onto restore.storage.s3', () => {
  test('every alias key lands on its canonical key', () => {
    const resolved = resolveValues(
      {
        restore: {
          enabled: true,
          s3: { bucket: 'backups', key: KEY, endpoint: 'http://minio.minio.svc:9000', region: 'eu-west-1', secretName: 's3-creds' },
        },
      },
      CONTEXT,
    );
    expect(resolved.restore.storage.s3).toEqual({
      acceptUnproven: false,
      bucket: 'backups',
      prefix: '',
      key: KEY,
      latest: false,
      endpoint: 'http://minio.minio.svc:9000',
      region: 'eu-west-1',
      secretName: 's3-creds',
      accessKeyIdKey: 'AWS_ACCESS_KEY_ID',
      secretAccessKeyKey: 'AWS_SECRET_ACCESS_KEY',
      sessionTokenKey: '',
    });
  });

  test('the alias is gone from the resolved values', () => {
    const resolved = resolveValues({ restore: { s3: { bucket: 'backups' } } }, CONTEXT) as unknown as { restore: Values };
    expect(resolved.restore).not.toHaveProperty('s3');
  });

  test('the alias value wins over an untouched default', () => {
    expect(resolveValues({ restore: { s3: { region: 'eu-west-1' } } }, CONTEXT).restore.storage.s3.region).toBe('eu-west-1');
  });

  test('the alias and canonical spellings can be mixed for different keys', () => {
    const resolved = resolveValues(
      { restore: { enabled: true, s3: { bucket: 'backups' }, storage: { s3: { latest: true, prefix: 'prod' } } } },
      CONTEXT,
    );
    expect(resolved.restore.storage.s3).toMatchObject({ bucket: 'backups', latest: true, prefix: 'prod' });
  });

  test('setting both spellings to the same value is fine', () => {
    const resolved = resolveValues(
      { restore: { enabled: true, s3: { bucket: 'backups', key: KEY }, storage: { s3: { bucket: 'backups', key: KEY } } } },
      CONTEXT,
    );
    expect(resolved.restore.storage.s3.bucket).toBe('backups');
    expect(resolved.restore.storage.s3.key).toBe(KEY);
  });

  test('setting both spellings to different values is rejected, naming both paths', () => {
    const problems = problemsOf({ restore: { s3: { bucket: 'old-bucket' }, storage: { s3: { bucket: 'new-bucket' } } } });
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe('restore.s3.bucket');
    expect(problems[0].message).toContain('"old-bucket"');
    expect(problems[0].message).toContain('restore.storage.s3.bucket');
    expect(problems[0].message).toContain('"new-bucket"');
    expect(problems[0].message).toContain('keep only restore.storage.s3.bucket');
  });

  test('a region that differs from a non-default canonical region is rejected', () => {
    const problems = problemsOf({ restore: { s3: { region: 'eu-west-1' }, storage: { s3: { region: 'eu-west-3' } } } });
    expect(problems.map((p) => p.path)).toEqual(['restore.s3.region']);
    expect(problems[0].message).toContain('restore.storage.s3.region');
  });

  test('every conflicting key is reported', () => {
    const problems = problemsOf({
      restore: {
        s3: { bucket: 'a-bucket', key: 'a.tar.gz', secretName: 'a-creds' },
        storage: { s3: { bucket: 'b-bucket', key: 'b.tar.gz', secretName: 'b-creds' } },
      },
    });
    expect(problems.map((p) => p.path)).toEqual(['restore.s3.bucket', 'restore.s3.key', 'restore.s3.secretName']);
  });

  test('an empty alias value leaves the canonical value alone', () => {
    const resolved = resolveValues({ restore: { s3: { bucket: '' }, storage: { s3: { bucket: 'backups' } } } }, CONTEXT);
    expect(resolved.restore.storage.s3.bucket).toBe('backups');
  });

  test('an alias value is checked against the canonical pattern', () => {
    const problems = problemsOf({ restore: { s3: { endpoint: 'minio:9000' } } });
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe('restore.s3.endpoint');
    expect(problems[0].message).toContain('http:// or https://');
  });

  test('the cross-field rules see the alias values', () => {
    // bucket given through the alias: only the missing key is reported.
    const problems = problemsOf({ restore: { enabled: true, s3: { bucket: 'backups' } } });
    expect(problems.map((p) => p.path)).toEqual(['restore.storage.s3.key']);
  });
});

describe('an alias at its default never blocks the canonical spelling (the umbrella chart supplies restore.s3.region: us-east-1)', () => {
  const UMBRELLA_ALIAS = { bucket: '', key: '', endpoint: '', region: 'us-east-1', secretName: '' };

  test.each(['eu-west-1', 'ap-southeast-2', 'us-west-2', 'us-east-1'])('restore.storage.s3.region %s wins over the alias default', (region) => {
    const resolved = resolveValues(
      { restore: { enabled: true, s3: UMBRELLA_ALIAS, storage: { s3: { bucket: 'backups', key: KEY, region } } } },
      CONTEXT,
    );
    expect(resolved.restore.storage.s3).toMatchObject({ bucket: 'backups', key: KEY, region });
  });

  test('an alias value other than the default still fills the canonical default', () => {
    const resolved = resolveValues({ restore: { enabled: true, s3: { ...UMBRELLA_ALIAS, region: 'eu-central-1', bucket: 'backups', key: KEY } } }, CONTEXT);
    expect(resolved.restore.storage.s3).toMatchObject({ bucket: 'backups', key: KEY, region: 'eu-central-1' });
  });

  test('two different values, neither the default, are still a conflict', () => {
    const problems = problemsOf({ restore: { s3: { ...UMBRELLA_ALIAS, region: 'eu-central-1' }, storage: { s3: { region: 'eu-west-1' } } } });
    expect(problems.map((p) => p.path)).toEqual(['restore.s3.region']);
  });

  test('the backup directory alias at its default leaves a custom directory alone', () => {
    const resolved = resolveValues({ backup: { storage: { path: '/data', local: { path: '/infrahub_backups' } } } }, CONTEXT);
    expect(resolved.backup.storage.path).toBe('/data');
  });
});

describe('backup.storage.local.path (seed layout) maps onto backup.storage.path', () => {
  test('the alias sets the backup directory', () => {
    const resolved = resolveValues({ backup: { storage: { type: 'local', local: { path: '/data/backups' } } } }, CONTEXT);
    expect(resolved.backup.storage.path).toBe('/data/backups');
    expect(resolved.backup.storage.local).not.toHaveProperty('path');
  });

  test('setting both spellings to the same value is fine', () => {
    const resolved = resolveValues({ backup: { storage: { path: '/data', local: { path: '/data' } } } }, CONTEXT);
    expect(resolved.backup.storage.path).toBe('/data');
  });

  test('setting both spellings to different values is rejected, naming both paths', () => {
    const problems = problemsOf({ backup: { storage: { path: '/data', local: { path: '/other' } } } });
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe('backup.storage.local.path');
    expect(problems[0].message).toContain('"/other"');
    expect(problems[0].message).toContain('"/data"');
    expect(problems[0].message).toContain('keep only backup.storage.path');
  });

  test('the alias value wins over the default directory', () => {
    const resolved = resolveValues({ backup: { storage: { path: '/infrahub_backups', local: { path: '/data' } } } }, CONTEXT);
    expect(resolved.backup.storage.path).toBe('/data');
  });

  test('a relative alias path is rejected with the canonical hint', () => {
    const problems = problemsOf({ backup: { storage: { local: { path: 'backups' } } } });
    expect(problems).toEqual([{ path: 'backup.storage.local.path', message: 'string "backups" is not valid; it must be an absolute path' }]);
  });

  test('the alias does not change the restore directory', () => {
    const resolved = resolveValues({ backup: { storage: { local: { path: '/data' } } } }, CONTEXT);
    expect(resolved.restore.storage.path).toBe('/infrahub_backups');
  });
});
