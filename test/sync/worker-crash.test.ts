import { deleteRedisKeys, REDIS_URL } from '../helpers/redis';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices, openHub } from '../../src/app';
import { type Config, loadConfig } from '../../src/config';
import { type Database, openDatabase } from '../../src/db/pool';
import { FakeSource } from '../helpers/fake-json-source';
import { createTestDatabase, type TestDatabase, usingPostgres } from '../helpers/db';

// The promise of checkpoints: a worker process killed with SIGKILL in the middle of a sync leaves the run to another
// worker, which resumes it after its last committed page, and the end state is exactly that of a run nobody killed.
// Against PostgreSQL: separate `mdhub worker` processes, with the queue on Redis and on BullMQ's PostgreSQL backend.
// On the embedded database: `mdhub serve` (API and workers in one process) over a PGlite data directory.

const ROOT = path.join(__dirname, '..', '..');
const PREFIX = `mdhub-crash-${randomBytes(4).toString('hex')}`;
const KEY = randomBytes(32).toString('base64');
// A few thousand records; fewer on the embedded database, which syncs them several times slower.
const N = usingPostgres ? 3000 : 2000;
const PAGE = 100;
const T0 = Date.UTC(2026, 2, 1);
// Every tenth record shares its e-mail with the one before, and so does the first of each page but the first, so
// that matching has candidates within a page and on pages committed before (by the killed worker, say).
const emailOf = (i: number): string =>
  i % 10 === 9 ? emailOf(i - 1) : i % PAGE === 0 && i > 0 ? emailOf(i - 1) : `k${i}@kunde.example`;
const RECORDS = Array.from({ length: N }, (_, i) => ({
  id: `K${String(i).padStart(5, '0')}`,
  updatedAt: new Date(T0 + i * 1000).toISOString(),
  name: `Kunde ${i}`,
  email: emailOf(i),
  address: { city: `Stadt ${i % 17}`, country: ['DE', 'AT', 'CH'][i % 3] },
}));
const source = new FakeSource();
source.collections.set('customers', RECORDS);

/** The connection every database gets, named alike so that source systems and crosswalks compare. */
const connectionInput = (rate: string | undefined) => ({
  name: 'erp',
  type: 'http-json',
  settings: {
    baseUrl: source.baseUrl,
    pageSize: PAGE,
    streams: [{ name: 'customers', entity: 'customer' as const, path: '/customers' }],
  },
  rateLimitPerSecond: rate,
});
const actor = { kind: 'user' as const, id: 'test' };

/** Everything a sync leaves behind, without ids that differ between databases (golden records by code). */
async function endState(database: Pick<Database, 'pool'>) {
  const q = async (text: string) => (await database.pool.query(text)).rows;
  return {
    customers: await q(`SELECT code, name, email, city, country, status, version FROM customers ORDER BY code`),
    sourceRecords: await q(`
      SELECT s.external_id, s.content_hash, s.deleted_at IS NULL AS live, c.code
      FROM source_records s LEFT JOIN customers c ON c.id = s.golden_id ORDER BY s.external_id`),
    crosswalk: await q(`
      SELECT x.system, x.external_id, c.code FROM crosswalk x JOIN customers c ON c.id = x.golden_id
      ORDER BY x.system, x.external_id`),
    lineage: await q(`
      SELECT c.code, l.field, s.external_id, l.rule FROM golden_lineage l
      JOIN customers c ON c.id = l.golden_id LEFT JOIN source_records s ON s.id = l.source_record_id
      ORDER BY c.code, l.field`),
    history: await q(`SELECT entity, operation, count(*)::int AS n FROM record_history GROUP BY 1, 2 ORDER BY 1, 2`),
    outbox: await q(`SELECT event_type, count(*)::int AS n FROM outbox GROUP BY 1 ORDER BY 1`),
    runs: await q(`SELECT mode, status, read, inserted, updated, unchanged, deleted, failed, error FROM sync_runs`),
  };
}

let reference: Awaited<ReturnType<typeof endState>>;

