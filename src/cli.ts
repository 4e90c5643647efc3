/**
 * The `infrahub-backup-cdk8s` command line: argument parsing only; the work is
 * done by the model and the constructs.
 */
import { join } from 'path';
import { Command, CommanderError, Option } from 'commander';
import type { SetArgument } from './cli/values-input';
import { EXIT_INVALID, InputError } from './input-error';
import { ValuesError, formatProblem } from './model/errors';
import { DEFAULT_RELEASE } from './model/names';
import { registerS3Commands, runS3Cli } from './s3/command';
import { PACKAGE_VERSION } from './version';

const DEFAULT_CHART_SOURCE = join(__dirname, '..', 'chart');

export { EXIT_INVALID };

/** Where the CLI writes; replaced in tests. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

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

  program
    .command('synth')
    .description('print the manifests for a values document as multi-document YAML, like `helm template`')
    .option('-f, --values <file>', 'a values file (repeatable; later files win)', collect, [])
    .option('--set <path=value>', 'set a value, Helm syntax (repeatable)', collect, [])
    .option('--set-string <path=value>', 'set a string value, Helm syntax (repeatable)', collect, [])
    .addOption(new Option('--release <name>', 'release name').default(DEFAULT_RELEASE))
    .addOption(new Option('-n, --namespace <namespace>', 'namespace of the objects').default('default'))
    .action((opts: { values: string[]; set: string[]; setString: string[]; release: string; namespace: string }) => {
      const sets: SetArgument[] = [
        ...opts.set.map((expression) => ({ expression, asString: false })),
        ...opts.setString.map((expression) => ({ expression, asString: true })),
      ];
      // Loaded here, as the other commands' modules are: `version` and `s3` never load the model, cdk8s or the validator.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { readValues } = require('./cli/values-input') as typeof import('./cli/values-input');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { synthValues } = require('./synth') as typeof import('./synth');
      const values = readValues(opts.values, sets);
      io.stdout(synthValues(values, { releaseName: opts.release, namespace: opts.namespace }));
    });
  const argocd = program
    .command('argocd')
    .description('the Argo CD config-management plugin (argocd/plugin.yaml runs these)');
  argocd
    .command('generate')
    .description("print the manifests of an Argo CD application directory: its values files, or its cdk8s app; reads Argo CD's environment (ARGOCD_APP_*, ARGOCD_ENV_*, PARAM_*)")
    .addOption(new Option('-C, --dir <dir>', 'the application directory').default('.'))
    .action((opts: { dir: string }) => {
      // Loaded here: only the plugin needs it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { generate } = require('./argocd/generate') as typeof import('./argocd/generate');
      io.stdout(generate(opts.dir, io.env, io));
    });
  program
    .command('chart')
    .description('build the Helm chart: <out>/chart/infrahub-backup/ and <out>/infrahub-backup-<version>.tgz')
    .addOption(new Option('--out <dir>', 'output directory').default('dist'))
    .addOption(new Option('--source <dir>', 'chart templates').default(DEFAULT_CHART_SOURCE))
    .action((opts: { out: string; source: string }) => {
      // Loaded here: the chart builder (and tar) is not needed to synthesize.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { buildChart } = require('./helm/build') as typeof import('./helm/build');
      const { chartDir, packagePath } = buildChart(opts.source, opts.out);
      io.stderr(`wrote ${chartDir} and ${packagePath}\n`);
    });
  // Listed for --help; main() runs them with runS3Cli, which waits for their asynchronous work.
  registerS3Commands(program, io);
  return program;
}

/** Runs the CLI; returns the exit code. Never throws for bad input. */
export function runCli(argv: string[], io: CliIo): number {
  const program = buildProgram(io);
  try {
    program.parse(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : EXIT_INVALID;
    }
    if (e instanceof ValuesError) {
      io.stderr(e.problems.map((p) => `error: ${formatProblem(p)}\n`).join(''));
      return EXIT_INVALID;
    }
    if (e instanceof InputError) {
      io.stderr(e.lines.map((l) => `error: ${l}\n`).join(''));
      return EXIT_INVALID;
    }
    io.stderr(`error: ${(e as Error).message.split('\n')[0]}\n`);
    return 1;
  }
}

/** Entry point of the bin. */
export function main(): void {
  const io: CliIo = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
  };
  const argv = process.argv.slice(2);
  if (argv[0] === 's3') {
    void runS3Cli(argv, io).then((code) => {
      process.exitCode = code;
    });
    return;
  }
  process.exitCode = runCli(argv, io);
}
