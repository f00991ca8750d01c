/**
 * Derived order-to-cash status (status-tables.ts), recomputed set-based in the transaction of every write that can
 * change it: two statements per call (invoices, then sales orders), whatever the number of orders touched.
 *
 * Semantics (docs/ARCHITECTURE.md, "Derived order status"):
 * - Quantities are compared per sales order line, in the line's unit (links carry quantities in that unit).
 *   Shipments and invoices count unless draft or cancelled; a credit note's billed quantities subtract. Per line,
 *   shipped and billed are capped to [0, ordered], so over-delivery does not make up for another line.
 * - delivered % = Σ min(shipped, ordered) ÷ Σ ordered, rounded half up to 4 places, computed exactly (integer
 *   division, no binary or truncated intermediate); `delivered` is the exact comparison, and status and late go by it.
 * - An order's invoiced amount is the sum of the amounts of the invoice lines that bill its lines, credit notes
 *   negative; an invoice line billing lines of several orders is split by the links' quantities, half up to 4 places.
 * - Payments count unless draft or cancelled, and only in the invoice's currency. Payments of an invoice that bills
 *   several orders are split by each order's share of the invoice's total, exactly: every share truncated to 4
 *   places, then the 0.0001s left over (the rounded whole less the truncated shares) go to the largest remainders
 *   (ties by order number), so the shares add up to the rounded whole and an invoice paid in full leaves nothing
 *   outstanding on any order.
 * - Status, first that applies: cancelled (state), on hold (state), closed (state done, or delivered, billed and
 *   nothing outstanding), completed (delivered and billed, money outstanding either way), to bill (delivered),
 *   to deliver (billed), to deliver and bill.
 * - At risk: a serving production or purchase order that is not done or cancelled is promised (its line's date,
 *   else its own) after the order line's promised date (else the order's), while the order is not delivered.
 * - Late depends on today and is never stored: promised date before the database's current_date, not delivered,
 *   neither cancelled nor closed (LATE below; the partial index order_status_late_idx has the same predicate).
 * - An invoice is unpaid (nothing paid), partly paid, or paid (paid at least its total); overdue is worked out when
 *   read: due date before current_date with money outstanding, not a credit note, not draft or cancelled.
 */
import { type SQL, sql } from 'drizzle-orm';
import { sqlArray } from '../db/pool';
import type { Tx } from '../master/codes';
import type { DocumentKind } from './store';

export interface DocKey {
  kind: DocumentKind;
  number: string;
}

/** Late, over a row of order_status `s`; the same predicate as the partial index (status-tables.ts). */
export const LATE = sql`(s.promised_date < current_date AND NOT s.delivered AND s.status NOT IN ('cancelled', 'closed'))`;
export const OPEN_DELIVERY = sql`NOT s.delivered AND s.status NOT IN ('cancelled', 'closed')`;

/**
 * The documents the given documents' links point at now. A document recorded again replaces the links it stated:
 * the orders and invoices it pointed at before must be recomputed too, so record() asks this first.
 */
export async function linkTargetsOf(tx: Tx, docs: readonly DocKey[]): Promise<DocKey[]> {
  if (docs.length === 0) return [];
  const res = await tx.execute(sql`
    SELECT DISTINCT l.to_kind::text AS kind, l.to_number AS number FROM document_links l
    WHERE (l.from_kind, l.from_number) IN (
      SELECT * FROM unnest(${sqlArray(docs.map((d) => d.kind))}::document_kind[], ${sqlArray(docs.map((d) => d.number))}::text[]))`);
  return res.rows as unknown as DocKey[];
}

/**
 * The invoices (`inv_n`) and sales orders (`so_n`) whose status the touched documents can change: themselves; the
 * orders a touched shipment, invoice, production or purchase order links to; the invoices a touched payment pays;
 * the orders every one of those invoices bills.
 */
function touchedCtes(docs: readonly DocKey[]): SQL {
  return sql`
    t AS (SELECT * FROM unnest(${sqlArray(docs.map((d) => d.kind))}::document_kind[],
      ${sqlArray(docs.map((d) => d.number))}::text[]) AS t(kind, number)),
    inv_n AS (
      SELECT number FROM t WHERE kind = 'invoice'
      UNION SELECT l.to_number FROM t JOIN document_links l ON l.from_kind = t.kind AND l.from_number = t.number
        WHERE t.kind = 'payment' AND l.kind = 'pays'
    ),
    so_n AS (
      SELECT number FROM t WHERE kind = 'sales_order'
      UNION SELECT l.to_number FROM t JOIN document_links l ON l.from_kind = t.kind AND l.from_number = t.number
        WHERE l.to_kind = 'sales_order'
      UNION SELECT l.to_number FROM inv_n JOIN document_links l ON l.from_kind = 'invoice' AND l.from_number = inv_n.number
        WHERE l.kind = 'bills'
    )`;
}

