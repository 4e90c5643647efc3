/**
 * The pod against the image's contract (upstream-contract.md): identity,
 * token, namespace, writable paths, arguments and environment.
 */
import {
  argsOf,
  containerOf,
  envOf,
  KubeObject,
  mergeDocs,
  MODES,
  mountOf,
  podSpecOf,
  S3_BACKUP,
  S3_RESTORE,
  synthObjects,
  TestValues,
  volumeOf,
  workloadOf,
} from '../support/synth';

const backup = (extra: TestValues = {}): KubeObject[] => synthObjects(mergeDocs(S3_BACKUP, extra));
const restore = (extra: TestValues = {}): KubeObject[] => synthObjects(mergeDocs(S3_RESTORE, extra));
const LOCAL_BACKUP = MODES['one-shot local backup without persistence'];
const PERSISTENT_BACKUP = MODES['one-shot local backup with persistence'];
const LOCAL_RESTORE = MODES['restore from local storage'];
const ARCHIVE = 'infrahub_backup_20260101_020000.tar.gz';

describe.each(Object.entries(MODES))('pod of %s', (_name, values) => {
  const objects = synthObjects(values);
  const pod = podSpecOf(workloadOf(objects));
  const container = containerOf(objects);
  const env = envOf(objects);

  test('mounts the ServiceAccount token and never restarts in place', () => {
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers).toHaveLength(1);
    // The companion's checks and the guard's record first, the image last of the init containers;
    // after it one container: the upload's proof (S3 backups) or the guard's clear.
    const inits = (pod.initContainers ?? []).map((c: { name: string }) => c.name);
    for (const init of inits.slice(0, -2)) expect(['preflight', 'find-latest']).toContain(init);
    expect(inits.slice(-2)).toEqual(['guard-record', container.name]);
    expect(['prove', 'guard-clear']).toContain(pod.containers[0].name);
  });

  test('gets its namespace from the downward API', () => {
    expect(env.INFRAHUB_K8S_NAMESPACE).toEqual({ name: 'INFRAHUB_K8S_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
  });

  test('runs as uid/gid 1000, non-root, with a read-only root filesystem', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.securityContext.runAsUser ?? pod.securityContext.runAsUser).toBe(1000);
  });

  test('has writable volumes at /tmp, the backup directory and HOME', () => {
    const backupDir = env.INFRAHUB_BACKUP_DIR.value;
    expect(env.TMPDIR.value).toBe('/tmp');
    expect(env.HOME.value).toBe('/home/infrahub');
    const writable = (container.volumeMounts as KubeObject[]).filter((m) => !m.readOnly);
    const paths = writable.map((m) => m.mountPath);
    expect(paths).toEqual(expect.arrayContaining(['/tmp', backupDir, '/home/infrahub']));
    for (const path of ['/tmp', backupDir, '/home/infrahub']) {
      const mount = writable.find((m) => m.mountPath === path)!;
      const volume = (pod.volumes as KubeObject[]).find((v) => v.name === mount.name)!;
      expect(volume.emptyDir ?? volume.persistentVolumeClaim).toBeDefined();
    }
  });

  test('never redacts by default and logs in text', () => {
    expect(container.args).not.toContain('--redact');
    expect(env.INFRAHUB_LOG_FORMAT.value).toBe('text');
    expect(container.image).toBe('registry.opsmill.io/opsmill/infrahub-backup:2.3.0');
    expect(container.imagePullPolicy).toBe('IfNotPresent');
  });

  test('no credentials in plain values: every secret-looking variable comes from a Secret', () => {
    for (const e of container.env as KubeObject[]) {
      if (/PASSWORD|SECRET|TOKEN|ACCESS_KEY/.test(e.name)) {
        expect(e.value).toBeUndefined();
        expect(e.valueFrom.secretKeyRef).toBeDefined();
      }
    }
  });
});

