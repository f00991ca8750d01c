/**
 * The order-to-cash view of sales orders: the documents linked to each order, read for a whole page of orders at
 * once (links, then the documents, their lines, their history: four statements however many orders, lines and
 * documents), and resolved from that.
 */
import DataLoader from 'dataloader';
import { sql } from 'drizzle-orm';
import { type Db, sqlArray } from '../db/pool';
import { Dec } from '../decimal';
import type { GraphContext } from '../graphql/context';
import type { Resolvers } from '../graphql/generated/types';
import type { GoldenRow } from '../master/store';
import { linksOf, type StoredLink } from './links';
import { type DocumentLineRow, type DocumentRow, ENTITY_OF } from './store';
import { documents } from './tables';

/** Everything linked to one sales order, as read for its page. */
export interface OrderChain {
  order: DocumentRow;
  links: StoredLink[];
  /** Linked documents by `kind|number` (those that have arrived). */
  documents: Map<string, DocumentRow>;
  lines: Map<string, DocumentLineRow[]>;
}

export interface ServingView {
  chain: OrderChain;
  document: DocumentRow;
  serves: { lineNo: number; quantity: string }[];
}

/** A sales order line with what has been shipped and invoiced of it. */
export interface SalesOrderLineView extends DocumentLineRow {
  shippedQuantity: string;
  invoicedQuantity: string;
}

export interface TimelineEntry {
  at: Date;
  system: string;
  actor: string;
  documentKind: string;
  documentNumber: string;
  operation: string;
  summary: string;
}

const key = (kind: string, number: string) => `${kind}|${number}`;
/** Documents that are only planned or were called off do not count towards what happened. */
const counts = (d: DocumentRow | undefined) => d !== undefined && d.state !== 'draft' && d.state !== 'cancelled';

/** Reads the chains of a page of sales orders. */
async function loadChains(ctx: GraphContext, orders: readonly DocumentRow[]): Promise<OrderChain[]> {
  const store = ctx.services.orders;
  const direct = await linksOf(
    store.db,
    orders.map((o) => ({ kind: o.kind, number: o.number })),
  );
  // Payments pay invoices, not orders: one more hop from the invoices billing these orders.
  const invoices = [...new Set(direct.filter((l) => l.kind === 'bills').map((l) => l.fromNumber))];
  const paying = invoices.length
    ? (
        await linksOf(
          store.db,
          invoices.map((number) => ({ kind: 'invoice' as const, number })),
        )
      ).filter((l) => l.kind === 'pays')
    : [];
  const refs = new Map<string, { kind: DocumentRow['kind']; number: string }>();
  for (const l of [...direct, ...paying]) {
    refs.set(key(l.fromKind, l.fromNumber), { kind: l.fromKind, number: l.fromNumber });
    refs.set(key(l.toKind, l.toNumber), { kind: l.toKind, number: l.toNumber });
  }
  const docs = await store.byNumbers([...refs.values()]);
  const byKey = new Map(docs.map((d) => [key(d.kind, d.number), d]));
  const lines = await store.linesOf(
    docs.filter((d) => d.kind === 'production_order' || d.kind === 'purchase_order').map((d) => d.id),
  );
  return orders.map((order) => {
    const mine = direct.filter(
      (l) =>
        (l.toKind === 'sales_order' && l.toNumber === order.number) ||
        (l.fromKind === 'sales_order' && l.fromNumber === order.number),
    );
    const myInvoices = new Set(mine.filter((l) => l.kind === 'bills').map((l) => l.fromNumber));
    const myPayments = paying.filter((l) => myInvoices.has(l.toNumber));
    return { order, links: [...mine, ...myPayments], documents: byKey, lines };
  });
}

function chains(ctx: GraphContext): DataLoader<DocumentRow, OrderChain, string> {
  return ctx.loaders.memo('orders.chains', () => {
    return new DataLoader<DocumentRow, OrderChain, string>((orders) => loadChains(ctx, orders), {
      cacheKeyFn: (o) => o.id,
    });
  });
}

