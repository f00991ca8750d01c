import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { createServices } from '../../src/app';
import { loadConfig } from '../../src/config';
import { type Database, openDatabase } from '../../src/db/pool';
import type { Services } from '../../src/graphql/context';
import { createJobQueue, type JobQueue, type SyncJobData } from '../../src/sync/queue';
import { dueSlot, slotRunId, SyncScheduler } from '../../src/sync/scheduler';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

describe('dueSlot', () => {
  const at = (iso: string) => new Date(iso);
  const since = at('2026-03-01T00:00:00Z');

  it('gives the latest interval slot at or before now, counted from the epoch', () => {
    const every = { everySeconds: 600, cron: null };
    expect(dueSlot(every, since, at('2026-03-01T10:07:31Z'))).toEqual(at('2026-03-01T10:00:00Z'));
    expect(dueSlot(every, since, at('2026-03-01T10:10:00Z'))).toEqual(at('2026-03-01T10:10:00Z'));
    expect(dueSlot(every, since, at('2026-03-01T10:09:59.999Z'))).toEqual(at('2026-03-01T10:00:00Z'));
  });

  it('gives the latest cron time at or before now, in UTC', () => {
    const daily = { everySeconds: null, cron: '30 2 * * *' };
    expect(dueSlot(daily, since, at('2026-03-05T02:30:00Z'))).toEqual(at('2026-03-05T02:30:00Z'));
    expect(dueSlot(daily, since, at('2026-03-05T02:29:59Z'))).toEqual(at('2026-03-04T02:30:00Z'));
    expect(dueSlot(daily, since, at('2026-03-05T23:00:00Z'))).toEqual(at('2026-03-05T02:30:00Z'));
  });

  it('never gives a slot from before the schedule was set', () => {
    const set = at('2026-03-01T10:07:00Z');
    expect(dueSlot({ everySeconds: 600, cron: null }, set, at('2026-03-01T10:09:00Z'))).toBeNull();
    expect(dueSlot({ everySeconds: 600, cron: null }, set, at('2026-03-01T10:10:00Z'))).toEqual(
      at('2026-03-01T10:10:00Z'),
    );
    expect(dueSlot({ everySeconds: null, cron: '0 * * * *' }, set, at('2026-03-01T10:59:00Z'))).toBeNull();
    expect(dueSlot({ everySeconds: null, cron: null }, set, at('2026-03-01T12:00:00Z'))).toBeNull();
  });
});

describe('slotRunId', () => {
  it('is the same UUID for the same connection and slot, and differs otherwise', () => {
    const c = '5a0e8b0c-2b4c-4c59-9d4b-0d1d3f6e2a11';
    const slot = new Date('2026-03-01T10:00:00Z');
    const id = slotRunId(c, slot);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(slotRunId(c, new Date(slot.getTime()))).toBe(id);
    expect(slotRunId(c, new Date(slot.getTime() + 600_000))).not.toBe(id);
    expect(slotRunId('6a0e8b0c-2b4c-4c59-9d4b-0d1d3f6e2a11', slot)).not.toBe(id);
  });
});

