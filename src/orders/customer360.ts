/**
 * A customer across the order-to-cash chain, from the derived status tables: one statement per figure asked for.
 *
 * - Open orders: status neither closed, completed (only money outstanding) nor cancelled; count and Σ order totals.
 * - Revenue: Σ invoice totals, credit notes negative, drafts and cancelled left out, by invoice date.
 * - Outstanding: Σ outstanding of those invoices (a credit note not refunded counts negative); overdue: the part on
 *   invoices past their due date (today: the database's current_date).
 * - Average days to pay: Σ (payment date − invoice date) × amount allocated ÷ Σ amount allocated, over the payments
 *   (not draft or cancelled, in the invoice's currency) allocated to the customer's invoices (not credit notes), per
 *   currency, rounded to 2 places half away from zero (PostgreSQL's round).
 * - Margin per order: the order's total − Σ line quantity (converted to the item's base unit) × unit cost, where an
 *   item with a released BOM costs its BOM roll-up at standard cost (BomService.cost, one call per distinct item and
 *   currency on the page) and any other item its standard cost, both in the order's currency. The cost is rounded
 *   half up to the currency's minor unit; a missing cost or conversion makes cost and margin null and names the item.
 */
import { sql } from 'drizzle-orm';
import { decodeCursor, encodeCursor } from '../cursor';
import type { Db } from '../db/pool';
import { sqlArray } from '../db/pool';
import { Dec, minorUnits } from '../decimal';
import { ValidationError } from '../errors';
import type { BomService } from '../bom/service';
import { parseDate } from '../validation';
import { OVERDUE } from './status';
import { DOC_COLUMNS, type DocumentRow, reviveDocument } from './store';

export interface Money {
  amount: string;
  currency: string;
}

export interface AmountsByCurrency {
  count: number;
  total: Money;
}

const byCurrency = (rows: unknown[]): AmountsByCurrency[] =>
  (rows as { currency: string; n: number; total: string }[]).map((r) => ({
    count: r.n,
    total: { amount: r.total, currency: r.currency },
  }));

export async function openOrders(db: Db, customerId: string): Promise<AmountsByCurrency[]> {
  const res = await db.execute(sql`
    SELECT s.currency, count(*)::int AS n, trim_scale(coalesce(sum(d.total_amount), 0))::text AS total
    FROM order_status s JOIN documents d ON d.id = s.sales_order_id
    WHERE s.customer_id = ${customerId}::uuid AND s.status NOT IN ('closed', 'completed', 'cancelled')
    GROUP BY s.currency ORDER BY s.currency`);
  return byCurrency(res.rows);
}

export async function revenue(
  db: Db,
  customerId: string,
  range: { from?: string | null; to?: string | null },
): Promise<AmountsByCurrency[]> {
  const from = parseDate(range.from, 'from');
  const to = parseDate(range.to, 'to');
  const res = await db.execute(sql`
    SELECT s.currency, count(*)::int AS n, trim_scale(sum(s.amount))::text AS total FROM invoice_status s
    WHERE s.customer_id = ${customerId}::uuid AND s.counts
      AND (${from}::date IS NULL OR s.document_date >= ${from}::date) AND (${to}::date IS NULL OR s.document_date <= ${to}::date)
    GROUP BY s.currency ORDER BY s.currency`);
  return byCurrency(res.rows);
}

/** Outstanding per currency (invoices with something outstanding), or only the overdue part. */
export async function outstanding(db: Db, customerId: string, overdueOnly: boolean): Promise<AmountsByCurrency[]> {
  const res = await db.execute(sql`
    SELECT s.currency, count(*)::int AS n, trim_scale(sum(s.outstanding))::text AS total FROM invoice_status s
    WHERE s.customer_id = ${customerId}::uuid AND s.counts AND s.outstanding <> 0 ${overdueOnly ? sql`AND ${OVERDUE}` : sql``}
    GROUP BY s.currency ORDER BY s.currency`);
  return byCurrency(res.rows);
}

export async function averageDaysToPay(db: Db, customerId: string): Promise<{ currency: string; days: string }[]> {
  const res = await db.execute(sql`
    SELECT i.currency, trim_scale(round(sum((p.document_date - i.document_date) * k.amount) / sum(k.amount), 2))::text AS days
    FROM invoice_status s JOIN documents i ON i.id = s.invoice_id
      JOIN document_links k ON k.kind = 'pays' AND k.to_kind = 'invoice' AND k.to_number = i.number
      JOIN documents p ON p.kind = 'payment' AND p.number = k.from_number AND p.state NOT IN ('draft', 'cancelled')
        AND p.currency = i.currency
    WHERE s.customer_id = ${customerId}::uuid AND s.counts AND NOT s.credit_note
    GROUP BY i.currency HAVING sum(k.amount) > 0 ORDER BY i.currency`);
  return res.rows as { currency: string; days: string }[];
}

export interface OrderMarginView {
  salesOrder: DocumentRow;
  amount: Money | null;
  cost: Money | null;
  margin: Money | null;
  marginPercent: string | null;
  /** Item ids. */
  missingCosts: string[];
  cursor: string;
}

