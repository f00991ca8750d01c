import { AsyncLocalStorage } from 'node:async_hooks';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { Column, getTableColumns, getTableName, type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { PgTable } from 'drizzle-orm/pg-core';
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
    // PGlite is one backend session: the socket server keeps a transaction's statements together, but outside a
    // transaction the protocol messages of two connections can interleave (one connection's Bind meeting the
    // other's Parse). One connection serialises everything, which PGlite does anyway.
    max: embedded ? 1 : poolMax,
    Client: CountingClient,
    types: typeParsers,
    application_name: opts.applicationName ?? 'mdhub',
    // PostgreSQL's JIT compiles any statement its cost estimate calls large; a sync page's set-based statements
    // all are, and compiling them took longer than running them (about 0.6 s each on a 2-core machine). The hub's
    // statements are index probes and page-sized sets, for which the interpreter is the faster choice.
    // work_mem: a BOM explosion sorts its whole tree (25,000 nodes are about 5 MB) and spilled to disk at the
    // default 4 MB; a sort or hash uses it only as it needs.
    ...(embedded ? {} : { options: '-c jit=off -c work_mem=32MB' }),
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client whose server went away emits 'error'; without a listener that would crash the process.
  pool.on('error', () => {});
  const db = drizzle(pool, { schema });
  // PGlite's socket serves every connection from one backend session, where one connection's named statement
  // would collide with another's; a real server gives each connection its own session.
  if (!embedded) ownSessions.add(db);
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
const dialect = new PgDialect();

/**
 * Runs a drizzle SQL query and returns its rows as arrays of PostgreSQL's text values, unparsed ('t' for true):
 * for results of tens of thousands of rows, where an object per row and a parsed value per column cost more than
 * the query did (most of it in garbage collection). Outside a transaction only (the database, not a `tx`).
 */
export async function queryRaw(db: Db, query: SQL, opts: { prepared?: boolean } = {}): Promise<(string | null)[][]> {
  const client = (db as unknown as { $client?: pg.Pool }).$client;
  if (!client) throw new Error('queryRaw needs the database, not a transaction');
  const { sql: text, params } = dialect.sqlToQuery(query);
  // Prepared (on a real PostgreSQL) for statements whose planning costs as much as running them: the statement's
  // text is its identity, so only fixed-shape statements (arrays as parameters) should ask for it.
  let name: string | undefined;
  if (opts.prepared && ownSessions.has(db)) {
    name = rawStatementNames.get(text);
    if (!name && rawStatementNames.size < MAX_NAMED_STATEMENTS) {
      rawStatementNames.set(text, (name = `mdhub_raw_${rawStatementNames.size + 1}`));
    }
  }
  const res = await client.query({ text, values: params, name, rowMode: 'array', types: rawTypes });
  return res.rows as (string | null)[][];
}

const rawStatementNames = new Map<string, string>();

/**
 * `db.execute` as a named prepared statement on a real PostgreSQL (plain on PGlite, or inside a transaction): for
 * hot fixed-shape reads, whose planning costs as much as running them. Rows come as objects parsed by the pool's
 * type parsers (timestamps as Dates, dates as text, numerics as text).
 */
export async function executePrepared(db: Db, query: SQL): Promise<{ rows: Record<string, unknown>[] }> {
  const client = (db as unknown as { $client?: pg.Pool }).$client;
  if (!client || !ownSessions.has(db)) return (await db.execute(query)) as { rows: Record<string, unknown>[] };
  const { sql: text, params } = dialect.sqlToQuery(query);
  let name = rawStatementNames.get(text);
  if (!name && rawStatementNames.size < MAX_NAMED_STATEMENTS) {
    rawStatementNames.set(text, (name = `mdhub_raw_${rawStatementNames.size + 1}`));
  }
  const res = await client.query({ text, values: params, name });
  return { rows: res.rows as Record<string, unknown>[] };
}

const rawTypes = { getTypeParser: () => (v: string) => v };

export function sqlArray(values: readonly unknown[]) {
  return sql.param(values);
}

/** Databases whose pool connections are separate server sessions, so named prepared statements are safe. */
const ownSessions = new WeakSet<object>();

// drizzle's node-postgres driver reads these types as text and converts them itself in the columns'
// mapFromDriverValue (timestamps, dates, intervals and their arrays); TableReader does the same, so its rows are
// identical to drizzle's.
const RAW_TEXT_TYPES = new Set([1184, 1114, 1082, 1186, 1231, 1115, 1185, 1187, 1182]);
const asText = (v: string) => v;
const readerTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    return RAW_TEXT_TYPES.has(oid) ? asText : pg.types.getTypeParser(oid, format);
  },
};

/** Some of a table's columns: the select list for them and the decoder of their values. */
export class ColumnSet {
  readonly width: number;
  private readonly names: string[];
  private readonly list: string;
  // A column whose mapFromDriverValue is drizzle's identity is copied as is, sparing a call per value.
  private readonly decoders: ((v: unknown) => unknown)[];

  constructor(
    private readonly props: string[],
    columns: Column[],
  ) {
    this.width = props.length;
    this.names = columns.map((c) => `"${c.name}"`);
    this.list = this.names.join(', ');
    this.decoders = columns.map((c) =>
      c.mapFromDriverValue === Column.prototype.mapFromDriverValue ? identity : (v) => c.mapFromDriverValue(v),
    );
  }

