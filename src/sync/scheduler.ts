import { createHash } from 'node:crypto';
import { CronExpressionParser } from 'cron-parser';
import { sql } from 'drizzle-orm';
import { type Db, sqlArray } from '../db/pool';
import { log } from '../log';
import type { SyncJobData } from './queue';

/** A connection's schedule: every so many seconds, or a cron expression (UTC). */
export interface Schedule {
  everySeconds: number | null;
  cron: string | null;
}

/**
 * The latest time at or before `now` at which the schedule fires, if it is not before `since` (when the schedule
 * was set): a schedule fires at its first slot after it was set, never for the time before. Intervals are counted
 * from the Unix epoch, so every process computes the same slots.
 */
export function dueSlot(schedule: Schedule, since: Date, now: Date): Date | null {
  let slot: number;
  if (schedule.everySeconds) {
    const every = schedule.everySeconds * 1000;
    slot = Math.floor(now.getTime() / every) * every;
  } else if (schedule.cron) {
    // prev() is strictly before its current date; a millisecond later it includes `now` itself.
    const expr = CronExpressionParser.parse(schedule.cron, { currentDate: new Date(now.getTime() + 1), tz: 'UTC' });
    slot = expr.prev().getTime();
  } else {
    return null;
  }
  return slot >= since.getTime() ? new Date(slot) : null;
}

/**
 * The id of the run a connection's schedule makes for one slot: the same in every process (a name-based UUID,
 * version 8), so the slot's run is created once however many schedulers see it due.
 */
export function slotRunId(connectionId: string, slot: Date): string {
  const h = createHash('sha256').update(`mdhub:schedule:${connectionId}:${slot.toISOString()}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export interface SyncSchedulerOptions {
  /** How often to look (default 5 s). A schedule finer than this fires at most once per look. */
  intervalMs?: number;
  /** A run still `queued` this long after it was created has its job queued again (default a minute). */
  requeueAfterMs?: number;
}

/** What one look did: runs created for due slots, and queued runs whose job was queued again. */
export interface SchedulerTick {
  created: SyncJobData[];
  requeued: SyncJobData[];
}

/**
 * Queues incremental runs of enabled connections whose schedule is due. Every hub and worker process that runs
 * workers runs one; they agree without talking to each other: a slot's run has a fixed id (slotRunId), so the
 * database creates it once and only the process that created it queues it. A slot that comes while a run of the
 * connection is still queued or running waits for that run to end (runs never pile up), and is dropped when the
 * next slot comes. Connections are read afresh on every look, so disabling one or changing its schedule takes
 * effect at the next look, with no restart.
 *
 * Each look also queues again any run left `queued` for a while (its process died between creating the run and
 * queueing it, or the queue lost it); queueing is idempotent by run id, so a run whose job exists is left alone.
 */
export class SyncScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly enqueue: (job: SyncJobData) => Promise<unknown>,
    private readonly opts: SyncSchedulerOptions = {},
  ) {}

  /** Looks now, then every `intervalMs` until `close`. A failed look is logged and the next one tries again. */
  start(): void {
    if (this.closed || this.timer || this.running) return;
    const loop = () => {
      this.running = this.tick()
        .catch((err) => log.warn({ err }, 'sync scheduler: a look for due schedules failed'))
        .finally(() => {
          this.running = undefined;
          if (!this.closed) this.timer = setTimeout(loop, this.opts.intervalMs ?? 5_000);
        });
    };
    loop();
  }

  /** One look at `now`: creates and queues the runs of due slots, and queues stale queued runs again. */
  async tick(now: Date = new Date()): Promise<SchedulerTick> {
    const res = await this.db.execute(sql`
      SELECT id::text AS id, schedule_every_seconds AS every, schedule_cron AS cron,
        (extract(epoch FROM updated_at) * 1000)::float8 AS updated_ms
      FROM connections
      WHERE enabled AND (schedule_every_seconds IS NOT NULL OR schedule_cron IS NOT NULL)`);
    const due: { runId: string; connectionId: string }[] = [];
    for (const c of res.rows as {
      id: string;
      every: number | null;
      cron: string | null;
      updated_ms: number | string;
    }[]) {
      let slot: Date | null;
      try {
        slot = dueSlot({ everySeconds: c.every, cron: c.cron }, new Date(Number(c.updated_ms)), now);
      } catch (err) {
        // Checked when stored, so only an expression a newer cron-parser refuses gets here.
        log.warn({ err, connection: c.id }, 'sync scheduler: cannot read a schedule');
        continue;
      }
      if (slot) due.push({ runId: slotRunId(c.id, slot), connectionId: c.id });
    }
    let created: SyncJobData[] = [];
    if (due.length) {
      // Created only for a connection still enabled and with no run queued or running (the last day's; an older
      // one is taken for abandoned); the slot's fixed id makes a second creation a no-op.
      const ins = await this.db.execute(sql`
        INSERT INTO sync_runs (id, connection_id, mode, trigger)
        SELECT x.id, x.connection_id, 'incremental', 'schedule'
        FROM unnest(${sqlArray(due.map((d) => d.runId))}::uuid[], ${sqlArray(due.map((d) => d.connectionId))}::uuid[])
          AS x(id, connection_id)
        JOIN connections c ON c.id = x.connection_id AND c.enabled
        WHERE NOT EXISTS (
          SELECT 1 FROM sync_runs r
          WHERE r.connection_id = x.connection_id AND r.status IN ('queued', 'running')
            AND r.queued_at > now() - interval '1 day')
        ON CONFLICT (id) DO NOTHING
        RETURNING id::text AS "runId", connection_id::text AS "connectionId"`);
      created = ins.rows as unknown as SyncJobData[];
    }
    const stale = await this.db.execute(sql`
      SELECT r.id::text AS "runId", r.connection_id::text AS "connectionId"
      FROM connections c
      CROSS JOIN LATERAL (
        SELECT id, connection_id FROM sync_runs
        WHERE connection_id = c.id AND status = 'queued'
          AND queued_at > now() - interval '1 day'
          AND queued_at < now() - make_interval(secs => ${(this.opts.requeueAfterMs ?? 60_000) / 1000})
      ) r`);
    const requeued = stale.rows as unknown as SyncJobData[];
    for (const job of [...created, ...requeued]) {
      try {
        await this.enqueue(job);
      } catch (err) {
        // The run stays queued; the next look queues it again.
        log.warn({ err, run: job.runId }, 'sync scheduler: could not queue a run');
      }
    }
    if (created.length) log.info({ runs: created.map((c) => c.runId) }, 'sync scheduler: queued scheduled runs');
    return { created, requeued };
  }

  /** Stops looking; waits for a look in progress. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
