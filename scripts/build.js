#!/usr/bin/env node
/**
 * `npm run build`, which `prepare` runs: compiles src/ into lib/ with tsc, then
 * runs scripts/compile-validator.js and scripts/bundle-vendor.js.
 *
 * Skips the three steps when lib/ already holds what they make from the same
 * inputs: lib/.build-stamp (not packed) records a hash of the inputs (the path
 * and content of every file under src/, tsconfig.json, package.json, the lock
 * file of npm, yarn or pnpm, this script and the two it runs, and
 * node_modules/.package-lock.json, npm's record of the installed packages, so
 * any install that changes a dependency builds again; a package edited in
 * node_modules by hand is not seen: delete lib/ to build) and a hash of every
 * file the build left in lib/. Both must match: a changed source, a fresh
 * clone (no lib/), a changed or removed file of lib/ or a build that stopped
 * midway all build. When it skips, it touches
 * the files of lib/, so that they are newer than src/ as after a build
 * (scripts/app.js runs lib/app.js only then). A Git install runs `prepare`
 * twice (npm install in the clone, then the pack of the clone): the second
 * finds the stamp of the first. The build's output does not depend on when it
 * runs, so skipping leaves lib/ as a build would.
 */
'use strict';
const { execFileSync } = require('child_process');
const { createHash } = require('crypto');
const { existsSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } = require('fs');
const { join, relative } = require('path');

const ROOT = join(__dirname, '..');
const LIB = join(ROOT, 'lib');
const STAMP = join(LIB, '.build-stamp');
const INPUTS = [
  'tsconfig.json',
  'package.json',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'scripts/build.js',
  'scripts/compile-validator.js',
  'scripts/bundle-vendor.js',
  'node_modules/.package-lock.json',
];

/** Every file under a directory, relative to the root, sorted. */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  const found = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.isFile()) found.push(relative(ROOT, join(d, e.name)));
    }
  };
  walk(dir);
  return found.sort();
}

/** A hash of the paths and contents of files (a missing file counts as missing). */
function hashOf(files) {
  const hash = createHash('sha256');
  for (const f of files) {
    const path = join(ROOT, f);
    hash.update(f).update('\0').update(existsSync(path) ? readFileSync(path) : 'missing').update('\0');
  }
  return hash.digest('hex');
}

const inputs = () => hashOf([...INPUTS, ...filesUnder(join(ROOT, 'src'))]);
const libFiles = () => filesUnder(LIB).filter((f) => f !== relative(ROOT, STAMP));
const stampOf = (inputsHash) => `${JSON.stringify({ inputs: inputsHash, lib: hashOf(libFiles()) }, null, 2)}\n`;

// The inputs as they are before the build: a source changed while it runs builds again next time.
const before = inputs();
if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === stampOf(before)) {
  const now = new Date();
  for (const f of libFiles()) utimesSync(join(ROOT, f), now, now);
  process.stderr.write('lib/ is up to date with src/ and the build inputs (lib/.build-stamp): not built again\n');
  process.exit(0);
}

rmSync(STAMP, { force: true });
const node = (...args) => execFileSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
try {
  node(require.resolve('typescript/bin/tsc', { paths: [ROOT] }), '-p', 'tsconfig.json');
  node(join(__dirname, 'compile-validator.js'));
  node(join(__dirname, 'bundle-vendor.js'));
} catch (e) {
  process.exit(typeof e.status === 'number' && e.status !== 0 ? e.status : 1);
}
writeFileSync(STAMP, stampOf(before));
