import {
  createPostgresBackend,
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
      const processor = async (job: Job<SyncJobData, void>, _token?: string, signal?: AbortSignal) => {
        await handler({
          id: job.id ?? job.data.runId,
          runId: job.data.runId,
          connectionId: job.data.connectionId,
          attempt: job.attemptsMade + 1,
          maxAttempts: job.opts.attempts ?? attempts,
          signal,
        });
      };
      const worker = conn.worker(name, processor, { concurrency: workerOpts.concurrency ?? 1, drainDelay });
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

interface Connection {
  backend: 'redis' | 'postgres';
  queue(name: string, defaultJobOptions: JobsOptions): QueueHandle;
  worker(name: string, processor: Processor, opts: { concurrency: number; drainDelay: number }): WorkerHandle;
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
 * The embedded PGlite needs more, because pglite-socket serves every connection from one backend session: the
 * `-c search_path` that BullMQ sends at connect is ignored, and a NOTIFY reaches the connection that sent it rather
 * than the one that LISTENs. So BullMQ gets a pool of ours instead: the session's search_path gains `bullmq` after
 * the hub's own schemas (the hub's unqualified names still resolve, and its DDL still lands in `public`; BullMQ's
 * functions pin their own search_path), the schema is migrated here, and a notification arriving on any of the
 * pool's connections is passed to the others, so a waiting worker wakes when a job is added.
 */
async function postgresConnection(database: Pick<Database, 'pool' | 'mode'>): Promise<Connection> {
  const { connectionString, host, port, user, database: dbName, ssl } = database.pool.options;
  const pw = database.pool.options.password;
  const password = typeof pw === 'function' ? await pw() : pw;
  const settings = Object.fromEntries(
    Object.entries({ connectionString, host, port, user, password, database: dbName, ssl }).filter(
      ([, v]) => v !== undefined,
    ),
  ) as pg.PoolConfig & { password?: string };
  const { Queue: PgQueue, Worker: PgWorker } = withBackend(createPostgresBackend);
  if (database.mode === 'postgres') {
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
  const pool = sharedSessionPool(settings);
  try {
    const client = await pool.connect();
    try {
      await runMigrations(client, PG_SCHEMA);
      // The session is shared, so this reaches every connection, the hub's too. After the hub's own schemas: its
      // unqualified names still resolve as before and its DDL still lands in \`public\`.
      await client.query(
        `SELECT set_config('search_path', current_setting('search_path') || ', ${PG_SCHEMA}', false)
          WHERE NOT '${PG_SCHEMA}' = ANY (current_schemas(false))`,
      );
    } finally {
      client.release();
    }
  } catch (e) {
    await pool.end();
    throw e;
  }
  return {
    backend: 'postgres',
    queue: (name, defaultJobOptions) => new PgQueue<SyncJobData, void>(name, { connection: pool, defaultJobOptions }),
    worker: (name, processor, o) => new PgWorker<SyncJobData, void>(name, processor, { connection: pool, ...o }),
    // BullMQ leaves a pool it was handed open.
    close: () => pool.end(),
  };
}

/** A pool over PGlite's one shared session; see postgresConnection. */
function sharedSessionPool(settings: pg.PoolConfig): pg.Pool {
  const clients = new Set<pg.Client>();
  const relayed = new WeakSet<pg.Notification>();
  class SharedSessionClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      clients.add(this);
      this.once('end', () => clients.delete(this));
      this.on('notification', (msg) => {
        if (relayed.has(msg)) return;
        relayed.add(msg);
        for (const other of clients) if (other !== this) other.emit('notification', msg);
      });
    }
  }
  const pool = new pg.Pool({
    ...settings,
    Client: SharedSessionClient,
    max: PG_POOL_MAX,
    keepAlive: true,
    application_name: 'mdhub-queue',
  });
  pool.on('error', () => {});
  return pool;
}
