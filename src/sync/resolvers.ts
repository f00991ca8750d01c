import type { Resolvers } from '../graphql/generated/types';
import type { ConnectionView } from './connections';
import { listConnectors } from './registry';

export const syncResolvers: Resolvers = {
  Query: {
    connections: (_, __, ctx) => ctx.services.connections.list(),
    connection: (_, args, ctx) => ctx.services.connections.get(args),
    connectorTypes: () => listConnectors(),
  },
  Mutation: {
    createConnection: (_, args, ctx) => ctx.services.connections.create(args.input as never, ctx.actor),
    updateConnection: (_, args, ctx) =>
      ctx.services.connections.update(args.id, args.expectedVersion, args.patch as never, ctx.actor),
    testConnection: (_, args, ctx) => ctx.services.connections.test(args.id),
  },
  Connection: {
    schedule: (c: ConnectionView) =>
      c.scheduleEverySeconds === null && c.scheduleCron === null
        ? null
        : { everySeconds: c.scheduleEverySeconds, cron: c.scheduleCron },
  },
};
