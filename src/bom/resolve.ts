/**
 * The checks of a BOM write that need the database, each one statement for the whole write whatever its size:
 * items by id or code (a merged-away item answers with its survivor), unit conversions to the components' base
 * units, and cycles through every BOM in use.
 */
import { sql } from 'drizzle-orm';
import type { Tx } from '../master/codes';
import { sqlArray } from '../db/pool';
import { type FieldIssue, ValidationError } from '../errors';
import { type ConversionContext, convertQuantity } from '../master/units';
import type { ItemRefInput } from './input';

export interface ItemInfo {
  id: string;
  code: string;
  name: string;
  baseUnit: string;
  status: string;
  type: string;
  /** The currency of the item's standard cost, when it has one (the natural currency of its cost roll-up). */
  costCurrency?: string | null;
}

/** Items by id and code; the key is the id or upper-cased code as given. */
export async function resolveItems(tx: Tx, refs: readonly ItemRefInput[]): Promise<Map<string, ItemInfo>> {
  const ids = [...new Set(refs.filter((r) => r.id).map((r) => r.id!.toLowerCase()))];
  const codes = [...new Set(refs.filter((r) => r.code).map((r) => r.code!))];
  const out = new Map<string, ItemInfo>();
  if (ids.length === 0 && codes.length === 0) return out;
  // A live item wins over an alias of a merged one; the alias answers for the archived row it replaced.
  const res = await tx.execute(sql`
    SELECT k.key, i.id, i.code, i.name, i.base_unit, i.status, i.type, i.cost_currency FROM (
      SELECT i.id::text AS key, i.id, 0 AS rank FROM items i WHERE i.id = ANY(${sqlArray(ids)}::uuid[])
      UNION ALL SELECT i.code, i.id, 0 FROM items i WHERE i.code = ANY(${sqlArray(codes)}::text[])
      UNION ALL SELECT a.alias_id::text, a.golden_id, 1 FROM golden_aliases a
        WHERE a.entity = 'item' AND a.alias_id = ANY(${sqlArray(ids)}::uuid[])
      UNION ALL SELECT a.alias_code, a.golden_id, 1 FROM golden_aliases a
        WHERE a.entity = 'item' AND a.alias_code = ANY(${sqlArray(codes)}::text[])
    ) k JOIN items i ON i.id = k.id
    ORDER BY k.key, (i.status = 'archived'), k.rank`);
  for (const r of res.rows as Record<string, string>[]) {
    if (out.has(r.key!)) continue;
    out.set(r.key!, {
      id: r.id!,
      code: r.code!,
      name: r.name!,
      baseUnit: r.base_unit!,
      status: r.status!,
      type: r.type!,
      costCurrency: r.cost_currency ?? null,
    });
  }
  return out;
}

/**
 * Items by id only (the ids of a tree or a path, all known to exist). The ids travel as one comma-separated text:
 * as an array parameter, pg's literal escaping of thousands of values cost more than the query.
 */
export async function itemsById(tx: Tx, ids: readonly string[]): Promise<Map<string, ItemInfo>> {
  const res = await tx.execute(sql`
    SELECT id::text AS id, code, name, base_unit, status::text AS status, type::text AS type FROM items
    WHERE id = ANY(string_to_array(${ids.join(',')}, ',')::uuid[])`);
  return new Map(
    (res.rows as Record<string, string>[]).map((r) => [
      r.id!,
      { id: r.id!, code: r.code!, name: r.name!, baseUnit: r.base_unit!, status: r.status!, type: r.type! },
    ]),
  );
}

export const refKey = (ref: ItemRefInput): string => (ref.id ? ref.id.toLowerCase() : ref.code!);

/** Converts line quantities to the components' base units; one statement for the units of every component. */
export async function conversionContexts(
  tx: Tx,
  items: readonly ItemInfo[],
): Promise<(item: ItemInfo) => ConversionContext> {
  const ids = [...new Set(items.map((i) => i.id))];
  const res = await tx.execute(sql`
    SELECT 'u' AS kind, code AS key, category, factor::text AS factor, NULL::uuid AS item_id FROM units
    UNION ALL SELECT 'i', unit, NULL, factor::text, item_id FROM item_units WHERE item_id = ANY(${sqlArray(ids)}::uuid[])`);
  const units = new Map<string, { code: string; category: string; factor: string }>();
  const own = new Map<string, Map<string, string>>();
  for (const r of res.rows as Record<string, string>[]) {
    if (r.kind === 'u') units.set(r.key!, { code: r.key!, category: r.category!, factor: r.factor! });
    else {
      const m = own.get(r.item_id!) ?? new Map<string, string>();
      m.set(r.key!, r.factor!);
      own.set(r.item_id!, m);
    }
  }
  return (item) => ({ units, baseUnit: item.baseUnit, itemUnits: own.get(item.id) });
}

