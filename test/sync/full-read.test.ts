import { startSyncFixture, type SyncFixture } from '../helpers/sync';

/**
 * Full reads at scale: a page larger than PostgreSQL's parameter limit allows for a multi-row VALUES list, and a
 * second full read whose unchanged records cost no write per record, yet still count as seen.
 */
let f: SyncFixture;
const RECORDS = 3_500;

const T0 = Date.UTC(2026, 2, 1);
const customer = (i: number) => ({
  id: `K${String(i).padStart(5, '0')}`,
  updatedAt: new Date(T0 + i * 1000).toISOString(),
  name: `Kunde ${i} Maschinenbau GmbH`,
  email: `einkauf@kunde-${i}.de`,
  phone: `+49 711 ${String(1_000_000 + i)}`,
  taxId: `DE${String(100_000_000 + i)}`,
  address: { street: `Hauptstraße ${i}`, postalCode: String(10_000 + i), city: 'Stuttgart', country: 'DE' },
});

beforeAll(async () => {
  f = await startSyncFixture({ runner: { pageSize: 5_000 } });
  f.source.collections.set(
    'customers',
    Array.from({ length: RECORDS }, (_, i) => customer(i + 1)),
  );
});
afterAll(() => f?.close());

const fullSync = () => f.sync('full');
const query = async (text: string, values: unknown[] = []) => (await f.hub.db.database.pool.query(text, values)).rows;

describe('full reads', () => {
  it('takes a page of 3,500 new records in one transaction (22 golden columns each: more than 65,535 values)', async () => {
    const run = await fullSync();
    expect(run).toMatchObject({ status: 'succeeded', read: RECORDS, inserted: RECORDS, failed: 0 });
    const [counts] = await query(`SELECT
      (SELECT count(*)::int FROM customers) AS golden,
      (SELECT count(*)::int FROM record_history WHERE entity = 'customer') AS history,
      (SELECT count(*)::int FROM outbox WHERE event_type = 'customer.created') AS events,
      (SELECT count(*)::int FROM crosswalk WHERE system = 'crm') AS links`);
    expect(counts).toEqual({ golden: RECORDS, history: RECORDS, events: RECORDS, links: RECORDS });
    const [k] = await query(`SELECT name, phone, postal_code FROM customers WHERE tax_id = 'DE100000042'`);
    expect(k).toEqual({ name: 'Kunde 42 Maschinenbau GmbH', phone: '+497111000042', postal_code: '10042' });
  });

  it('writes nothing per unchanged record on a second full read, deletes what the source dropped, and still knows when each record was last seen', async () => {
    const rows = f.source.collections.get('customers')!;
    const before = new Map(
      (await query(`SELECT external_id, xmin::text AS xmin FROM source_records`)).map((r) => [r.external_id, r.xmin]),
    );
    // One record changes, one disappears from the source.
    rows[9] = {
      ...rows[9]!,
      name: 'Kunde 10 Antriebstechnik GmbH',
      updatedAt: new Date(T0 + 10_000_000).toISOString(),
    };
    const dropped = rows.splice(19, 1)[0]!;

    const run = await fullSync();
    expect(run).toMatchObject({
      status: 'succeeded',
      read: RECORDS - 1,
      updated: 1,
      unchanged: RECORDS - 2,
      deleted: 1,
    });

    const after = await query(`SELECT external_id, xmin::text AS xmin, deleted_at FROM source_records`);
    const rewritten = after.filter((r) => r.xmin !== before.get(r.external_id)).map((r) => r.external_id);
    expect(rewritten.sort()).toEqual(['K00010', dropped.id].sort());
    expect(after.find((r) => r.external_id === dropped.id)!.deleted_at).not.toBeNull();
    // The per-page lists of seen records are gone once the deletes are applied.
    expect(await query(`SELECT count(*)::int AS n FROM sync_run_seen`)).toEqual([{ n: 0 }]);

    const g = await f.hub.gql(
      `{ customer(sourceRef: { system: "crm", externalId: "K00001" }) { sourceRecords { lastSeenAt firstSeenAt } } }`,
    );
    const seen = g.data!.customer.sourceRecords[0];
    expect(Date.parse(seen.lastSeenAt)).toBeGreaterThanOrEqual(Date.parse(run.startedAt!.toISOString()));
    expect(Date.parse(seen.firstSeenAt)).toBeLessThan(Date.parse(run.startedAt!.toISOString()));
    const gone = await f.hub.gql(
      `{ customer(sourceRef: { system: "crm", externalId: "${dropped.id}" }) { status sourceRecords { lastSeenAt deletedAt } } }`,
    );
    expect(gone.data!.customer.status).toBe('ARCHIVED');
    expect(Date.parse(gone.data!.customer.sourceRecords[0].lastSeenAt)).toBeLessThan(
      Date.parse(run.startedAt!.toISOString()),
    );
  });
});
