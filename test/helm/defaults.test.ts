/**
 * The chart's side of the defaults, with the real Helm 3 and Helm 4: the
 * combinations refused at render time with the CLI's lines, the local claim's
 * annotations, the chart metadata, and the install notes of local storage.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse, stringify } from 'yaml';
import { CHART_ICON, CHART_MAINTAINERS, ChartOutput, PROJECT_URL, repositoryWebUrl, UPSTREAM_SUBCHART } from '../../src/helm/build';
import { ValuesError } from '../../src/model/errors';
import { PROBLEMS } from '../../src/model/messages';
import { resolveValues } from '../../src/model/resolve';
import { bucketProblem } from '../../src/s3/config';
import { DEFAULT_COMPANION_REPOSITORY } from '../../src/model/spec';
import { onceByKey } from '../support/cache';
import { buildTestChart, cli, ensureHelm, helm, HELMS, objectsOf, ownAnswer, ROOT, RunResult, templateMany, TemplateRequest } from '../support/helm';
import type { KubeObject } from '../support/synth';

jest.setTimeout(120_000);

let chart: ChartOutput;
const dir = mkdtempSync(join(tmpdir(), 'ibc-defaults-'));

beforeAll(() => {
  ensureHelm();
  chart = buildTestChart();
});

let files = 0;
/** A values file holding the document. */
function valuesFile(values: Record<string, unknown>): string {
  const file = join(dir, `values-${++files}.yaml`);
  writeFileSync(file, stringify(values));
  return file;
}

const S3 = { enabled: true, storage: { type: 's3', s3: { bucket: 'backups' } } };
const line = (id: keyof typeof PROBLEMS): string => `${PROBLEMS[id].path}: ${PROBLEMS[id].text}`;

const REFUSED: Array<[string, Record<string, unknown>, Array<keyof typeof PROBLEMS>]> = [
  ['retention with local storage', { backup: { enabled: true, storage: { type: 'local' }, retention: { enabled: true } } }, ['retentionNeedsS3']],
  [
    'verification with local storage on a claim',
    { backup: { enabled: true, mode: 'cronjob', storage: { type: 'local', local: { persistence: { enabled: true } } }, verification: { enabled: true } } },
    ['verificationNeedsS3'],
  ],
  ['both with no storage type and no bucket', { backup: { enabled: true, retention: { enabled: true }, verification: { enabled: true } } }, ['backupStorageUnset', 'retentionNeedsS3', 'verificationNeedsS3']],
  ['verification of archives encrypted with a key Secret', { backup: { ...S3, encryption: { secretName: 'keys' }, verification: { enabled: true } } }, ['verificationOfEncrypted']],
  ['retention of archives encrypted with a key Secret (never proven)', { backup: { ...S3, encryption: { secretName: 'keys' }, retention: { enabled: true } } }, ['retentionOfEncrypted']],
  [
    'verification and retention of archives encrypted by --encrypt-key',
    { backup: { ...S3, options: { extraArgs: ['--encrypt-key=/keys/public.pem'] }, verification: { enabled: true }, retention: { enabled: true } } },
    ['verificationOfEncrypted', 'retentionOfEncrypted'],
  ],
  ['verification with --encrypt and a key in extraArgs', { backup: { ...S3, options: { extraArgs: ['--encrypt', '--encrypt-key=/keys/public.pem'] }, verification: { enabled: true } } }, ['verificationOfEncrypted']],
  [
    'verification with --encrypt-key=PATH in extraArgs',
    { backup: { ...S3, options: { extraArgs: ['--log-format=json', '--encrypt-key=/keys/public.pem'] }, verification: { enabled: true } } },
    ['verificationOfEncrypted'],
  ],
  ['the freshness check with local storage', { backup: { enabled: true, mode: 'cronjob', storage: { type: 'local' } }, monitoring: { freshness: { enabled: true } } }, ['freshnessNeedsS3']],
  ['a heartbeat that nothing pings (a backup without the guard, retention, verification or freshness)', { backup: { ...S3, mode: 'cronjob' }, guard: { enabled: false }, monitoring: { heartbeat: { secretName: 'heartbeat' } } }, ['heartbeatWithoutPing']],
  ['a heartbeat in a restore release', { restore: { enabled: true, storage: { type: 's3', s3: { bucket: 'backups', latest: true } } }, monitoring: { heartbeat: { secretName: 'heartbeat' } } }, ['heartbeatWithoutPing']],
  [
    'a second copy without verification (it copies proven archives, right after s3 verify)',
    { backup: { ...S3, storage: { type: 's3', s3: { bucket: 'backups', copy: { enabled: true, bucket: 'backups-dr' } } } } },
    ['copyNeedsVerification'],
  ],
  ['a second copy without its bucket', { backup: { ...S3, verification: { enabled: true }, storage: { type: 's3', s3: { bucket: 'backups', copy: { enabled: true } } } } }, ['copyBucketMissing']],
  [
    'a second copy and Object Lock of encrypted archives (no verification possible)',
    { backup: { ...S3, encryption: { secretName: 'keys' }, storage: { type: 's3', s3: { bucket: 'backups', copy: { enabled: true, bucket: 'backups-dr' } } }, objectLock: { enabled: true, days: 7 } } },
    ['copyNeedsVerification', 'objectLockNeedsVerification'],
  ],
  ['Object Lock with local storage', { backup: { enabled: true, storage: { type: 'local' }, objectLock: { enabled: true, days: 7 } } }, ['objectLockNeedsVerification']],
  ['Object Lock without days', { backup: { ...S3, verification: { enabled: true }, objectLock: { enabled: true, mode: 'COMPLIANCE' } } }, ['objectLockDaysMissing']],
  [
    'the latest of encrypted archives (never proven) without acceptUnproven',
    { restore: { enabled: true, storage: { type: 's3', s3: { bucket: 'backups', latest: true } }, decryption: { secretName: 'private-key' } } },
    ['latestOfEncrypted'],
  ],
];