describe('backup arguments', () => {
  test('defaults: create with all Neo4j metadata and an S3 upload', () => {
    expect(argsOf(backup())).toEqual(['create', '--neo4jmetadata=all', '--s3-upload']);
  });

  test('every option, in order, with extra arguments last', () => {
    const objects = backup({
      backup: {
        options: { force: true, excludeTaskmanager: true, neo4jMetadata: 'roles', keepLocal: true, extraArgs: ['--backend=plakar', '--repo=/r'] },
        encryption: { secretName: 'backup-keys', key: 'team.pub' },
      },
    });
    expect(argsOf(objects)).toEqual([
      'create',
      '--force',
      '--exclude-taskmanager',
      '--neo4jmetadata=roles',
      '--s3-upload',
      '--s3-keep-local',
      '--encrypt-key=/etc/infrahub-backup/keys/team.pub',
      '--backend=plakar',
      '--repo=/r',
    ]);
  });

  test.each([
    [{ force: true }, '--force'],
    [{ excludeTaskmanager: true }, '--exclude-taskmanager'],
    [{ keepLocal: true }, '--s3-keep-local'],
    [{ neo4jMetadata: 'none' }, '--neo4jmetadata=none'],
    [{ neo4jMetadata: 'users' }, '--neo4jmetadata=users'],
  ])('option %j adds %s', (options, flag) => {
    expect(argsOf(backup())).not.toContain(flag);
    expect(argsOf(backup({ backup: { options } }))).toContain(flag);
  });

  test('keepLocal means nothing without S3', () => {
    expect(argsOf(synthObjects(mergeDocs(LOCAL_BACKUP, { backup: { options: { keepLocal: true } } })))).not.toContain('--s3-keep-local');
  });

  test('local storage without persistence: no upload, and a sleep to copy the archive out', () => {
    expect(argsOf(synthObjects(LOCAL_BACKUP))).toEqual(['create', '--neo4jmetadata=all', '--sleep=3m']);
    expect(argsOf(synthObjects(mergeDocs(LOCAL_BACKUP, { backup: { options: { sleep: '1h30m' } } })))).toContain('--sleep=1h30m');
    expect(argsOf(synthObjects(mergeDocs(LOCAL_BACKUP, { backup: { options: { sleep: '' } } })))).toEqual(['create', '--neo4jmetadata=all']);
  });

  test('no sleep with persistence or with S3', () => {
    expect(argsOf(synthObjects(PERSISTENT_BACKUP))).toEqual(['create', '--neo4jmetadata=all']);
    expect(argsOf(synthObjects(MODES['one-shot local backup on an existing claim']))).toEqual(['create', '--neo4jmetadata=all']);
    expect(argsOf(backup({ backup: { options: { sleep: '10m' } } }))).toEqual(['create', '--neo4jmetadata=all', '--s3-upload']);
  });

  test('extraArgs come after the generated flags, sleep included', () => {
    const args = argsOf(synthObjects(mergeDocs(LOCAL_BACKUP, { backup: { options: { extraArgs: ['--log-format=json'] } } })));
    expect(args.slice(-2)).toEqual(['--sleep=3m', '--log-format=json']);
  });

  test('an encryption Secret is mounted read-only and named in --encrypt-key', () => {
    const objects = backup({ backup: { encryption: { secretName: 'backup-keys', key: 'public.pem' } } });
    expect(argsOf(objects)).toContain('--encrypt-key=/etc/infrahub-backup/keys/public.pem');
    expect(volumeOf(objects, 'keys')).toEqual({
      name: 'keys',
      secret: { secretName: 'backup-keys', items: [{ key: 'public.pem', path: 'public.pem' }], defaultMode: 0o440 },
    });
    expect(mountOf(objects, 'keys')).toEqual({ name: 'keys', mountPath: '/etc/infrahub-backup/keys', readOnly: true });
  });

  test('no encryption Secret: no key volume and no --encrypt flag', () => {
    const objects = backup({ backup: { encryption: { key: 'ignored.pem' } } });
    expect(volumeOf(objects, 'keys')).toBeUndefined();
    expect(argsOf(objects).join(' ')).not.toMatch(/--encrypt/);
  });
});