const COUNTS = (alias: string) => sql.raw(`${alias}.state NOT IN ('draft', 'cancelled')`);

/**
 * Every figure of the sales orders `so` (a CTE of documents: id, number, customer_id, currency, document_date,
 * promised_date, state), as rows of order_status's columns. `orders` defines `so`.
 */
function orderFigures(orders: SQL): SQL {
  return sql`
    so AS MATERIALIZED (${orders}),
    sol AS (
      SELECT so.id AS so, l.line_no, l.quantity, coalesce(l.promised_date, so.promised_date) AS promised
      FROM so JOIN document_lines l ON l.document_id = so.id
    ),
    lk AS MATERIALIZED (
      SELECT so.id AS so, k.kind, k.to_line_no AS line_no, k.from_line_no, k.quantity, f.id AS from_id, f.number AS from_number,
        f.state, f.credit_note, f.promised_date
      FROM so JOIN document_links k ON k.to_kind = 'sales_order' AND k.to_number = so.number
        JOIN documents f ON f.kind = k.from_kind AND f.number = k.from_number
    ),
    qty AS (
      SELECT so, line_no, sum(quantity) FILTER (WHERE kind = 'delivers') AS shipped,
        sum(CASE WHEN credit_note THEN -quantity ELSE quantity END) FILTER (WHERE kind = 'bills') AS billed
      FROM lk WHERE kind IN ('delivers', 'bills') AND ${COUNTS('lk')} GROUP BY so, line_no
    ),
    fr AS (
      SELECT sol.so, sum(sol.quantity) AS ordered,
        sum(least(coalesce(q.shipped, 0), sol.quantity)) AS shipped,
        sum(greatest(least(coalesce(q.billed, 0), sol.quantity), 0)) AS billed
      FROM sol LEFT JOIN qty q ON q.so = sol.so AND q.line_no = sol.line_no GROUP BY sol.so
    ),
    -- Every bills link of the invoices that bill these orders (other orders' too: the payment split needs them).
    ib AS (
      SELECT i.id AS inv, i.number AS inv_number, i.currency, i.credit_note, coalesce(i.total_amount, 0) AS total,
        il.line_no, il.amount AS line_amount, k.to_number AS so_number, k.quantity
      FROM (SELECT DISTINCT from_id FROM lk WHERE kind = 'bills' AND ${COUNTS('lk')}) x
        JOIN documents i ON i.id = x.from_id
        JOIN document_links k ON k.kind = 'bills' AND k.from_kind = 'invoice' AND k.from_number = i.number
          AND k.to_kind = 'sales_order'
        JOIN document_lines il ON il.document_id = i.id AND il.line_no = k.from_line_no
      WHERE il.amount IS NOT NULL
    ),
    -- Each order's part of each invoice, unsigned: a line split over orders by the links' quantities.
    ishare AS (
      SELECT inv, inv_number, currency, credit_note, total, so_number, sum(a) AS a FROM (
        SELECT inv, inv_number, currency, credit_note, total, line_no, so_number,
          round(line_amount * sum(quantity) / sum(sum(quantity)) OVER (PARTITION BY inv, line_no), 4) AS a
        FROM ib GROUP BY inv, inv_number, currency, credit_note, total, line_no, line_amount, so_number
      ) y GROUP BY inv, inv_number, currency, credit_note, total, so_number
    ),
    ipaid AS (
      SELECT i.inv, sum(k.amount) AS paid
      FROM (SELECT DISTINCT inv, inv_number, currency FROM ishare) i
        JOIN document_links k ON k.kind = 'pays' AND k.to_kind = 'invoice' AND k.to_number = i.inv_number
        JOIN documents p ON p.kind = 'payment' AND p.number = k.from_number AND ${COUNTS('p')} AND p.currency = i.currency
      GROUP BY i.inv
    ),
    -- paid × a ÷ total per order, truncated to 0.0001 units; the units left over go to the largest remainders.
    pexact AS (
      SELECT s.*, coalesce(p.paid, 0) AS paid,
        CASE WHEN s.total = 0 THEN 0 ELSE div(coalesce(p.paid, 0) * s.a * 10000, s.total) END AS units,
        CASE WHEN s.total = 0 THEN 0 ELSE mod(coalesce(p.paid, 0) * s.a * 10000, s.total) END AS rest
      FROM ishare s LEFT JOIN ipaid p ON p.inv = s.inv
    ),
    psplit AS (
      SELECT *, CASE WHEN total = 0 THEN 0
          ELSE div(paid * sum(a) OVER w * 20000 + total, 2 * total) - sum(units) OVER w END AS spare,
        row_number() OVER (PARTITION BY inv ORDER BY rest DESC, so_number) AS rk
      FROM pexact WINDOW w AS (PARTITION BY inv)
    ),
    money AS (
      SELECT so.id AS so,
        sum(CASE WHEN m.credit_note THEN -m.a ELSE m.a END) AS invoiced,
        sum((CASE WHEN m.credit_note THEN -1 ELSE 1 END) * (m.units + CASE WHEN m.rk <= m.spare THEN 1 ELSE 0 END) / 10000) AS paid
      FROM so JOIN psplit m ON m.so_number = so.number GROUP BY so.id
    ),
    risk AS (
      SELECT DISTINCT lk.so FROM lk JOIN sol ON sol.so = lk.so AND sol.line_no = lk.line_no
        LEFT JOIN document_lines fl ON lk.from_line_no > 0 AND fl.document_id = lk.from_id AND fl.line_no = lk.from_line_no
      WHERE lk.kind = 'serves' AND lk.state NOT IN ('done', 'cancelled')
        AND coalesce(fl.promised_date, lk.promised_date) > sol.promised
    ),
    fig AS (
      SELECT so.id, so.customer_id, so.currency, so.document_date, so.promised_date, so.state,
        coalesce(fr.ordered, 0) AS ordered,
        CASE WHEN coalesce(fr.ordered, 0) = 0 THEN 0 ELSE div(fr.shipped * 20000 + fr.ordered, 2 * fr.ordered) / 10000 END AS delivered_pct,
        CASE WHEN coalesce(fr.ordered, 0) = 0 THEN 0 ELSE div(fr.billed * 20000 + fr.ordered, 2 * fr.ordered) / 10000 END AS billed_pct,
        coalesce(fr.shipped = fr.ordered, false) AS delivered, coalesce(fr.billed = fr.ordered, false) AS billed,
        coalesce(m.invoiced, 0) AS invoiced, coalesce(m.paid, 0) AS paid, risk.so IS NOT NULL AS risk
      FROM so LEFT JOIN fr ON fr.so = so.id LEFT JOIN money m ON m.so = so.id LEFT JOIN risk ON risk.so = so.id
    ),
    computed AS (
      SELECT id AS sales_order_id, customer_id, currency, document_date, promised_date, ordered,
        delivered_pct::numeric(5, 4) AS delivered_pct, billed_pct::numeric(5, 4) AS billed_pct, delivered, billed,
        invoiced::numeric(18, 4) AS invoiced_amount, paid::numeric(18, 4) AS paid_amount,
        (invoiced - paid)::numeric(18, 4) AS outstanding,
        (CASE WHEN state = 'cancelled' THEN 'cancelled' WHEN state = 'on_hold' THEN 'on_hold'
          WHEN state = 'done' OR (delivered AND billed AND invoiced = paid) THEN 'closed'
          WHEN delivered AND billed THEN 'completed' WHEN delivered THEN 'to_bill' WHEN billed THEN 'to_deliver'
          ELSE 'to_deliver_and_bill' END)::sales_order_status_code AS status,
        risk AND NOT delivered AND state NOT IN ('cancelled', 'done') AS at_risk
      FROM fig
    )`;
}

