import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { EXIT_INVALID, runCli } from '../../src/cli';
import type { CliIo } from '../../src/io';
import type { KubeObject } from '../support/synth';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(...argv: string[]): Run {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} };
  const code = runCli(argv, io);
  return { code, stdout, stderr };
}


/** The objects of a multi-document YAML stream; fails on any YAML error. */
function objectsOf(yaml: string): KubeObject[] {
  const docs = parseAllDocuments(yaml);
  if (!Array.isArray(docs)) throw new Error('expected documents');
  for (const doc of docs) expect(doc.errors).toEqual([]);
  return docs.map((d) => d.toJS() as KubeObject);
}

/** The one object of a kind, but the scale guard's CronJob. */
function only(objects: KubeObject[], kind: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.labels?.['app.kubernetes.io/component'] !== 'guard');
  expect(found).toHaveLength(1);
  return found[0];
}

function envOf(workload: KubeObject): Record<string, string> {
  const pod = workload.kind === 'CronJob' ? workload.spec.jobTemplate.spec.template.spec : workload.spec.template.spec;
  // The image's container: the last init container with the scale guard.
  const image = pod.initContainers?.at(-1) ?? pod.containers[0];
  return Object.fromEntries((image.env as Array<{ name: string; value?: string }>).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
}

/** Asserts a failed run: exit 2, nothing on stdout, the given stderr lines, no stack trace. */
function expectInvalid(result: Run, lines: Array<string | RegExp>): void {
  expect(result.code).toBe(EXIT_INVALID);
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.endsWith('\n')).toBe(true);
  const got = result.stderr.slice(0, -1).split('\n');
  expect(got).toHaveLength(lines.length);
  lines.forEach((line, i) => (typeof line === 'string' ? expect(got[i]).toBe(line) : expect(got[i]).toMatch(line)));
  expect(got.filter((l) => l.startsWith('    at '))).toEqual([]);
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
}

const PACKAGE_VERSION = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

let dir: string;
/** Writes a file in the temporary folder and returns its path. */
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'infrahub-backup-cli-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const S3_BACKUP_YAML = ['backup:', '  enabled: true', '  storage:', '    s3:', '      bucket: from-file', '      prefix: nightly', ''].join('\n');

describe('version', () => {
  test('`version` prints the package version', () => {
    expect(run('version')).toEqual({ code: 0, stdout: `${PACKAGE_VERSION}\n`, stderr: '' });
  });

  test.each(['--version', '-V'])('`%s` prints the package version', (flag) => {
    expect(run(flag)).toEqual({ code: 0, stdout: `${PACKAGE_VERSION}\n`, stderr: '' });
  });
});

