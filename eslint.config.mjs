// ESLint 9 flat config: typescript-eslint's recommended rules for the TypeScript projects, plain
// recommended rules for the .mjs scripts, tests and benches, and the layering rule of STYLE.md item 11:
// libs/ import nothing from apps/ or device-agents/. Formatting is Prettier's job (prettier --check).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/build/**', '**/generated/**', '.farm/**', '.cache/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_`-prefixed names are kept on purpose (positional parameters, destructuring to drop a key).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // API responses in tests are checked field by field; typing every body would copy the contracts into the tests.
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // page.evaluate callbacks run in the browser.
    files: ['test/e2e/dashboard.e2e-spec.mjs'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['apps/web/public/**/*.js'],
    languageOptions: { globals: { ...globals.browser, Chart: 'readonly' }, sourceType: 'module' },
  },
  {
    // The worker is built on the API's modules, never the other way round: the API stays request handling only.
    files: ['apps/api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/apps/worker/**', '@farm/worker', '@farm/worker/*'], message: 'apps/api must not import apps/worker.' }] },
      ],
    },
  },
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/apps/**', '@farm/api', '@farm/api/*', '@farm/cli', '@farm/cli/*'], message: 'libs/ must not import apps/ (STYLE.md item 11).' },
            { group: ['**/device-agents/**', '@farm/agent', '@farm/agent/*'], message: 'libs/ must not import device-agents/ (STYLE.md item 11).' },
          ],
        },
      ],
    },
  },
);
