import type { GraphQLResolveInfo } from 'graphql';
import { money } from '../graphql/money';
import { ValidationError } from '../errors';
import type { GraphContext } from '../graphql/context';
import type { Resolvers } from '../graphql/generated/types';
import { type ConnectionParent, connectionResolvers } from '../graphql/resolvers/connection';
import { Selection } from '../graphql/selection';
import type { HistoryEntry } from './history';
import { prefetch, prefetchedOffers, prefetchedRecord, recordColumns } from './read-plan';
import { type MasterEntity, SPECS } from './specs';
import type { GoldenRow, ListArgs, LookupKey, SortField } from './store';
import type { SupplierItemRow } from './supplier-items';
import type { ItemUnitRow } from './units';

type LookupArgs = {
  id?: string | null;
  code?: string | null;
  sourceRef?: { system: string; externalId: string } | null;
  asOf?: Date | string | null;
};

/** Exactly one key: a lookup that silently preferred one of two keys could return a different record than meant. */
function lookupKey(args: LookupArgs): LookupKey {
  // Counted without building an array of the given keys: this runs for every lookup.
  const { id, code, sourceRef } = args;
  const given = (id != null ? 1 : 0) + (code != null ? 1 : 0) + (sourceRef != null ? 1 : 0);
  if (given !== 1) {
    const second = given === 0 ? 'id' : id != null && code != null ? 'code' : 'sourceRef';
    throw new ValidationError([{ field: second, reason: 'give exactly one of id, code or sourceRef' }]);
  }
  if (id) return { id };
  if (code) return { code };
  return { sourceRef: sourceRef! };
}

const asDate = (v: Date | string | null | undefined) => (v ? new Date(v) : null);

/** Fields every golden record resolves the same way, whatever its entity. */
function goldenFields(entity: MasterEntity) {
  return {
    sourceRefs: (row: GoldenRow, _: unknown, ctx: GraphContext) => ctx.loaders.sourceRefs(entity).load(row.id),
    history: async (row: GoldenRow, args: { first?: number | null }, ctx: GraphContext) => {
      const limit = Math.min(Math.max(args.first ?? 20, 1), 200);
      const versions = await ctx.loaders.versions(entity, limit).load(row.id);
      return versions.slice(0, limit).map((v, i) => ({ ...v, previous: versions[i + 1] ?? null }));
    },
  };
}

const address = (row: GoldenRow) => {
  const r = row as GoldenRow & Record<'street' | 'postalCode' | 'city' | 'region' | 'country', string | null>;
  return { street: r.street, postalCode: r.postalCode, city: r.city, region: r.region, country: r.country };
};

/** Which columns a history snapshot shows as changes; bookkeeping columns change on every write and say nothing. */
const BOOKKEEPING = new Set(['version', 'updatedAt', 'updatedBy', 'searchText', 'createdAt', 'createdBy']);

function diff(prev: Record<string, unknown> | null, next: Record<string, unknown>) {
  if (!prev) return [];
  const keys = new Set([...Object.keys(prev), ...Object.keys(next)]);
  return [...keys]
    .filter((k) => !BOOKKEEPING.has(k) && JSON.stringify(prev[k] ?? null) !== JSON.stringify(next[k] ?? null))
    .sort()
    .map((field) => ({ field, from: prev[field] ?? null, to: next[field] ?? null }));
}

function listArgs(args: {
  filter?: unknown;
  orderBy?: { field: string; direction?: string } | null;
  first?: number | null;
  after?: string | null;
}): ListArgs {
  const f = (args.filter ?? null) as ListArgs['filter'];
  return {
    filter: f ? { ...f, updatedSince: asDate(f.updatedSince as Date | string | null) } : null,
    orderBy: args.orderBy
      ? { field: args.orderBy.field as SortField, direction: (args.orderBy.direction ?? 'asc') as 'asc' | 'desc' }
      : null,
    first: args.first,
    after: args.after,
  };
}

