import '../../connectors';
import { SyncRunner } from '../../src/sync/runner';
import { FakeSource } from '../helpers/fake-json-source';
import { startTestHub, type TestHub } from '../helpers/hub';

let hub: TestHub;
let runner: SyncRunner;
const source = new FakeSource();
let connectionId: string;

const T0 = Date.UTC(2026, 0, 1);
// Three records share each minute, so pages of 4 end in the middle of a group of equal cursors.
const at = (i: number) => new Date(T0 + Math.floor(i / 3) * 60_000).toISOString();
const customer = (i: number, extra: Record<string, unknown> = {}) => ({
  id: `C-${String(i).padStart(3, '0')}`,
  updatedAt: at(i),
  name: `Kunde ${i} GmbH`,
  address: { country: 'DE', city: 'Stuttgart' },
  ...extra,
});

beforeAll(async () => {
  await source.start();
  hub = await startTestHub();
  runner = new SyncRunner(hub.db.database, hub.services.connections, {
    defaultRegion: 'DE',
    pageSize: 4,
    baseDelayMs: 5,
  });
  const c = await hub.services.connections.create(
    {
      name: 'erp',
      type: 'http-json',
      settings: {
        baseUrl: source.baseUrl,
        streams: [{ name: 'customers', entity: 'customer', path: '/customers', lookbackSeconds: 120 }],
      },
      credentials: { token: 'tok' },
    },
    { kind: 'user', id: 'test' },
  );
  connectionId = c.id;
});
afterAll(async () => {
  await hub?.close();
  await source.stop();
});

async function sync(mode: 'full' | 'incremental') {
  const run = await runner.createRun(connectionId, mode, 'test');
  return runner.execute(run.id);
}

async function goldenCount(status = 'active'): Promise<number> {
  const r = await hub.db.database.pool.query(`SELECT count(*)::int AS n FROM customers WHERE status = $1`, [status]);
  return r.rows[0].n;
}

