import { deleteRedisKeys, REDIS_URL } from '../helpers/redis';
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { log } from '../../src/log';
import {
  createJobQueue,
  type JobQueue,
  type JobQueueOptions,
  type SyncJob,
  UnrecoverableError,
} from '../../src/sync/queue';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

// One prefix per test run, so runs never see each other's jobs; its keys are deleted afterwards.
const PREFIX = `mdhub-test-${randomBytes(4).toString('hex')}`;

let db: TestDatabase;
const open = new Set<JobQueue>();

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await Promise.all([...open].map((q) => q.close({ force: true })));
  await db?.close();
  await deleteRedisKeys(`${PREFIX}:*`);
});

let queueSerial = 0;

/** A queue of its own for one test, on the given backend; closed after the file if the test did not close it. */
async function openQueue(backend: 'redis' | 'postgres', opts: Partial<JobQueueOptions> = {}): Promise<JobQueue> {
  const q = await createJobQueue({
    ...(backend === 'redis' ? { redisUrl: REDIS_URL, prefix: PREFIX } : { database: db.database }),
    queueName: `test-${++queueSerial}`,
    backoffMs: 50,
    ...opts,
  });
  open.add(q);
  return q;
}

async function until(what: string, done: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const job = () => ({ runId: randomUUID(), connectionId: randomUUID() });

describe.each(['redis', 'postgres'] as const)('the job queue on %s', (backend) => {
  it('runs each of 50 jobs exactly once', async () => {
    const q = await openQueue(backend);
    expect(q.backend).toBe(backend);
    const seen = new Map<string, number>();
    await q.startWorker(
      async (j) => {
        seen.set(j.runId, (seen.get(j.runId) ?? 0) + 1);
      },
      { concurrency: 5 },
    );
    const jobs = Array.from({ length: 50 }, job);
    const ids = await Promise.all(jobs.map((j) => q.enqueueSync(j)));
    expect(ids).toEqual(jobs.map((j) => j.runId));
    await until('50 jobs', () => seen.size === 50);
    await until('50 completions', async () => (await q.counts()).completed === 50);
    await sleep(100);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(await q.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 50, failed: 0 });
    await q.close();
  });

  it('retries a failing job with exponential back-off until it succeeds', async () => {
    const q = await openQueue(backend, { backoffMs: 60 });
    const tries: { attempt: number; at: number; maxAttempts: number }[] = [];
    const level = log.level;
    log.level = 'silent'; // the two failures are expected
    try {
      await q.startWorker(async (j: SyncJob) => {
        tries.push({ attempt: j.attempt, at: Date.now(), maxAttempts: j.maxAttempts });
        if (j.attempt < 3) throw new Error(`flaky source, try ${j.attempt}`);
      });
      await q.enqueueSync(job());
      await until('the third try', async () => (await q.counts()).completed === 1);
    } finally {
      log.level = level;
    }
    expect(tries.map((t) => t.attempt)).toEqual([1, 2, 3]);
    expect(tries[0]!.maxAttempts).toBe(5);
    // 60 ms before the second try, 120 ms before the third (a little slack for timer rounding).
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(55);
    expect(tries[2]!.at - tries[1]!.at).toBeGreaterThanOrEqual(115);
    expect((await q.counts()).failed).toBe(0);
    await q.close();
  });

  it('fails a job at once on an UnrecoverableError', async () => {
    const q = await openQueue(backend);
    let tries = 0;
    const level = log.level;
    log.level = 'silent';
    try {
      await q.startWorker(async () => {
        tries++;
        throw new UnrecoverableError('the run is gone');
      });
      await q.enqueueSync(job());
      await until('the failure', async () => (await q.counts()).failed === 1);
    } finally {
      log.level = level;
    }
    await sleep(150);
    expect(tries).toBe(1);
    await q.close();
  });

  it('runs a job id once, however often it is enqueued', async () => {
    const q = await openQueue(backend);
    const j = job();
    expect(await q.enqueueSync(j)).toBe(j.runId);
    expect(await q.enqueueSync(j)).toBe(j.runId);
    expect((await q.counts()).waiting).toBe(1);
    const runs: string[] = [];
    await q.startWorker(async (s) => {
      runs.push(s.id);
    });
    await until('the run', async () => (await q.counts()).completed === 1);
    // A completed job is kept for a while, and its id keeps a third enqueue out too.
    await q.enqueueSync(j);
    // Another job id for the same run is a new job.
    await q.enqueueSync(j, { jobId: `${j.runId}-again` });
    await until('the second job', async () => (await q.counts()).completed === 2);
    await sleep(100);
    expect(runs).toEqual([j.runId, `${j.runId}-again`]);
    await q.close();
  });

  it('delays a job by delayMs', async () => {
    const q = await openQueue(backend);
    let ranAt = 0;
    await q.startWorker(async () => {
      ranAt = Date.now();
    });
    const t0 = Date.now();
    await q.enqueueSync(job(), { delayMs: 150 });
    expect((await q.counts()).delayed).toBe(1);
    await until('the delayed job', () => ranAt > 0);
    expect(ranAt - t0).toBeGreaterThanOrEqual(145);
    await q.close();
  });

  it('wakes an idle worker as soon as a job is added', async () => {
    const q = await openQueue(backend);
    let ranAt = 0;
    await q.startWorker(async () => {
      ranAt = Date.now();
    });
    await sleep(300); // long enough for the worker to be waiting for jobs (for up to 5 s)
    const t0 = Date.now();
    await q.enqueueSync(job());
    await until('the job', () => ranAt > 0);
    expect(ranAt - t0).toBeLessThan(1_500);
    await q.close();
  });

  it('closes every connection and timer it opened', async () => {
    await sleep(50);
    const before = resources();
    const q = await createJobQueue({
      ...(backend === 'redis' ? { redisUrl: REDIS_URL, prefix: PREFIX } : { database: db.database }),
      queueName: `test-${++queueSerial}`,
    });
    let done = false;
    await q.startWorker(
      async () => {
        done = true;
      },
      { concurrency: 2 },
    );
    await q.enqueueSync(job());
    await until('the job', () => done);
    if (backend === 'postgres' && db.mode === 'embedded') {
      // On PGlite the queue runs its statements over the hub's own connection and opens none of its own.
      expect(count(resources(), 'TCPSocketWrap')).toBe(count(before, 'TCPSocketWrap'));
    } else {
      expect(count(resources(), 'TCPSocketWrap')).toBeGreaterThan(count(before, 'TCPSocketWrap'));
    }
    await q.close();
    await q.close(); // twice is fine
    await expect(q.enqueueSync(job())).rejects.toThrow('closed');
    await until('sockets and timers to go', () => sameResources(before, resources()), 2_000).catch(() => {});
    expect(resources()).toEqual(before);
  });

  it("keeps its statements apart from the hub's under load: queries, producers and workers at once", async () => {
    // On PGlite every connection shares one session; a queue on connections of its own had its extended-protocol
    // messages interleave with the hub's (`portal "" does not exist`, adds that returned nothing).
    const q = await openQueue(backend);
    const { pool, db: drizzleDb } = db.database;
    const problems: string[] = [];
    let done = 0;
    await q.startWorker(
      async (j) => {
        // A job does hub work too, as a sync runs its pages: a transaction, then parameterised statements.
        await drizzleDb.transaction(async (tx) => {
          await tx.execute(sql`SELECT ${j.runId}::text AS id`);
        });
        const r = await pool.query('SELECT $1::text AS run, $2::int AS n', [j.runId, 7]);
        if (r.rows[0]?.run !== j.runId || r.rows[0]?.n !== 7)
          problems.push(`job ${j.runId} read ${JSON.stringify(r.rows)}`);
        done++;
      },
      { concurrency: 4 },
    );
    let stop = false;
    let apiQueries = 0;
    const api = (async () => {
      while (!stop) {
        const v = Math.floor(Math.random() * 1e6);
        try {
          const r = await pool.query('SELECT $1::int AS v, $2::text AS t', [v, `x${v}`]);
          if (r.rows[0]?.v !== v || r.rows[0]?.t !== `x${v}`) problems.push(`query read ${JSON.stringify(r.rows)}`);
          apiQueries++;
        } catch (e) {
          problems.push(`query: ${(e as Error).message}`);
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    const n = 300;
    const jobs = Array.from({ length: n }, job);
    for (let i = 0; i < n; i += 25) {
      await Promise.all(
        jobs.slice(i, i + 25).map(async (j) => {
          try {
            expect(await q.enqueueSync(j)).toBe(j.runId);
          } catch (e) {
            problems.push(`enqueue: ${(e as Error).message}`);
          }
        }),
      );
    }
    try {
      await until(`${n} jobs`, () => done === n || problems.length > 0, 60_000);
    } finally {
      stop = true;
      await api;
    }
    expect(problems).toEqual([]);
    expect(apiQueries).toBeGreaterThan(0);
    // A handler's return comes just before BullMQ marks its job completed.
    await until('jobs marked completed', async () => (await q.counts()).completed === n);
    expect(await q.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, completed: n, failed: 0 });
    await q.close();
  }, 90_000);

  it('measures how many trivial jobs a second it runs', async () => {
    const q = await openQueue(backend);
    // 2,000 jobs take the embedded PGlite 5 to 10 s, so it measures 500 unless MDHUB_QUEUE_BENCH_JOBS says otherwise.
    const embedded = backend === 'postgres' && db.mode === 'embedded';
    const n = Number(process.env.MDHUB_QUEUE_BENCH_JOBS ?? (embedded ? 500 : 2000));
    const t0 = performance.now();
    for (let i = 0; i < n; i += 200) {
      await Promise.all(Array.from({ length: Math.min(200, n - i) }, () => q.enqueueSync(job())));
    }
    const t1 = performance.now();
    let done = 0;
    await q.startWorker(
      async () => {
        done++;
      },
      { concurrency: 20 },
    );
    await until(`${n} jobs`, () => done === n, 60_000);
    const t2 = performance.now();
    const mode = backend === 'redis' ? 'Redis' : embedded ? 'embedded PGlite' : 'PostgreSQL';
    const rate = (ms: number) => `${Math.round(ms)} ms, ${Math.round((n * 1000) / ms)}/s`;
    console.log(`BullMQ on ${mode}, ${n} jobs: enqueued in ${rate(t1 - t0)}; run in ${rate(t2 - t1)}`);
    expect(done).toBe(n);
    await q.close();
  }, 90_000);
});

/** The process's live handles and requests by type (sockets, timers, ...), sorted for comparison. */
function resources(): string[] {
  return process.getActiveResourcesInfo().sort();
}

function count(list: string[], type: string): number {
  return list.filter((r) => r === type).length;
}

function sameResources(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}
