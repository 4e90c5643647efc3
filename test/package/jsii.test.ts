/**
 * The jsii assembly and the Python package: scripts/pacmak.js (as the release
 * workflow runs it, with --code-only) builds the assembly from a staged copy
 * of src/, jsii validating it on the way (--fail-on-warnings), then the Python
 * sources. Here: the assembly passes the jsii schema and every type it names
 * resolves (jsii-reflect, with the cdk8s, cdk8s-plus-28 and constructs
 * assemblies); it describes every export of src/index.ts but the listed
 * TypeScript-only ones; the Python sources compile and embed the npm
 * package's own lib/ (tsc's JavaScript) with ajv and yaml bundled.
 *
 * Needs lib/ (`npm test` builds it first) and python3. About 20 s when jsii
 * compiles; about 8 s when jsii's run is reused (--cache, keyed by the hash of
 * the sources, manifests and lockfile). Under `npm test`, static-checks.test.ts
 * (`node scripts/api-docs.js --check`) builds the same assembly, in another
 * worker: a lock per input hash (scripts/jsii.js) makes the second wait for
 * the first one's assembly, so jsii compiles once.
 */
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as spec from '@jsii/spec';
import * as reflect from 'jsii-reflect';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const { TYPESCRIPT_ONLY, jsiiIndex, typescriptOnlyIndex } = require('../../scripts/jsii.js') as {
  TYPESCRIPT_ONLY: Record<string, string>;
  jsiiIndex: (source: string) => string;
  typescriptOnlyIndex: (source: string) => string;
};

const NAME = 'infrahub-backup-cdk8s';

let exportsOfIndex: string[] | undefined;

/**
 * The names src/index.ts exports, values and types. Which names a module exports does not depend on
 * the standard library's or the @types packages' declarations: the program loads neither (types: [],
 * noLib), only the sources and what they import.
 */
function indexExports(): string[] {
  if (exportsOfIndex) return exportsOfIndex;
  const program = ts.createProgram([join(ROOT, 'src', 'index.ts')], {
    ...ts.getDefaultCompilerOptions(),
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    noEmit: true,
    types: [],
    noLib: true,
  });
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(join(ROOT, 'src', 'index.ts'))!)!;
  return (exportsOfIndex = checker.getExportsOfModule(symbol).map((s) => s.name).sort());
}

describe('jsiiIndex: the index jsii compiles', () => {
  const index = [
    "export * from './model/values.generated';",
    "export { ValuesError, Other } from './model/errors';",
    "export type { ValuesProblem } from './model/errors';",
    "export { InfrahubBackup } from './constructs/infrahub-backup';",
  ].join('\n');

  test('drops the TypeScript-only names, a whole statement when none is left, and keeps the rest', () => {
    expect(jsiiIndex(index).split('\n')).toEqual([
      "export * from './model/values.generated';",
      "export { Other } from './model/errors';",
      "export { InfrahubBackup } from './constructs/infrahub-backup';",
    ]);
  });

  test('typescriptOnlyIndex keeps exactly those names', () => {
    expect(typescriptOnlyIndex(index)).toBe("export { ValuesError } from './model/errors';\nexport type { ValuesProblem } from './model/errors';\n");
  });

  test('every TypeScript-only name is an export of src/index.ts, with its reason', () => {
    const exported = indexExports();
    for (const [name, why] of Object.entries(TYPESCRIPT_ONLY)) {
      expect(exported).toContain(name);
      expect(why.length).toBeGreaterThan(0);
    }
  });
});