const ORDER_COLUMNS = sql.raw(`sales_order_id, customer_id, currency, document_date, promised_date, ordered,
  delivered_pct, billed_pct, delivered, billed, invoiced_amount, paid_amount, outstanding, status, at_risk`);

const SO_COLUMNS = sql.raw(`d.id, d.number, d.customer_id, d.currency, d.document_date, d.promised_date, d.state`);

/**
 * Recomputes the status rows of every sales order and invoice the documents `docs` can affect (see touchedCtes):
 * two statements, in the caller's transaction. Pass the documents written, and for links added or removed both
 * of their ends. Rows whose figures did not change are not written (their updatedAt stays).
 */
export async function refreshOrderStatus(tx: Tx, docs: readonly DocKey[]): Promise<void> {
  if (docs.length === 0) return;
  await tx.execute(sql`
    WITH ${touchedCtes(docs)},
    inv AS (
      SELECT d.id, d.number, d.customer_id, d.currency, d.document_date, d.due_date, d.credit_note, d.state,
        coalesce(d.total_amount, 0) AS total
      FROM inv_n JOIN documents d ON d.kind = 'invoice' AND d.number = inv_n.number
    ),
    paid AS (
      SELECT i.id, sum(k.amount) AS paid FROM inv i
        JOIN document_links k ON k.kind = 'pays' AND k.to_kind = 'invoice' AND k.to_number = i.number
        JOIN documents p ON p.kind = 'payment' AND p.number = k.from_number AND ${COUNTS('p')} AND p.currency = i.currency
      GROUP BY i.id
    ),
    computed AS (
      SELECT i.id, i.customer_id, i.currency, i.document_date, i.due_date, i.credit_note, i.state,
        CASE WHEN i.credit_note THEN -1 ELSE 1 END AS sign, i.total, coalesce(p.paid, 0) AS paid
      FROM inv i LEFT JOIN paid p ON p.id = i.id
    )
    INSERT INTO invoice_status AS s (invoice_id, customer_id, currency, document_date, due_date, credit_note, amount,
      paid_amount, outstanding, status, counts, updated_at)
    SELECT id, customer_id, currency, document_date, due_date, credit_note, sign * total, sign * paid,
      sign * (total - paid),
      (CASE WHEN paid = 0 AND total <> 0 THEN 'unpaid' WHEN paid >= total THEN 'paid' ELSE 'partly_paid' END)::invoice_status_code,
      ${COUNTS('computed')}, now()
    FROM computed
    ON CONFLICT (invoice_id) DO UPDATE SET customer_id = excluded.customer_id, currency = excluded.currency,
      document_date = excluded.document_date, due_date = excluded.due_date, credit_note = excluded.credit_note,
      amount = excluded.amount, paid_amount = excluded.paid_amount, outstanding = excluded.outstanding,
      status = excluded.status, counts = excluded.counts, updated_at = excluded.updated_at
    WHERE (s.customer_id, s.currency, s.document_date, s.due_date, s.credit_note, s.amount, s.paid_amount, s.outstanding,
        s.status, s.counts)
      IS DISTINCT FROM (excluded.customer_id, excluded.currency, excluded.document_date, excluded.due_date,
        excluded.credit_note, excluded.amount, excluded.paid_amount, excluded.outstanding, excluded.status, excluded.counts)`);
  await upsertOrders(
    tx,
    sql`${touchedCtes(docs)}, ${orderFigures(sql`SELECT ${SO_COLUMNS} FROM so_n JOIN documents d ON d.kind = 'sales_order' AND d.number = so_n.number`)}`,
  );
}