beforeAll(async () => {
  await source.start();
  // The uninterrupted run, in this process on a database of its own.
  const db = await createTestDatabase();
  try {
    const config = testConfig({ DATABASE_URL: db.url ?? '' });
    const services = await createServices(config, db.database);
    const c = await services.connections.create(connectionInput(undefined), actor);
    const run = await services.sync.runner.createRun(c.id, 'full', 'api');
    expect((await services.sync.runner.execute(run.id)).status).toBe('succeeded');
    reference = await endState(db.database);
  } finally {
    await db.close();
  }
}, 120_000);

afterAll(async () => {
  await source.stop();
  await deleteRedisKeys(`${PREFIX}*`);
});

function testConfig(env: Record<string, string>): Config {
  return loadConfig({ NODE_ENV: 'test', MDHUB_DEMO: 'false', MDHUB_SECRET_KEY: KEY, ...env });
}

/** Starts `bin/mdhub <args>` and resolves once it printed `ready`; the output is kept for failure messages. */
function startMdhub(args: string[], env: Record<string, string>, ready: RegExp) {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'mdhub'), ...args], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      MDHUB_SECRET_KEY: KEY,
      // A dead worker's claim lapses after 2 s, so the next worker takes the job over soon.
      MDHUB_JOB_LOCK_MS: '2000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('exit', (code, signal) => r({ code, signal })),
  );
  const started = new Promise<RegExpMatchArray>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d;
      const m = output.match(ready);
      if (m) resolve(m);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(({ code, signal }) =>
      reject(new Error(`mdhub ${args[0]} exited (${code ?? signal}):\n${output}`)),
    );
  });
  return { child, started, exited, output: () => output };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function kill(p: { child: ChildProcess; exited: Promise<unknown> }, signal: NodeJS.Signals) {
  p.child.kill(signal);
  return p.exited;
}

interface RunRow {
  status: string;
  read: number;
  attempts: number;
}

/** The resumed run's checks: it was killed part-way, it resumed once, and it left exactly the reference state. */
function expectResumedLikeReference(atKill: RunRow, after: Awaited<ReturnType<typeof endState>>, finalRun: RunRow) {
  // The kill landed mid-run: some pages were committed, not all, and the run was left running.
  expect(atKill.status).toBe('running');
  expect(atKill.read).toBeGreaterThanOrEqual(3 * PAGE);
  expect(atKill.read).toBeLessThan(N);
  expect(atKill.read % PAGE).toBe(0);
  // Resumed by a second worker, once.
  expect(finalRun).toMatchObject({ status: 'succeeded', attempts: 2 });
  console.log(
    `killed after ${atKill.read} of ${N} records were committed; the next worker read the other ${N - atKill.read}`,
  );
  expect(after.sourceRecords).toHaveLength(N);
  expect(after.customers.length).toBeGreaterThan(0);
  expect(after).toEqual(reference);
}

const variants = usingPostgres
  ? ([
      ['mdhub worker processes on PostgreSQL, queue on Redis', 'redis'],
      ['mdhub worker processes on PostgreSQL, queue on PostgreSQL', 'postgres'],
    ] as const)
  : ([['mdhub serve on the embedded database, queue in it', 'embedded']] as const);

describe.each(variants)('%s', (_title, kind) => {
  it('resumes a sync after its worker is killed with SIGKILL, ending exactly as an uninterrupted run', async () => {
    if (kind === 'embedded') await embeddedVariant();
    else await postgresVariant(kind);
  }, 240_000);
});

