import { createTestDatabase, type TestDatabase } from '../helpers/db';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ migrate: false });
});
afterAll(() => db?.close());

describe('the hub database pool', () => {
  it('runs with JIT compilation off, which cost more than a sync page statement itself', async () => {
    const res = await db.database.pool.query(`SELECT current_setting('jit') AS jit, pg_jit_available() AS available`);
    // Embedded PGlite is built without a JIT provider: the setting says on, but nothing is ever compiled.
    if (db.mode === 'embedded') expect(res.rows[0].available).toBe(false);
    else expect(res.rows[0].jit).toBe('off');
  });
});
