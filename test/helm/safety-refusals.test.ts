/**
 * Values that render backups no one can restore, or that break the pods'
 * credentials, are refused by every renderer with the fix; values applied
 * otherwise than written, for safety, are said so. Each case runs through the
 * constructs (InfrahubBackup), the CLI (`synth`), and Helm 3 and Helm 4 (the
 * schema, and the templates' `fail` with the CLI's line when the schema is
 * skipped); accepted neighbours render the same objects everywhere.
 *
 * - issue 24: every spelling the tool's flag parser (pflag, ParseBool) reads
 *   as `--encrypt`, and INFRAHUB_ENCRYPT, without a key of the user's;
 * - issue 23 item 3: an enabled backup with neither a storage type nor a bucket;
 * - issue 18 item 7: the NetworkPolicy with an empty S3 `secretName` and no
 *   credential endpoint;
 * - issue 23 item 4: job.backoffLimit, job.ttlSecondsAfterFinished and
 *   cronJob.concurrencyPolicy on restores: a warning, the manifests unchanged.
 */
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Chart } from 'cdk8s';
import { InfrahubBackup } from '../../src/constructs/infrahub-backup';
import { ValuesError, formatProblem } from '../../src/model/errors';
import { GO_FALSE, GO_TRUE } from '../../src/model/encryption';
import { ChartOutput } from '../../src/helm/build';
import { generate } from '../../src/argocd/generate';
import { buildTestChart, cli, ensureHelm, helm, HELM_PROCESSES, HELMS, objectsOf, pool, RunResult, templateMany, valuesYaml } from '../support/helm';
import { mergeDocs, S3_BACKUP, S3_RESTORE, synthObjects, TestValues } from '../support/synth';
import type { KubeObject } from '../support/synth';
import { onceByKey } from '../support/cache';

jest.setTimeout(600_000);

const RELEASE = 'infrahub-backup';
const NAMESPACE = 'infrahub';
const work = mkdtempSync(join(tmpdir(), 'ibc-refusals-'));

interface Case {
  readonly name: string;
  readonly values: TestValues;
  /** The path of the line both renderers print; undefined: accepted. */
  readonly refusedAt?: string;
}

const withArgs = (...extraArgs: string[]): TestValues => mergeDocs(S3_BACKUP, { backup: { options: { extraArgs } } });
const withEnv = (base: TestValues, ...extraEnv: unknown[]): TestValues => mergeDocs(base, { extraEnv });
const WITH_KEY = { backup: { encryption: { secretName: 'backup-public-key' } } };
const ARGS = 'backup.options.extraArgs';