describe('synth', () => {
  test('no values: nothing is printed and the exit code is 0', () => {
    expect(run('synth')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('an empty values file: nothing is printed', () => {
    expect(run('synth', '-f', file('empty.yaml', ''))).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('-f and --set print multi-document YAML with the expected kinds', () => {
    const result = run('synth', '-f', file('backup.yaml', S3_BACKUP_YAML), '--set', 'image.tag=9.9.9');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const objects = objectsOf(result.stdout);
    expect(objects.map((o) => o.kind)).toEqual(['ServiceAccount', 'Role', 'RoleBinding', 'Job', 'CronJob']);
    const job = only(objects, 'Job');
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.spec.template.spec.initContainers.at(-1).image).toBe('registry.opsmill.io/opsmill/infrahub-backup:9.9.9');
    expect(envOf(job)).toMatchObject({ INFRAHUB_S3_BUCKET: 'from-file', INFRAHUB_S3_PREFIX: 'nightly' });
  });

  test('--set backup.enabled=true alone is refused: no bucket and no storage type (OpsMill\'s chart means s3), the archive would vanish', () => {
    const result = run('synth', '--set', 'backup.enabled=true');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: backup\.storage\.type: is empty and backup\.storage\.s3\.bucket is not set: .*backup\.storage\.type=local/);
  });

  test('--set backup.enabled=true,backup.storage.type=local prints a local one-shot backup Job', () => {
    const result = run('synth', '--set', 'backup.enabled=true,backup.storage.type=local');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const job = only(objectsOf(result.stdout), 'Job');
    expect(job.spec.template.spec.initContainers.at(-1).args).not.toContain('--s3-upload');
    expect(envOf(job)).not.toHaveProperty('INFRAHUB_S3_BUCKET');
  });

  test('a scheduled backup prints a CronJob', () => {
    const result = run(
      'synth',
      '--set',
      'backup.enabled=true,backup.mode=cronjob,backup.storage.s3.bucket=backups',
      '--set-string',
      'backup.schedule=@daily,cronJob.timeZone=Europe/Paris',
    );
    expect(result.code).toBe(0);
    const cron = only(objectsOf(result.stdout), 'CronJob');
    expect(cron.spec.schedule).toBe('@daily');
    expect(cron.spec.timeZone).toBe('Europe/Paris');
  });

  test('a restore from the seed layout (restore.s3.*) prints a restore Job', () => {
    const result = run('synth', '--set', 'restore.enabled=true,restore.s3.bucket=backups,restore.s3.key=infrahub_backup_1.tar.gz');
    expect(result.code).toBe(0);
    const job = only(objectsOf(result.stdout), 'Job');
    expect(job.spec.template.spec.initContainers.at(-1).args).toEqual(['restore', 's3://backups/infrahub_backup_1.tar.gz']);
  });

  test('several -f files merge in order, maps deeply', () => {
    const first = file('first.yaml', S3_BACKUP_YAML + 'logFormat: json\n');
    const second = file('second.yaml', 'backup:\n  storage:\n    s3:\n      bucket: from-second\n');
    const result = run('synth', '-f', first, '--values', second);
    expect(result.code).toBe(0);
    const env = envOf(only(objectsOf(result.stdout), 'Job'));
    expect(env).toMatchObject({ INFRAHUB_S3_BUCKET: 'from-second', INFRAHUB_S3_PREFIX: 'nightly', INFRAHUB_LOG_FORMAT: 'json' });
  });

  test('the order of -f files matters', () => {
    const first = file('order-1.yaml', 'logFormat: json\n');
    const second = file('order-2.yaml', 'logFormat: text\n');
    const base = file('order-base.yaml', S3_BACKUP_YAML);
    expect(envOf(only(objectsOf(run('synth', '-f', base, '-f', first, '-f', second).stdout), 'Job')).INFRAHUB_LOG_FORMAT).toBe('text');
    expect(envOf(only(objectsOf(run('synth', '-f', base, '-f', second, '-f', first).stdout), 'Job')).INFRAHUB_LOG_FORMAT).toBe('json');
  });

  test('--set wins over the files, even when given first', () => {
    const values = file('set-wins.yaml', S3_BACKUP_YAML);
    const result = run('synth', '--set', 'backup.storage.s3.bucket=from-set', '-f', values);
    expect(result.code).toBe(0);
    expect(envOf(only(objectsOf(result.stdout), 'Job')).INFRAHUB_S3_BUCKET).toBe('from-set');
  });

  test('a later --set wins over an earlier one', () => {
    const result = run('synth', '-f', file('later.yaml', S3_BACKUP_YAML), '--set', 'logFormat=json', '--set', 'logFormat=text');
    expect(envOf(only(objectsOf(result.stdout), 'Job')).INFRAHUB_LOG_FORMAT).toBe('text');
  });

  test('--set-string keeps a number a string where --set would not', () => {
    const values = file('labels.yaml', S3_BACKUP_YAML);
    const asString = run('synth', '-f', values, '--set-string', 'podLabels.version=2');
    expect(asString.code).toBe(0);
    expect(only(objectsOf(asString.stdout), 'Job').spec.template.metadata.labels.version).toBe('2');
    expectInvalid(run('synth', '-f', values, '--set', 'podLabels.version=2'), ['error: podLabels.version: must be string, not number 2']);
  });

  test('--release and --namespace change the names and namespaces', () => {
    const values = file('names.yaml', S3_BACKUP_YAML);
    const defaults = objectsOf(run('synth', '-f', values).stdout);
    expect(defaults.map((o) => o.metadata.namespace)).toEqual(Array(5).fill('default'));
    expect(only(defaults, 'ServiceAccount').metadata.name).toBe('infrahub-backup');

    const result = run('synth', '-f', values, '--release', 'prod', '--namespace', 'infra');
    expect(result.code).toBe(0);
    const objects = objectsOf(result.stdout);
    expect(objects.map((o) => o.metadata.namespace)).toEqual(Array(5).fill('infra'));
    expect(only(objects, 'ServiceAccount').metadata.name).toBe('prod-infrahub-backup');
    expect(only(objects, 'Job').metadata.name).toMatch(/^prod-infrahub-backup-backup-[0-9a-f]{8}$/);
    expect(only(objects, 'Job').metadata.labels['app.kubernetes.io/instance']).toBe('prod');
    expect(only(objects, 'RoleBinding').subjects).toEqual([{ apiGroup: '', kind: 'ServiceAccount', name: 'prod-infrahub-backup', namespace: 'infra' }]);
  });

  test('-n is short for --namespace', () => {
    const objects = objectsOf(run('synth', '-f', file('short-n.yaml', S3_BACKUP_YAML), '-n', 'backups').stdout);
    expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set(['backups']));
  });

  test('the output is byte-identical across runs', () => {
    const values = file('stable.yaml', S3_BACKUP_YAML);
    const args = ['synth', '-f', values, '--set', 'podAnnotations.b=x,podAnnotations.a=y', '--set-string', 'podLabels.z=1'];
    const first = run(...args);
    const second = run(...args);
    expect(first.code).toBe(0);
    expect(first.stdout.length).toBeGreaterThan(0);
    expect(second.stdout).toBe(first.stdout);
  });

  test('--help prints the synth usage and exits 0', () => {
    const result = run('synth', '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: infrahub-backup-cdk8s synth');
    expect(result.stdout).toContain('--set-string');
  });
});

describe('invalid values', () => {
  test('one `error: <path>: <message>` line per problem on stderr, nothing on stdout', () => {
    const result = run('synth', '--set', 'backup.enabled=yes,bakup.enabled=true', '--set', 'backup.storage.s3.endpoint=minio:9000');
    expectInvalid(result, [
      /^error: bakup: unknown key; check its spelling \(known keys here: enabled, global, .*\)$/,
      'error: backup.enabled: must be boolean, not string "yes"',
      'error: backup.storage.s3.endpoint: string "minio:9000" is not valid; it must be a URL that starts with http:// or https://',
    ]);
  });

  test('a cross-field problem', () => {
    expectInvalid(run('synth', '--set', 'backup.enabled=true,backup.storage.type=s3'), [
      'error: backup.storage.s3.bucket: is required when backup.storage.type is s3: name the bucket, or set backup.storage.type=local',
    ]);
  });

  test('several cross-field problems', () => {
    expectInvalid(run('synth', '--set', 'backup.enabled=true,backup.storage.type=s3,restore.enabled=true,restore.storage.s3.bucket=backups'), [
      /^error: restore\.enabled: backup\.enabled and restore\.enabled are both true/,
      /^error: backup\.storage\.s3\.bucket: is required/,
      /^error: restore\.storage\.s3\.key: is required for a restore from S3/,
    ]);
  });

  test('a plaintext credential in a file', () => {
    const values = file('creds.yaml', S3_BACKUP_YAML + '      secretAccessKey: hunter2\n');
    const result = run('synth', '-f', values);
    expectInvalid(result, [
      'error: backup.storage.s3.secretAccessKey: credentials are not accepted in values: store them in a Kubernetes Secret and set backup.storage.s3.secretName',
    ]);
    expect(result.stderr).not.toContain('hunter2');
  });

  test('an invalid release name', () => {
    expectInvalid(run('synth', '--release', 'Prod'), [
      'error: release: "Prod" is not a valid release name: use at most 53 lowercase letters, digits, "-" and "."',
    ]);
  });

  test('an invalid namespace', () => {
    expectInvalid(run('synth', '--namespace', 'Infra_Hub'), [
      'error: namespace: "Infra_Hub" is not a valid namespace: use at most 63 lowercase letters, digits and "-"',
    ]);
  });
});

describe('invalid input', () => {
  test('an unreadable file', () => {
    const missing = join(dir, 'missing.yaml');
    expectInvalid(run('synth', '-f', missing), [`error: ${missing}: cannot read the file (ENOENT)`]);
  });

  test('a directory instead of a file', () => {
    expectInvalid(run('synth', '-f', dir), [`error: ${dir}: cannot read the file (EISDIR)`]);
  });

  test('a YAML syntax error names the file and the line', () => {
    const bad = file('syntax.yaml', 'backup:\n  enabled: true\n  storage: [\n');
    expectInvalid(run('synth', '-f', bad), [new RegExp(`^error: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 4: `)]);
  });

  test('a duplicate key keeps the last value, as in Helm', () => {
    const dup = file('dup.yaml', 'logFormat: json\nlogFormat: text\n');
    expect(run('values', '-f', dup)).toEqual({ code: 0, stdout: 'logFormat: text\n', stderr: '' });
  });

  test('a file holding a list', () => {
    const list = file('list.yaml', '- backup\n- restore\n');
    expectInvalid(run('synth', '-f', list), [`error: ${list}: a values file must hold a map of keys, not a list`]);
  });

  test('an alias to an unknown anchor', () => {
    const alias = file('alias.yaml', 'backup: *missing\n');
    expectInvalid(run('synth', '-f', alias), [new RegExp(`^error: ${alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*missing`)]);
  });

  test('bad --set syntax', () => {
    expectInvalid(run('synth', '--set', 'backup.enabled'), ['error: --set "backup.enabled": key "enabled" has no value']);
  });

  test('an empty --set assignment', () => {
    expectInvalid(run('synth', '--set', ',a=true'), ['error: --set ",a=true": key "" has no value (cannot end with ,)']);
  });

  test('bad --set-string syntax', () => {
    expectInvalid(run('synth', '--set-string', 'a..b=x'), ['error: --set-string "a..b=x": key map "a" has no value']);
  });

  test('every input problem is reported before any values are checked', () => {
    const missing = join(dir, 'nope.yaml');
    expectInvalid(run('synth', '-f', missing, '--set', 'x', '--set', 'backup.enabled=maybe'), [
      `error: ${missing}: cannot read the file (ENOENT)`,
      'error: --set "x": key "x" has no value',
    ]);
  });

  test('an unknown option', () => {
    expectInvalid(run('synth', '--frobnicate'), ["error: unknown option '--frobnicate'"]);
  });

  test('a misspelt option gets a suggestion', () => {
    expectInvalid(run('synth', '--sett', 'a=b'), ["error: unknown option '--sett'", '(Did you mean --set?)']);
  });

  test('an option without its argument', () => {
    expectInvalid(run('synth', '-f'), ["error: option '-f, --values <file>' argument missing"]);
  });

  test('an unknown command', () => {
    expectInvalid(run('render'), ["error: unknown command 'render'"]);
  });

  test('no command prints the usage on stderr and fails', () => {
    const result = run();
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Usage: infrahub-backup-cdk8s');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
