#!/usr/bin/env node
/**
 * Builds the image's startup snapshot of the CLI: the modules `synth`, `values`
 * and `argocd generate` load, already loaded, in a V8 startup snapshot of the
 * Node.js binary that runs this script, and a launcher that starts the CLI
 * from it when it still belongs to that binary.
 *
 *   node scripts/snapshot.js OUT [--package DIR]
 *
 * DIR is an installed infrahub-backup-cdk8s (default: this checkout, built).
 * OUT receives:
 * - `cli.js`: the CLI bundled into one script (esbuild; Node.js snapshots hold
 *   a single script), `__dirname` and `__filename` of the package's own files
 *   kept as the installed paths, so that the chart, the examples and the
 *   modules an Argo CD cdk8s app resolves are found where they are installed;
 * - `cli.blob`: the snapshot (`node --build-snapshot`);
 * - `stamp`: the node binary and the blob as `stat` names them (path, size,
 *   modification time), and `package.json`: the package's, as it was;
 * - `bin/infrahub-backup-cdk8s`: the launcher (POSIX sh). It runs
 *   `node --snapshot-blob cli.blob -- ARGS` when the stamp still matches the
 *   `node` on PATH and the blob and the installed package.json is the same,
 *   and the package's own bin otherwise: another binary, a truncated or
 *   replaced blob, another version of the package, NODE_OPTIONS set (a
 *   snapshot would ignore its --import and loaders), or
 *   INFRAHUB_BACKUP_SNAPSHOT=off. A snapshot of another build of Node.js stops
 *   Node.js before it runs anything, and a damaged one crashes it, so the
 *   launcher never tries one that does not match. Either way it `exec`s
 *   Node.js: signals and the exit status are the CLI's own.
 *
 * Before it keeps the snapshot, it runs `version`, `--help`, `synth` of each
 * example values file and `values` both ways and requires the same bytes; it
 * exits non-zero (and removes the blob) otherwise.
 */
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } = require('fs');
const { createRequire } = require('module');
const { dirname, join, resolve, sep } = require('path');

/** What the stamp and the launcher ask `stat` of node and the blob: path, size and modification time. */
const STAT_FORMAT = '%n %s %Y;';

const LAUNCHER = `#!/bin/sh
# infrahub-backup-cdk8s, started from a V8 startup snapshot of the CLI when the
# snapshot still belongs to the node on PATH and to the installed package
# (written by scripts/snapshot.js). The package's bin runs instead when they
# differ, when NODE_OPTIONS is set (a snapshot ignores --import and loaders),
# or with INFRAHUB_BACKUP_SNAPSHOT=off.
blob=@BLOB@
stamp=@STAMP@
manifest=@MANIFEST@
installed=@INSTALLED@
bin=@BIN@
node=$(command -v node) || { echo 'error: node is not on PATH' >&2; exit 127; }
if [ "\${INFRAHUB_BACKUP_SNAPSHOT:-on}" != off ] && [ -z "\${NODE_OPTIONS:-}" ] && [ -r "$blob" ] && [ -r "$stamp" ] \\
  && IFS= read -r expected < "$stamp" \\
  && [ "$(stat -L --printf '${STAT_FORMAT}' "$node" "$blob" 2>/dev/null)" = "$expected" ] \\
  && cmp -s "$manifest" "$installed" 2>/dev/null; then
  exec "$node" --snapshot-blob "$blob" -- "$@"
fi
exec "$node" "$bin" "$@"
`;

function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

/** A shell word that stays one word whatever the path holds. */
function shellQuote(text) {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The `stat` line the launcher compares. */
function stamp(node, blob) {
  return execFileSync('stat', ['-L', '--printf', STAT_FORMAT, node, blob], { encoding: 'utf8' });
}

function parseArgs(argv) {
  const out = argv[0];
  if (!out || out.startsWith('-')) fail('usage: node scripts/snapshot.js OUT [--package DIR]');
  let pkg = join(__dirname, '..');
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === '--package' && argv[i + 1]) pkg = argv[++i];
    else fail(`unknown argument: ${argv[i]}`);
  }
  return { out: resolve(out), pkg: resolve(pkg) };
}

