/**
 * The Dockerfile, read statically (the test machines have no Docker engine;
 * the CI workflow builds and runs the image): multi-arch builder stages, the
 * same pack-and-install steps as packed-install.test.ts, a numeric non-root
 * user, the plugin configuration where Argo CD looks for it, and a build
 * context (.dockerignore) that holds every file the Dockerfile copies.
 */
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';

const ROOT = join(__dirname, '..', '..');

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Instructions of a Dockerfile: comments dropped, continuation lines joined. */
function instructions(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  return logical.map((l) => {
    const [keyword, ...rest] = l.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });
}

const dockerfile = instructions(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));

/** The stages: their FROM and the instructions below it. */
function stages(): Array<{ from: string; name?: string; body: Instruction[] }> {
  const out: Array<{ from: string; name?: string; body: Instruction[] }> = [];
  for (const i of dockerfile) {
    if (i.keyword === 'FROM') {
      const name = / AS (\S+)$/i.exec(i.args)?.[1];
      out.push({ from: i.args, name, body: [] });
    } else if (out.length > 0) {
      out[out.length - 1].body.push(i);
    }
  }
  return out;
}

const runs = (body: Instruction[]) => body.filter((i) => i.keyword === 'RUN').map((i) => i.args).join(' && ');

describe('Dockerfile', () => {
  const all = stages();
  const final = all[all.length - 1];
  const builders = all.slice(0, -1);

  test('multi-stage: builder stages on $BUILDPLATFORM, the last stage for the target platform', () => {
    expect(builders.length).toBeGreaterThanOrEqual(2);
    for (const s of builders) expect(s.from).toMatch(/^--platform=\$BUILDPLATFORM /);
    expect(final.from).not.toMatch(/--platform/);
    expect(final.name).toBeUndefined();
  });

  test('the build stage builds and packs as the packed-install test does', () => {
    const build = runs(builders[0].body);
    expect(build).toMatch(/npm ci .*--ignore-scripts/);
    expect(build).toContain('npm run build');
    // With its scripts: prepack strips the install-time scripts from the packed package.json.
    expect(build).toMatch(/npm pack --pack-destination /);
  });

  test('the install stage installs the tarball with production dependencies only, for the target CPU', () => {
    const install = builders.find((s) => /npm install/.test(runs(s.body)));
    expect(install).toBeDefined();
    const text = runs(install!.body);
    expect(text).toMatch(/echo '\{"name":"[^"]+","private":true\}' > package\.json/);
    expect(text).toMatch(/npm install --omit=dev --ignore-scripts .*--os=.*--cpu=.*\.tgz/);
    expect(install!.body.filter((i) => i.keyword === 'ARG').map((i) => i.args)).toEqual(expect.arrayContaining(['TARGETOS', 'TARGETARCH']));
    expect(text).toMatch(/amd64\) cpu=x64/);
    // What the install stage produces is what the image gets.
    const workdir = install!.body.find((i) => i.keyword === 'WORKDIR')?.args;
    expect(final.body.some((i) => i.keyword === 'COPY' && i.args === `--from=${install!.name} ${workdir} ${workdir}`)).toBe(true);
  });

  test('Node.js 24 in every stage', () => {
    expect(dockerfile.find((i) => i.keyword === 'ARG' && i.args.startsWith('NODE_VERSION='))?.args).toBe('NODE_VERSION=24');
    for (const s of all) expect(s.from).toMatch(/node:\$\{NODE_VERSION\}-/);
  });

  test('the install stage adds tsx (a development dependency: the plugin runs cdk8s apps with it) at the locked version', () => {
    const install = builders.find((s) => /npm install/.test(runs(s.body)))!;
    const text = runs(install.body);
    expect(text).toContain(`require("/tmp/package-lock.json").packages["node_modules/tsx"].version`);
    expect(text).toMatch(/npm install --omit=dev .*\.tgz "\$tsx"/);
    expect(install.body.some((i) => i.keyword === 'COPY' && i.args === 'package-lock.json /tmp/')).toBe(true);
  });

  test('runs as the numeric non-root user 999, as Argo CD expects of plugin sidecars', () => {
    const users = dockerfile.filter((i) => i.keyword === 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1].args).toBe('999:999');
    expect(final.body.map((i) => i.keyword).lastIndexOf('USER')).toBeGreaterThan(final.body.map((i) => i.keyword).lastIndexOf('COPY'));
  });

  /** The final stage's instructions with the user each runs as. */
  const asUser = (() => {
    let user = '0:0';
    return final.body.map((i) => {
      if (i.keyword === 'USER') user = i.args;
      return { ...i, user };
    });
  })();

  test('fills the compile cache as the user that runs the image, then hands it to root, read-only, below root-owned directories only', () => {
    const env = final.body.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' ');
    const cache = /NODE_COMPILE_CACHE=(\S+)/.exec(env)?.[1];
    // Below the installation (root's), not HOME (the user's: it could rename the directory and put its own there).
    expect(cache).toBe('/opt/infrahub-backup-cdk8s/compile-cache');
    const made = asUser.findIndex((i) => i.keyword === 'RUN' && i.args === `mkdir ${cache} && chown 999:999 ${cache}`);
    expect(asUser[made].user).toBe('0:0');
    const warm = asUser.findIndex((i) => i.keyword === 'RUN' && /infrahub-backup-cdk8s synth -f /.test(i.args));
    expect(warm).toBeGreaterThan(made);
    expect(asUser[warm].user).toBe('999:999');
    // The package's bin fills it: the launcher would run the snapshot, which reads no cache.
    expect(asUser[warm].args).toMatch(/^INFRAHUB_BACKUP_SNAPSHOT=off /);
    const lock = asUser.findIndex((i) => i.keyword === 'RUN' && i.args.includes(`chown -R 0:0 ${cache}`));
    expect(lock).toBeGreaterThan(warm);
    expect(asUser[lock].user).toBe('0:0');
    expect(asUser[lock].args).toContain(`chmod -R a+rX,a-w ${cache}`);
  });

  test('builds the startup snapshot as root on the target platform, with the script the tests run (scripts/snapshot.js)', () => {
    const copy = asUser.findIndex((i) => i.keyword === 'COPY' && i.args === 'scripts/snapshot.js /tmp/snapshot.js');
    const build = asUser.findIndex((i) => i.keyword === 'RUN' && i.args.startsWith('node /tmp/snapshot.js /opt/infrahub-backup-cdk8s/snapshot --package /opt/infrahub-backup-cdk8s/node_modules/infrahub-backup-cdk8s'));
    expect(copy).toBeGreaterThan(-1);
    expect(build).toBeGreaterThan(copy);
    expect(asUser[build].user).toBe('0:0');
    // After the package is in place: the bundle and the stamp name the installed files.
    expect(build).toBeGreaterThan(asUser.findIndex((i) => i.keyword === 'COPY' && i.args.startsWith('--from=install ')));
  });

  test('ships the plugin configuration at /home/argocd/cmp-server/config/plugin.yaml', () => {
    expect(final.body.some((i) => i.keyword === 'COPY' && /argocd\/plugin\.yaml \/home\/argocd\/cmp-server\/config\/plugin\.yaml$/.test(i.args))).toBe(true);
  });

  test('the entrypoint is the snapshot launcher, then the bin, on PATH from the installation (`docker run <image> version`)', () => {
    const install = builders.find((s) => /npm install/.test(runs(s.body)))!;
    const workdir = install.body.find((i) => i.keyword === 'WORKDIR')!.args;
    const env = final.body.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' ');
    expect(env).toContain(`PATH=${workdir}/snapshot/bin:${workdir}/node_modules/.bin:$PATH`);
    const entrypoint = final.body.find((i) => i.keyword === 'ENTRYPOINT');
    expect(JSON.parse(entrypoint!.args)).toEqual(['infrahub-backup-cdk8s']);
  });

  test('every file copied from the build context exists and is let through by .dockerignore', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = ignore.slice(1).map((l) => {
      expect(l.startsWith('!')).toBe(true);
      return l.slice(1).replace(/\/$/, '');
    });
    const sources = dockerfile
      .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) => i.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1));
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source))).toBe(true);
      expect(allowed.some((a) => source === a || source.startsWith(`${a}/`))).toBe(true);
    }
  });
});

describe('the image scripts', () => {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

  test('docker:build, docker:build-multi and docker:push use buildx', () => {
    for (const name of ['docker:build', 'docker:build-multi', 'docker:push']) expect(scripts[name]).toMatch(/^docker buildx build /);
    expect(scripts['docker:build']).toContain('--load');
    expect(scripts['docker:build-multi']).toContain('--platform linux/amd64,linux/arm64');
    expect(scripts['docker:push']).toContain('--platform linux/amd64,linux/arm64');
    expect(scripts['docker:push']).toContain('--push');
    expect(scripts['docker:push']).toMatch(/:\$npm_package_version".*:latest"/);
  });
});
