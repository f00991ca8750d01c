/** Tests run against a real database: the PostgreSQL in DATABASE_URL, or an embedded PGlite per test file. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  maxWorkers: 2,
  testTimeout: 60000,
};
