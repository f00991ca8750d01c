import { sql } from 'drizzle-orm';
import { type Db, sqlArray } from '../db/pool';
import { Dec, minorUnits, parseDecimal } from '../decimal';
import { NotFoundError, ValidationError } from '../errors';
import { FieldError, normaliseCurrency } from '../master/normalise';
import { assemblyUnitCosts, type CostResult, type PriceOverride, type PriceSource, rollUpCost } from './cost';
import {
  type ComponentTotal,
  effectiveBoms,
  explodeColumns,
  explodeSummed,
  type ExplosionColumns,
  hasEffectiveBom,
  whereUsed,
  type WhereUsedRow,
} from './explode';
import { checkItemRef, IssueList, parseDate } from './input';
import { type ItemInfo, refKey, resolveItems } from './resolve';
import { EngineeringChangeService } from './changes';
import { BomStore, today } from './store';
import type { EngineeringChanges } from './views';

export interface ItemArgs {
  itemId?: string | null;
  itemCode?: string | null;
}

export interface Explosion {
  item: ItemInfo;
  quantity: string;
  asOf: string;
  /** The tree, column by column (see explodeColumns). */
  nodes: ExplosionColumns;
  /** The flattened list, read on first use. */
  components: () => Promise<ComponentTotal[]>;
}

export interface WhereUsedResult {
  component: ItemInfo;
  asOf: string;
  rows: WhereUsedRow[];
}

export interface CostView extends CostResult {
  item: ItemInfo;
  quantity: string;
  asOf: string;
  priceSource: PriceSource;
  currency: string;
  assemblies: () => Promise<{ itemId: string; unitCost: string; complete: boolean }[]>;
}

export interface QuotationView {
  item: ItemInfo;
  quantity: string;
  asOf: string;
  currency: string;
  materialCost: string;
  marginPercent: string;
  price: string;
  unitPrice: string;
  marginAmount: string;
  cost: CostResult;
}

/** The BOM module as the API and other modules see it: the store (writes) and the analyses. */
export class BomService {
  readonly store: BomStore;
  /** Version diffs and batch engineering changes. */
  readonly changes: EngineeringChanges;

  constructor(readonly db: Db) {
    this.store = new BomStore(db);
    this.changes = new EngineeringChangeService(db, this.store);
  }

  /** The BOM each of the items is built with on the date (default today), by item id: one statement for them all. */
  async effectiveBoms(itemIds: readonly string[], asOf: string | null): Promise<Map<string, string>> {
    const date = this.date(asOf, 'asOf');
    const res = await this.db.execute<{ item_id: string; id: string }>(
      sql`SELECT e.item_id::text AS item_id, e.id::text AS id FROM (${effectiveBoms(date)}) e
          WHERE e.item_id = ANY(${sqlArray(itemIds)}::uuid[])`,
    );
    return new Map(res.rows.map((r) => [r.item_id, r.id]));
  }

  /** One item by id or code, for an argument pair named `prefix`Id / `prefix`Code. */
  async item(args: ItemArgs, field = 'item'): Promise<ItemInfo> {
    const issues = new IssueList();
    const ref = checkItemRef({ id: args.itemId, code: args.itemCode }, field, issues);
    issues.throwIfAny();
    const found = (await resolveItems(this.db, [ref])).get(refKey(ref));
    if (!found) throw new NotFoundError(`item ${ref.id ?? ref.code}`, field);
    return found;
  }

  async explosion(
    args: ItemArgs & { quantity?: string | null; asOf?: string | null; maxLevels?: number | null },
    opts: { withLines?: boolean } = {},
  ): Promise<Explosion> {
    const { item, quantity, asOf } = await this.analysisArgs(args);
    if (args.maxLevels != null && (!Number.isInteger(args.maxLevels) || args.maxLevels < 1)) {
      throw new ValidationError([{ field: 'maxLevels', reason: 'must be a whole number of at least 1' }]);
    }
    await this.requireBom(item, asOf);
    const p = { itemId: item.id, quantity, asOf, maxLevels: args.maxLevels };
    const nodes = await explodeColumns(this.db, p, opts.withLines);
    let summed: Promise<ComponentTotal[]> | undefined;
    return { item, quantity, asOf, nodes, components: () => (summed ??= explodeSummed(this.db, p)) };
  }

  async whereUsed(args: ItemArgs & { asOf?: string | null; maxLevels?: number | null }): Promise<WhereUsedResult> {
    const component = await this.item(args);
    const asOf = this.date(args.asOf, 'asOf');
    return { component, asOf, rows: await whereUsed(this.db, component.id, asOf, args.maxLevels) };
  }

