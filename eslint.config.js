// ESLint (flat config) with typescript-eslint's recommended rules for the server, the SDK, tests,
// benchmarks, the fault suite and the console. Formatting is Prettier's (npm run format), not this.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Comments say why the code is as it is, not how it came to be (STYLE.md): the tracker's issue
 * numbers, migration numbers and phrases of the code's past mean nothing to a reader of the code. A rule
 * of its own, as ESLint's no-warning-comments takes words, not patterns. Requirement ids
 * are the regulation's and stay.
 */
const HISTORY = /\b(issue\s*#?\d+|migration\s+\d{4}\b|as it always did|previously|formerly)/i;
const habits = {
  rules: {
    'no-history-comments': {
      meta: { type: 'suggestion', messages: { history: 'This comment tells history ("{{text}}"): say why the code is as it is.' } },
      create(context) {
        return {
          Program() {
            for (const comment of context.sourceCode.getAllComments()) {
              const found = HISTORY.exec(comment.value);
              if (found) context.report({ loc: comment.loc, messageId: 'history', data: { text: found[0] } });
            }
          },
        };
      },
    },
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'web/dist/**', 'node_modules/**', 'web/src/api/schema.d.ts', 'coverage/**', '.stryker-tmp*/**', 'reports/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mjs', '**/*.js'],
    plugins: { habits },
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
        window: 'readonly',
        document: 'readonly',
      },
    },
    rules: {
      // TypeScript (strict, noUnusedLocals) already reports these, with fewer false alarms.
      '@typescript-eslint/no-unused-vars': 'off',
      'no-undef': 'off',
      // `x!` after a check the compiler cannot follow is the codebase's accepted idiom.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Control characters in regular expressions are intended (JSON escaping, protocol parsing).
      'no-control-regex': 'off',
      // Work left undone goes to the tracker, where it is seen, not into a comment.
      'no-warning-comments': ['error', { terms: ['todo', 'fixme', 'xxx', 'hack'], location: 'anywhere' }],
      'habits/no-history-comments': 'error',
    },
  },
  {
    // Tests read JSON answers of the API loosely on purpose: the assertions are the types.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
