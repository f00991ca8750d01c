import { and, eq, sql } from 'drizzle-orm';
import type { Actor } from '../actor';
import { mapDbError } from '../db/errors';
import { type Db, readerOf } from '../db/pool';
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

  /** The offers for a set of items in one statement: preferred first, then cheapest, then by supplier code. */
  async byItems(itemIds: readonly string[]): Promise<SupplierItemRow[]> {
    return (await this.offers('item', itemIds)).offers;
  }

  /** The offers of a set of suppliers in one statement, by item code. */
  async bySuppliers(supplierIds: readonly string[]): Promise<SupplierItemRow[]> {
    return (await this.offers('supplier', supplierIds)).offers;
  }

  /**
   * The offers for a set of items (`by` 'item', in the order of `byItems`) or of a set of suppliers (in the order of
   * `bySuppliers`), in one statement, joined to the other side: with `others`, that side's rows come along, and
   * `others[i]` is the supplier (or item) of `offers[i]`, one object per record. `props` and `others.props` choose
   * the columns to read (all when null). One named statement per shape on a real PostgreSQL, since its plan (the
   * key's index, then the other side's primary key) suits every set of ids.
   */
  async offers(
    by: 'item' | 'supplier',
    ids: readonly string[],
    opts: { props?: readonly string[] | null; others?: { props?: readonly string[] | null } } = {},
  ): Promise<{ offers: SupplierItemRow[]; others: GoldenRow[] }> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return { offers: [], others: [] };
    const offerReader = readerOf(supplierItems);
    const otherReader = readerOf(by === 'item' ? suppliers : items);
    // Grouping offers needs their keys, and telling the other side's records apart their ids, whatever was asked.
    const offerColumns = offerReader.columnSet(opts.props && [...opts.props, 'id', 'itemId', 'supplierId']);
    const otherColumns = opts.others ? otherReader.columnSet(opts.others.props && [...opts.others.props, 'id']) : null;
    const [key, otherKey] = by === 'item' ? ['item_id', 'supplier_id'] : ['supplier_id', 'item_id'];
    // An item's offers: preferred first, then cheapest, then by supplier code; a supplier's: by item code.
    const order = by === 'item' ? `si."preferred" DESC, si."price", o."code"` : `o."code"`;
    const res = await offerReader.query(
      this.db,
      `SELECT ${offerColumns.columns('si')}${otherColumns ? `, ${otherColumns.columns('o')}` : ''}
       FROM ${offerReader.name} si JOIN ${otherReader.name} o ON o."id" = si."${otherKey}"
       WHERE si."${key}" = ANY($1::uuid[])
       ORDER BY si."${key}", ${order}`,
      [valid],
      { prepared: true },
    );
    const offers: SupplierItemRow[] = new Array(res.rows.length);
    const others: GoldenRow[] = otherColumns ? new Array(res.rows.length) : [];
    const seen = new Map<string, GoldenRow>();
    for (let i = 0; i < res.rows.length; i++) {
      const raw = res.rows[i] as unknown[];
      offers[i] = offerColumns.decode<SupplierItemRow>(raw);
      if (otherColumns) {
        const other = otherColumns.decode<GoldenRow>(raw, offerColumns.width);
        const known = seen.get(other.id);
        if (known) others[i] = known;
        else seen.set(other.id, (others[i] = other));
      }
    }
    return { offers, others };
  }
}
