import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import '../connectors';
import type { Config } from './config';
import { migrate } from './db/migrate';
import { type Database, openDatabase } from './db/pool';
import { seedDemoDocuments } from './demo/documents';
import { isStoreEmpty, seedDemo } from './demo/seed';
import type { Services } from './graphql/context';
import { createApolloServer, PKG_VERSION } from './graphql/server';
import { createHttpServer } from './http/server';
import { log } from './log';
import { BomService } from './bom/service';
import { refreshMissingOrderStatus } from './orders/status';
import { StockService } from './orders/stock';
import { DocumentStore } from './orders/store';
import { MasterService } from './master/service';
import { MdmService } from './mdm/service';
import { ConnectionService } from './sync/connections';
import { SyncJobs } from './sync/jobs';
import { SyncReads } from './sync/reads';
import { SyncRunner } from './sync/runner';
import { SecretBox } from './sync/secrets';

/** A database opened, migrated and initialised: what every command (serve, seed, migrate) starts from. */
export async function openHub(config: Config): Promise<{ database: Database; services: Services }> {
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.databaseUrl ? undefined : config.dataDir,
    poolMax: config.dbPoolMax,
  });
  try {
    await migrate(database.pool);
    return { database, services: await createServices(config, database) };
  } catch (e) {
    await database.close();
    throw e;
  }
}

/**
 * The services over a migrated database. The secret key comes from MDHUB_SECRET_KEY; the embedded demo without
 * one keeps a generated key beside its data; a PostgreSQL hub without one cannot store credentials (and says so).
 */
export async function createServices(
  config: Config,
  database: Pick<Database, 'db' | 'pool' | 'mode'>,
): Promise<Services> {
  const master = new MasterService(database.db, config);
  await master.init();
  await database.db.transaction((tx) => refreshMissingOrderStatus(tx));
  const secrets = config.secretKey
    ? SecretBox.fromKey(config.secretKey)
    : database.mode === 'embedded' && !config.databaseUrl
      ? SecretBox.fromKeyFile(config.dataDir)
      : null;
  const connections = new ConnectionService(database.db, secrets);
  const sync = {
    runner: new SyncRunner(database, connections, {
      defaultRegion: config.defaultRegion,
      pageSize: config.syncPageSize,
      survivorship: config.survivorship,
      matchThresholds: config.matchThresholds,
    }),
    reads: new SyncReads(database.db),
  };
  return {
    config,
    master,
    connections,
    sync: { ...sync, jobs: new SyncJobs(config, database, sync.runner) },
    bom: new BomService(database.db),
    orders: new DocumentStore(database.db),
    stock: new StockService(database.db),
    mdm: new MdmService(database.db, { defaultRegion: config.defaultRegion, survivorship: config.survivorship }),
    storage: database.mode,
    version: PKG_VERSION,
  };
}

export interface RunningHub {
  url: string;
  server: http.Server;
  services: Services;
  database: Database;
  /**
   * Stops taking requests, lets in-flight ones finish (up to the shutdown timeout), stops the sync workers (running
   * syncs go back to the queue after their current page), then closes the database.
   */
  close(): Promise<void>;
}

/**
 * Starts the hub: migrations, demo data on an empty store when enabled, HTTP, then the job queue with this
 * process's sync workers and scheduler (unless MDHUB_WORKERS is off).
 */
export async function startHub(config: Config, opts: { demo?: boolean } = {}): Promise<RunningHub> {
  const { database, services } = await openHub(config);
  if ((opts.demo ?? config.demo) && (await isStoreEmpty(services.master))) {
    const counts = { ...(await seedDemo(services.master)), ...(await seedDemoDocuments(services)) };
    log.info(counts, 'empty store: loaded the demo data (turn off with --no-demo or MDHUB_DEMO=false)');
  }
  const apollo = createApolloServer({ development: config.env === 'development' });
  await apollo.start();
  const server = createHttpServer({
    apollo,
    services,
    ready: async () => {
      await database.pool.query('SELECT 1');
      return true;
    },
    sqlCountHeader: config.sqlCountHeader,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  await services.sync.jobs.start({ workers: config.workers, scheduler: config.workers });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${addr.port}`,
    server,
    services,
    database,
    close() {
      closing ??= (async () => {
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), config.shutdownTimeoutMs);
        await done;
        clearTimeout(timer);
        await services.sync.jobs.close();
        await apollo.stop();
        await database.close();
      })();
      return closing;
    },
  };
}
