#!/usr/bin/env node
/**
 * API.md, the reference of the construct library, as Construct Hub shows it:
 * jsii-docgen's TypeScript page of the jsii assembly (scripts/jsii.js), built
 * from the doc comments of what src/index.ts exports. The exports jsii cannot
 * describe (scripts/jsii.js TYPESCRIPT_ONLY) follow under "TypeScript only",
 * documented by TypeDoc.
 *
 *   node scripts/api-docs.js           writes API.md
 *   node scripts/api-docs.js --check   exits 1 when API.md is not what the sources give
 *
 * The page is kept beside the assemblies of scripts/jsii.js, named by the hash
 * of everything it is made from (the assembly's inputs, which include the
 * lockfile, this script, typedoc.json and the versions of the tools that write
 * it): while none of them changes, the page is not made again. Like the
 * assemblies it is kept in IBC_TEST_CACHE_DIR when set, else in the system's
 * temporary folder.
 */
'use strict';
const { execFileSync } = require('child_process');
const { createHash } = require('crypto');
const { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } = require('fs');
const { tmpdir } = require('os');
const { join } = require('path');
const { CACHE, ROOT, buildAssembly, inputHash, typescriptOnlyIndex } = require('./jsii');

const TARGET = join(ROOT, 'API.md');
const check = process.argv.includes('--check');

/** jsii-docgen's page of the assembly staged in `stage`. */
function jsiiPage(stage, out) {
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'jsii-docgen', 'bin', 'jsii-docgen'), '--language', 'typescript', '--output', join(out, 'jsii.md')], {
    cwd: stage,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return readFileSync(join(out, 'jsii.md'), 'utf8');
}

/** TypeDoc's page of the TypeScript-only exports, without its title. */
function typescriptOnlyPage(stage, out) {
  const entry = join(stage, 'src', 'typescript-only.ts');
  writeFileSync(entry, typescriptOnlyIndex(readFileSync(join(ROOT, 'src', 'index.ts'), 'utf8')));
  const options = {
    ...JSON.parse(readFileSync(join(ROOT, 'typedoc.json'), 'utf8')),
    entryPoints: [entry],
    tsconfig: join(stage, 'tsconfig.json'),
    // The values types they take are documented above, by jsii-docgen.
    validation: { notExported: false },
  };
  writeFileSync(join(out, 'typedoc.json'), JSON.stringify(options));
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--options', join(out, 'typedoc.json'), '--out', join(out, 'typedoc')], {
    cwd: stage,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const lines = readFileSync(join(out, 'typedoc', 'API.md'), 'utf8').split('\n');
  return lines.slice(lines.findIndex((l) => l.startsWith('## '))).join('\n');
}

/** The page: API.md as the sources give it. */
function page(out) {
  const stage = join(out, 'jsii');
  buildAssembly(stage, { quiet: true, cache: true });
  return [
    jsiiPage(stage, out).trimEnd(),
    '',
    '# TypeScript only',
    '',
    'Exported for TypeScript and JavaScript only: jsii cannot describe them, so the Python, Java, Go and .NET packages do without (see docs/languages.md).',
    '',
    typescriptOnlyPage(stage, out).trimEnd(),
    '',
  ].join('\n');
}

/** Hash of what the page is made from: the assembly's inputs, this script, typedoc.json, the tools' versions. */
function pageHash() {
  const hash = createHash('sha256').update(inputHash()).update('\0');
  const tools = ['jsii-docgen', 'typedoc', 'typedoc-plugin-markdown', 'typescript'].map((t) => join('node_modules', t, 'package.json'));
  for (const f of ['scripts/api-docs.js', 'typedoc.json', ...tools]) hash.update(`${f}\0`).update(readFileSync(join(ROOT, f))).update('\0');
  return hash.digest('hex');
}

const out = mkdtempSync(join(tmpdir(), 'api-docs-'));
try {
  const kept = join(CACHE, `${pageHash()}.API.md`);
  let generated;
  if (existsSync(kept)) generated = readFileSync(kept, 'utf8');
  else {
    generated = page(out);
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(`${kept}.${process.pid}`, generated);
    renameSync(`${kept}.${process.pid}`, kept);
  }
  if (check) {
    let current = '';
    try {
      current = readFileSync(TARGET, 'utf8');
    } catch {
      // missing: stale
    }
    if (current !== generated) {
      console.error('error: API.md is stale: run `npm run docs` and commit it');
      process.exit(1);
    }
  } else {
    writeFileSync(TARGET, generated);
    console.error('wrote API.md');
  }
} catch (error) {
  console.error(`error: ${error.message}`);
  process.exit(1);
} finally {
  rmSync(out, { recursive: true, force: true });
}
