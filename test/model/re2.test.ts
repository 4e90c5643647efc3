/**
 * The check of `monitoring.prometheusRule.infrahubWorkloads` (src/model/re2.ts)
 * and of `runbookUrl`, against the references: every pattern the check
 * accepts compiles in Go's regexp (RE2) as Prometheus compiles a matcher,
 * and promtool accepts the rules rendered with it; the chart's copy of the
 * check (`_checks.tpl`) answers as the constructs do, in Helm 3 and Helm 4;
 * both renderers refuse the values of issue 18 that made Prometheus drop
 * every alert.
 */
import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as fc from 'fast-check';
import { stringify } from 'yaml';
import { ChartOutput } from '../../src/helm/build';
import { PROBLEMS } from '../../src/model/messages';
import { re2Subset } from '../../src/model/re2';
import { VALUES_SPEC } from '../../src/model/spec';
import { fieldAt, StringField } from '../../src/model/spec-types';
import { requireGoProgram } from '../support/go';
import { buildTestChart, cli, ensureHelm, helm, HELMS } from '../support/helm';
import { ensurePromtool, promtool } from '../support/promtool';
import { mergeDocs, only, S3_BACKUP, synthObjects, TestValues } from '../support/synth';

jest.setTimeout(300_000);

/** Go's answer for each pattern: "" when Prometheus would compile it, else Go's error. */
const GO_RE2 = `package main

import (
	"encoding/json"
	"os"
	"regexp"
	"regexp/syntax"
)

func main() {
	var in []string
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	out := make([]string, len(in))
	for i, p := range in {
		// As Prometheus's FastRegexMatcher: parsed alone, then compiled anchored.
		if _, err := syntax.Parse(p, syntax.Perl|syntax.DotNL); err != nil {
			out[i] = err.Error()
			continue
		}
		if _, err := regexp.Compile("^(?s:" + p + ")$"); err != nil {
			out[i] = err.Error()
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
`;
import { onceByKey } from '../support/cache';

function goAnswers(patterns: string[]): string[] {
  const binary = requireGoProgram('re2-compile', GO_RE2);
  return JSON.parse(execFileSync(binary, [], { input: JSON.stringify(patterns), encoding: 'utf8', maxBuffer: 64 << 20 }));
}

const ISSUE_PATTERNS = ['(infrahub-server', '(?=x)x', 'a{1001}'];

/** Pieces of patterns, most of them meaningful to RE2, some of them traps. */
const PIECES = [
  'a', 'b', 'z', '-', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '^', '$', ',', '0', '1', '2', '9', ':', 'é', '😀', '=', '!', '<', '>', '#', '%', '_', '/',
  '(?:', '(?', '(?i)', '(?P<n>', '{1000}', '{1001}', '{2,3}', '{3,2}', '{0}', '{,2}', '{01}', '{2,}', '[^', 'z-a', 'a-z', '[:alpha:]', '[[:alpha:]]', '*?', '{500}',
];

/** A pattern from the pieces. */
const piecewise = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 16 }).map((parts) => parts.join(''));

/** A pattern built as RE2 reads one: atoms, classes, groups, alternatives, repetitions. */
const structured: fc.Arbitrary<string> = fc.letrec<{ re: string; atom: string }>((tie) => ({
  re: fc.array(fc.array(tie('atom'), { minLength: 0, maxLength: 4 }).map((a) => a.join('')), { minLength: 1, maxLength: 3 }).map((alts) => alts.join('|')),
  atom: fc
    .tuple(
      fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom('a', 'b', '-', '.', 'é', '😀', '^', '$'),
        fc.tuple(fc.boolean(), fc.array(fc.oneof(fc.constantFrom('a', 'b', '-', '^', '.', '😀'), fc.tuple(fc.constantFrom('a', 'm', '0', '-'), fc.constantFrom('z', 'b', '9', '-')).map(([x, y]) => `${x}-${y}`)), { minLength: 1, maxLength: 3 })).map(([neg, items]) => `[${neg ? '^' : ''}${items.join('')}]`),
        fc.tuple(fc.constantFrom('(', '(?:'), tie('re')).map(([open, body]) => `${open}${body})`),
      ),
      fc.constantFrom('', '', '', '*', '+', '?', '*?', '{2}', '{3,}', '{2,5}', '{10}', '{100}', '{999}', '{1000}', '{0,1}'),
    )
    .map(([a, q]) => a + q),
})).re.filter((p) => p.length > 0 && p.length <= 253);

