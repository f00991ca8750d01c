import { EventEmitter } from 'node:events';
import {
  createPostgresBackend,
  DelayedError,
  type Job,
  type JobsOptions,
  type JobType,
  type PostgresPoolConfig,
  Queue,
  runMigrations,
  withBackend,
  Worker,
} from 'bullmq';
import pg from 'pg';
import type { Database } from '../db/pool';
import { log } from '../log';

/** What a sync job carries: the run to execute (created beforehand by `SyncRunner.createRun`). */
export interface SyncJobData {
  runId: string;
  connectionId: string;
}

/** A sync job as a handler sees it. */
export interface SyncJob extends SyncJobData {
  /** The job id: the run id, unless `enqueueSync` was given another. */
  id: string;
  /** 1 on the first try, 2 on the first retry, and so on up to `maxAttempts`. */
  attempt: number;
  maxAttempts: number;
  /** Aborted when BullMQ gives up on this attempt (the job was cancelled or its lock was lost). */
  signal?: AbortSignal;
}

/**
 * Handles one sync job. Throwing fails the attempt; the job is retried with back-off until attempts run out, unless
 * the error is an UnrecoverableError, which fails the job at once (for a run that no longer exists, say).
 */
export type SyncJobHandler = (job: SyncJob) => Promise<void>;

export { UnrecoverableError } from 'bullmq';

/**
 * Thrown by a handler that cannot run its job yet (another run of the connection is going on, the process is
 * shutting down): the job runs again after `delayMs`, on any worker, and the try does not count as an attempt.
 */
export class PostponedError extends Error {
  override readonly name = 'PostponedError';

  constructor(
    readonly delayMs: number,
    reason: string,
  ) {
    super(reason);
  }
}

export interface JobQueueOptions {
  /** BullMQ on this Redis. Without it, BullMQ's PostgreSQL backend in `database`. */
  redisUrl?: string;
  /**
   * The hub's database, for the PostgreSQL backend. Only its connection settings are reused: BullMQ opens small
   * pools of its own (a worker also holds one connection for LISTEN), so queue traffic never waits for API requests.
   */
  database?: Pick<Database, 'pool' | 'mode'>;
  /** Redis key prefix (default `mdhub`). On PostgreSQL the namespace is the database's `bullmq` schema instead. */
  prefix?: string;
  /** Queue name (default `sync`); one queue per kind of job. */
  queueName?: string;
  /** Tries per job, the first included (default 5). */
  attempts?: number;
  /** First retry delay; each further retry waits twice as long (default 5 s: 5, 10, 20, 40 s). */
  backoffMs?: number;
  /** How long a completed job is kept, and so how long its id keeps a second enqueue out (default a day). */
  keepCompletedSeconds?: number;
  /** How long a job that ran out of attempts is kept for inspection (default a week). */
  keepFailedSeconds?: number;
  /** Seconds an idle worker waits for a job before asking again (BullMQ's drainDelay, default 5). */
  idleWaitSeconds?: number;
  /**
   * How long a worker's claim on a running job lasts without renewal (renewed every half of it; default 30 s).
   * A worker that dies stops renewing; once its claim has lapsed, another worker's stalled-job check (run as often)
   * puts the job back in the queue and it is taken over.
   */
  lockMs?: number;
  /** How often one job may be taken over from a dead worker before it fails (default 3). */
  maxStalls?: number;
}

export interface EnqueueOptions {
  /** Start no earlier than this many milliseconds from now. */
  delayMs?: number;
  /**
   * The job id (default the run id; BullMQ refuses bare integers and ':'). While a job with this id exists,
   * enqueueing it again adds nothing.
   */
  jobId?: string;
}

export interface StartWorkerOptions {
  /** Jobs this worker runs at once (default 1). */
  concurrency?: number;
}

/** The backend-independent counts of a queue's jobs. */
export type JobCounts = Record<'waiting' | 'active' | 'delayed' | 'completed' | 'failed', number>;