describe('the sync runner', () => {
  it('reads every page of a full sync into golden records with crosswalk and lineage', async () => {
    source.collections.set(
      'customers',
      Array.from({ length: 10 }, (_, i) => customer(i)),
    );
    const run = await sync('full');
    expect(run).toMatchObject({ status: 'succeeded', read: 10, inserted: 10, unchanged: 0, failed: 0, deleted: 0 });
    expect(await goldenCount()).toBe(10);
    const r = await hub.gql(`{ customer(sourceRef: { system: "erp", externalId: "C-004" }) { name code updatedBy } }`);
    expect(r.data!.customer).toMatchObject({ name: 'Kunde 4 GmbH', updatedBy: 'connection:erp' });
    const lineage = await hub.db.database.pool.query(
      `SELECT field, system, rule FROM golden_lineage WHERE field = 'name' LIMIT 1`,
    );
    expect(lineage.rows[0]).toMatchObject({ field: 'name', system: 'erp' });
  });

  it('skips unchanged records cheaply, and picks up a change and a record sharing a cursor with the checkpoint', async () => {
    const again = await sync('incremental');
    expect(again).toMatchObject({ status: 'succeeded', inserted: 0, updated: 0, failed: 0 });
    expect(again.unchanged).toBeGreaterThan(0);

    const rows = source.collections.get('customers')!;
    // A record written later but stamped with the same cursor value as the last one read: an exclusive cursor would lose it.
    rows.push(customer(10, { id: 'C-LATE', updatedAt: at(9), name: 'Spät GmbH' }));
    rows[2] = { ...rows[2]!, name: 'Kunde 2 AG', updatedAt: at(11) };
    const versionsBefore = await hub.db.database.pool.query(
      `SELECT count(*)::int AS n FROM record_history WHERE entity = 'customer'`,
    );
    const run = await sync('incremental');
    expect(run).toMatchObject({ status: 'succeeded', inserted: 1, updated: 1, failed: 0 });
    const names = await hub.gql(
      `{ a: customer(sourceRef: { system: "erp", externalId: "C-LATE" }) { name } b: customer(sourceRef: { system: "erp", externalId: "C-002" }) { name version } }`,
    );
    expect(names.data).toEqual({ a: { name: 'Spät GmbH' }, b: { name: 'Kunde 2 AG', version: 2 } });
    const versionsAfter = await hub.db.database.pool.query(
      `SELECT count(*)::int AS n FROM record_history WHERE entity = 'customer'`,
    );
    expect(versionsAfter.rows[0].n - versionsBefore.rows[0].n).toBe(2);
  });

  it('keeps bad records on the run and lets the rest of the page through', async () => {
    const rows = source.collections.get('customers')!;
    rows.push(customer(20, { id: 'C-BAD', updatedAt: at(20), email: 'not-an-email' }));
    rows.push(customer(21, { id: 'C-GOOD', updatedAt: at(21) }));
    const run = await sync('incremental');
    expect(run).toMatchObject({ status: 'succeeded', failed: 1, inserted: 1 });
    const errors = await hub.db.database.pool.query(
      `SELECT external_id, field, reason FROM sync_run_errors WHERE run_id = $1`,
      [run.id],
    );
    expect(errors.rows).toEqual([{ external_id: 'C-BAD', field: 'email', reason: expect.stringMatching(/e-mail/) }]);
  });

  it('retries 429 (honouring Retry-After) and 5xx, and a run that keeps failing is failed with its error and deletes nothing', async () => {
    source.overrides.push({ status: 429, headers: { 'retry-after': '0' } }, { status: 503 });
    const ok = await sync('incremental');
    expect(ok.status).toBe('succeeded');

    source.collections.set('customers', source.collections.get('customers')!.slice(0, 5));
    const before = await goldenCount();
    // The second page keeps failing: the full read never completes, so nothing may be marked deleted.
    const failing = await runner.createRun(connectionId, 'full', 'test');
    const realRead = source.requests.length;
    let calls = 0;
    const originalHandle = (source as any).handle.bind(source);
    (source as any).handle = (req: any, text: string, res: any) => {
      calls++;
      if (calls > 1) {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"down"}');
        return;
      }
      originalHandle(req, text, res);
    };
    const failed = await runner.execute(failing.id);
    (source as any).handle = originalHandle;
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/500/);
    expect(await goldenCount()).toBe(before);
    expect(source.requests.length).toBeGreaterThanOrEqual(realRead);

    // Run again: the same run resumes after its last committed page, and now the deletes happen.
    const firstResumed = source.requests.length;
    const resumed = await runner.execute(failing.id);
    expect(source.requests[firstResumed]!.url.searchParams.get('after')).not.toBeNull();
    expect(resumed.status).toBe('succeeded');
    expect(resumed.deleted).toBeGreaterThan(0);
    expect(await goldenCount()).toBe(5);
    expect(await goldenCount('archived')).toBe(before - 5);
  });

  it('applies tombstones in incremental mode', async () => {
    const rows = source.collections.get('customers')!;
    rows[0] = { id: rows[0]!.id, updatedAt: at(40), deleted: true };
    const run = await sync('incremental');
    expect(run).toMatchObject({ status: 'succeeded', deleted: 1 });
    const r = await hub.gql(`{ customer(sourceRef: { system: "erp", externalId: "C-000" }) { status } }`);
    expect(r.data!.customer.status).toBe('ARCHIVED');
  });

  it('merges records that share a tax id into one golden record; the newer value survives, with its lineage', async () => {
    const rows = source.collections.get('customers')!;
    rows.push(customer(50, { id: 'C-T1', updatedAt: at(50), name: 'Muster Pumpen GmbH', taxId: 'DE 811 907 980' }));
    rows.push(
      customer(51, {
        id: 'C-T2',
        updatedAt: at(51),
        name: 'Muster Pumpen GmbH & Co. KG',
        taxId: 'DE811907980',
        phone: '0711 123456',
      }),
    );
    const run = await sync('incremental');
    expect(run.status).toBe('succeeded');
    const a = await hub.gql(
      `{ customer(sourceRef: { system: "erp", externalId: "C-T1" }) { id name phone sourceRefs { externalId } } }`,
    );
    const b = await hub.gql(`{ customer(sourceRef: { system: "erp", externalId: "C-T2" }) { id } }`);
    expect(a.data!.customer.id).toBe(b.data!.customer.id);
    expect(a.data!.customer.sourceRefs.map((s: any) => s.externalId).sort()).toEqual(['C-T1', 'C-T2']);
    expect(a.data!.customer.phone).toBe('+49711123456');
    expect(a.data!.customer.name).toBe('Muster Pumpen GmbH & Co. KG');
    const lineage = await hub.db.database.pool.query(
      `SELECT l.field, s.external_id, l.rule FROM golden_lineage l JOIN source_records s ON s.id = l.source_record_id
       WHERE l.golden_id = $1 AND l.field IN ('name', 'phone', 'taxId') ORDER BY l.field`,
      [a.data!.customer.id],
    );
    expect(lineage.rows).toEqual([
      { field: 'name', external_id: 'C-T2', rule: 'mostRecent' },
      { field: 'phone', external_id: 'C-T2', rule: 'mostRecent' },
      { field: 'taxId', external_id: 'C-T2', rule: 'mostRecent' },
    ]);
  });

  it('refuses a second run of the same connection while one is running', async () => {
    const slow = await runner.createRun(connectionId, 'incremental', 'test');
    const other = await runner.createRun(connectionId, 'incremental', 'test');
    // A slow source holds the first run open; the second starts once the first is reading, so it holds the lock.
    source.delayMs = 300;
    const asked = source.received;
    const first = runner.execute(slow.id);
    try {
      while (source.received === asked) await new Promise((r) => setTimeout(r, 5));
      await expect(runner.execute(other.id)).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await first).status).toBe('succeeded');
    } finally {
      source.delayMs = 0;
    }
  });
});
