import type { GraphContext } from '../graphql/context';
import type { Resolvers } from '../graphql/generated/types';
import type { MasterEntity } from '../master/specs';
import type { GoldenRow } from '../master/store';
import type { ConnectionView } from './connections';
import { syncLoaders } from './loaders';
import { listConnectors } from './registry';
import type { SyncRunRow } from './runner';

/** Source records and lineage of a golden record, for each master entity type. */
function goldenSyncFields(entity: MasterEntity) {
  return {
    sourceRecords: (row: GoldenRow, _: unknown, ctx: GraphContext) =>
      syncLoaders(ctx).sourceRecords(entity).load(row.id),
    lineage: (row: GoldenRow, _: unknown, ctx: GraphContext) => syncLoaders(ctx).lineage(entity).load(row.id),
  };
}

export const syncResolvers: Resolvers = {
  Query: {
    connections: (_, __, ctx) => ctx.services.connections.list(),
    connection: (_, args, ctx) => ctx.services.connections.get(args),
    connectorTypes: () => listConnectors(),
    syncRuns: (_, args, ctx) => ctx.services.sync.reads.runs(args),
    syncRun: (_, args, ctx) => ctx.services.sync.reads.run(args.id),
  },
  Mutation: {
    createConnection: (_, args, ctx) => ctx.services.connections.create(args.input as never, ctx.actor),
    updateConnection: (_, args, ctx) =>
      ctx.services.connections.update(args.id, args.expectedVersion, args.patch as never, ctx.actor),
    testConnection: (_, args, ctx) => ctx.services.connections.test(args.id),
    // Queued for a worker; the answer is the queued run, which syncRun(id) follows to its end.
    triggerSync: (_, args, ctx) => ctx.services.sync.jobs.trigger(args.connectionId, args.mode ?? 'incremental', 'api'),
  },
  Connection: {
    schedule: (c: ConnectionView) =>
      c.scheduleEverySeconds === null && c.scheduleCron === null
        ? null
        : { everySeconds: c.scheduleEverySeconds, cron: c.scheduleCron },
  },
  SyncRun: {
    connection: async (r: SyncRunRow, _, ctx) => (await syncLoaders(ctx).connection.load(r.connectionId))!,
    durationMs: (r: SyncRunRow) =>
      r.startedAt && r.finishedAt ? r.finishedAt.getTime() - r.startedAt.getTime() : null,
    errors: (r: SyncRunRow, args, ctx) => ctx.services.sync.reads.errors(r.id, args.first ?? 100),
  },
  Customer: goldenSyncFields('customer'),
  Supplier: goldenSyncFields('supplier'),
  Item: goldenSyncFields('item'),
  Warehouse: goldenSyncFields('warehouse'),
};
