// The jest configuration of `npm run mutation` (stryker.config.mjs): the unit project of
// jest.config.js, limited to the tests of the modules Stryker mutates.
const { projects } = require('./jest.config.js');

const unit = projects.find((p) => p.displayName === 'unit');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: unit.testEnvironment,
  transform: unit.transform,
  setupFiles: unit.setupFiles,
  testMatch: [
    'pattern',
    'filter',
    'cursor',
    'envelope',
    'import-rows',
    'config',
    'redaction',
    'outbox-backoff',
    'auth',
  ].map((name) => `<rootDir>/test/unit/${name}.test.ts`),
};
