#!/usr/bin/env node
/**
 * The packed package.json declares no install-time script: `prepare` builds
 * lib/ in a clone and in a Git install (`npm install github:...`), but in the
 * tarball it would only make package managers warn about install scripts,
 * since lib/ is already built. `prepack` runs `strip` (package.json without
 * the install-time scripts, the original kept beside it), `postpack` runs
 * `restore`. `restore` also repairs a checkout where a pack stopped midway.
 * Under `npm publish`, which reads package.json again after packing and sends
 * it to the registry, postpack leaves it stripped and `postpublish` restores it.
 */
const { existsSync, readFileSync, renameSync, writeFileSync } = require('fs');
const { join } = require('path');

const root = join(__dirname, '..');
const manifest = join(root, 'package.json');
const kept = join(root, '.package.json.unpacked');
/** The lifecycle scripts npm, pnpm, yarn and bun run when they install a package. */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare', 'preprepare', 'postprepare'];

const command = process.argv[2];
if (command === 'strip') {
  if (existsSync(kept)) renameSync(kept, manifest);
  const text = readFileSync(manifest, 'utf8');
  const pkg = JSON.parse(text);
  for (const name of INSTALL_SCRIPTS) delete pkg.scripts[name];
  writeFileSync(kept, text);
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (command === 'restore' || command === 'restore-after-pack') {
  if (command === 'restore-after-pack' && process.env.npm_command === 'publish') process.exit(0);
  if (existsSync(kept)) renameSync(kept, manifest);
} else {
  process.stderr.write('usage: pack-manifest.js strip|restore|restore-after-pack\n');
  process.exit(2);
}
