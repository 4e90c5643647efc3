/**
 * Object names: Helm-style prefixes, length limits, and the request hashes
 * that keep a one-shot Job stable for the same request (never re-run) and new
 * for a new one.
 */
import fc from 'fast-check';
import { KubeObject, mergeDocs, MODES, namesByKind, S3_BACKUP, S3_RESTORE, synthObjects, TestValues, workloadOf } from '../support/synth';

const jobName = (values: TestValues, release?: string): string => workloadOf(synthObjects(values, release)).metadata.name;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ARCHIVE = 'infrahub_backup_20260101_020000.tar.gz';

describe('restore Job name', () => {
  const base = jobName(S3_RESTORE);

  test('carries the release, the role and an 8-digit hash', () => {
    expect(base).toMatch(/^infrahub-backup-restore-[0-9a-f]{8}$/);
  });

  test('is the same for the same values synthesized twice', () => {
    expect(jobName(structuredClone(S3_RESTORE))).toBe(base);
  });

  test.each<[string, TestValues]>([
    ['resources', { resources: { requests: { cpu: '2', memory: '4Gi' }, limits: { memory: '8Gi' } } }],
    ['nodeSelector', { nodeSelector: { pool: 'batch' } }],
    ['tolerations', { tolerations: [{ key: 'batch', operator: 'Exists' }] }],
    ['podAnnotations and podLabels', { podAnnotations: { a: 'b' }, podLabels: { team: 'x' } }],
    ['logFormat', { logFormat: 'json' }],
    ['image', { image: { tag: '2.4.0', pullPolicy: 'Always' } }],
    ['job controls', { job: { activeDeadlineSeconds: 3600, backoffLimit: 5, ttlSecondsAfterFinished: 60 } }],
    ['the S3 credentials Secret', { restore: { storage: { s3: { secretName: 'rotated-creds', accessKeyIdKey: 'id' } } } }],
    ['the backup side', { backup: { id: 'x', storage: { s3: { bucket: 'elsewhere' } } } }],
    ['extraEnv', { extraEnv: [{ name: 'HTTPS_PROXY', value: 'http://proxy:3128' }] }],
  ])('is stable when %s change', (_what, change) => {
    expect(jobName(mergeDocs(S3_RESTORE, change))).toBe(base);
  });

  test.each<[string, TestValues]>([
    ['restore.id', { restore: { id: 'second-attempt' } }],
    ['the key', { restore: { storage: { s3: { key: `other/${ARCHIVE}` } } } }],
    ['the bucket', { restore: { storage: { s3: { bucket: 'other-bucket' } } } }],
    ['the endpoint', { restore: { storage: { s3: { endpoint: 'http://minio:9000' } } } }],
    ['the prefix', { restore: { storage: { s3: { prefix: 'staging' } } } }],
    ['latest instead of a key', { restore: { storage: { s3: { key: '', latest: true } } } }],
    ['excludeTaskmanager', { restore: { options: { excludeTaskmanager: true } } }],
    ['migrateFormat', { restore: { options: { migrateFormat: true } } }],
    ['resetDeploymentId', { restore: { options: { resetDeploymentId: true } } }],
    ['extraArgs', { restore: { options: { extraArgs: ['--force'] } } }],
    ['the decryption key', { restore: { decryption: { secretName: 'keys' } } }],
    ['the storage type', { restore: { storage: { type: 'local' } } }],
    ['the backup directory', { restore: { storage: { path: '/data' } } }],
  ])('changes when %s changes', (_what, change) => {
    expect(jobName(mergeDocs(S3_RESTORE, change))).not.toBe(base);
  });

  test('local restores: changes with the file name and the claim', () => {
    const local = MODES['restore from local storage'];
    const name = jobName(local);
    expect(jobName(mergeDocs(local, { restore: { storage: { local: { filename: 'other.tar.gz' } } } }))).not.toBe(name);
    expect(jobName(mergeDocs(local, { restore: { storage: { local: { existingClaim: 'archives' } } } }))).not.toBe(name);
    expect(jobName(mergeDocs(local, { restore: { options: { sleep: '1h' } } }))).not.toBe(name);
  });

  test('the seed spelling names the same Job as the canonical one', () => {
    expect(jobName({ restore: { enabled: true, s3: { bucket: 'backups', key: ARCHIVE, secretName: 's3-creds' } } })).toBe(base);
  });
});

