import '../../connectors';
import { sql } from 'drizzle-orm';
import { ConfigError, loadConfig } from '../../src/config';
import { statementCounter } from '../../src/db/pool';
import { normaliseFields } from '../../src/master/fields';
import { SPECS } from '../../src/master/specs';
import { matchPage, placeSourceRecords } from '../../src/mdm/matcher';
import { DEFAULT_MATCH_THRESHOLDS, parseMatchThresholds } from '../../src/mdm/thresholds';
import type { SyncRunner } from '../../src/sync/runner';
import type { FakeSource } from '../helpers/fake-json-source';
import type { TestHub } from '../helpers/hub';
import { startSyncFixture, type SyncFixture } from '../helpers/sync';

/** Matching through the sync runner: fuzzy merges, the review band, placeholders, duplicates within one page. */
let f: SyncFixture;
let hub: TestHub;
let runner: SyncRunner;
let source: FakeSource;
let connectionId: string;
let clock = Date.UTC(2026, 3, 1);
const rows: Record<string, unknown>[] = [];

beforeAll(async () => {
  f = await startSyncFixture({ name: 'crm', runner: { pageSize: 50, matchThresholds: DEFAULT_MATCH_THRESHOLDS } });
  ({ hub, runner, source, connectionId } = f);
  source.collections.set('customers', rows);
});
afterAll(() => f?.close());

/** Adds records to the source (each newer than the last) and syncs them in. */
async function sync(...records: Record<string, unknown>[]) {
  for (const r of records) rows.push({ ...r, updatedAt: new Date((clock += 1000)).toISOString() });
  const run = await runner.createRun(connectionId, 'incremental', 'test');
  const done = await runner.execute(run.id);
  expect(done).toMatchObject({ status: 'succeeded', failed: 0 });
  return done;
}

const query = async (text: string, values: unknown[] = []) => (await hub.db.database.pool.query(text, values)).rows;

/** The golden id each external id went to. */
async function goldenOf(...externalIds: string[]): Promise<string[]> {
  const found = await query(
    `SELECT external_id, golden_id::text AS g FROM source_records WHERE system = 'crm' AND external_id = ANY($1)`,
    [externalIds],
  );
  const byId = new Map(found.map((r) => [r.external_id, r.g]));
  return externalIds.map((id) => byId.get(id));
}

async function tasksOf(externalId: string) {
  return query(
    `SELECT t.status::text, t.candidates FROM steward_tasks t JOIN source_records s ON s.id = t.source_record_id
     WHERE s.system = 'crm' AND s.external_id = $1`,
    [externalId],
  );
}

const address = (postalCode: string, street: string, city: string, country = 'DE') => ({
  address: { street, postalCode, city, country },
});

