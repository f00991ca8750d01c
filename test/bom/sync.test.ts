import { type SyncFixture, startSyncFixture } from '../helpers/sync';

// An ERP over the reference http-json connector: items with their own numbers, and BOMs naming the product and
// components by those numbers. The hub resolves them through the crosswalk.
let f: SyncFixture;
let clock = Date.UTC(2026, 5, 1);
const stamp = () => new Date((clock += 60_000)).toISOString();

const item = (id: string, name: string, baseUnit = 'pcs', type = 'purchased') => ({
  id,
  name,
  baseUnit,
  type,
  updatedAt: stamp(),
});

beforeAll(async () => {
  f = await startSyncFixture({
    name: 'erp',
    streams: [
      { name: 'items', entity: 'item', path: '/items' },
      { name: 'boms', entity: 'bom', path: '/boms' },
    ],
  });
  f.source.collections.set('items', [
    item('10', 'Fahrrad', 'pcs', 'manufactured'),
    item('20', 'Laufrad 28"', 'pcs', 'manufactured'),
    item('30', 'Speiche', 'pcs'),
    item('40', 'Nabe', 'pcs'),
    item('50', '钢管 steel tube', 'm'),
  ]);
  f.source.collections.set('boms', [
    {
      id: 'B-10',
      itemRef: '10',
      updatedAt: stamp(),
      lines: [
        { componentRef: '20', quantity: '2', position: 10 },
        { componentRef: '50', quantity: '180', unit: 'cm', position: 20, scrapPercent: '5' },
      ],
    },
    {
      id: 'B-20',
      itemRef: '20',
      updatedAt: stamp(),
      lines: [
        { componentRef: '30', quantity: '36' },
        { componentRef: '40', quantity: '1', substitutes: [{ componentRef: '30', priority: 1, ratio: '3' }] },
      ],
    },
  ]);
});
afterAll(async () => {
  await f?.close();
});

const explode = async () => {
  const code = (await f.hub.gql(`{ item(sourceRef: { system: "erp", externalId: "10" }) { code } }`)).data!.item.code;
  const r = await f.hub.gql(
    `query($c: String!) { bomExplosion(itemCode: $c) { nodes { nodes { item { name } quantity } } } }`,
    {
      c: code,
    },
  );
  expect(r.errors).toBeUndefined();
  return r.data!.bomExplosion.nodes.nodes.map((n: any) => [n.item.name, n.quantity]);
};