const ACCEPTED: Array<[string, Record<string, unknown>]> = [
  ['retention and verification with S3', { backup: { ...S3, mode: 'cronjob', retention: { enabled: true }, verification: { enabled: true } } }],
  ['encrypted archives with neither verification nor retention', { backup: { ...S3, mode: 'cronjob', encryption: { secretName: 'keys' }, retention: { enabled: false } } }],
  ['verification with --encrypt=false', { backup: { ...S3, options: { extraArgs: ['--encrypt=false'] }, verification: { enabled: true } } }],
  ['a local claim', { backup: { enabled: true, storage: { type: 'local', local: { persistence: { enabled: true } } } } }],
  ['a heartbeat pinged by the freshness CronJob', { backup: { ...S3, mode: 'cronjob' }, monitoring: { freshness: { enabled: true }, heartbeat: { secretName: 'heartbeat' } } }],
  ['the latest of encrypted archives with acceptUnproven', { restore: { enabled: true, storage: { type: 's3', s3: { bucket: 'backups', latest: true, acceptUnproven: true } }, decryption: { secretName: 'private-key' } } }],
  ['one encrypted archive by its key', { restore: { enabled: true, storage: { type: 's3', s3: { bucket: 'backups', key: 'infrahub/infrahub_backup_20260101_020000.tar.gz.enc' } }, decryption: { secretName: 'private-key' } } }],
  [
    'verification, Object Lock and a second copy on another endpoint',
    {
      backup: {
        ...S3,
        storage: { type: 's3', s3: { bucket: 'backups', copy: { enabled: true, bucket: 'backups-dr', endpoint: 'https://dr.example.com', secretName: 'dr-creds' } } },
        verification: { enabled: true },
        objectLock: { enabled: true, mode: 'COMPLIANCE', days: 30 },
      },
    },
  ],
  ['calendar retention in a time zone', { backup: { ...S3, retention: { enabled: true, keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: 3 } }, cronJob: { timeZone: 'Europe/Berlin' } }],
  ['a 3-character bucket, the shortest the S3 commands accept too', { backup: { ...S3, storage: { type: 's3', s3: { bucket: 'bk3' } }, retention: { enabled: true } } }],
];