describe('backup Job name', () => {
  const base = jobName(S3_BACKUP);

  test('carries the release, the role and an 8-digit hash, stable for the same values', () => {
    expect(base).toMatch(/^infrahub-backup-backup-[0-9a-f]{8}$/);
    expect(jobName(structuredClone(S3_BACKUP))).toBe(base);
  });

  test.each<[string, TestValues]>([
    ['backup.id', { backup: { id: 'before-upgrade' } }],
    ['the bucket', { backup: { storage: { s3: { bucket: 'other-bucket' } } } }],
    ['the prefix', { backup: { storage: { s3: { prefix: 'prod' } } } }],
    ['the endpoint', { backup: { storage: { s3: { endpoint: 'http://minio:9000' } } } }],
    ['the region', { backup: { storage: { s3: { region: 'eu-west-1' } } } }],
    ['the credentials Secret', { backup: { storage: { s3: { secretName: 'other' } } } }],
    ['a credential key name', { backup: { storage: { s3: { sessionTokenKey: 'token' } } } }],
    ['the storage type', { backup: { storage: { type: 'local' } } }],
    ['the backup directory', { backup: { storage: { path: '/data' } } }],
    ['force', { backup: { options: { force: true } } }],
    ['excludeTaskmanager', { backup: { options: { excludeTaskmanager: true } } }],
    ['neo4jMetadata', { backup: { options: { neo4jMetadata: 'users' } } }],
    ['keepLocal', { backup: { options: { keepLocal: true } } }],
    ['extraArgs', { backup: { options: { extraArgs: ['--backend=plakar'] } } }],
    ['the encryption Secret', { backup: { encryption: { secretName: 'keys' } } }],
    ['the encryption key', { backup: { encryption: { key: 'other.pub' } } }],
    ['the image', { image: { tag: '2.4.0' } }],
    ['resources', { resources: { limits: { memory: '2Gi' } } }],
    ['the Neo4j Secret', { neo4j: { secretName: 'neo4j-auth' } }],
    ['extraEnv', { extraEnv: [{ name: 'A', value: 'b' }] }],
    ['job controls', { job: { backoffLimit: 2 } }],
  ])('changes when %s changes', (_what, change) => {
    expect(jobName(mergeDocs(S3_BACKUP, change))).not.toBe(base);
  });

  test('local backups: changes with the sleep and the persistence settings', () => {
    const local = MODES['one-shot local backup without persistence'];
    const name = jobName(local);
    expect(jobName(mergeDocs(local, { backup: { options: { sleep: '10m' } } }))).not.toBe(name);
    const persistent = MODES['one-shot local backup with persistence'];
    const pname = jobName(persistent);
    expect(pname).not.toBe(name);
    expect(jobName(mergeDocs(persistent, { backup: { storage: { local: { persistence: { size: '99Gi' } } } } }))).not.toBe(pname);
    expect(jobName(mergeDocs(persistent, { backup: { storage: { local: { persistence: { existingClaim: 'c' } } } } }))).not.toBe(pname);
  });

  test('is not affected by restore values', () => {
    expect(jobName(mergeDocs(S3_BACKUP, { restore: { id: 'x', storage: { s3: { bucket: 'other' } } } }))).toBe(base);
  });
});

describe('CronJob names carry no hash', () => {
  test.each([
    ['scheduled backup to S3', 'infrahub-backup'],
    ['scheduled restore', 'infrahub-backup-restore'],
  ])('%s is named %s, whatever the settings', (mode, expected) => {
    expect(jobName(MODES[mode])).toBe(expected);
    expect(jobName(mergeDocs(MODES[mode], { resources: { limits: { memory: '9Gi' } }, cronJob: { suspend: true } }))).toBe(expected);
  });
});

describe('the backup CronJob keeps the name of OpsMill\'s chart, so helm upgrade from it updates the CronJob in place', () => {
  test.each([
    ['prod', {}, 'prod-infrahub-backup'],
    ['infrahub-backup', {}, 'infrahub-backup'],
    ['prod', { fullnameOverride: 'backups' }, 'backups'],
    ['prod', { nameOverride: 'bkp' }, 'prod-bkp'],
    ['prod', { fullnameOverride: `a${'-b'.repeat(31)}` }, `a${'-b'.repeat(25)}`],
  ])('release %s with %j: %s', (release, extra, expected) => {
    expect(jobName(mergeDocs(MODES['scheduled backup to S3'], extra), release)).toBe(expected);
  });
});

