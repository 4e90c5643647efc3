/**
 * Issue 22 item 5: a values document with six independent problems (two the
 * schema finds, four cross-field ones) is refused with six lines in one run
 * by the constructs and by `synth`, and by Helm 3 and Helm 4 with every one
 * the chart's schema can say (five: the time zone is checked by the templates).
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Chart } from 'cdk8s';
import { InfrahubBackup } from '../../src/constructs/infrahub-backup';
import { ValuesError } from '../../src/model/errors';
import { ChartOutput } from '../../src/helm/build';
import { buildTestChart, ensureHelm, helm, HELMS, ROOT, valuesYaml } from '../support/helm';
import { SIX_PROBLEMS as SIX } from '../support/synth';

jest.setTimeout(120_000);

const PATHS = ['backup.schedul', 'backup.storage.s3.secretName', 'cronJob.timeZone', 'restore.enabled', 'backup.verification.enabled', 'restore.storage.type'];
/** What the chart's schema can say: all but the time zone (a template check). */
const SCHEMA_PATHS = PATHS.filter((p) => p !== 'cronJob.timeZone');

const file = join(mkdtempSync(join(tmpdir(), 'ibc-one-run-')), 'six.yaml');
writeFileSync(file, valuesYaml(SIX));
let chart: ChartOutput;

beforeAll(() => {
  ensureHelm();
  chart = buildTestChart();
});

test('the constructs: one ValuesError whose message has six lines, one per problem', () => {
  let error: unknown;
  try {
    new InfrahubBackup(new Chart(new App(), 'c'), 'backup', { releaseName: 'infrahub', values: SIX as never });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ValuesError);
  const lines = (error as ValuesError).message.split('\n').filter((l) => PATHS.some((p) => l.includes(`${p}:`)));
  expect(lines).toHaveLength(6);
  expect((error as ValuesError).problems.map((p) => p.path)).toEqual(PATHS);
});

test('synth (the bin): six error lines, nothing on stdout, exit 2', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'infrahub-backup-cdk8s'), 'synth', '-f', file], { encoding: 'utf8' });
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines.map((l) => /^error: ([^:]+):/.exec(l)?.[1])).toEqual(PATHS);
  expect(r.status).toBe(2);
});

test.each(Object.keys(HELMS))('%s: the schema names the five problems it can say in one run', async (name) => {
  const r = await helm(name, ['template', 'infrahub', chart.packagePath, '--namespace', 'infrahub', '-f', file]);
  expect(r.code).not.toBe(0);
  expect(r.stdout).toBe('');
  // Helm 3 writes paths dotted, Helm 4 as JSON pointers; an unknown key is named beside its map.
  const said = (p: string) => {
    const [parent, key] = [p.slice(0, p.lastIndexOf('.')), p.slice(p.lastIndexOf('.') + 1)];
    return r.stderr.includes(`${p}:`) || r.stderr.includes(`'/${p.replace(/\./g, '/')}'`) || (p === 'backup.schedul' && r.stderr.includes(key) && r.stderr.includes(parent));
  };
  expect(SCHEMA_PATHS.filter((p) => !said(p))).toEqual([]);
});