describe('restore arguments', () => {
  test('by key: the s3:// URI of the archive', () => {
    expect(argsOf(restore())).toEqual(['restore', `s3://backups/${ARCHIVE}`]);
  });

  test('a key with a prefix and slashes is used verbatim', () => {
    expect(argsOf(restore({ restore: { storage: { s3: { bucket: 'infrahub.backups', key: `prod/eu/${ARCHIVE}` } } } }))[1]).toBe(
      `s3://infrahub.backups/prod/eu/${ARCHIVE}`,
    );
  });

  test('latest: a find-latest init container hands the newest archive to the image', () => {
    const objects = synthObjects(MODES['restore latest']);
    const pod = podSpecOf(workloadOf(objects));
    // The newest archive resolved first, then the guard's record, then the image (the last init container).
    expect(pod.initContainers.map((c: KubeObject) => c.name)).toEqual(['find-latest', 'guard-record', 'restore']);
    expect(pod.initContainers[0].args).toEqual(['s3', 'preflight', '--for', 'restore', '--output', '/run/infrahub-backup/archive-uri']);
    expect(containerOf(objects).command).toEqual([
      '/bin/sh',
      '-c',
      'exec /usr/local/bin/infrahub-backup restore "$(cat /run/infrahub-backup/archive-uri)" "$@"',
      'infrahub-backup',
    ]);
    expect(argsOf(objects)).toEqual([]);
    expect(envOf(objects).INFRAHUB_S3_PREFIX.value).toBe('production');
  });

  test('latest without companion.preflight: the newest archive is only resolved, not checked', () => {
    const objects = synthObjects(mergeDocs(MODES['restore latest'], { companion: { preflight: false } }));
    expect(podSpecOf(workloadOf(objects)).initContainers.filter((c: KubeObject) => c.name !== 'guard-record' && c.name !== 'restore').map((c: KubeObject) => [c.name, c.args])).toEqual([
      ['find-latest', ['s3', 'latest', '--output', '/run/infrahub-backup/archive-uri']],
    ]);
  });

  test('latest with restore.storage.s3.acceptUnproven: the newest archive whose ends look complete, proven or not; the Job is renamed only then', () => {
    const on = mergeDocs(MODES['restore latest'], { restore: { storage: { s3: { acceptUnproven: true } } } });
    expect(podSpecOf(workloadOf(synthObjects(on))).initContainers[0].args).toEqual(['s3', 'preflight', '--for', 'restore', '--accept-unproven', '--output', '/run/infrahub-backup/archive-uri']);
    const name = (doc: Record<string, unknown>) => workloadOf(synthObjects(doc)).metadata.name;
    expect(name(on)).not.toBe(name(MODES['restore latest']));
    expect(name(mergeDocs(MODES['restore latest'], { restore: { storage: { s3: { acceptUnproven: false } } } }))).toBe(name(MODES['restore latest']));
  });

  test('local: the file in the backup directory, with a sleep to copy it in', () => {
    expect(argsOf(synthObjects(LOCAL_RESTORE))).toEqual(['restore', '/infrahub_backups/infrahub_backup_latest.tar.gz', '--sleep=3m']);
    const custom = mergeDocs(LOCAL_RESTORE, { restore: { storage: { path: '/data', local: { filename: ARCHIVE } }, options: { sleep: '15m' } } });
    expect(argsOf(synthObjects(custom))).toEqual(['restore', `/data/${ARCHIVE}`, '--sleep=15m']);
  });

  test('local from an existing claim: no sleep, the claim at the backup directory', () => {
    const objects = synthObjects(MODES['restore from an existing claim']);
    expect(argsOf(objects)).toEqual(['restore', '/infrahub_backups/infrahub_backup_latest.tar.gz']);
    expect(volumeOf(objects, 'backups')).toEqual({ name: 'backups', persistentVolumeClaim: { claimName: 'infrahub-archives' } });
    expect(mountOf(objects, 'backups')).toEqual({ name: 'backups', mountPath: '/infrahub_backups' });
  });

  test('no sleep when restoring from S3', () => {
    expect(argsOf(restore({ restore: { options: { sleep: '10m' } } }))).toEqual(['restore', `s3://backups/${ARCHIVE}`]);
  });

  test('every option, in order, with extra arguments last', () => {
    const objects = restore({
      restore: {
        options: { excludeTaskmanager: true, migrateFormat: true, resetDeploymentId: true, extraArgs: ['--force'] },
        decryption: { secretName: 'backup-keys', key: 'team.pem' },
      },
    });
    expect(argsOf(objects)).toEqual([
      'restore',
      `s3://backups/${ARCHIVE}`,
      '--exclude-taskmanager',
      '--migrate-format',
      '--reset-deployment-id',
      '--decrypt-key=/etc/infrahub-backup/keys/team.pem',
      '--force',
    ]);
    expect(volumeOf(objects, 'keys')?.secret).toEqual({ secretName: 'backup-keys', items: [{ key: 'team.pem', path: 'team.pem' }], defaultMode: 0o440 });
    expect(mountOf(objects, 'keys')).toEqual({ name: 'keys', mountPath: '/etc/infrahub-backup/keys', readOnly: true });
  });

  test.each([
    [{ excludeTaskmanager: true }, '--exclude-taskmanager'],
    [{ migrateFormat: true }, '--migrate-format'],
    [{ resetDeploymentId: true }, '--reset-deployment-id'],
  ])('option %j adds %s', (options, flag) => {
    expect(argsOf(restore())).not.toContain(flag);
    expect(argsOf(restore({ restore: { options } }))).toContain(flag);
  });
});

