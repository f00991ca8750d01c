import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../../src/db/migrate';
import { type Database, openDatabase } from '../../src/db/pool';

/**
 * A database of its own for one test file. With DATABASE_URL set, a fresh database is created on that server
 * (and dropped afterwards); otherwise an in-memory embedded PGlite is started. Either way migrations are applied.
 */
export interface TestDatabase {
  database: Database;
  /** URL of the test database (the embedded socket's URL in embedded mode). */
  url: string | undefined;
  mode: 'postgres' | 'embedded';
  close(): Promise<void>;
}

export const usingPostgres = Boolean(process.env.DATABASE_URL);

export async function createTestDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const database = await openDatabase({ poolMax: 5 });
    if (opts.migrate !== false) await migrate(database.pool);
    return { database, url: undefined, mode: 'embedded', close: () => database.close() };
  }
  const name = `mdhub_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), poolMax: 5 });
  if (opts.migrate !== false) await migrate(database.pool);
  return {
    database,
    url: url.toString(),
    mode: 'postgres',
    async close() {
      await database.close();
      const a = new pg.Client({ connectionString: serverUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