/** The documents of a chain linked by `kind` links from documents of `fromKind`, each once, in document order. */
function linked(chain: OrderChain, linkKind: string, fromKind?: string): DocumentRow[] {
  const seen = new Map<string, DocumentRow>();
  for (const l of chain.links) {
    if (l.kind !== linkKind || (fromKind && l.fromKind !== fromKind)) continue;
    const d = chain.documents.get(key(l.fromKind, l.fromNumber));
    if (d) seen.set(d.id, d);
  }
  return [...seen.values()].sort((a, b) =>
    a.documentDate === b.documentDate ? a.number.localeCompare(b.number) : a.documentDate < b.documentDate ? -1 : 1,
  );
}

/** Shipped and invoiced quantities per line of the order, counting only documents that have arrived and count. */
function lineTotals(chain: OrderChain): Map<number, { shipped: Dec; invoiced: Dec }> {
  const out = new Map<number, { shipped: Dec; invoiced: Dec }>();
  for (const l of chain.links) {
    if ((l.kind !== 'delivers' && l.kind !== 'bills') || l.toKind !== 'sales_order') continue;
    const from = chain.documents.get(key(l.fromKind, l.fromNumber));
    if (!counts(from) || l.quantity === null) continue;
    const t = out.get(l.toLineNo) ?? { shipped: new Dec(0), invoiced: new Dec(0) };
    if (l.kind === 'delivers') t.shipped = t.shipped.plus(l.quantity);
    else t.invoiced = from!.creditNote ? t.invoiced.minus(l.quantity) : t.invoiced.plus(l.quantity);
    out.set(l.toLineNo, t);
  }
  return out;
}

function serving(chain: OrderChain, kind: 'production_order' | 'purchase_order'): ServingView[] {
  return linked(chain, 'serves', kind).map((document) => ({
    chain,
    document,
    serves: chain.links
      .filter((l) => l.kind === 'serves' && l.fromKind === kind && l.fromNumber === document.number)
      .map((l) => ({ lineNo: l.toLineNo, quantity: l.quantity ?? '0' })),
  }));
}

/** Planned and done quantities of a serving order: the production order's own, or its serving lines' (purchase). */
function progressOf(v: ServingView): { quantity: Dec; done: Dec } {
  if (v.document.kind === 'production_order') {
    return { quantity: new Dec(v.document.quantity ?? 0), done: new Dec(v.document.producedQuantity ?? 0) };
  }
  const servingLines = new Set(
    v.chain.links
      .filter((l) => l.kind === 'serves' && l.fromNumber === v.document.number && l.fromKind === 'purchase_order')
      .map((l) => l.fromLineNo),
  );
  let quantity = new Dec(0);
  let done = new Dec(0);
  for (const line of v.chain.lines.get(v.document.id) ?? []) {
    if (!servingLines.has(line.lineNo)) continue;
    quantity = quantity.plus(line.quantity);
    done = done.plus(line.receivedQuantity ?? 0);
  }
  return { quantity, done };
}

async function timeline(db: Db, chain: OrderChain): Promise<TimelineEntry[]> {
  const docs = [chain.order, ...[...chain.documents.values()].filter((d) => chainHas(chain, d))];
  const res = await db.execute(sql`
    SELECT h.entity, h.entity_id::text AS id, h.operation, h.changed_at, h.actor_kind, h.actor_id, h.data
    FROM record_history h
    WHERE h.entity = ANY(${sqlArray([...new Set(docs.map((d) => ENTITY_OF[d.kind]))])}::text[])
      AND h.entity_id = ANY(${sqlArray(docs.map((d) => d.id))}::uuid[])
    ORDER BY h.changed_at, h.id`);
  const byId = new Map(docs.map((d) => [d.id, d]));
  return (res.rows as Record<string, unknown>[]).map((r) => {
    const d = byId.get(r.id as string)!;
    const data = r.data as { lines?: { lineNo: number; quantity: string }[]; totalAmount?: string; currency?: string };
    const system = r.actor_kind === 'connection' ? (r.actor_id as string) : 'mdhub';
    return {
      at:
        r.changed_at instanceof Date
          ? r.changed_at
          : (documents.createdAt.mapFromDriverValue(r.changed_at as string) as Date),
      system,
      actor: `${r.actor_kind as string}:${r.actor_id as string}`,
      documentKind: d.kind,
      documentNumber: d.number,
      operation: r.operation as string,
      summary: summarise(d, r.operation as string, data, chain),
    };
  });
}

