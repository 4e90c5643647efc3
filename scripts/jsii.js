#!/usr/bin/env node
/**
 * The jsii assembly (`.jsii`) of the construct library: what Construct Hub
 * lists and what jsii-pacmak turns into the Python, Java, Go and .NET packages.
 *
 *   node scripts/jsii.js            builds dist/jsii/ and copies its .jsii to the package root
 *   node scripts/jsii.js --no-copy  builds dist/jsii/ only
 *
 * The package's JavaScript and typings stay what `tsc` builds into lib/ (the
 * npm package ships them; the other languages' packages embed that same npm
 * tarball and load lib/index.js through the jsii runtime). jsii compiles a copy
 * of src/ in dist/jsii/ with the package's own compiler options (tsconfig.json,
 * checked against jsii's "minimal" rule set), so lib/ and tsconfig.json are not
 * touched, and validates the API src/index.ts exports, less the TypeScript-only
 * names below, which it removes from the copy's index.
 */
'use strict';
const { spawnSync } = require('child_process');
const { createHash } = require('crypto');
const { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } = require('fs');
const { tmpdir } = require('os');
const { join, relative } = require('path');

const ROOT = join(__dirname, '..');
const STAGE = join(ROOT, 'dist', 'jsii');

/**
 * Exports of src/index.ts that jsii cannot describe; TypeScript users keep
 * them, other languages do without.
 */
const TYPESCRIPT_ONLY = {
  // jsii types cannot extend JavaScript built-ins (Error). In other languages
  // the error reaches the caller as the runtime's error, with the same lines.
  ValuesError: 'extends Error',
  ValuesProblem: 'used only by ValuesError',
  // `SynthOptions.warn` is a function type, which jsii has none of.
  InfrahubBackupManifests: 'its synth() takes SynthOptions',
  SynthOptions: 'its `warn` is a function',
};

/**
 * jsii warnings that are not problems here; every other warning fails the build.
 */
const SILENCED = [
  // `namespace`, `global` and `type` are keys of the values document (the
  // Helm chart's keys): jsii-pacmak escapes them where a language reserves
  // them (Python `global_`; C#, Java and Go capitalise them anyway).
  'reserved-word',
  // The peer ranges state the oldest cdk8s release supported; the development
  // dependencies are the newest, which the tests run against.
  'metadata/missing-dev-dependency',
];

/** src/index.ts less the TypeScript-only names (a whole statement when all its names go). */
function jsiiIndex(source) {
  return source
    .split('\n')
    .map((line) => {
      const m = /^export (type )?\{ ([^}]*) \} from '([^']+)';$/.exec(line);
      if (!m) return line;
      const names = m[2].split(',').map((n) => n.trim()).filter((n) => n && !(n in TYPESCRIPT_ONLY));
      return names.length ? `export ${m[1] ?? ''}{ ${names.join(', ')} } from '${m[3]}';` : null;
    })
    .filter((line) => line !== null)
    .join('\n');
}

/** The TypeScript-only exports of src/index.ts (the statements jsiiIndex drops or trims). */
function typescriptOnlyIndex(source) {
  return source
    .split('\n')
    .map((line) => {
      const m = /^export (type )?\{ ([^}]*) \} from '([^']+)';$/.exec(line);
      if (!m) return null;
      const names = m[2].split(',').map((n) => n.trim()).filter((n) => n in TYPESCRIPT_ONLY);
      return names.length ? `export ${m[1] ?? ''}{ ${names.join(', ')} } from '${m[3]}';` : null;
    })
    .filter((line) => line !== null)
    .join('\n') + '\n';
}

function stage(dir) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
  // The PyPI package's description.
  cpSync(join(ROOT, 'README.md'), join(dir, 'README.md'));
  writeFileSync(join(dir, 'src', 'index.ts'), jsiiIndex(readFileSync(join(ROOT, 'src', 'index.ts'), 'utf8')));
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(dir, 'node_modules'), 'dir');
  // package.json as published (the library reads its version, config.image and repository at run
  // time), less what only a clone uses; the runtime dependencies are plain JavaScript, bundled.
  const { scripts, jest, bin, files, devDependencies, ...published } = pkg;
  void [scripts, jest, bin, files];
  const staged = {
    ...published,
    author: { ...pkg.author, organization: true },
    main: 'lib/index.js',
    types: 'lib/index.d.ts',
    devDependencies: Object.fromEntries(Object.keys(pkg.peerDependencies).map((name) => [name, devDependencies[name]])),
    bundleDependencies: Object.keys(pkg.dependencies),
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(staged, null, 2) + '\n');
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ ...tsconfig, include: ['src/**/*.ts'] }, null, 2) + '\n');
}

