import type { Resolvers } from '../graphql/generated/types';
import { money } from '../graphql/money';
import type { GraphContext } from '../graphql/context';
import type { GoldenRow } from '../master/store';
import { loadHistory } from '../master/history';
import { loadSourceRefs } from '../master/crosswalk';
import DataLoader from 'dataloader';
import {
  type DocumentInput,
  type DocumentKind,
  type DocumentRow,
  DocumentStore,
  ENTITY_OF,
  type RecordOutcome,
} from './store';
import { linksOf, type StoredLink } from './links';
import type { DocumentLineRow } from './store';

/** A page of documents. */
export interface DocumentPage {
  rows: DocumentRow[];
  hasNextPage: boolean;
}

/** One end of a link, as GraphQL shows it. */
export interface DocumentEndView {
  kind: DocumentKind;
  number: string;
  lineNo: number;
}

export interface RecordResult {
  outcome: RecordOutcome;
  document: DocumentRow;
}

function lineLoader(ctx: GraphContext): DataLoader<string, DocumentLineRow[]> {
  return ctx.loaders.memo('orders.lines', () => {
    return new DataLoader<string, DocumentLineRow[]>(async (ids) => {
      const m = await ctx.services.orders.linesOf(ids);
      return ids.map((id) => m.get(id) ?? []);
    });
  });
}

/** Documents by kind and number, batched: link ends name documents that way. */
function byNumber(ctx: GraphContext): DataLoader<string, DocumentRow | null> {
  return ctx.loaders.memo('orders.byNumber', () => {
    return new DataLoader<string, DocumentRow | null>(async (keys) => {
      const wanted = keys.map((k) => {
        const bar = k.indexOf('|');
        return { kind: k.slice(0, bar) as DocumentKind, number: k.slice(bar + 1) };
      });
      const m = new Map((await ctx.services.orders.byNumbers(wanted)).map((d) => [`${d.kind}|${d.number}`, d]));
      return keys.map((k) => m.get(k) ?? null);
    });
  });
}

function linkLoader(ctx: GraphContext): DataLoader<string, StoredLink[]> {
  return ctx.loaders.memo('orders.links', () => {
    return new DataLoader<string, StoredLink[]>(async (keys) => {
      const docs = keys.map((k) => {
        const bar = k.indexOf('|');
        return { kind: k.slice(0, bar) as DocumentKind, number: k.slice(bar + 1) };
      });
      const links = await linksOf(ctx.services.orders.db, docs);
      return keys.map((k) =>
        links.filter((l) => `${l.fromKind}|${l.fromNumber}` === k || `${l.toKind}|${l.toNumber}` === k),
      );
    });
  });
}

const ref = (id: string | null | undefined, code: string | null | undefined) =>
  id == null && code == null ? null : { id: id ?? null, code: code ?? null };

export const ordersResolvers: Resolvers = {
  Query: {
    document: (_, args, ctx) => ctx.services.orders.require(args.kind, args),
    documents: (_, args, ctx) => ctx.services.orders.list(args),
  },
  Mutation: {
    recordDocument: (_, { input, reason }, ctx) => {
      const doc: DocumentInput = {
        ...input,
        customer: ref(input.customerId, input.customerCode),
        supplier: ref(input.supplierId, input.supplierCode),
        item: ref(input.itemId, input.itemCode),
        warehouse: ref(null, input.warehouseCode),
        lines: input.lines?.map((l) => ({ ...l, item: ref(l.itemId, l.itemCode) ?? {} })) ?? null,
      };
      return ctx.services.orders.record(doc, ctx.actor, reason);
    },
    linkDocuments: (_, { links }, ctx) => ctx.services.orders.link(links, ctx.actor),
    unlinkDocuments: (_, { links }, ctx) => ctx.services.orders.unlink(links),
  },
  Document: {
    customer: (d, _, ctx) => (d.customerId ? ctx.loaders.record('customer').load(d.customerId) : null),
    supplier: (d, _, ctx) => (d.supplierId ? ctx.loaders.record('supplier').load(d.supplierId) : null),
    item: (d, _, ctx) => (d.itemId ? ctx.loaders.record('item').load(d.itemId) : null),
    warehouse: (d, _, ctx) => (d.warehouseId ? ctx.loaders.record('warehouse').load(d.warehouseId) : null),
    total: (d) => money(d.totalAmount, d.currency),
    sourceRefs: async (d, _, ctx) =>
      (await loadSourceRefs(ctx.services.orders.db, ENTITY_OF[d.kind], [d.id])).get(d.id) ?? [],
    lines: (d, _, ctx) => lineLoader(ctx).load(d.id),
    links: (d, _, ctx) => linkLoader(ctx).load(`${d.kind}|${d.number}`),
    history: async (d, args, ctx) => {
      const limit = Math.min(Math.max(args.first ?? 20, 1), 200);
      const versions = (await loadHistory(ctx.services.orders.db, ENTITY_OF[d.kind], [d.id], limit)).get(d.id) ?? [];
      return versions.slice(0, limit).map((v, i) => ({ ...v, previous: versions[i + 1] ?? null }));
    },
  },
  DocumentLine: {
    item: (l, _, ctx) => ctx.loaders.record('item').load(l.itemId) as Promise<GoldenRow>,
    unitPrice: (l) => money(l.unitPrice, l.currency ?? null),
    amount: (l) => money(l.amount, l.currency ?? null),
  },
  DocumentLink: {
    from: (l) => ({ kind: l.fromKind, number: l.fromNumber, lineNo: l.fromLineNo }),
    to: (l) => ({ kind: l.toKind, number: l.toNumber, lineNo: l.toLineNo }),
    createdAt: (l) => l.createdAt,
  },
  DocumentEnd: {
    document: (e, _, ctx) => byNumber(ctx).load(`${e.kind}|${e.number}`),
  },
  DocumentConnection: {
    edges: (p) => p.rows.map((node) => ({ node, cursor: DocumentStore.cursorOf(node) })),
    nodes: (p) => p.rows,
    pageInfo: (p) => ({
      hasNextPage: p.hasNextPage,
      hasPreviousPage: false,
      startCursor: p.rows[0] ? DocumentStore.cursorOf(p.rows[0]) : null,
      endCursor: p.rows.at(-1) ? DocumentStore.cursorOf(p.rows.at(-1)!) : null,
    }),
  },
};