  async cost(
    args: ItemArgs & {
      quantity?: string | null;
      asOf?: string | null;
      priceSource?: PriceSource | null;
      currency?: string | null;
      overrides?: PriceOverride[];
    },
  ): Promise<CostView> {
    const { item, quantity, asOf } = await this.analysisArgs(args);
    await this.requireBom(item, asOf);
    const currency = this.currency(args.currency, item);
    const priceSource = args.priceSource ?? 'standardCost';
    const p = { itemId: item.id, quantity, asOf, priceSource, currency, overrides: args.overrides };
    const result = await rollUpCost(this.db, p);
    let assemblies: Promise<{ itemId: string; unitCost: string; complete: boolean }[]> | undefined;
    return {
      ...result,
      item,
      quantity,
      asOf,
      priceSource,
      currency,
      assemblies: () =>
        (assemblies ??= assemblyUnitCosts(this.db, p).then((m) =>
          [...m].map(([itemId, c]) => ({ itemId, unitCost: c.cost.toFixed(), complete: c.complete })),
        )),
    };
  }

  /**
   * A simulated quotation: the cost with the caller's prices for some components (an assembly's price replaces
   * its BOM) and a margin on the sales price; only the price and unit price are rounded, half-up to the
   * currency's minor unit.
   */
  async quotation(input: {
    itemId?: string | null;
    itemCode?: string | null;
    quantity: string;
    asOf?: string | null;
    priceSource?: PriceSource | null;
    currency: string;
    priceOverrides?: { itemId?: string | null; itemCode?: string | null; price: string }[] | null;
    marginPercent?: string | null;
  }): Promise<QuotationView> {
    const issues = new IssueList();
    const margin = issues.attempt(() => {
      const m = parseDecimal(input.marginPercent ?? '0', 'input.marginPercent', { sign: 'nonNegative', maxScale: 4 });
      if (new Dec(m).gte(100)) throw new FieldError('input.marginPercent', 'must be below 100');
      return m;
    });
    const refs = (input.priceOverrides ?? []).map((o, i) =>
      checkItemRef({ id: o.itemId, code: o.itemCode }, `input.priceOverrides.${i}`, issues),
    );
    const prices = (input.priceOverrides ?? []).map(
      (o, i) =>
        issues.attempt(() =>
          parseDecimal(o.price, `input.priceOverrides.${i}.price`, {
            sign: 'nonNegative',
            maxScale: 6,
            maxIntegerDigits: 12,
          }),
        ) ?? '0',
    );
    issues.throwIfAny();
    const found = await resolveItems(this.db, refs);
    const overrides: PriceOverride[] = refs.map((r, i) => {
      const item = found.get(refKey(r));
      if (!item) throw new NotFoundError(`item ${r.id ?? r.code}`, `input.priceOverrides.${i}`);
      return { itemId: item.id, price: prices[i]! };
    });
    const cost = await this.cost({
      itemId: input.itemId,
      itemCode: input.itemCode,
      quantity: input.quantity,
      asOf: input.asOf,
      priceSource: input.priceSource,
      currency: input.currency,
      overrides,
    });
    const digits = minorUnits(cost.currency);
    const material = new Dec(cost.total);
    const price = material.div(new Dec(1).minus(new Dec(margin!).div(100))).toDecimalPlaces(digits, Dec.ROUND_HALF_UP);
    return {
      item: cost.item,
      quantity: cost.quantity,
      asOf: cost.asOf,
      currency: cost.currency,
      materialCost: cost.total,
      marginPercent: margin!,
      price: price.toFixed(digits),
      unitPrice: price.div(cost.quantity).toDecimalPlaces(digits, Dec.ROUND_HALF_UP).toFixed(digits),
      marginAmount: price.minus(material).toFixed(),
      cost,
    };
  }

  private async analysisArgs(args: ItemArgs & { quantity?: string | null; asOf?: string | null }) {
    const quantity = (() => {
      try {
        return parseDecimal(args.quantity ?? '1', 'quantity', { sign: 'positive', maxScale: 6, maxIntegerDigits: 12 });
      } catch (e) {
        if (e instanceof FieldError) throw new ValidationError([{ field: e.field, reason: e.reason }]);
        throw e;
      }
    })();
    const asOf = this.date(args.asOf, 'asOf');
    return { item: await this.item(args), quantity, asOf };
  }

  private date(value: string | null | undefined, field: string): string {
    try {
      return parseDate(value, field) ?? today();
    } catch (e) {
      if (e instanceof FieldError) throw new ValidationError([{ field: e.field, reason: e.reason }]);
      throw e;
    }
  }

  private async requireBom(item: ItemInfo, asOf: string): Promise<void> {
    if (!(await hasEffectiveBom(this.db, item.id, asOf))) {
      throw new NotFoundError(`a released BOM of item ${item.code} valid on ${asOf}`, 'itemId');
    }
  }

  private currency(given: string | null | undefined, item: ItemInfo): string {
    if (given) {
      try {
        return normaliseCurrency(given, 'currency')!;
      } catch (e) {
        if (e instanceof FieldError) throw new ValidationError([{ field: e.field, reason: e.reason }]);
        throw e;
      }
    }
    const c = item.costCurrency;
    if (!c)
      throw new ValidationError([{ field: 'currency', reason: `item ${item.code} has no cost currency; give one` }]);
    return c;
  }
}