/**
 * Where assemblies are kept by the hash of what they are built from (content-addressed: clones may
 * share it): the system's temporary folder, which a reinstall of node_modules (`npm ci`) leaves alone;
 * IBC_TEST_CACHE_DIR when set (the temporary folder from before a jest run, which gives each run a
 * folder of its own that it removes: test/support/global-setup.js).
 */
const CACHE = join(process.env.IBC_TEST_CACHE_DIR ?? tmpdir(), 'infrahub-backup-cdk8s-jsii');

/** Hash of every input of the assembly: the sources, the manifests, the lockfile, this script, jsii's version. */
function inputHash() {
  const hash = createHash('sha256');
  const add = (path) => hash.update(`${relative(ROOT, path)}\0`).update(readFileSync(path)).update('\0');
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory()) walk(join(d, e.name));
      else add(join(d, e.name));
    }
  };
  walk(join(ROOT, 'src'));
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'README.md', 'scripts/jsii.js', 'node_modules/jsii/package.json']) add(join(ROOT, f));
  return hash.digest('hex');
}

/**
 * Stages and compiles `dir` (dist/jsii/ by default); returns the assembly's
 * path. jsii's output is printed, or with `quiet` only given in the error.
 * With `cache`, an assembly jsii already built from the same inputs is
 * reused (the staged copy is written either way; jsii's JavaScript is not),
 * and processes building the same inputs at the same time compile once: the
 * first takes a lock beside the cached file, the others wait for its assembly.
 */
function buildAssembly(dir = STAGE, { quiet = false, cache = false } = {}) {
  stage(dir);
  if (!cache) return compile(dir, quiet);
  const cached = join(CACHE, `${inputHash()}.jsii`);
  const reuse = () => {
    if (!existsSync(cached)) return false;
    cpSync(cached, join(dir, '.jsii'));
    return true;
  };
  if (reuse()) return join(dir, '.jsii');
  // One build per input hash: another process (the API.md check and the jsii test run side by side
  // under jest) may be compiling the same inputs; wait for its assembly rather than compile twice.
  mkdirSync(CACHE, { recursive: true });
  const release = lock(`${cached}.lock`, reuse);
  if (!release) return join(dir, '.jsii');
  try {
    if (reuse()) return join(dir, '.jsii');
    compile(dir, quiet);
    const partial = `${cached}.${process.pid}`;
    cpSync(join(dir, '.jsii'), partial);
    renameSync(partial, cached);
    return join(dir, '.jsii');
  } finally {
    release();
  }
}

/**
 * Takes the lock directory `path` (mkdir is atomic), waiting while a live
 * process holds it; a lock whose process has ended is taken over. Returns
 * the release function, or undefined when `done()` became true while waiting.
 */
function lock(path, done, timeoutMs = 15 * 60 * 1000) {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      mkdirSync(path);
      writeFileSync(join(path, 'pid'), String(process.pid));
      return () => rmSync(path, { recursive: true, force: true });
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    if (done()) return undefined;
    let owner = NaN;
    try {
      owner = Number(readFileSync(join(path, 'pid'), 'utf8'));
    } catch {
      // being written or removed: look again
    }
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) rmSync(path, { recursive: true, force: true });
    if (Date.now() > deadline) throw new Error(`another jsii build held ${path} for ${timeoutMs / 60000} minutes: remove it if no build runs`);
    Atomics.wait(pause, 0, 0, 250);
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Compiles the staged copy in `dir` with jsii; returns the assembly's path. */
function compile(dir, quiet) {
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'jsii', 'bin', 'jsii'), '--fail-on-warnings', ...SILENCED.flatMap((w) => ['--silence-warnings', w])], {
    cwd: dir,
    encoding: 'utf8',
    stdio: quiet ? 'pipe' : 'inherit',
  });
  if (result.status !== 0) throw new Error(`jsii failed${quiet ? `:\n${result.stdout}${result.stderr}` : ''}`);
  if (!existsSync(join(dir, '.jsii'))) throw new Error('jsii wrote no .jsii');
  return join(dir, '.jsii');
}

function main() {
  const assembly = buildAssembly();
  if (!process.argv.includes('--no-copy')) cpSync(assembly, join(ROOT, '.jsii'));
}

module.exports = { ROOT, STAGE, CACHE, TYPESCRIPT_ONLY, buildAssembly, inputHash, jsiiIndex, typescriptOnlyIndex };

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(`error: ${error.message.split('\n')[0]}`);
    process.exit(1);
  }
}
