import { deleteRedisKeys, REDIS_URL } from '../helpers/redis';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { log } from '../../src/log';
import { SyncJobs } from '../../src/sync/jobs';
import { createJobQueue } from '../../src/sync/queue';
import { SyncScheduler } from '../../src/sync/scheduler';
import { FakeSource } from '../helpers/fake-json-source';
import { startTestHub, type TestHub } from '../helpers/hub';

// Sync runs queued through the API and run by the hub's own workers, on BullMQ over Redis and over the hub's
// database (PostgreSQL, or the embedded PGlite when DATABASE_URL is unset).

const PREFIX = `mdhub-jobs-${randomBytes(4).toString('hex')}`;
const T0 = Date.UTC(2026, 2, 1);
const source = new FakeSource();

const customers = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => ({
    id: `${tag}${i}`,
    updatedAt: new Date(T0 + i * 1000).toISOString(),
    name: `Kunde ${tag} ${i}`,
    email: `${tag.toLowerCase()}${i}@kunde.example`,
    address: { country: i % 2 ? 'DE' : 'AT' },
  }));

beforeAll(() => source.start());
afterAll(async () => {
  await source.stop();
  await deleteRedisKeys(`${PREFIX}*`);
});

const RUN_FIELDS = 'id status mode trigger attempts read inserted updated unchanged error startedAt finishedAt';