/**
 * Computes the rows of sales orders and invoices that have none (recorded before the status tables existed, or
 * loaded around DocumentStore): run at start-up, one statement when there are none.
 */
export async function refreshMissingOrderStatus(tx: Tx): Promise<number> {
  const res = await tx.execute(sql`
    SELECT d.kind::text AS kind, d.number FROM documents d
    WHERE (d.kind = 'sales_order' AND NOT EXISTS (SELECT 1 FROM order_status s WHERE s.sales_order_id = d.id))
       OR (d.kind = 'invoice' AND NOT EXISTS (SELECT 1 FROM invoice_status s WHERE s.invoice_id = d.id))`);
  if (res.rows.length) await refreshOrderStatus(tx, res.rows as unknown as DocKey[]);
  return res.rows.length;
}

/** Recomputes every sales order's and invoice's row: after a bulk load that went around DocumentStore. */
export async function refreshAllOrderStatus(tx: Tx): Promise<void> {
  const res = await tx.execute(
    sql`SELECT kind::text AS kind, number FROM documents WHERE kind IN ('sales_order', 'invoice')`,
  );
  await refreshOrderStatus(tx, res.rows as unknown as DocKey[]);
}

async function upsertOrders(tx: Tx, ctes: SQL): Promise<void> {
  await tx.execute(sql`
    WITH ${ctes}
    INSERT INTO order_status AS s (${ORDER_COLUMNS}, updated_at)
    SELECT ${ORDER_COLUMNS}, now() FROM computed
    ON CONFLICT (sales_order_id) DO UPDATE SET customer_id = excluded.customer_id, currency = excluded.currency,
      document_date = excluded.document_date, promised_date = excluded.promised_date, ordered = excluded.ordered,
      delivered_pct = excluded.delivered_pct, billed_pct = excluded.billed_pct, delivered = excluded.delivered,
      billed = excluded.billed, invoiced_amount = excluded.invoiced_amount, paid_amount = excluded.paid_amount,
      outstanding = excluded.outstanding, status = excluded.status, at_risk = excluded.at_risk,
      updated_at = excluded.updated_at
    WHERE (s.customer_id, s.currency, s.document_date, s.promised_date, s.ordered, s.delivered_pct, s.billed_pct,
        s.delivered, s.billed, s.invoiced_amount, s.paid_amount, s.outstanding, s.status, s.at_risk)
      IS DISTINCT FROM (excluded.customer_id, excluded.currency, excluded.document_date, excluded.promised_date,
        excluded.ordered, excluded.delivered_pct, excluded.billed_pct, excluded.delivered, excluded.billed,
        excluded.invoiced_amount, excluded.paid_amount, excluded.outstanding, excluded.status, excluded.at_risk)`);
}

