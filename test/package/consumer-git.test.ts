/**
 * The package installs from a Git URL before any release (a repository of
 * this working tree, as a clone of the project would be): npm installs the
 * clone's development dependencies and its `prepare` script builds lib/; the
 * library and the CLI then run from the install. npm runs `prepare` twice,
 * after the install in the clone and again when it packs the clone: the
 * second finds lib/ current (scripts/build.js, lib/.build-stamp) and does not
 * build it again. In a file of its own so that
 * jest runs it beside the other consumer installs (consumer-app.test.ts,
 * consumer-node.test.ts).
 *
 * Uses the local npm cache first (--prefer-offline); the registry fills what
 * the cache lacks. npm prepares the Git dependency in its cache's scratch
 * folder, which is in memory when there is room (npmCacheWithScratchInMemory).
 */
import { execFileSync, spawnSync } from 'child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { MAIN_JS, PEERS, PKG, ROOT, installed, npmCacheWithScratchInMemory, workFolder } from '../support/consumer';
import { npm } from '../support/packed';

const work = workFolder();
const cache = npmCacheWithScratchInMemory();

test('installs from a Git URL before any release: prepare builds lib/, and the library and the CLI run', () => {
  // A repository of this working tree (tracked and new files), as a clone of the project would be.
  const repo = join(work, 'repo');
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  if (listed.status === 0) {
    for (const f of listed.stdout.split('\0').filter((f) => f && existsSync(join(ROOT, f)))) cpSync(join(ROOT, f), join(repo, f));
  } else {
    // Not a Git checkout (an extracted copy): everything but what a build or an install makes.
    const made = new Set(['node_modules', '.tools', 'lib', 'dist', '.git']);
    for (const f of readdirSync(ROOT).filter((f) => !made.has(f))) cpSync(join(ROOT, f), join(repo, f), { recursive: true });
  }
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], { cwd: repo, stdio: 'pipe' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'clone');
  const app = join(work, 'app-git');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer-git', private: true, version: '1.0.0' }, null, 2));
  npm(['install', ...(cache === undefined ? [] : ['--cache', cache]), '--engine-strict', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', `git+file://${repo}`, ...PEERS.map((p) => `${p}@${installed(p)}`)], app);
  expect(existsSync(join(app, 'node_modules', PKG.name, 'lib', 'index.js'))).toBe(true);
  expect(existsSync(join(app, 'node_modules', PKG.name, 'lib', 'model', 'values-validator.js'))).toBe(true);
  writeFileSync(join(app, 'main.js'), MAIN_JS);
  const run = spawnSync(process.execPath, [join(app, 'main.js')], { cwd: app, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.stdout).toContain('kind: CronJob');
  const synth = spawnSync(join(app, 'node_modules', '.bin', PKG.name), ['synth', '--set', 'backup.enabled=true,backup.storage.s3.bucket=backups'], { cwd: app, encoding: 'utf8', env: { PATH: [dirname(process.execPath), '/usr/bin', '/bin'].join(':'), HOME: work } });
  expect(synth.stderr).toBe('');
  expect(synth.stdout).toContain('kind: Job');
}, 600_000);
