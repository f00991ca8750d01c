/** Tests run against a real database: the PostgreSQL in DATABASE_URL, or an embedded PGlite per test file. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Transpile only (isolatedModules in tsconfig.json): `npm run typecheck` checks types once for the whole project, faster than per test file.
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  maxWorkers: 2,
  testTimeout: 60000,
};
