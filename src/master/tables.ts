import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  char,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { ts } from '../db/columns';

export const recordStatus = pgEnum('record_status', ['active', 'blocked', 'archived']);
export const itemType = pgEnum('item_type', ['purchased', 'manufactured', 'subcontracted', 'phantom']);

/** Columns every golden record carries: identity, human code, lifecycle and optimistic-concurrency version. */
const goldenColumns = () => ({
  id: uuid('id').primaryKey().defaultRandom(),
  code: text('code').notNull(),
  status: recordStatus('status').notNull().default('active'),
  version: integer('version').notNull().default(1),
  /** Lower-cased, NFKC, accent-free name and code, so search matches 'Müller' from 'muller' and full-width input. */
  searchText: text('search_text').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  createdBy: text('created_by').notNull(),
  updatedBy: text('updated_by').notNull(),
});

/** Customers and suppliers are both business partners and share their address and identity fields. */
const partyColumns = () => ({
  ...goldenColumns(),
  name: text('name').notNull(),
  legalName: text('legal_name'),
  email: text('email'),
  phone: text('phone'),
  website: text('website'),
  taxId: text('tax_id'),
  street: text('street'),
  postalCode: text('postal_code'),
  city: text('city'),
  region: text('region'),
  country: char('country', { length: 2 }),
  currency: char('currency', { length: 3 }),
  paymentTerms: text('payment_terms'),
});

const goldenIndexes = (name: string) => (t: Record<'code' | 'searchText' | 'updatedAt' | 'status', AnyPgColumn>) => [
  uniqueIndex(`${name}_code_uq`).on(t.code),
  index(`${name}_search_trgm`).using('gin', sql`${t.searchText} gin_trgm_ops`),
  index(`${name}_updated_idx`).on(t.updatedAt),
  index(`${name}_status_idx`).on(t.status),
];

export const customers = pgTable(
  'customers',
  {
    ...partyColumns(),
    creditLimit: numeric('credit_limit', { precision: 18, scale: 4 }),
    creditCurrency: char('credit_currency', { length: 3 }),
  },
  (t) => [
    ...goldenIndexes('customers')(t),
    index('customers_country_idx').on(t.country, t.code),
    index('customers_tax_idx').on(t.taxId),
    // Blocking for matching: candidates share a postal code (in one country), a phone or an e-mail address.
    index('customers_postal_idx').on(t.country, t.postalCode),
    index('customers_phone_idx').on(t.phone),
    index('customers_email_idx').on(t.email),
  ],
);

export const suppliers = pgTable('suppliers', partyColumns(), (t) => [
  ...goldenIndexes('suppliers')(t),
  index('suppliers_country_idx').on(t.country, t.code),
  index('suppliers_tax_idx').on(t.taxId),
  index('suppliers_postal_idx').on(t.country, t.postalCode),
  index('suppliers_phone_idx').on(t.phone),
  index('suppliers_email_idx').on(t.email),
]);

export const units = pgTable('units', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  /** Units convert freely within a category (mass, length, count...) through their factor to the category's reference unit. */
  category: text('category').notNull(),
  factor: numeric('factor', { precision: 30, scale: 12 }).notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const items = pgTable(
  'items',
  {
    ...goldenColumns(),
    name: text('name').notNull(),
    description: text('description'),
    type: itemType('type').notNull(),
    baseUnit: text('base_unit')
      .notNull()
      .references(() => units.code),
    gtin: text('gtin'),
    leadTimeDays: integer('lead_time_days').notNull().default(0),
    safetyStock: numeric('safety_stock', { precision: 18, scale: 6 }).notNull().default('0'),
    minOrderQty: numeric('min_order_qty', { precision: 18, scale: 6 }),
    orderMultiple: numeric('order_multiple', { precision: 18, scale: 6 }),
    standardCost: numeric('standard_cost', { precision: 18, scale: 6 }),
    costCurrency: char('cost_currency', { length: 3 }),
  },
  (t) => [...goldenIndexes('items')(t), index('items_type_idx').on(t.type, t.code), index('items_gtin_idx').on(t.gtin)],
);

/** Item-specific conversions (a box of 12, 2.5 kg per metre): 1 `unit` = `factor` of the item's base unit. */
export const itemUnits = pgTable(
  'item_units',
  {
    itemId: uuid('item_id')
      .notNull()
      .references(() => items.id),
    unit: text('unit')
      .notNull()
      .references(() => units.code),
    factor: numeric('factor', { precision: 30, scale: 12 }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.itemId, t.unit] })],
);

export const warehouses = pgTable(
  'warehouses',
  {
    ...goldenColumns(),
    name: text('name').notNull(),
    street: text('street'),
    postalCode: text('postal_code'),
    city: text('city'),
    region: text('region'),
    country: char('country', { length: 2 }),
  },
  (t) => [...goldenIndexes('warehouses')(t)],
);

export const supplierItems = pgTable(
  'supplier_items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    supplierId: uuid('supplier_id')
      .notNull()
      .references(() => suppliers.id),
    itemId: uuid('item_id')
      .notNull()
      .references(() => items.id),
    supplierItemCode: text('supplier_item_code'),
    price: numeric('price', { precision: 18, scale: 6 }),
    currency: char('currency', { length: 3 }),
    /** The unit the price is quoted in; null means the item's base unit. */
    priceUnit: text('price_unit').references(() => units.code),
    leadTimeDays: integer('lead_time_days'),
    minQty: numeric('min_qty', { precision: 18, scale: 6 }),
    preferred: boolean('preferred').notNull().default(false),
    version: integer('version').notNull().default(1),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('supplier_items_pair_uq').on(t.supplierId, t.itemId),
    index('supplier_items_item_idx').on(t.itemId),
  ],
);

/** Per-entity code allocation. A row lock on the rule serialises allocation without a global sequence per entity. */
export const codingRules = pgTable('coding_rules', {
  entity: text('entity').primaryKey(),
  prefix: text('prefix').notNull(),
  width: integer('width').notNull(),
  nextValue: bigint('next_value', { mode: 'number' }).notNull().default(1),
});

/** One row per version of every golden record: the state after the change, who made it and why. */
export const recordHistory = pgTable(
  'record_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    entity: text('entity').notNull(),
    entityId: uuid('entity_id').notNull(),
    version: integer('version').notNull(),
    operation: text('operation').notNull(),
    data: jsonb('data').notNull(),
    changedAt: ts('changed_at').notNull().defaultNow(),
    actorKind: text('actor_kind').notNull(),
    actorId: text('actor_id').notNull(),
    reason: text('reason'),
  },
  (t) => [uniqueIndex('record_history_entity_version_uq').on(t.entity, t.entityId, t.version)],
);

/** (source system, entity, external id) -> golden id: the spine of every sync. */
export const crosswalk = pgTable(
  'crosswalk',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    system: text('system').notNull(),
    entity: text('entity').notNull(),
    externalId: text('external_id').notNull(),
    goldenId: uuid('golden_id').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('crosswalk_ref_uq').on(t.system, t.entity, t.externalId),
    index('crosswalk_golden_idx').on(t.entity, t.goldenId),
  ],
);

/** Every change writes an event here in its own transaction; delivery reads from it (at least once). */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventType: text('event_type').notNull(),
    entity: text('entity').notNull(),
    entityId: uuid('entity_id').notNull(),
    payload: jsonb('payload').notNull(),
    actorKind: text('actor_kind').notNull(),
    actorId: text('actor_id').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('outbox_created_idx').on(t.createdAt)],
);
