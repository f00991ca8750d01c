import { readerOf } from '../db/pool';
import type { GraphContext } from '../graphql/context';
import type { Selection } from '../graphql/selection';
import { type MasterEntity, SPECS } from './specs';
import type { GoldenRow } from './store';
import type { SupplierItemRow } from './supplier-items';
import { supplierItems } from './tables';

/**
 * Reads planned from a query's whole selection, for lookups and list pages: the columns the selected fields need,
 * and the offers (with their suppliers or items) of all the records at once, before GraphQL walks the records. The
 * walk then answers from memory, without a promise per record, in a fixed number of statements (the records; their
 * offers with the other side joined; and so on down the selection).
 *
 * Rows read with only some columns, and the offers read for them, belong to the query branch they were planned
 * for: they are kept on that branch's own row objects (below), never put into the per-request loaders, where
 * another branch selecting other fields could find them. Whatever is not planned here, resolvers load as usual.
 */

type PlannedType = 'Customer' | 'Supplier' | 'Item' | 'Warehouse' | 'SupplierItem';

const TYPE_OF = { customer: 'Customer', supplier: 'Supplier', item: 'Item', warehouse: 'Warehouse' } as const;
const TABLE_OF = {
  Customer: SPECS.customer.table,
  Supplier: SPECS.supplier.table,
  Item: SPECS.item.table,
  Warehouse: SPECS.warehouse.table,
  SupplierItem: supplierItems,
};

const ADDRESS = ['street', 'postalCode', 'city', 'region', 'country'];
/**
 * Fields every golden record has: relations, history and merges are loaded by the record's id, which every planned
 * read includes anyway; only a merged (archived) record looks up what it was merged into (mdm/resolvers.ts).
 */
const BY_ID = { sourceRefs: [], history: [], mergedIds: [], overrides: [], mergedInto: ['status'] };

/**
 * The columns a field's resolver (in master/resolvers.ts, or another module's for the same type) reads, for the
 * fields not answered from the column of their own name. A selected field that is neither here nor a column makes the whole row read.
 * test/master/read-plan.test.ts runs every resolver of these types against this table.
 */
export const FIELD_COLUMNS: Record<PlannedType, Record<string, readonly string[]>> = {
  Customer: { ...BY_ID, address: ADDRESS, creditLimit: ['creditLimit', 'creditCurrency'] },
  Supplier: { ...BY_ID, address: ADDRESS, items: [] },
  Item: {
    ...BY_ID,
    units: [],
    suppliers: [],
    minOrderQuantity: ['minOrderQty'],
    standardCost: ['standardCost', 'costCurrency'],
    // The BOM module's fields (src/bom/resolvers.ts) need only the id.
    boms: [],
    bom: [],
    stock: [],
  },
  Warehouse: { ...BY_ID, address: ADDRESS },
  SupplierItem: {
    supplier: ['supplierId'],
    item: ['itemId'],
    price: ['price', 'currency'],
    minQuantity: ['minQty'],
  },
};

/**
 * The columns (as row properties) a selection of a record of `type` needs besides the id, or null for the whole
 * row. No selection needs none.
 */
export function columnsFor(type: PlannedType, selection: Selection | null): string[] | null {
  if (!selection) return [];
  const reader = readerOf(TABLE_OF[type]);
  const own = FIELD_COLUMNS[type];
  const props: string[] = [];
  for (const field of selection.fieldNames()) {
    if (field === '__typename') continue;
    const listed = own[field];
    if (listed) props.push(...listed);
    else if (reader.has(field)) props.push(field);
    else return null;
  }
  return props;
}

/** The columns a selection of a record of an entity needs besides the id, or null for the whole row. */
export const recordColumns = (entity: MasterEntity, selection: Selection | null) =>
  columnsFor(TYPE_OF[entity], selection);

// What `prefetch` read for a row is kept on the row itself, under a key of this module's own: the rows are the
// branch's own objects, and a property costs nothing to find or to collect (a WeakMap beside them cost more of
// both than the reads saved).
const OFFERS = Symbol('offers');
const RECORD = Symbol('record');
type WithOffers = GoldenRow & { [OFFERS]?: SupplierItemRow[] };
type WithRecord = SupplierItemRow & { [RECORD]?: GoldenRow };

/** The offers read for a record by `prefetch` (an item's or a supplier's), if they were. */
export const prefetchedOffers = (row: GoldenRow) => (row as WithOffers)[OFFERS];

/** The other side of an offer (its supplier, or its item) read with it by `prefetch`, if it was. */
export const prefetchedRecord = (offer: SupplierItemRow) => (offer as WithRecord)[RECORD];

/** Offers are the relation between items and suppliers: which field leads to them and what is on their far side. */
const RELATIONS: Partial<Record<MasterEntity, { field: string; by: 'item' | 'supplier'; other: 'supplier' | 'item' }>> =
  {
    item: { field: 'suppliers', by: 'item', other: 'supplier' },
    supplier: { field: 'items', by: 'supplier', other: 'item' },
  };

/**
 * Reads what `selection` asks for below records this branch read itself (a page, or a looked-up record): an item's
 * offers with their suppliers, a supplier's offers with their items, and below those again, in one statement per
 * level for all the records, with only the columns selected. Attaches the results to the rows.
 */
export async function prefetch(
  ctx: GraphContext,
  entity: MasterEntity,
  rows: readonly GoldenRow[],
  selection: Selection | null,
): Promise<void> {
  const relation = RELATIONS[entity];
  const offersSelection = relation && selection?.field(relation.field);
  if (!relation || !offersSelection || rows.length === 0) return;
  const otherSelection = offersSelection.field(relation.other);
  const { offers, others } = await ctx.services.master.supplierItems.offers(
    relation.by,
    rows.map((r) => r.id),
    {
      props: columnsFor('SupplierItem', offersSelection),
      others: otherSelection ? { props: recordColumns(relation.other, otherSelection) } : undefined,
    },
  );
  const key = relation.by === 'item' ? 'itemId' : 'supplierId';
  const byRecord = new Map<string, SupplierItemRow[]>();
  for (const o of offers) {
    const list = byRecord.get(o[key]);
    if (list) list.push(o);
    else byRecord.set(o[key], [o]);
  }
  for (const r of rows) (r as WithOffers)[OFFERS] = byRecord.get(r.id) ?? [];
  if (!otherSelection) return;
  offers.forEach((o, i) => ((o as WithRecord)[RECORD] = others[i]!));
  await prefetch(ctx, relation.other, [...new Set(others)], otherSelection);
}
