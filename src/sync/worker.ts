import { eq, ne, and } from 'drizzle-orm';
import type { Db } from '../db/pool';
import { ConflictError, DomainError, NotFoundError } from '../errors';
import { log } from '../log';
import { PermanentError } from './errors';
import { PostponedError, type SyncJob, type SyncJobHandler, UnrecoverableError } from './queue';
import type { SyncRunner, SyncRunRow } from './runner';
import { syncRuns } from './tables';

export interface SyncJobHandlerOptions {
  runner: SyncRunner;
  db: Db;
  /**
   * Aborted when this process shuts down: a running sync stops before its next page (the pages it committed stay)
   * and its job goes back to the queue for another worker, without using up an attempt.
   */
  shutdown: AbortSignal;
  /** How long a job waits before looking again while another run of its connection is going on (default 1 s). */
  conflictDelayMs?: number;
}

/**
 * Whether trying a failed run again could help. Worth it after a transient failure that outlasted the runner's own
 * page retries (a source down for minutes, a dropped database connection, a deadlock); not after a permanent one:
 * refused credentials, bad settings, a disabled or deleted connection.
 */
export function isWorthRetrying(e: unknown): boolean {
  return !(e instanceof PermanentError || e instanceof DomainError);
}

/**
 * The work behind a sync job: execute (or resume) its run. The runner already retries single page reads (network
 * errors, 429, 5xx, honouring Retry-After) for seconds; a job attempt that still fails is tried again with the
 * queue's exponential back-off, minutes apart, when the failure is worth retrying, and resumes after the last
 * committed page. Between attempts the run is `queued` with the last error; after the last attempt, or at once on
 * a permanent failure, it is `failed` with its error. A job whose connection is already syncing waits (postponed,
 * not failed), so runs of one connection queue up behind each other.
 */
export function syncJobHandler(opts: SyncJobHandlerOptions): SyncJobHandler {
  const conflictDelayMs = opts.conflictDelayMs ?? 1_000;
  return async (job: SyncJob) => {
    if (opts.shutdown.aborted) throw new PostponedError(0, 'the worker is shutting down');
    const signal = job.signal ? AbortSignal.any([job.signal, opts.shutdown]) : opts.shutdown;
    let run: SyncRunRow;
    try {
      run = await opts.runner.execute(job.runId, {
        signal,
        onError: (e) => {
          // Stopped from outside (shutdown, or the job was taken from this worker): another attempt finishes it.
          if (signal.aborted) return 'queued';
          return isWorthRetrying(e) && job.attempt < job.maxAttempts ? 'queued' : 'failed';
        },
      });
    } catch (e) {
      if (e instanceof ConflictError) throw new PostponedError(conflictDelayMs, e.message);
      if (e instanceof NotFoundError) throw new UnrecoverableError(e.message);
      // The run could not even start (the database is unreachable, say); the queue tries again.
      if (job.attempt >= job.maxAttempts) await markFailed(opts.db, job.runId, e);
      throw e;
    }
    if (run.status === 'succeeded') return;
    if (opts.shutdown.aborted) {
      await opts.db
        .update(syncRuns)
        .set({ error: 'interrupted: its worker shut down; it resumes after its last committed page' })
        .where(and(eq(syncRuns.id, run.id), eq(syncRuns.status, 'queued')));
      throw new PostponedError(0, 'the worker shut down during the run');
    }
    const error = run.error ?? `sync run ${run.status}`;
    if (signal.aborted) throw new Error(`the job was taken from this worker: ${error}`);
    if (run.status === 'queued') throw new Error(error);
    throw new UnrecoverableError(error);
  };
}

/** Records a failure that happened outside the runner on the run, unless it succeeded meanwhile. */
export async function markFailed(db: Db, runId: string, e: unknown): Promise<void> {
  const message = ((e as Error).message ?? String(e)).slice(0, 2000);
  try {
    await db
      .update(syncRuns)
      .set({ status: 'failed', finishedAt: new Date(), error: message })
      .where(and(eq(syncRuns.id, runId), ne(syncRuns.status, 'succeeded')));
  } catch (err) {
    log.warn({ err, run: runId }, 'could not record the failure of a sync run');
  }
}