/** Sync jobs on BullMQ, on Redis or on PostgreSQL; callers do not see which. */
export interface JobQueue {
  /** `redis` or `postgres` (the embedded PGlite counts as `postgres`). */
  readonly backend: 'redis' | 'postgres';
  /**
   * Queues a run and returns its job id. The job id is the run id, so a run is queued once: enqueueing it again
   * while its job exists (waiting, delayed, running, completed within `keepCompletedSeconds` or failed within
   * `keepFailedSeconds`) adds nothing and returns the same id. To try a failed run again, create a new run.
   */
  enqueueSync(data: SyncJobData, opts?: EnqueueOptions): Promise<string>;
  /**
   * Starts a worker that calls `handler` for each job, up to `concurrency` at a time; resolves once it is
   * connected. A process may start several; `close` stops them all.
   */
  startWorker(handler: SyncJobHandler, opts?: StartWorkerOptions): Promise<void>;
  /** Counts of the queue's jobs by state (for health pages and tests). */
  counts(): Promise<JobCounts>;
  /**
   * Stops the workers (letting running jobs finish, unless `force`), then closes every connection this queue
   * opened. Safe to call twice.
   */
  close(opts?: { force?: boolean }): Promise<void>;
}

const JOB_NAME = 'sync';
/** BullMQ's PostgreSQL schema. A pg.Pool handed to BullMQ always uses this one, so it is not configurable here. */
const PG_SCHEMA = 'bullmq';
const PG_POOL_MAX = 5;

/**
 * Opens the job queue: BullMQ on Redis when `redisUrl` is set, else BullMQ's PostgreSQL backend in the hub's
 * database (its `bullmq` schema, created or migrated on connect). Jobs are retried with exponential back-off and
 * kept a while after they end; see JobQueueOptions for the defaults.
 */
export async function createJobQueue(opts: JobQueueOptions): Promise<JobQueue> {
  const name = opts.queueName ?? 'sync';
  const attempts = opts.attempts ?? 5;
  const defaultJobOptions: JobsOptions = {
    attempts,
    backoff: { type: 'exponential', delay: opts.backoffMs ?? 5_000 },
    removeOnComplete: { age: opts.keepCompletedSeconds ?? 86_400 },
    removeOnFail: { age: opts.keepFailedSeconds ?? 7 * 86_400 },
  };
  const drainDelay = opts.idleWaitSeconds ?? 5;
  const lockMs = opts.lockMs ?? 30_000;
  const workerSettings = {
    drainDelay,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    maxStalledCount: opts.maxStalls ?? 3,
  };
  const conn = opts.redisUrl
    ? redisConnection(opts.redisUrl, opts.prefix ?? 'mdhub')
    : await postgresConnection(requireDatabase(opts.database));
  const queue = conn.queue(name, defaultJobOptions);
  queue.on('error', (err) => log.warn({ err, queue: name }, 'job queue connection error'));
  const workers = new Set<WorkerHandle>();
  let closing: Promise<void> | undefined;

  return {
    backend: conn.backend,

    async enqueueSync(data, enqueueOpts = {}) {
      if (closing) throw new Error('the job queue is closed');
      const job = await queue.add(
        JOB_NAME,
        { runId: data.runId, connectionId: data.connectionId },
        { jobId: enqueueOpts.jobId ?? data.runId, delay: enqueueOpts.delayMs },
      );
      return job.id ?? enqueueOpts.jobId ?? data.runId;
    },

    async startWorker(handler, workerOpts = {}) {
      if (closing) throw new Error('the job queue is closed');
      const processor = async (job: Job<SyncJobData, void>, token?: string, signal?: AbortSignal) => {
        try {
          await handler({
            id: job.id ?? job.data.runId,
            runId: job.data.runId,
            connectionId: job.data.connectionId,
            attempt: job.attemptsMade + 1,
            maxAttempts: job.opts.attempts ?? attempts,
            signal,
          });
        } catch (e) {
          if (!(e instanceof PostponedError)) throw e;
          // BullMQ's way to put an active job back without failing it: move it, then say so with DelayedError.
          await job.moveToDelayed(Date.now() + e.delayMs, token);
          throw new DelayedError(e.message);
        }
      };
      const worker = conn.worker(name, processor, { concurrency: workerOpts.concurrency ?? 1, ...workerSettings });
      workers.add(worker);
      worker.on('error', (err) => log.warn({ err, queue: name }, 'job worker error'));
      worker.on('failed', (job, err) => {
        const attempt = job?.attemptsMade ?? 0;
        const final = attempt >= (job?.opts.attempts ?? attempts) || err.name === 'UnrecoverableError';
        log.warn({ err, queue: name, jobId: job?.id, attempt, final }, final ? 'job failed for good' : 'job failed');
      });
      await worker.waitUntilReady();
    },

    async counts() {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
      return {
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        completed: c.completed ?? 0,
        failed: c.failed ?? 0,
      };
    },

    close(closeOpts = {}) {
      closing ??= (async () => {
        // Workers first: a running job may still write its completion through its own connection.
        await Promise.allSettled([...workers].map((w) => w.close(closeOpts.force)));
        await queue.close();
        await conn.close();
      })();
      return closing;
    },
  };
}

