/**
 * Stock per item and warehouse (on hand, reserved, in transit), in the item's base unit, as the stock-keeping
 * systems report it: set in batches, read by item or warehouse. Planning reads it; it keeps no history of its own
 * beyond the time of the last report.
 */
import { sql } from 'drizzle-orm';
import { type Actor, actorLabel } from '../actor';
import { bulkInsert } from '../db/bulk';
import { mapDbError } from '../db/errors';
import { type Db, sqlArray } from '../db/pool';
import { Dec, parseDecimal } from '../decimal';
import { DomainError, ValidationError } from '../errors';
import { outbox } from '../master/tables';
import { IssueList } from '../validation';
import { stockLevels } from './tables';

export interface StockLevelInput {
  itemId?: string | null;
  itemCode?: string | null;
  warehouseId?: string | null;
  warehouseCode?: string | null;
  onHand: unknown;
  reserved?: unknown;
  inTransit?: unknown;
}

export interface StockLevelRow {
  itemId: string;
  warehouseId: string;
  onHand: string;
  reserved: string;
  inTransit: string;
  /** on hand − reserved: what can still be promised or built from. */
  available: string;
  updatedAt: Date;
}

/** At most this many levels in one call: a warehouse's whole stock fits, one statement each step. */
export const MAX_LEVELS = 10_000;

export class StockService {
  constructor(readonly db: Db) {}

  /**
   * Sets stock levels (absolute, as counted): all or nothing, every bad field named. Items and warehouses by id or
   * code in one statement; the levels in one upsert; one `stock.updated` outbox event per warehouse touched.
   */
  async set(levels: StockLevelInput[], actor: Actor): Promise<StockLevelRow[]> {
    const issues = new IssueList();
    if (levels.length > MAX_LEVELS) throw new ValidationError([{ field: 'levels', reason: `at most ${MAX_LEVELS}` }]);
    const qty = (v: unknown, field: string, required: boolean) =>
      v == null
        ? required
          ? (issues.add(field, 'is required'), '0')
          : '0'
        : (issues.attempt(() => parseDecimal(v, field, { sign: 'nonNegative', maxScale: 6, maxIntegerDigits: 12 })) ??
          '0');
    const clean = levels.map((l, i) => {
      const f = `levels.${i}`;
      if ((l.itemId == null) === (l.itemCode == null))
        issues.add(`${f}.item`, 'give exactly one of itemId or itemCode');
      if ((l.warehouseId == null) === (l.warehouseCode == null))
        issues.add(`${f}.warehouse`, 'give exactly one of warehouseId or warehouseCode');
      return {
        item: (l.itemId ?? l.itemCode?.trim().toUpperCase() ?? '') as string,
        warehouse: (l.warehouseId ?? l.warehouseCode?.trim().toUpperCase() ?? '') as string,
        onHand: qty(l.onHand, `${f}.onHand`, true),
        reserved: qty(l.reserved, `${f}.reserved`, false),
        inTransit: qty(l.inTransit, `${f}.inTransit`, false),
        field: f,
      };
    });
    issues.throwIfAny();
    try {
      return await this.db.transaction(async (tx) => {
        const keys = JSON.stringify(clean.map((c) => ({ i: c.item, w: c.warehouse })));
        const res = await tx.execute(sql`
          SELECT k.ord::int AS ord, i.id::text AS item_id, w.id::text AS warehouse_id
          FROM ROWS FROM (jsonb_to_recordset(${keys}::jsonb) AS (i text, w text)) WITH ORDINALITY AS k(i, w, ord)
          LEFT JOIN LATERAL (SELECT id FROM items WHERE id::text = k.i OR code = k.i LIMIT 1) i ON true
          LEFT JOIN LATERAL (SELECT id FROM warehouses WHERE id::text = k.w OR code = k.w LIMIT 1) w ON true
          ORDER BY k.ord`);
        const found = res.rows as { ord: number; item_id: string | null; warehouse_id: string | null }[];
        const missing = new IssueList();
        const rows = clean.map((c, i) => {
          const r = found[i]!;
          if (!r.item_id) missing.add(`${c.field}.item`, `no item ${c.item}`);
          if (!r.warehouse_id) missing.add(`${c.field}.warehouse`, `no warehouse ${c.warehouse}`);
          return {
            itemId: r.item_id!,
            warehouseId: r.warehouse_id!,
            onHand: c.onHand,
            reserved: c.reserved,
            inTransit: c.inTransit,
          };
        });
        missing.throwIfAny();
        const seen = new Set<string>();
        rows.forEach((r, i) => {
          const k = `${r.itemId}|${r.warehouseId}`;
          if (seen.has(k)) missing.add(`levels.${i}`, 'the same item and warehouse are given twice');
          seen.add(k);
        });
        missing.throwIfAny();
        await bulkInsert(tx, stockLevels, rows, {
          expressions: { updatedAt: 'now()' },
          onConflict: { target: ['itemId', 'warehouseId'] },
        });
        const warehouses = [...new Set(rows.map((r) => r.warehouseId))];
        // An event per warehouse for subscribers and planning; stock is reported state, with no history rows.
        await bulkInsert(
          tx,
          outbox,
          warehouses.map((w) => ({
            eventType: 'stock.updated',
            entity: 'warehouse',
            entityId: w,
            payload: {
              warehouseId: w,
              items: rows.filter((r) => r.warehouseId === w).map((r) => r.itemId),
              by: actorLabel(actor),
            },
            actorKind: actor.kind,
            actorId: actor.id,
          })),
        );
        return this.read({ pairs: rows.map((r) => [r.itemId, r.warehouseId]) }, tx);
      });
    } catch (e) {
      if (e instanceof DomainError) throw e;
      throw mapDbError(e);
    }
  }

