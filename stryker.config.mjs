// Mutation testing (`npm run mutation`): StrykerJS changes the code of the modules the unit
// tests cover, one small change (a mutant) at a time, and runs those tests against each; a
// mutant no test notices "survives". Scope: the pure rules the unit tests own. Not part of CI
// (a full run takes tens of minutes on 2 cores); see README, Tests.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  jest: {
    projectType: 'custom',
    // The unit tests of the mutated modules only (jest.config.js would run every project).
    configFile: 'jest.mutation.config.js',
    enableFindRelatedTests: false,
  },
  mutate: [
    'shared/events/pattern.ts',
    'shared/events/filter.ts',
    'shared/people/cursor.ts',
    'shared/events/envelope.ts',
    'shared/import/rows.ts',
    'shared/import/columns.ts',
    'shared/config/load.ts',
    'shared/config/api-keys.ts',
    'shared/logging/redaction.ts',
    // The outbox's backoff: retryDelayMs only (the rest of the file is the relay, tested on a database).
    'shared/events/outbox.ts:100-103',
  ],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // Generous: on a loaded machine a slow run is not a killed mutant (5 s timed out 15 of 21).
  timeoutMS: 30000,
  // Mutants of module-level values (regexes, schemas) need every test file reloaded: 20% of the
  // mutants, three quarters of the time. They are reported as ignored, not counted.
  ignoreStatic: true,
  thresholds: { high: 90, low: 80, break: 80 },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'test-artifacts/mutation/index.html' },
  jsonReporter: { fileName: 'test-artifacts/mutation/report.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