/** The problems the model finds in a document (none when it resolves). */
function problemsOf(values: Record<string, unknown>): string[] {
  try {
    resolveValues(values, { release: 'prod', namespace: 'infrahub' });
    return [];
  } catch (e) {
    if (e instanceof ValuesError) return e.problems.map((p) => p.message);
    throw e;
  }
}

test('a bucket name the model accepts is one the S3 commands accept, and the reverse', () => {
  for (const bucket of ['bk', 'bk3', 'a'.repeat(255), 'a'.repeat(256), '-bk', 'bk_3', 'b.k']) {
    const model = problemsOf({ backup: { ...S3, storage: { type: 's3', s3: { bucket } } } });
    const companion = bucketProblem(bucket, 'INFRAHUB_S3_BUCKET');
    expect([bucket, model.length === 0]).toEqual([bucket, companion === undefined]);
  }
});


describe('the CLI refuses, and prints nothing on stdout', () => {
  test.each(REFUSED)('%s', async (_name, values, ids) => {
    const synth = await cli(['synth', '-f', valuesFile(values), '--release', 'prod', '--namespace', 'infrahub']);
    expect(synth.code).toBe(2);
    expect(synth.stdout).toBe('');
    expect(synth.stderr.trim().split('\n')).toEqual(ids.map((id) => `error: ${line(id)}`));
  });

  test.each(REFUSED)('argocd generate: %s', async (_name, values, ids) => {
    const app = mkdtempSync(join(dir, 'app-'));
    writeFileSync(join(app, 'values.yaml'), stringify(values));
    // In this process, with the plugin's environment (test/cli/bin.test.ts runs the bin itself).
    const generated = await cli(['argocd', 'generate', '-C', app], {
      PATH: process.env.PATH,
      ARGOCD_APP_NAME: 'prod',
      ARGOCD_APP_NAMESPACE: 'infrahub',
    });
    expect(generated.code).toBe(2);
    expect(generated.stdout).toBe('');
    for (const id of ids) expect(generated.stderr).toContain(`error: ${line(id)}\n`);
  });
});

/** What synth answers for each accepted document, asked once for both Helm binaries. */
const synthAnswer = onceByKey<string, Promise<RunResult>>();
const acceptedSynth = (what: string, values: Record<string, unknown>): Promise<RunResult> =>
  synthAnswer(what, () => cli(['synth', '-f', valuesFile(values), '--release', 'prod', '--namespace', 'infrahub']));