describe.each(['redis', 'postgres'] as const)('sync jobs with the queue on %s', (backend) => {
  let hub: TestHub;
  let serial = 0;
  const env: Record<string, string> = {
    ...(backend === 'redis' ? { REDIS_URL, MDHUB_QUEUE_PREFIX: `${PREFIX}-${backend}` } : {}),
    MDHUB_JOB_ATTEMPTS: '3',
    MDHUB_JOB_BACKOFF_MS: '300',
    MDHUB_WORKER_CONCURRENCY: '2',
  };

  beforeAll(async () => {
    hub = await startTestHub(env);
  });
  afterAll(() => hub?.close());

  /** A connection over a collection of its own in the test source. */
  async function connection(
    records: Record<string, unknown>[],
    opts: { pageSize?: number; rate?: string; schedule?: { everySeconds: number } } = {},
  ) {
    const name = `${backend}-src-${++serial}`;
    source.collections.set(name, records);
    const r = await hub.gql(`mutation($i: ConnectionInput!) { createConnection(input: $i) { id } }`, {
      i: {
        name,
        type: 'http-json',
        settings: {
          baseUrl: source.baseUrl,
          streams: [{ name: 'customers', entity: 'customer', path: `/${name}` }],
          ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
        },
        rateLimitPerSecond: opts.rate,
        schedule: opts.schedule,
      },
    });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return { id: r.data!.createConnection.id as string, name };
  }

  async function trigger(connectionId: string, mode: 'FULL' | 'INCREMENTAL' = 'FULL') {
    const r = await hub.gql(
      `mutation($id: ID!, $m: SyncMode) { triggerSync(connectionId: $id, mode: $m) { ${RUN_FIELDS} } }`,
      {
        id: connectionId,
        m: mode,
      },
    );
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!.triggerSync;
  }

  async function runOf(id: string) {
    const r = await hub.gql(`query($id: ID!) { syncRun(id: $id) { ${RUN_FIELDS} } }`, { id });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!.syncRun;
  }

  /** Polls a run until `done` holds, calling `seen` with every state it passes through. */
  async function waitFor(id: string, done: (run: any) => boolean, seen?: (run: any) => void, timeoutMs = 30_000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const run = await runOf(id);
      seen?.(run);
      if (done(run)) return run;
      if (Date.now() > end) throw new Error(`run ${id} is still ${JSON.stringify(run)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const finished = (run: any) => run.status === 'SUCCEEDED' || run.status === 'FAILED';

  it('triggerSync answers at once with a queued run, which a worker runs to its end', async () => {
    const c = await connection(customers(40, 'A'));
    const queued = await trigger(c.id);
    expect(queued).toMatchObject({ status: 'QUEUED', mode: 'FULL', trigger: 'api', attempts: 0, startedAt: null });
    const run = await waitFor(queued.id, finished);
    expect(run).toMatchObject({ status: 'SUCCEEDED', read: 40, inserted: 40, attempts: 1, error: null });
    const g = await hub.gql(`{ customer(sourceRef: { system: "${c.name}", externalId: "A7" }) { name } }`);
    expect(g.data!.customer).toEqual({ name: 'Kunde A 7' });
    expect(await hub.services.sync.jobs.backend()).toBe(backend);
  });

  it('runs two runs of one connection one after the other: the second waits instead of failing', async () => {
    // 5 pages at 8 requests a second: each run takes about half a second, so the two would overlap.
    const c = await connection(customers(40, 'B'), { pageSize: 10, rate: '8' });
    const first = await trigger(c.id, 'FULL');
    const second = await trigger(c.id, 'INCREMENTAL');
    const [a, b] = await Promise.all([waitFor(first.id, finished), waitFor(second.id, finished)]);
    expect([a.status, b.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(a.attempts + b.attempts).toBe(2);
    const [earlier, later] = Date.parse(a.startedAt) < Date.parse(b.startedAt) ? [a, b] : [b, a];
    expect(Date.parse(later.startedAt)).toBeGreaterThanOrEqual(Date.parse(earlier.finishedAt));
    expect(a.inserted + b.inserted).toBe(40);
  });

  it('retries a run that fails with a transient error, and ends it FAILED with its error after the last attempt', async () => {
    const c = await connection(customers(5, 'C'));
    // Every read fails: 3 job attempts, each with the runner's 5 tries of the page (Retry-After: 0, no waiting).
    const before = source.requests.length;
    for (let i = 0; i < 15; i++) source.overrides.push({ status: 503, headers: { 'retry-after': '0' } });
    const level = log.level;
    log.level = 'silent';
    const states: string[] = [];
    try {
      const queued = await trigger(c.id);
      const run = await waitFor(
        queued.id,
        (r) => r.status === 'FAILED',
        (r) => states.push(`${r.status}${r.error ? ' with error' : ''}`),
      );
      expect(run).toMatchObject({ status: 'FAILED', attempts: 3, read: 0 });
      expect(run.error).toMatch(/^GET \/.*: HTTP 503/);
      expect(run.finishedAt).not.toBeNull();
      // Between attempts the run waited, queued, with the last error showing.
      expect(states).toContain('QUEUED with error');
      expect(states.indexOf('QUEUED with error')).toBeLessThan(states.indexOf('FAILED with error'));
    } finally {
      log.level = level;
    }
    expect(source.requests.length - before).toBe(15);
    expect(source.overrides).toHaveLength(0);
    const list = await hub.gql(`query($id: ID!) { syncRuns(connectionId: $id) { status error } }`, { id: c.id });
    expect(list.data!.syncRuns).toEqual([{ status: 'FAILED', error: expect.stringMatching(/HTTP 503/) }]);
    // The next run goes through: nothing is left stuck.
    const again = await waitFor((await trigger(c.id)).id, finished);
    expect(again).toMatchObject({ status: 'SUCCEEDED', inserted: 5 });
  });

  it('fails a run at once when retrying cannot help (credentials refused)', async () => {
    const c = await connection(customers(5, 'D'));
    const before = source.requests.length;
    source.overrides.push({ status: 401 });
    const level = log.level;
    log.level = 'silent';
    try {
      const run = await waitFor((await trigger(c.id)).id, finished);
      expect(run).toMatchObject({ status: 'FAILED', attempts: 1 });
      expect(run.error).toMatch(/HTTP 401.*credentials were refused/);
    } finally {
      log.level = level;
    }
    expect(source.requests.length - before).toBe(1);
  });

  it('serves API queries while workers run and the scheduler queues runs, all at once', async () => {
    const conns = await Promise.all(
      ['E', 'F', 'G'].map((tag) => connection(customers(150, tag), { pageSize: 25, schedule: { everySeconds: 60 } })),
    );
    // A second producer, as another process's scheduler would be.
    const producer = await createJobQueue({
      ...(backend === 'redis'
        ? { redisUrl: REDIS_URL, prefix: env.MDHUB_QUEUE_PREFIX }
        : { database: hub.db.database }),
    });
    const problems: string[] = [];
    let stop = false;
    let queries = 0;
    const api = (async () => {
      while (!stop) {
        const country = queries % 2 ? 'DE' : 'AT';
        const r = await hub.gql(
          `query($c: String) { customers(first: 20, filter: { country: $c }) { totalCount nodes { code address { country } } } }`,
          { c: country },
        );
        if (r.errors) problems.push(JSON.stringify(r.errors));
        else if (r.data!.customers.nodes.some((n: any) => n.address.country !== country)) problems.push('wrong rows');
        queries++;
      }
    })();
    try {
      const scheduler = new SyncScheduler(hub.db.database.db, (j) => producer.enqueueSync(j));
      // A minute after the schedules were set, each connection's first slot is due.
      const tick = await scheduler.tick(new Date(Date.now() + 60_000));
      const scheduled = tick.created.filter((j) => conns.some((c) => c.id === j.connectionId));
      expect(scheduled).toHaveLength(3);
      const manual = await Promise.all(conns.map((c) => trigger(c.id, 'FULL')));
      const runs = await Promise.all(
        [...scheduled.map((s) => s.runId), ...manual.map((m) => m.id)].map((id) =>
          waitFor(id, finished, undefined, 90_000),
        ),
      );
      expect(runs.map((r) => r.status)).toEqual(Array(6).fill('SUCCEEDED'));
      expect(runs.slice(0, 3).map((r) => [r.trigger, r.mode])).toEqual(Array(3).fill(['schedule', 'INCREMENTAL']));
      // Each connection's two runs took its 150 records in once between them: no duplicates, nothing lost.
      expect(conns.map((_, i) => runs[i]!.inserted + runs[i + 3]!.inserted)).toEqual([150, 150, 150]);
      await scheduler.close();
    } finally {
      stop = true;
      await api;
      await producer.close();
    }
    expect(problems).toEqual([]);
    expect(queries).toBeGreaterThan(0);
  }, 120_000);

  it('hands a running sync back to the queue on shutdown; another worker resumes it after its last page', async () => {
    const c = await connection(customers(60, 'H'), { pageSize: 10, rate: '5' });
    const queued = await trigger(c.id, 'FULL');
    await waitFor(queued.id, (r) => r.read >= 10);
    await hub.services.sync.jobs.close();
    const stopped = await runOf(queued.id);
    expect(stopped).toMatchObject({
      status: 'QUEUED',
      error: expect.stringMatching(/^interrupted: its worker shut down/),
    });
    expect(stopped.read).toBeGreaterThanOrEqual(10);
    expect(stopped.read).toBeLessThan(60);
    const config = loadConfig({
      NODE_ENV: 'test',
      MDHUB_DEMO: 'false',
      DATABASE_URL: hub.db.url ?? '',
      ...env,
    });
    const other = new SyncJobs(config, hub.db.database, hub.services.sync.runner);
    try {
      await other.start({ workers: true, scheduler: false });
      const run = await waitFor(queued.id, finished);
      // A full read resumes at its page token: every record read once, none twice.
      expect(run).toMatchObject({ status: 'SUCCEEDED', read: 60, inserted: 60, attempts: 2 });
    } finally {
      await other.close();
    }
  });
});
