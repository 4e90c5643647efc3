#!/usr/bin/env node
/**
 * Bundles the packages only the CLI uses (the AWS SDK's S3 client, commander,
 * tar, tar-stream, the Kubernetes client of the guard commands) into lib/vendor/, and points the compiled CLI modules at
 * those bundles. They are development dependencies: a construct-library
 * consumer's `npm install` does not fetch them, while the CLI of the packed
 * package (and the image) still has them.
 *
 * Runs after `tsc`: each `require("<package>")` of a vendored package in
 * lib/ becomes `require("<relative path>/vendor/<file>")`. Each bundle is
 * loaded only where tsc put the require, so the lazy loading of the s3
 * commands, of the chart builder and of the Argo CD code is kept. The
 * licenses of the bundled packages go to lib/vendor/THIRD-PARTY-LICENSES.md.
 */
'use strict';
const { buildSync } = require('esbuild');
const { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } = require('fs');
const { dirname, join, relative, sep } = require('path');

const ROOT = join(__dirname, '..');
const LIB = join(ROOT, 'lib');
const VENDOR = join(LIB, 'vendor');

/** Bundle file => what it exports; package => the bundle that replaces it. */
const BUNDLES = {
  's3.js': "export * from '@aws-sdk/client-s3';\nexport { NodeHttpHandler } from '@smithy/node-http-handler';\nexport { Upload } from '@aws-sdk/lib-storage';\n",
  'commander.js': "module.exports = require('commander');\n",
  'tar.js': "module.exports = require('tar');\n",
  'tar-stream.js': "module.exports = require('tar-stream');\n",
  // ESM-only package: bundled to CommonJS, with what the scale guard uses.
  'kubernetes.js': "export { KubeConfig, AppsV1Api, BatchV1Api, CoreV1Api, Observable } from '@kubernetes/client-node';\n",
};
const VENDORED = {
  '@aws-sdk/client-s3': 's3.js',
  '@smithy/node-http-handler': 's3.js',
  '@aws-sdk/lib-storage': 's3.js',
  commander: 'commander.js',
  tar: 'tar.js',
  'tar-stream': 'tar-stream.js',
  '@kubernetes/client-node': 'kubernetes.js',
};

function bundle() {
  rmSync(VENDOR, { recursive: true, force: true });
  mkdirSync(VENDOR, { recursive: true });
  const inputs = new Set();
  for (const [file, contents] of Object.entries(BUNDLES)) {
    const result = buildSync({
      stdin: { contents, resolveDir: ROOT, sourcefile: `vendor/${file}`, loader: 'js' },
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile: join(VENDOR, file),
      minify: true,
      keepNames: true,
      legalComments: 'none',
      metafile: true,
      logLevel: 'error',
    });
    for (const input of Object.keys(result.metafile.inputs)) inputs.add(input);
  }
  writeFileSync(join(VENDOR, 'THIRD-PARTY-LICENSES.md'), licenses(inputs));
}

/** The package directory of a bundled input (node_modules/<name> or node_modules/@scope/<name>). */
function packageOf(input) {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const n = parts[at + 1]?.startsWith('@') ? 2 : 1;
  return parts.slice(0, at + 1 + n).join('/');
}

function licenses(inputs) {
  const dirs = [...new Set([...inputs].map(packageOf).filter(Boolean))].sort();
  // Packages under the same license text are listed together, the text once.
  const byText = new Map();
  for (const dir of dirs) {
    const abs = join(ROOT, dir);
    const pkg = JSON.parse(readFileSync(join(abs, 'package.json'), 'utf8'));
    const file = readdirSync(abs).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    const text = file ? readFileSync(join(abs, file), 'utf8').trim() : `${pkg.license} (no license file in the package)`;
    if (!byText.has(text)) byText.set(text, []);
    byText.get(text).push(`${pkg.name}@${pkg.version} (${pkg.license})`);
  }
  const out = ['# Third-party licenses', '', 'The files in this directory bundle the following packages.', ''];
  for (const [text, names] of byText) {
    out.push(...names.map((n) => `- ${n}`), '', '```', text, '```', '');
  }
  return out.join('\n');
}

/** Rewrites the requires of vendored packages in the compiled files. */
function rewrite(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (path === VENDOR) continue;
    if (statSync(path).isDirectory()) {
      rewrite(path);
      continue;
    }
    if (!name.endsWith('.js')) continue;
    const text = readFileSync(path, 'utf8');
    const next = text.replace(/require\((["'])([^"']+)\1\)/g, (whole, quote, spec) => {
      const file = VENDORED[spec] ?? VENDORED[Object.keys(VENDORED).find((v) => spec.startsWith(`${v}/`))];
      if (!file) return whole;
      if (spec !== Object.keys(VENDORED).find((v) => v === spec)) {
        throw new Error(`${relative(ROOT, path)}: require of ${spec}: only the entry points of vendored packages are bundled`);
      }
      let rel = relative(dirname(path), join(VENDOR, file)).split(sep).join('/');
      if (!rel.startsWith('.')) rel = `./${rel}`;
      return `require("${rel}")`;
    });
    // Anything else naming a vendored package (import(), require.resolve) would fail where it is not installed.
    const left = Object.keys(VENDORED).find((v) => new RegExp(`(?:import|require\\.resolve)\\(\\s*["'\`]${v.replace(/[/.]/g, '\\$&')}(/[^"'\`]*)?["'\`]`).test(next));
    if (left) throw new Error(`${relative(ROOT, path)}: still refers to ${left}, which the package does not install`);
    if (next !== text) writeFileSync(path, next);
  }
}

if (!existsSync(join(LIB, 'index.js'))) {
  console.error('error: lib/ is not built: run tsc first');
  process.exit(1);
}
bundle();
try {
  rewrite(LIB);
} catch (e) {
  console.error(`error: ${e.message}`);
  process.exit(1);
}

module.exports = { VENDORED };
