/**
 * Mutation testing of the modules that carry the regulation's rules: each surviving
 * mutant is a change to a legal outcome that no test notices. Run by hand (`npm run mutation`,
 * an hour or more on two cores); the report is summarised in docs/MUTATION.md.
 */
// STRYKER_RUN names a run's reports and sandbox, so that runs over different modules can go side by side.
const run = process.env.STRYKER_RUN ? `/${process.env.STRYKER_RUN}` : '';

export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  coverageAnalysis: 'perTest',
  mutate: (
    process.env.STRYKER_MUTATE ??
    [
      'src/agreements/rules.ts',
      'src/agreements/decision.ts',
      'src/lifecycle/consumer-suspensions.ts',
      'src/lifecycle/service-suspensions.ts',
      'src/lifecycle/termination.ts',
      'src/calendar/holidays.ts',
      'src/calendar/service.ts',
      'src/gateway/shaping.ts',
      'src/accounts/access.ts',
    ].join(',')
  ).split(','),
  ignoreStatic: true,
  // Wording is checked by the message tests (test/helpers/wording.ts), not by the rules: a mutant
  // that only empties a message says nothing about a legal outcome, and costs a run each.
  mutator: { excludedMutations: ['StringLiteral'] },
  concurrency: 2,
  timeoutMS: 30_000,
  dryRunTimeoutMinutes: 45,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation${run}/mutation.json` },
  htmlReporter: { fileName: `reports/mutation${run}/mutation.html` },
  incremental: true,
  incrementalFile: `reports/mutation${run}/stryker-incremental.json`,
  // Another run's sandbox and the reports are not part of the project copied into this one's.
  ignorePatterns: ['/.stryker-tmp*', '/reports'],
  tempDirName: `.stryker-tmp${run.replace('/', '-')}`,
};