  /** Levels by items and/or warehouses (each optional); `pairs` for exactly those combinations. */
  async read(
    by: { itemIds?: readonly string[]; warehouseIds?: readonly string[]; pairs?: readonly [string, string][] },
    db: Db | Parameters<Parameters<Db['transaction']>[0]>[0] = this.db,
  ): Promise<StockLevelRow[]> {
    const items = by.pairs ? by.pairs.map((p) => p[0]) : (by.itemIds ?? null);
    const warehouses = by.pairs ? by.pairs.map((p) => p[1]) : (by.warehouseIds ?? null);
    const res = await db.execute(sql`
      SELECT item_id::text AS "itemId", warehouse_id::text AS "warehouseId", on_hand::text AS "onHand",
        reserved::text, in_transit::text AS "inTransit", updated_at AS "updatedAt"
      FROM stock_levels
      WHERE ${
        by.pairs
          ? sql`(item_id, warehouse_id) IN (SELECT * FROM unnest(${sqlArray(items!)}::uuid[], ${sqlArray(warehouses!)}::uuid[]))`
          : sql`(${items === null} OR item_id = ANY(${sqlArray(items ?? [])}::uuid[]))
              AND (${warehouses === null} OR warehouse_id = ANY(${sqlArray(warehouses ?? [])}::uuid[]))`
      }
      ORDER BY item_id, warehouse_id`);
    return (res.rows as Record<string, string>[]).map((r) => {
      const onHand = new Dec(r.onHand!);
      const reserved = new Dec(r.reserved!);
      return {
        itemId: r.itemId!,
        warehouseId: r.warehouseId!,
        onHand: onHand.toFixed(),
        reserved: reserved.toFixed(),
        inTransit: new Dec(r.inTransit!).toFixed(),
        available: onHand.minus(reserved).toFixed(),
        updatedAt: stockLevels.updatedAt.mapFromDriverValue(r.updatedAt as unknown as string) as Date,
      };
    });
  }
}