/** `quantity` in `unit` as the item's base unit, or a field error naming the line's unit. */
export function toBaseUnit(
  quantity: string,
  unit: string,
  item: ItemInfo,
  ctx: ConversionContext,
  field: string,
): string {
  return convertQuantity(quantity, unit, item.baseUnit, ctx, field);
}

export interface NewEdge {
  parent: string;
  child: string;
  /** The input path to name in the error. */
  field: string;
}

/**
 * Refuses edges that would close a cycle through the BOMs in use (draft and released, main and substitute
 * components), not only default ones: any of them may be the one valid on some date. `excludeBomIds` are BOMs the
 * write replaces. One recursive statement walks down from the new components (distinct items, so shared
 * sub-assemblies are visited once); only when it finds a cycle does a second one fetch its path for the message.
 */
export async function assertNoCycle(
  tx: Tx,
  edges: readonly NewEdge[],
  excludeBomIds: readonly string[],
): Promise<void> {
  const [first] = await findCycles(tx, edges, excludeBomIds);
  if (first) throw new ValidationError([first]);
}

/**
 * Every new edge that closes a cycle, as a field issue naming the cycle's path. The walk is one statement for any
 * number of edges; each cycle found costs one more, to spell out its path.
 */
export async function findCycles(
  tx: Tx,
  edges: readonly NewEdge[],
  excludeBomIds: readonly string[],
): Promise<FieldIssue[]> {
  if (edges.length === 0) return [];
  const issues: FieldIssue[] = [];
  for (const e of edges) if (e.parent === e.child) issues.push(await cycleIssue(tx, e, [e.parent, e.child]));
  const rest = edges.filter((e) => e.parent !== e.child);
  if (rest.length === 0) return issues;
  const newEdges = JSON.stringify(rest.map((e) => ({ parent: e.parent, child: e.child })));
  const graph = sql`(
      SELECT b.item_id AS parent, l.component_id AS child FROM boms b JOIN bom_lines l ON l.bom_id = b.id
      WHERE b.status <> 'obsolete' AND b.id <> ALL(${sqlArray(excludeBomIds)}::uuid[])
      UNION ALL SELECT b.item_id, s.component_id FROM boms b JOIN bom_lines l ON l.bom_id = b.id
        JOIN bom_substitutes s ON s.line_id = l.id
      WHERE b.status <> 'obsolete' AND b.id <> ALL(${sqlArray(excludeBomIds)}::uuid[])
      UNION ALL SELECT parent, child FROM jsonb_to_recordset(${newEdges}::jsonb) AS n(parent uuid, child uuid)
    )`;
  const res = await tx.execute(sql`
    WITH RECURSIVE reach(origin, item) AS (
      SELECT DISTINCT child, child FROM jsonb_to_recordset(${newEdges}::jsonb) AS n(parent uuid, child uuid)
      UNION
      SELECT r.origin, e.child FROM reach r JOIN ${graph} e ON e.parent = r.item
    )
    SELECT DISTINCT n.parent::text, n.child::text FROM jsonb_to_recordset(${newEdges}::jsonb) AS n(parent uuid, child uuid)
    JOIN reach r ON r.origin = n.child AND r.item = n.parent`);
  for (const hit of res.rows as { parent: string; child: string }[]) {
    const path = await tx.execute(sql`
      WITH RECURSIVE walk(item, path) AS (
        SELECT ${hit.child}::uuid, ARRAY[${hit.parent}::uuid, ${hit.child}::uuid]
        UNION ALL
        SELECT e.child, w.path || e.child FROM walk w JOIN ${graph} e ON e.parent = w.item
        WHERE w.item <> ${hit.parent}::uuid AND NOT e.child = ANY(w.path[2:]) AND cardinality(w.path) < 200
      )
      SELECT path::text[] AS path FROM walk WHERE item = ${hit.parent}::uuid LIMIT 1`);
    const ids = (path.rows[0] as { path: string[] } | undefined)?.path ?? [hit.parent, hit.child, hit.parent];
    for (const e of rest)
      if (e.parent === hit.parent && e.child === hit.child) issues.push(await cycleIssue(tx, e, ids));
  }
  return issues;
}

async function cycleIssue(tx: Tx, edge: NewEdge, ids: string[]): Promise<FieldIssue> {
  const res = await tx.execute(sql`SELECT id::text, code FROM items WHERE id = ANY(${sqlArray(ids)}::uuid[])`);
  const codes = new Map((res.rows as { id: string; code: string }[]).map((r) => [r.id, r.code]));
  const names = ids.map((id) => codes.get(id) ?? id);
  return { field: edge.field, reason: `would make a cycle: ${names.join(' → ')}` };
}
