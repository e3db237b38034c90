// ESLint (flat config) with typescript-eslint's recommended rules for the server, the SDK, tests,
// benchmarks, the fault suite and the console. Formatting is Prettier's (npm run format), not this.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'web/dist/**', 'node_modules/**', 'web/src/api/schema.d.ts', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mjs', '**/*.js'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', performance: 'readonly', fetch: 'readonly', window: 'readonly', document: 'readonly' } },
    rules: {
      // TypeScript (strict, noUnusedLocals) already reports these, with fewer false alarms.
      '@typescript-eslint/no-unused-vars': 'off',
      'no-undef': 'off',
      // `x!` after a check the compiler cannot follow is the codebase's accepted idiom.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Control characters in regular expressions are intended (JSON escaping, protocol parsing).
      'no-control-regex': 'off',
    },
  },
  {
    // Tests read JSON answers of the API loosely on purpose: the assertions are the types.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
