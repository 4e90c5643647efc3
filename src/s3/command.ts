/**
 * The `s3` command group: `preflight`, `latest`, `prune`, `verify`, `copy`, `list`.
 * Argument parsing only; the AWS SDK is loaded when an s3 command runs, so the
 * rest of the CLI does not pay for it.
 *
 * The actions are asynchronous. Each reports its exit code through `io.exit`
 * when it finishes (default: `process.exitCode` when not 0): 0 success, 1 an
 * S3 check failed, 2 bad input. `runS3Cli` parses with parseAsync and returns
 * the code.
 */
import { errorLines, sanitizeLine } from '../input-error';
import { Command, CommanderError, Option } from 'commander';
import type { CliIo, S3Io } from '../io';
import { COPY_ENV_PREFIX, HEARTBEAT_ENV, HEARTBEAT_MAX_AGE_ENV, MIN_RATE_ENV, S3_ENV } from './config';
import { EXIT_FAILED, EXIT_INVALID, guarded } from './common';

const ENVIRONMENT_HELP = `
Configuration (flags win over the environment, which is the backup image's):
  ${S3_ENV.bucket}, ${S3_ENV.prefix}, ${S3_ENV.endpoint}, ${S3_ENV.region} (default us-east-1)
  ${S3_ENV.accessKeyId}, ${S3_ENV.secretAccessKey}, ${S3_ENV.sessionToken} (without them: the AWS default chain, e.g. IRSA)
  A custom endpoint uses path-style addressing; an http:// endpoint disables TLS.
  s3 copy's destination: the same variables with a ${COPY_ENV_PREFIX} prefix (${COPY_ENV_PREFIX}${S3_ENV.bucket}, ${COPY_ENV_PREFIX}${S3_ENV.accessKeyId}...).
  ${HEARTBEAT_ENV}: the heartbeat URL of latest, verify and prune (as --heartbeat-url).
  ${HEARTBEAT_MAX_AGE_ENV}: the age a success ping vouches for (as --heartbeat-max-age).

Exit codes: 0 success, 1 an S3 check failed (one "error: ..." line per problem on stderr), 2 bad input.`;

/** Adds the connection flags every s3 command takes. */
function withConnection(command: Command): Command {
  return command
    .option('--bucket <bucket>', `the bucket (default: $${S3_ENV.bucket})`)
    .option('--prefix <prefix>', `the key prefix the image writes under (default: $${S3_ENV.prefix})`)
    .option('--endpoint <url>', `a custom S3 endpoint, http:// or https:// (default: $${S3_ENV.endpoint}; none: AWS S3)`)
    .option('--region <region>', `the region (default: $${S3_ENV.region}, else us-east-1)`)
    .option('--timeout <seconds>', 'the bound of each attempt of an S3 call: connecting, the first byte, and any silence while streaming (at least 1; default: 30)')
    .option('--deadline <seconds>', "the bound of the whole command, retries included (default: 3 x --timeout; verify adds time to stream the archive at 256 KiB/s, and without --deadline stops a download slower than that over 10 s; preflight: at most 25)");
}

function finish(io: S3Io, code: number): void {
  if (io.exit) io.exit(code);
  else if (code !== 0) process.exitCode = code;
}

