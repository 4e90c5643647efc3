/**
 * The `infrahub-backup-cdk8s` command line: argument parsing only; the work is
 * done by the model and the constructs.
 */
import { join } from 'path';
import { setFlagsFromString } from 'v8';
import { Command, CommanderError, Option } from 'commander';
import type { SetArgument } from './values-io/values-input';
import { errorLines, EXIT_INVALID, InputError } from './input-error';
import type { CliIo } from './io';
import { ValuesError, formatProblem } from './model/errors';
import { DEFAULT_RELEASE } from './model/names';
import { registerGuardCommands } from './guard/command';
import { registerS3Commands, runS3Cli } from './s3/command';
import { PACKAGE_VERSION } from './version';

const DEFAULT_CHART_SOURCE = join(__dirname, '..', 'chart');

export { EXIT_INVALID };

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The --set and --set-string options of the commands that read values. */
function withSetOptions(command: Command): Command {
  return command
    .option('--set <path=value>', 'set a value, Helm syntax (repeatable)', collect, [])
    .option('--set-string <path=value>', 'set a string value, Helm syntax (repeatable)', collect, []);
}

/** What --set and --set-string gave, every --set before every --set-string (Helm's order). */
function setArguments(opts: { set: string[]; setString: string[] }): SetArgument[] {
  return [...opts.set.map((expression) => ({ expression, asString: false })), ...opts.setString.map((expression) => ({ expression, asString: true }))];
}

function buildProgram(io: CliIo): Command {
  const program = new Command('infrahub-backup-cdk8s')
    .description('Kubernetes manifests that back up and restore Infrahub with the infrahub-backup image.')
    .version(PACKAGE_VERSION, '-V, --version', 'print the version')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showHelpAfterError(false);

  program
    .command('version')
    .description('print the version')
    .action(() => io.stdout(`${PACKAGE_VERSION}\n`));

  withSetOptions(
    program
      .command('synth')
      .description('print the manifests for a values document as multi-document YAML, like `helm template`')
      .option('-f, --values <file>', 'a values file (repeatable; later files win)', collect, []),
  )
    .addOption(new Option('--release <name>', 'release name').default(DEFAULT_RELEASE))
    .addOption(new Option('-n, --namespace <namespace>', 'namespace of the objects').default('default'))
    .action((opts: { values: string[]; set: string[]; setString: string[]; release: string; namespace: string }) => {
      // Loaded here, as the other commands' modules are: `version` and `s3` never load the model, cdk8s or the validator.
      const { readValues } = require('./values-io/values-input') as typeof import('./values-io/values-input');
      const { synthValues } = require('./synth') as typeof import('./synth');
      const values = readValues(opts.values, setArguments(opts));
      io.stdout(synthValues(values, { releaseName: opts.release, namespace: opts.namespace, warn: (line) => io.stderr(`warning: ${line}\n`) }));
    });
  withSetOptions(
    program
      .command('values')
      .description('print the values as Helm passes them to the templates: -f files merged in order, then --set, then --set-string; with --all, after the defaults and aliases')
      .option('-f, --values <file>', 'a values file, or - for standard input (repeatable; later files win)', collect, []),
  )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('--all', 'the resolved values: defaults filled in, aliases folded into their canonical keys, checked')
    .addOption(new Option('--release <name>', 'release name (checked with --all)').default(DEFAULT_RELEASE))
    .addOption(new Option('-n, --namespace <namespace>', 'namespace (checked with --all)').default('default'))
    .action((opts: { values: string[]; set: string[]; setString: string[]; output: 'yaml' | 'json'; all?: boolean; release: string; namespace: string }) => {
      // Loaded here: only this command prints values.
      const output = require('./values-io/values-output') as typeof import('./values-io/values-output');
      const { readValues } = require('./values-io/values-input') as typeof import('./values-io/values-input');
      let values = readValues(opts.values, setArguments(opts), undefined, { exactIntegers: !opts.all });
      if (opts.all) {
        const { resolveValues } = require('./model/resolve') as typeof import('./model/resolve');
        values = resolveValues(values, { release: opts.release, namespace: opts.namespace });
      }
      io.stdout(opts.output === 'json' ? `${output.goJsonValues(values)}\n` : output.goYamlValues(values));
    });
  const argocd = program
    .command('argocd')
    .description('the Argo CD config-management plugin (argocd/plugin.yaml runs these)');
  argocd
    .command('generate')
    .description("print the manifests of an Argo CD application directory: its values files, or its cdk8s app; reads Argo CD's environment (ARGOCD_APP_*, ARGOCD_ENV_*, PARAM_*)")
    .addOption(new Option('-C, --dir <dir>', 'the application directory').default('.'))
    .action(async (opts: { dir: string }) => {
      // Loaded here: only the plugin needs it.
      const { generate } = require('./argocd/generate') as typeof import('./argocd/generate');
      io.stdout(await generate(opts.dir, io.env, io));
    });
  program
    .command('chart')
    .description('build the Helm chart: <out>/chart/infrahub-backup/ and <out>/infrahub-backup-<version>.tgz')
    .addOption(new Option('--out <dir>', 'output directory').default('dist'))
    .addOption(new Option('--source <dir>', 'chart templates').default(DEFAULT_CHART_SOURCE))
    .action((opts: { out: string; source: string }) => {
      // Loaded here: the chart builder (and tar) is not needed to synthesize.
      const { buildChart } = require('./helm/build') as typeof import('./helm/build');
      const { chartDir, packagePath } = buildChart(opts.source, opts.out);
      io.stderr(`wrote ${chartDir} and ${packagePath}\n`);
    });
  // Listed for --help; main() runs them with runS3Cli, which waits for their asynchronous work.
  registerS3Commands(program, io);
  // The Kubernetes client is loaded when a guard command runs; the actions throw on failure.
  registerGuardCommands(program, io);
  return program;
}

