import { and, eq, inArray } from 'drizzle-orm';
import type { Actor } from '../actor';
import { mapDbError } from '../db/errors';
import type { Db } from '../db/pool';
import { Dec, parseDecimal } from '../decimal';
import { DomainError, NotFoundError, ValidationError } from '../errors';
import { normaliseName, FieldError } from './normalise';
import { normaliseUnitCode } from './fields';
import { recordChanges } from './history';
import { itemUnits, items, units } from './tables';

export interface UnitRow {
  code: string;
  name: string;
  category: string;
  factor: string;
  createdAt: Date;
}

export interface ItemUnitRow {
  itemId: string;
  unit: string;
  factor: string;
}

/** What converting a quantity needs to know: the units involved and the item's own units and base unit. */
export interface ConversionContext {
  units: ReadonlyMap<string, Pick<UnitRow, 'code' | 'category' | 'factor'>>;
  baseUnit?: string;
  itemUnits?: ReadonlyMap<string, string>;
}

/**
 * Converts exactly (decimal arithmetic): within a category through the category factors; across categories
 * through the item's own units (1 box = 12 pcs; 1 m = 2.5 kg). Throws BAD_USER_INPUT naming the units when no
 * conversion exists, because silently returning the same number would corrupt every downstream quantity.
 */
export function convertQuantity(
  quantity: string,
  from: string,
  to: string,
  ctx: ConversionContext,
  field = 'unit',
): string {
  const q = new Dec(quantity);
  if (from === to) return q.toFixed();
  const toBase = (unit: string): Dec | null => {
    // How many base units one `unit` is, for this item: directly, through the base unit's category, or through
    // an item unit of the same category (g -> kg, and 1 kg of this cable is 0.1176 m).
    const own = ctx.itemUnits?.get(unit);
    if (own) return new Dec(own);
    if (!ctx.baseUnit) return null;
    const u = ctx.units.get(unit);
    const b = ctx.units.get(ctx.baseUnit);
    if (!u) return null;
    if (b && u.category === b.category) return new Dec(u.factor).div(b.factor);
    for (const [code, factor] of ctx.itemUnits ?? []) {
      const iu = ctx.units.get(code);
      if (iu && iu.category === u.category) return new Dec(u.factor).div(iu.factor).mul(factor);
    }
    return null;
  };
  const f = ctx.units.get(from);
  const t = ctx.units.get(to);
  if (!f && !ctx.itemUnits?.has(from)) throw new ValidationError([{ field, reason: `unknown unit '${from}'` }]);
  if (!t && !ctx.itemUnits?.has(to)) throw new ValidationError([{ field, reason: `unknown unit '${to}'` }]);
  if (f && t && f.category === t.category) return q.mul(f.factor).div(t.factor).toFixed();
  const a = toBase(from);
  const b = toBase(to);
  if (a && b) return q.mul(a).div(b).toFixed();
  throw new ValidationError([
    { field, reason: `no conversion from ${from} to ${to}${ctx.baseUnit ? ` for an item in ${ctx.baseUnit}` : ''}` },
  ]);
}

/** Units of measure and the item-specific conversions. */
export class UnitService {
  constructor(private readonly db: Db) {}

  async list(category?: string | null): Promise<UnitRow[]> {
    const q = this.db.select().from(units);
    return (await (category ? q.where(eq(units.category, category)) : q).orderBy(
      units.category,
      units.factor,
    )) as UnitRow[];
  }

  async byCodes(codes: readonly string[]): Promise<UnitRow[]> {
    return (await this.db
      .select()
      .from(units)
      .where(inArray(units.code, codes as string[]))) as UnitRow[];
  }

  async create(input: { code: string; name: string; category: string; factor: unknown }): Promise<UnitRow> {
    const issues: { field: string; reason: string }[] = [];
    const attempt = <T>(fn: () => T): T | undefined => {
      try {
        return fn();
      } catch (e) {
        if (e instanceof FieldError) issues.push({ field: e.field, reason: e.reason });
        else throw e;
        return undefined;
      }
    };
    const code = attempt(() => normaliseUnitCode(input.code, 'input.code'));
    const name = attempt(() => normaliseName(input.name, 'input.name', 100));
    const category = attempt(() => normaliseName(input.category, 'input.category', 50).toLowerCase());
    const factor = attempt(() =>
      parseDecimal(input.factor, 'input.factor', { sign: 'positive', maxScale: 12, maxIntegerDigits: 18 }),
    );
    if (issues.length) throw new ValidationError(issues);
    try {
      const [row] = await this.db
        .insert(units)
        .values({ code: code!, name: name!, category: category!, factor: factor! })
        .returning();
      return row as UnitRow;
    } catch (e) {
      const pg = (e as { cause?: { code?: string } }).cause;
      if (pg?.code === '23505') throw new DomainError('CONFLICT', `unit ${code} already exists`, 'input.code');
      throw mapDbError(e);
    }
  }

