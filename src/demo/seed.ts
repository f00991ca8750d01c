import { sql } from 'drizzle-orm';
import type { Actor } from '../actor';
import { Dec } from '../decimal';
import type { MasterService } from '../master/service';
import { customerSpec, type EntitySpec, itemSpec, SPECS, supplierSpec, warehouseSpec } from '../master/specs';
import { CUSTOMERS, ITEM_UNITS, ITEMS, OFFERS, SUPPLIERS, WAREHOUSES } from './data';

const actor: Actor = { kind: 'system', id: 'demo' };
const opts = { actor, reason: 'demo data' };

/** True when there is no golden record of any entity: the only state in which demo data may be loaded unasked. */
export async function isStoreEmpty(master: MasterService): Promise<boolean> {
  const none = Object.values(SPECS).map((s) => sql`NOT EXISTS (SELECT 1 FROM ${s.table})`);
  const res = await master.db.execute(sql`SELECT ${sql.join(none, sql` AND `)} AS empty`);
  return (res.rows[0] as { empty: boolean } | undefined)?.empty === true;
}

/**
 * Loads the demo data set through the same services the API uses, so it is validated, versioned and announced in
 * the outbox like any other write. Records are keyed by fixed codes, so running it again changes nothing: upserts
 * come back 'unchanged' and offers keep their versions.
 */
export async function seedDemo(master: MasterService): Promise<Record<string, number>> {
  const upsert = async (spec: EntitySpec, records: Record<string, unknown>[]) => {
    const results = await master.store.upsertMany(spec, 'code', records, opts);
    return new Map(results.map((r) => [r.record.code, r.record.id]));
  };
  const customers = await upsert(customerSpec, CUSTOMERS);
  const suppliers = await upsert(supplierSpec, SUPPLIERS);
  const items = await upsert(itemSpec, ITEMS);
  const warehouses = await upsert(warehouseSpec, WAREHOUSES);
  const idOf = (ids: Map<string, string>, code: string) => {
    const id = ids.get(code);
    if (!id) throw new Error(`demo data refers to ${code}, which it does not define`);
    return id;
  };

  // setItemUnit bumps the item's version even when the factor is the same, so only differences are written.
  const unitItemIds = ITEM_UNITS.map((u) => idOf(items, u.item));
  const stored = new Map((await master.units.itemUnits(unitItemIds)).map((r) => [`${r.itemId} ${r.unit}`, r.factor]));
  for (const [i, u] of ITEM_UNITS.entries()) {
    const itemId = unitItemIds[i]!;
    const current = stored.get(`${itemId} ${u.unit}`);
    if (current !== undefined && new Dec(current).eq(u.factor)) continue;
    await master.units.setItemUnit(itemId, u.unit, u.factor, actor);
  }

  for (const o of OFFERS) {
    await master.supplierItems.set(
      {
        supplierId: idOf(suppliers, o.supplier),
        itemId: idOf(items, o.item),
        supplierItemCode: o.supplierItemCode,
        price: o.price,
        // Explicit nulls, so seeding again restores the demo offer rather than keeping a later edit of these fields.
        priceUnit: o.priceUnit ?? null,
        leadTimeDays: o.leadTimeDays,
        minQuantity: o.minQuantity ?? null,
        preferred: o.preferred ?? false,
      },
      actor,
    );
  }

  return {
    customers: customers.size,
    suppliers: suppliers.size,
    items: items.size,
    warehouses: warehouses.size,
    supplierItems: OFFERS.length,
    itemUnits: ITEM_UNITS.length,
  };
}