/** Queries and mutations of one entity: the same shape for customers, suppliers, items and warehouses. */
function entityOperations(entity: MasterEntity) {
  const spec = SPECS[entity];
  return {
    lookup: async (_: unknown, args: LookupArgs, ctx: GraphContext, info: GraphQLResolveInfo) => {
      const selection = Selection.of(info);
      const row = await ctx.services.master.store.lookup(spec, lookupKey(args), asDate(args.asOf), {
        props: recordColumns(entity, selection),
      });
      if (row) await prefetch(ctx, entity, [row], selection);
      return row;
    },
    list: async (
      _: unknown,
      args: Parameters<typeof listArgs>[0],
      ctx: GraphContext,
      info: GraphQLResolveInfo,
    ): Promise<ConnectionParent<GoldenRow>> => {
      const la = listArgs(args);
      const nodes = Selection.of(info).nodes();
      const page = await ctx.services.master.store.list(spec, la, { props: recordColumns(entity, nodes) });
      await prefetch(ctx, entity, page.rows, nodes);
      return { page, totalCount: () => ctx.services.master.store.count(spec, la.filter) };
    },
    create: (_: unknown, args: { input: Record<string, unknown>; reason?: string | null }, ctx: GraphContext) =>
      ctx.services.master.store.create(spec, args.input, { actor: ctx.actor, reason: args.reason }),
    update: (
      _: unknown,
      args: { id: string; expectedVersion: number; patch: Record<string, unknown>; reason?: string | null },
      ctx: GraphContext,
    ) =>
      ctx.services.master.store.update(spec, args.id, args.expectedVersion, args.patch, {
        actor: ctx.actor,
        reason: args.reason,
      }),
    archive: (_: unknown, args: { id: string; expectedVersion: number; reason?: string | null }, ctx: GraphContext) =>
      ctx.services.master.store.archive(spec, args.id, args.expectedVersion, { actor: ctx.actor, reason: args.reason }),
    upsert: (
      _: unknown,
      args: { by: string; records: Record<string, unknown>[]; reason?: string | null },
      ctx: GraphContext,
    ) =>
      ctx.services.master.store.upsertMany(spec, args.by as 'code' | 'sourceRef', args.records, {
        actor: ctx.actor,
        reason: args.reason,
      }),
  };
}

const customerOps = entityOperations('customer');
const supplierOps = entityOperations('supplier');
const itemOps = entityOperations('item');
const warehouseOps = entityOperations('warehouse');