/** A sales order's status as the API shows it. */
export interface OrderStatusView {
  salesOrderId: string;
  status: string;
  deliveredPct: string;
  billedPct: string;
  currency: string | null;
  invoicedAmount: string;
  paidAmount: string;
  outstanding: string;
  late: boolean;
  atRisk: boolean;
  updatedAt: Date;
}

/** The columns of OrderStatusView over order_status `s` (also used by list pages, which read them in the same go). */
export const STATUS_VIEW_COLUMNS = sql`s.sales_order_id::text AS "salesOrderId", s.status::text AS status,
  trim_scale(s.delivered_pct)::text AS "deliveredPct", trim_scale(s.billed_pct)::text AS "billedPct", s.currency,
  trim_scale(s.invoiced_amount)::text AS "invoicedAmount", trim_scale(s.paid_amount)::text AS "paidAmount",
  trim_scale(s.outstanding)::text AS "outstanding", ${LATE} AS late, s.at_risk AS "atRisk",
  s.updated_at AS "updatedAt"`;

export function reviveStatus(r: Record<string, unknown>): OrderStatusView {
  const v = r as unknown as OrderStatusView;
  v.updatedAt = new Date(r.updatedAt as string);
  return v;
}

/**
 * Status rows by sales order id, in one statement. An order without a row (recorded before migration 0011 and not
 * written since) is computed on the fly by the same SQL, without writing, in one more statement.
 */
export async function orderStatusByIds(tx: Tx, ids: readonly string[]): Promise<Map<string, OrderStatusView>> {
  const out = new Map<string, OrderStatusView>();
  if (ids.length === 0) return out;
  const res = await tx.execute(
    sql`SELECT ${STATUS_VIEW_COLUMNS} FROM order_status s WHERE s.sales_order_id = ANY(${sqlArray(ids)}::uuid[])`,
  );
  for (const r of res.rows as Record<string, unknown>[]) out.set(r.salesOrderId as string, reviveStatus(r));
  const missing = ids.filter((id) => !out.has(id));
  if (missing.length > 0) {
    const computed = await tx.execute(sql`
      WITH ${orderFigures(sql`SELECT ${SO_COLUMNS} FROM documents d WHERE d.kind = 'sales_order' AND d.id = ANY(${sqlArray(missing)}::uuid[])`)},
      c AS (SELECT *, now() AS updated_at FROM computed)
      SELECT ${STATUS_VIEW_COLUMNS} FROM c s`);
    for (const r of computed.rows as Record<string, unknown>[]) out.set(r.salesOrderId as string, reviveStatus(r));
  }
  return out;
}

export interface InvoiceStatusView {
  invoiceId: string;
  status: string;
  currency: string | null;
  paidAmount: string;
  outstanding: string;
  dueDate: string | null;
}

/** Invoice status rows by invoice id, overdue worked out against current_date (one statement). */
export async function invoiceStatusByIds(tx: Tx, ids: readonly string[]): Promise<Map<string, InvoiceStatusView>> {
  if (ids.length === 0) return new Map();
  const res = await tx.execute(sql`
    SELECT s.invoice_id::text AS "invoiceId", s.currency, trim_scale(s.paid_amount)::text AS "paidAmount",
      trim_scale(s.outstanding)::text AS outstanding, s.due_date AS "dueDate",
      CASE WHEN ${OVERDUE} THEN 'overdue' ELSE s.status::text END AS status
    FROM invoice_status s WHERE s.invoice_id = ANY(${sqlArray(ids)}::uuid[])`);
  return new Map((res.rows as unknown as InvoiceStatusView[]).map((r) => [r.invoiceId, r]));
}

/** Overdue, over a row of invoice_status `s`. */
export const OVERDUE = sql`(s.counts AND NOT s.credit_note AND s.due_date < current_date AND s.outstanding > 0)`;
