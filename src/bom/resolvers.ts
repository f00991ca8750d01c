import DataLoader from 'dataloader';
import { money } from '../graphql/money';
import { Dec } from '../decimal';
import { ValidationError } from '../errors';
import type { GraphContext } from '../graphql/context';
import type { Resolvers } from '../graphql/generated/types';
import { Selection } from '../graphql/selection';
import type { GoldenRow } from '../master/store';
import { loadHistory } from '../master/history';
import type { ComponentCost } from './cost';
import type { BomLineInput } from './input';
import { type ItemInfo, itemsById } from './resolve';
import type { Explosion, WhereUsedResult } from './service';
import { BomStore, type BomLineRow, type BomRow } from './store';
import type { NodePage, WhereUsedTopView } from './views';

/** Per-request loaders of the BOM module: BOMs by id, BOMs by item, lines by BOM, lines by id. */
function bomLoaders(ctx: GraphContext) {
  const store = ctx.services.bom.store;
  return ctx.loaders.memo('bom', () => {
    const byId = new DataLoader<string, BomRow | null>(async (ids) => {
      const m = new Map((await store.byIds(ids)).map((b) => [b.id, b]));
      return ids.map((id) => m.get(id) ?? null);
    });
    const byItem = new DataLoader<string, BomRow[]>(async (ids) => {
      const rows = await store.byItems(ids);
      return ids.map((id) => rows.filter((b) => b.itemId === id));
    });
    const lines = new DataLoader<string, BomLineRow[]>(async (ids) => {
      const m = await store.linesOf(ids);
      return ids.map((id) => m.get(id) ?? []);
    });
    const lineById = new DataLoader<string, BomLineRow | null>(async (ids) => {
      const m = await store.linesById(ids);
      return ids.map((id) => m.get(id) ?? null);
    });
    return { byId, byItem, lines, lineById };
  });
}

/** The BOM in use on a date, for a page of items in one statement (per date asked for). */
function effectiveBomOf(ctx: GraphContext, asOf: string | null): DataLoader<string, string | null> {
  return ctx.loaders.memo(`bom.effective.${asOf ?? 'today'}`, () => {
    return new DataLoader<string, string | null>(async (ids) => {
      const m = await ctx.services.bom.effectiveBoms(ids, asOf);
      return ids.map((id) => m.get(id) ?? null);
    });
  });
}

/** Item code, name and base unit for many ids in one statement (compact trees and paths). */
function itemInfos(ctx: GraphContext): DataLoader<string, ItemInfo | null> {
  return ctx.loaders.memo('bom.itemInfo', () => {
    return new DataLoader<string, ItemInfo | null>(async (ids) => {
      const m = await itemsById(ctx.services.bom.db, ids);
      return ids.map((id) => m.get(id) ?? null);
    });
  });
}

const item = (ctx: GraphContext, id: string) => ctx.loaders.record('item').load(id) as Promise<GoldenRow>;

/** Flattens GraphQL's componentId/componentCode pairs into the store's item references. */
function lineInputs(lines: readonly Record<string, unknown>[] | null | undefined): BomLineInput[] | null {
  if (lines == null) return null;
  return lines.map((l) => ({
    ...(l as unknown as BomLineInput),
    component: { id: (l.componentId as string) ?? null, code: (l.componentCode as string) ?? null },
    substitutes: ((l.substitutes as Record<string, unknown>[] | null) ?? []).map((s) => ({
      component: { id: (s.componentId as string) ?? null, code: (s.componentCode as string) ?? null },
      priority: s.priority as number,
      ratio: s.ratio,
    })),
  }));
}

/** A page of rows by index: the cursor is the index of the last row given. */
function page<T>(
  count: number,
  first: number | null | undefined,
  after: string | null | undefined,
  make: (i: number) => T,
): NodePage<T> {
  const size = Math.min(Math.max(first ?? 100, 1), 5000);
  let start = 0;
  if (after != null) {
    const n = Number(Buffer.from(after, 'base64url').toString('utf8'));
    if (!Number.isInteger(n) || n < 0)
      throw new ValidationError([{ field: 'after', reason: 'is not a cursor of this list' }]);
    start = n + 1;
  }
  const end = Math.min(start + size, count);
  const nodes: T[] = [];
  for (let i = start; i < end; i++) nodes.push(make(i));
  return { nodes, hasNextPage: end < count, hasPreviousPage: start > 0, total: count };
}

const cursor = (i: number) => Buffer.from(String(i)).toString('base64url');

function pageInfo<T extends { i: number }>(p: NodePage<T>) {
  return {
    hasNextPage: p.hasNextPage,
    hasPreviousPage: p.hasPreviousPage,
    startCursor: p.nodes.length ? cursor(p.nodes[0]!.i) : null,
    endCursor: p.nodes.length ? cursor(p.nodes.at(-1)!.i) : null,
  };
}

