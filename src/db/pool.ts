import { AsyncLocalStorage } from 'node:async_hooks';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import * as schema from './schema';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded';

export type Db = NodePgDatabase<typeof schema>;

/** Counts SQL statements per request, so tests and benchmarks can prove a query does not grow with its result. */
export const statementCounter = new AsyncLocalStorage<{ count: number }>();

// DATE stays a 'YYYY-MM-DD' string: turning it into a JS Date at local midnight shifts days across time zones.
const DATE_OID = 1082;
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === DATE_OID) return (v: string) => v;
    return pg.types.getTypeParser(oid, format);
  },
};

class CountingClient extends pg.Client {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pg's query has many overloads; this only counts and forwards.
  override query(...args: any[]): any {
    const counter = statementCounter.getStore();
    if (counter) counter.count++;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- forwarding the same overloaded arguments.
    return (super.query as any)(...args);
  }
}

/** The hub's database: a pg pool over a real PostgreSQL or the embedded PGlite, and drizzle over that pool. */
export interface Database {
  readonly pool: pg.Pool;
  readonly db: Db;
  readonly mode: 'postgres' | 'embedded';
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A PostgreSQL URL; when absent, an embedded PGlite is started. */
  url?: string;
  /** Where the embedded database keeps its files; absent means in memory. */
  dataDir?: string;
  poolMax?: number;
  applicationName?: string;
}

/** Opens the hub's database. With no URL, starts an embedded PGlite and connects to it through its socket. */
export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined;
  let url = opts.url;
  const poolMax = opts.poolMax ?? 10;
  if (!url) {
    embedded = await startEmbeddedDatabase({ dataDir: opts.dataDir, maxConnections: poolMax + 16 });
    url = embedded.url;
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    Client: CountingClient,
    types: typeParsers,
    application_name: opts.applicationName ?? 'mdhub',
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client whose server went away emits 'error'; without a listener that would crash the process.
  pool.on('error', () => {});
  const db = drizzle(pool, { schema });
  let closed = false;
  return {
    pool,
    db,
    mode: embedded ? 'embedded' : 'postgres',
    async close() {
      if (closed) return;
      closed = true;
      if (!pool.ended) await pool.end();
      await embedded?.close();
    },
  };
}

/** A JS array as one SQL array parameter (drizzle's sql template would otherwise expand it into a list). */
export function sqlArray(values: readonly unknown[]) {
  return sql.param(values);
}
