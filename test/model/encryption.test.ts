/**
 * `--encrypt` without a key of the user's encrypts to OpsMill's built-in key
 * (issue 24): keylessEncryption must read the arguments and the environment as
 * the tool does. The reference is spf13/pflag itself (Debian's
 * golang-github-spf13-pflag-dev), with the tool's `create` flags, and viper's
 * precedence (a flag given on the command line wins, else INFRAHUB_<FLAG>,
 * empty meaning unset, read with ParseBool).
 */
import { execFileSync } from 'child_process';
import fc from 'fast-check';
import { GO_FALSE, GO_TRUE, keylessEncryption } from '../../src/model/encryption';
import type { ResolvedValues } from '../../src/model/types';
import { describeWithGo } from '../support/go';

const ORACLE = `package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io/ioutil"
	"os"
	"strconv"
	"time"

	flag "github.com/spf13/pflag"
)

type request struct {
	Args []string          \`json:"args"\`
	Env  map[string]string \`json:"env"\`
}

// The flags of infrahub-backup create, as its main.go defines them.
func verdict(r request) string {
	fs := flag.NewFlagSet("create", flag.ContinueOnError)
	fs.SetOutput(ioutil.Discard)
	var b bool
	var s string
	var d time.Duration
	fs.BoolVar(&b, "force", false, "")
	fs.BoolVar(&b, "redact", false, "")
	fs.StringVar(&s, "neo4jmetadata", "all", "")
	fs.BoolVar(&b, "exclude-taskmanager", false, "")
	fs.BoolVar(&b, "s3-upload", false, "")
	fs.BoolVar(&b, "s3-keep-local", false, "")
	fs.DurationVar(&d, "sleep", 0, "")
	// The root command's persistent flags (its ConfigureRootCommand), all strings.
	for _, name := range []string{"project", "k8s-namespace", "backup-dir", "log-format", "backend", "repo", "backup-id", "snapshot", "s3-bucket", "s3-prefix", "s3-endpoint", "s3-region"} {
		fs.String(name, "", "")
	}
	encrypt := fs.Bool("encrypt", false, "")
	key := fs.String("encrypt-key", "", "")
	if err := fs.Parse(r.Args); err != nil {
		return "error"
	}
	// viper: a flag set on the command line, else the environment (empty is unset), else the default.
	on := *encrypt
	if !fs.Changed("encrypt") {
		if v, ok := r.Env["INFRAHUB_ENCRYPT"]; ok && v != "" {
			on, _ = strconv.ParseBool(v)
		}
	}
	k := *key
	if !fs.Changed("encrypt-key") {
		if v, ok := r.Env["INFRAHUB_ENCRYPT_KEY"]; ok && v != "" {
			k = v
		}
	}
	// backup.go: encrypt || key != "" encrypts; loadEncryptionKey("") is the built-in key.
	if (on || k != "") && k == "" {
		return "keyless"
	}
	return "fine"
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		var r request
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			panic(err)
		}
		fmt.Println(verdict(r))
	}
}
`;

/** The arguments the renderers put before `backup.options.extraArgs` (src/shapes/backup.ts backupArgs), without `create`. */
function renderedArgs(secretName: boolean, extraArgs: string[]): string[] {
  return ['--neo4jmetadata=all', '--s3-upload', ...(secretName ? ['--encrypt-key=/etc/infrahub-backup/keys/public.pem'] : []), ...extraArgs];
}

type Env = Array<{ name: string; value?: string; valueFrom?: unknown }>;

function values(secretName: boolean, extraArgs: string[], extraEnv: Env): ResolvedValues {
  return {
    backup: { enabled: true, encryption: { secretName: secretName ? 'backup-key' : '', key: 'public.pem' }, options: { extraArgs } },
    extraEnv,
  } as unknown as ResolvedValues;
}

const TOKENS = [
  '--encrypt',
  ...GO_TRUE.map((v) => `--encrypt=${v}`),
  ...GO_FALSE.map((v) => `--encrypt=${v}`),
  '--encrypt=',
  '--encrypt=yes',
  '--encrypt-key',
  '--encrypt-key=',
  '--encrypt-key=/keys/public.pem',
  '/keys/public.pem',
  '',
  '--',
  '--force',
  '--exclude-taskmanager',
  // Flags that take the next argument as their value, whatever it holds:
  // `--neo4jmetadata --encrypt-key=PATH` gives no key.
  '--neo4jmetadata',
  '--s3-prefix',
  '--log-format',
  '--snapshot',
  '--sleep',
];
const ENV_VALUES = ['', ...GO_TRUE, ...GO_FALSE, 'yes', '/keys/public.pem'];

