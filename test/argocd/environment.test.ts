import {
  checkRepositoryPath,
  DirectoryView,
  entryFromCdk8sConfig,
  GenerateRequest,
  paramEnvName,
  parameterFromParamEnv,
  parametersFromJson,
  PARAMETERS,
  planGeneration,
  requestFromEnvironment,
} from '../../src/argocd/environment';
import { inputErrorLines } from '../support/input-error';
import { APP_MODE_DISABLED } from '../../src/argocd/trust';

function dir(files: Record<string, string>): DirectoryView {
  return { exists: (p) => p in files, readText: (p) => files[p] };
}


describe('PARAM_ names (Argo CD: upper case, non-alphanumerics as _)', () => {
  test.each([
    ['values-files', 'PARAM_VALUES_FILES'],
    ['set-string', 'PARAM_SET_STRING'],
    ['release.name', 'PARAM_RELEASE_NAME'],
    ['mode', 'PARAM_MODE'],
    ['image.tag', 'PARAM_IMAGE_TAG'],
  ])('%s -> %s', (name, env) => expect(paramEnvName(name)).toBe(env));

  test('a string, an array by index, a map by normalized key', () => {
    const env = {
      PARAM_RELEASE_NAME: 'prod',
      PARAM_VALUES_FILES_0: 'base.yaml',
      PARAM_VALUES_FILES_1: 'prod.yaml',
      PARAM_VALUES_FILES_3: 'after-a-gap.yaml',
      PARAM_LABELS_TEAM: 'ops',
    };
    expect(parameterFromParamEnv(env, PARAMETERS.releaseName)).toEqual({ string: 'prod' });
    expect(parameterFromParamEnv(env, PARAMETERS.valuesFiles)).toEqual({ array: ['base.yaml', 'prod.yaml'] });
    expect(parameterFromParamEnv(env, { name: 'labels', collectionType: 'map', envName: 'LABELS' })).toEqual({ map: { team: 'ops' } });
    expect(parameterFromParamEnv(env, PARAMETERS.set)).toBeUndefined();
  });

  test('an array parameter does not read the variables of a longer name (set vs set-string)', () => {
    const env = { PARAM_SET_STRING_0: 'a=b' };
    expect(parameterFromParamEnv(env, PARAMETERS.set)).toBeUndefined();
    expect(parameterFromParamEnv(env, PARAMETERS.setString)).toEqual({ array: ['a=b'] });
  });
});

describe('ARGOCD_APP_PARAMETERS', () => {
  test('the JSON list, by exact name', () => {
    const params = parametersFromJson({
      ARGOCD_APP_PARAMETERS: JSON.stringify([
        { name: 'values-files', array: ['values-dev.yaml'] },
        { name: 'helm-parameters', map: { 'image.tag': 'v1.2.3' } },
        { name: 'release-name', string: 'r' },
      ]),
    });
    expect(params?.get('values-files')).toEqual({ array: ['values-dev.yaml'] });
    expect(params?.get('helm-parameters')).toEqual({ map: { 'image.tag': 'v1.2.3' } });
    expect(params?.get('release-name')).toEqual({ string: 'r' });
  });

  test('absent or empty: undefined; malformed: an error naming the variable', () => {
    expect(parametersFromJson({})).toBeUndefined();
    expect(parametersFromJson({ ARGOCD_APP_PARAMETERS: '' })).toBeUndefined();
    expect(inputErrorLines(() => parametersFromJson({ ARGOCD_APP_PARAMETERS: '{' }))[0]).toMatch(/^ARGOCD_APP_PARAMETERS: not JSON/);
    expect(inputErrorLines(() => parametersFromJson({ ARGOCD_APP_PARAMETERS: '{}' }))[0]).toMatch(/must be a JSON list/);
    expect(inputErrorLines(() => parametersFromJson({ ARGOCD_APP_PARAMETERS: '[{"string":"x"}]' }))[0]).toMatch(/\[0\]: must be an object with a string "name"/);
  });

  test('a value that is a list or an object where text belongs: one line naming where (never "[object Object]")', () => {
    const lines = inputErrorLines(() =>
      parametersFromJson({
        ARGOCD_APP_PARAMETERS: JSON.stringify([
          { name: 'release-name', string: { a: 1 } },
          { name: 'values-files', array: ['ok.yaml', ['nested']] },
          { name: 'helm-parameters', map: { 'image.tag': { x: 1 }, 'image.pullPolicy': 7 } },
        ]),
      }),
    );
    expect(lines).toEqual([
      'ARGOCD_APP_PARAMETERS[0].string: must be a string, number or boolean',
      'ARGOCD_APP_PARAMETERS[1].array[1]: must be a string, number or boolean',
      'ARGOCD_APP_PARAMETERS[2].map["image.tag"]: must be a string, number or boolean',
    ]);
    const scalars = parametersFromJson({ ARGOCD_APP_PARAMETERS: JSON.stringify([{ name: 'n', string: 7, array: [true, 1.5], map: { k: false } }]) });
    expect(scalars?.get('n')).toEqual({ string: '7', array: ['true', '1.5'], map: { k: 'false' } });
  });

  test('when present it wins over PARAM_ variables (exact keys, no lossy names)', () => {
    const request = requestFromEnvironment({
      ARGOCD_APP_PARAMETERS: JSON.stringify([{ name: 'release-name', string: 'from-json' }]),
      PARAM_RELEASE_NAME: 'from-param-env',
    });
    expect(request.releaseName).toBe('from-json');
  });
});

