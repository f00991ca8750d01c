/**
 * GraphQL for the derived order-to-cash status (schema/order-status.graphql): a sales order's and an invoice's
 * status through per-request DataLoaders (one statement for a page), the sales order list and the customer 360.
 */
import { money } from '../graphql/money';
import DataLoader from 'dataloader';
import type { GraphContext } from '../graphql/context';
import type { Resolvers } from '../graphql/generated/types';
import { ValidationError } from '../errors';
import type { GoldenRow } from '../master/store';
import * as c360 from './customer360';
import { listSalesOrders } from './order-lists';
import { invoiceStatusByIds, type InvoiceStatusView, orderStatusByIds, type OrderStatusView } from './status';

export interface Customer360View {
  customerId: string;
}

export interface OrderMarginPageView {
  nodes: c360.OrderMarginView[];
  hasNextPage: boolean;
}

function orderStatusLoader(ctx: GraphContext): DataLoader<string, OrderStatusView> {
  return ctx.loaders.memo('orders.status', () => {
    return new DataLoader<string, OrderStatusView>(async (ids) => {
      const m = await orderStatusByIds(ctx.services.orders.db, ids);
      return ids.map((id) => m.get(id) ?? new Error(`no sales order ${id}`));
    });
  });
}

function invoiceStatusLoader(ctx: GraphContext): DataLoader<string, InvoiceStatusView | null> {
  return ctx.loaders.memo('orders.invoiceStatus', () => {
    return new DataLoader<string, InvoiceStatusView | null>(async (ids) => {
      const m = await invoiceStatusByIds(ctx.services.orders.db, ids);
      return ids.map((id) => m.get(id) ?? null);
    });
  });
}

const pageInfo = (rows: { cursor: string }[], hasNextPage: boolean) => ({
  hasNextPage,
  hasPreviousPage: false,
  startCursor: rows[0]?.cursor ?? null,
  endCursor: rows.at(-1)?.cursor ?? null,
});

export const statusResolvers: Resolvers = {
  Query: {
    salesOrders: async (_, args, ctx) => {
      const page = await listSalesOrders(ctx.services.orders.db, args);
      // The page read every node's status already: the nodes' `status` resolve without another statement.
      const loader = orderStatusLoader(ctx);
      for (const r of page.rows) loader.prime(r.document.id, r.status);
      return page;
    },
    customer360: async (_, { customerId, customerCode }, ctx) => {
      if ((customerId == null) === (customerCode == null))
        throw new ValidationError([{ field: 'customerId', reason: 'give exactly one of customerId or customerCode' }]);
      const customer: GoldenRow | null =
        customerId != null
          ? /^[0-9a-f-]{36}$/i.test(customerId)
            ? await ctx.loaders.record('customer').load(customerId.toLowerCase())
            : null
          : await ctx.loaders.recordByCode('customer').load(customerCode!.trim().toUpperCase());
      return customer ? { customerId: customer.id } : null;
    },
  },
  SalesOrder: {
    status: (so, _, ctx) => orderStatusLoader(ctx).load(so.id),
  },
  SalesOrderStatus: {
    code: (s) => s.status as never,
    deliveredPercent: (s) => s.deliveredPct,
    billedPercent: (s) => s.billedPct,
    invoiced: (s) => money(s.invoicedAmount, s.currency),
    paid: (s) => money(s.paidAmount, s.currency),
    outstanding: (s) => money(s.outstanding, s.currency),
  },
  Document: {
    invoiceStatus: (d, _, ctx) =>
      d.kind !== 'invoice' || d.state === 'draft' || d.state === 'cancelled'
        ? null
        : invoiceStatusLoader(ctx).load(d.id),
  },
  InvoiceStatus: {
    code: (s) => s.status as never,
    paid: (s) => money(s.paidAmount, s.currency),
    outstanding: (s) => money(s.outstanding, s.currency),
  },
  SalesOrderConnection: {
    edges: (p) => p.rows,
    nodes: (p) => p.rows.map((r) => r.document),
    pageInfo: (p) => pageInfo(p.rows, p.hasNextPage),
    totalCount: (p) => p.count(),
  },
  SalesOrderEdge: {
    node: (r) => r.document,
  },
  Customer360: {
    customer: async (c, _, ctx) => (await ctx.loaders.record('customer').load(c.customerId))!,
    openOrders: (c, _, ctx) => c360.openOrders(ctx.services.orders.db, c.customerId),
    revenue: (c, args, ctx) => c360.revenue(ctx.services.orders.db, c.customerId, args),
    outstanding: (c, _, ctx) => c360.outstanding(ctx.services.orders.db, c.customerId, false),
    overdue: (c, _, ctx) => c360.outstanding(ctx.services.orders.db, c.customerId, true),
    averageDaysToPay: (c, _, ctx) => c360.averageDaysToPay(ctx.services.orders.db, c.customerId),
    orderMargins: (c, args, ctx) => c360.orderMargins(ctx.services.orders.db, ctx.services.bom, c.customerId, args),
  },
  OrderMargin: {
    missingCosts: async (m, _, ctx) =>
      (await ctx.loaders.record('item').loadMany(m.missingCosts)).filter(
        (r): r is GoldenRow => r !== null && !(r instanceof Error),
      ),
  },
  OrderMarginPage: {
    pageInfo: (p) => pageInfo(p.nodes, p.hasNextPage),
  },
};
