/**
 * Explosion, where-used and cost in SQL: one recursive statement each, whatever the size of the tree.
 *
 * The BOM of an item on a date is its released BOM valid that day (both ends inclusive), the default one first,
 * then the latest validFrom, then the newest. Lines count on the days they are valid. A node's total quantity is
 * its parent's total × the line's quantity in the component's base unit ÷ the BOM's base quantity × (1 + scrap %);
 * products are exact, and a division by a base quantity that does not terminate keeps PostgreSQL's numeric
 * division scale (at least 16 decimals). Trailing zeros are trimmed at every level so the scale of a deep product
 * stays that of its digits.
 *
 * A phantom component (a phantom line, or an item of type phantom) that has a BOM on the date is passed through:
 * it is not a node of the tree; its lines take its place under its parent, at its level, their quantities
 * multiplied by its own.
 */
import { type SQL, sql } from 'drizzle-orm';
import { sqlArray } from '../db/pool';
import type { Tx } from '../master/codes';

/** The most levels an explosion goes down; BOM writes refuse cycles, this only bounds a corrupted table. */
export const MAX_DEPTH = 64;

/** The BOM each item uses on `asOf`: one row per item. */
export function effectiveBoms(asOf: string): SQL {
  return sql`SELECT DISTINCT ON (item_id) id, item_id, base_quantity FROM boms
    WHERE status = 'released' AND (valid_from IS NULL OR valid_from <= ${asOf}::date)
      AND (valid_to IS NULL OR valid_to >= ${asOf}::date)
    ORDER BY item_id, is_default DESC, valid_from DESC NULLS LAST, created_at DESC, id`;
}

const lineValid = (asOf: string) =>
  sql`(l.valid_from IS NULL OR l.valid_from <= ${asOf}::date) AND (l.valid_to IS NULL OR l.valid_to >= ${asOf}::date)`;

export interface ExplodeParams {
  itemId: string;
  quantity: string;
  asOf: string;
  /** Levels to go down (1 = the item's own lines); default all. */
  maxLevels?: number | null;
  /** Items not exploded further (a quotation's price overrides of sub-assemblies). */
  stopAt?: readonly string[];
}

/**
 * The CTEs `eff` (BOMs in use), `edge` (the valid lines of the BOMs reachable from the item, with per-parent-unit
 * quantities, scrap factors and whether the component passes through) and `tree` (the explosion, phantoms still
 * in it, flagged `pass`). `edge` is found first, recursively and deduplicated (UNION), so a sub-assembly shared by
 * many parents has its lines read once; `tree`, which counts every path, then only joins those in memory.
 */
export function explosionCtes(p: ExplodeParams): SQL {
  const maxLevels = p.maxLevels ?? MAX_DEPTH;
  const stop = sqlArray(p.stopAt ?? []);
  // LATERAL: the lines of each reached BOM by index; a join would let the planner, misjudging the size of the
  // recursion's working table, hash every line of every BOM at each level (OFFSET 0 keeps it from being flattened
  // back into a join).
  const lines = (parent: SQL) => sql`
      SELECT e.item_id AS parent, l.id AS line_id, l.position, l.component_id AS child,
        CASE WHEN e.base_quantity = 1 THEN l.quantity_base ELSE trim_scale(l.quantity_base / e.base_quantity) END AS per,
        trim_scale(1 + l.scrap_percent * 0.01) AS scrap, l.scrap_percent,
        (l.phantom OR l.ci_type = 'phantom') AND ce.id IS NOT NULL AS pass,
        ce.id IS NOT NULL AND l.component_id <> ALL(${stop}::uuid[]) AS has_bom
      FROM ${parent} CROSS JOIN LATERAL (
          SELECT l.*, ci.type AS ci_type FROM bom_lines l JOIN items ci ON ci.id = l.component_id
          WHERE l.bom_id = e.id AND ${lineValid(p.asOf)} OFFSET 0
        ) l
        LEFT JOIN eff ce ON ce.item_id = l.component_id`;
  return sql`
    eff AS MATERIALIZED (${effectiveBoms(p.asOf)}),
    edge AS (
      ${lines(sql`eff e`)} WHERE e.item_id = ${p.itemId}::uuid
      UNION
      ${lines(sql`(SELECT DISTINCT r.child FROM edge r WHERE r.has_bom) r JOIN eff e ON e.item_id = r.child`)}
    ),
    tree AS (
      SELECT 0 AS level, ''::bytea AS ord, NULL::uuid AS line_id, ${p.itemId}::uuid AS item,
        1::numeric AS per, 0::numeric AS scrap_percent, ${p.quantity}::numeric AS total, false AS pass,
        1::numeric AS carry, true AS has_bom
      UNION ALL
      SELECT t.level + CASE WHEN t.pass THEN 0 ELSE 1 END, t.ord || int4send(e.position), e.line_id, e.child,
        trim_scale(t.carry * e.per), e.scrap_percent, trim_scale(t.total * e.per * e.scrap), e.pass,
        CASE WHEN e.pass THEN trim_scale(t.carry * e.per * e.scrap) ELSE 1 END, e.has_bom
      FROM tree t JOIN edge e ON e.parent = t.item
      WHERE t.has_bom AND length(t.ord) < ${MAX_DEPTH * 4}
        AND (t.pass OR t.level < ${maxLevels})
    )`;
}

export interface ExplosionRow {
  level: number;
  lineId: string;
  itemId: string;
  /** Net quantity in the component's base unit per unit of its parent node. */
  per: string;
  scrapPercent: string;
  /** Gross quantity for the exploded quantity, scrap included along the path. */
  total: string;
  /** Whether the node has a BOM of its own on the date (and so children, unless cut by maxLevels). */
  hasBom: boolean;
}

