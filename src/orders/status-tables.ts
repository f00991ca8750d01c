/**
 * Derived order-to-cash status, kept as a cache beside the documents: status.ts recomputes the rows of every sales
 * order and invoice a write touches, in the write's transaction, so a list of late orders is an index scan instead
 * of an aggregation over every shipment and invoice. Nothing here is typed in; the documents and their links are the
 * truth, and a row can always be recomputed from them.
 */
import { sql } from 'drizzle-orm';
import { boolean, char, date, index, numeric, pgEnum, pgTable, uuid } from 'drizzle-orm/pg-core';
import { ts } from '../db/columns';
import { documents } from './tables';

/** A sales order's status, in the order it is decided (see status.ts). */
export const salesOrderStatusCode = pgEnum('sales_order_status_code', [
  'to_deliver_and_bill',
  'to_bill',
  'to_deliver',
  'completed',
  'closed',
  'on_hold',
  'cancelled',
]);

/** What is stored of an invoice's payment; `overdue` depends on today and is worked out when read. */
export const invoiceStatusCode = pgEnum('invoice_status_code', ['unpaid', 'partly_paid', 'paid']);

export const orderStatus = pgTable(
  'order_status',
  {
    salesOrderId: uuid('sales_order_id')
      .primaryKey()
      .references(() => documents.id, { onDelete: 'cascade' }),
    customerId: uuid('customer_id'),
    currency: char('currency', { length: 3 }),
    documentDate: date('document_date', { mode: 'string' }).notNull(),
    promisedDate: date('promised_date', { mode: 'string' }),
    /** Σ of the lines' ordered quantities, each in its line's unit. */
    ordered: numeric('ordered', { precision: 18, scale: 6 }).notNull(),
    /** Σ min(shipped, ordered) ÷ Σ ordered, rounded half up to 4 places (0 to 1). */
    deliveredPct: numeric('delivered_pct', { precision: 5, scale: 4 }).notNull(),
    billedPct: numeric('billed_pct', { precision: 5, scale: 4 }).notNull(),
    /** Exactly every line shipped (billed) in full: the status and the late flag go by these, never by a rounded %. */
    delivered: boolean('delivered').notNull(),
    billed: boolean('billed').notNull(),
    /** The order's share of its invoices, credit notes negative. */
    invoicedAmount: numeric('invoiced_amount', { precision: 18, scale: 4 }).notNull(),
    /** The order's share of the payments allocated to those invoices. */
    paidAmount: numeric('paid_amount', { precision: 18, scale: 4 }).notNull(),
    outstanding: numeric('outstanding', { precision: 18, scale: 4 }).notNull(),
    status: salesOrderStatusCode('status').notNull(),
    /** A serving production or purchase order, not done, is promised after the order's promised date. */
    atRisk: boolean('at_risk').notNull(),
    /** When a figure last changed (a recompute that changes nothing keeps it). */
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('order_status_date_idx').on(t.documentDate.desc(), t.salesOrderId.desc()),
    index('order_status_customer_idx').on(t.customerId, t.documentDate.desc(), t.salesOrderId.desc()),
    index('order_status_status_idx').on(t.status, t.documentDate.desc(), t.salesOrderId.desc()),
    // Late is `promised_date < current_date` over these rows: a range scan of this index, most overdue first.
    index('order_status_late_idx')
      .on(t.promisedDate, t.salesOrderId)
      .where(sql`NOT ${t.delivered} AND ${t.status} NOT IN ('cancelled', 'closed')`),
  ],
);

export const invoiceStatus = pgTable(
  'invoice_status',
  {
    invoiceId: uuid('invoice_id')
      .primaryKey()
      .references(() => documents.id, { onDelete: 'cascade' }),
    customerId: uuid('customer_id'),
    currency: char('currency', { length: 3 }),
    documentDate: date('document_date', { mode: 'string' }).notNull(),
    dueDate: date('due_date', { mode: 'string' }),
    creditNote: boolean('credit_note').notNull(),
    /** The invoice's total, negative for a credit note. */
    amount: numeric('amount', { precision: 18, scale: 4 }).notNull(),
    /** Payments allocated to it (in its currency), negative for a credit note (refunds). */
    paidAmount: numeric('paid_amount', { precision: 18, scale: 4 }).notNull(),
    outstanding: numeric('outstanding', { precision: 18, scale: 4 }).notNull(),
    status: invoiceStatusCode('status').notNull(),
    /** Counts toward revenue and outstanding: not a draft, not cancelled. */
    counts: boolean('counts').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('invoice_status_customer_idx').on(t.customerId, t.dueDate)],
);