describeWithGo('keylessEncryption reads the arguments and the environment as pflag and viper do', { name: 'pflag-encrypt', source: ORACLE, imports: ['github.com/spf13/pflag'] }, (binary) => {
  test('every drawn argument list and environment gets the tool\'s verdict', () => {
    const envEntry = (name: string) => fc.option(fc.constantFrom(...ENV_VALUES), { nil: undefined }).map((value) => (value === undefined ? [] : [{ name, value }]));
    const cases = fc.sample(
      fc.record({
        secretName: fc.boolean(),
        extraArgs: fc.array(fc.constantFrom(...TOKENS), { maxLength: 5 }),
        env: fc.tuple(envEntry('INFRAHUB_ENCRYPT'), envEntry('INFRAHUB_ENCRYPT_KEY')).map(([a, b]) => [...a, ...b]),
      }),
      { numRuns: 3000, seed: 24 },
    );
    const input = cases
      .map((c) => JSON.stringify({ args: renderedArgs(c.secretName, c.extraArgs), env: Object.fromEntries(c.env.map((e) => [e.name, e.value])) }))
      .join('\n');
    const verdicts = execFileSync(binary(), { input: `${input}\n`, encoding: 'utf8' }).trim().split('\n');
    const counts: Record<string, number> = {};
    const wrong: string[] = [];
    cases.forEach((c, i) => {
      counts[verdicts[i]] = (counts[verdicts[i]] ?? 0) + 1;
      if (verdicts[i] === 'error') return; // the tool refuses the arguments: the backup fails loudly
      const ours = keylessEncryption(values(c.secretName, c.extraArgs, c.env)) ? 'keyless' : 'fine';
      if (ours !== verdicts[i]) wrong.push(`${JSON.stringify(c)}: tool ${verdicts[i]}, ours ${ours}`);
    });
    console.log(`pflag oracle: ${cases.length} cases drawn: ${JSON.stringify(counts)}`);
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(counts.keyless).toBeGreaterThan(100);
    expect(counts.fine).toBeGreaterThan(300);
  });
});

describe('keylessEncryption', () => {
  test.each([...GO_TRUE.map((v) => `--encrypt=${v}`), '--encrypt'])('%s without a key is keyless', (arg) => {
    expect(keylessEncryption(values(false, [arg], []))).toEqual({ where: 'args', spelling: arg });
  });

  test.each(GO_FALSE.map((v) => `--encrypt=${v}`))('%s is not encrypting', (arg) => {
    expect(keylessEncryption(values(false, [arg], []))).toBeUndefined();
  });

  test('the environment counts when no flag is given; a value from a Secret cannot be known and counts as on', () => {
    expect(keylessEncryption(values(false, [], [{ name: 'INFRAHUB_ENCRYPT', value: 'True' }]))).toEqual({ where: 'env', spelling: 'INFRAHUB_ENCRYPT=True' });
    expect(keylessEncryption(values(false, [], [{ name: 'INFRAHUB_ENCRYPT', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }]))).toEqual({
      where: 'env',
      spelling: 'INFRAHUB_ENCRYPT from valueFrom',
    });
    expect(keylessEncryption(values(false, ['--encrypt=false'], [{ name: 'INFRAHUB_ENCRYPT', value: 'true' }]))).toBeUndefined();
    expect(keylessEncryption(values(true, [], [{ name: 'INFRAHUB_ENCRYPT', value: 'true' }]))).toBeUndefined();
  });

  // The kubelet expands $(NAME) in env values from the variables defined before it ($$ is a literal $).
  test.each([
    ['$(ENCRYPT_BACKUPS)', true],
    ['x$(A)', true],
    ['$$$(A)', true],
    ['$$(A)', false],
    ['$$$$(A)', false],
    ['$(', false],
  ])('INFRAHUB_ENCRYPT=%s counts as on when the kubelet expands a variable in it: %s', (value, on) => {
    const env = [{ name: 'ENCRYPT_BACKUPS', value: 'true' }, { name: 'INFRAHUB_ENCRYPT', value }];
    // The value is free text: the line names the case, never repeats it.
    expect(keylessEncryption(values(false, [], env))).toEqual(on ? { where: 'env', spelling: 'INFRAHUB_ENCRYPT from a $(variable) the kubelet expands' } : undefined);
  });
});