/**
 * The explosion's nodes in depth-first order (by line position at every level), the root left out. One
 * statement; rows come back as arrays, the cheapest shape for the driver.
 */
export async function explode(tx: Tx, p: ExplodeParams): Promise<ExplosionRow[]> {
  const res = await tx.execute(sql`
    WITH RECURSIVE ${explosionCtes(p)}
    SELECT level, line_id::text AS line_id, item::text AS item, per::text AS per, scrap_percent::text AS scrap,
      total::text AS total, has_bom FROM tree WHERE level > 0 AND NOT pass ORDER BY ord`);
  return (res.rows as Record<string, unknown>[]).map((r) => ({
    level: r.level as number,
    lineId: r.line_id as string,
    itemId: r.item as string,
    per: r.per as string,
    scrapPercent: r.scrap as string,
    total: r.total as string,
    hasBom: r.has_bom as boolean,
  }));
}

export interface ComponentTotal {
  itemId: string;
  total: string;
  /** Nodes of this component in the tree. */
  occurrences: number;
  /** The lowest level it is found at (its low-level code within this tree). */
  lowestLevel: number;
  hasBom: boolean;
}

/** The explosion flattened: each component once, its quantities summed over every path. */
export async function explodeSummed(tx: Tx, p: ExplodeParams): Promise<ComponentTotal[]> {
  const res = await tx.execute(sql`
    WITH RECURSIVE ${explosionCtes(p)}
    SELECT item::text AS item, trim_scale(sum(total))::text AS total, count(*)::int AS n, max(level) AS lowest,
      bool_or(has_bom) AS has_bom
    FROM tree WHERE level > 0 AND NOT pass GROUP BY item ORDER BY min(level), item`);
  return (res.rows as Record<string, unknown>[]).map((r) => ({
    itemId: r.item as string,
    total: r.total as string,
    occurrences: r.n as number,
    lowestLevel: r.lowest as number,
    hasBom: r.has_bom as boolean,
  }));
}

/** Whether the item has a BOM in use on the date. */
export async function hasEffectiveBom(tx: Tx, itemId: string, asOf: string): Promise<boolean> {
  const res = await tx.execute(sql`SELECT 1 FROM (${effectiveBoms(asOf)}) e WHERE e.item_id = ${itemId}::uuid`);
  return res.rows.length > 0;
}

export interface WhereUsedRow {
  level: number;
  /** The item using the one below it on the path (level 1 uses the component itself). */
  itemId: string;
  /** Index of the row below on the path (-1 for level 1). */
  below: number;
  lineId: string;
  /** Gross quantity of the component per unit of this item along this path. */
  quantity: string;
  /** No BOM in use on the date has this item as a component. */
  top: boolean;
}

/**
 * Where the component is used, level by level up to the top-level products, along every path, as of the date.
 * One statement: the upward lines are found first, deduplicated per item (as for an explosion), then every path
 * is built from them in memory. Rows come depth-first, each naming the row below it on its path.
 */
export async function whereUsed(
  tx: Tx,
  componentId: string,
  asOf: string,
  maxLevels?: number | null,
): Promise<WhereUsedRow[]> {
  const perParent = sql`trim_scale(CASE WHEN e.base_quantity = 1 THEN l.quantity_base
      ELSE l.quantity_base / e.base_quantity END * (1 + l.scrap_percent * 0.01))`;
  const res = await tx.execute(sql`
    WITH RECURSIVE eff AS MATERIALIZED (${effectiveBoms(asOf)}),
    uedge AS (
      SELECT l.component_id AS child, l.id AS line_id, e.item_id AS parent, ${perParent} AS q
      FROM bom_lines l JOIN eff e ON e.id = l.bom_id WHERE l.component_id = ${componentId}::uuid AND ${lineValid(asOf)}
      UNION
      SELECT l.component_id, l.id, e.item_id, ${perParent}
      FROM (SELECT DISTINCT parent FROM uedge) r
        CROSS JOIN LATERAL (SELECT l.* FROM bom_lines l WHERE l.component_id = r.parent AND ${lineValid(asOf)} OFFSET 0) l
        JOIN eff e ON e.id = l.bom_id
    ),
    numbered AS MATERIALIZED (SELECT *, (row_number() OVER ())::int AS n FROM uedge),
    up AS (
      SELECT 0 AS level, ''::bytea AS trail, ${componentId}::uuid AS item, NULL::uuid AS line_id, 1::numeric AS qty
      UNION ALL
      SELECT u.level + 1, u.trail || int4send(e.n), e.parent, e.line_id, trim_scale(u.qty * e.q)
      FROM up u JOIN numbered e ON e.child = u.item
      WHERE u.level < ${maxLevels ?? MAX_DEPTH}
    )
    SELECT level, encode(trail, 'hex') AS trail, item::text AS item, line_id::text AS line_id, qty::text AS qty,
      NOT EXISTS (SELECT 1 FROM uedge x WHERE x.child = up.item) AS top
    FROM up WHERE level > 0 ORDER BY up.trail`);
  const rows = res.rows as { level: number; trail: string; item: string; line_id: string; qty: string; top: boolean }[];
  const index = new Map<string, number>();
  rows.forEach((r, i) => index.set(r.trail, i));
  return rows.map((r) => ({
    level: r.level,
    itemId: r.item,
    below: r.level === 1 ? -1 : (index.get(r.trail.slice(0, -8)) ?? -1),
    lineId: r.line_id,
    quantity: r.qty,
    top: r.top,
  }));
}
