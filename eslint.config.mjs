// Lint: typescript-eslint's recommended rules, run by .ci/run (npm run lint).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.stack/', 'reports/', '.stryker-tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `const { secret: _secret, ...rest } = x` drops a field on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Control characters are matched on purpose: to escape them in output and refuse them in input.
      'no-control-regex': 'off',
      // Getters on an object literal reach their owner through `self`.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self'] }],
      // Open sets (the action registry) are interfaces extended by declaration merging.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'always' }],
    },
  },
  { files: ['**/*.js', 'test/**/*.ts'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  // The console's page script runs in the browser, as a module.
  { files: ['src/console/static/**/*.js'], languageOptions: { sourceType: 'module', globals: { ...globals.browser } } },
);