describe('requestFromEnvironment', () => {
  test('the build environment alone: release from ARGOCD_APP_NAME, namespace from ARGOCD_APP_NAMESPACE', () => {
    const r = requestFromEnvironment({ ARGOCD_APP_NAME: 'backups', ARGOCD_APP_NAMESPACE: 'infrahub' });
    expect(r).toMatchObject({ mode: 'auto', releaseName: 'backups', namespace: 'infrahub', sets: [], valuesFiles: undefined, app: undefined });
    expect(r.sources).toEqual({ releaseName: 'ARGOCD_APP_NAME', namespace: 'ARGOCD_APP_NAMESPACE' });
  });

  test('an application in another namespace (<namespace>_<name>): the release is its name', () => {
    expect(requestFromEnvironment({ ARGOCD_APP_NAME: 'team-a_backups' }).releaseName).toBe('backups');
  });

  test('nothing set: the defaults of synth', () => {
    const r = requestFromEnvironment({});
    expect(r).toMatchObject({ releaseName: 'infrahub-backup', namespace: 'default' });
    expect(r.sources).toEqual({ releaseName: 'default', namespace: 'default' });
  });

  test('precedence of the release name: parameter, then ARGOCD_ENV_RELEASE_NAME, then ARGOCD_APP_NAME', () => {
    const base = { ARGOCD_APP_NAME: 'app' };
    expect(requestFromEnvironment({ ...base, ARGOCD_ENV_RELEASE_NAME: 'env' }).releaseName).toBe('env');
    expect(requestFromEnvironment({ ...base, ARGOCD_ENV_RELEASE_NAME: 'env', PARAM_RELEASE_NAME: 'param' }).releaseName).toBe('param');
    expect(requestFromEnvironment({ ...base, ARGOCD_ENV_RELEASE_NAME: '  ' }).releaseName).toBe('app');
    expect(requestFromEnvironment({ ...base, PARAM_RELEASE_NAME: '' }).releaseName).toBe('app');
  });

  test('values files: the parameter, else ARGOCD_ENV_VALUES_FILES (comma-separated)', () => {
    expect(requestFromEnvironment({ ARGOCD_ENV_VALUES_FILES: 'base.yaml, prod.yaml,' }).valuesFiles).toEqual(['base.yaml', 'prod.yaml']);
    expect(
      requestFromEnvironment({ ARGOCD_ENV_VALUES_FILES: 'base.yaml', PARAM_VALUES_FILES_0: 'a.yaml', PARAM_VALUES_FILES_1: 'b.yaml' }).valuesFiles,
    ).toEqual(['a.yaml', 'b.yaml']);
    expect(requestFromEnvironment({ ARGOCD_APP_PARAMETERS: '[{"name":"values-files","string":"one.yaml"}]' }).valuesFiles).toEqual(['one.yaml']);
  });

  test('an empty values-files list means the defaults, not "no file"', () => {
    expect(requestFromEnvironment({ ARGOCD_APP_PARAMETERS: '[{"name":"values-files","array":[]}]' }).valuesFiles).toBeUndefined();
    expect(requestFromEnvironment({ ARGOCD_APP_PARAMETERS: '[{"name":"values-files","array":[" "]}]', ARGOCD_ENV_VALUES_FILES: 'a.yaml' }).valuesFiles)
      .toEqual(['a.yaml']);
    expect(requestFromEnvironment({ ARGOCD_ENV_VALUES_FILES: ' , ' }).valuesFiles).toBeUndefined();
  });

  test('sets: env entries first, then parameters, in order, --set before --set-string of each', () => {
    const r = requestFromEnvironment({
      ARGOCD_ENV_SET: 'backup.enabled=true,backup.mode=cronjob',
      ARGOCD_ENV_SET_STRING: 'backup.id=007',
      PARAM_SET_0: 'backup.storage.s3.bucket=b',
      PARAM_SET_1: 'cronJob.timeZone=UTC',
      PARAM_SET_STRING_0: 'backup.storage.s3.prefix=01',
    });
    expect(r.sets).toEqual([
      { expression: 'backup.enabled=true,backup.mode=cronjob', asString: false },
      { expression: 'backup.id=007', asString: true },
      { expression: 'backup.storage.s3.bucket=b', asString: false },
      { expression: 'cronJob.timeZone=UTC', asString: false },
      { expression: 'backup.storage.s3.prefix=01', asString: true },
    ]);
  });

  test('mode and app, from parameters or env entries; a bad mode is reported', () => {
    expect(requestFromEnvironment({ ARGOCD_ENV_MODE: 'App', ARGOCD_ENV_APP: 'src/main.ts' })).toMatchObject({ mode: 'app', app: 'src/main.ts' });
    expect(requestFromEnvironment({ ARGOCD_ENV_MODE: 'app', PARAM_MODE: 'values' }).mode).toBe('values');
    expect(inputErrorLines(() => requestFromEnvironment({ PARAM_MODE: 'helm' }))).toEqual(['mode: must be one of auto, values, app, not "helm"']);
  });

  test('a parameter of the wrong shape is reported', () => {
    expect(inputErrorLines(() => requestFromEnvironment({ ARGOCD_APP_PARAMETERS: '[{"name":"release-name","array":["a"]}]' }))).toEqual([
      'parameter release-name: must be a string',
    ]);
    expect(inputErrorLines(() => requestFromEnvironment({ ARGOCD_APP_PARAMETERS: '[{"name":"set","map":{"a":"b"}}]' }))).toEqual([
      'parameter set: must be an array of strings',
    ]);
  });

  test('app mode is enabled by the sidecar variable only, never by an Application env entry or parameter', () => {
    expect(requestFromEnvironment({}).appModeEnabled).toBe(false);
    expect(requestFromEnvironment({ INFRAHUB_BACKUP_APP_MODE: 'enabled' }).appModeEnabled).toBe(true);
    expect(requestFromEnvironment({ INFRAHUB_BACKUP_APP_MODE: ' Enabled ' }).appModeEnabled).toBe(true);
    expect(requestFromEnvironment({ INFRAHUB_BACKUP_APP_MODE: 'disabled' }).appModeEnabled).toBe(false);
    // What an Application can send: plugin.env entries arrive prefixed, parameters as PARAM_* / JSON.
    expect(requestFromEnvironment({ ARGOCD_ENV_INFRAHUB_BACKUP_APP_MODE: 'enabled', ARGOCD_ENV_MODE: 'app' }).appModeEnabled).toBe(false);
    expect(
      requestFromEnvironment({ PARAM_INFRAHUB_BACKUP_APP_MODE: 'enabled', ARGOCD_APP_PARAMETERS: '[{"name":"INFRAHUB_BACKUP_APP_MODE","string":"enabled"}]' })
        .appModeEnabled,
    ).toBe(false);
    expect(inputErrorLines(() => requestFromEnvironment({ INFRAHUB_BACKUP_APP_MODE: 'yes' }))).toEqual([
      'INFRAHUB_BACKUP_APP_MODE: must be enabled or disabled, not "yes"',
    ]);
  });

  test('unknown parameters and unrelated variables are ignored', () => {
    const r = requestFromEnvironment({ ARGOCD_APP_PARAMETERS: '[{"name":"other","string":"x"}]', PARAM_OTHER: 'x', ARGOCD_ENV_FOO: 'bar' });
    expect(r).toMatchObject({ mode: 'auto', sets: [], valuesFiles: undefined });
  });
});