describe('Helm-style names', () => {
  const names = (values: TestValues, release: string): Record<string, string[]> => namesByKind(synthObjects(values, release));

  test('<release>-infrahub-backup by default', () => {
    expect(names(S3_BACKUP, 'prod')).toMatchObject({ ServiceAccount: ['prod-infrahub-backup'], Role: ['prod-infrahub-backup'], RoleBinding: ['prod-infrahub-backup'] });
    expect(jobName(S3_BACKUP, 'prod')).toMatch(/^prod-infrahub-backup-backup-[0-9a-f]{8}$/);
  });

  test('a release that contains the chart name is used as is', () => {
    expect(names(S3_BACKUP, 'infrahub-backup-prod').Role).toEqual(['infrahub-backup-prod']);
    expect(names(S3_BACKUP, 'my-infrahub-backup').Role).toEqual(['my-infrahub-backup']);
  });

  test('nameOverride replaces the chart name, in names and in the name label', () => {
    const objects = synthObjects(mergeDocs(S3_BACKUP, { nameOverride: 'ibk' }), 'prod');
    expect(namesByKind(objects).Role).toEqual(['prod-ibk']);
    for (const o of objects) expect(o.metadata.labels['app.kubernetes.io/name']).toBe('ibk');
    // ...and a release containing the override is used as is.
    expect(names(mergeDocs(S3_BACKUP, { nameOverride: 'ibk' }), 'ibk-prod').Role).toEqual(['ibk-prod']);
    // The release still contains the chart name, but not the override.
    expect(names(mergeDocs(S3_BACKUP, { nameOverride: 'ibk' }), 'infrahub-backup').Role).toEqual(['infrahub-backup-ibk']);
  });

  test('fullnameOverride replaces the whole prefix, whatever the release and nameOverride', () => {
    const objects = synthObjects(mergeDocs(S3_BACKUP, { fullnameOverride: 'infra-bk', nameOverride: 'ignored' }), 'prod');
    expect(namesByKind(objects)).toMatchObject({ ServiceAccount: ['infra-bk'], Role: ['infra-bk'], RoleBinding: ['infra-bk'] });
    expect(workloadOf(objects).metadata.name).toMatch(/^infra-bk-backup-[0-9a-f]{8}$/);
    expect(objects[0].metadata.labels['app.kubernetes.io/instance']).toBe('prod');
  });

  test('the claim is <fullname>-backups unless an existing claim is named', () => {
    expect(names(MODES['one-shot local backup with persistence'], 'prod').PersistentVolumeClaim).toEqual(['prod-infrahub-backup-backups']);
  });
});

describe('length limits', () => {
  const LONG_RELEASE = 'production-infrahub-eu-west-1-primary-cluster-backup';
  const release53 = `${LONG_RELEASE}x`;

  test('the long release is 53 characters, the most Helm allows', () => {
    expect(release53).toHaveLength(53);
  });

  function checkNames(objects: KubeObject[]): void {
    for (const o of objects) {
      const name: string = o.metadata.name;
      // CronJob names leave room for the 11 characters the controller appends; Job
      // names become a pod label value; a claim name is a DNS subdomain.
      const max = o.kind === 'CronJob' ? 52 : o.kind === 'PersistentVolumeClaim' ? 253 : 63;
      expect(name.length).toBeLessThanOrEqual(max);
      expect(name).toMatch(o.kind === 'PersistentVolumeClaim' ? DNS_SUBDOMAIN : DNS_LABEL);
      if (o.kind === 'Job' || o.kind === 'CronJob') {
        // The backup CronJob keeps upstream's name, the fullname (cut to 52 characters).
        if (o.kind !== 'CronJob' || o.metadata.labels['app.kubernetes.io/component'] !== 'backup') expect(name).toMatch(/-(backup|restore|guard)(-[0-9a-f]{8})?$/);
        for (const value of Object.values(o.metadata.labels as Record<string, string>)) expect(value.length).toBeLessThanOrEqual(63);
      }
    }
  }

  test.each(Object.entries(MODES))('%s with a 53-character release', (_name, values) => {
    const objects = synthObjects(values, release53);
    checkNames(objects);
    const workload = workloadOf(objects);
    // The release is shortened, not the role or hash: the name uses the room it has
    // (one less when the cut lands on a "-", which is trimmed).
    const max = workload.kind === 'CronJob' ? 52 : 63;
    expect(workload.metadata.name.length).toBeGreaterThanOrEqual(max - 1);
    expect(workload.metadata.name.startsWith(release53.slice(0, max - 30))).toBe(true);
  });

  test.each(Object.entries(MODES))('%s with a 63-character fullnameOverride', (_name, values) => {
    checkNames(synthObjects(mergeDocs(values, { fullnameOverride: `a${'-b'.repeat(31)}` })));
  });

  test('one-shot names keep their hash, so truncation never merges two requests', () => {
    const a = jobName(S3_RESTORE, release53);
    const b = jobName(mergeDocs(S3_RESTORE, { restore: { id: 'x' } }), release53);
    expect(a).not.toBe(b);
    expect(a.slice(0, -8)).toBe(b.slice(0, -8));
  });

  test('property: every valid dot-free release name gives valid names within the limits', () => {
    const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/).filter((r) => r.length <= 53);
    fc.assert(
      fc.property(label, fc.constantFrom(...Object.values(MODES)), (release, values) => {
        checkNames(synthObjects(values, release));
      }),
      { numRuns: 150 },
    );
  });

  // Names are cut strictly (every trailing "-" and "." goes), so a release with a dot at the cut
  // never yields "aaa.-backup-<hash>".
  test('a release with a dot at the cut still gives valid DNS subdomain names', () => {
    const release = `${'a'.repeat(46)}.bcdef`;
    for (const o of synthObjects(S3_BACKUP, release)) expect(o.metadata.name).toMatch(DNS_SUBDOMAIN);
  });
});

