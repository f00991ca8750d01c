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
import { type Db, queryRaw, sqlArray } from '../db/pool';
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
 * The CTEs `eff` (the BOM each item uses on the date), `effmap` (the same as one jsonb object, item id → [BOM id,
 * base quantity]) and `tree` (the explosion, phantoms still in it, flagged `pass`). Each node carries its
 * component's BOM, so the next level reads that BOM's lines by index: LATERAL, fenced with OFFSET 0, keeps the
 * planner from joining every line of the table first (it misjudges the size of a recursion's working table), and
 * the component's own BOM is a key lookup in `effmap`, because a join with `eff` inside that loop was planned as one
 * hash of all BOMs per parent node. A node with a BOM has `bom` set; items in `stopAt` never do.
 */
export function explosionCtes(p: ExplodeParams): SQL {
  const maxLevels = p.maxLevels ?? MAX_DEPTH;
  const stop = sqlArray(p.stopAt ?? []);
  // Per parent unit as the node is shown: through a passed-through phantom, its own quantity times the line's.
  const perOut = sql`CASE WHEN t.pass THEN trim_scale(t.carry * l.per) ELSE l.per END`;
  // The BOM test first: most lines are leaves, and AND stops at the first false.
  const pass = sql`(l.ce IS NOT NULL AND (l.phantom OR l.component_id IN (SELECT id FROM phantoms))
    AND l.component_id <> ALL(${stop}::uuid[]))`;
  return sql`
    eff AS MATERIALIZED (${effectiveBoms(p.asOf)}),
    effmap AS MATERIALIZED (
      SELECT coalesce(jsonb_object_agg(item_id::text, jsonb_build_array(id, base_quantity)), '{}') AS m FROM eff
    ),
    phantoms AS MATERIALIZED (SELECT id FROM items WHERE type = 'phantom'),
    tree AS (
      SELECT 0 AS level, ''::bytea AS ord, NULL::uuid AS line_id, e.item_id AS item, 1::numeric AS per,
        0::numeric AS scrap_percent, ${p.quantity}::numeric AS total, false AS pass, 1::numeric AS carry,
        e.id AS bom, e.base_quantity::numeric AS base
      FROM eff e WHERE e.item_id = ${p.itemId}::uuid
      UNION ALL
      SELECT t.level + CASE WHEN t.pass THEN 0 ELSE 1 END, t.ord || int4send(l.position), l.id, l.component_id,
        ${perOut}, l.scrap_percent, trim_scale(t.total * l.per * (1 + l.scrap_percent * 0.01)), ${pass},
        CASE WHEN ${pass} THEN trim_scale(${perOut} * (1 + l.scrap_percent * 0.01)) ELSE 1 END,
        CASE WHEN l.component_id = ANY(${stop}::uuid[]) THEN NULL ELSE (l.ce ->> 0)::uuid END,
        (l.ce ->> 1)::numeric
      FROM tree t CROSS JOIN LATERAL (
          SELECT l.id, l.position, l.component_id, l.scrap_percent, l.phantom,
            CASE WHEN t.base = 1 THEN l.quantity_base ELSE trim_scale(l.quantity_base / t.base) END AS per,
            -- A hashed membership test first: most components have no BOM, and skip the key lookup.
            CASE WHEN l.component_id IN (SELECT item_id FROM eff) THEN (SELECT m FROM effmap) -> (l.component_id::text) END AS ce
          FROM bom_lines l WHERE l.bom_id = t.bom AND ${lineValid(p.asOf)} OFFSET 0
        ) l
      WHERE t.bom IS NOT NULL AND length(t.ord) < ${MAX_DEPTH * 4} AND (t.pass OR t.level < ${maxLevels})
    )`;
}

/**
 * The CTEs `eff` and `edge`: every valid line of the BOMs reachable from the item, once per BOM however many
 * paths lead to it, with its quantity per parent unit (`per`), scrap factor, and whether its component has a
 * BOM (`has_bom`) or passes through. For roll-ups per distinct assembly.
 */
export function edgeCtes(p: Pick<ExplodeParams, 'itemId' | 'asOf' | 'stopAt'>): SQL {
  const stop = sqlArray(p.stopAt ?? []);
  return sql`
    eff AS MATERIALIZED (${effectiveBoms(p.asOf)}),
    reach(item, bom, base) AS (
      SELECT e.item_id, e.id, e.base_quantity FROM eff e WHERE e.item_id = ${p.itemId}::uuid
      UNION
      SELECT ce.item_id, ce.id, ce.base_quantity FROM reach r CROSS JOIN LATERAL (
          SELECT l.component_id FROM bom_lines l WHERE l.bom_id = r.bom AND ${lineValid(p.asOf)} OFFSET 0
        ) l JOIN eff ce ON ce.item_id = l.component_id
      WHERE l.component_id <> ALL(${stop}::uuid[])
    ),
    edge AS MATERIALIZED (
      SELECT r.item AS parent, l.id AS line_id, l.component_id AS child,
        CASE WHEN r.base = 1 THEN l.quantity_base ELSE trim_scale(l.quantity_base / r.base) END AS per,
        trim_scale(1 + l.scrap_percent * 0.01) AS scrap,
        ce.id IS NOT NULL AND l.component_id <> ALL(${stop}::uuid[]) AS has_bom
      FROM reach r CROSS JOIN LATERAL (
          SELECT l.* FROM bom_lines l WHERE l.bom_id = r.bom AND ${lineValid(p.asOf)} OFFSET 0
        ) l LEFT JOIN eff ce ON ce.item_id = l.component_id
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
    SELECT level, line_id::text AS "lineId", item::text AS "itemId", per::text AS per,
      scrap_percent::text AS "scrapPercent", total::text AS total, bom IS NOT NULL AS "hasBom"
    FROM tree WHERE level > 0 AND NOT pass ORDER BY ord`);
  return res.rows as unknown as ExplosionRow[];
}