describe('fuzzy matching in a sync', () => {
  it('merges a retyped German name at the same address and phone into the existing golden record', async () => {
    await sync({
      id: 'DE-1',
      name: 'Müller Maschinenbau GmbH',
      phone: '0711 1234567',
      ...address('70173', 'Hauptstraße 5', 'Stuttgart'),
    });
    await sync({ id: 'DE-2', name: 'Mueller Maschinenbua GmbH', ...address('70173', 'Hauptstr. 5', 'Stuttgart') });
    await sync({
      id: 'DE-3',
      name: 'MÜLLER MASCHINENBAU GMBH',
      phone: '+49 711 1234567',
      ...address('70173', 'Hauptstraße 5', 'Stuttgart'),
    });
    const [a, b, c] = await goldenOf('DE-1', 'DE-2', 'DE-3');
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(await query(`SELECT count(*)::int AS n FROM steward_tasks`)).toEqual([{ n: 0 }]);
  });

  it('merges Chinese and Japanese names written another way: other script variant, legal form at the other end', async () => {
    await sync(
      {
        id: 'CN-1',
        name: '上海中鼎精密机械有限公司',
        phone: '+86 21 6123 4567',
        ...address('200120', '88 Century Avenue', 'Shanghai', 'CN'),
      },
      {
        id: 'JP-1',
        name: '株式会社山田製作所',
        phone: '+81 3 1234 5678',
        ...address('100-0005', 'Marunouchi 1-1', 'Tokyo', 'JP'),
      },
    );
    await sync(
      {
        id: 'CN-2',
        name: '上海中鼎精密機械有限公司',
        phone: '+86 21 6123 4567',
        ...address('200120', '88 Century Avenue', 'Shanghai', 'CN'),
      },
      {
        id: 'JP-2',
        name: '山田製作所株式会社',
        phone: '+81 3 1234 5678',
        ...address('100-0005', 'Marunouchi 1-1', 'Tokyo', 'JP'),
      },
    );
    const [cn1, cn2, jp1, jp2] = await goldenOf('CN-1', 'CN-2', 'JP-1', 'JP-2');
    expect(cn2).toBe(cn1);
    expect(jp2).toBe(jp1);
    expect(cn1).not.toBe(jp1);
  });

  it('sends a doubtful match to a steward and gives the record its own golden record meanwhile', async () => {
    await sync({
      id: 'W-1',
      name: 'Weber Elektrotechnik GmbH',
      phone: '030 1111111',
      ...address('10115', 'Invalidenstraße 1', 'Berlin'),
    });
    // Same name, address and phone, but a GmbH & Co. KG: often the GmbH's sister company, so never merged alone.
    await sync({
      id: 'W-2',
      name: 'Weber Elektrotechnik GmbH & Co. KG',
      phone: '030 1111111',
      ...address('10115', 'Invalidenstraße 1', 'Berlin'),
    });
    const [w1, w2] = await goldenOf('W-1', 'W-2');
    expect(w2).toBeDefined();
    expect(w2).not.toBe(w1);
    const [task] = await tasksOf('W-2');
    expect(task).toMatchObject({ status: 'open' });
    expect(task!.candidates).toEqual([
      {
        goldenId: w1,
        score: 1,
        reasons: expect.arrayContaining(['legal forms differ (gmbh kg / gmbh)', 'same phone']),
      },
    ]);
    const golden = await query(`SELECT name FROM customers WHERE id = $1`, [w2]);
    expect(golden).toEqual([{ name: 'Weber Elektrotechnik GmbH & Co. KG' }]);
  });

  it('starts a new golden record without a task below the review threshold', async () => {
    await sync({ id: 'W-3', name: 'Weber Bau GmbH', ...address('10115', 'Chausseestraße 9', 'Berlin') });
    const [w1, w3] = await goldenOf('W-1', 'W-3');
    expect(w3).not.toBe(w1);
    expect(await tasksOf('W-3')).toEqual([]);
  });

  it('never matches on placeholders: a dummy tax id and e-mail shared by two companies join nothing', async () => {
    const dummy = { taxId: 'N/A', email: 'noreply@example.com' };
    await sync(
      { id: 'P-1', name: 'Alpha Werkzeuge GmbH', ...dummy, ...address('80331', 'Marienplatz 1', 'München') },
      { id: 'P-2', name: 'Zeta Kunststoffe AG', ...dummy, ...address('20095', 'Mönckebergstraße 7', 'Hamburg') },
    );
    const [p1, p2] = await goldenOf('P-1', 'P-2');
    expect(p1).not.toBe(p2);
    expect(await tasksOf('P-2')).toEqual([]);
  });

  it('matches new records of one page to each other: duplicates become one golden record, a doubtful one a task', async () => {
    const before = await query(`SELECT count(*)::int AS n FROM customers`);
    await sync(
      {
        id: 'S-1',
        name: 'Schneider Antriebe GmbH',
        phone: '089 7654321',
        ...address('80807', 'Leopoldstraße 10', 'München'),
      },
      { id: 'S-2', name: 'Schneider Antreibe GmbH', ...address('80807', 'Leopoldstraße 10', 'München') },
      {
        id: 'S-3',
        name: 'Schneider Antriebe GmbH & Co. KG',
        phone: '089 7654321',
        ...address('80807', 'Leopoldstraße 10', 'München'),
      },
    );
    const [s1, s2, s3] = await goldenOf('S-1', 'S-2', 'S-3');
    expect(s2).toBe(s1);
    expect(s3).not.toBe(s1);
    const [task] = await tasksOf('S-3');
    expect(task!.candidates.map((c: { goldenId: string }) => c.goldenId)).toEqual([s1]);
    const after = await query(`SELECT count(*)::int AS n FROM customers`);
    expect(after[0].n - before[0].n).toBe(2);
  });

  it('decides records of a page the same way on every run', async () => {
    const values = (name: string) =>
      normaliseFields(SPECS.customer.fields, { name, ...address('01067', 'Prager Straße 2', 'Dresden') }, 'create', {
        defaultRegion: 'DE',
      });
    const page = ['Lehmann Fördertechnik GmbH', 'Lehman Fördertechnik GmbH', 'Lehmann Fördertechnik GmbH & Co. KG'].map(
      (name, i) => ({ sourceRecordId: String(900_000 + i), externalId: `X-${i}`, values: values(name) }),
    );
    const shape = async () => {
      const placed = await matchPage(hub.db.database.db, 'customer', 'other', page, DEFAULT_MATCH_THRESHOLDS.customer);
      // Each golden id as the position of the first record given it.
      return placed.map((p) => [p.via, placed.findIndex((q) => q.goldenId === p.goldenId)]);
    };
    const first = await shape();
    expect(first).toEqual([
      ['new', 0],
      ['auto', 0],
      ['review', 2],
    ]);
    expect(await shape()).toEqual(first);
  });
});