async function bundle(pkg, out) {
  const lib = join(pkg, 'lib');
  if (!existsSync(join(lib, 'cli.js'))) fail(`${lib}/cli.js is missing: build the package first (npm run build)`);
  const entry = join(out, 'entry.js');
  const bin = join(pkg, 'bin', 'infrahub-backup-cdk8s');
  // Loaded now, so that they are in the snapshot: what synth, values and the
  // plugin's values mode run. The other commands' modules are in the bundle,
  // loaded when a command asks for them.
  const preload = ['cli.js', 'synth.js', join('values-io', 'values-input.js'), join('argocd', 'generate.js')];
  writeFileSync(
    entry,
    [
      "'use strict';",
      `const cli = require(${JSON.stringify(join(lib, 'cli.js'))});`,
      ...preload.slice(1).map((m) => `require(${JSON.stringify(join(lib, m))});`),
      "require('v8').startupSnapshot.setDeserializeMainFunction(() => {",
      `  process.argv.splice(1, 0, ${JSON.stringify(bin)});`,
      '  cli.main();',
      '});',
      '',
    ].join('\n'),
  );
  const esbuild = createRequire(join(pkg, 'package.json'))('esbuild');
  const own = lib + sep;
  const keepPaths = {
    name: 'installed-paths',
    setup(build) {
      build.onLoad({ filter: /\.js$/ }, (args) => {
        if (!args.path.startsWith(own)) return undefined;
        const text = readFileSync(args.path, 'utf8');
        if (!/\b__(?:dirname|filename)\b/.test(text)) return undefined;
        return {
          contents: text.replace(/\b__dirname\b/g, JSON.stringify(dirname(args.path))).replace(/\b__filename\b/g, JSON.stringify(args.path)),
          loader: 'js',
        };
      });
    },
  };
  const file = join(out, 'cli.js');
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    outfile: file,
    plugins: [keepPaths],
    logLevel: 'error',
    legalComments: 'none',
  });
  rmSync(entry);
  return { file, bin };
}

/**
 * Runs the CLI both ways and returns what differs: the launcher must take the
 * snapshot (traced by sh), and each command must answer as the bin does.
 */
function compare(launcher, bin, examples) {
  const env = { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1' };
  delete env.INFRAHUB_BACKUP_SNAPSHOT;
  delete env.NODE_OPTIONS;
  const traced = spawnSync('sh', ['-x', launcher, 'version'], { encoding: 'utf8', env });
  const exec = traced.stderr.split('\n').filter((l) => l.startsWith('+ exec '));
  if (exec.length !== 1 || !exec[0].includes('--snapshot-blob')) return `the launcher does not start the snapshot: ${exec.join(' | ') || traced.stderr.trim()}`;
  const commands = [['version'], ['--help'], ['values', '-f', examples[0]], ...examples.map((f) => ['synth', '-f', f, '--release', 'infrahub-backup'])];
  for (const args of commands) {
    const fast = spawnSync(launcher, args, { encoding: 'utf8', env });
    const plain = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env });
    if (fast.status !== plain.status || fast.stdout !== plain.stdout || fast.stderr !== plain.stderr) {
      return `${args.join(' ')}: exit ${fast.status} (${fast.stderr.trim().split('\n')[0] ?? ''}) with the snapshot, ${plain.status} without`;
    }
  }
  return undefined;
}

async function main() {
  const { out, pkg } = parseArgs(process.argv.slice(2));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'bin'), { recursive: true });
  const { file, bin } = await bundle(pkg, out);
  const blob = join(out, 'cli.blob');
  const built = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', file], { encoding: 'utf8' });
  if (built.status !== 0) fail(`node --build-snapshot failed: ${built.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  // The launcher finds node through PATH: the stamp names the same binary.
  const node = execFileSync('sh', ['-c', 'command -v node'], { encoding: 'utf8' }).trim();
  if (realpathSync(node) !== realpathSync(process.execPath)) {
    fail(`the node on PATH (${node}) is not the one running this script (${process.execPath}): the snapshot would never match it`);
  }
  writeFileSync(join(out, 'stamp'), `${stamp(node, blob)}\n`);
  // The package.json the snapshot was built from: a package installed over it (another version) no longer matches.
  copyFileSync(join(pkg, 'package.json'), join(out, 'package.json'));
  const launcher = join(out, 'bin', 'infrahub-backup-cdk8s');
  const fill = {
    '@BLOB@': blob,
    '@STAMP@': join(out, 'stamp'),
    '@MANIFEST@': join(out, 'package.json'),
    '@INSTALLED@': join(pkg, 'package.json'),
    '@BIN@': bin,
  };
  writeFileSync(launcher, LAUNCHER.replace(/@[A-Z]+@/g, (key) => shellQuote(fill[key])));
  chmodSync(launcher, 0o755);
  const valuesDir = join(pkg, 'examples', 'values');
  const examples = readdirSync(valuesDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(valuesDir, f));
  const different = compare(launcher, bin, examples);
  if (different) {
    rmSync(blob);
    fail(`the snapshot does not run the CLI as the package's bin does: ${different}`);
  }
  process.stdout.write(`${blob}: ${(readFileSync(blob).length / 1024 / 1024).toFixed(1)} MiB, for Node.js ${process.version} (${node})\n`);
}

main().catch((e) => fail(e && e.message ? e.message : String(e)));