  async itemUnits(itemIds: readonly string[]): Promise<ItemUnitRow[]> {
    return (await this.db
      .select()
      .from(itemUnits)
      .where(inArray(itemUnits.itemId, itemIds as string[]))) as ItemUnitRow[];
  }

  /** Converts a quantity, loading the units and the item's conversions it needs (two statements at most). */
  async convert(quantity: unknown, from: string, to: string, itemId?: string | null): Promise<string> {
    const q = parseDecimal(quantity, 'quantity');
    const ctx: { units: Map<string, UnitRow>; baseUnit?: string; itemUnits?: Map<string, string> } = {
      units: new Map(),
    };
    const codes = [from, to];
    if (itemId) {
      const [item] = await this.db.select({ baseUnit: items.baseUnit }).from(items).where(eq(items.id, itemId));
      if (!item) throw new NotFoundError(`item ${itemId}`, 'itemId');
      ctx.baseUnit = item.baseUnit;
      ctx.itemUnits = new Map((await this.itemUnits([itemId])).map((r) => [r.unit, r.factor]));
      codes.push(item.baseUnit, ...ctx.itemUnits.keys());
    }
    for (const u of await this.byCodes(codes)) ctx.units.set(u.code, u);
    return convertQuantity(q, from, to, ctx, 'from');
  }

  /** Sets an item-specific unit; recorded in the item's history as a change of its units. */
  async setItemUnit(itemId: string, unit: string, factor: unknown, actor: Actor): Promise<void> {
    const f = (() => {
      try {
        return parseDecimal(factor, 'factor', { sign: 'positive', maxScale: 12, maxIntegerDigits: 18 });
      } catch (e) {
        if (e instanceof FieldError) throw new ValidationError([{ field: e.field, reason: e.reason }]);
        throw e;
      }
    })();
    await this.changeItemUnits(itemId, actor, async (tx, item) => {
      if (item.baseUnit === unit)
        throw new ValidationError([{ field: 'unit', reason: "is the item's base unit already" }]);
      const [current] = await tx
        .select()
        .from(itemUnits)
        .where(and(eq(itemUnits.itemId, itemId), eq(itemUnits.unit, unit)));
      // The same factor again is no change: no new version, no history, no event.
      if (current && new Dec(current.factor).eq(f)) return false;
      await tx
        .insert(itemUnits)
        .values({ itemId, unit, factor: f })
        .onConflictDoUpdate({ target: [itemUnits.itemId, itemUnits.unit], set: { factor: f } });
      return true;
    });
  }

  async removeItemUnit(itemId: string, unit: string, actor: Actor): Promise<void> {
    await this.changeItemUnits(itemId, actor, async (tx) => {
      const gone = await tx
        .delete(itemUnits)
        .where(and(eq(itemUnits.itemId, itemId), eq(itemUnits.unit, unit)))
        .returning();
      if (gone.length === 0) throw new NotFoundError(`unit ${unit} of item ${itemId}`, 'unit');
      return true;
    });
  }

  /** A change of an item's units bumps the item's version and history, so 'what changed' stays on one timeline. */
  private async changeItemUnits(
    itemId: string,
    actor: Actor,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- drizzle transaction type
    apply: (tx: any, item: { baseUnit: string }) => Promise<boolean>,
  ): Promise<void> {
    try {
      await this.db.transaction(async (tx) => {
        const [item] = await tx.select().from(items).where(eq(items.id, itemId)).for('update');
        if (!item) throw new NotFoundError(`item ${itemId}`, 'itemId');
        if (!(await apply(tx, item))) return;
        const [row] = await tx
          .update(items)
          .set({ version: item.version + 1, updatedAt: new Date(), updatedBy: `${actor.kind}:${actor.id}` })
          .where(eq(items.id, itemId))
          .returning();
        await recordChanges(
          tx,
          [{ entity: 'item', row: row as never, operation: 'updated', changed: ['units'] }],
          actor,
        );
      });
    } catch (e) {
      throw mapDbError(e);
    }
  }
}
