/**
 * What makes the backups write encrypted archives, read as the backup image's
 * tool reads it: its flags (pflag, values by Go's strconv.ParseBool), its
 * environment (viper), and the variables the kubelet expands in an env value.
 * The chart reads the same constants (`_generated.tpl`); see docs/encryption.md.
 */
import type { ResolvedValues } from './types';

/**
 * An argument of `infrahub-backup create` that makes encrypted archives
 * (`--encrypt`, `--encrypt=true`, `--encrypt-key PATH`, `--encrypt-key=PATH`),
 * in a syntax both JavaScript and Go (the chart) read alike.
 */
export const ENCRYPT_ARG_PATTERN = /^--encrypt(-key(=.*)?|=(1|t|T|true|TRUE|True))?$/;

/** Whether the backups write encrypted archives. */
export function encryptsArchives(v: ResolvedValues): boolean {
  const b = v.backup;
  return b.encryption.secretName !== '' || b.options.extraArgs.some((a) => ENCRYPT_ARG_PATTERN.test(a));
}

/** The strings Go's strconv.ParseBool reads as true (pflag's bool flags and viper's GetBool read values with it). */
export const GO_TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'] as const;
/** The strings Go's strconv.ParseBool reads as false. */
export const GO_FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'] as const;
/** The environment variables the tool reads for `--encrypt` and `--encrypt-key` (viper, prefix INFRAHUB, "-" as "_"). */
export const ENCRYPT_ENV = 'INFRAHUB_ENCRYPT';
export const ENCRYPT_KEY_ENV = 'INFRAHUB_ENCRYPT_KEY';
/**
 * An env value in which the kubelet expands a variable: `$(NAME)` after an
 * even run of `$` (`$$` is a literal `$`). Its value is known only at run time.
 */
export const ENV_REFERENCE_PATTERN = /(^|[^$])(\$\$)*\$\([^)]+\)/;
/**
 * The flags of `infrahub-backup create` (and the root command's, newer
 * releases' included: an older image refuses an unknown one) that take a
 * value: pflag makes `--flag NEXT` read the next argument as the value,
 * whatever it holds, so `--neo4jmetadata --encrypt-key=PATH` gives no key and
 * `--s3-prefix --encrypt` does not encrypt.
 */
export const VALUE_FLAGS = [
  '--neo4jmetadata',
  '--sleep',
  '--k8s-namespace',
  '--backup-dir',
  '--log-format',
  '--s3-bucket',
  '--s3-prefix',
  '--s3-endpoint',
  '--s3-region',
  '--backend',
  '--repo',
  '--project',
  '--backup-id',
  '--snapshot',
] as const;

/**
 * Where the backups encrypt to OpsMill's built-in public key: `create` reads
 * `--encrypt` as pflag does (`--encrypt`, `--encrypt=V` with V read by
 * ParseBool, the last one winning, nothing after `--`, the argument after a
 * flag of VALUE_FLAGS being its value), and without a key path
 * (`--encrypt-key PATH`, `--encrypt-key=PATH`, the one from
 * `backup.encryption.secretName`, or `INFRAHUB_ENCRYPT_KEY`) it encrypts to a
 * key built into the tool: only OpsMill could decrypt the archives. A flag
 * that is not given falls back to the environment (viper): `INFRAHUB_ENCRYPT`
 * in `extraEnv`, whose value from a Secret or ConfigMap, or with a variable
 * the kubelet expands, cannot be known and counts as true. Returns the spelling that turns encryption on and where it
 * is (`args` or `env`), or undefined when the archives are unencrypted or
 * encrypted to a key of the user's.
 */
export function keylessEncryption(v: ResolvedValues): { where: 'args' | 'env'; spelling: string } | undefined {
  const b = v.backup;
  if (!b.enabled) return undefined;
  let flag: string | undefined; // the last --encrypt spelling that set the flag
  let on = false;
  let key: string | undefined = b.encryption.secretName ? 'secret' : undefined;
  const args = b.options.extraArgs;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break;
    if (a === '--encrypt') {
      flag = a;
      on = true;
    } else if (a.startsWith('--encrypt=')) {
      const value = a.slice('--encrypt='.length);
      // Any other value is an error of the tool: the backup fails loudly, and the flag keeps its value.
      if ((GO_TRUE as readonly string[]).includes(value)) {
        flag = a;
        on = true;
      } else if ((GO_FALSE as readonly string[]).includes(value)) {
        flag = a;
        on = false;
      }
    } else if (a === '--encrypt-key') {
      // A string flag takes the next argument, whatever it holds; without one the tool fails.
      if (i + 1 < args.length) key = args[++i];
    } else if (a.startsWith('--encrypt-key=')) {
      key = a.slice('--encrypt-key='.length);
    } else if ((VALUE_FLAGS as readonly string[]).includes(a)) {
      i++; // the next argument is this flag's value, never a flag
    }
  }
  const env = new Map<string, { value?: unknown; valueFrom?: unknown }>();
  for (const item of v.extraEnv as ReadonlyArray<{ name?: unknown; value?: unknown; valueFrom?: unknown }>) {
    if (typeof item.name === 'string') env.set(item.name, item); // the last entry of a name wins
  }
  const envSet = (name: string): boolean => {
    const e = env.get(name);
    return e !== undefined && (e.valueFrom !== undefined && e.valueFrom !== null ? true : typeof e.value === 'string' && e.value !== '');
  };
  if (key === undefined && envSet(ENCRYPT_KEY_ENV)) key = 'env';
  if (key !== undefined && key !== '') return undefined;
  if (flag !== undefined) return on ? { where: 'args', spelling: flag } : undefined;
  const e = env.get(ENCRYPT_ENV);
  if (e === undefined) return undefined;
  if (e.valueFrom !== undefined && e.valueFrom !== null) return { where: 'env', spelling: `${ENCRYPT_ENV} from valueFrom` };
  const value = typeof e.value === 'string' ? e.value : '';
  // A variable the kubelet expands is unknown here, as a value from a Secret is: it counts as true
  // (named, not quoted: the value is free text, which a refusal line must not repeat).
  if (ENV_REFERENCE_PATTERN.test(value)) return { where: 'env', spelling: `${ENCRYPT_ENV} from a $(variable) the kubelet expands` };
  return (GO_TRUE as readonly string[]).includes(value) ? { where: 'env', spelling: `${ENCRYPT_ENV}=${value}` } : undefined;
}
