import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate as drizzleMigrate } from 'drizzle-orm/node-postgres/migrator';
import type pg from 'pg';
import { projectPath } from '../paths';

// Any fixed 64-bit key works; it only has to be the same in every mdhub process.
const MIGRATION_LOCK_KEY = 4_711_000_042;

/**
 * Applies pending migrations under a session advisory lock, so two processes starting at once take turns instead
 * of both creating the same tables. The second one finds nothing left to do.
 */
export function migrate(pool: pg.Pool): Promise<void> {
  // Embedded PGlite is one backend session behind every socket connection, so advisory locks do not exclude each
  // other there; callers in this process also queue here.
  const run = inProcess.then(() => migrateLocked(pool));
  inProcess = run.catch(() => {});
  return run;
}

let inProcess: Promise<void> = Promise.resolve();

async function migrateLocked(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await drizzleMigrate(drizzle(client), { migrationsFolder: projectPath('migrations') });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}
