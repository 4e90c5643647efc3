/**
 * The `s3` command group as another program mounts it (registerS3Commands),
 * its help, usage errors, and that the rest of the CLI does not load the AWS
 * SDK.
 */
import { spawnSync } from 'child_process';
import { join } from 'path';
import { Command, CommanderError } from 'commander';
import { registerS3Commands, runS3Cli } from '../../src/s3/command';
import { BUCKET, PREFIX, TestServer, buildArchive, put, s3Env, testClient, useS3Server } from './support';

jest.setTimeout(30_000);

const s3 = useS3Server([BUCKET]);

let server: TestServer;

beforeAll(async () => {
  server = s3();
  const client = testClient(server.endpoint);
  await put(client, `${PREFIX}/infrahub_backup_20260102_030405.tar.gz`, await buildArchive());
  client.destroy();
});

afterAll(async () => {
});

/** A program configured like src/cli.ts's, with the s3 group added. */
function program(io: { stdout: (t: string) => void; stderr: (t: string) => void; env: NodeJS.ProcessEnv; exit?: (code: number) => void }): Command {
  const p = new Command('infrahub-backup-cdk8s').configureOutput({ writeOut: io.stdout, writeErr: io.stderr }).exitOverride().showHelpAfterError(false);
  p.command('version').action(() => io.stdout('0.0.0\n'));
  registerS3Commands(p, io);
  return p;
}

test('mounted on a program that parses synchronously: the exit code arrives through io.exit', async () => {
  let stdout = '';
  const codes: number[] = [];
  const finished = new Promise<void>((resolve) => {
    const p = program({
      stdout: (t) => (stdout += t),
      stderr: () => undefined,
      env: s3Env(server.endpoint),
      exit: (code) => {
        codes.push(code);
        resolve();
      },
    });
    p.parse(['s3', 'latest', '--accept-unproven'], { from: 'user' });
  });
  await finished;
  expect(codes).toEqual([0]);
  expect(stdout).toBe('s3://backups/infrahub/infrahub_backup_20260102_030405.tar.gz\n');
});

test('... and with parseAsync', async () => {
  let stderr = '';
  let code: number | undefined;
  const p = program({ stdout: () => undefined, stderr: (t) => (stderr += t), env: s3Env(server.endpoint, { INFRAHUB_S3_BUCKET: 'nowhere' }), exit: (c) => (code = c) });
  await p.parseAsync(['s3', 'latest'], { from: 'user' });
  expect(code).toBe(1);
  expect(stderr).toMatch(/^error: bucket missing: /);
});

test('without io.exit, a failure sets process.exitCode', async () => {
  const saved = process.exitCode;
  try {
    const p = program({ stdout: () => undefined, stderr: () => undefined, env: s3Env(server.endpoint, { INFRAHUB_S3_BUCKET: 'nowhere' }) });
    await p.parseAsync(['s3', 'latest'], { from: 'user' });
    expect(process.exitCode).toBe(1);
  } finally {
    process.exitCode = saved;
  }
});

test('usage errors are commander errors (exit 2 in runCli), written as one error line', () => {
  let stderr = '';
  const p = program({ stdout: () => undefined, stderr: (t) => (stderr += t), env: {} });
  expect(() => p.parse(['s3', 'prune', '--keep-last'], { from: 'user' })).toThrow(CommanderError);
  expect(stderr).toBe("error: option '--keep-last <n>' argument missing\n");
});

describe('runS3Cli', () => {
  const io = () => {
    const out = { stdout: '', stderr: '' };
    return { out, io: { stdout: (t: string) => (out.stdout += t), stderr: (t: string) => (out.stderr += t), env: {} } };
  };

  test('help lists the commands and the environment, exit 0', async () => {
    const { out, io: i } = io();
    expect(await runS3Cli(['s3', '--help'], i)).toBe(0);
    for (const word of ['preflight', 'latest', 'prune', 'verify', 'list', 'INFRAHUB_S3_BUCKET', 'AWS_SECRET_ACCESS_KEY', 'Exit codes']) expect(out.stdout).toContain(word);
  });

  test.each([
    [['s3', 'prune', '--help'], ['--keep-last <n>', '--keep-days <d>', '--dry-run', '--bucket <bucket>', '--timeout <seconds>']],
    [['s3', 'latest', '--help'], ['--output <file>', '--prefix <prefix>']],
    [['s3', 'verify', '--help'], ['--uri <s3-uri>', '--latest', '--json']],
    [['s3', 'preflight', '--help'], ['--for <purpose>', '(choices: "backup", "restore")', '--uri <s3-uri>']],
    [['s3', 'list', '--help'], ['--details', '--limit <n>', '--json']],
  ])('%j', async (argv, words) => {
    const { out, io: i } = io();
    expect(await runS3Cli(argv, i)).toBe(0);
    for (const word of words) expect(out.stdout).toContain(word);
  });

  test('an unknown command: exit 2', async () => {
    const { out, io: i } = io();
    expect(await runS3Cli(['s3', 'sync'], i)).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^error: unknown command 'sync'/);
  });
});

test('loading the command group does not load the AWS SDK or tar-stream', () => {
  const script = "require('tsx/cjs'); require('./src/s3/command'); process.stdout.write(String(Object.keys(require.cache).filter((k) => /@aws-sdk|@smithy|tar-stream/.test(k)).length))";
  const result = spawnSync(process.execPath, ['-e', script], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.stdout).toBe('0');
});