async function postgresVariant(queue: 'redis' | 'postgres') {
  const db: TestDatabase = await createTestDatabase();
  const queueEnv: Record<string, string> =
    queue === 'redis' ? { REDIS_URL, MDHUB_QUEUE_PREFIX: `${PREFIX}-${queue}` } : { REDIS_URL: '' };
  const env = { DATABASE_URL: db.url!, ...queueEnv };
  const services = await createServices(testConfig(env), db.database);
  const running: { child: ChildProcess; exited: Promise<unknown> }[] = [];
  try {
    // 10 pages a second: the 30 pages take three seconds at least, so the kill lands in the middle.
    const c = await services.connections.create(connectionInput('10'), actor);
    // This process only queues the run (no workers here); the workers are separate processes.
    await services.sync.jobs.start({ workers: false, scheduler: false });
    const run = await services.sync.jobs.trigger(c.id, 'full', 'api');
    const runRow = async () =>
      (
        await db.database.pool.query<RunRow>(`SELECT status::text, read, attempts FROM sync_runs WHERE id = $1`, [
          run.id,
        ])
      ).rows[0]!;

    const first = startMdhub(['worker'], env, /worker is up/);
    running.push(first);
    await first.started;
    await until('three committed pages', async () => ((await runRow()).read >= 3 * PAGE ? true : undefined));
    expect((await kill(first, 'SIGKILL')) as object).toMatchObject({ signal: 'SIGKILL' });
    const atKill = await runRow();

    const second = startMdhub(['worker'], env, /worker is up/);
    running.push(second);
    await second.started;
    const finalRun = await until('the resumed run to end', async () => {
      const r = await runRow();
      return r.status === 'succeeded' || r.status === 'failed' ? r : undefined;
    });
    // A worker stops cleanly on SIGTERM.
    expect(await kill(second, 'SIGTERM')).toEqual({ code: 0, signal: null });
    expectResumedLikeReference(atKill, await endState(db.database), finalRun);
  } finally {
    for (const p of running) p.child.kill('SIGKILL');
    await Promise.all(running.map((p) => p.exited));
    await services.sync.jobs.close();
    await db.close();
  }
}

async function embeddedVariant() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdhub-crash-'));
  const env = { DATABASE_URL: '', REDIS_URL: '', MDHUB_DATA_DIR: dir, PORT: '0' };
  const running: { child: ChildProcess; exited: Promise<unknown> }[] = [];
  const open = async () => openDatabase({ dataDir: dir, poolMax: 1 });
  try {
    {
      const { database, services } = await openHub(testConfig(env));
      await services.connections.create(connectionInput('10'), actor);
      await database.close();
    }
    const serve = () => startMdhub(['serve', '--no-demo'], env, /GraphQL: (http:\/\/\S+)\/graphql/);
    const gql = async (url: string, query: string, variables?: object) => {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: any; errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data;
    };
    const runOf = async (url: string, id: string) =>
      (await gql(url, `query($id: ID!) { syncRun(id: $id) { status read attempts } }`, { id })).syncRun;

    const first = serve();
    running.push(first);
    const url1 = (await first.started)[1]!;
    const conn = (await gql(url1, `{ connections { id name } }`)).connections.find((c: any) => c.name === 'erp');
    const run = (
      await gql(url1, `mutation($id: ID!) { triggerSync(connectionId: $id, mode: FULL) { id } }`, {
        id: conn.id,
      })
    ).triggerSync;
    await until('three committed pages', async () => ((await runOf(url1, run.id)).read >= 3 * PAGE ? true : undefined));
    expect((await kill(first, 'SIGKILL')) as object).toMatchObject({ signal: 'SIGKILL' });

    // What the killed process left on disk.
    const left = await open();
    const atKill = (
      await left.pool.query<RunRow>(`SELECT status::text, read, attempts FROM sync_runs WHERE id = $1`, [run.id])
    ).rows[0]!;
    await left.close();

    const second = serve();
    running.push(second);
    const url2 = (await second.started)[1]!;
    const finalRun = await until('the resumed run to end', async () => {
      const r = await runOf(url2, run.id);
      return r.status === 'SUCCEEDED' || r.status === 'FAILED' ? r : undefined;
    });
    expect(await kill(second, 'SIGTERM')).toEqual({ code: 0, signal: null });
    const after = await open();
    try {
      expectResumedLikeReference(atKill, await endState(after), { ...finalRun, status: finalRun.status.toLowerCase() });
    } finally {
      await after.close();
    }
  } finally {
    for (const p of running) p.child.kill('SIGKILL');
    await Promise.all(running.map((p) => p.exited));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