interface MarginLine {
  so: string;
  item: string;
  qty_base: string | null;
  standard_cost: string | null;
  cost_currency: string | null;
  has_bom: boolean;
}

/** A page of the customer's orders, newest first, with their margins (see the file's comment). */
export async function orderMargins(
  db: Db,
  bom: BomService,
  customerId: string,
  args: { first?: number | null; after?: string | null },
): Promise<{ nodes: OrderMarginView[]; hasNextPage: boolean }> {
  const first = args.first ?? 20;
  if (!Number.isInteger(first) || first < 1 || first > 200)
    throw new ValidationError([{ field: 'first', reason: 'must be a whole number from 1 to 200' }]);
  const after = decodeCursor<{ d: string; id: string }>(args.after, ['d', 'id']);
  const res = await db.execute(sql`
    SELECT ${DOC_COLUMNS} FROM documents WHERE id IN (
      SELECT s.sales_order_id FROM order_status s WHERE s.customer_id = ${customerId}::uuid
        ${after ? sql`AND s.document_date <= ${after.d}::date AND (s.document_date, s.sales_order_id) < (${after.d}::date, ${after.id}::uuid)` : sql``}
      ORDER BY s.document_date DESC, s.sales_order_id DESC LIMIT ${first + 1})
    ORDER BY document_date DESC, id DESC`);
  const orders = (res.rows as Record<string, unknown>[]).map(reviveDocument);
  const page = orders.slice(0, first);
  if (page.length === 0) return { nodes: [], hasNextPage: false };
  const lines = (
    await db.execute(sql`
    SELECT l.document_id::text AS so, l.item_id::text AS item, i.standard_cost::text AS standard_cost, i.cost_currency,
      trim_scale(CASE WHEN l.unit = i.base_unit THEN l.quantity
        WHEN iu.factor IS NOT NULL THEN l.quantity * iu.factor
        WHEN u.category = bu.category THEN l.quantity * u.factor / bu.factor END)::text AS qty_base,
      EXISTS (SELECT 1 FROM boms b WHERE b.item_id = l.item_id AND b.status = 'released'
        AND (b.valid_from IS NULL OR b.valid_from <= current_date) AND (b.valid_to IS NULL OR b.valid_to >= current_date)) AS has_bom
    FROM document_lines l JOIN items i ON i.id = l.item_id
      LEFT JOIN item_units iu ON iu.item_id = l.item_id AND iu.unit = l.unit
      LEFT JOIN units u ON u.code = l.unit LEFT JOIN units bu ON bu.code = i.base_unit
    WHERE l.document_id = ANY(${sqlArray(page.map((o) => o.id))}::uuid[])
    ORDER BY l.document_id, l.line_no`)
  ).rows as unknown as MarginLine[];
  const currencyOf = new Map(page.map((o) => [o.id, o.currency]));
  // Unit cost per (item, currency): BOM roll-up for items with a BOM, standard cost for the rest.
  const unitCosts = new Map<string, Promise<string | null>>();
  const unitCost = (l: MarginLine, currency: string): Promise<string | null> => {
    const key = `${l.item}|${currency}`;
    let c = unitCosts.get(key);
    if (!c) {
      c = l.has_bom
        ? bom
            .cost({ itemId: l.item, quantity: '1', currency, priceSource: 'standardCost' })
            .then((r) => (r.missing.length > 0 ? null : r.total))
        : Promise.resolve(l.standard_cost !== null && l.cost_currency === currency ? l.standard_cost : null);
      unitCosts.set(key, c);
    }
    return c;
  };
  const byOrder = new Map<string, MarginLine[]>();
  for (const l of lines) byOrder.set(l.so, [...(byOrder.get(l.so) ?? []), l]);
  const nodes = await Promise.all(
    page.map(async (o): Promise<OrderMarginView> => {
      const currency = currencyOf.get(o.id) ?? null;
      const missing = new Set<string>();
      let cost = new Dec(0);
      for (const l of byOrder.get(o.id) ?? []) {
        const unit = currency ? await unitCost(l, currency) : null;
        if (unit === null || l.qty_base === null) missing.add(l.item);
        else cost = cost.plus(new Dec(l.qty_base).mul(unit));
      }
      const amount = o.totalAmount !== null && currency ? { amount: o.totalAmount, currency } : null;
      const complete = missing.size === 0 && currency !== null;
      const rounded = complete ? cost.toDecimalPlaces(minorUnits(currency), Dec.ROUND_HALF_UP) : null;
      const margin = rounded && amount ? new Dec(amount.amount).minus(rounded) : null;
      return {
        salesOrder: o,
        amount,
        cost: rounded ? { amount: rounded.toFixed(), currency: currency! } : null,
        margin: margin ? { amount: margin.toFixed(), currency: currency! } : null,
        marginPercent:
          margin && amount && !new Dec(amount.amount).isZero()
            ? margin.div(amount.amount).mul(100).toDecimalPlaces(2, Dec.ROUND_HALF_UP).toFixed()
            : null,
        missingCosts: [...missing],
        cursor: encodeCursor({ d: o.documentDate, id: o.id }),
      };
    }),
  );
  return { nodes, hasNextPage: orders.length > first };
}
