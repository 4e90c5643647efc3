// ESLint (flat config): @eslint/js and typescript-eslint's recommended rules,
// type-aware for the TypeScript of src/, test/ and scripts/ (tsconfig.dev.json).
// `npm run lint` runs it; a disable comment that no longer silences anything is an error.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** What Node.js gives a CommonJS script besides require, module and exports. */
const NODE_GLOBALS = Object.fromEntries(
  [
    '__dirname', '__filename', 'Buffer', 'clearInterval', 'clearTimeout', 'console', 'process', 'queueMicrotask',
    'setImmediate', 'setInterval', 'setTimeout', 'structuredClone', 'URL', 'TextDecoder', 'TextEncoder', 'AbortController', 'fetch',
  ].map((name) => [name, 'readonly']),
);

/** Every eslint-disable comment says why, after ` -- ` (an unused one is an error: linterOptions). */
const disableReason = {
  meta: { type: 'suggestion', schema: [], messages: { reason: 'say why after " -- " in this eslint-disable comment' } },
  create(context) {
    return {
      Program() {
        for (const comment of context.sourceCode.getAllComments()) {
          if (/^\s*eslint-disable/.test(comment.value) && !/ -- \S/.test(comment.value)) context.report({ loc: comment.loc, messageId: 'reason' });
        }
      },
    };
  },
};

export default defineConfig(
  {
    ignores: ['lib/', 'dist/', 'coverage/', '.tools/', 'node_modules/', '**/node_modules/'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error', reportUnusedInlineConfigs: 'error' },
  },
  js.configs.recommended,
  {
    plugins: { project: { rules: { 'disable-reason': disableReason } } },
    rules: { 'project/disable-reason': 'error' },
  },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { project: './tsconfig.dev.json', tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      // The values' enums are string enums generated from spec.ts whose members are the values'
      // own spellings; the code compares with the spelling, as the values file and the chart's
      // templates do. The mistake this rule is for, a spelling of no member, is tsc's error TS2367.
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      // As tsc's noUnusedLocals: a leading underscore marks a name kept unused on purpose
      // (`const { restore: _restore, ...rest } = v` leaves a key out).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // A command loads its own modules when it runs (`require`, typed with `typeof import`), so
    // `version` and `s3` never load the model or cdk8s: test/cli/module-list.test.ts.
    files: ['src/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': ['error', { allow: ['^\\.\\.?/'] }] },
  },
  {
    // The repository's scripts are plain JavaScript: a test requires one and types what it uses.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': ['error', { allow: ['^(\\.\\./)+scripts/'] }] },
  },
  {
    // Tests read rendered manifests, parsed YAML and JSON output as `KubeObject`
    // (test/support/synth.ts): the assertion on the path read is the check.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The example app has its own package and tsconfig: syntax rules only.
    files: ['examples/**/*.ts'],
    extends: [tseslint.configs.recommended],
  },
  {
    files: ['**/*.js', 'bin/infrahub-backup-cdk8s', '**/*.mjs'],
    languageOptions: { sourceType: 'commonjs', globals: NODE_GLOBALS },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module' },
  },
);
