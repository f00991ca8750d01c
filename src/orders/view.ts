/**
 * The order-to-cash view of sales orders: the documents linked to each order, read for a whole page of orders at
 * once (links, then the documents, their lines, their history: four statements however many orders, lines and
 * documents), and resolved from that.
 */
import { money } from '../graphql/money';
import DataLoader from 'dataloader';
import { sql } from 'drizzle-orm';
import { queryRaw } from '../db/pool';
import { canonicalDecimal, Dec } from '../decimal';
import type { GraphContext } from '../graphql/context';
import type { Resolvers } from '../graphql/generated/types';
import type { GoldenRow } from '../master/store';
import type { StoredLink } from './links';
import { DOC_COLUMNS, type DocumentLineRow, type DocumentRow, ENTITY_OF, reviveDocument } from './store';

/** Everything linked to one sales order, as read for its page. */
export interface OrderChain {
  order: DocumentRow;
  links: StoredLink[];
  /** Linked documents by `kind|number` (those that have arrived). */
  documents: Map<string, DocumentRow>;
  lines: Map<string, DocumentLineRow[]>;
  /** History rows of the order and its linked documents, oldest first. */
  history: HistoryRow[];
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

/** A history row of a chain document, as much as the timeline shows. */
interface HistoryRow {
  entityId: string;
  operation: string;
  at: string;
  actorKind: string;
  actorId: string;
  total: string | null;
  currency: string | null;
}

const LINK_JSON = sql.raw(`json_build_object('id', l.id, 'kind', l.kind, 'fromKind', l.from_kind,
  'fromNumber', l.from_number, 'fromLineNo', l.from_line_no, 'toKind', l.to_kind, 'toNumber', l.to_number,
  'toLineNo', l.to_line_no, 'quantity', l.quantity::text, 'amount', l.amount::text,
  'statedByDocument', l.stated_by_document, 'createdAt', l.created_at, 'createdBy', l.created_by)`);

const LINE_JSON = sql.raw(`json_build_object('id', l.id, 'documentId', l.document_id, 'lineNo', l.line_no,
  'itemId', l.item_id, 'description', l.description, 'quantity', l.quantity::text, 'unit', l.unit,
  'unitPrice', l.unit_price::text, 'amount', l.amount::text, 'receivedQuantity', l.received_quantity::text,
  'promisedDate', l.promised_date, 'currency', d.currency)`);

/**
 * Reads the chains of a page of sales orders in ONE prepared statement: the links to and from the orders, the
 * payments of the invoices among them, every linked document, the lines of the orders and of the serving orders,
 * and the history rows of all of them (only what the timeline shows). Each part comes back as a JSON array.
 */
async function loadChains(ctx: GraphContext, orders: readonly DocumentRow[]): Promise<OrderChain[]> {
  const ids = orders.map((o) => o.id);
  const [row] = await queryRaw(
    ctx.services.orders.db,
    sql`WITH so AS (SELECT id, kind, number FROM documents WHERE id = ANY(string_to_array(${ids.join(',')}, ',')::uuid[])),
    direct AS (
      SELECT l.* FROM so JOIN document_links l ON l.to_kind = so.kind AND l.to_number = so.number
      UNION
      SELECT l.* FROM so JOIN document_links l ON l.from_kind = so.kind AND l.from_number = so.number
    ),
    paying AS (
      SELECT l.* FROM (SELECT DISTINCT from_number FROM direct WHERE kind = 'bills') i
      JOIN document_links l ON l.to_kind = 'invoice' AND l.to_number = i.from_number AND l.kind = 'pays'
    ),
    links AS (SELECT * FROM direct UNION SELECT * FROM paying),
    ends AS (SELECT from_kind AS kind, from_number AS number FROM links UNION SELECT to_kind, to_number FROM links),
    docs AS MATERIALIZED (SELECT d.* FROM ends e JOIN documents d ON d.kind = e.kind AND d.number = e.number),
    everyone AS (SELECT id, kind FROM docs UNION SELECT id, kind FROM so)
    SELECT
      (SELECT coalesce(json_agg(${LINK_JSON} ORDER BY l.id), '[]') FROM links l),
      (SELECT coalesce(json_agg(x), '[]') FROM (SELECT ${DOC_COLUMNS} FROM docs) x),
      (SELECT coalesce(json_agg(${LINE_JSON} ORDER BY l.document_id, l.line_no), '[]')
         FROM (SELECT id, currency FROM docs WHERE kind IN ('production_order', 'purchase_order')
               UNION ALL SELECT d.id, d.currency FROM so JOIN documents d ON d.id = so.id) d
         JOIN document_lines l ON l.document_id = d.id),
      (SELECT coalesce(json_agg(json_build_object('entityId', h.entity_id, 'operation', h.operation,
          'at', h.changed_at, 'actorKind', h.actor_kind, 'actorId', h.actor_id,
          'total', h.data ->> 'totalAmount', 'currency', h.data ->> 'currency') ORDER BY h.changed_at, h.id), '[]')
         FROM everyone e JOIN record_history h ON h.entity = ${ENTITY_CASE} AND h.entity_id = e.id)`,
    { prepared: true },
  );
  const links = (JSON.parse(row![0]!) as StoredLink[]).map((l) => ({
    ...l,
    quantity: canonicalDecimal(l.quantity),
    amount: canonicalDecimal(l.amount),
  }));
  const docs = (JSON.parse(row![1]!) as Record<string, unknown>[]).map(reviveDocument);
  const byKey = new Map(docs.map((d) => [key(d.kind, d.number), d]));
  const lines = new Map<string, DocumentLineRow[]>();
  for (const l of JSON.parse(row![2]!) as DocumentLineRow[]) {
    l.quantity = canonicalDecimal(l.quantity)!;
    l.unitPrice = canonicalDecimal(l.unitPrice);
    l.amount = canonicalDecimal(l.amount);
    l.receivedQuantity = canonicalDecimal(l.receivedQuantity);
    const list = lines.get(l.documentId) ?? [];
    list.push(l);
    lines.set(l.documentId, list);
  }
  const history = JSON.parse(row![3]!) as HistoryRow[];
  return orders.map((order) => {
    const mine = links.filter(
      (l) =>
        (l.toKind === 'sales_order' && l.toNumber === order.number) ||
        (l.fromKind === 'sales_order' && l.fromNumber === order.number),
    );
    const myInvoices = new Set(mine.filter((l) => l.kind === 'bills').map((l) => l.fromNumber));
    const myLinks = [...mine, ...links.filter((l) => l.kind === 'pays' && myInvoices.has(l.toNumber))];
    const myDocs = new Set([order.id]);
    for (const l of myLinks) {
      for (const k of [key(l.fromKind, l.fromNumber), key(l.toKind, l.toNumber)]) {
        const d = byKey.get(k);
        if (d) myDocs.add(d.id);
      }
    }
    return {
      order,
      links: myLinks,
      documents: byKey,
      lines,
      history: history.filter((h) => myDocs.has(h.entityId)),
    };
  });
}

/** The history entity of each document kind, in SQL (the names of ENTITY_OF). */
const ENTITY_CASE = sql.raw(
  `CASE e.kind ${Object.entries(ENTITY_OF)
    .map(([k, v]) => `WHEN '${k}' THEN '${v}'`)
    .join(' ')} END`,
);

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

function timeline(chain: OrderChain): TimelineEntry[] {
  const byId = new Map([...chain.documents.values(), chain.order].map((d) => [d.id, d]));
  return chain.history.map((h) => {
    const d = byId.get(h.entityId)!;
    return {
      at: new Date(h.at),
      system: h.actorKind === 'connection' ? h.actorId : 'mdhub',
      actor: `${h.actorKind}:${h.actorId}`,
      documentKind: d.kind,
      documentNumber: d.number,
      operation: h.operation,
      summary: summarise(
        d,
        h.operation,
        { totalAmount: h.total ?? undefined, currency: h.currency ?? undefined },
        chain,
      ),
    };
  });
}

function summarise(
  d: DocumentRow,
  operation: string,
  data: { totalAmount?: string; currency?: string },
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

export const viewResolvers: Resolvers = {
  Query: {
    salesOrder: (_, args, ctx) => ctx.services.orders.require('sales_order', args),
  },
  SalesOrder: {
    customer: (o, _, ctx) => (o.customerId ? ctx.loaders.record('customer').load(o.customerId) : null),
    total: (o) => money(o.totalAmount, o.currency),
    lines: async (o, _, ctx) => {
      const chain = await chains(ctx).load(o);
      const totals = lineTotals(chain);
      return (chain.lines.get(o.id) ?? []).map((l) => ({
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
    timeline: async (o, _, ctx) => timeline(await chains(ctx).load(o)),
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
