import { defineConfig } from 'vitest/config';

/**
 * The suite Stryker runs against each mutant (`npm run mutation`): the tests of the rule-bearing
 * modules only, on PGlite, without the build step (no test here starts `bin/` or imports `dist/`).
 */
export default defineConfig({
  test: {
    // MUTATION_TESTS narrows the run (comma-separated globs) when one module is mutated alone.
    include: process.env.MUTATION_TESTS?.split(',') ?? [
      'test/agreements/**/*.test.ts',
      'test/lifecycle/**/*.test.ts',
      'test/calendar/**/*.test.ts',
      'test/gateway/**/*.test.ts',
      'test/accounts/**/*.test.ts',
    ],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
