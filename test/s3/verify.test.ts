/**
 * `s3 verify` against a real S3-compatible server (s3rver on 127.0.0.1), with
 * archives built in the image's layout: good ones (metadata first, as the
 * image writes it, and last), a truncated one, one whose checksum was altered,
 * one whose file was, and a large multipart upload streamed through.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { gunzipSync, gzipSync } from 'zlib';
import { formatBytes } from '../../src/s3/archives';
import { BUCKET, PREFIX, TestServer, buildArchive, defaultFiles, expectFailure, metadataFor, noise, put, run, s3Env, sha256, testClient, useS3Server } from './support';
import type { KubeObject } from '../support/synth';

jest.setTimeout(60_000);

const s3 = useS3Server([BUCKET]);

let server: TestServer;
let client: S3Client;
let env: NodeJS.ProcessEnv;
let good: Buffer;

const uri = (name: string) => `s3://${BUCKET}/${PREFIX}/${name}`;
const GOOD = 'infrahub_backup_20260102_030405.tar.gz';

beforeAll(async () => {
  server = s3();
  client = testClient(server.endpoint);
  env = s3Env(server.endpoint);
  good = await buildArchive();
  await put(client, `${PREFIX}/${GOOD}`, good);
});

afterAll(() => {
  client?.destroy();
});

describe('a good archive', () => {
  test('every checksum matches; the metadata is reported', async () => {
    const result = await run(env, 'verify', '--uri', uri(GOOD));
    expect(result.stdout).toBe(
      [
        `verified: ${uri(GOOD)}`,
        `size: ${formatBytes(good.length)}`,
        'backup_id: infrahub_backup_20260102_030405',
        'created_at: 2026-01-02T03:04:05Z',
        'infrahub_version: 1.6.2',
        'tool_version: v1.5.0',
        'metadata_version: 2025111200',
        'components: database, task-manager-db',
        'neo4j_edition: community',
        'redacted: false',
        'encrypted: false',
        'files: 2 verified (108.0 KiB)',
        '',
      ].join('\n'),
    );
    // The verdict is recorded beside the archive, bound to its size and ETag (s3rver's: the MD5 of the body).
    expect(result.stderr).toMatch(/^read \d+\.\d+ KiB in \d+\.\d s \(.+\/s\)\nrecorded the proof s3:\/\/backups\/infrahub\/\.proof-infrahub_backup_20260102_030405-\d+-[0-9a-f]{32}\.json\n$/);
    expect(result.code).toBe(0);
  });

  test('--json', async () => {
    const result = await run(env, 'verify', '--uri', uri(GOOD), '--json');
    const report = JSON.parse(result.stdout) as KubeObject;
    expect(report).toMatchObject({ uri: uri(GOOD), size: good.length, verifiedFiles: 2, verifiedBytes: 108 * 1024 });
    expect(report.metadata.backup_id).toBe('infrahub_backup_20260102_030405');
    expect(report.files).toEqual([
      { path: 'backup/database/neo4j.dump', size: 96 * 1024, sha256: sha256(defaultFiles()['database/neo4j.dump']) },
      { path: 'backup/prefect.dump', size: 12 * 1024, sha256: sha256(defaultFiles()['prefect.dump']) },
    ]);
  });

  test('metadata after the files, other folders', async () => {
    const files = { 'database/neo4j.dump': noise(50_000, 'a'), 'database/neo4j/data.db': noise(70_000, 'b'), 'task-manager-db/prefect.dump': noise(9_000, 'c') };
    await put(client, `other/infrahub_backup_20260110_000000.tar.gz`, await buildArchive({ files, metadataLast: true }));
    const result = await run(env, 'verify', '--uri', `s3://${BUCKET}/other/infrahub_backup_20260110_000000.tar.gz`);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('files: 3 verified (126.0 KiB)\n');
  });

  test('--latest (the default): the newest under the prefix', async () => {
    await put(client, `${PREFIX}/infrahub_backup_20250101_000000.tar.gz`, 'older, and broken');
    const result = await run(env, 'verify');
    expect(result.code).toBe(0);
    expect(result.stderr.split('\n')[0]).toBe(`verifying the newest archive, ${uri(GOOD)}`);
    expect((await run(env, 'verify', '--latest')).stdout).toContain(`verified: ${uri(GOOD)}\n`);
  });

  test('a large archive uploaded in parts streams through', async () => {
    const files = { 'database/neo4j.dump': noise(48 * 1024 * 1024, 'large'), 'prefect.dump': noise(1024 * 1024, 'p') };
    const data = await buildArchive({ files });
    const upload = new Upload({ client, params: { Bucket: BUCKET, Key: 'large/infrahub_backup_20260201_000000.tar.gz', Body: data }, partSize: 8 * 1024 * 1024, queueSize: 2 });
    await upload.done();
    const result = await run(env, 'verify', '--uri', `s3://${BUCKET}/large/infrahub_backup_20260201_000000.tar.gz`);
    expect(result.stderr).toMatch(/^read 49\.\d MiB in /);
    expect(result.stdout).toContain('files: 2 verified (49.0 MiB)\n');
    expect(result.code).toBe(0);
  });
});

describe('a bad archive: one error line per problem, exit 1', () => {
  test('truncated', async () => {
    const cut = good.subarray(0, good.length - 1000);
    await put(client, `${PREFIX}/truncated/infrahub_backup_20260103_000000.tar.gz`, cut);
    expectFailure(await run(env, 'verify', '--uri', `s3://${BUCKET}/${PREFIX}/truncated/infrahub_backup_20260103_000000.tar.gz`), 1, [
      `error: s3://${BUCKET}/${PREFIX}/truncated/infrahub_backup_20260103_000000.tar.gz: the archive is truncated: the gzip stream ends early, at ${formatBytes(cut.length)}, the whole object; the upload was probably cut off`,
    ]);
  });

  test('a checksum altered in backup_information.json', async () => {
    const files = defaultFiles();
    const altered = '0'.repeat(64);
    await put(client, `${PREFIX}/altered/infrahub_backup_20260104_000000.tar.gz`, await buildArchive({ files, checksums: { 'prefect.dump': altered } }));
    expectFailure(await run(env, 'verify', '--uri', `s3://${BUCKET}/${PREFIX}/altered/infrahub_backup_20260104_000000.tar.gz`), 1, [
      `error: s3://${BUCKET}/${PREFIX}/altered/infrahub_backup_20260104_000000.tar.gz: checksum mismatch for backup/prefect.dump: backup_information.json says ${altered}, the archive holds ${sha256(files['prefect.dump'])}`,
    ]);
  });

  test('a file altered after its checksum was taken', async () => {
    const files = defaultFiles();
    const metadata = metadataFor(files);
    const changed = Buffer.from(files['database/neo4j.dump']);
    changed[1000] ^= 0xff;
    await put(client, `${PREFIX}/changed/infrahub_backup_20260105_000000.tar.gz`, await buildArchive({ files: { ...files, 'database/neo4j.dump': changed }, metadata }));
    const result = await run(env, 'verify', '--uri', `s3://${BUCKET}/${PREFIX}/changed/infrahub_backup_20260105_000000.tar.gz`);
    expectFailure(result, 1, [/^error: s3:\/\/backups\/infrahub\/changed\/infrahub_backup_20260105_000000\.tar\.gz: checksum mismatch for backup\/database\/neo4j\.dump: /]);
  });

  test('no metadata; a file listed but absent', async () => {
    await put(client, `${PREFIX}/nometa/infrahub_backup_20260106_000000.tar.gz`, await buildArchive({ metadata: null }));
    expectFailure(await run(env, 'verify', '--uri', `s3://${BUCKET}/${PREFIX}/nometa/infrahub_backup_20260106_000000.tar.gz`), 1, [
      `error: s3://${BUCKET}/${PREFIX}/nometa/infrahub_backup_20260106_000000.tar.gz: backup/backup_information.json is missing: this is not an archive the backup image wrote (or it was cut before the metadata)`,
    ]);
    await put(client, `${PREFIX}/absent/infrahub_backup_20260106_000000.tar.gz`, await buildArchive({ checksums: { 'database/other.dump': sha256('x') } }));
    expectFailure(await run(env, 'verify', '--uri', `s3://${BUCKET}/${PREFIX}/absent/infrahub_backup_20260106_000000.tar.gz`), 1, [
      `error: s3://${BUCKET}/${PREFIX}/absent/infrahub_backup_20260106_000000.tar.gz: backup/database/other.dump is listed in backup/backup_information.json but missing from the archive`,
    ]);
  });

  test('a tar cut inside a file, gzipped whole', async () => {
    const tarData = gunzipSync(good);
    await put(client, `${PREFIX}/cut/infrahub_backup_20260107_000000.tar.gz`, gzipSync(tarData.subarray(0, 50_000)));
    expectFailure(await run(env, 'verify', '--uri', `s3://${BUCKET}/${PREFIX}/cut/infrahub_backup_20260107_000000.tar.gz`), 1, [
      /: the archive is truncated: the tar stream ends inside an entry \(at .* of .*\)$/,
    ]);
  });

  test('encrypted archives cannot be checked without the key', async () => {
    expectFailure(await run(env, 'verify', '--uri', `s3://${BUCKET}/${PREFIX}/infrahub_backup_20260108_000000.tar.gz.enc`), 1, [
      `error: s3://${BUCKET}/${PREFIX}/infrahub_backup_20260108_000000.tar.gz.enc: the archive is encrypted (made with --encrypt): its contents can only be checked after decryption with the private key`,
    ]);
  });

  test('object missing, bucket missing, bad access key', async () => {
    expectFailure(await run(env, 'verify', '--uri', uri('infrahub_backup_20200101_000000.tar.gz')), 1, [
      `error: object missing: ${uri('infrahub_backup_20200101_000000.tar.gz')} does not exist: check the URI (\`s3 list\` shows the archives under the prefix)`,
    ]);
    expectFailure(await run(env, 'verify', '--uri', 's3://nowhere/infrahub_backup_20200101_000000.tar.gz'), 1, [
      `error: bucket missing: bucket "nowhere" does not exist at ${server.endpoint}: check INFRAHUB_S3_BUCKET and INFRAHUB_S3_ENDPOINT`,
    ]);
    expectFailure(await run(s3Env(server.endpoint, { AWS_ACCESS_KEY_ID: 'NOBODY' }), 'verify', '--uri', uri(GOOD)), 1, [
      `error: bad access key: ${server.endpoint} does not know access key ID "NO…": check AWS_ACCESS_KEY_ID in the Secret (and that it belongs to this endpoint)`,
    ]);
  });

  test('bad input', async () => {
    expectFailure(await run(env, 'verify', '--uri', uri(GOOD), '--latest'), 2, ['error: give --uri or --latest, not both']);
    expectFailure(await run(env, 'verify', '--uri', 'https://example.com/x.tar.gz'), 2, ['error: --uri: "https://example.com/x.tar.gz" is not an s3://bucket/key URI']);
  });
});