describe('environment', () => {
  test('S3 settings and credentials from the Secret, with default key names', () => {
    const env = envOf(backup({ backup: { storage: { s3: { prefix: 'prod', endpoint: 'http://minio:9000', region: 'eu-west-3' } } } }));
    expect(env.INFRAHUB_S3_BUCKET.value).toBe('backups');
    expect(env.INFRAHUB_S3_PREFIX.value).toBe('prod');
    expect(env.INFRAHUB_S3_ENDPOINT.value).toBe('http://minio:9000');
    expect(env.INFRAHUB_S3_REGION.value).toBe('eu-west-3');
    expect(env.AWS_ACCESS_KEY_ID.valueFrom).toEqual({ secretKeyRef: { name: 's3-creds', key: 'AWS_ACCESS_KEY_ID' } });
    expect(env.AWS_SECRET_ACCESS_KEY.valueFrom).toEqual({ secretKeyRef: { name: 's3-creds', key: 'AWS_SECRET_ACCESS_KEY' } });
    expect(env.AWS_SESSION_TOKEN).toBeUndefined();
  });

  test('defaults: region us-east-1, no prefix, no endpoint', () => {
    const env = envOf(backup());
    expect(env.INFRAHUB_S3_REGION.value).toBe('us-east-1');
    expect(env.INFRAHUB_S3_PREFIX).toBeUndefined();
    expect(env.INFRAHUB_S3_ENDPOINT).toBeUndefined();
  });

  test.each([
    ['backup', backup],
    ['restore', restore],
  ])('%s: configurable key names, session token included', (side, synth) => {
    const s3 = { accessKeyIdKey: 'id', secretAccessKeyKey: 'secret', sessionTokenKey: 'token' };
    const env = envOf(synth({ [side]: { storage: { s3 } } }));
    expect(env.AWS_ACCESS_KEY_ID.valueFrom).toEqual({ secretKeyRef: { name: 's3-creds', key: 'id' } });
    expect(env.AWS_SECRET_ACCESS_KEY.valueFrom).toEqual({ secretKeyRef: { name: 's3-creds', key: 'secret' } });
    expect(env.AWS_SESSION_TOKEN.valueFrom).toEqual({ secretKeyRef: { name: 's3-creds', key: 'token' } });
  });

  test.each([
    ['backup', backup],
    ['restore', restore],
  ])('%s: no AWS variables without a Secret (IRSA, workload identity)', (side, synth) => {
    const env = envOf(synth({ [side]: { storage: { s3: { secretName: '', sessionTokenKey: 'token' } } } }));
    expect(Object.keys(env).filter((n) => n.startsWith('AWS_'))).toEqual([]);
    expect(env.INFRAHUB_S3_BUCKET.value).toBe('backups');
  });

  test('local storage sets no S3 variables', () => {
    for (const values of [LOCAL_BACKUP, PERSISTENT_BACKUP, LOCAL_RESTORE]) {
      const names = Object.keys(envOf(synthObjects(values)));
      expect(names.filter((n) => n.startsWith('INFRAHUB_S3_') || n.startsWith('AWS_'))).toEqual([]);
    }
  });

  test('the backup directory follows storage.path, on both sides', () => {
    const objects = backup({ backup: { storage: { path: '/var/backups' } } });
    expect(envOf(objects).INFRAHUB_BACKUP_DIR.value).toBe('/var/backups');
    expect(mountOf(objects, 'backups')?.mountPath).toBe('/var/backups');
    const restored = restore({ restore: { storage: { path: '/var/restore' } } });
    expect(envOf(restored).INFRAHUB_BACKUP_DIR.value).toBe('/var/restore');
    expect(mountOf(restored, 'backups')?.mountPath).toBe('/var/restore');
  });

  test('Neo4j credentials from neo4j.secretName', () => {
    const env = envOf(backup({ neo4j: { secretName: 'neo4j-auth' } }));
    expect(env.INFRAHUB_DB_PASSWORD.valueFrom).toEqual({ secretKeyRef: { name: 'neo4j-auth', key: 'password' } });
    expect(env.INFRAHUB_DB_USERNAME).toBeUndefined();
    const both = envOf(restore({ neo4j: { secretName: 'neo4j-auth', passwordKey: 'NEO4J_PASSWORD', usernameKey: 'NEO4J_USER' } }));
    expect(both.INFRAHUB_DB_PASSWORD.valueFrom).toEqual({ secretKeyRef: { name: 'neo4j-auth', key: 'NEO4J_PASSWORD' } });
    expect(both.INFRAHUB_DB_USERNAME.valueFrom).toEqual({ secretKeyRef: { name: 'neo4j-auth', key: 'NEO4J_USER' } });
  });

  test('no Neo4j variables without a Secret (read from the database container)', () => {
    const env = envOf(backup({ neo4j: { usernameKey: 'user' } }));
    expect(env.INFRAHUB_DB_PASSWORD).toBeUndefined();
    expect(env.INFRAHUB_DB_USERNAME).toBeUndefined();
  });

  test('scratch volumes are emptyDirs without a limit unless scratch.sizeLimit sets one (as OpsMill\'s chart); HOME is small', () => {
    const objects = backup();
    expect(volumeOf(objects, 'tmp')).toEqual({ name: 'tmp', emptyDir: {} });
    expect(volumeOf(objects, 'backups')).toEqual({ name: 'backups', emptyDir: {} });
    expect(volumeOf(objects, 'home')).toEqual({ name: 'home', emptyDir: { sizeLimit: '64Mi' } });
    const limited = backup({ scratch: { sizeLimit: '200Gi' } });
    expect(volumeOf(limited, 'tmp')).toEqual({ name: 'tmp', emptyDir: { sizeLimit: '200Gi' } });
    expect(volumeOf(limited, 'backups')).toEqual({ name: 'backups', emptyDir: { sizeLimit: '200Gi' } });
  });

  test('requests alone get no memory limit added (a large database\'s dump is not cut off)', () => {
    const container = containerOf(backup({ resources: { requests: { cpu: '2', memory: '8Gi' } } }));
    expect(container.resources).toEqual({ requests: { cpu: '2', memory: '8Gi' } });
  });

  test('persistent local backups mount the claim at the backup directory', () => {
    const objects = synthObjects(PERSISTENT_BACKUP);
    expect(volumeOf(objects, 'backups')).toEqual({ name: 'backups', persistentVolumeClaim: { claimName: 'infrahub-backup-backups' } });
    expect(objects.find((o) => o.kind === 'PersistentVolumeClaim')?.metadata.name).toBe('infrahub-backup-backups');
  });
});