const ENCRYPTION: Case[] = [
  ...['--encrypt', ...GO_TRUE.map((v) => `--encrypt=${v}`)].map((a) => ({ name: `${a} without a key`, values: withArgs(a), refusedAt: ARGS })),
  { name: '--encrypt=false then --encrypt (the last one wins)', values: withArgs('--encrypt=false', '--encrypt'), refusedAt: ARGS },
  { name: '--encrypt with an empty --encrypt-key=', values: withArgs('--encrypt', '--encrypt-key='), refusedAt: ARGS },
  { name: '--encrypt with --encrypt-key and an empty argument', values: withArgs('--encrypt', '--encrypt-key', ''), refusedAt: ARGS },
  { name: '--encrypt=t with --encrypt-key= overriding backup.encryption.secretName', values: mergeDocs(withArgs('--encrypt=t', '--encrypt-key='), WITH_KEY), refusedAt: ARGS },
  // pflag reads the argument after a flag that takes a value as that value: no key is given.
  { name: '--encrypt with --encrypt-key=PATH as the value of --neo4jmetadata', values: withArgs('--encrypt', '--neo4jmetadata', '--encrypt-key=/keys/public.pem'), refusedAt: ARGS },
  { name: '--encrypt with --encrypt-key PATH after --s3-prefix, which takes --encrypt-key as its value', values: withArgs('--encrypt', '--s3-prefix', '--encrypt-key', '/keys/public.pem'), refusedAt: ARGS },
  { name: 'INFRAHUB_ENCRYPT=TRUE in extraEnv', values: withEnv(S3_BACKUP, { name: 'INFRAHUB_ENCRYPT', value: 'TRUE' }), refusedAt: 'extraEnv' },
  // The kubelet expands $(VAR) in env values with the variables defined before: the value is known only at run time.
  {
    name: 'INFRAHUB_ENCRYPT=$(ENCRYPT_BACKUPS), a variable the kubelet expands to true',
    values: withEnv(S3_BACKUP, { name: 'ENCRYPT_BACKUPS', value: 'true' }, { name: 'INFRAHUB_ENCRYPT', value: '$(ENCRYPT_BACKUPS)' }),
    refusedAt: 'extraEnv',
  },
  { name: 'INFRAHUB_ENCRYPT=$$(ENCRYPT_BACKUPS), escaped: the literal text, not true', values: withEnv(S3_BACKUP, { name: 'INFRAHUB_ENCRYPT', value: '$$(ENCRYPT_BACKUPS)' }) },
  { name: 'INFRAHUB_ENCRYPT from a Secret in extraEnv', values: withEnv(S3_BACKUP, { name: 'INFRAHUB_ENCRYPT', valueFrom: { secretKeyRef: { name: 'flags', key: 'encrypt' } } }), refusedAt: 'extraEnv' },
  ...GO_FALSE.map((v) => ({ name: `--encrypt=${v}`, values: withArgs(`--encrypt=${v}`) })),
  { name: '--encrypt then --encrypt=false', values: withArgs('--encrypt', '--encrypt=false') },
  { name: '--encrypt with backup.encryption.secretName', values: mergeDocs(withArgs('--encrypt'), WITH_KEY) },
  { name: '--encrypt=True with --encrypt-key=PATH', values: withArgs('--encrypt=True', '--encrypt-key=/keys/public.pem') },
  { name: '--encrypt with --encrypt-key PATH', values: withArgs('--encrypt', '--encrypt-key', '/keys/public.pem') },
  { name: '--encrypt after "--" (an argument, not a flag)', values: withArgs('--', '--encrypt') },
  { name: '--encrypt as the value of --s3-prefix', values: withArgs('--s3-prefix', '--encrypt') },
  { name: 'INFRAHUB_ENCRYPT=true with INFRAHUB_ENCRYPT_KEY', values: withEnv(S3_BACKUP, { name: 'INFRAHUB_ENCRYPT', value: 'true' }, { name: 'INFRAHUB_ENCRYPT_KEY', value: '/keys/public.pem' }) },
  { name: 'INFRAHUB_ENCRYPT=false', values: withEnv(S3_BACKUP, { name: 'INFRAHUB_ENCRYPT', value: 'false' }) },
];

const STORAGE: Case[] = [
  { name: 'a one-shot backup with no storage type and no bucket', values: { backup: { enabled: true } }, refusedAt: 'backup.storage.type' },
  { name: 'a scheduled backup with no storage type and no bucket', values: { backup: { enabled: true, mode: 'cronjob' } }, refusedAt: 'backup.storage.type' },
  { name: 'an explicitly local backup', values: { backup: { enabled: true, storage: { type: 'local' } } } },
  { name: 'an explicitly local scheduled backup with persistence', values: { backup: { enabled: true, mode: 'cronjob', storage: { type: 'local', local: { persistence: { enabled: true } } } } } },
  { name: 'a bucket without a storage type (S3)', values: S3_BACKUP },
];

