// One runner, two projects: `unit` (fakes only, beside the code) and `integration`
// (real servers: model-server over gRPC, later Postgres, Kafka and S3).
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }],
};
const moduleNameMapper = {
  '^@defect-gateway/proto$': '<rootDir>/proto/src/index.ts',
  '^@defect-gateway/model-server$': '<rootDir>/services/model-server/src/index.ts',
};
const common = {
  transform,
  moduleNameMapper,
  testEnvironment: '<rootDir>/tests/jest-environment.js',
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/proto/**/*.test.ts',
        '<rootDir>/services/**/src/**/*.test.ts',
        '<rootDir>/tests/harness/**/*.test.js',
        '<rootDir>/tests/deploy/**/*.test.ts',
      ],
      testPathIgnorePatterns: ['\\.int\\.test\\.ts$', '/node_modules/', '/dist/'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: [
        '<rootDir>/services/**/src/**/*.int.test.ts',
        '<rootDir>/tests/conformance/**/*.test.ts',
        '<rootDir>/tests/e2e/**/*.test.ts',
        '<rootDir>/tests/faults/**/*.test.ts',
        '<rootDir>/tests/monitoring/**/*.test.ts',
      ],
      testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    },
  ],
  // Integration tests start real servers on two busy cores; unit tests finish far sooner.
  testTimeout: 60000,
};