describe('SyncScheduler', () => {
  let db: TestDatabase;
  let services: Services;
  let queue: JobQueue;
  /** A second connection pool on the same database, as another hub process would have (PostgreSQL only). */
  let other: Database | undefined;
  let serial = 0;
  const actor = { kind: 'user' as const, id: 'test' };

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig({
      NODE_ENV: 'test',
      MDHUB_DEMO: 'false',
      MDHUB_SECRET_KEY: randomBytes(32).toString('base64'),
      DATABASE_URL: db.url ?? '',
    });
    services = await createServices(config, db.database);
    queue = await createJobQueue({ database: db.database, queueName: 'scheduler-test' });
    if (db.url) other = await openDatabase({ url: db.url, poolMax: 3 });
  });
  afterAll(async () => {
    await queue?.close();
    await other?.close();
    await db?.close();
  });

  async function connection(schedule: { everySeconds?: number; cron?: string } | null) {
    const c = await services.connections.create(
      {
        name: `sched-${++serial}`,
        type: 'http-json',
        settings: { baseUrl: 'http://127.0.0.1:9/', streams: [{ name: 'c', entity: 'customer', path: '/c' }] },
        schedule,
      },
      actor,
    );
    return c;
  }

  const runsOf = async (connectionId: string) =>
    (
      await db.database.db.execute(sql`
        SELECT id::text AS id, mode, trigger, status FROM sync_runs WHERE connection_id = ${connectionId}::uuid
        ORDER BY queued_at, id`)
    ).rows as { id: string; mode: string; trigger: string; status: string }[];

  const finish = (runId: string) =>
    db.database.db.execute(
      sql`UPDATE sync_runs SET status = 'succeeded', finished_at = now() WHERE id = ${runId}::uuid`,
    );

  it('queues one incremental run per due slot, however many schedulers look at once', async () => {
    const c = await connection({ everySeconds: 600 });
    const enqueued: SyncJobData[] = [];
    const enqueue = async (j: SyncJobData) => {
      enqueued.push(j);
      await queue.enqueueSync(j);
    };
    // Two schedulers, on separate connection pools where the database allows (as two processes would be).
    const a = new SyncScheduler(db.database.db, enqueue);
    const b = new SyncScheduler((other ?? db.database).db, enqueue);
    const base = Math.ceil(c.createdAt.getTime() / 600_000) * 600_000;
    const now = new Date(base + 1_000);
    const ticks = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).tick(now)));
    const created = ticks.flatMap((t) => t.created).filter((j) => j.connectionId === c.id);
    const expected = slotRunId(c.id, new Date(base));
    expect(created).toEqual([{ runId: expected, connectionId: c.id }]);
    expect(enqueued.filter((j) => j.connectionId === c.id)).toEqual([{ runId: expected, connectionId: c.id }]);
    expect(await runsOf(c.id)).toEqual([{ id: expected, mode: 'incremental', trigger: 'schedule', status: 'queued' }]);
    expect((await queue.counts()).waiting).toBe(1);

    // The next slot waits while that run is still queued, then comes as soon as it has ended.
    const next = new Date(base + 600_000 + 1_000);
    expect((await a.tick(next)).created).toEqual([]);
    await finish(expected);
    expect((await b.tick(next)).created).toEqual([
      { runId: slotRunId(c.id, new Date(base + 600_000)), connectionId: c.id },
    ]);
    expect((await a.tick(next)).created).toEqual([]);
    expect(await runsOf(c.id)).toHaveLength(2);
  });

  it('follows a disabled connection and a changed schedule at its next look, without a restart', async () => {
    const c = await connection({ everySeconds: 600 });
    const s = new SyncScheduler(db.database.db, (j) => queue.enqueueSync(j));
    const mine = async (now: Date) => (await s.tick(now)).created.filter((j) => j.connectionId === c.id);
    const disabled = await services.connections.update(c.id, c.version, { enabled: false }, actor);
    const later = (ms: number) => new Date(disabled.updatedAt.getTime() + ms);
    expect(await mine(later(3_600_000))).toEqual([]);

    // Enabled again with a cron schedule: the cron's slots, from the time of the change on.
    const changed = await services.connections.update(
      c.id,
      disabled.version,
      { enabled: true, schedule: { cron: '15 * * * *' } },
      actor,
    );
    const t = changed.updatedAt.getTime();
    const firstQuarter = new Date(Math.ceil((t - 15 * 60_000) / 3_600_000) * 3_600_000 + 15 * 60_000);
    expect(await mine(new Date(firstQuarter.getTime() - 1))).toEqual([]);
    const created = await mine(new Date(firstQuarter.getTime() + 30_000));
    expect(created).toEqual([{ runId: slotRunId(c.id, firstQuarter), connectionId: c.id }]);
    await finish(created[0]!.runId);

    // No schedule any more: nothing.
    await services.connections.update(c.id, changed.version, { schedule: null }, actor);
    expect(await mine(new Date(firstQuarter.getTime() + 7_200_000))).toEqual([]);
  });

  it('queues a run left queued with no job again, once it has waited a while', async () => {
    const c = await connection(null);
    // As if a process died between creating a run and queueing it.
    const run = await services.sync.runner.createRun(c.id, 'full', 'api');
    const seen: SyncJobData[] = [];
    const s = new SyncScheduler(db.database.db, async (j) => void seen.push(j), { requeueAfterMs: 60_000 });
    expect((await s.tick()).requeued.filter((j) => j.runId === run.id)).toEqual([]);
    await db.database.db.execute(
      sql`UPDATE sync_runs SET queued_at = now() - interval '2 minutes' WHERE id = ${run.id}::uuid`,
    );
    const job = { runId: run.id, connectionId: c.id };
    expect((await s.tick()).requeued).toContainEqual(job);
    expect(seen).toContainEqual(job);
    await finish(run.id);
    expect((await s.tick()).requeued).not.toContainEqual(job);
  });

  it('looks on its own every intervalMs until closed', async () => {
    // Cron with a seconds field: a slot every second.
    const c = await connection({ cron: '* * * * * *' });
    const seen: SyncJobData[] = [];
    const s = new SyncScheduler(db.database.db, async (j) => void seen.push(j), { intervalMs: 100 });
    s.start();
    try {
      const end = Date.now() + 10_000;
      while (!seen.some((j) => j.connectionId === c.id) && Date.now() < end)
        await new Promise((r) => setTimeout(r, 50));
    } finally {
      await s.close();
    }
    expect(seen.filter((j) => j.connectionId === c.id)).toHaveLength(1);
    const [run] = await runsOf(c.id);
    expect(run).toMatchObject({ trigger: 'schedule', mode: 'incremental' });
  });
});