const POLICY = { networkPolicy: { enabled: true } };
const NO_SECRET_BACKUP = mergeDocs(S3_BACKUP, POLICY, { backup: { storage: { s3: { secretName: '' } } } });
const NO_SECRET_RESTORE = mergeDocs(S3_RESTORE, POLICY, { restore: { storage: { s3: { secretName: '' } } } });
const CREDENTIALS: Case[] = [
  { name: 'a backup to S3 with an empty secretName and no credential endpoint', values: NO_SECRET_BACKUP, refusedAt: 'networkPolicy.credentialEndpoints' },
  { name: 'a restore from S3 with an empty secretName and no credential endpoint', values: NO_SECRET_RESTORE, refusedAt: 'networkPolicy.credentialEndpoints' },
  {
    name: 'a restore in the seed layout (restore.s3) with no credential endpoint',
    values: mergeDocs(POLICY, { restore: { enabled: true, s3: { bucket: 'backups', key: 'infrahub_backup_20260101_020000.tar.gz' } } }),
    refusedAt: 'networkPolicy.credentialEndpoints',
  },
  ...['eks-pod-identity', 'instance-metadata', 'web-identity'].map((e) => ({ name: `credentialEndpoints [${e}]`, values: mergeDocs(NO_SECRET_BACKUP, { networkPolicy: { credentialEndpoints: [e] } }) })),
  { name: 'every credential endpoint, for a restore', values: mergeDocs(NO_SECRET_RESTORE, { networkPolicy: { credentialEndpoints: ['web-identity', 'instance-metadata', 'eks-pod-identity'] } }) },
  { name: 'a credentials Secret and no credential endpoint', values: mergeDocs(S3_BACKUP, POLICY) },
  { name: 'local storage and no credential endpoint', values: mergeDocs(POLICY, { backup: { enabled: true, storage: { type: 'local' } } }) },
];

const CASES: Array<[string, Case]> = [
  ...ENCRYPTION.map((c): [string, Case] => ['encryption', c]),
  ...STORAGE.map((c): [string, Case] => ['storage', c]),
  ...CREDENTIALS.map((c): [string, Case] => ['credentials', c]),
];

/** What the constructs say: the problem lines, or undefined when they build. */
function constructLines(values: TestValues): string[] | undefined {
  const app = new App();
  try {
    new InfrahubBackup(new Chart(app, 'c', { namespace: NAMESPACE }), 'b', { values, releaseName: RELEASE });
    return undefined;
  } catch (e) {
    if (e instanceof ValuesError) return e.problems.map(formatProblem);
    throw e;
  }
}

/** What synth answers for each values file, by its text: a document is asked about once per renderer it is compared with. */
const synthAnswer = onceByKey<string, Promise<RunResult>>();

