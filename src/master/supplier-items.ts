import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Actor } from '../actor';
import { mapDbError } from '../db/errors';
import type { Db } from '../db/pool';
import { NotFoundError } from '../errors';
import { type FieldSpec, normaliseFields } from './fields';
import { recordChanges } from './history';
import { changedFields, type GoldenRow, isUuid } from './store';
import { items, supplierItems, suppliers } from './tables';

export interface SupplierItemRow {
  id: string;
  supplierId: string;
  itemId: string;
  supplierItemCode: string | null;
  price: string | null;
  currency: string | null;
  priceUnit: string | null;
  leadTimeDays: number | null;
  minQty: string | null;
  preferred: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const fields: FieldSpec[] = [
  { kind: 'text', path: 'supplierItemCode', column: 'supplierItemCode', maxLength: 100 },
  {
    kind: 'money',
    path: 'price',
    amountColumn: 'price',
    currencyColumn: 'currency',
    rule: { sign: 'nonNegative', maxScale: 6, maxIntegerDigits: 12 },
  },
  { kind: 'unit', path: 'priceUnit', column: 'priceUnit' },
  { kind: 'int', path: 'leadTimeDays', column: 'leadTimeDays', min: 0, max: 3650 },
  {
    kind: 'decimal',
    path: 'minQuantity',
    column: 'minQty',
    rule: { sign: 'positive', maxScale: 6, maxIntegerDigits: 12 },
  },
];

/** What suppliers offer: their code, price, lead time and minimum quantity for each item they supply. */
export class SupplierItemService {
  constructor(
    private readonly db: Db,
    private readonly defaultRegion: string,
  ) {}

  /** Adds or changes the offer of a supplier for an item; one offer per pair, versioned with history. */
  async set(
    input: Record<string, unknown> & { supplierId: string; itemId: string; preferred?: boolean | null },
    actor: Actor,
  ): Promise<SupplierItemRow> {
    if (!isUuid(input.supplierId)) throw new NotFoundError(`supplier ${input.supplierId}`, 'input.supplierId');
    if (!isUuid(input.itemId)) throw new NotFoundError(`item ${input.itemId}`, 'input.itemId');
    const values = normaliseFields(fields, input, 'patch', { defaultRegion: this.defaultRegion, prefix: 'input.' });
    if (input.preferred !== undefined && input.preferred !== null) values.preferred = input.preferred;
    try {
      return await this.db.transaction(async (tx) => {
        const [current] = (await tx
          .select()
          .from(supplierItems)
          .where(and(eq(supplierItems.supplierId, input.supplierId), eq(supplierItems.itemId, input.itemId)))
          .for('update')) as SupplierItemRow[];
        // Only one preferred supplier per item: choosing one takes the flag from the others, as versioned changes
        // of those offers, so consumers of their history and events learn of it too.
        const demoted: SupplierItemRow[] =
          values.preferred === true
            ? ((await tx
                .update(supplierItems)
                .set({ preferred: false, version: sql`${supplierItems.version} + 1`, updatedAt: new Date() })
                .where(
                  and(
                    eq(supplierItems.itemId, input.itemId),
                    eq(supplierItems.preferred, true),
                    sql`${supplierItems.supplierId} <> ${input.supplierId}`,
                  ),
                )
                .returning()) as SupplierItemRow[])
            : [];
        await recordChanges(
          tx,
          demoted.map((d) => ({
            entity: 'supplierItem',
            row: d as never,
            operation: 'updated' as const,
            changed: ['preferred'],
          })),
          actor,
        );
        let row: SupplierItemRow;
        let changed: string[] = [];
        if (!current) {
          [row] = (await tx
            .insert(supplierItems)
            .values({ ...values, supplierId: input.supplierId, itemId: input.itemId })
            .returning()) as SupplierItemRow[] as [SupplierItemRow];
        } else {
          changed = changedFields(current as unknown as Record<string, unknown>, values);
          if (changed.length === 0) return current;
          [row] = (await tx
            .update(supplierItems)
            .set({ ...values, version: current.version + 1, updatedAt: new Date() })
            .where(eq(supplierItems.id, current.id))
            .returning()) as SupplierItemRow[] as [SupplierItemRow];
        }
        await recordChanges(
          tx,
          [{ entity: 'supplierItem', row: row as never, operation: current ? 'updated' : 'created', changed }],
          actor,
        );
        return row;
      });
    } catch (e) {
      throw mapDbError(e, 'input.');
    }
  }

  async remove(supplierId: string, itemId: string, actor: Actor): Promise<boolean> {
    if (!isUuid(supplierId) || !isUuid(itemId)) return false;
    return this.db.transaction(async (tx) => {
      const gone = (await tx
        .delete(supplierItems)
        .where(and(eq(supplierItems.supplierId, supplierId), eq(supplierItems.itemId, itemId)))
        .returning()) as SupplierItemRow[];
      if (!gone[0]) return false;
      await recordChanges(
        tx,
        [
          {
            entity: 'supplierItem',
            row: { ...gone[0], version: gone[0].version + 1 } as never,
            operation: 'archived',
            changed: ['deleted'],
          },
        ],
        actor,
      );
      return true;
    });
  }

  /** The offers for a set of items, each with its supplier, in one statement (preferred first, then cheapest). */
  async byItems(itemIds: readonly string[]): Promise<(SupplierItemRow & { supplier: GoldenRow })[]> {
    const rows = await this.db
      .select({ si: supplierItems, supplier: suppliers })
      .from(supplierItems)
      .innerJoin(suppliers, eq(suppliers.id, supplierItems.supplierId))
      .where(inArray(supplierItems.itemId, itemIds as string[]))
      .orderBy(supplierItems.itemId, sql`${supplierItems.preferred} DESC`, supplierItems.price, suppliers.code);
    return rows.map((r) => ({ ...(r.si as SupplierItemRow), supplier: r.supplier as unknown as GoldenRow }));
  }

  /** The offers of a set of suppliers, each with its item, in one statement. */
  async bySuppliers(supplierIds: readonly string[]): Promise<(SupplierItemRow & { item: GoldenRow })[]> {
    const rows = await this.db
      .select({ si: supplierItems, item: items })
      .from(supplierItems)
      .innerJoin(items, eq(items.id, supplierItems.itemId))
      .where(inArray(supplierItems.supplierId, supplierIds as string[]))
      .orderBy(supplierItems.supplierId, items.code);
    return rows.map((r) => ({ ...(r.si as SupplierItemRow), item: r.item as unknown as GoldenRow }));
  }
}