function chainHas(chain: OrderChain, d: DocumentRow): boolean {
  return chain.links.some(
    (l) => (l.fromKind === d.kind && l.fromNumber === d.number) || (l.toKind === d.kind && l.toNumber === d.number),
  );
}

function summarise(
  d: DocumentRow,
  operation: string,
  data: { lines?: { lineNo: number; quantity: string }[]; totalAmount?: string; currency?: string },
  chain: OrderChain,
): string {
  const name = `${d.kind.replace('_', ' ')} ${d.number} ${operation}`;
  const money = data.totalAmount && data.currency ? `${data.totalAmount} ${data.currency}` : null;
  const forOrder = chain.links.filter(
    (l) => l.fromKind === d.kind && l.fromNumber === d.number && l.toKind === 'sales_order' && l.quantity,
  );
  if (forOrder.length) return `${name}: ${forOrder.map((l) => `${l.quantity} of line ${l.toLineNo}`).join(', ')}`;
  if (d.kind === 'payment' && money) return `${name}: ${money}`;
  if (money) return `${name}: ${money}`;
  return name;
}

const money = (amount: string | null, currency: string | null) =>
  amount === null || currency === null ? null : { amount, currency };

export const viewResolvers: Resolvers = {
  Query: {
    salesOrder: (_, args, ctx) => ctx.services.orders.require('sales_order', args),
  },
  SalesOrder: {
    customer: (o, _, ctx) => (o.customerId ? ctx.loaders.record('customer').load(o.customerId) : null),
    total: (o) => money(o.totalAmount, o.currency),
    lines: async (o, _, ctx) => {
      const [chain, lines] = await Promise.all([
        chains(ctx).load(o),
        ctx.services.orders.linesOf([o.id]).then((m) => m.get(o.id) ?? []),
      ]);
      const totals = lineTotals(chain);
      return lines.map((l) => ({
        ...l,
        shippedQuantity: (totals.get(l.lineNo)?.shipped ?? new Dec(0)).toFixed(),
        invoicedQuantity: (totals.get(l.lineNo)?.invoiced ?? new Dec(0)).toFixed(),
      }));
    },
    productionOrders: async (o, _, ctx) => serving(await chains(ctx).load(o), 'production_order'),
    purchaseOrders: async (o, _, ctx) => serving(await chains(ctx).load(o), 'purchase_order'),
    shipments: async (o, _, ctx) => linked(await chains(ctx).load(o), 'delivers'),
    invoices: async (o, _, ctx) => linked(await chains(ctx).load(o), 'bills'),
    payments: async (o, _, ctx) => linked(await chains(ctx).load(o), 'pays'),
    timeline: async (o, _, ctx) => timeline(ctx.services.orders.db, await chains(ctx).load(o)),
    document: (o) => o,
  },
  SalesOrderLine: {
    item: (l, _, ctx) => ctx.loaders.record('item').load(l.itemId) as Promise<GoldenRow>,
    unitPrice: (l) => money(l.unitPrice, l.currency ?? null),
    amount: (l) => money(l.amount, l.currency ?? null),
  },
  ServingOrder: {
    document: (v) => v.document,
    doneQuantity: (v) => progressOf(v).done.toFixed(),
    quantity: (v) => progressOf(v).quantity.toFixed(),
    progress: (v) => {
      const p = progressOf(v);
      return p.quantity.isZero() ? '0' : p.done.div(p.quantity).toDecimalPlaces(4, Dec.ROUND_HALF_UP).toFixed();
    },
    late: (v) =>
      v.document.state !== 'done' &&
      v.document.promisedDate !== null &&
      v.chain.order.promisedDate !== null &&
      v.document.promisedDate > v.chain.order.promisedDate,
  },
};