/** Runs the CLI; returns the exit code. Never throws for bad input. `argocd generate` is asynchronous: use runCliAsync. */
export function runCli(argv: string[], io: CliIo): number {
  const program = buildProgram(io);
  try {
    program.parse(argv, { from: 'user' });
    return 0;
  } catch (e) {
    return exitCodeOf(e, io);
  }
}

/** Runs the CLI, waiting for asynchronous commands (`argocd generate`); resolves to the exit code. */
export async function runCliAsync(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    return exitCodeOf(e, io);
  }
}

/** The exit code for what a command threw, its lines written to stderr. */
function exitCodeOf(e: unknown, io: CliIo): number {
  if (e instanceof CommanderError) {
    return e.exitCode === 0 ? 0 : EXIT_INVALID;
  }
  if (e instanceof ValuesError) {
    io.stderr(errorLines(e.problems.map(formatProblem)));
    return EXIT_INVALID;
  }
  if (e instanceof InputError) {
    io.stderr(errorLines(e.lines));
    return EXIT_INVALID;
  }
  io.stderr(errorLines([(e as Error).message.split('\n')[0]]));
  return 1;
}

/**
 * A render is a short process whose peak memory is what a sidecar or a CI
 * runner must hold: V8 doubles its young generation (up to 3 x 32 MiB) while
 * the YAML parser's tree survives scavenges, and 15,000 `extraEnv` values
 * then peak at about 265 MiB, against about 150 MiB with the young generation
 * kept at its initial size, for the same CPU time (`npm run bench:limits`).
 * The flag is read at each scavenge, so setting it at start-up takes effect.
 * The s3 commands stream archives and keep V8's default.
 */
function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

/** Entry point of the bin. */
export function main(): void {
  const io: CliIo = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
  };
  const argv = process.argv.slice(2);
  if (argv[0] !== 's3') keepYoungGenerationSmall();
  // Every command through parseAsync, which also waits for the asynchronous ones (argocd generate).
  const run = argv[0] === 's3' ? runS3Cli : runCliAsync;
  void run(argv, io).then((code) => {
    process.exitCode = code;
  });
}