describe('entryFromCdk8sConfig', () => {
  test.each([
    ['language: typescript\napp: npx ts-node main.ts\n', 'main.ts'],
    ['app: npx ts-node -P tsconfig.json --prefer-ts-exts main.ts', 'main.ts'],
    ['app: "npx tsx src/main.ts"', 'src/main.ts'],
    ['app: node dist/main.js # compiled', 'dist/main.js'],
    ['app: python main.py', undefined],
    ['language: typescript\n', undefined],
  ])('%j -> %s', (text, entry) => expect(entryFromCdk8sConfig(text)).toBe(entry));
});

describe('checkRepositoryPath', () => {
  test('relative paths inside the repository pass', () => {
    expect(checkRepositoryPath('values.yaml', 'apps/backup', 'values file')).toBeUndefined();
    expect(checkRepositoryPath('../common/values.yaml', 'apps/backup', 'values file')).toBeUndefined();
    expect(checkRepositoryPath('../../values.yaml', 'apps/backup', 'values file')).toBeUndefined();
    expect(checkRepositoryPath('sub/../values.yaml', undefined, 'values file')).toBeUndefined();
  });

  test('absolute paths and paths above the repository root fail', () => {
    expect(checkRepositoryPath('/etc/passwd', 'apps', 'values file')).toBe('values file /etc/passwd: must be a path relative to the application directory');
    expect(checkRepositoryPath('../../../x.yaml', 'apps/backup', 'values file')).toBe('values file ../../../x.yaml: must stay inside the repository');
    expect(checkRepositoryPath('../x.yaml', '.', 'values file')).toMatch(/must stay inside the repository/);
    expect(checkRepositoryPath('../x.yaml', undefined, 'values file')).toMatch(/must stay inside the repository/);
    expect(checkRepositoryPath('a/../../x.yaml', '', 'app')).toMatch(/^app a\/\.\.\/\.\.\/x\.yaml: must stay/);
  });
});