describe('jsii assembly and Python package (scripts/pacmak.js --code-only python)', () => {
  let work: string;
  let stage: string;
  let python: string;
  let assembly: spec.Assembly;

  beforeAll(() => {
    if (!existsSync(join(ROOT, 'lib', 'index.js'))) throw new Error('lib/ is not built: run `npm run build` first');
    work = mkdtempSync(join(tmpdir(), 'jsii-test-'));
    stage = join(work, 'jsii');
    python = join(work, 'packages', 'python');
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'pacmak.js'), '--code-only', '--cache', '--work', work, 'python'], { cwd: ROOT, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`scripts/pacmak.js failed:\n${run.stdout}${run.stderr}`);
    assembly = spec.loadAssemblyFromFile(join(stage, '.jsii'), true);
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('passes the jsii schema, and every type it refers to resolves with the dependencies\' assemblies', async () => {
    expect(assembly.name).toBe(NAME);
    expect(Object.keys(assembly.dependencies ?? {}).sort()).toEqual(['cdk8s', 'cdk8s-plus-28', 'constructs']);
    expect(Object.keys(assembly.bundled ?? {}).sort()).toEqual(['ajv', 'yaml']);
    const system = new reflect.TypeSystem();
    const loaded = await system.loadModule(stage, { validate: true });
    const unresolved: string[] = [];
    const check = (ref: reflect.TypeReference, where: string) => {
      if (ref.fqn && !system.tryFindFqn(ref.fqn)) unresolved.push(`${where}: ${ref.fqn}`);
      for (const t of ref.unionOfTypes ?? []) check(t, where);
      if (ref.mapOfType) check(ref.mapOfType, where);
      if (ref.arrayOfType) check(ref.arrayOfType, where);
    };
    let members = 0;
    for (const type of loaded.allTypes) {
      if (type.isClassType() || type.isInterfaceType()) {
        for (const p of Object.values(type.getProperties(true))) {
          check(p.type, `${type.fqn}.${p.name}`);
          members++;
        }
        if (type.isClassType()) for (const p of type.initializer?.parameters ?? []) check(p.type, `${type.fqn}(${p.name})`);
      }
    }
    expect(unresolved).toEqual([]);
    expect(members).toBeGreaterThan(150);
  });

  test('describes every export of src/index.ts but the TypeScript-only ones', () => {
    const described = Object.keys(assembly.types ?? {}).map((fqn) => fqn.slice(NAME.length + 1)).sort();
    expect(described).toEqual(indexExports().filter((n) => !(n in TYPESCRIPT_ONLY)));
  });

  test('the constructs extend Construct and Chart; props and values are structs (data types)', () => {
    const types = assembly.types!;
    const backup = types[`${NAME}.InfrahubBackup`] as spec.ClassType;
    expect(backup.base).toBe('constructs.Construct');
    expect((types[`${NAME}.InfrahubBackupChart`] as spec.ClassType).base).toBe('cdk8s.Chart');
    expect(backup.initializer?.parameters?.map((p) => p.name)).toEqual(['scope', 'id', 'props']);
    expect(backup.properties?.find((p) => p.name === 'warnings')?.type).toEqual({ collection: { kind: 'array', elementtype: { primitive: 'string' } } });
    const interfaces = Object.values(types).filter(spec.isInterfaceType);
    expect(interfaces.length).toBeGreaterThan(30);
    expect(interfaces.filter((t) => !t.datatype).map((t) => t.fqn)).toEqual([]);
    expect(Object.values(types).filter(spec.isEnumType).map((t) => t.name)).toEqual(
      expect.arrayContaining(['BackupMode', 'BackupStorageType', 'RestoreMode', 'ImagePullPolicy']),
    );
  });

  test('names the package in each language (what Construct Hub and the release workflow use)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.files).toContain('.jsii');
    expect(pkg.keywords).toContain('cdk8s');
    expect(Object.keys(assembly.targets ?? {}).sort()).toEqual(['dotnet', 'go', 'java', 'js', 'python']);
    expect(assembly.targets!.python).toEqual({ module: 'infrahub_backup_cdk8s', distName: 'infrahub-backup-cdk8s' });
  });

  test('the Python sources compile, with the constructs, the structs and the escaped reserved word', () => {
    const src = join(python, 'src', 'infrahub_backup_cdk8s');
    const compile = spawnSync('python3', ['-m', 'compileall', '-q', join(python, 'src')], { encoding: 'utf8' });
    expect(`${compile.stdout}${compile.stderr}`).toBe('');
    expect(compile.status).toBe(0);
    const init = readFileSync(join(src, '__init__.py'), 'utf8');
    for (const c of ['InfrahubBackup', 'InfrahubBackupChart', 'InfrahubBackupValues', 'BackupValues']) expect(init).toMatch(new RegExp(`^class ${c}[(:]`, 'm'));
    // `global` is a Python keyword: pacmak names the field global_.
    expect(init).toMatch(/global_: typing\.Any = None/);
    expect(readFileSync(join(python, 'setup.py'), 'utf8')).toMatch(/"cdk8s-plus-28>=2\.0\.3, <3\.0\.0"/);
  });

  test('the embedded tarball, laid out as the jsii runtime loads it, synthesizes what lib/ does, with its own ajv and yaml', () => {
    // The runtime extracts each assembly's tarball to node_modules/<name>, beside its dependencies' tarballs.
    const jsiiDir = join(python, 'src', 'infrahub_backup_cdk8s', '_jsii');
    const tarball = join(jsiiDir, readdirSync(jsiiDir).find((f) => f.endsWith('.jsii.tgz'))!);
    const runtime = join(work, 'runtime');
    const modules = join(runtime, 'node_modules');
    mkdirSync(join(modules, NAME), { recursive: true });
    expect(spawnSync('tar', ['xzf', tarball, '-C', join(modules, NAME), '--strip-components=1']).status).toBe(0);
    for (const dep of ['cdk8s', 'cdk8s-plus-28', 'constructs']) symlinkSync(realpathSync(join(ROOT, 'node_modules', dep)), join(modules, dep), 'dir');
    const script = (from: string) => `
      const { App } = require('cdk8s');
      const { InfrahubBackupChart, BackupMode } = require(${JSON.stringify(from)});
      const app = new App();
      const chart = new InfrahubBackupChart(app, 'backups', { namespace: 'infrahub', values: { backup: { enabled: true, mode: BackupMode.CRONJOB,
        storage: { s3: { bucket: 'infrahub-backups', secretName: 'infrahub-backup-s3' } } } } });
      process.stdout.write(JSON.stringify({ ajv: require.resolve('ajv', { paths: [require.resolve(${JSON.stringify(from)})] }), warnings: chart.backup.warnings }) + '\\n' + app.synthYaml());
      try { new InfrahubBackupChart(app, 'bad', { values: { backup: { enabled: true, mode: 'hourly' } } }); } catch (e) { process.stdout.write('\\n' + e.message); }
    `;
    const viaRuntime = spawnSync(process.execPath, ['-e', script(NAME)], { cwd: runtime, encoding: 'utf8' });
    expect(viaRuntime.stderr).toBe('');
    const [head, ...rest] = viaRuntime.stdout.split('\n');
    expect(JSON.parse(head).ajv.startsWith(join(modules, NAME, 'node_modules', 'ajv'))).toBe(true);
    expect(JSON.parse(head).warnings).toEqual([]);
    expect(rest.join('\n')).toContain('kind: CronJob');
    expect(rest.join('\n')).toMatch(/backup\.mode/);
    const viaLib = spawnSync(process.execPath, ['-e', script(join(ROOT, 'lib', 'index.js'))], { cwd: ROOT, encoding: 'utf8' });
    expect(rest.join('\n')).toBe(viaLib.stdout.split('\n').slice(1).join('\n'));
  });

  test('the embedded npm tarball holds lib/ as tsc built it, the .jsii, and ajv and yaml bundled', () => {
    const jsiiDir = join(python, 'src', 'infrahub_backup_cdk8s', '_jsii');
    const tarball = readdirSync(jsiiDir).find((f) => f.endsWith('.jsii.tgz'))!;
    expect(tarball).toBe(`${NAME}@${assembly.version}.jsii.tgz`);
    const list = spawnSync('tar', ['tzf', join(jsiiDir, tarball)], { encoding: 'utf8' }).stdout.split('\n');
    for (const f of ['package/.jsii', 'package/lib/index.js', 'package/lib/model/values-validator.js', 'package/node_modules/ajv/package.json', 'package/node_modules/yaml/package.json']) {
      expect(list).toContain(f);
    }
    expect(list.some((f) => f.startsWith('package/src/'))).toBe(false);
    const index = spawnSync('tar', ['xzOf', join(jsiiDir, tarball), 'package/lib/index.js'], { encoding: 'utf8' }).stdout;
    expect(index).toBe(readFileSync(join(ROOT, 'lib', 'index.js'), 'utf8'));
  });
});
