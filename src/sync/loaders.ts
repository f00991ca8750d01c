import DataLoader from 'dataloader';
import type { GraphContext } from '../graphql/context';
import type { MasterEntity } from '../master/specs';
import type { ConnectionView } from './connections';
import type { LineageRow, SourceRecordRow } from './reads';

function group<T extends { goldenId: string }>(rows: T[], ids: readonly string[]): T[][] {
  const m = new Map<string, T[]>();
  for (const r of rows) m.set(r.goldenId, [...(m.get(r.goldenId) ?? []), r]);
  return ids.map((id) => m.get(id) ?? []);
}

/** Per-request batching of source records and lineage: one statement per entity for a whole page of records. */
class SyncLoaders {
  private readonly sources = new Map<MasterEntity, DataLoader<string, SourceRecordRow[]>>();
  private readonly lineages = new Map<MasterEntity, DataLoader<string, LineageRow[]>>();
  /** Connections by id: a list of runs names each one's connection with one statement. */
  readonly connection: DataLoader<string, ConnectionView | null>;

  constructor(private readonly ctx: GraphContext) {
    this.connection = new DataLoader(async (ids) => {
      const byId = new Map((await ctx.services.connections.list()).map((c) => [c.id, c]));
      return ids.map((id) => byId.get(id) ?? null);
    });
  }

  sourceRecords(entity: MasterEntity): DataLoader<string, SourceRecordRow[]> {
    let l = this.sources.get(entity);
    if (!l) {
      l = new DataLoader(async (ids) => group(await this.ctx.services.sync.reads.sourceRecords(entity, ids), ids));
      this.sources.set(entity, l);
    }
    return l;
  }

  lineage(entity: MasterEntity): DataLoader<string, LineageRow[]> {
    let l = this.lineages.get(entity);
    if (!l) {
      l = new DataLoader(async (ids) => group(await this.ctx.services.sync.reads.lineage(entity, ids), ids));
      this.lineages.set(entity, l);
    }
    return l;
  }
}

// Keyed by the request's loaders object, so the sync module's batching lives and dies with the request.
const perRequest = new WeakMap<object, SyncLoaders>();

export function syncLoaders(ctx: GraphContext): SyncLoaders {
  let l = perRequest.get(ctx.loaders);
  if (!l) {
    l = new SyncLoaders(ctx);
    perRequest.set(ctx.loaders, l);
  }
  return l;
}