/** Adds `s3` and its commands to a commander program; returns the `s3` command. */
export function registerS3Commands(program: Command, io: S3Io): Command {
  const s3 = program
    .command('s3')
    .description("S3 companions of the backup image: check access, find, prune, lock, verify, copy and list archives (reads the image's INFRAHUB_S3_* and AWS_* environment)")
    .addHelpText('after', ENVIRONMENT_HELP);

  /**
   * Adds one command: its own options, the connection flags, and an action that
   * loads its module when it runs. With `heartbeat`, the command also takes
   * --heartbeat-url and pings it once it has finished (heartbeat.ts).
   */
  const add = <T>(name: string, description: string, options: (c: Command) => Command, load: () => (opts: T, io: S3Io) => Promise<number>, heartbeat = false): void => {
    let command = withConnection(options(s3.command(name).description(description)));
    if (heartbeat) {
      command = command
        .option(
          '--heartbeat-url <url>',
          `when done, GET this URL on success or POST the error line to <url>/fail on failure, within 5 s, without changing the exit code (default: $${HEARTBEAT_ENV})`,
        )
        .option(
          '--heartbeat-max-age <duration>',
          `with --heartbeat-url: a success ping is sent only while the newest restorable archive is younger than this (like 26h); otherwise the failure ping says why (default: $${HEARTBEAT_MAX_AGE_ENV}; for latest, --max-age)`,
        );
    }
    command.addHelpText('after', ENVIRONMENT_HELP).action(async (opts: T & { heartbeatUrl?: string; heartbeatMaxAge?: string; maxAge?: string; endpoint?: string; toEndpoint?: string }) => {
      // Loaded when an s3 command runs: synth and the other commands only register these.
      const { knownSecrets, redactingIo, redactor } = require('./redact') as typeof import('./redact');
      // Every line the command writes, and so the failure ping's body, passes through the redaction first.
      const redact = redactor(knownSecrets(io.env, [opts.endpoint, opts.toEndpoint, opts.heartbeatUrl]));
      const safe = redactingIo(io, redact);
      if (!heartbeat) return finish(io, await guarded(safe, () => load()(opts, safe)));
      // The first error line, as printed (redacted), is the failure ping's body.
      let errorLine: string | undefined;
      const tapped: S3Io = {
        ...safe,
        stderr: (text: string) => {
          const clean = redact(text);
          errorLine ??= clean.split('\n').find((l) => l.startsWith('error: '));
          io.stderr(clean);
        },
      };
      let url: URL | undefined;
      let maxAge: { ms: number; text: string; flag: string } | undefined;
      const code = await guarded(tapped, async () => {
        const { heartbeatMaxAge, heartbeatUrl } = require('./heartbeat') as typeof import('./heartbeat');
        url = heartbeatUrl(opts.heartbeatUrl, io.env);
        if (url !== undefined) maxAge = heartbeatMaxAge(opts.heartbeatMaxAge, io.env, opts.maxAge);
        return load()(opts, tapped);
      });
      if (url !== undefined) {
        const { pingHeartbeat } = require('./heartbeat') as typeof import('./heartbeat');
        let pingCode = code;
        // A success ping says that a restorable archive younger than the maximum age exists: `latest --max-age`
        // (at most that age) has just checked that; after verify and prune it is checked now.
        const { parseDuration } = require('./duration') as typeof import('./duration');
        const checked = name === 'latest' && opts.maxAge !== undefined && (parseDuration(opts.maxAge.trim()) ?? Infinity) <= (maxAge?.ms ?? 0);
        if (code === 0 && maxAge !== undefined && !checked) {
          const { heartbeatFreshness } = require('./latest') as typeof import('./latest');
          const stale = await heartbeatFreshness(opts, safe, maxAge.ms, maxAge.text);
          if (stale !== undefined) {
            pingCode = EXIT_FAILED;
            errorLine = redact(`error: ${sanitizeLine(stale)}`);
            safe.stderr(`warning: heartbeat: ${sanitizeLine(stale)}: the ping reports a failure; the exit code is unchanged\n`);
          }
        }
        await pingHeartbeat(url, pingCode, errorLine, safe);
      }
      finish(io, code);
    });
  };

  add(
    'preflight',
    'check credentials and bucket access before a backup (write and delete a small object) or a restore (the archive exists and is readable); answers within 30 s',
    (c) =>
      c
        .addOption(new Option('--for <purpose>', 'what the image will do').choices(['backup', 'restore']).makeOptionMandatory())
        .option('--uri <s3-uri>', 'for a restore: the archive, s3://bucket/key (default: the newest under the prefix)')
        .option('--output <file>', "for a restore: also write the checked archive's URI (without a newline) to this file, for an init container")
        .option('--accept-unproven', 'for a restore without --uri: take the newest archive whose ends look complete even when s3 verify has not proven it'),
    () => (require('./preflight') as typeof import('./preflight')).preflight,
  );

  add(
    'latest',
    'print the s3://bucket/key URI of the newest proven infrahub_backup_*.tar.gz under the prefix (one s3 verify read whole; by the timestamp in its name, then LastModified; newer ones passed over are named on stderr)',
    (c) =>
      c
        .option('--output <file>', 'also write the URI (without a newline) to this file, for an init container')
        .option('--max-age <duration>', 'fail (exit 1) when the newest restorable archive is older than this (like 26h, 1d2h, 90m, 2w), stating its age')
        .option('--newer-than <time>', "fail (exit 1) when the newest restorable archive was uploaded before this RFC 3339 time, or the one in @FILE (guard record --start-file): the backup pod's proof that its run's upload landed")
        .option('--accept-unproven', 'take the newest archive whose first and last bytes look complete even when s3 verify has not proven it (default: the newest proven archive)'),
    () => (require('./latest') as typeof import('./latest')).latest,
    true,
  );

  add(
    'prune',
    'delete old archives under the prefix: keeps the N newest proven ones (s3 verify read them whole) and everything newer, the newest proven one of each of the last days, ISO weeks, months and years the calendar rules ask for, future-named ones, the most recent upload and, with --keep-days, any younger than D days (an archive any rule keeps is kept); deletes nothing if no archive is proven; touches nothing but archives and their proof markers',
    (c) =>
      c
        .option('--keep-last <n>', 'keep the N newest proven archives (at least 1; default 1 with a calendar rule, required without)')
        .option('--keep-days <d>', 'also keep archives younger than D days')
        .option('--keep-daily <n>', 'also keep the newest proven archive of each of the N newest days that have one (0: off)')
        .option('--keep-weekly <n>', 'also keep the newest proven archive of each of the N newest ISO weeks (Monday to Sunday) that have one (0: off)')
        .option('--keep-monthly <n>', 'also keep the newest proven archive of each of the N newest months that have one (0: off)')
        .option('--keep-yearly <n>', 'also keep the newest proven archive of each of the N newest years that have one (0: off)')
        .option('--time-zone <zone>', "the IANA time zone of the calendar rules' days, weeks, months and years, like the backup CronJob's (default: UTC)")
        .option('--dry-run', 'print keep or delete, with the rules that keep it, for every archive; delete nothing'),
    () => (require('./prune') as typeof import('./prune')).prune,
    true,
  );

  add(
    'lock',
    'set an S3 Object Lock retention (until upload time + D days) on every restorable archive under the prefix that has none; never shortens or replaces one; needs a bucket with Object Lock',
    (c) =>
      c
        .addOption(new Option('--mode <mode>', 'GOVERNANCE (s3:BypassGovernanceRetention can still delete) or COMPLIANCE (no one can until the date, the root user included)').choices(['GOVERNANCE', 'COMPLIANCE']).makeOptionMandatory())
        .requiredOption('--days <d>', 'keep each archive locked D days after its upload (at least 1)')
        .option('--dry-run', 'print what would be locked; set nothing'),
    () => (require('./lock') as typeof import('./lock')).lock,
  );

  add(
    'verify',
    'stream an archive from S3 through gunzip and tar (nothing written to disk), check backup/backup_information.json and every SHA-256 it lists, print the metadata, and record the proof beside the archive (what prune and latest trust)',
    (c) =>
      c
        .option('--uri <s3-uri>', 'the archive, s3://bucket/key')
        .option('--latest', 'the newest archive under the prefix (the default without --uri)')
        .option('--json', 'print the report as JSON')
        .option('--no-record', 'do not write the proof marker (read-only credentials); prune and latest will not count the archive as proven')
        .option('--min-rate <KiB/s>', `without --deadline, the slowest download accepted over each window of 10 s (or --timeout, if longer), and the rate the archive's size buys time at; at least 1 (default: $${MIN_RATE_ENV}, else 256)`),
    () => (require('./verify') as typeof import('./verify')).verify,
    true,
  );

  add(
    'copy',
    `copy the newest restorable archive, then any other missing at the second location (newest first, at most --max-copies), streamed, read back and compared by SHA-256; the destination is read from the ${COPY_ENV_PREFIX}-prefixed variables (${COPY_ENV_PREFIX}${S3_ENV.bucket}, ${COPY_ENV_PREFIX}${S3_ENV.accessKeyId}...) and the --to-* flags`,
    (c) =>
      c
        .option('--to-bucket <bucket>', `the destination bucket (default: $${COPY_ENV_PREFIX}${S3_ENV.bucket})`)
        .option('--to-prefix <prefix>', `the destination prefix (default: $${COPY_ENV_PREFIX}${S3_ENV.prefix})`)
        .option('--to-endpoint <url>', `the destination's S3 endpoint (default: $${COPY_ENV_PREFIX}${S3_ENV.endpoint}; none: AWS S3)`)
        .option('--to-region <region>', `the destination's region (default: $${COPY_ENV_PREFIX}${S3_ENV.region}, else us-east-1)`)
        .option('--max-copies <n>', 'copy at most N archives per run (default: 3)')
        .option('--within <duration>', "only archives younger than this (like 30d): give it when the destination's retention keeps less than the source's, or the next runs copy back what it deleted")
        .option('--accept-unproven', 'also copy archives whose first and last bytes look complete when s3 verify has not proven them (encrypted archives); no proof is recorded for them')
        .option('--min-rate <KiB/s>', `without --deadline, the slowest transfer accepted over each window of 10 s, and the rate the archives' size buys time at (default: $${MIN_RATE_ENV}, else 256)`),
    () => (require('./copy') as typeof import('./copy')).copy,
  );

  add(
    'list',
    'list the archives under the prefix, newest first, with their size and dates',
    (c) =>
      c
        .option('--details', "also read each archive's backup_information.json (backup id, versions, components)")
        .option('--limit <n>', 'only the N newest')
        .option('--json', 'print JSON'),
    () => (require('./list') as typeof import('./list')).list,
  );

  return s3;
}

/**
 * Runs `s3 ...` arguments (argv starts with `s3`) on a program of its own and
 * returns the exit code once the command has finished. Never throws.
 */
export async function runS3Cli(argv: string[], unsafe: CliIo & Pick<S3Io, 'throughputWindowMs'>): Promise<number> {
  // Commander's own messages echo arguments: they are redacted like the commands' output.
  const { knownSecrets, redactingIo, redactor, urlArguments } = require('./redact') as typeof import('./redact');
  const io = redactingIo(unsafe, redactor(knownSecrets(unsafe.env, urlArguments(argv))));
  let code = 0;
  const program = new Command('infrahub-backup-cdk8s')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showHelpAfterError(false);
  registerS3Commands(program, { ...io, exit: (c) => (code = c) });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_INVALID;
    io.stderr(errorLines([(e as Error).message.split('\n')[0]]));
    return EXIT_FAILED;
  }
}
