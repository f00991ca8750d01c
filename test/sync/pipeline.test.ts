import { startSyncFixture, type SyncFixture } from '../helpers/sync';

/**
 * The runner reads and prepares the next page while it commits the current one. A record listed on two
 * consecutive pages (a source changing it during the read) must still end as its last version, counted once as
 * new, with one source record and one golden record.
 */
let f: SyncFixture;

const row = (id: string, minute: number, name: string) => ({
  id,
  updatedAt: new Date(Date.UTC(2026, 4, 1, 8, minute)).toISOString(),
  name,
  address: { country: 'DE', postalCode: `8${id.slice(-4)}` },
});

beforeAll(async () => {
  f = await startSyncFixture({ name: 'shop', runner: { pageSize: 2 } });
});
afterAll(() => f?.close());

const names = async () =>
  (
    await f.hub.db.database.pool.query(
      `SELECT s.external_id, c.name FROM source_records s JOIN customers c ON c.id = s.golden_id ORDER BY 1`,
    )
  ).rows;

describe('pages prepared while the previous one commits', () => {
  it('applies a record listed on two consecutive pages once, as its last version', async () => {
    // Pages of 2: [A1, X(v1)] [X(v2), B2]: X's second version is prepared while its first is being committed.
    f.source.collections.set('customers', [
      row('A-0001', 1, 'Alpha GmbH'),
      row('X-0009', 2, 'Xaver Erste Fassung GmbH'),
      row('X-0009', 3, 'Xaver Zweite Fassung GmbH'),
      row('B-0002', 4, 'Beta AG'),
    ]);
    const run = await f.sync('full');
    expect(run).toMatchObject({ status: 'succeeded', read: 4, inserted: 3, updated: 1, failed: 0 });
    expect(await names()).toEqual([
      { external_id: 'A-0001', name: 'Alpha GmbH' },
      { external_id: 'B-0002', name: 'Beta AG' },
      { external_id: 'X-0009', name: 'Xaver Zweite Fassung GmbH' },
    ]);
  });

  it('takes a version the previous page replaced even when it equals what was stored before the run', async () => {
    // Stored now: X as v2. The source lists v3 and then v2 again: the run must end at v2, the last listed.
    f.source.collections.set('customers', [
      row('A-0001', 1, 'Alpha GmbH'),
      row('X-0009', 5, 'Xaver Dritte Fassung GmbH'),
      row('X-0009', 6, 'Xaver Zweite Fassung GmbH'),
      row('B-0002', 7, 'Beta AG'),
    ]);
    const run = await f.sync('full');
    expect(run).toMatchObject({ status: 'succeeded', read: 4, failed: 0, deleted: 0 });
    expect(await names()).toEqual([
      { external_id: 'A-0001', name: 'Alpha GmbH' },
      { external_id: 'B-0002', name: 'Beta AG' },
      { external_id: 'X-0009', name: 'Xaver Zweite Fassung GmbH' },
    ]);
    const history = await f.hub.db.database.pool.query(
      `SELECT h.data->>'name' AS name FROM record_history h JOIN source_records s ON s.golden_id = h.entity_id
       WHERE s.external_id = 'X-0009' ORDER BY h.version`,
    );
    expect(history.rows.map((r) => r.name)).toEqual([
      'Xaver Erste Fassung GmbH',
      'Xaver Zweite Fassung GmbH',
      'Xaver Dritte Fassung GmbH',
      'Xaver Zweite Fassung GmbH',
    ]);
  });
});
