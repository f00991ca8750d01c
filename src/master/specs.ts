import type { PgTable } from 'drizzle-orm/pg-core';
import type { FieldSpec } from './fields';
import { customers, items, suppliers, warehouses } from './tables';

export type MasterEntity = 'customer' | 'supplier' | 'item' | 'warehouse';

/** What the generic golden-record store needs to know about one entity. */
export interface EntitySpec {
  entity: MasterEntity;
  /** Plural, for messages and event names. */
  label: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entity's table has its own column set; the store uses the shared golden columns.
  table: PgTable & Record<string, any>;
  /** Default coding rule; MDHUB_CODE_RULES overrides it per entity. */
  defaultRule: { prefix: string; width: number };
  fields: readonly FieldSpec[];
  /** Whether the entity has a country column (for filters). */
  hasCountry: boolean;
}

export const STATUS_VALUES = ['active', 'blocked', 'archived'] as const;
export const ITEM_TYPES = ['purchased', 'manufactured', 'subcontracted', 'phantom'] as const;

const addressFields: FieldSpec[] = [
  { kind: 'text', path: 'address.street', column: 'street', maxLength: 300 },
  { kind: 'text', path: 'address.postalCode', column: 'postalCode', maxLength: 20 },
  { kind: 'text', path: 'address.city', column: 'city', maxLength: 200 },
  { kind: 'text', path: 'address.region', column: 'region', maxLength: 200 },
  { kind: 'country', path: 'address.country', column: 'country' },
];

const statusField: FieldSpec = {
  kind: 'enum',
  path: 'status',
  column: 'status',
  values: STATUS_VALUES,
  default: 'active',
  required: false,
};

const partyFields: FieldSpec[] = [
  { kind: 'name', path: 'name', column: 'name', required: true, maxLength: 300 },
  { kind: 'text', path: 'legalName', column: 'legalName', maxLength: 300 },
  { kind: 'email', path: 'email', column: 'email' },
  { kind: 'phone', path: 'phone', column: 'phone' },
  { kind: 'url', path: 'website', column: 'website' },
  { kind: 'taxId', path: 'taxId', column: 'taxId' },
  ...addressFields,
  { kind: 'currency', path: 'currency', column: 'currency' },
  { kind: 'text', path: 'paymentTerms', column: 'paymentTerms', maxLength: 200 },
  statusField,
];

export const customerSpec: EntitySpec = {
  entity: 'customer',
  label: 'customers',
  table: customers,
  defaultRule: { prefix: 'CUST-', width: 6 },
  hasCountry: true,
  fields: [
    ...partyFields,
    {
      kind: 'money',
      path: 'creditLimit',
      amountColumn: 'creditLimit',
      currencyColumn: 'creditCurrency',
      rule: { sign: 'nonNegative', maxScale: 4, maxIntegerDigits: 14 },
    },
  ],
};

export const supplierSpec: EntitySpec = {
  entity: 'supplier',
  label: 'suppliers',
  table: suppliers,
  defaultRule: { prefix: 'SUPP-', width: 6 },
  hasCountry: true,
  fields: partyFields,
};

const quantity = { maxScale: 6, maxIntegerDigits: 12 } as const;

export const itemSpec: EntitySpec = {
  entity: 'item',
  label: 'items',
  table: items,
  defaultRule: { prefix: 'ITEM-', width: 6 },
  hasCountry: false,
  fields: [
    { kind: 'name', path: 'name', column: 'name', required: true, maxLength: 300 },
    { kind: 'text', path: 'description', column: 'description', maxLength: 4000 },
    { kind: 'enum', path: 'type', column: 'type', required: true, values: ITEM_TYPES },
    { kind: 'unit', path: 'baseUnit', column: 'baseUnit', required: true },
    { kind: 'gtin', path: 'gtin', column: 'gtin' },
    { kind: 'int', path: 'leadTimeDays', column: 'leadTimeDays', min: 0, max: 3650, default: 0 },
    {
      kind: 'decimal',
      path: 'safetyStock',
      column: 'safetyStock',
      rule: { ...quantity, sign: 'nonNegative' },
      default: '0',
    },
    { kind: 'decimal', path: 'minOrderQuantity', column: 'minOrderQty', rule: { ...quantity, sign: 'positive' } },
    { kind: 'decimal', path: 'orderMultiple', column: 'orderMultiple', rule: { ...quantity, sign: 'positive' } },
    {
      kind: 'money',
      path: 'standardCost',
      amountColumn: 'standardCost',
      currencyColumn: 'costCurrency',
      rule: { sign: 'nonNegative', maxScale: 6, maxIntegerDigits: 12 },
    },
    statusField,
  ],
};

export const warehouseSpec: EntitySpec = {
  entity: 'warehouse',
  label: 'warehouses',
  table: warehouses,
  defaultRule: { prefix: 'WH-', width: 3 },
  hasCountry: true,
  fields: [
    { kind: 'name', path: 'name', column: 'name', required: true, maxLength: 300 },
    ...addressFields,
    statusField,
  ],
};

export const SPECS: Record<MasterEntity, EntitySpec> = {
  customer: customerSpec,
  supplier: supplierSpec,
  item: itemSpec,
  warehouse: warehouseSpec,
};
