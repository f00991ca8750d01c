import { type Column, getTableColumns, getTableName, is, SQL, sql, StringChunk } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';

/** Anything that runs drizzle SQL: the database or a transaction. */
interface Executor {
  execute(query: SQL): Promise<{ rows: unknown[] }>;
}

export interface BulkInsertOptions {
  /** Properties (not column names) written from the rows; default: the keys of the first row. */
  columns?: readonly string[];
  /** Properties set by an SQL expression instead of from the rows, e.g. `{ updatedAt: 'now()' }`. */
  expressions?: Readonly<Record<string, string>>;
  /**
   * Properties that take this SQL expression where a row has no value, e.g. `{ createdAt: 'now()' }`. NOT NULL
   * columns with a default in the table (`.default(1)`, `.defaultNow()`) take that default the same way.
   */
  defaults?: Readonly<Record<string, string>>;
  /** Upsert on these properties' unique index: every written column but `keep` takes the new value. */
  onConflict?: { target: readonly string[]; keep?: readonly string[] };
  /** Properties to return, decoded as drizzle would. */
  returning?: readonly string[];
}

/**
 * Inserts (or upserts) any number of rows in ONE statement with ONE parameter: the rows as a JSON array, read by
 * `jsonb_to_recordset` into typed columns. Unlike a multi-row VALUES list, the statement's parameter count does not
 * grow with the rows (PostgreSQL allows at most 65,535 parameters, which a VALUES list of 3,000 golden records
 * already exceeds), and its text is the same for every batch. Values are encoded through each drizzle column, as
 * drizzle's own insert would; json(b) columns take the value itself. A JSON null is stored as SQL NULL.
 */
export async function bulkInsert(
  db: Executor,
  table: PgTable,
  rows: readonly Record<string, unknown>[],
  opts: BulkInsertOptions = {},
): Promise<Record<string, unknown>[]> {
  if (rows.length === 0) return [];
  const all = getTableColumns(table);
  const column = (prop: string): Column => {
    const c = all[prop];
    if (!c) throw new Error(`table ${getTableName(table)} has no column for ${prop}`);
    return c;
  };
  const expressions = opts.expressions ?? {};
  const defaults: Record<string, string> = {};
  for (const [prop, c] of Object.entries(all)) {
    const d = c.notNull ? tableDefault(c) : undefined;
    if (d !== undefined) defaults[prop] = d;
  }
  Object.assign(defaults, opts.defaults);
  const props = (opts.columns ?? Object.keys(rows[0]!)).filter((p) => !(p in expressions) && p in all);
  const columns = props.map(column);
  // All rows travel as ONE JSON text read by jsonb_to_recordset: JSON.stringify once, parsed once by the server.
  // Arrays of JSON texts as jsonb[] parameters cost 25 µs a value just in pg's array-literal escaping.
  const json = JSON.stringify(
    rows.map((r) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < props.length; i++) {
        const v = r[props[i]!];
        if (v === null || v === undefined) continue;
        const c = columns[i]!;
        // A json(b) value goes in as itself, not as the text drizzle would send.
        out[`c${i}`] = c.dataType === 'json' ? v : c.mapToDriverValue(v);
      }
      return out;
    }),
  );
  const names = [...props, ...Object.keys(expressions)].map((p) => `"${column(p).name}"`);
  const selects = [
    ...props.map((p, i) => (p in defaults ? `coalesce(x.c${i}, ${defaults[p]})` : `x.c${i}`)),
    ...Object.values(expressions),
  ];
  const recordType = columns.map((c, i) => `c${i} ${c.getSQLType()}`).join(', ');
  let conflict = '';
  if (opts.onConflict) {
    const keep = new Set([...opts.onConflict.target, ...(opts.onConflict.keep ?? [])]);
    const updates = [...props, ...Object.keys(expressions)]
      .filter((p) => !keep.has(p))
      .map((p) => `"${column(p).name}" = excluded."${column(p).name}"`);
    conflict =
      ` ON CONFLICT (${opts.onConflict.target.map((p) => `"${column(p).name}"`).join(', ')}) ` +
      (updates.length ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING');
  }
  const returning = opts.returning ?? [];
  const query = sql`INSERT INTO ${table} (${sql.raw(names.join(', '))}) SELECT ${sql.raw(selects.join(', '))} FROM jsonb_to_recordset(${json}::jsonb) AS x(${sql.raw(recordType)})${sql.raw(conflict)}${sql.raw(
    returning.length ? ` RETURNING ${returning.map((p, i) => `"${column(p).name}" AS r${i}`).join(', ')}` : '',
  )}`;
  const res = await db.execute(query);
  if (!returning.length) return [];
  return (res.rows as Record<string, unknown>[]).map((raw) => {
    const out: Record<string, unknown> = {};
    returning.forEach((p, i) => {
      const v = raw[`r${i}`];
      // Timestamps may come back as Dates or text depending on the driver's parsers; the column settles it.
      out[p] = v === null || v === undefined ? null : v instanceof Date ? v : column(p).mapFromDriverValue(v);
    });
    return out;
  });
}

/** A column's default as SQL text, when it is a constant or a plain SQL expression such as now(). */
function tableDefault(c: Column): string | undefined {
  const d: unknown = c.default;
  if (d === undefined || d === null) return undefined;
  if (typeof d === 'number' || typeof d === 'bigint') return String(d);
  if (typeof d === 'boolean') return d ? 'true' : 'false';
  if (typeof d === 'string') return `'${d.replace(/'/g, "''")}'`;
  if (is(d, SQL) && d.queryChunks.every((chunk) => is(chunk, StringChunk)))
    return d.queryChunks.map((chunk) => (chunk as StringChunk).value.join('')).join('');
  return undefined;
}
