/**
 * Aliases of merged golden records: a merged record's id and code keep answering, with the survivor. Read-only
 * helpers; merge.ts writes the table.
 */
import { sql } from 'drizzle-orm';
import { type Db, sqlArray } from '../db/pool';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The survivor a merged record's id or code now answers with, if it is an alias. One statement. */
export async function resolveAlias(
  db: Db,
  entity: string,
  key: { id: string } | { code: string },
): Promise<string | undefined> {
  if ('id' in key && !UUID.test(key.id)) return undefined;
  const res = await db.execute(
    'id' in key
      ? sql`SELECT golden_id::text AS id FROM golden_aliases WHERE alias_id = ${key.id}::uuid AND entity = ${entity}`
      : sql`SELECT golden_id::text AS id FROM golden_aliases WHERE entity = ${entity} AND alias_code = ${key.code.trim()}
            ORDER BY merged_at DESC LIMIT 1`,
  );
  return (res.rows[0] as { id: string } | undefined)?.id;
}

/** The ids merged into each of a page of golden records, oldest merge first. One statement. */
export async function mergedIdsOf(db: Db, entity: string, ids: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const valid = ids.filter((id) => UUID.test(id));
  if (valid.length === 0) return out;
  const res = await db.execute(sql`
    SELECT golden_id::text AS golden_id, alias_id::text AS alias_id FROM golden_aliases
    WHERE entity = ${entity} AND golden_id = ANY(${sqlArray(valid)}::uuid[]) ORDER BY merged_at, alias_id`);
  for (const r of res.rows as { golden_id: string; alias_id: string }[]) {
    out.set(r.golden_id, [...(out.get(r.golden_id) ?? []), r.alias_id]);
  }
  return out;
}

/** For merged records among `ids`, the survivor each now answers with. One statement. */
export async function survivorsOf(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  const valid = ids.filter((id) => UUID.test(id));
  if (valid.length === 0) return new Map();
  const res = await db.execute(sql`
    SELECT alias_id::text AS alias_id, golden_id::text AS golden_id FROM golden_aliases
    WHERE alias_id = ANY(${sqlArray(valid)}::uuid[])`);
  return new Map((res.rows as { alias_id: string; golden_id: string }[]).map((r) => [r.alias_id, r.golden_id]));
}

/** For merged records' codes among `codes`, the survivor each now answers with (the latest merge). One statement. */
export async function survivorsOfCodes(db: Db, entity: string, codes: readonly string[]): Promise<Map<string, string>> {
  if (codes.length === 0) return new Map();
  const res = await db.execute(sql`
    SELECT DISTINCT ON (alias_code) alias_code, golden_id::text AS golden_id FROM golden_aliases
    WHERE entity = ${entity} AND alias_code = ANY(${sqlArray(codes)}::text[]) ORDER BY alias_code, merged_at DESC`);
  return new Map((res.rows as { alias_code: string; golden_id: string }[]).map((r) => [r.alias_code, r.golden_id]));
}
