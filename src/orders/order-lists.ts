/**
 * Sales orders listed by their derived status (order_status), one statement per page: the page's keys come from an
 * index of order_status, and the documents and their status rows are read in the same statement, so the status of
 * every node is already known (status-resolvers.ts primes its loader with it).
 *
 * Order: newest first, keyset on (document_date, id) descending. With `late: true` the list is the late orders, most
 * overdue first, keyset on (promised_date, id) ascending: a range scan of the partial index order_status_late_idx,
 * which holds only orders not delivered, cancelled or closed. A cursor remembers which order it belongs to.
 */
import { type SQL, sql } from 'drizzle-orm';
import { decodeCursor, encodeCursor } from '../cursor';
import type { Db } from '../db/pool';
import { executePrepared, sqlArray } from '../db/pool';
import { ValidationError } from '../errors';
import { IssueList, parseDate } from '../validation';
import { LATE, type OrderStatusView, reviveStatus, STATUS_VIEW_COLUMNS } from './status';
import { DOC_COLUMNS, type DocumentRow, reviveDocument } from './store';

export type SalesOrderStatusCode =
  'to_deliver_and_bill' | 'to_bill' | 'to_deliver' | 'completed' | 'closed' | 'on_hold' | 'cancelled';

export interface SalesOrderFilter {
  status?: readonly SalesOrderStatusCode[] | null;
  customerId?: string | null;
  customerCode?: string | null;
  late?: boolean | null;
  from?: string | null;
  to?: string | null;
}

export interface SalesOrderPageRow {
  document: DocumentRow;
  status: OrderStatusView;
  cursor: string;
}

export interface SalesOrderPage {
  rows: SalesOrderPageRow[];
  hasNextPage: boolean;
  /** Counted on first call only (totalCount selected). */
  count: () => Promise<number>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The WHERE conditions of a filter over order_status `s`, each a plain predicate the planner can match to an index. */
function conditions(f: SalesOrderFilter, field: string): SQL[] {
  const issues = new IssueList();
  const from = issues.attempt(() => parseDate(f.from, `${field}.from`)) ?? null;
  const to = issues.attempt(() => parseDate(f.to, `${field}.to`)) ?? null;
  if (f.customerId != null && !UUID.test(f.customerId)) issues.add(`${field}.customerId`, 'is not an id');
  if (f.customerId != null && f.customerCode != null)
    issues.add(`${field}.customerCode`, 'give customerId or customerCode, not both');
  issues.throwIfAny();
  const out: SQL[] = [];
  if (f.status && f.status.length > 0) out.push(sql`s.status = ANY(${sqlArray(f.status)}::sales_order_status_code[])`);
  if (f.customerId != null) out.push(sql`s.customer_id = ${f.customerId}::uuid`);
  if (f.customerCode != null)
    out.push(sql`s.customer_id = (SELECT id FROM customers WHERE code = ${f.customerCode.trim().toUpperCase()})`);
  if (from) out.push(sql`s.document_date >= ${from}::date`);
  if (to) out.push(sql`s.document_date <= ${to}::date`);
  // Spelt out like the partial index's predicate, so the planner can use it.
  if (f.late === true)
    out.push(sql`s.promised_date < current_date AND NOT s.delivered AND s.status NOT IN ('cancelled', 'closed')`);
  if (f.late === false) out.push(sql`NOT coalesce(${LATE}, false)`);
  return out;
}

/** A page of sales orders with their status, in one statement; the count is one more, when asked for. */
export async function listSalesOrders(
  db: Db,
  args: { filter?: SalesOrderFilter | null; first?: number | null; after?: string | null },
): Promise<SalesOrderPage> {
  const filter = args.filter ?? {};
  const first = args.first ?? 50;
  if (!Number.isInteger(first) || first < 1 || first > 500)
    throw new ValidationError([{ field: 'first', reason: 'must be a whole number from 1 to 500' }]);
  const late = filter.late === true;
  const mode = late ? 'late' : 'date';
  const after = decodeCursor<{ k: string; v: string; id: string }>(args.after, ['k', 'v', 'id']);
  if (after && (after.k !== mode || !UUID.test(after.id) || !/^\d{4}-\d{2}-\d{2}$/.test(after.v)))
    throw new ValidationError([{ field: 'after', reason: 'is not a cursor from this list' }]);
  const where = conditions(filter, 'filter');
  const count = (() => {
    let counted: Promise<number> | undefined;
    return () =>
      (counted ??= db
        .execute(
          sql`SELECT count(*)::int AS n FROM order_status s ${where.length ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``}`,
        )
        .then((r) => (r.rows[0] as { n: number }).n));
  })();
  const keyset = !after
    ? []
    : late
      ? [
          sql`s.promised_date >= ${after.v}::date AND (s.promised_date, s.sales_order_id) > (${after.v}::date, ${after.id}::uuid)`,
        ]
      : [
          sql`s.document_date <= ${after.v}::date AND (s.document_date, s.sales_order_id) < (${after.v}::date, ${after.id}::uuid)`,
        ];
  const all = [...where, ...keyset];
  const order = late
    ? sql.raw('s.promised_date, s.sales_order_id')
    : sql.raw('s.document_date DESC, s.sales_order_id DESC');
  const outer = late ? sql.raw('page.pk, page.sid') : sql.raw('page.pk DESC, page.sid DESC');
  // Prepared: one statement text per filter combination, planned once per connection.
  const res = await executePrepared(
    db,
    sql`
    WITH page AS (
      SELECT s.sales_order_id AS sid, ${late ? sql.raw('s.promised_date') : sql.raw('s.document_date')} AS pk,
        (SELECT row_to_json(v) FROM (SELECT ${STATUS_VIEW_COLUMNS}) v) AS st
      FROM order_status s ${all.length ? sql`WHERE ${sql.join(all, sql` AND `)}` : sql``}
      ORDER BY ${order} LIMIT ${first + 1}
    )
    SELECT ${DOC_COLUMNS}, page.pk AS "pageKey", page.st AS "pageStatus" FROM page JOIN documents ON documents.id = page.sid
    ORDER BY ${outer}`,
  );
  const rows = (res.rows as Record<string, unknown>[]).map((r) => {
    const key = r.pageKey as string;
    const status = reviveStatus(r.pageStatus as Record<string, unknown>);
    delete r.pageKey;
    delete r.pageStatus;
    const document = reviveDocument(r);
    return { document, status, cursor: encodeCursor({ k: mode, v: key, id: document.id }) };
  });
  return { rows: rows.slice(0, first), hasNextPage: rows.length > first, count };
}