function synth(values: TestValues): Promise<RunResult> {
  const text = valuesYaml(values);
  return synthAnswer(text, () => {
    const file = join(work, `values-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, text);
    return cli(['synth', '-f', file, '--release', RELEASE, '--namespace', NAMESPACE]);
  });
}

/** Whether Helm refused in the templates (a `fail`), so after the schema check passed. */
function failedInTemplates(r: RunResult): boolean {
  return r.code !== 0 && r.stdout === '' && !r.stderr.includes("values don't meet the specifications of the schema") && /^Error: execution error at \(/m.test(r.stderr);
}

let chart: ChartOutput;
const helmAnswers: Record<string, { schema: RunResult[]; templates: Array<RunResult | undefined> }> = {};

beforeAll(async () => {
  ensureHelm();
  chart = buildTestChart();
  for (const name of Object.keys(HELMS)) {
    const schema = await templateMany(
      name,
      chart,
      CASES.map(([, c]) => ({ values: c.values, release: RELEASE, refused: c.refusedAt !== undefined })),
      NAMESPACE,
    );
    // The templates' own check, the schema skipped: one process per refused document (a refusal fails a whole batch).
    // A document the schema let through already failed in the templates when rendered with the schema: with nothing
    // for the schema to refuse, that render is the one without it.
    const templates = await pool(CASES, 2, async ([, c], i) => {
      if (c.refusedAt === undefined) return undefined;
      if (failedInTemplates(schema[i])) return schema[i];
      const file = join(work, `${name}-${i}.yaml`);
      writeFileSync(file, valuesYaml(c.values));
      return helm(name, ['template', '--skip-schema-validation', '-f', file, '--namespace', NAMESPACE, '--', RELEASE, chart.packagePath]);
    });
    helmAnswers[name] = { schema, templates };
  }
});

afterAll(() => {
  console.log(`safety refusals: ${CASES.length} documents (${CASES.filter(([, c]) => c.refusedAt).length} refused); Helm processes: ${JSON.stringify(HELM_PROCESSES)}`);
});

describe.each(CASES.map(([group, c], i) => [group, c.name, i] as const))('%s: %s', (_group, _name, index) => {
  const c = CASES[index][1];
  if (c.refusedAt !== undefined) {
    const at = c.refusedAt;
    test('the constructs refuse it, naming the value and the fix', () => {
      const lines = constructLines(c.values);
      expect(lines?.some((l) => l.startsWith(`${at}: `))).toBe(true);
    });
    test('synth refuses it: exit 2, nothing on stdout, the line on stderr', async () => {
      const r = await synth(c.values);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n').some((l) => l.startsWith(`error: ${at}: `))).toBe(true);
    });
    test.each(Object.keys(HELMS))('%s refuses it: the schema names the value, the templates print the CLI\'s line', async (name) => {
      const schema = helmAnswers[name].schema[index];
      expect(schema.code).not.toBe(0);
      expect(schema.stdout).toBe('');
      const lines = (await synth(c.values)).stderr.trim().split('\n').map((l) => l.replace(/^error: /, ''));
      const template = helmAnswers[name].templates[index]!;
      expect(template.code).not.toBe(0);
      for (const line of lines) expect(template.stderr).toContain(line);
      // The schema names the value the problem is reported at, unless only the templates can tell (the environment, the order of the arguments).
      if (!schema.stderr.includes('invalid values:')) expect(schema.stderr.replace(/\//g, '.')).toMatch(/backup\.storage\.s3\.bucket|backup\.encryption\.secretName|networkPolicy\.credentialEndpoints/);
    });
  } else {
    test('every renderer accepts it, with the same objects', async () => {
      expect(constructLines(c.values)).toBeUndefined();
      const r = await synth(c.values);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      for (const name of Object.keys(HELMS)) {
        const rendered = helmAnswers[name].schema[index];
        expect(rendered.stderr).toBe('');
        expect(objectsOf(rendered.stdout)).toEqual(objectsOf(r.stdout));
      }
    });
  }
});

describe('the credential endpoints as egress rules', () => {
  const egressOf = (values: TestValues) => synthObjects(values).find((o) => o.kind === 'NetworkPolicy')!.spec.egress as KubeObject[];

  test('EKS Pod Identity: 169.254.170.23 and fd00:ec2::23 on TCP 80', () => {
    expect(egressOf(mergeDocs(NO_SECRET_BACKUP, { networkPolicy: { credentialEndpoints: ['eks-pod-identity'] } })).at(-1)).toEqual({
      to: [{ ipBlock: { cidr: '169.254.170.23/32' } }, { ipBlock: { cidr: 'fd00:ec2::23/128' } }],
      ports: [{ port: 80, protocol: 'TCP' }],
    });
  });

  test('instance metadata: 169.254.169.254 and fd00:ec2::254 on TCP 80; web identity: any address on TCP 443; in a fixed order, before extraEgress', () => {
    const egress = egressOf(
      mergeDocs(NO_SECRET_BACKUP, {
        networkPolicy: { credentialEndpoints: ['web-identity', 'instance-metadata'], extraEgress: [{ ports: [{ port: 8443, protocol: 'TCP' }] }] },
      }),
    );
    expect(egress.slice(-3)).toEqual([
      { to: [{ ipBlock: { cidr: '169.254.169.254/32' } }, { ipBlock: { cidr: 'fd00:ec2::254/128' } }], ports: [{ port: 80, protocol: 'TCP' }] },
      { ports: [{ port: 443, protocol: 'TCP' }] },
      { ports: [{ port: 8443, protocol: 'TCP' }] },
    ]);
  });
});

describe('values applied otherwise than written on restores: a warning, the manifests unchanged', () => {
  const CRON_RESTORE = { restore: { enabled: true, mode: 'cronjob', storage: { s3: { bucket: 'backups', latest: true, secretName: 's3-creds' } } } };
  const WARNED: Array<[string, TestValues, TestValues, string]> = [
    ['job.backoffLimit on a restore Job', S3_RESTORE, { job: { backoffLimit: 3 } }, 'job.backoffLimit: is 3, but a restore is never retried'],
    ['job.ttlSecondsAfterFinished on a restore Job', S3_RESTORE, { job: { ttlSecondsAfterFinished: 600 } }, 'job.ttlSecondsAfterFinished: is 600, but a restore Job is never deleted by a TTL'],
    ['job.ttlSecondsAfterFinished on a scheduled restore', CRON_RESTORE, { job: { ttlSecondsAfterFinished: 0 } }, 'job.ttlSecondsAfterFinished: is 0, but'],
    ['cronJob.concurrencyPolicy on a scheduled restore', CRON_RESTORE, { cronJob: { concurrencyPolicy: 'Replace' } }, 'cronJob.concurrencyPolicy: is Replace, but a scheduled restore always uses Forbid'],
  ];

  test.each(WARNED)('synth: %s gives one warning line on stderr, exit 0, the same stdout', async (_name, base, setting, line) => {
    const plain = await synth(base);
    const warned = await synth(mergeDocs(base, setting));
    expect(warned.code).toBe(0);
    expect(warned.stdout).toBe(plain.stdout);
    expect(warned.stderr.split('\n').filter((l) => l !== '')).toEqual([expect.stringContaining(`warning: ${line}`)]);
    expect(plain.stderr).toBe('');
  });

  test.each(WARNED)('the Argo CD plugin: %s gives the warning on stderr, the same manifests', async (_name, base, setting, line) => {
    const env = { ARGOCD_APP_NAME: RELEASE, ARGOCD_APP_NAMESPACE: NAMESPACE };
    const run = async (values: TestValues) => {
      const dir = mkdtempSync(join(work, 'app-'));
      writeFileSync(join(dir, 'values.yaml'), valuesYaml(values));
      let stderr = '';
      const stdout = await generate(dir, env, { stderr: (t) => (stderr += t) });
      return { stdout, stderr };
    };
    const plain = await run(base);
    const warned = await run(mergeDocs(base, setting));
    expect(warned.stdout).toBe(plain.stdout);
    expect(warned.stderr).toContain(`warning: ${line}`);
    expect(plain.stderr).not.toContain('warning:');
  });

  test('a backup with those values set gets no warning (they apply to backups)', async () => {
    const r = await synth(mergeDocs(S3_BACKUP, { job: { backoffLimit: 3, ttlSecondsAfterFinished: 600 }, cronJob: { concurrencyPolicy: 'Replace' } }));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  test.each(WARNED)('helm 4 NOTES: %s gives a WARNING line (Helm 3 wants a cluster for install --dry-run)', async (_name, base, setting, line) => {
    const file = join(work, `notes-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, valuesYaml(mergeDocs(base, setting)));
    const r = await helm('helm4', ['install', RELEASE, chart.packagePath, '--dry-run=client', '--namespace', NAMESPACE, '-f', file]);
    expect(r.code).toBe(0);
    const notes = r.stdout.slice(r.stdout.indexOf('NOTES:'));
    expect(notes).toContain(`WARNING: ${line}`);
  });
});

test('helm 4 NOTES name the credential endpoints the NetworkPolicy lets through', async () => {
  const file = join(work, 'notes-credentials.yaml');
  writeFileSync(file, valuesYaml(mergeDocs(NO_SECRET_BACKUP, { networkPolicy: { credentialEndpoints: ['eks-pod-identity', 'web-identity'] } })));
  const r = await helm('helm4', ['install', RELEASE, chart.packagePath, '--dry-run=client', '--namespace', NAMESPACE, '-f', file]);
  expect(r.code).toBe(0);
  expect(r.stdout.slice(r.stdout.indexOf('NOTES:'))).toContain('S3 (when used), the credential endpoints (eks-pod-identity, web-identity) and networkPolicy.extraEgress.');
});