/** An explosion column by column: node i is the i-th entry of each array, in depth-first order. */
export interface ExplosionColumns {
  length: number;
  level: Int32Array;
  /** Index into `items` of each node's component. */
  item: Int32Array;
  /** Distinct component ids, in order of first appearance. */
  items: string[];
  per: string[];
  scrapPercent: string[];
  total: string[];
  hasBom: Uint8Array;
  /** Only when asked for (`withLines`). */
  lineId: string[] | null;
}

/**
 * The same explosion as `explode`, read into columns: a tree of 25,000 nodes as arrays instead of 25,000
 * objects, values left as PostgreSQL wrote them (decimals as text), which saved most of the time the driver and
 * the garbage collector spent on the rows. Needs the database (`queryRaw`), not a transaction.
 */
export async function explodeColumns(db: Db, p: ExplodeParams, withLines = false): Promise<ExplosionColumns> {
  const rows = await queryRaw(
    db,
    sql`WITH RECURSIVE ${explosionCtes(p)}
    SELECT level, item::text, per::text, scrap_percent::text, total::text, bom IS NOT NULL,
      ${withLines ? sql`line_id::text` : sql`NULL`}
    FROM tree WHERE level > 0 AND NOT pass ORDER BY ord`,
  );
  const n = rows.length;
  const out: ExplosionColumns = {
    length: n,
    level: new Int32Array(n),
    item: new Int32Array(n),
    items: [],
    per: new Array<string>(n),
    scrapPercent: new Array<string>(n),
    total: new Array<string>(n),
    hasBom: new Uint8Array(n),
    lineId: withLines ? new Array<string>(n) : null,
  };
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    out.level[i] = Number(r[0]);
    const id = r[1]!;
    let k = index.get(id);
    if (k === undefined) {
      k = out.items.length;
      index.set(id, k);
      out.items.push(id);
    }
    out.item[i] = k;
    out.per[i] = r[2]!;
    out.scrapPercent[i] = r[3]!;
    out.total[i] = r[4]!;
    out.hasBom[i] = r[5] === 't' ? 1 : 0;
    if (out.lineId) out.lineId[i] = r[6]!;
  }
  return out;
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
      bool_or(bom IS NOT NULL) AS has_bom
    FROM tree WHERE level > 0 AND NOT pass GROUP BY item ORDER BY min(level), item`);
  return (res.rows as Record<string, unknown>[]).map((r) => ({
    itemId: r.item as string,
    total: r.total as string,
    occurrences: r.n as number,
    lowestLevel: r.lowest as number,
    hasBom: r.has_bom as boolean,
  }));
}

/** Whether the item has a BOM in use on the date (by index: no need to rank the whole table for one item). */
export async function hasEffectiveBom(tx: Tx, itemId: string, asOf: string): Promise<boolean> {
  const res = await tx.execute(sql`
    SELECT 1 FROM boms WHERE item_id = ${itemId}::uuid AND status = 'released'
      AND (valid_from IS NULL OR valid_from <= ${asOf}::date) AND (valid_to IS NULL OR valid_to >= ${asOf}::date)
    LIMIT 1`);
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
 * One statement, walking up through the lines that use each item (by index) and the BOM in use of their parent;
 * rows come depth-first, each naming the row below it on its path. A row is top-level when nothing uses its item:
 * known from the walk itself, except at the level where `maxLevels` cut it, which asks the lines.
 */
export async function whereUsed(
  db: Db,
  componentId: string,
  asOf: string,
  maxLevels?: number | null,
): Promise<WhereUsedRow[]> {
  const max = maxLevels ?? MAX_DEPTH;
  const rows = await queryRaw(
    db,
    sql`WITH RECURSIVE eff AS MATERIALIZED (${effectiveBoms(asOf)}),
    up AS (
      SELECT 0 AS level, ''::bytea AS trail, ${componentId}::uuid AS item, NULL::uuid AS line_id, 1::numeric AS qty
      UNION ALL
      SELECT u.level + 1, u.trail || uuid_send(l.id), e.item_id, l.id,
        trim_scale(u.qty * CASE WHEN e.base_quantity = 1 THEN l.quantity_base ELSE l.quantity_base / e.base_quantity END
          * (1 + l.scrap_percent * 0.01))
      FROM up u CROSS JOIN LATERAL (
          SELECT l.id, l.bom_id, l.quantity_base, l.scrap_percent FROM bom_lines l
          WHERE l.component_id = u.item AND ${lineValid(asOf)} OFFSET 0
        ) l
        JOIN eff e ON e.id = l.bom_id
      WHERE u.level < ${max}
    ),
    ranked AS MATERIALIZED (SELECT *, (row_number() OVER (ORDER BY trail))::int - 1 AS idx FROM up WHERE level > 0)
    SELECT r.level, r.item::text, r.line_id::text, r.qty::text, coalesce(b.idx, -1),
      CASE WHEN r.level = ${max} THEN NOT EXISTS (
        SELECT 1 FROM bom_lines l JOIN eff e ON e.id = l.bom_id WHERE l.component_id = r.item AND ${lineValid(asOf)}
      ) END
    FROM ranked r LEFT JOIN ranked b ON r.level > 1 AND b.trail = substring(r.trail FROM 1 FOR length(r.trail) - 16)
    ORDER BY r.idx`,
  );
  const out: WhereUsedRow[] = rows.map((r) => ({
    level: Number(r[0]),
    itemId: r[1]!,
    below: Number(r[4]),
    lineId: r[2]!,
    quantity: r[3]!,
    top: r[5] === null ? true : r[5] === 't',
  }));
  // Below the cut, an item is used by something exactly when the walk went on above it.
  for (const r of out) if (r.below >= 0) out[r.below]!.top = false;
  return out;
}
