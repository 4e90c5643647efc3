#!/usr/bin/env node
/**
 * The Python, Java, Go and .NET packages of the construct library, made by
 * jsii-pacmak from the jsii assembly (scripts/jsii.js) into dist/packages/.
 *
 *   node scripts/pacmak.js [--code-only] [--cache] [--work DIR] [python|java|go|dotnet...]
 *
 * Default: every target, staged in dist/jsii/, packages in dist/packages/
 * (with --work: DIR/jsii/ and DIR/packages/). --cache reuses an assembly jsii
 * built from the same inputs (scripts/jsii.js); the release builds it afresh.
 *
 * Needs lib/ (`npm run build`) and each target's toolchain (python3 with
 * venv and pip; a JDK and Maven; Go; the .NET SDK), and the target's package
 * registry for the runtime libraries its build resolves. `--code-only` writes
 * the sources without building them.
 *
 * Each package embeds an npm tarball that the jsii runtime loads: the npm
 * package's own lib/ (the JavaScript `tsc` builds, not jsii's), the .jsii,
 * and the runtime dependencies (ajv, yaml) bundled, since the runtime does
 * not install npm dependencies. cdk8s, cdk8s-plus-28 and constructs come
 * from their own packages in each language.
 */
'use strict';
const { execFileSync } = require('child_process');
const { cpSync, existsSync, readFileSync, rmSync, writeFileSync } = require('fs');
const { join } = require('path');
const { ROOT, STAGE: DEFAULT_STAGE, buildAssembly } = require('./jsii');

const TARGETS = ['python', 'java', 'go', 'dotnet'];

function main(argv) {
  const args = [...argv];
  const codeOnly = args.includes('--code-only');
  const w = args.indexOf('--work');
  const work = w >= 0 ? args.splice(w, 2)[1] : undefined;
  if (w >= 0 && !work) throw new Error('--work needs a directory');
  const STAGE = work ? join(work, 'jsii') : DEFAULT_STAGE;
  const OUT = work ? join(work, 'packages') : join(ROOT, 'dist', 'packages');
  const targets = args.filter((a) => !a.startsWith('--'));
  for (const t of targets) if (!TARGETS.includes(t)) throw new Error(`unknown target "${t}": use ${TARGETS.join(', ')}`);
  if (!existsSync(join(ROOT, 'lib', 'index.js'))) throw new Error('lib/ is not built: run `npm run build` first');
  buildAssembly(STAGE, { cache: args.includes('--cache') });
  // The tarball's JavaScript is the npm package's, built by tsc.
  rmSync(join(STAGE, 'lib'), { recursive: true, force: true });
  cpSync(join(ROOT, 'lib'), join(STAGE, 'lib'), { recursive: true });
  cpSync(join(ROOT, 'LICENSE'), join(STAGE, 'LICENSE'));
  const pkg = JSON.parse(readFileSync(join(STAGE, 'package.json'), 'utf8'));
  pkg.files = ['lib/**/*.js', 'lib/**/*.d.ts', 'lib/vendor/THIRD-PARTY-LICENSES.md', '.jsii', 'LICENSE'];
  writeFileSync(join(STAGE, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  const pacmak = ['--outdir', OUT, '--no-npmignore', '--no-fingerprint', '--targets', ...(targets.length ? targets : TARGETS)];
  if (codeOnly) pacmak.push('--code-only');
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'jsii-pacmak', 'bin', 'jsii-pacmak'), ...pacmak], { cwd: STAGE, stdio: 'inherit' });
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(`error: ${error.message.split('\n')[0]}`);
    process.exit(1);
  }
}