describe.each(Object.keys(HELMS))('%s', (name) => {
  // `helm template prod <chart> -f <file> --namespace infrahub` of every
  // document, in batches (test/support/helm.ts): the refused ones with each
  // other, each answered by its own part of the schema's error; an accepted
  // one whose batch wrote anything on stderr is rendered alone, as the check
  // of stderr is each document's own.
  const request = (values: Record<string, unknown>): TemplateRequest => ({ values, yaml: stringify(values), release: 'prod' });
  let refusedAnswers: RunResult[];
  let acceptedAnswers: RunResult[];
  beforeAll(async () => {
    refusedAnswers = await templateMany(name, chart, REFUSED.map(([, values]) => ({ ...request(values), refused: true })), 'infrahub');
    acceptedAnswers = await templateMany(name, chart, ACCEPTED.map(([, values]) => request(values)), 'infrahub');
  });

  test.each(REFUSED.map(([what, values, ids], i) => [what, values, ids, i] as const))('refuses %s with the CLI\'s lines', async (_what, values, ids, i) => {
    const file = valuesFile(values);
    // The chart's schema refuses the combination first (so `helm lint --strict` does too)...
    const checked = refusedAnswers[i];
    expect(checked.code).not.toBe(0);
    expect(checked.stdout).toBe('');
    const linted = await helm(name, ['lint', '--strict', chart.packagePath, '-f', file, '--namespace', 'infrahub']);
    expect(linted.code).not.toBe(0);
    // ...and without the schema, the templates fail with the CLI's lines.
    const rendered = await helm(name, ['template', 'prod', chart.packagePath, '-f', file, '--namespace', 'infrahub', '--skip-schema-validation']);
    expect(rendered.code).not.toBe(0);
    expect(rendered.stdout).toBe('');
    // Helm prints the fail message, then a blank line and its own hint.
    const failure = rendered.stderr.slice(rendered.stderr.indexOf('invalid values:\n') + 'invalid values:\n'.length).split('\n\n')[0];
    expect(failure.trim().split('\n')).toEqual(ids.map(line));
  });

  test.each(ACCEPTED.map(([what, values], i) => [what, values, i] as const))('renders %s as synth does', async (what, values, i) => {
    const rendered = await ownAnswer(name, chart, acceptedAnswers[i], request(values), 'infrahub');
    expect(rendered.stderr).toBe('');
    const synth = await acceptedSynth(what, values);
    expect(synth.code).toBe(0);
    expect(objectsOf(rendered.stdout)).toEqual(objectsOf(synth.stdout));
  });

  test('the local claim is kept by Helm and never pruned by Argo CD', () => {
    // backup.enabled=true, backup.storage.type=local, backup.storage.local.persistence.enabled=true: rendered above.
    const i = ACCEPTED.findIndex(([what]) => what === 'a local claim');
    expect(ACCEPTED[i][1]).toEqual({ backup: { enabled: true, storage: { type: 'local', local: { persistence: { enabled: true } } } } });
    const rendered = acceptedAnswers[i];
    expect(rendered.code).toBe(0);
    const claim = objectsOf(rendered.stdout).find((o) => o.kind === 'PersistentVolumeClaim')!;
    expect(claim.metadata.name).toBe('prod-infrahub-backup-backups');
    expect(claim.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep', 'argocd.argoproj.io/sync-options': 'Prune=false' });
  });
});

describe('chart metadata', () => {
  const chartYaml = (): KubeObject => parse(readFileSync(join(chart.chartDir, 'Chart.yaml'), 'utf8'));

  test('home and sources point at this project, Infrahub is a source too', () => {
    expect(PROJECT_URL).toMatch(/^https:\/\/github\.com\/[\w.-]+\/[\w.-]+$/);
    expect(chartYaml().home).toBe(PROJECT_URL);
    expect(chartYaml().sources).toEqual([PROJECT_URL, 'https://github.com/opsmill/infrahub']);
    // The companion image is the one the same repository publishes.
    expect(DEFAULT_COMPANION_REPOSITORY).toBe(`ghcr.io/${PROJECT_URL.replace('https://github.com/', '').toLowerCase()}`);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    if (pkg.repository) expect(repositoryWebUrl(pkg.repository)).toBe(PROJECT_URL);
    if (pkg.homepage) expect(pkg.homepage.replace(/#.*$/, '')).toBe(PROJECT_URL);
  });

  test.each([
    ['git+https://github.com/opsmill/infrahub-backup-cdk8s.git', 'https://github.com/opsmill/infrahub-backup-cdk8s'],
    [{ type: 'git', url: 'https://github.com/opsmill/infrahub-backup-cdk8s.git' }, 'https://github.com/opsmill/infrahub-backup-cdk8s'],
    ['github:opsmill/infrahub-backup-cdk8s', 'https://github.com/opsmill/infrahub-backup-cdk8s'],
    ['opsmill/infrahub-backup-cdk8s', 'https://github.com/opsmill/infrahub-backup-cdk8s'],
    [undefined, undefined],
    [{ type: 'git' }, undefined],
  ])('the web address of package.json repository %j', (repository, url) => {
    expect(repositoryWebUrl(repository)).toBe(url);
  });

  test('the icon is the Infrahub logo at a fixed commit (the URL cannot move with a branch)', () => {
    expect(chartYaml().icon).toBe(CHART_ICON);
    expect(CHART_ICON).toMatch(/^https:\/\/raw\.githubusercontent\.com\/opsmill\/infrahub\/[0-9a-f]{40}\/frontend\/app\/public\/favicons\/logo512\.png$/);
  });

  test('maintainers are listed with a name and a URL', () => {
    expect(chartYaml().maintainers).toEqual(CHART_MAINTAINERS);
    for (const m of chartYaml().maintainers) {
      expect(m.name).toBeTruthy();
      expect(m.url).toMatch(/^https:\/\//);
    }
  });

  test('the chart README and the project docs explain how to replace the umbrella\'s subchart', () => {
    const chartReadme = readFileSync(join(chart.chartDir, 'README.md'), 'utf8');
    expect(chartReadme).toContain(`\`${UPSTREAM_SUBCHART.repository}\``);
    expect(chartReadme).toMatch(/- name: infrahub-backup\n {4}version: "\d+\.\d+\.\d+[^"]*"\n {4}repository: /);
    const helmPage = readFileSync(join(ROOT, 'docs', 'helm.md'), 'utf8');
    expect(helmPage).toContain('## Replacing the upstream `infrahub-backup` subchart of the Infrahub chart');
    expect(helmPage).toContain(`repository: "${UPSTREAM_SUBCHART.repository}"`);
    expect(helmPage).toContain('helm dependency update');
    const localPage = readFileSync(join(ROOT, 'docs', 'local-archives.md'), 'utf8');
    expect(localPage).toContain('argocd.argoproj.io/sync-options: Prune=false');
    expect(localPage).toContain('restore.storage.local.existingClaim=infrahub-backup-backups');
  });
});

describe('NOTES.txt of local storage (helm 4 install --dry-run=client)', () => {
  const notes = async (set: string): Promise<string> => {
    const result = await helm('helm4', ['install', '--dry-run=client', 'prod', chart.packagePath, '--namespace', 'infrahub', '--set', set]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return result.stdout.slice(result.stdout.indexOf('NOTES:'));
  };

  test('without persistence: the archive vanishes with the pod, and how to copy it out during the sleep', async () => {
    const text = await notes('backup.enabled=true,backup.storage.type=local,backup.storage.path=/data');
    expect(text).toContain('WARNING: archives are written to /data on an emptyDir volume: each archive VANISHES WITH THE POD.');
    expect(text).toContain('The pod waits 3m after the backup (backup.options.sleep): copy the archive out during that time:');
    expect(text).toContain(
      "POD=$(kubectl get pods -n infrahub -l app.kubernetes.io/instance=prod,app.kubernetes.io/component=backup --field-selector=status.phase=Running -o jsonpath='{.items[0].metadata.name}')",
    );
    expect(text).toContain('kubectl cp -n infrahub -c backup "$POD:/data/infrahub_backup_<timestamp>.tar.gz" ./infrahub_backup_<timestamp>.tar.gz');
    expect(text).toContain('To keep archives, set backup.storage.local.persistence.enabled=true');
  });

  test('without persistence and without sleep: the archive is lost', async () => {
    const text = await notes('backup.enabled=true,backup.storage.type=local,backup.options.sleep=');
    expect(text).toContain('VANISHES WITH THE POD');
    expect(text).toContain('backup.options.sleep is empty: the pod ends as soon as the archive is written, and the archive is lost.');
    expect(text).not.toContain('kubectl cp');
  });

  test('with persistence: the claim that keeps them', async () => {
    const text = await notes('backup.enabled=true,backup.storage.type=local,backup.storage.local.persistence.enabled=true');
    expect(text).toContain('Archives stay in /infrahub_backups on the claim prod-infrahub-backup-backups, kept on uninstall and never pruned by Argo CD.');
    expect(text).not.toContain('VANISHES');
  });
});
