/**
 * Material cost of an item from its explosion: every leaf node (a component without a BOM on the date, or one
 * whose price is given outright) costs its total quantity × its price per base unit; a level's subtotal is the
 * material that comes in at that level, and the total is their sum, so it agrees with the explosion node by node.
 * One statement gives per-level subtotals and per-component amounts; assemblies' unit costs, when asked for, come
 * from one more statement and a bottom-up pass in decimal arithmetic.
 */
import { type SQL, sql } from 'drizzle-orm';
import { Dec } from '../decimal';
import type { Tx } from '../master/codes';
import { edgeCtes, type ExplodeParams, explosionCtes } from './explode';

export type PriceSource = 'standardCost' | 'supplierPrice' | 'lastPurchasePrice';

export interface PriceOverride {
  itemId: string;
  /** Per base unit of the item, in the cost currency. */
  price: string;
}

export interface CostParams extends Omit<ExplodeParams, 'maxLevels' | 'stopAt'> {
  priceSource: PriceSource;
  currency: string;
  overrides?: readonly PriceOverride[];
}

export interface ComponentCost {
  itemId: string;
  quantity: string;
  /** Per base unit; null when the source has none in the currency. */
  price: string | null;
  amount: string | null;
  overridden: boolean;
}

export interface CostResult {
  total: string;
  levels: { level: number; amount: string }[];
  components: ComponentCost[];
  /** Leaf components without a price in the currency: the total leaves them out. */
  missing: string[];
}

/**
 * Each item's price per base unit from the source, in the currency. Supplier prices: the preferred offer, else the
 * lowest, converted from its price unit (through the item's own units or the unit category). Last purchase price:
 * the unit price on the item's latest purchase order line in the currency (by order date, then the newest record;
 * drafts and cancelled orders do not count), converted from the line's unit the same way. A conversion that does
 * not terminate keeps PostgreSQL's numeric division scale.
 */
export function sourcePrices(source: PriceSource, currency: string, itemsSql: SQL): SQL {
  if (source === 'standardCost') {
    return sql`SELECT i.id AS item, i.standard_cost AS price FROM items i
      WHERE i.id IN (${itemsSql}) AND i.standard_cost IS NOT NULL AND i.cost_currency = ${currency}`;
  }
  if (source === 'lastPurchasePrice') {
    return sql`SELECT DISTINCT ON (x.item) x.item, x.price FROM (
        SELECT l.item_id AS item, d.document_date, d.updated_at, l.line_no, CASE
            WHEN l.unit = i.base_unit THEN l.unit_price
            WHEN iu.factor IS NOT NULL THEN trim_scale(l.unit_price / iu.factor)
            WHEN pu.category = bu.category THEN trim_scale(l.unit_price * bu.factor / pu.factor)
          END AS price
        FROM document_lines l JOIN documents d ON d.id = l.document_id JOIN items i ON i.id = l.item_id
          LEFT JOIN item_units iu ON iu.item_id = l.item_id AND iu.unit = l.unit
          LEFT JOIN units pu ON pu.code = l.unit
          LEFT JOIN units bu ON bu.code = i.base_unit
        WHERE l.item_id IN (${itemsSql}) AND d.kind = 'purchase_order' AND d.state NOT IN ('draft', 'cancelled')
          AND d.currency = ${currency} AND l.unit_price IS NOT NULL
      ) x WHERE x.price IS NOT NULL ORDER BY x.item, x.document_date DESC, x.updated_at DESC, x.line_no DESC`;
  }
  return sql`SELECT DISTINCT ON (x.item) x.item, x.price FROM (
      SELECT si.item_id AS item, si.preferred, CASE
          WHEN si.price_unit IS NULL OR si.price_unit = i.base_unit THEN si.price
          WHEN iu.factor IS NOT NULL THEN trim_scale(si.price / iu.factor)
          WHEN pu.category = bu.category THEN trim_scale(si.price * bu.factor / pu.factor)
        END AS price
      FROM supplier_items si JOIN items i ON i.id = si.item_id
        LEFT JOIN item_units iu ON iu.item_id = si.item_id AND iu.unit = si.price_unit
        LEFT JOIN units pu ON pu.code = si.price_unit
        LEFT JOIN units bu ON bu.code = i.base_unit
      WHERE si.item_id IN (${itemsSql}) AND si.price IS NOT NULL AND si.currency = ${currency}
    ) x WHERE x.price IS NOT NULL ORDER BY x.item, x.preferred DESC, x.price, x.item`;
}

function overridesJson(overrides: readonly PriceOverride[] | undefined): string {
  return JSON.stringify((overrides ?? []).map((o) => ({ item: o.itemId, price: o.price })));
}