const PATTERNS: string[] = [
  ...ISSUE_PATTERNS,
  '.*(infrahub-server|task-worker).*',
  ...fc.sample(piecewise, { numRuns: 3000, seed: 18 }),
  ...fc.sample(structured, { numRuns: 3000, seed: 18 }),
];

describe('infrahubWorkloads: the check against Go regexp (RE2)', () => {
  const answers = goAnswers(PATTERNS);

  test('every pattern the check accepts compiles in Go as Prometheus compiles a matcher', () => {
    const accepted = PATTERNS.filter((p) => re2Subset(p));
    const unsound = PATTERNS.filter((p, i) => re2Subset(p) && answers[i] !== '').map((p) => `${JSON.stringify(p)}: ${answers[PATTERNS.indexOf(p)]}`);
    const goAccepts = answers.filter((a) => a === '').length;
    const refusedButValid = PATTERNS.filter((p, i) => !re2Subset(p) && answers[i] === '').length;
    console.log(`re2: ${PATTERNS.length} patterns drawn, ${goAccepts} valid in Go, ${accepted.length} accepted by the check, ${refusedButValid} valid ones refused (outside the subset)`);
    expect(unsound).toEqual([]);
    expect(accepted.length).toBeGreaterThan(1000);
  });

  test('the values of issue 18 are refused, each naming the path', () => {
    for (const pattern of ISSUE_PATTERNS) {
      expect(re2Subset(pattern)).toBe(false);
      expect(() => synthObjects(mergeDocs(S3_BACKUP, { monitoring: { prometheusRule: { enabled: true, infrahubWorkloads: pattern } } }))).toThrow(
        `monitoring.prometheusRule.infrahubWorkloads: ${PROBLEMS.workloadsPattern.text.replace('%s', pattern)}`,
      );
    }
  });

  test('the CLI refuses with exit code 2, one line and nothing on stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibc-re2-cli-'));
    const file = join(dir, 'values.yaml');
    writeFileSync(file, stringify(mergeDocs(S3_BACKUP, { monitoring: { prometheusRule: { enabled: true, infrahubWorkloads: 'a{1001}' } } })));
    const result = await cli(['synth', '-f', file, '--release', 'prod', '--namespace', 'infrahub']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([`error: monitoring.prometheusRule.infrahubWorkloads: ${PROBLEMS.workloadsPattern.text.replace('%s', 'a{1001}')}`]);
  });

  test('a pattern outside the subset is refused only while the rule renders', () => {
    expect(() => synthObjects(mergeDocs(S3_BACKUP, { monitoring: { prometheusRule: { infrahubWorkloads: '(x' } } }))).not.toThrow();
  });
});

const RUNBOOK_PATTERN = new RegExp((fieldAt(VALUES_SPEC, 'monitoring.prometheusRule.runbookUrl') as StringField).pattern!, 'u');