describe('no two objects of one kind share a name', () => {
  // The backup CronJob is the fullname cut to 52 characters (upstream's name),
  // the others `<fullname cut to fit>-<role>`: a fullname that ends in a role at
  // the cut made the backup CronJob and that role's CronJob the same object, and
  // `kubectl apply` or Argo CD kept only the last one (no backups, no word).
  const SCHEDULED = mergeDocs(S3_BACKUP, { backup: { mode: 'cronjob', retention: { enabled: true } } });
  // Verification replaces the freshness check: one of the two runs.
  const WITH_VERIFY = mergeDocs(SCHEDULED, { backup: { verification: { enabled: true } } });
  const WITH_FRESHNESS = mergeDocs(SCHEDULED, { monitoring: { freshness: { enabled: true } } });

  function duplicates(objects: KubeObject[]): string[] {
    const seen = new Set<string>();
    const twice: string[] = [];
    for (const o of objects) {
      const key = `${o.kind}/${o.metadata.name}`;
      if (seen.has(key)) twice.push(key);
      seen.add(key);
    }
    return twice;
  }

  test.each(['retention', 'verify', 'freshness', 'guard'])('a fullname that ends in -%s where its CronJob cuts the fullname', (role) => {
    const cut = 52 - role.length - 1;
    // The fullname cut for the role's CronJob is `P` (P then "-" trimmed), so that
    // CronJob is `P-<role>`: the fullname itself when it is exactly that.
    for (const prefixLength of [cut - 1, cut]) {
      const fullnameOverride = `${'a'.repeat(prefixLength)}-${role}`;
      const objects = synthObjects(mergeDocs(role === 'freshness' ? WITH_FRESHNESS : WITH_VERIFY, { fullnameOverride }));
      // The backup CronJob, retention, verification or freshness, and the scale guard's.
      expect(objects.filter((o) => o.kind === 'CronJob')).toHaveLength(4);
      expect(duplicates(objects)).toEqual([]);
    }
  });

  test('property: any fullnameOverride or release, every object of a kind has its own name', () => {
    let drawn = 0;
    const role = fc.constantFrom('retention', 'verify', 'freshness', 'guard', 'restore', 'backup', 'backups');
    const fullname = fc.tuple(fc.integer({ min: 38, max: 52 }), role, fc.constantFrom('', '-', '-x')).map(([n, r, tail]) => `${'a'.repeat(n)}-${r}${tail}`.slice(0, 63).replace(/-+$/, ''));
    fc.assert(
      fc.property(fullname, fc.constantFrom(WITH_VERIFY, WITH_FRESHNESS), (fullnameOverride, values) => {
        drawn++;
        expect(duplicates(synthObjects(mergeDocs(values, { fullnameOverride })))).toEqual([]);
      }),
      { numRuns: 200, seed: 23 },
    );
    expect(drawn).toBe(200);
  });
});