describe('BOMs synced from a source system', () => {
  it('resolves products and components through the crosswalk and releases the BOMs', async () => {
    const run = await f.sync('full');
    expect(run.status).toBe('succeeded');
    expect(run.failed).toBe(0);
    expect(await explode()).toEqual([
      ['Laufrad 28"', '2'],
      ['Speiche', '72'],
      ['Nabe', '2'],
      ['钢管 steel tube', '1.89'],
    ]);
    const b = await f.hub.gql(
      `{ boms(first: 5) { nodes { status isDefault sourceRef { system externalId } lines { component { name } substitutes { component { name } ratio } } } } }`,
    );
    expect(b.data!.boms.nodes).toHaveLength(2);
    expect(b.data!.boms.nodes.every((n: any) => n.status === 'RELEASED' && n.isDefault)).toBe(true);
    const refs = await f.hub.db.database.pool.query(
      `SELECT external_id FROM crosswalk WHERE system = 'erp' AND entity = 'bom' ORDER BY external_id`,
    );
    expect(refs.rows.map((r) => r.external_id)).toEqual(['B-10', 'B-20']);
  });

  it('an unchanged read writes nothing; a change becomes a new version that supersedes the old one', async () => {
    const before = await f.hub.db.database.pool.query(`SELECT count(*)::int AS n FROM boms`);
    const again = await f.sync('full');
    expect(again.unchanged).toBeGreaterThan(0);
    expect((await f.hub.db.database.pool.query(`SELECT count(*)::int AS n FROM boms`)).rows[0].n).toBe(
      before.rows[0].n,
    );

    const wheel = f.source.collections.get('boms')![1]!;
    wheel.lines = [
      { componentRef: '30', quantity: '32' },
      { componentRef: '40', quantity: '1' },
    ];
    wheel.updatedAt = stamp();
    const run = await f.sync('incremental');
    expect(run.status).toBe('succeeded');
    expect(await explode()).toEqual([
      ['Laufrad 28"', '2'],
      ['Speiche', '64'],
      ['Nabe', '2'],
      ['钢管 steel tube', '1.89'],
    ]);
    const versions = await f.hub.db.database.pool.query(`
      SELECT b.version_label, b.status, b.is_default, b.valid_to IS NOT NULL OR b.status = 'obsolete' AS ended
      FROM boms b JOIN crosswalk c ON c.golden_id = b.item_id AND c.system = 'erp' AND c.entity = 'item' AND c.external_id = '20'
      ORDER BY b.created_at`);
    expect(versions.rows).toEqual([
      { version_label: '1', status: expect.any(String), is_default: false, ended: true },
      { version_label: '2', status: 'released', is_default: true, ended: false },
    ]);
    const link = await f.hub.db.database.pool.query(
      `SELECT b.version_label FROM crosswalk c JOIN boms b ON b.id = c.golden_id WHERE c.system = 'erp' AND c.entity = 'bom' AND c.external_id = 'B-20'`,
    );
    expect(link.rows[0].version_label).toBe('2');
  });

  it('a BOM naming an item not synced yet waits, and applies once the item arrives', async () => {
    f.source.collections.get('boms')!.push({
      id: 'B-60',
      itemRef: '60',
      updatedAt: stamp(),
      lines: [{ componentRef: '30', quantity: '4' }],
    });
    const run = await f.sync('incremental');
    expect(run.status).toBe('succeeded');
    expect(run.failed).toBe(1);
    const errors = await f.hub.gql(`query($id: ID!) { syncRun(id: $id) { errors { externalId field reason } } }`, {
      id: run.id,
    });
    expect(errors.data!.syncRun.errors).toEqual([
      { externalId: 'B-60', field: 'itemRef', reason: 'item 60 is not known from erp yet' },
    ]);
    f.source.collections.get('items')!.push(item('60', 'Gepäckträger', 'pcs', 'manufactured'));
    const next = await f.sync('incremental');
    expect(next.status).toBe('succeeded');
    const r = await f.hub.gql(
      `{ item(sourceRef: { system: "erp", externalId: "60" }) { bom { status lines { component { name } } } } }`,
    );
    expect(r.data!.item.bom).toEqual({ status: 'RELEASED', lines: [{ component: { name: 'Speiche' } }] });
  });

  it('refuses a synced BOM that would make a cycle, keeping the others', async () => {
    f.source.collections.get('boms')!.push({
      id: 'B-30',
      itemRef: '30',
      updatedAt: stamp(),
      lines: [{ componentRef: '10', quantity: '1' }],
    });
    const run = await f.sync('incremental');
    expect(run.failed).toBe(1);
    const errors = await f.hub.gql(`query($id: ID!) { syncRun(id: $id) { errors { externalId field reason } } }`, {
      id: run.id,
    });
    expect(errors.data!.syncRun.errors[0]).toMatchObject({ externalId: 'B-30', field: 'lines.0.component' });
    expect(errors.data!.syncRun.errors[0].reason).toMatch(
      /would make a cycle: ITEM-\d+ → ITEM-\d+ → ITEM-\d+ → ITEM-\d+/,
    );
  });

  it('a BOM deleted in the source makes its version obsolete', async () => {
    const boms = f.source.collections.get('boms')!;
    boms[1] = { ...boms[1]!, deleted: true, updatedAt: stamp() };
    const run = await f.sync('incremental');
    expect(run.deleted).toBe(1);
    const r = await f.hub.gql(
      `{ item(sourceRef: { system: "erp", externalId: "20" }) { bom { id } boms { versionLabel status validTo } } }`,
    );
    // nothing is in use from today; the earlier version keeps its past validity for explosions as of then
    expect(r.data!.item.bom).toBeNull();
    const byLabel = Object.fromEntries(r.data!.item.boms.map((b: any) => [b.versionLabel, b]));
    expect(byLabel['2'].status).toBe('OBSOLETE');
    expect(byLabel['1'].validTo).not.toBeNull();
  });
});