describe('promtool check rules on what the checks accept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ibc-re2-'));
  beforeAll(() => ensurePromtool());

  function rulesFile(name: string, rules: unknown[]): string {
    const file = join(dir, `${name}.rules.yaml`);
    writeFileSync(file, stringify({ groups: [{ name, rules }] }, { lineWidth: 0 }));
    return file;
  }

  /** The rule of each values document, synthesized once (the runbook test renames one rule 400 times). */
  const synthesized = onceByKey<string, { alert: string; expr: string }>();

  function scaledDownRule(values: TestValues, i: number) {
    const document = mergeDocs(S3_BACKUP, { monitoring: { prometheusRule: { enabled: true } } }, values);
    const rule = synthesized(JSON.stringify(document), () =>
      only(synthObjects(document), 'PrometheusRule').spec.groups[0].rules.find((r: { alert: string }) => r.alert === 'InfrahubScaledDownAfterBackup'),
    );
    return { ...rule, alert: `${rule.alert}${i}` };
  }

  test('accepted patterns render rules that promtool accepts; the refused ones of issue 18 make it refuse the group', async () => {
    const schema = new RegExp((fieldAt(VALUES_SPEC, 'monitoring.prometheusRule.infrahubWorkloads') as StringField).pattern!, 'u');
    const accepted = PATTERNS.filter((p) => re2Subset(p) && schema.test(p)).slice(0, 300);
    const rules = accepted.map((p, i) => scaledDownRule({ monitoring: { prometheusRule: { enabled: true, infrahubWorkloads: p } } }, i));
    const ok = await promtool(['check', 'rules', rulesFile('accepted', rules)]);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain(`SUCCESS: ${rules.length} rules found`);
    // The same rules with a refused pattern: promtool refuses them (what the check prevents).
    for (const [i, p] of ISSUE_PATTERNS.entries()) {
      const rule = scaledDownRule({ monitoring: { prometheusRule: { enabled: true } } }, i);
      const bad = { ...rule, expr: rule.expr.split('.*(infrahub-server|task-worker).*').join(p) };
      const result = await promtool(['check', 'rules', rulesFile(`refused-${i}`, [bad])]);
      expect(result.code).not.toBe(0);
    }
  });

  test('any character the values let into infrahubWorkloads lexes in PromQL and YAML: outside printable ASCII (U+FFFD, U+FFFE...) is refused', async () => {
    // PromQL's lexer stops a string at U+FFFD ("invalid UTF-8 rune"), YAML readers at U+FFFE or U+FFFF
    // ("control characters are not allowed"): either way Prometheus loses the group. Kubernetes names are ASCII.
    const workloads = fieldAt(VALUES_SPEC, 'monitoring.prometheusRule.infrahubWorkloads') as StringField;
    const schema = new RegExp(workloads.pattern!, 'u');
    const literal = fc.oneof(fc.constant('\uFFFD'), fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCodePoint(c)), fc.integer({ min: 0x21, max: 0x10ffff }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCodePoint(c)), fc.constantFrom('a', '-', 'é', '\uFFFE', '\u2028', '\uFEFF'));
    const drawn = fc.sample(fc.array(literal, { minLength: 1, maxLength: 4 }).map((cs) => `infrahub-${cs.join('')}`), { numRuns: 1500, seed: 18 });
    const accepted = drawn.filter((p) => schema.test(p) && re2Subset(p));
    const withReplacement = drawn.filter((p) => p.includes('\uFFFD')).length;
    console.log(`infrahubWorkloads characters: ${drawn.length} drawn, ${withReplacement} holding U+FFFD, ${accepted.length} accepted by the schema and the check`);
    expect(withReplacement).toBeGreaterThan(100);
    const rules = accepted.map((p, i) => scaledDownRule({ monitoring: { prometheusRule: { enabled: true, infrahubWorkloads: p } } }, i));
    const ok = await promtool(['check', 'rules', rulesFile('characters', rules)]);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain(`SUCCESS: ${rules.length} rules found`);
    // What the refusal prevents.
    const rule = scaledDownRule({}, 0);
    const bad = await promtool(['check', 'rules', rulesFile('replacement', [{ ...rule, expr: rule.expr.split('.*(infrahub-server|task-worker).*').join('infrahub-server\uFFFD') }])]);
    expect(bad.stdout + bad.stderr).toContain('invalid UTF-8 rune');
    expect(() => synthObjects(mergeDocs(S3_BACKUP, { monitoring: { prometheusRule: { enabled: true, infrahubWorkloads: 'infrahub-server\uFFFD' } } }))).toThrow(
      /monitoring\.prometheusRule\.infrahubWorkloads: .*printable ASCII/,
    );
  });

  test('runbook URLs the schema accepts are templates promtool accepts; "{{" is refused', async () => {
    const url = fc
      .array(fc.constantFrom('a', 'b', '/', '-', '.', '{', '}', '$', '%', '?', '=', '&', '(', ')', '|', ':', '[', ']', 'é', "'", '`'), { minLength: 1, maxLength: 24 })
      .map((parts) => `https://wiki.example.com/${parts.join('')}`);
    const drawn = fc.sample(url, { numRuns: 2000, seed: 18 });
    const accepted = drawn.filter((u) => RUNBOOK_PATTERN.test(u));
    const refused = drawn.filter((u) => !RUNBOOK_PATTERN.test(u));
    console.log(`runbookUrl: ${drawn.length} drawn, ${accepted.length} accepted by the schema, ${refused.length} refused (all hold "{{": ${refused.every((u) => u.includes('{{'))})`);
    expect(refused.every((u) => u.includes('{{'))).toBe(true);
    expect(accepted.length).toBeGreaterThan(200);
    const rules = accepted.slice(0, 400).map((u, i) => ({ ...scaledDownRule({}, i), annotations: { runbook_url: `${u}/InfrahubScaledDownAfterBackup.md` } }));
    const ok = await promtool(['check', 'rules', rulesFile('runbooks', rules)]);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain(`SUCCESS: ${rules.length} rules found`);
    const bad = await promtool(['check', 'rules', rulesFile('runbook-refused', [{ ...scaledDownRule({}, 0), annotations: { runbook_url: 'https://wiki.example.com/{{x/InfrahubScaledDownAfterBackup.md' } }])]);
    expect(bad.code).not.toBe(0);
    expect(() => synthObjects(mergeDocs(S3_BACKUP, { monitoring: { prometheusRule: { enabled: true, runbookUrl: 'https://wiki.example.com/{{' } } }))).toThrow(
      /monitoring\.prometheusRule\.runbookUrl: .*without "\{\{"/,
    );
  });
});