  /** The select list, each column qualified by `alias` if given (for joins). */
  columns(alias?: string): string {
    return alias ? this.names.map((c) => `${alias}.${c}`).join(', ') : this.list;
  }

  /** A row from a raw array row whose values for these columns start at `offset`. */
  decode<Row>(raw: unknown[], offset = 0): Row {
    const { props, decoders } = this;
    const row: Record<string, unknown> = {};
    for (let i = 0; i < props.length; i++) {
      const v = raw[offset + i];
      row[props[i]!] = v === null ? null : decoders[i]!(v);
    }
    return row as Row;
  }
}

const identity = (v: unknown) => v;

/**
 * How many column subsets and named statements a reader keeps. Subsets come from what GraphQL queries select, so a
 * client could ask for many; past these bounds they are worked out per call and run unnamed instead of piling up
 * in memory and in every connection's session.
 */
const MAX_COLUMN_SETS = 64;
const MAX_NAMED_STATEMENTS = 128;

/**
 * Rows of one table for the hot reads (a record by code, a page of a list, a batch by id, offers with their
 * suppliers), without drizzle's per-call query building and row mapping, which cost more CPU than the statement
 * itself. Select lists and column decoders are worked out once per table (and per subset of its columns); rows
 * come out as `db.select().from(table)` returns them, the same property names, each value through the same
 * column's mapFromDriverValue, with only the properties asked for when a subset is.
 */
export class TableReader {
  readonly name: string;
  /** Every column of the table. */
  readonly all: ColumnSet;
  private readonly byProp: Map<string, Column>;
  private readonly sets = new Map<string, ColumnSet>();
  private readonly statementNames = new Map<string, string>();

  constructor(table: PgTable) {
    const columns = Object.entries(getTableColumns(table));
    this.name = `"${getTableName(table)}"`;
    this.byProp = new Map(columns);
    this.all = new ColumnSet(
      columns.map(([p]) => p),
      columns.map(([, c]) => c),
    );
  }

  /** The quoted column of a property, and how drizzle would encode a value compared with it. */
  column(prop: string): { sql: string; type: string; encode: (value: unknown) => unknown } {
    const c = this.byProp.get(prop);
    if (!c) throw new Error(`${this.name} has no column for ${prop}`);
    return { sql: `"${c.name}"`, type: c.getSQLType(), encode: (v) => (v === null ? null : c.mapToDriverValue(v)) };
  }

  /** Whether a row property is a column of this table. */
  has(prop: string): boolean {
    return this.byProp.has(prop);
  }

  /** The columns of some properties (in table order, each once), or of all when `props` is null or undefined. */
  columnSet(props?: readonly string[] | null): ColumnSet {
    if (!props) return this.all;
    // Kept under the properties as asked: a hot read asks the same way every time, and finds its set at once.
    const asked = props.join(',');
    let set = this.sets.get(asked);
    if (set) return set;
    for (const p of props) if (!this.byProp.has(p)) throw new Error(`${this.name} has no column for ${p}`);
    const wanted = new Set(props);
    const chosen = [...this.byProp.keys()].filter((p) => wanted.has(p));
    set =
      chosen.length === this.all.width
        ? this.all
        : new ColumnSet(
            chosen,
            chosen.map((p) => this.byProp.get(p)!),
          );
    if (this.sets.size < MAX_COLUMN_SETS) this.sets.set(asked, set);
    return set;
  }

  /**
   * `SELECT <columns> FROM <table> <rest>`, with $1.. in `rest` bound to `values`: every column, or those of
   * `props`. `prepared` keeps the statement prepared on each connection (on a real PostgreSQL), parsed and planned
   * once: only for statements whose best plan does not depend on the values, like a lookup by key. PostgreSQL soon
   * settles on one generic plan for a named statement, and for a list filtered by country the plan that suits
   * Germany reads thousands of rows for Finland.
   */
  async select<Row>(
    db: Db,
    rest: string,
    values: unknown[],
    opts: { prepared?: boolean; props?: readonly string[] | null } = {},
  ): Promise<Row[]> {
    const set = this.columnSet(opts.props);
    const res = await this.query(db, `SELECT ${set.columns()} FROM ${this.name} ${rest}`, values, opts);
    const rows: Row[] = new Array(res.rows.length);
    for (let r = 0; r < res.rows.length; r++) rows[r] = set.decode<Row>(res.rows[r] as unknown[]);
    return rows;
  }

  /**
   * A statement over this table whose rows the caller reads itself (counts, or joins through `columnSet`), as
   * arrays of values; `prepared` as for `select`.
   */
  async query(db: Db, text: string, values: unknown[], opts: { prepared?: boolean } = {}): Promise<pg.QueryResult> {
    const client = (db as Db & { $client: pg.Pool | pg.Client }).$client;
    let name: string | undefined;
    if (opts.prepared && ownSessions.has(db)) {
      name = this.statementNames.get(text);
      if (!name && this.statementNames.size < MAX_NAMED_STATEMENTS) {
        this.statementNames.set(text, (name = `mdhub_read_${++statementSerial}`));
      }
    }
    return client.query({ text, values, name, rowMode: 'array', types: readerTypes });
  }
}

let statementSerial = 0;
const readers = new WeakMap<PgTable, TableReader>();

/** The reader of a table, made on first use. */
export function readerOf(table: PgTable): TableReader {
  let r = readers.get(table);
  if (!r) readers.set(table, (r = new TableReader(table)));
  return r;
}
