#!/usr/bin/env node
/**
 * Runs the default cdk8s app (src/app.ts) in this process: `npm run synth`
 * and the `app` of cdk8s.yaml (`npx cdk8s synth`). The built lib/app.js runs
 * when it is at least as new as every file under src/; otherwise the sources
 * run through tsx, so a fresh clone works before `npm run build`, only slower.
 * Writes dist/manifests/*.k8s.yaml (or $CDK8S_OUTDIR) and leaves anything else in that
 * directory alone; contacts no registry.
 */
const { readdirSync, statSync } = require('fs');
const { join, relative } = require('path');

const root = join(__dirname, '..');

/** The newest modification time under a directory. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

function builtAppIsFresh() {
  try {
    return statSync(join(root, 'lib', 'app.js')).mtimeMs >= newest(join(root, 'src'));
  } catch {
    return false;
  }
}

// cdk8s's App writes to $CDK8S_OUTDIR: dist/manifests by default, beside the chart that `npm run chart` writes to dist/.
const outdir = (process.env.CDK8S_OUTDIR ??= 'dist/manifests');
if (builtAppIsFresh()) {
  require(join(root, 'lib', 'app.js'));
} else {
  process.stderr.write('lib/ is missing or older than src/: running the sources with tsx (`npm run build` makes this faster)\n');
  require('tsx/cjs/api').register();
  require(join(root, 'src', 'app.ts'));
}
for (const file of readdirSync(outdir).filter((f) => f.endsWith('.k8s.yaml')).sort()) {
  process.stderr.write(`wrote ${relative(process.cwd(), join(outdir, file)) || file}\n`);
}
