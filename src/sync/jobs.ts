import { eq } from 'drizzle-orm';
import type { Config } from '../config';
import type { Database } from '../db/pool';
import { log } from '../log';
import { createJobQueue, type JobCounts, type JobQueue } from './queue';
import type { SyncMode, SyncRunner, SyncRunRow } from './runner';
import { SyncScheduler } from './scheduler';
import { syncRuns } from './tables';
import { syncJobHandler } from './worker';

export interface SyncJobsStartOptions {
  /** Run sync workers in this process (MDHUB_WORKER_CONCURRENCY at a time). */
  workers: boolean;
  /** Run the scheduler in this process. */
  scheduler: boolean;
}

/**
 * The sync runtime of one hub process: the job queue (BullMQ on Redis or on the hub's PostgreSQL), the workers
 * that execute queued runs, and the scheduler that queues runs of connections whose schedule is due.
 *
 * `serve` and `worker` call `start` when they start. Anything else that triggers a run (a test hub, say) opens
 * the queue on first use, with this process's workers when MDHUB_WORKERS is on, and no scheduler.
 */
export class SyncJobs {
  private starting: Promise<JobQueue> | undefined;
  private scheduler: SyncScheduler | undefined;
  private readonly shutdown = new AbortController();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly config: Config,
    private readonly database: Pick<Database, 'db' | 'pool' | 'mode'>,
    private readonly runner: SyncRunner,
  ) {}

  /** Opens the queue, then starts workers and the scheduler as asked. Call once, before anything is queued. */
  start(opts: SyncJobsStartOptions): Promise<JobQueue> {
    if (this.closing) return Promise.reject(new Error('the sync job runtime is closed'));
    if (this.starting) return Promise.reject(new Error('the sync job runtime is started already'));
    this.starting = (async () => {
      const queue = await createJobQueue({
        redisUrl: this.config.redisUrl,
        database: this.database,
        prefix: this.config.queuePrefix,
        attempts: this.config.jobAttempts,
        backoffMs: this.config.jobBackoffMs,
        lockMs: this.config.jobLockMs,
      });
      try {
        if (opts.workers) {
          const handler = syncJobHandler({ runner: this.runner, db: this.database.db, shutdown: this.shutdown.signal });
          await queue.startWorker(handler, { concurrency: this.config.workerConcurrency });
        }
        if (opts.scheduler) {
          this.scheduler = new SyncScheduler(this.database.db, (job) => queue.enqueueSync(job), {
            intervalMs: this.config.schedulerIntervalMs,
          });
          this.scheduler.start();
        }
      } catch (e) {
        await queue.close({ force: true });
        throw e;
      }
      return queue;
    })();
    return this.starting;
  }

  /** Which queue backend runs the jobs; opens the queue if nothing did yet. */
  async backend(): Promise<JobQueue['backend']> {
    return (await this.queue()).backend;
  }

  /**
   * Creates a run of a connection and queues it; returns at once with the `queued` run, which a worker picks up.
   * A run that cannot be queued is marked failed with the reason, and the error is thrown.
   */
  async trigger(connectionId: string, mode: SyncMode, trigger: string): Promise<SyncRunRow> {
    const run = await this.runner.createRun(connectionId, mode, trigger);
    try {
      await (await this.queue()).enqueueSync({ runId: run.id, connectionId });
    } catch (e) {
      const error = `could not be queued: ${(e as Error).message}`.slice(0, 2000);
      await this.database.db
        .update(syncRuns)
        .set({ status: 'failed', finishedAt: new Date(), error })
        .where(eq(syncRuns.id, run.id))
        .catch((err) => log.warn({ err, run: run.id }, 'could not record that a sync run was not queued'));
      throw e;
    }
    return run;
  }

  /** The queue's jobs by state. */
  async counts(): Promise<JobCounts> {
    return (await this.queue()).counts();
  }

  /**
   * Stops the scheduler, stops running syncs before their next page (their jobs go back to the queue and resume
   * elsewhere or after a restart), and closes the queue. Safe to call twice, and when nothing was started.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.scheduler?.close();
      this.shutdown.abort();
      const queue = await this.starting?.catch(() => undefined);
      await queue?.close();
    })();
    return this.closing;
  }

  private queue(): Promise<JobQueue> {
    if (this.closing) return Promise.reject(new Error('the sync job runtime is closed'));
    return this.starting ?? this.start({ workers: this.config.workers, scheduler: false });
  }
}