describe('items', () => {
  it('are found by name through the trigram index: an exact name merges, a retyped one goes to review', async () => {
    const actor = { actor: { kind: 'user' as const, id: 'test' } };
    const bolt = await hub.services.master.store.create(
      SPECS.item,
      { name: 'Sechskantschraube M8x40 verzinkt', type: 'purchased', baseUnit: 'pcs' },
      actor,
    );
    await hub.services.master.store.create(
      SPECS.item,
      { name: 'Zylinderstift 6x30', type: 'purchased', baseUnit: 'pcs', gtin: '4006381333931' },
      actor,
    );
    const item = (name: string, extra: Record<string, unknown> = {}) =>
      normaliseFields(SPECS.item.fields, { name, type: 'purchased', baseUnit: 'pcs', ...extra }, 'create', {
        defaultRegion: 'DE',
      });
    const placed = await matchPage(
      hub.db.database.db,
      'item',
      'plm',
      [
        { sourceRecordId: '800001', externalId: 'I-1', values: item('Sechskantschraube M8x40 verzinkt') },
        { sourceRecordId: '800002', externalId: 'I-2', values: item('Sechskantschraube M8x40 verzinnt') },
        { sourceRecordId: '800003', externalId: 'I-3', values: item('Hydraulikschlauch DN12') },
        { sourceRecordId: '800004', externalId: 'I-4', values: item('Stift', { gtin: '4006381333931' }) },
      ],
      DEFAULT_MATCH_THRESHOLDS.item,
    );
    expect(placed[0]).toMatchObject({ via: 'auto', goldenId: bolt.id, score: 0.85 });
    expect(placed[1]).toMatchObject({ via: 'review', candidates: [{ goldenId: bolt.id }] });
    expect(placed[2]).toMatchObject({ via: 'new' });
    expect(placed[3]).toMatchObject({ via: 'deterministic', key: 'gtin' });
  });
});

describe('statements per page', () => {
  async function statementsFor(count: number, offset: number): Promise<number> {
    const records = Array.from({ length: count }, (_, i) => {
      const n = offset + i;
      return {
        externalId: `ST-${n}`,
        values: normaliseFields(
          SPECS.customer.fields,
          {
            name: `Statement Probe ${n} GmbH`,
            email: `einkauf@probe-${n}.de`,
            taxId: `DE${900_000_000 + n}`,
            phone: `+49 30 ${5_000_000 + n}`,
            ...address(String(40_000 + n), `Teststraße ${n}`, 'Düsseldorf'),
          },
          'create',
          { defaultRegion: 'DE' },
        ),
      };
    });
    const counter = { count: 0 };
    await statementCounter.run(counter, () =>
      hub.db.database.db.transaction(async (tx) => {
        // Source records to place, as the runner stages them.
        const staged = await tx.execute(sql`
          INSERT INTO source_records (system, stream, entity, external_id, payload, content_hash, canonical)
          SELECT 'probe', 'customers', 'customer', e, '{}'::jsonb, 'h', c
          FROM unnest(${sql.param(records.map((r) => r.externalId))}::text[], ${sql.param(records.map((r) => JSON.stringify(r.values)))}::jsonb[]) AS x(e, c)
          RETURNING id::text AS id, external_id`);
        const ids = new Map((staged.rows as { id: string; external_id: string }[]).map((r) => [r.external_id, r.id]));
        counter.count = 0;
        await placeSourceRecords(
          tx,
          {
            entity: 'customer',
            system: 'probe',
            thresholds: DEFAULT_MATCH_THRESHOLDS.customer,
            actor: { kind: 'system', id: 'test' },
          },
          records.map((r) => ({ sourceRecordId: ids.get(r.externalId)!, externalId: r.externalId, values: r.values })),
        );
      }),
    );
    return counter.count;
  }

  it('places a page in the same number of statements whatever its size', async () => {
    const few = await statementsFor(3, 0);
    const many = await statementsFor(60, 100);
    expect(many).toBe(few);
    // Crosswalk and decisions, keys, blocking, golden ids, crosswalk entries.
    expect(few).toBeLessThanOrEqual(6);
  });
});

describe('match thresholds', () => {
  it('default per entity and take partial settings', () => {
    expect(parseMatchThresholds(undefined)).toEqual(DEFAULT_MATCH_THRESHOLDS);
    const t = parseMatchThresholds('{"customer": {"autoMerge": 0.95}, "item": {"review": 0.5, "margin": 0.1}}');
    expect(t.customer).toEqual({ ...DEFAULT_MATCH_THRESHOLDS.customer, autoMerge: 0.95 });
    expect(t.item).toEqual({ ...DEFAULT_MATCH_THRESHOLDS.item, review: 0.5, margin: 0.1 });
    expect(loadConfig({ MDHUB_MATCH_THRESHOLDS: '{"supplier":{"review":0.6}}' }).matchThresholds.supplier.review).toBe(
      0.6,
    );
  });

  it.each([
    ['{"customer": {"review": 0.95}}', 'customer.review: review (0.95) must not be above autoMerge'],
    ['{"customers": {}}', 'customers: not an entity'],
    ['{"item": {"autoMerge": 1.5}}', 'item.autoMerge: must be between 0 and 1'],
    ['{"item": {"automerge": 0.9}}', 'item.automerge: unknown key'],
    ['{"item": {"review": "high"}}', 'item.review: must be a number between 0 and 1'],
    ['{customer}', '(root): not valid JSON'],
  ])('refuses %s naming the key', (json, message) => {
    expect(() => loadConfig({ MDHUB_MATCH_THRESHOLDS: json })).toThrow(ConfigError);
    expect(() => loadConfig({ MDHUB_MATCH_THRESHOLDS: json })).toThrow(`MDHUB_MATCH_THRESHOLDS: ${message}`);
  });
});