describe('planGeneration', () => {
  const request = (over: Partial<GenerateRequest> = {}): GenerateRequest => ({
    mode: 'auto',
    allowEmpty: false,
    appModeEnabled: true,
    sets: [],
    releaseName: 'r',
    namespace: 'ns',
    sources: { releaseName: 'default', namespace: 'default' },
    ...over,
  });

  test('values mode: the first default values file present', () => {
    expect(planGeneration(request(), dir({ 'values.yaml': '', 'infrahub-backup.yml': '' }))).toEqual({
      kind: 'values',
      files: ['infrahub-backup.yml'],
      sets: [],
      releaseName: 'r',
      namespace: 'ns',
      ignored: [],
    });
    expect(planGeneration(request(), dir({ 'values.yml': '' }))).toMatchObject({ kind: 'values', files: ['values.yml'] });
  });

  test('values mode: the given files, whether present or not (the reader reports missing ones)', () => {
    expect(planGeneration(request({ valuesFiles: ['a.yaml', 'b.yaml'] }), dir({ 'values.yaml': '' }))).toMatchObject({ files: ['a.yaml', 'b.yaml'] });
  });

  test('values mode: sets alone need no file', () => {
    const sets = [{ expression: 'backup.enabled=true', asString: false }];
    expect(planGeneration(request({ sets }), dir({}))).toMatchObject({ kind: 'values', files: [], sets });
  });

  test('nothing to render: an error naming what was looked for', () => {
    expect(inputErrorLines(() => planGeneration(request(), dir({ 'README.md': '' })))[0]).toMatch(
      /^no values file: none of infrahub-backup\.yaml, infrahub-backup\.yml, values\.yaml, values\.yml .* set the values-files parameter$/,
    );
  });

  test('auto never picks the cdk8s app: values next to a cdk8s.yaml are rendered', () => {
    const files = { 'cdk8s.yaml': 'app: npx ts-node main.ts\n', 'main.ts': '', 'values.yaml': '' };
    expect(planGeneration(request(), dir(files))).toMatchObject({ kind: 'values', files: ['values.yaml'] });
    expect(planGeneration(request({ app: 'main.ts' }), dir(files))).toMatchObject({ kind: 'values', ignored: ['app'] });
    expect(planGeneration(request({ valuesFiles: ['values.yaml'] }), dir(files)).kind).toBe('values');
    expect(planGeneration(request({ mode: 'values' }), dir(files)).kind).toBe('values');
  });

  test('auto in a cdk8s app directory without values: one line saying how to run it', () => {
    const files = { 'cdk8s.yaml': 'app: npx ts-node main.ts\n', 'main.ts': '' };
    expect(inputErrorLines(() => planGeneration(request(), dir(files)))).toEqual([
      'a cdk8s app (cdk8s.yaml) runs only in app mode, never in auto mode: set the mode parameter to app',
    ]);
    const disabled = inputErrorLines(() => planGeneration(request({ appModeEnabled: false }), dir(files)));
    expect(disabled).toHaveLength(1);
    expect(disabled[0]).toMatch(/^a cdk8s app \(cdk8s\.yaml\) runs only in app mode, which is disabled on this sidecar: .*INFRAHUB_BACKUP_APP_MODE=enabled .*the Application then sets the mode parameter to app$/);
    expect(inputErrorLines(() => planGeneration(request({ app: 'main.ts' }), dir({ 'main.ts': '' }))))
      .toEqual(['the cdk8s app main.ts runs only in app mode, never in auto mode: set the mode parameter to app']);
  });

  test('app mode is refused unless the operator enabled it, whatever the directory holds', () => {
    expect(inputErrorLines(() => planGeneration(request({ mode: 'app', appModeEnabled: false }), dir({ 'cdk8s.yaml': 'app: node main.js\n', 'main.js': '' }))))
      .toEqual([APP_MODE_DISABLED]);
    expect(inputErrorLines(() => planGeneration(request({ mode: 'app', appModeEnabled: false }), dir({})))).toEqual([APP_MODE_DISABLED]);
  });

  test('app mode: the app setting, else cdk8s.yaml, else main.ts or main.js', () => {
    const app = { mode: 'app' } as const;
    expect(planGeneration(request({ ...app, app: 'src/app.ts' }), dir({ 'src/app.ts': '' }))).toMatchObject({ kind: 'app', entry: 'src/app.ts' });
    expect(planGeneration(request(app), dir({ 'main.js': '' }))).toMatchObject({ kind: 'app', entry: 'main.js' });
    expect(planGeneration(request(app), dir({ 'cdk8s.yaml': 'app: node dist/main.js\n', 'dist/main.js': '', 'main.ts': '', 'values.yaml': '' }))).toEqual({
      kind: 'app', entry: 'dist/main.js', releaseName: 'r', namespace: 'ns', ignored: [],
    });
  });

  test('app mode: a missing entry is an error', () => {
    expect(inputErrorLines(() => planGeneration(request({ mode: 'app', app: 'nope.ts' }), dir({}))))
      .toEqual(['app nope.ts: no such file in the application directory']);
    expect(inputErrorLines(() => planGeneration(request({ mode: 'app' }), dir({ 'cdk8s.yaml': 'app: npx ts-node main.ts\n' }))))
      .toEqual(['cdk8s.yaml: its app command names main.ts, which is not in the application directory']);
    expect(inputErrorLines(() => planGeneration(request({ mode: 'app' }), dir({}))))
      .toEqual(['no cdk8s app: none of main.ts, main.js in the application directory (set the app parameter)']);
  });

  test('app mode: sets and values files are reported as ignored', () => {
    const plan = planGeneration(
      request({ mode: 'app', valuesFiles: ['v.yaml'], sets: [{ expression: 'a=b', asString: false }] }),
      dir({ 'main.ts': '' }),
    );
    expect(plan).toMatchObject({ kind: 'app', ignored: ['values-files', 'set/set-string'] });
  });

  test('paths leaving the repository are rejected', () => {
    expect(inputErrorLines(() => planGeneration(request({ valuesFiles: ['../../x.yaml', 'ok.yaml'] }), dir({}), 'apps')))
      .toEqual(['values file ../../x.yaml: must stay inside the repository']);
    expect(inputErrorLines(() => planGeneration(request({ mode: 'app', app: '/abs/main.ts' }), dir({ '/abs/main.ts': '' }))))
      .toEqual(['app /abs/main.ts: must be a path relative to the application directory']);
  });
});