describe('the chart checks as the constructs do', () => {
  let chart: ChartOutput;
  let probeDir: string;

  beforeAll(() => {
    ensureHelm();
    chart = buildTestChart();
    probeDir = join(mkdtempSync(join(tmpdir(), 'ibc-re2-probe-')), 'probe');
    mkdirSync(join(probeDir, 'templates'), { recursive: true });
    writeFileSync(join(probeDir, 'Chart.yaml'), 'apiVersion: v2\nname: probe\nversion: 0.1.0\n');
    for (const file of ['_generated.tpl', '_checks.tpl']) writeFileSync(join(probeDir, 'templates', file), readFileSync(join(chart.chartDir, 'templates', file)));
    writeFileSync(
      join(probeDir, 'templates', 'out.yaml'),
      [
        '{{- $c := include "infrahub-backup.constants" . | fromJson }}',
        '{{- $out := list }}',
        '{{- range .Values.patterns }}{{- $out = append $out (eq (include "infrahub-backup.re2Subset" (dict "re" . "c" $c)) "true") }}{{- end }}',
        'json: {{ toJson $out | b64enc }}',
        '',
      ].join('\n'),
    );
  });

  describe.each(Object.keys(HELMS))('%s', (name) => {
    test('_checks.tpl re2Subset answers as re2.ts for every drawn pattern', async () => {
      const patterns = PATTERNS.filter((p) => !/[\uD800-\uDFFF]/u.test(p));
      const file = join(probeDir, '..', `${name}-patterns.json`);
      writeFileSync(file, JSON.stringify({ patterns }));
      const result = await helm(name, ['template', probeDir, '-f', file]);
      expect(result.stderr).toBe('');
      const line = result.stdout.split('\n').find((l) => l.startsWith('json: '))!;
      const answers: boolean[] = JSON.parse(Buffer.from(line.slice(6), 'base64').toString('utf8'));
      const differences = patterns.filter((p, i) => answers[i] !== re2Subset(p));
      expect(differences).toEqual([]);
      expect(answers.length).toBe(patterns.length);
    });

    test('refuses the values of issue 18 with the constructs\' lines', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        ...ISSUE_PATTERNS.map((p): [Record<string, unknown>, string] => [{ infrahubWorkloads: p }, `monitoring.prometheusRule.infrahubWorkloads: ${PROBLEMS.workloadsPattern.text.replace('%s', p)}`]),
        [{ runbookUrl: 'https://wiki.example.com/{{' }, 'runbookUrl'],
        // PromQL's lexer refuses U+FFFD in a string: the schema refuses it.
        [{ infrahubWorkloads: 'infrahub-server\uFFFD' }, 'infrahubWorkloads'],
      ];
      for (const [i, [rule, line]] of cases.entries()) {
        const file = join(probeDir, '..', `${name}-refused-${i}.yaml`);
        writeFileSync(file, stringify({ backup: { enabled: true, storage: { s3: { bucket: 'backups', secretName: 's3-creds' } } }, monitoring: { prometheusRule: { enabled: true, ...rule } } }));
        const result = await helm(name, ['template', 'infrahub-backup', chart.packagePath, '-f', file, '--namespace', 'infrahub']);
        expect(result.code).not.toBe(0);
        expect(result.stdout).toBe('');
        expect(result.stderr).toContain(line);
      }
    });
  });
});