export const masterResolvers: Resolvers = {
  Query: {
    customer: customerOps.lookup,
    customers: customerOps.list,
    supplier: supplierOps.lookup,
    suppliers: supplierOps.list,
    item: itemOps.lookup,
    items: itemOps.list,
    warehouse: warehouseOps.lookup,
    warehouses: warehouseOps.list,
    units: (_, args, ctx) => ctx.services.master.units.list(args.category),
    convertQuantity: (_, args, ctx) =>
      ctx.services.master.units.convert(args.quantity, args.from, args.to, args.itemId),
  },
  Mutation: {
    createCustomer: customerOps.create,
    updateCustomer: customerOps.update,
    archiveCustomer: customerOps.archive,
    upsertCustomers: customerOps.upsert,
    createSupplier: supplierOps.create,
    updateSupplier: supplierOps.update,
    archiveSupplier: supplierOps.archive,
    upsertSuppliers: supplierOps.upsert,
    createItem: itemOps.create,
    updateItem: itemOps.update,
    archiveItem: itemOps.archive,
    upsertItems: itemOps.upsert,
    createWarehouse: warehouseOps.create,
    updateWarehouse: warehouseOps.update,
    archiveWarehouse: warehouseOps.archive,
    upsertWarehouses: warehouseOps.upsert,
    addSourceRef: async (_, args, ctx) => {
      await ctx.services.master.store.addSourceRef(SPECS[args.entity as MasterEntity], args.id, args.sourceRef);
      return true;
    },
    createUnit: (_, args, ctx) => ctx.services.master.units.create(args.input),
    setItemUnit: async (_, args, ctx) => {
      await ctx.services.master.units.setItemUnit(args.itemId, args.unit, args.factor, ctx.actor);
      return (await ctx.services.master.store.lookup(SPECS.item, { id: args.itemId }))!;
    },
    removeItemUnit: async (_, args, ctx) => {
      await ctx.services.master.units.removeItemUnit(args.itemId, args.unit, ctx.actor);
      return (await ctx.services.master.store.lookup(SPECS.item, { id: args.itemId }))!;
    },
    setSupplierItem: (_, args, ctx) => ctx.services.master.supplierItems.set(args.input as never, ctx.actor),
    removeSupplierItem: (_, args, ctx) =>
      ctx.services.master.supplierItems.remove(args.supplierId, args.itemId, ctx.actor),
  },
  GoldenRecord: {
    __resolveType: (row) =>
      'creditLimit' in row ? 'Customer' : 'type' in row ? 'Item' : 'email' in row ? 'Supplier' : 'Warehouse',
  },
  Customer: {
    ...goldenFields('customer'),
    address,
    creditLimit: (row) => money(row.creditLimit, row.creditCurrency),
  },
  Supplier: {
    ...goldenFields('supplier'),
    address,
    items: (row, _, ctx) => prefetchedOffers(row) ?? ctx.loaders.offersBySupplier.load(row.id),
  },
  Item: {
    ...goldenFields('item'),
    baseUnit: async (row, _, ctx) => (await ctx.loaders.unit.load(row.baseUnit as string))!,
    units: (row, _, ctx) => ctx.loaders.itemUnits.load(row.id),
    safetyStock: (row) => String(row.safetyStock),
    minOrderQuantity: (row) => (row.minOrderQty == null ? null : String(row.minOrderQty)),
    standardCost: (row) => money(row.standardCost, row.costCurrency),
    suppliers: (row, _, ctx) => prefetchedOffers(row) ?? ctx.loaders.offersByItem.load(row.id),
  },
  Warehouse: {
    ...goldenFields('warehouse'),
    address,
  },
  ItemUnit: {
    unit: async (row: ItemUnitRow, _, ctx) => (await ctx.loaders.unit.load(row.unit))!,
  },
  SupplierItem: {
    // The offer's foreign keys guarantee both records.
    supplier: (row: SupplierItemRow, _, ctx) =>
      prefetchedRecord(row) ?? (ctx.loaders.record('supplier').load(row.supplierId) as Promise<GoldenRow>),
    item: (row: SupplierItemRow, _, ctx) =>
      prefetchedRecord(row) ?? (ctx.loaders.record('item').load(row.itemId) as Promise<GoldenRow>),
    price: (row: SupplierItemRow) => money(row.price, row.currency),
    priceUnit: (row: SupplierItemRow, _, ctx) => (row.priceUnit ? ctx.loaders.unit.load(row.priceUnit) : null),
    minQuantity: (row: SupplierItemRow) => row.minQty,
  },
  SourceRef: {
    linkedAt: (e) => e.createdAt,
  },
  RecordVersion: {
    changedBy: (e: HistoryEntry) => ({ kind: e.actorKind as 'user', id: e.actorId }),
    snapshot: (e: HistoryEntry) => e.data,
    changes: (e: HistoryEntry & { previous?: HistoryEntry | null }) => diff(e.previous?.data ?? null, e.data),
  },
  CustomerConnection: connectionResolvers<GoldenRow>(),
  SupplierConnection: connectionResolvers<GoldenRow>(),
  ItemConnection: connectionResolvers<GoldenRow>(),
  WarehouseConnection: connectionResolvers<GoldenRow>(),
};
