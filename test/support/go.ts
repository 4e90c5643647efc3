/**
 * Small Go programs the tests build as oracles: the reference implementations
 * the product must agree with (Go's archive/tar and encoding/json as the backup
 * image reads an archive, robfig/cron v3 as the CronJob controller parses a
 * schedule, sigs.k8s.io/yaml as Argo CD's repo server reads manifests).
 *
 * Built with Debian's toolchain and sources (scripts/install-go.sh, run by
 * .ci/run): `GO111MODULE=off GOPATH=/usr/share/gocode go build`. Each program is
 * built once per source text into a cache under the system's temporary folder.
 * Where Go is missing, `goProgram` returns a reason instead of a path and the
 * caller skips with a line saying so; CI always has Go.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { cacheRoot } from './cache';

/** Where Debian's golang-*-dev packages put their sources. */
export const GOPATH = '/usr/share/gocode';

/** A built program, or why none could be built. */
export type GoProgram = { readonly path: string } | { readonly missing: string };

function goBinary(): string | undefined {
  for (const candidate of ['/usr/bin/go', '/usr/lib/go/bin/go']) if (existsSync(candidate)) return candidate;
  try {
    return execFileSync('sh', ['-c', 'command -v go'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds `source` (a `package main` file) once and returns the binary's path.
 * `imports` are GOPATH packages the program needs (e.g. `github.com/robfig/cron`):
 * a missing one is reported as missing, like a missing toolchain.
 */
export function goProgram(name: string, source: string, imports: readonly string[] = []): GoProgram {
  const go = goBinary();
  if (!go) return { missing: `go is not installed (bash scripts/install-go.sh installs it): ${name} oracle not built` };
  for (const pkg of imports) {
    if (!existsSync(join(GOPATH, 'src', pkg))) {
      return { missing: `${pkg} is not in ${GOPATH} (bash scripts/install-go.sh installs it): ${name} oracle not built` };
    }
  }
  const hash = createHash('sha256').update(name).update('\0').update(source).digest('hex').slice(0, 16);
  const dir = join(cacheRoot(), 'ibc-go-oracles', `${name}-${hash}`);
  const binary = join(dir, name);
  if (existsSync(binary)) return { path: binary };
  const work = `${dir}.build-${process.pid}`;
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'main.go'), source);
  const cache = join(cacheRoot(), 'ibc-go-oracles', 'gocache');
  try {
    execFileSync(go, ['build', '-o', join(work, name), 'main.go'], {
      cwd: work,
      env: { PATH: process.env.PATH, HOME: cacheRoot(), GO111MODULE: 'off', GOPATH, GOCACHE: cache, GOFLAGS: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`go build of the ${name} oracle failed:\n${stderr}`, { cause: e });
  }
  mkdirSync(dir, { recursive: true });
  renameSync(join(work, name), binary);
  rmSync(work, { recursive: true, force: true });
  return { path: binary };
}

/** The path of a built program; throws with the reason when it could not be built. */
export function requireGoProgram(name: string, source: string, imports: readonly string[] = []): string {
  const built = goProgram(name, source, imports);
  if ('missing' in built) throw new Error(built.missing);
  return built.path;
}

/**
 * `describe` when the program can be built, else a skipped `describe` that
 * prints why once (CI installs Go, so there it always runs).
 */
export function describeWithGo(
  title: string,
  program: { name: string; source: string; imports?: readonly string[] },
  body: (binary: () => string) => void,
): void {
  const built = goProgram(program.name, program.source, program.imports ?? []);
  if ('missing' in built) {
    console.warn(`skipped "${title}": ${built.missing}`);
    describe.skip(title, () => body(() => ''));
    return;
  }
  describe(title, () => body(() => built.path));
}
