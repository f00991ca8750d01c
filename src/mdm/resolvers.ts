import DataLoader from 'dataloader';
import type { GraphContext } from '../graphql/context';
import type { Resolvers } from '../graphql/generated/types';
import { connectionResolvers } from '../graphql/resolvers/connection';
import type { MasterEntity } from '../master/specs';
import type { GoldenRow } from '../master/store';
import type { SourceRecordRow } from '../sync/reads';
import { mergedIdsOf, survivorsOf } from './aliases';
import type { OverrideView } from './overrides';
import type { CandidateView, StewardTaskRow } from './steward';

/** Per-request batching for the steward API: one statement per relation for a whole page. */
class MdmLoaders {
  private readonly merged = new Map<MasterEntity, DataLoader<string, string[]>>();
  private readonly overrides = new Map<MasterEntity, DataLoader<string, OverrideView[]>>();
  /** For merged records, the record each was merged into. */
  readonly survivor: DataLoader<string, string | null>;
  readonly sourceRecord: DataLoader<string, SourceRecordRow | null>;

  constructor(private readonly ctx: GraphContext) {
    const db = ctx.services.mdm.db;
    this.survivor = new DataLoader(async (ids) => {
      const m = await survivorsOf(db, ids);
      return ids.map((id) => m.get(id) ?? null);
    });
    this.sourceRecord = new DataLoader(async (ids) => {
      const byId = new Map((await ctx.services.sync.reads.sourceRecordsByIds(ids)).map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    });
  }

  mergedIds(entity: MasterEntity): DataLoader<string, string[]> {
    let l = this.merged.get(entity);
    if (!l) {
      l = new DataLoader(async (ids) => {
        const m = await mergedIdsOf(this.ctx.services.mdm.db, entity, ids);
        return ids.map((id) => m.get(id) ?? []);
      });
      this.merged.set(entity, l);
    }
    return l;
  }

  overridesOf(entity: MasterEntity): DataLoader<string, OverrideView[]> {
    let l = this.overrides.get(entity);
    if (!l) {
      l = new DataLoader(async (ids) => {
        const rows = await this.ctx.services.mdm.overrides.forRecords(entity, ids);
        return ids.map((id) => rows.filter((r) => r.goldenId === id));
      });
      this.overrides.set(entity, l);
    }
    return l;
  }

  /** A golden record as it is now: the record it was merged into, if it was. */
  async current(entity: MasterEntity, id: string): Promise<GoldenRow | null> {
    const row = await this.ctx.loaders.record(entity).load(id);
    if (!row || row.status !== 'archived') return row;
    const into = await this.survivor.load(id);
    return into ? ((await this.ctx.loaders.record(entity).load(into)) ?? row) : row;
  }
}

// Keyed by the request's loaders object, so the batching lives and dies with the request.
const perRequest = new WeakMap<object, MdmLoaders>();

function mdmLoaders(ctx: GraphContext): MdmLoaders {
  let l = perRequest.get(ctx.loaders);
  if (!l) perRequest.set(ctx.loaders, (l = new MdmLoaders(ctx)));
  return l;
}

/** Aliases and overrides of a golden record, for each master entity type. */
function goldenMdmFields(entity: MasterEntity) {
  return {
    mergedIds: (row: GoldenRow, _: unknown, ctx: GraphContext) => mdmLoaders(ctx).mergedIds(entity).load(row.id),
    // Only a merged record is archived: live records need no statement.
    mergedInto: (row: GoldenRow, _: unknown, ctx: GraphContext) =>
      row.status === 'archived' ? mdmLoaders(ctx).survivor.load(row.id) : null,
    overrides: (row: GoldenRow, _: unknown, ctx: GraphContext) => mdmLoaders(ctx).overridesOf(entity).load(row.id),
  };
}

const change = (ctx: GraphContext, reason: string | null | undefined) => ({ actor: ctx.actor, reason });

export const mdmResolvers: Resolvers = {
  Query: {
    stewardTasks: async (_, args, ctx) => {
      const filter = { entity: args.entity as MasterEntity | null, status: args.status ?? null };
      const page = await ctx.services.mdm.steward.list({ ...filter, first: args.first, after: args.after });
      return { page, totalCount: () => ctx.services.mdm.steward.count(filter) };
    },
    stewardTask: (_, args, ctx) => ctx.services.mdm.steward.get(args.id),
  },
  Mutation: {
    mergeGoldenRecords: (_, args, ctx) =>
      ctx.services.mdm.merges.merge(
        args.entity as MasterEntity,
        args.survivorId,
        args.mergedId,
        change(ctx, args.reason),
      ),
    resolveStewardTask: (_, args, ctx) =>
      ctx.services.mdm.steward.resolve(args.id, args.decision, args.goldenId, change(ctx, args.reason)),
    unmergeSourceRecord: (_, args, ctx) =>
      ctx.services.mdm.merges.unmerge(args.sourceRecordId, change(ctx, args.reason)),
    setOverride: (_, args, ctx) =>
      ctx.services.mdm.overrides.set(
        args.entity as MasterEntity,
        args.id,
        args.field,
        args.value ?? null,
        change(ctx, args.reason),
      ),
    clearOverride: (_, args, ctx) =>
      ctx.services.mdm.overrides.clear(args.entity as MasterEntity, args.id, args.field, change(ctx, args.reason)),
  },
  StewardTask: {
    sourceRecord: async (t: StewardTaskRow, _, ctx) => (await mdmLoaders(ctx).sourceRecord.load(t.sourceRecordId))!,
    golden: (t: StewardTaskRow, _, ctx) => (t.goldenId ? ctx.loaders.record(t.entity).load(t.goldenId) : null),
    candidates: (t: StewardTaskRow): CandidateView[] => t.candidates.map((c) => ({ ...c, entity: t.entity })),
  },
  MatchCandidate: {
    golden: (c: CandidateView, _, ctx) => mdmLoaders(ctx).current(c.entity, c.goldenId),
  },
  StewardTaskConnection: connectionResolvers<StewardTaskRow>(),
  Customer: goldenMdmFields('customer'),
  Supplier: goldenMdmFields('supplier'),
  Item: goldenMdmFields('item'),
  Warehouse: goldenMdmFields('warehouse'),
};
