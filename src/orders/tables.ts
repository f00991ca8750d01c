import {
  bigserial,
  boolean,
  char,
  date,
  index,
  integer,
  numeric,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { ts } from '../db/columns';
import { customers, items, suppliers, units, warehouses } from '../master/tables';

/** The documents of the order-to-cash chain, from a quotation to the payment of its invoice. */
export const documentKind = pgEnum('document_kind', [
  'quotation',
  'sales_order',
  'production_order',
  'purchase_order',
  'shipment',
  'invoice',
  'payment',
]);

/**
 * A document's own state as its system reports it (or as recorded): a draft, open (confirmed, in progress), on
 * hold, done (closed, shipped, posted, received) or cancelled. The order-to-cash status of a sales order is derived
 * from the documents linked to it, never stored.
 */
export const documentState = pgEnum('document_state', ['draft', 'open', 'on_hold', 'done', 'cancelled']);

/**
 * One document of any kind: the columns a kind does not use stay null (a production order has an item and
 * quantities, a shipment a carrier, an invoice a due date). Amounts are exact and carry the document's currency.
 */
export const documents = pgTable(
  'documents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: documentKind('kind').notNull(),
    /** The document's number, unique per kind: the source system's own, or the caller's. */
    number: text('number').notNull(),
    state: documentState('state').notNull().default('open'),
    customerId: uuid('customer_id').references(() => customers.id),
    supplierId: uuid('supplier_id').references(() => suppliers.id),
    /** What a production order makes. */
    itemId: uuid('item_id').references(() => items.id),
    warehouseId: uuid('warehouse_id').references(() => warehouses.id),
    /** A production order's planned and produced quantities, in its item's base unit. */
    quantity: numeric('quantity', { precision: 18, scale: 6 }),
    producedQuantity: numeric('produced_quantity', { precision: 18, scale: 6 }),
    currency: char('currency', { length: 3 }),
    /** The document's total as its system states it; checked against the lines when both are given. */
    totalAmount: numeric('total_amount', { precision: 18, scale: 4 }),
    /** Order, shipment, invoice or payment date. */
    documentDate: date('document_date', { mode: 'string' }).notNull(),
    /** Promised delivery (sales order), expected receipt (purchase order) or due date (production order). */
    promisedDate: date('promised_date', { mode: 'string' }),
    /** When an invoice is due for payment. */
    dueDate: date('due_date', { mode: 'string' }),
    creditNote: boolean('credit_note').notNull().default(false),
    subcontract: boolean('subcontract').notNull().default(false),
    carrier: text('carrier'),
    trackingNumber: text('tracking_number'),
    /** The system the document came from, when it came from one (its id there is in the crosswalk). */
    sourceSystem: text('source_system'),
    version: integer('version').notNull().default(1),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [
    uniqueIndex('documents_kind_number_uq').on(t.kind, t.number),
    index('documents_customer_idx').on(t.customerId, t.kind, t.documentDate),
    index('documents_supplier_idx').on(t.supplierId, t.kind, t.documentDate),
    index('documents_kind_date_idx').on(t.kind, t.documentDate, t.id),
  ],
);

/** A document's lines; the quantity is what the document says of it: ordered, shipped, invoiced, received. */
export const documentLines = pgTable(
  'document_lines',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    lineNo: integer('line_no').notNull(),
    itemId: uuid('item_id')
      .notNull()
      .references(() => items.id),
    description: text('description'),
    quantity: numeric('quantity', { precision: 18, scale: 6 }).notNull(),
    unit: text('unit')
      .notNull()
      .references(() => units.code),
    unitPrice: numeric('unit_price', { precision: 18, scale: 6 }),
    amount: numeric('amount', { precision: 18, scale: 4 }),
    /** A purchase order line's received quantity. */
    receivedQuantity: numeric('received_quantity', { precision: 18, scale: 6 }),
    promisedDate: date('promised_date', { mode: 'string' }),
  },
  (t) => [
    uniqueIndex('document_lines_no_uq').on(t.documentId, t.lineNo),
    // Last purchase price and stock questions go by item.
    index('document_lines_item_idx').on(t.itemId),
  ],
);

/**
 * How one document relates to another: a shipment line delivers (part of) a sales order line, an invoice line
 * bills one, a production order or purchase order line serves one (pegging), a payment pays an invoice, a sales
 * order comes from a quotation.
 */
export const linkKind = pgEnum('link_kind', ['delivers', 'bills', 'serves', 'pays', 'quotes']);

/**
 * Links name both ends by kind, number and line number (0: the document as a whole), not by id, so a link may
 * arrive from one system before the documents it joins arrive from others: it takes effect when both exist, by
 * the same joins every read does.
 */
export const documentLinks = pgTable(
  'document_links',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: linkKind('kind').notNull(),
    fromKind: documentKind('from_kind').notNull(),
    fromNumber: text('from_number').notNull(),
    fromLineNo: integer('from_line_no').notNull().default(0),
    toKind: documentKind('to_kind').notNull(),
    toNumber: text('to_number').notNull(),
    toLineNo: integer('to_line_no').notNull().default(0),
    /** Delivered, billed or pegged quantity, in the sales order line's unit. */
    quantity: numeric('quantity', { precision: 18, scale: 6 }),
    /** A payment's amount allocated to the invoice, in the payment's currency. */
    amount: numeric('amount', { precision: 18, scale: 4 }),
    /**
     * Stated by the `from` document when it was recorded (its lines' sales order references, a payment's
     * allocations): replaced when it is recorded again. Links recorded on their own stay until removed.
     */
    statedByDocument: boolean('stated_by_document').notNull().default(false),
    createdAt: ts('created_at').notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [
    uniqueIndex('document_links_uq').on(
      t.kind,
      t.fromKind,
      t.fromNumber,
      t.fromLineNo,
      t.toKind,
      t.toNumber,
      t.toLineNo,
    ),
    index('document_links_to_idx').on(t.toKind, t.toNumber),
    index('document_links_from_idx').on(t.fromKind, t.fromNumber),
  ],
);

/** Stock of an item in a warehouse, in the item's base unit, as the stock-keeping system reports it. */
export const stockLevels = pgTable(
  'stock_levels',
  {
    itemId: uuid('item_id')
      .notNull()
      .references(() => items.id),
    warehouseId: uuid('warehouse_id')
      .notNull()
      .references(() => warehouses.id),
    onHand: numeric('on_hand', { precision: 18, scale: 6 }).notNull().default('0'),
    reserved: numeric('reserved', { precision: 18, scale: 6 }).notNull().default('0'),
    inTransit: numeric('in_transit', { precision: 18, scale: 6 }).notNull().default('0'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.itemId, t.warehouseId] })],
);
