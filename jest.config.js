// Three projects: `unit` (pure code, no services), `integration` (real databases: PGlite
// always, PostgreSQL when reachable; the Pub/Sub emulator when installed) and `infra` (the
// Terraform configuration and cloudbuild.yaml checked offline against the provider and API
// schemas; the terraform binary when installed).
/** @type {import('jest').Config['transform']} */
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      slowTestThreshold: 30,
    },
    {
      displayName: 'infra',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
    },
  ],
  testTimeout: 60000,
  collectCoverageFrom: ['shared/**/*.ts', 'functions/**/*.ts', 'migrations/**/*.ts'],
};