/** Parent index of every node, from the depth-first order and levels. */
const parentsCache = new WeakMap<Explosion, Int32Array>();
function parentsOf(x: Explosion): Int32Array {
  let parents = parentsCache.get(x);
  if (!parents) {
    const { level, length } = x.nodes;
    parents = new Int32Array(length);
    const stack: number[] = [];
    for (let i = 0; i < length; i++) {
      const l = level[i]!;
      stack.length = l - 1;
      parents[i] = l === 1 ? -1 : stack[l - 2]!;
      stack[l - 1] = i;
    }
    parentsCache.set(x, parents);
  }
  return parents;
}

function topViews(w: WhereUsedResult, level1: boolean): WhereUsedTopView[] {
  // The quantity per unit of an item sums its paths; the rows of one item at level 1 (or at the top) add up.
  const by = new Map<string, WhereUsedTopView & { parts: string[] }>();
  for (const r of w.rows) {
    if (level1 ? r.level !== 1 : !r.top) continue;
    const v = by.get(r.itemId) ?? { itemId: r.itemId, quantity: '0', paths: 0, parts: [] };
    v.parts.push(r.quantity);
    v.paths++;
    by.set(r.itemId, v);
  }
  return [...by.values()].map((v) => ({ itemId: v.itemId, quantity: sumDecimals(v.parts), paths: v.paths }));
}

function sumDecimals(values: string[]): string {
  return values.reduce((a, v) => a.plus(v), new Dec(0)).toFixed();
}