function requireDatabase(database: JobQueueOptions['database']): Pick<Database, 'pool' | 'mode'> {
  if (!database) throw new Error('createJobQueue needs a redisUrl or the database for the PostgreSQL backend');
  return database;
}

// What this module uses of BullMQ's Queue and Worker, whose Redis and PostgreSQL flavours differ in type parameters.
type Processor = (job: Job<SyncJobData, void>, token?: string, signal?: AbortSignal) => Promise<void>;

interface QueueHandle {
  add(name: string, data: SyncJobData, opts?: JobsOptions): Promise<{ id?: string }>;
  getJobCounts(...types: JobType[]): Promise<Record<string, number>>;
  on(event: 'error', listener: (err: Error) => void): unknown;
  close(): Promise<void>;
}

interface WorkerHandle {
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'failed', listener: (job: Job<SyncJobData, void> | undefined, err: Error) => void): unknown;
  waitUntilReady(): Promise<unknown>;
  close(force?: boolean): Promise<void>;
}

interface WorkerSettings {
  concurrency: number;
  drainDelay: number;
  lockDuration: number;
  stalledInterval: number;
  maxStalledCount: number;
}

interface Connection {
  backend: 'redis' | 'postgres';
  queue(name: string, defaultJobOptions: JobsOptions): QueueHandle;
  worker(name: string, processor: Processor, opts: WorkerSettings): WorkerHandle;
  /** Closes what the queues and workers do not close themselves. */
  close(): Promise<void>;
}

/** BullMQ on Redis: each Queue and Worker opens (and closes) its own clients from the URL. */
function redisConnection(url: string, prefix: string): Connection {
  return {
    backend: 'redis',
    queue: (name, defaultJobOptions) =>
      new Queue<SyncJobData, void>(name, { connection: { url }, prefix, defaultJobOptions }),
    worker: (name, processor, o) =>
      new Worker<SyncJobData, void>(name, processor, { connection: { url }, prefix, ...o }),
    close: async () => {},
  };
}

/**
 * BullMQ's PostgreSQL backend. On a PostgreSQL server BullMQ gets the connection settings and owns its pools: it
 * pins each connection's search_path to the `bullmq` schema and migrates that schema when it connects.
 *
 * The embedded PGlite is one backend session that pglite-socket shares between all its socket connections, and it
 * keeps two connections' statements apart only inside a transaction. Outside one, the messages of two
 * extended-protocol queries interleave (one connection's Parse replacing the other's unnamed statement before its
 * Bind): with BullMQ on a pool of its own next to the hub's connection, adding jobs under load failed with
 * `portal "" does not exist` and empty results. So on PGlite the queue opens no connection at all: every statement
 * it runs goes through the hub's own pool, which holds the one connection (see db/pool.ts) and sends one query at a
 * time. The session's search_path gains `bullmq` after the hub's own schemas (the hub's unqualified names still
 * resolve and its DDL still lands in `public`; BullMQ's functions pin their own search_path), and the NOTIFYs that
 * wake waiting workers, which PGlite hands to whichever connection ran the notifying statement, are passed on from
 * the hub's connection to BullMQ's listeners. The price: queue statements wait for a hub transaction in progress,
 * so nothing may wait for the queue while it holds a transaction.
 */
