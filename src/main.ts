import { parseArgs } from 'node:util';
import { openHub, startHub } from './app';
import { ConfigError, loadConfig } from './config';
import type { Database } from './db/pool';
import { seedDemoDocuments } from './demo/documents';
import { seedDemo } from './demo/seed';
import { ConflictError } from './errors';
import { listConnectors } from './sync/registry';
import type { SyncRunRow } from './sync/runner';
import { markFailed } from './sync/worker';
import { Presets, SingleBar } from 'cli-progress';
import type { Services } from './graphql/context';
import { log } from './log';

const USAGE = `mdhub — master-data hub

Usage: mdhub <command> [options]

Commands:
  serve [--no-demo]   start the API (GraphQL at /graphql, IDE at /graphiql) with sync workers and the
                      scheduler (MDHUB_WORKERS=false: the API alone); migrates first
  worker              run sync workers and the scheduler only, no API (scale out with more of them)
  migrate             apply database migrations and exit
  seed                load the demo data (idempotent) and exit
  connectors          list the installed connector types and their settings
  sync <connection> [--full]
                      sync a connection now in this process (incremental unless --full), with progress
                      and a summary
  help                show this text

Configuration is read from the environment; see README.md.`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'no-demo': { type: 'boolean' }, full: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const command = positionals[0] ?? 'serve';
  if (values.help || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  switch (command) {
    case 'serve': {
      const hub = await startHub(config, { demo: values['no-demo'] ? false : config.demo });
      const where =
        hub.database.mode === 'embedded' ? `embedded database in ${config.dataDir}` : 'PostgreSQL from DATABASE_URL';
      const workers = config.workers
        ? `${config.workerConcurrency} at a time, queue on ${queueName(await hub.services.sync.jobs.backend())}`
        : 'off (MDHUB_WORKERS=false)';
      // Listening for signals before saying so: a supervisor may send one as soon as it reads the banner.
      const stopped = untilSignal(() => hub.close());
      console.log(
        `mdhub ${hub.services.version} is up on ${where}\n  GraphQL: ${hub.url}/graphql\n  IDE:     ${hub.url}/graphiql\n` +
          `  Sync workers: ${workers}`,
      );
      await stopped;
      return 0;
    }
    case 'worker': {
      const { database, services } = await openHub(config);
      try {
        const queue = await services.sync.jobs.start({ workers: true, scheduler: true });
        const where = database.mode === 'embedded' ? `embedded database in ${config.dataDir}` : 'PostgreSQL';
        const stopped = untilSignal(() => services.sync.jobs.close());
        console.log(
          `mdhub ${services.version} worker is up on ${where}: ${config.workerConcurrency} sync jobs at a time, ` +
            `queue on ${queueName(queue.backend)}`,
        );
        await stopped;
      } finally {
        await services.sync.jobs.close();
        await database.close();
      }
      return 0;
    }
    case 'connectors': {
      for (const c of listConnectors()) {
        console.log(`${c.type}  ${c.title}\n  ${c.description}`);
        const props = (c.settingsSchema as { properties?: Record<string, { description?: string }> }).properties ?? {};
        for (const [name, p] of Object.entries(props))
          console.log(`  settings.${name}${p.description ? `: ${p.description}` : ''}`);
        for (const name of c.credentialFields) console.log(`  credentials.${name}`);
      }
      return 0;
    }
    case 'sync': {
      const name = positionals[1];
      if (!name) {
        console.error('usage: mdhub sync <connection> [--full]');
        return 2;
      }
      const { database, services } = await openHub(config);
      try {
        return await syncCommand(database, services, name, values.full ? 'full' : 'incremental');
      } finally {
        await database.close();
      }
    }
    case 'migrate': {
      const { database } = await openHub(config);
      await database.close();
      console.log('migrations applied');
      return 0;
    }
    case 'seed': {
      const { database, services } = await openHub(config);
      try {
        const counts = { ...(await seedDemo(services.master)), ...(await seedDemoDocuments(services)) };
        console.log(`demo data loaded: ${JSON.stringify(counts)}`);
      } finally {
        await database.close();
      }
      return 0;
    }
    default:
      console.error(`unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

function queueName(backend: 'redis' | 'postgres'): string {
  return backend === 'redis' ? 'Redis' : 'PostgreSQL (BullMQ backend)';
}

/** Resolves once SIGTERM or SIGINT came and `stop` finished (a failure in it is logged). */
function untilSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      log.info({ signal }, 'shutting down');
      stop().then(resolve, (e) => {
        log.error({ err: e }, 'error while shutting down');
        resolve();
      });
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
}

/** Runs one sync in this process with a progress bar on a terminal, then prints what it did. */
async function syncCommand(
  database: Database,
  services: Services,
  name: string,
  mode: 'full' | 'incremental',
): Promise<number> {
  const connection = await services.connections.get({ name });
  if (!connection) {
    const known = (await services.connections.list()).map((c) => c.name);
    console.error(`no connection named '${name}'${known.length ? `; known: ${known.join(', ')}` : ''}`);
    return 2;
  }
  const run = await services.sync.runner.createRun(connection.id, mode, 'cli');
  const bar = new SingleBar(
    {
      format: `${name} ${mode} | {stream} | {value} records | {inserted} new, {updated} changed, {unchanged} unchanged, {deleted} deleted, {failed} failed`,
      noTTYOutput: false,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  const totals = { read: 0, inserted: 0, updated: 0, unchanged: 0, deleted: 0, failed: 0 };
  const interactive = process.stdout.isTTY;
  if (interactive) bar.start(0, 0, { stream: '-', ...totals });
  let done: SyncRunRow;
  try {
    done = await services.sync.runner.execute(run.id, {
      onPage: (p) => {
        for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += p[k];
        if (interactive) {
          bar.setTotal(totals.read);
          bar.update(totals.read, { stream: p.stream, ...totals });
        }
      },
    });
  } catch (e) {
    if (interactive) bar.stop();
    if (!(e instanceof ConflictError)) throw e;
    // A worker is running this connection; left queued, this run would be picked up by a worker later.
    await markFailed(database.db, run.id, e);
    console.error(`${e.message}; try again when that run has ended (run ${run.id} not started)`);
    return 1;
  }
  if (interactive) bar.stop();
  const seconds = done.startedAt && done.finishedAt ? (done.finishedAt.getTime() - done.startedAt.getTime()) / 1000 : 0;
  console.log(
    `sync ${done.status}: ${done.read} read, ${done.inserted} new, ${done.updated} changed, ${done.unchanged} unchanged, ` +
      `${done.deleted} deleted, ${done.failed} failed in ${seconds.toFixed(1)} s (run ${done.id})`,
  );
  if (done.error) console.log(`error: ${done.error}`);
  return done.status === 'succeeded' ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof ConfigError) console.error(e.message);
    else log.fatal({ err: e }, 'mdhub failed');
    process.exit(1);
  },
);