export const bomResolvers: Resolvers = {
  Query: {
    bom: (_, args, ctx) => bomLoaders(ctx).byId.load(args.id),
    boms: async (_, args, ctx) => {
      const itemId = args.itemCode
        ? (await ctx.services.bom.item({ itemCode: args.itemCode })).id
        : (args.itemId ?? null);
      return ctx.services.bom.store.list({ itemId, status: args.status, first: args.first, after: args.after });
    },
    bomExplosion: (_, args, ctx, info) =>
      // Line ids only when a node's line is asked for: most callers want the tree, and a big one has many.
      ctx.services.bom.explosion(args, {
        withLines: Selection.of(info).field('nodes')?.nodes()?.field('line') != null,
      }),
    whereUsed: (_, args, ctx) => ctx.services.bom.whereUsed(args),
    bomCost: (_, args, ctx) => ctx.services.bom.cost(args),
    bomQuotation: (_, { input }, ctx) => ctx.services.bom.quotation(input),
    bomDiff: (_, args, ctx) => ctx.services.bom.changes.diff(args.fromId, args.toId),
    engineeringChangePreview: (_, { input }, ctx) => ctx.services.bom.changes.preview(input, ctx.actor),
    engineeringChanges: (_, args, ctx) => ctx.services.bom.changes.list(args),
    engineeringChange: (_, args, ctx) => ctx.services.bom.changes.get(args.id),
  },
  Mutation: {
    createBom: (_, { input, reason }, ctx) =>
      ctx.services.bom.store.create(
        {
          ...input,
          item: { id: input.itemId ?? null, code: input.itemCode ?? null },
          lines: lineInputs(input.lines as unknown as Record<string, unknown>[])!,
        },
        ctx.actor,
        reason,
      ),
    updateBom: (_, { id, expectedVersion, patch, reason }, ctx) =>
      ctx.services.bom.store.update(
        id,
        expectedVersion,
        { ...patch, lines: lineInputs(patch.lines as unknown as Record<string, unknown>[] | null) },
        ctx.actor,
        reason,
      ),
    releaseBom: (_, { id, expectedVersion, reason }, ctx) =>
      ctx.services.bom.store.release(id, expectedVersion, ctx.actor, reason),
    obsoleteBom: (_, { id, expectedVersion, reason }, ctx) =>
      ctx.services.bom.store.obsolete(id, expectedVersion, ctx.actor, reason),
    setDefaultBom: (_, { id, reason }, ctx) => ctx.services.bom.store.setDefault(id, ctx.actor, reason),
    createBomVersion: (_, { fromId, versionLabel, validFrom, description, reason }, ctx) =>
      ctx.services.bom.store.newVersion(fromId, { versionLabel, validFrom, description }, ctx.actor, reason),
    applyEngineeringChange: (_, { input }, ctx) => ctx.services.bom.changes.apply(input, ctx.actor),
  },
  Item: {
    boms: (row, _, ctx) => bomLoaders(ctx).byItem.load(row.id),
    bom: async (row, args, ctx) => {
      const id = await effectiveBomOf(ctx, args.asOf ?? null).load(row.id);
      return id ? bomLoaders(ctx).byId.load(id) : null;
    },
  },
  Bom: {
    item: (b, _, ctx) => item(ctx, b.itemId),
    lines: (b, _, ctx) => bomLoaders(ctx).lines.load(b.id),
    supersedes: (b, _, ctx) => (b.supersedesId ? bomLoaders(ctx).byId.load(b.supersedesId) : null),
    sourceRef: (b) =>
      b.sourceSystem && b.sourceItemRef
        ? ({
            system: b.sourceSystem,
            externalId: b.sourceItemRef,
            createdAt: b.createdAt,
            goldenId: b.itemId,
            entity: 'bom',
          } as never)
        : null,
    history: async (b, args, ctx) => {
      const limit = Math.min(Math.max(args.first ?? 20, 1), 200);
      const versions = (await loadHistory(ctx.services.bom.db, 'bom', [b.id], limit)).get(b.id) ?? [];
      return versions.slice(0, limit).map((v, i) => ({ ...v, previous: versions[i + 1] ?? null }));
    },
  },
  BomLine: {
    component: (l, _, ctx) => item(ctx, l.componentId),
    quantityInBaseUnit: (l) => l.quantityBase,
  },
  BomSubstitute: {
    component: (s, _, ctx) => item(ctx, s.componentId),
  },
  BomConnection: {
    edges: (p) => p.rows.map((node) => ({ node, cursor: BomStore.cursorOf(node) })),
    nodes: (p) => p.rows,
    pageInfo: (p) => ({
      hasNextPage: p.hasNextPage,
      hasPreviousPage: false,
      startCursor: p.rows[0] ? BomStore.cursorOf(p.rows[0]) : null,
      endCursor: p.rows.at(-1) ? BomStore.cursorOf(p.rows.at(-1)!) : null,
    }),
  },
  BomExplosion: {
    item: (x, _, ctx) => item(ctx, x.item.id),
    nodeCount: (x) => x.nodes.length,
    depth: (x) => x.nodes.level.reduce((d, l) => Math.max(d, l), 0),
    nodes: (x, args) => page(x.nodes.length, args.first, args.after, (i) => ({ x, i })),
    compact: async (x, _, ctx) => {
      const n = x.nodes;
      // The exploded item first, then the components in order of first appearance (node.item indexes them + 1).
      const infos = await itemInfos(ctx).loadMany([x.item.id, ...n.items]);
      const items = infos.map((info, i) =>
        info instanceof Error || !info
          ? { id: i === 0 ? x.item.id : n.items[i - 1] }
          : { id: info.id, code: info.code, baseUnit: info.baseUnit },
      );
      const item = new Array<number>(n.length);
      const hasBom = new Array<boolean>(n.length);
      for (let i = 0; i < n.length; i++) {
        item[i] = n.item[i]! + 1;
        hasBom[i] = n.hasBom[i] === 1;
      }
      return {
        items,
        item,
        parent: Array.from(parentsOf(x)),
        level: Array.from(n.level),
        quantityPerParent: n.per,
        scrapPercent: n.scrapPercent,
        quantity: n.total,
        hasBom,
      };
    },
    components: (x) => x.components(),
  },
  BomNode: {
    index: (n) => n.i,
    parentIndex: (n) => {
      const p = parentsOf(n.x)[n.i]!;
      return p < 0 ? null : p;
    },
    level: (n) => n.x.nodes.level[n.i]!,
    path: async (n, _, ctx) => {
      const parents = parentsOf(n.x);
      const nodes = n.x.nodes;
      const ids = [nodes.items[nodes.item[n.i]!]!];
      for (let p = parents[n.i]!; p >= 0; p = parents[p]!) ids.unshift(nodes.items[nodes.item[p]!]!);
      ids.unshift(n.x.item.id);
      const infos = await itemInfos(ctx).loadMany(ids);
      return infos.map((info, i) => (info && !(info instanceof Error) ? info.code : ids[i]!));
    },
    item: (n, _, ctx) => item(ctx, n.x.nodes.items[n.x.nodes.item[n.i]!]!),
    line: async (n, _, ctx) => (await bomLoaders(ctx).lineById.load(n.x.nodes.lineId![n.i]!))!,
    quantityPerParent: (n) => n.x.nodes.per[n.i]!,
    scrapPercent: (n) => n.x.nodes.scrapPercent[n.i]!,
    quantity: (n) => n.x.nodes.total[n.i]!,
    hasBom: (n) => n.x.nodes.hasBom[n.i] === 1,
  },
  BomNodeConnection: {
    pageInfo: (p) => pageInfo(p),
    totalCount: (p) => p.total,
  },
  BomComponentTotal: {
    item: (c, _, ctx) => item(ctx, c.itemId),
    quantity: (c) => c.total,
  },
  WhereUsed: {
    component: (w, _, ctx) => item(ctx, w.component.id),
    nodeCount: (w) => w.rows.length,
    pathCount: (w) => w.rows.filter((r) => r.top).length,
    directParents: (w) => topViews(w, true),
    topLevel: (w) => topViews(w, false),
    nodes: (w, args) => page(w.rows.length, args.first, args.after, (i) => ({ w, i })),
    compact: async (w, _, ctx) => {
      const distinct = [w.component.id];
      const index = new Map<string, number>([[w.component.id, 0]]);
      const item = w.rows.map((r) => {
        let k = index.get(r.itemId);
        if (k === undefined) {
          k = distinct.length;
          index.set(r.itemId, k);
          distinct.push(r.itemId);
        }
        return k;
      });
      const infos = await itemInfos(ctx).loadMany(distinct);
      return {
        items: infos.map((info, i) =>
          info instanceof Error || !info
            ? { id: distinct[i] }
            : { id: info.id, code: info.code, baseUnit: info.baseUnit },
        ),
        item,
        below: w.rows.map((r) => r.below),
        level: w.rows.map((r) => r.level),
        quantity: w.rows.map((r) => r.quantity),
        topLevel: w.rows.map((r) => r.top),
      };
    },
  },
  WhereUsedNode: {
    index: (n) => n.i,
    belowIndex: (n) => {
      const b = n.w.rows[n.i]!.below;
      return b < 0 ? null : b;
    },
    level: (n) => n.w.rows[n.i]!.level,
    item: (n, _, ctx) => item(ctx, n.w.rows[n.i]!.itemId),
    line: async (n, _, ctx) => (await bomLoaders(ctx).lineById.load(n.w.rows[n.i]!.lineId))!,
    quantity: (n) => n.w.rows[n.i]!.quantity,
    topLevel: (n) => n.w.rows[n.i]!.top,
  },
  WhereUsedNodeConnection: {
    pageInfo: (p) => pageInfo(p),
    totalCount: (p) => p.total,
  },
  WhereUsedTop: {
    item: (t, _, ctx) => item(ctx, t.itemId),
  },
  BomCost: {
    item: (c, _, ctx) => item(ctx, c.item.id),
    total: (c) => ({ amount: c.total, currency: c.currency }),
    unitCost: (c) => ({ amount: unitOf(c.total, c.quantity), currency: c.currency }),
    levels: (c) => c.levels.map((l) => ({ ...l, currency: c.currency })),
    components: (c) => c.components.map((x) => ({ ...x, currency: c.currency })),
    assemblies: async (c) => (await c.assemblies()).map((a) => ({ ...a, currency: c.currency })),
    missingPrices: (c, _, ctx) => c.missing.map((id) => item(ctx, id)),
    complete: (c) => c.missing.length === 0,
  },
  BomCostLevel: {
    amount: (l) => ({ amount: l.amount, currency: l.currency }),
  },
  BomComponentCost: {
    item: (c, _, ctx) => item(ctx, c.itemId),
    unitPrice: (c) => money(c.price, c.currency),
    amount: (c) => money(c.amount, c.currency),
  },
  BomAssemblyCost: {
    item: (a, _, ctx) => item(ctx, a.itemId),
    unitCost: (a) => ({ amount: a.unitCost, currency: a.currency }),
  },
  Quotation: {
    item: (q, _, ctx) => item(ctx, q.item.id),
    materialCost: (q) => ({ amount: q.materialCost, currency: q.currency }),
    price: (q) => ({ amount: q.price, currency: q.currency }),
    unitPrice: (q) => ({ amount: q.unitPrice, currency: q.currency }),
    marginAmount: (q) => ({ amount: q.marginAmount, currency: q.currency }),
    components: (q) => q.cost.components.map((c: ComponentCost) => ({ ...c, currency: q.currency })),
    missingPrices: (q, _, ctx) => q.cost.missing.map((id) => item(ctx, id)),
    complete: (q) => q.cost.missing.length === 0,
  },
  BomDiff: {},
  BomLineDiff: {
    component: (d, _, ctx) => item(ctx, d.componentId),
  },
  EngineeringChangeEffect: {
    item: (e, _, ctx) => item(ctx, e.bom.itemId),
  },
  EngineeringChangePreview: {
    bomCount: (p) => p.effects.length,
  },
  EngineeringChange: {
    component: (c, _, ctx) => item(ctx, c.componentId),
    replacement: (c, _, ctx) => (c.replacementId ? item(ctx, c.replacementId) : null),
    bomCount: (c) => c.effects.length,
  },
  EngineeringChangeConnection: {
    pageInfo: (p) => ({
      hasNextPage: p.hasNextPage,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: p.endCursor,
    }),
  },
};

function unitOf(total: string, quantity: string): string {
  return new Dec(total).div(quantity).toFixed();
}
