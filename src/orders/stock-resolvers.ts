import DataLoader from 'dataloader';
import { ValidationError } from '../errors';
import type { GraphContext } from '../graphql/context';
import type { Resolvers } from '../graphql/generated/types';
import type { GoldenRow } from '../master/store';
import { SPECS } from '../master/specs';
import type { StockLevelRow } from './stock';

function byItem(ctx: GraphContext): DataLoader<string, StockLevelRow[]> {
  return ctx.loaders.memo('stock.byItem', () => {
    return new DataLoader<string, StockLevelRow[]>(async (ids) => {
      const rows = await ctx.services.stock.read({ itemIds: ids });
      return ids.map((id) => rows.filter((r) => r.itemId === id));
    });
  });
}

/** A golden id from an id or code argument pair; null when neither is given. */
async function idOf(
  ctx: GraphContext,
  entity: 'item' | 'warehouse',
  id: string | null | undefined,
  code: string | null | undefined,
): Promise<string | null> {
  if (id != null && code != null)
    throw new ValidationError([{ field: `${entity}Code`, reason: `give ${entity}Id or ${entity}Code, not both` }]);
  if (id != null) return id;
  if (code == null) return null;
  const row = await ctx.services.master.store.lookup(SPECS[entity], { code });
  if (!row) throw new ValidationError([{ field: `${entity}Code`, reason: `no ${entity} ${code}` }]);
  return row.id;
}

export const stockResolvers: Resolvers = {
  Query: {
    stockLevels: async (_, args, ctx) => {
      const itemId = await idOf(ctx, 'item', args.itemId, args.itemCode);
      const warehouseId = await idOf(ctx, 'warehouse', args.warehouseId, args.warehouseCode);
      if (!itemId && !warehouseId)
        throw new ValidationError([{ field: 'itemId', reason: 'give an item, a warehouse or both' }]);
      return ctx.services.stock.read({
        itemIds: itemId ? [itemId] : undefined,
        warehouseIds: warehouseId ? [warehouseId] : undefined,
      });
    },
  },
  Mutation: {
    setStockLevels: (_, { levels }, ctx) => ctx.services.stock.set(levels, ctx.actor),
  },
  Item: {
    stock: (row, _, ctx) => byItem(ctx).load(row.id),
  },
  StockLevel: {
    item: (s, _, ctx) => ctx.loaders.record('item').load(s.itemId) as Promise<GoldenRow>,
    warehouse: (s, _, ctx) => ctx.loaders.record('warehouse').load(s.warehouseId) as Promise<GoldenRow>,
  },
};