/** Cost of `quantity` of the item: per-level subtotals, per-component amounts and the total, in one statement. */
export async function rollUpCost(tx: Tx, p: CostParams): Promise<CostResult> {
  const stopAt = (p.overrides ?? []).map((o) => o.itemId).filter((id) => id !== p.itemId);
  const leaves = sql`SELECT item FROM leaf`;
  const res = await tx.execute(sql`
    WITH RECURSIVE ${explosionCtes({ ...p, stopAt })},
    leaf AS MATERIALIZED (SELECT level, item, total FROM tree WHERE level > 0 AND NOT pass AND bom IS NULL),
    price AS (
      SELECT DISTINCT ON (item) item, price, overridden FROM (
        SELECT o.item, o.price, true AS overridden
        FROM jsonb_to_recordset(${overridesJson(p.overrides)}::jsonb) AS o(item uuid, price numeric)
        UNION ALL SELECT s.item, s.price, false FROM (${sourcePrices(p.priceSource, p.currency, leaves)}) s
      ) x ORDER BY item, overridden DESC
    )
    SELECT grouping(l.level) AS by_item, l.level, l.item::text AS item, trim_scale(sum(l.total))::text AS qty,
      trim_scale(pr.price)::text AS price, coalesce(bool_or(pr.overridden), false) AS overridden,
      trim_scale(sum(l.total * pr.price))::text AS amount
    FROM leaf l LEFT JOIN price pr ON pr.item = l.item
    GROUP BY GROUPING SETS ((l.item, pr.price), (l.level))
    ORDER BY 1, 2, 3`);
  const levels: CostResult['levels'] = [];
  const components: ComponentCost[] = [];
  const missing: string[] = [];
  let total = new Dec(0);
  for (const r of res.rows as Record<string, unknown>[]) {
    if (r.by_item === 1) {
      const c: ComponentCost = {
        itemId: r.item as string,
        quantity: r.qty as string,
        price: (r.price as string | null) ?? null,
        amount: (r.amount as string | null) ?? null,
        overridden: r.overridden as boolean,
      };
      components.push(c);
      if (c.price === null) missing.push(c.itemId);
    } else {
      const amount = (r.amount as string | null) ?? '0';
      levels.push({ level: r.level as number, amount });
      total = total.plus(amount);
    }
  }
  return { total: total.toFixed(), levels, components, missing };
}

/** Cost per unit of the top item and of every assembly below it, rolled up bottom-up from the same prices. */
export async function assemblyUnitCosts(tx: Tx, p: CostParams): Promise<Map<string, { cost: Dec; complete: boolean }>> {
  const stopAt = (p.overrides ?? []).map((o) => o.itemId).filter((id) => id !== p.itemId);
  const res = await tx.execute(sql`
    WITH RECURSIVE ${edgeCtes({ ...p, stopAt })},
    price AS (
      SELECT DISTINCT ON (item) item, price FROM (
        SELECT o.item, o.price, 1 AS rank
        FROM jsonb_to_recordset(${overridesJson(p.overrides)}::jsonb) AS o(item uuid, price numeric)
        UNION ALL SELECT s.item, s.price, 2 FROM (${sourcePrices(p.priceSource, p.currency, sql`SELECT child FROM edge`)}) s
      ) x ORDER BY item, rank
    )
    SELECT e.parent::text AS parent, e.child::text AS child, trim_scale(e.per * e.scrap)::text AS qty, e.has_bom,
      pr.price::text AS price
    FROM edge e LEFT JOIN price pr ON pr.item = e.child`);
  const edges = new Map<string, { child: string; qty: string; hasBom: boolean; price: string | null }[]>();
  for (const r of res.rows as Record<string, unknown>[]) {
    const list = edges.get(r.parent as string) ?? [];
    list.push({
      child: r.child as string,
      qty: r.qty as string,
      hasBom: r.has_bom as boolean,
      price: (r.price as string | null) ?? null,
    });
    edges.set(r.parent as string, list);
  }
  const out = new Map<string, { cost: Dec; complete: boolean }>();
  const visit = (item: string): { cost: Dec; complete: boolean } => {
    const known = out.get(item);
    if (known) return known;
    let cost = new Dec(0);
    let complete = true;
    for (const e of edges.get(item) ?? []) {
      // A phantom child passes through the same way: its own unit cost is its lines'.
      const unit = e.hasBom
        ? visit(e.child)
        : { cost: e.price === null ? null : new Dec(e.price), complete: e.price !== null };
      if (unit.cost === null) complete = false;
      else cost = cost.plus(unit.cost.mul(e.qty));
      if (!unit.complete) complete = false;
    }
    const result = { cost, complete };
    out.set(item, result);
    return result;
  };
  visit(p.itemId);
  return out;
}
