/**
 * Builds the infrahub-backup Helm chart: the templates kept in chart/, and
 * what the model writes (Chart.yaml, values.yaml, values.schema.json,
 * README.md, templates/_generated.tpl, and from the object shapes of
 * src/shapes templates/_shapes.tpl and one template file per object). Packages it reproducibly: files in a
 * fixed order with fixed times and modes, so the same inputs give the same
 * bytes.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { dirname, join, relative } from 'path';
import * as tar from 'tar';
import { stringify } from '../yaml';
import { renderValuesTable, renderValuesYaml } from '../model/codegen';
import { CHART_NAME } from '../model/names';
import { DEFAULT_COMPANION_REPOSITORY, DEFAULT_IMAGE_REPOSITORY, DEFAULT_IMAGE_TAG } from '../model/spec';
import { chartValuesSchema } from '../model/schema';
import { PACKAGE_VERSION } from '../version';
import { renderGeneratedHelpers } from './generated-helpers';
import { NOTES } from './notes';
import { emitChartShapes, emitChecks, emitNotes, emitObjectFile, NOTES_FILE } from './shapes-emitter';
import { CHART_ORDER, CHECKS, WARNING_ROWS } from '../shapes/checks';
import { PROBLEMS, WARNINGS } from '../model/messages';
import { OBJECTS, TEMPLATE_SHAPES } from '../shapes/objects';

/** Where the built chart goes. */
export interface ChartOutput {
  /** The unpacked chart directory. */
  readonly chartDir: string;
  /** The packaged chart. */
  readonly packagePath: string;
}

/** The web address of a package.json `repository` (`git+https://github.com/o/r.git`, `github:o/r`, `o/r`). */
export function repositoryWebUrl(repository: unknown): string | undefined {
  const raw = typeof repository === 'string' ? repository : (repository as { url?: unknown } | undefined)?.url;
  if (typeof raw !== 'string' || raw === '') return undefined;
  const shorthand = /^(?:github:)?([\w.-]+\/[\w.-]+)$/.exec(raw);
  if (shorthand) return `https://github.com/${shorthand[1].replace(/\.git$/, '')}`;
  return raw.replace(/^git\+/, '').replace(/^git:\/\//, 'https://').replace(/\.git$/, '');
}

/** This project: the chart's home and sources; package.json's `repository` when it has one. */
export const PROJECT_URL: string = repositoryWebUrl((require('../../package.json') as { repository?: unknown }).repository) ?? 'https://github.com/opsmill/infrahub-backup-cdk8s';
/** Infrahub, what the chart backs up. */
const INFRAHUB_URL = 'https://github.com/opsmill/infrahub';
/**
 * The Infrahub logo, pinned to a commit of the Infrahub repository that holds
 * it, so the URL never moves with a branch.
 */
export const CHART_ICON =
  'https://raw.githubusercontent.com/opsmill/infrahub/47430b1cdeadfa8441c1ed158ec650d9279e6775/frontend/app/public/favicons/logo512.png';
/** The chart's maintainers. */
export const CHART_MAINTAINERS: ReadonlyArray<{ readonly name: string; readonly url: string }> = [
  { name: 'OpsMill', url: 'https://github.com/opsmill' },
];
/** The subchart of the Infrahub umbrella chart that this chart replaces. */
export const UPSTREAM_SUBCHART = { name: 'infrahub-backup', repository: 'oci://registry.opsmill.io/opsmill/chart' } as const;

function chartYaml(): string {
  return stringify(
    {
      apiVersion: 'v2',
      name: CHART_NAME,
      description: 'Backup and restore of Infrahub (Neo4j and the task-manager PostgreSQL) with the infrahub-backup image, on a schedule or once, to S3 or a volume.',
      type: 'application',
      version: PACKAGE_VERSION,
      appVersion: PACKAGE_VERSION,
      kubeVersion: '>=1.27.0-0',
      keywords: ['infrahub', 'backup', 'restore', 'neo4j', 'postgresql', 's3'],
      home: PROJECT_URL,
      icon: CHART_ICON,
      sources: [PROJECT_URL, INFRAHUB_URL],
      maintainers: CHART_MAINTAINERS.map((m) => ({ ...m })),
      annotations: {
        'artifacthub.io/license': 'Apache-2.0',
        'artifacthub.io/images': stringify([
          { name: 'infrahub-backup', image: `${DEFAULT_IMAGE_REPOSITORY}:${DEFAULT_IMAGE_TAG}` },
          { name: 'infrahub-backup-cdk8s', image: `${DEFAULT_COMPANION_REPOSITORY}:${PACKAGE_VERSION}` },
        ]),
        'artifacthub.io/links': stringify([
          { name: 'Source', url: PROJECT_URL },
          { name: 'Infrahub', url: INFRAHUB_URL },
        ]),
        'artifacthub.io/containsSecurityUpdates': 'false',
        'artifacthub.io/prerelease': 'false',
      },
    },
    { lineWidth: 0 },
  );
}

function chartReadme(): string {
  return [
    `# ${CHART_NAME}`,
    '',
    'Backup and restore of [Infrahub](https://github.com/opsmill/infrahub) on Kubernetes with the',
    '`infrahub-backup` image: scheduled or one-shot backups to S3 or a PersistentVolumeClaim, and',
    'restores from S3. Pods pass the restricted Pod Security Standard; the Role grants only what the',
    'image calls; restores never re-run on upgrades.',
    '',
    '## Install',
    '',
    '```sh',
    `helm install infrahub-backup ${CHART_NAME}-${PACKAGE_VERSION}.tgz --namespace infrahub \\`,
    '  --set backup.enabled=true,backup.mode=cronjob \\',
    '  --set backup.storage.s3.bucket=my-backups,backup.storage.s3.secretName=s3-creds',
    '```',
    '',
    '## As the `infrahub-backup` subchart of the Infrahub chart',
    '',
    `This chart keeps the name \`${UPSTREAM_SUBCHART.name}\` and the values layout of the subchart that the`,
    `Infrahub umbrella chart pulls in from \`${UPSTREAM_SUBCHART.repository}\`. Replace that dependency in the`,
    "umbrella chart's `Chart.yaml` (name unchanged, this chart's version and repository), run",
    '`helm dependency update`, and keep the values under `infrahub-backup:` with',
    '`infrahub-backup.enabled: true`:',
    '',
    '```yaml',
    'dependencies:',
    `  - name: ${UPSTREAM_SUBCHART.name}`,
    `    version: "${PACKAGE_VERSION}"`,
    '    repository: "file://../infrahub-backup"   # or the OCI repository you push this chart to',
    '    condition: infrahub-backup.enabled',
    '```',
    '',
    'The ServiceAccount, Role, RoleBinding and backup CronJob keep the upstream chart\'s names (`<fullname>`), so',
    '`helm upgrade` updates them in place. Its one-shot backup and restore Jobs were Helm hooks named',
    '`<fullname>` and `<fullname>-restore`, which Helm leaves behind: delete them once they have finished',
    '(`kubectl delete job <fullname> <fullname>-restore --ignore-not-found`). The differences and the values the',
    'upstream chart accepts and this one refuses are listed in the project\'s docs/helm.md (compatibility section).',
    '',
    '## Values',
    '',
    renderValuesTable(),
    '',
  ].join('\n');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    });
}

function writeFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Writes the chart directory and its package under `outDir`. */
export function buildChart(sourceDir: string, outDir: string): ChartOutput {
  const chartRoot = join(outDir, 'chart');
  const chartDir = join(chartRoot, CHART_NAME);
  rmSync(chartDir, { recursive: true, force: true });
  for (const file of listFiles(sourceDir)) writeFile(join(chartDir, relative(sourceDir, file)), readFileSync(file, 'utf8'));
  writeFile(join(chartDir, 'Chart.yaml'), chartYaml());
  writeFile(join(chartDir, 'values.yaml'), renderValuesYaml());
  writeFile(join(chartDir, 'values.schema.json'), `${JSON.stringify(chartValuesSchema(), null, 2)}\n`);
  writeFile(join(chartDir, 'README.md'), chartReadme());
  writeFile(join(chartDir, 'templates', '_generated.tpl'), renderGeneratedHelpers());
  writeFile(join(chartDir, 'templates', '_shapes.tpl'), `${emitChartShapes(OBJECTS, TEMPLATE_SHAPES)}\n${emitChecks(CHECKS, CHART_ORDER, WARNING_ROWS, PROBLEMS, WARNINGS)}\n${emitNotes(NOTES)}`);
  writeFile(join(chartDir, 'templates', 'NOTES.txt'), NOTES_FILE);
  for (const [id, o] of Object.entries(OBJECTS)) writeFile(join(chartDir, 'templates', o.file), emitObjectFile(id, o));

  const packagePath = join(outDir, `${CHART_NAME}-${PACKAGE_VERSION}.tgz`);
  const paths = listFiles(chartDir);
  for (const path of paths) chmodSync(path, 0o644);
  const files = paths.map((f) => relative(chartRoot, f));
  tar.c(
    {
      file: packagePath,
      cwd: chartRoot,
      gzip: { level: 9 },
      portable: true,
      noDirRecurse: true,
      mtime: new Date(0),
      sync: true,
    },
    files,
  );
  return { chartDir, packagePath };
}