async function postgresConnection(database: Pick<Database, 'pool' | 'mode'>): Promise<Connection> {
  const { Queue: PgQueue, Worker: PgWorker } = withBackend(createPostgresBackend);
  if (database.mode === 'postgres') {
    const { connectionString, host, port, user, database: dbName, ssl } = database.pool.options;
    const pw = database.pool.options.password;
    const password = typeof pw === 'function' ? await pw() : pw;
    const settings = Object.fromEntries(
      Object.entries({ connectionString, host, port, user, password, database: dbName, ssl }).filter(
        ([, v]) => v !== undefined,
      ),
    ) as pg.PoolConfig & { password?: string };
    const connection: PostgresPoolConfig = {
      ...settings,
      schema: PG_SCHEMA,
      migrate: true,
      max: PG_POOL_MAX,
      application_name: 'mdhub-queue',
    };
    return {
      backend: 'postgres',
      queue: (name, defaultJobOptions) => new PgQueue<SyncJobData, void>(name, { connection, defaultJobOptions }),
      worker: (name, processor, o) => new PgWorker<SyncJobData, void>(name, processor, { connection, ...o }),
      close: async () => {},
    };
  }
  const client = await database.pool.connect();
  try {
    await runMigrations(client, PG_SCHEMA);
    // The session is shared, so this reaches the hub's connection, whichever socket it is on. After the hub's own
    // schemas: its unqualified names still resolve as before and its DDL still lands in `public`.
    await client.query(
      `SELECT set_config('search_path', current_setting('search_path') || ', ${PG_SCHEMA}', false)
        WHERE NOT '${PG_SCHEMA}' = ANY (current_schemas(false))`,
    );
  } finally {
    client.release();
  }
  const session = hubSession(database.pool);
  // BullMQ takes any object with connect, query and end for a pg.Pool.
  const pool = session.pool as unknown as pg.Pool;
  return {
    backend: 'postgres',
    queue: (name, defaultJobOptions) => new PgQueue<SyncJobData, void>(name, { connection: pool, defaultJobOptions }),
    worker: (name, processor, o) => new PgWorker<SyncJobData, void>(name, processor, { connection: pool, ...o }),
    close: async () => session.close(),
  };
}

/**
 * What BullMQ sees as its pg.Pool on PGlite: queries go through the hub's pool, and a "client" it checks out (one
 * per queue and worker, held for LISTEN) is a stand-in that runs its statements the same way and receives the
 * notifications the hub's connection gets. See postgresConnection.
 */
function hubSession(hubPool: pg.Pool) {
  const listeners = new Set<SessionClient>();
  const wired = new WeakSet<pg.PoolClient>();
  const relay = (msg: pg.Notification) => {
    for (const l of listeners) l.emit('notification', msg);
  };
  const wire = (client: pg.PoolClient) => {
    if (wired.has(client)) return;
    wired.add(client);
    client.on('notification', relay);
  };
  // A connection the pool opens later (after an idle one was closed) is wired as it connects.
  hubPool.on('connect', wire);
  const query = async (text: string, params?: unknown[]) => {
    const client = await hubPool.connect();
    wire(client);
    try {
      return await client.query(text, params);
    } finally {
      client.release();
    }
  };
  class SessionClient extends EventEmitter {
    query(text: string, params?: unknown[]) {
      return query(text, params);
    }
    release() {
      listeners.delete(this);
    }
  }
  return {
    pool: {
      // Nothing to keep alive: there is no socket of the queue's own that could drop silently.
      options: { keepAlive: true },
      query,
      async connect() {
        const client = new SessionClient();
        listeners.add(client);
        return client;
      },
      // The hub closes its pool itself, after the queue.
      async end() {},
      on() {},
    },
    close() {
      hubPool.off('connect', wire);
      listeners.clear();
    },
  };
}
