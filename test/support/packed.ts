/**
 * The packed tarball the package tests install (test/package/packed-install,
 * consumer-app and consumer-node), packed once for them all: as `npm pack` does in the
 * Dockerfile's build stage and under `npm publish`, with the prepack and
 * postpack scripts (prepack strips the install-time scripts from the packed
 * package.json), but in a copy of the packed files, so that the checkout's
 * package.json is never rewritten while other test files read it.
 *
 * Kept under the system's temporary folder, named by a hash of the path and
 * content of every file npm could pack (every file at the package's root, and
 * every file under the folders its `files` field names, a superset of what it
 * packs) and of the prepack script: a later run, or the other test files of
 * the same run, reuse it without asking npm while none of them has changed;
 * any change to lib/, the chart sources, bin/ or package.json packs again.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'fs';
import { join } from 'path';
import { cacheRoot } from './cache';

const ROOT = join(__dirname, '..', '..');

/** npm, without the npm_* variables of an enclosing `npm test`. */
export function npm(args: string[], cwd: string): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return execFileSync('npm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/** The packed tarball and the paths it holds (without the `package/` prefix), sorted. */
export interface Packed {
  readonly tarball: string;
  readonly files: readonly string[];
}

/** Builds lib/ when it is missing (`npm test` builds it first; a test file run alone may not have it). */
function ensureBuilt(): void {
  const needed = ['lib/cli.js', 'lib/index.js', 'lib/model/values-validator.js', 'lib/vendor/s3.js'];
  if (!needed.every((f) => existsSync(join(ROOT, f)))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
}

let packed: Packed | undefined;

/**
 * The files npm could pack, with the prepack script, sorted: every regular file at the root (npm
 * always packs package.json, the readme and the license, and reads .npmignore there) and every file
 * under the root folders the `files` field names (bin/ and the `main` file are in them).
 */
function candidates(): string[] {
  const { files } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
  const found = readdirSync(ROOT, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
  const walk = (dir: string) => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.isFile()) found.push(join(dir, e.name));
    }
  };
  for (const top of new Set(files.map((f) => f.split('/')[0]))) {
    if (existsSync(join(ROOT, top)) && statSync(join(ROOT, top)).isDirectory()) walk(top);
  }
  return [...new Set([...found, 'scripts/pack-manifest.js'])].sort();
}

/** The tarball, packed once per content of the files npm could pack (see above). */
export function packedTarball(): Packed {
  if (packed) return packed;
  ensureBuilt();
  const hash = createHash('sha256');
  for (const f of candidates()) hash.update(f).update('\0').update(readFileSync(join(ROOT, f))).update('\0');
  const dir = join(cacheRoot(), 'ibc-packed', hash.digest('hex').slice(0, 16));
  const ready = (): Packed | undefined => {
    if (!existsSync(dir)) return undefined;
    const name = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (!name) return undefined;
    const tarball = join(dir, name);
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })
      .split('\n')
      .filter((l) => l.startsWith('package/') && !l.endsWith('/'))
      .map((l) => l.slice('package/'.length))
      .sort();
    return { tarball, files };
  };
  packed = ready();
  if (packed) return packed;
  // What npm packs: copied, with the prepack script, to be packed away from the checkout.
  const [listed] = JSON.parse(npm(['pack', '--dry-run', '--ignore-scripts', '--json'], ROOT)) as Array<{ files: Array<{ path: string }> }>;
  const sources = [...listed.files.map((x) => x.path), 'scripts/pack-manifest.js'].sort();
  mkdirSync(join(cacheRoot(), 'ibc-packed'), { recursive: true });
  const work = mkdtempSync(join(cacheRoot(), 'ibc-packed', 'work-'));
  try {
    const source = join(work, 'source');
    const out = join(work, 'out');
    mkdirSync(out);
    for (const f of sources) cpSync(join(ROOT, f), join(source, f));
    npm(['pack', '--json', '--pack-destination', out], source);
    // The postpack script restored the copy's package.json: the checkout's, unchanged.
    if (readFileSync(join(source, 'package.json'), 'utf8') !== readFileSync(join(ROOT, 'package.json'), 'utf8')) {
      throw new Error('npm pack left the copied package.json changed: scripts/pack-manifest.js restore did not run');
    }
    // Whole or not at all: another test file may be packing the same content at the same time.
    try {
      renameSync(out, dir);
    } catch (e) {
      if (!ready()) throw e;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  packed = ready();
  if (!packed) throw new Error(`no tarball in ${dir} after npm pack`);
  return packed;
}
