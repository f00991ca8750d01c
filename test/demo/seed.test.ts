import { sql } from 'drizzle-orm';
import { loadConfig } from '../../src/config';
import { isStoreEmpty, seedDemo } from '../../src/demo/seed';
import { MasterService } from '../../src/master/service';
import { customerSpec, itemSpec, supplierSpec, warehouseSpec } from '../../src/master/specs';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

let db: TestDatabase;
let master: MasterService;
let counts: Record<string, number>;
let emptyBefore: boolean;

/** Every versioned row the seed writes, as 'table:id' -> version. */
async function versions(): Promise<Map<string, number>> {
  const res = await master.db.execute(sql`
    SELECT 'customer:' || id AS k, version FROM customers
    UNION ALL SELECT 'supplier:' || id, version FROM suppliers
    UNION ALL SELECT 'item:' || id, version FROM items
    UNION ALL SELECT 'warehouse:' || id, version FROM warehouses
    UNION ALL SELECT 'supplierItem:' || id, version FROM supplier_items`);
  return new Map((res.rows as { k: string; version: number }[]).map((r) => [r.k, r.version]));
}

async function rowCount(table: 'record_history' | 'outbox' | 'item_units' | 'crosswalk'): Promise<number> {
  const res = await master.db.execute(sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)}`);
  return (res.rows[0] as { n: number }).n;
}

beforeAll(async () => {
  db = await createTestDatabase();
  master = new MasterService(db.database.db, loadConfig({ NODE_ENV: 'test' }));
  await master.init();
  emptyBefore = await isStoreEmpty(master);
  counts = await seedDemo(master);
});

afterAll(async () => {
  await db?.close();
});

describe('demo data', () => {
  it('is loaded into an empty store and leaves it non-empty', async () => {
    expect(emptyBefore).toBe(true);
    expect(await isStoreEmpty(master)).toBe(false);
  });

  it('holds a small international manufacturer', async () => {
    expect(counts.customers).toBeGreaterThanOrEqual(18);
    expect(counts.customers).toBeLessThanOrEqual(25);
    expect(counts.suppliers).toBeGreaterThanOrEqual(9);
    expect(counts.suppliers).toBeLessThanOrEqual(12);
    expect(counts.items).toBeGreaterThanOrEqual(55);
    expect(counts.items).toBeLessThanOrEqual(65);
    expect(counts.warehouses).toBe(3);
    expect(counts.supplierItems).toBeGreaterThanOrEqual(90);
    expect(counts.supplierItems).toBeLessThanOrEqual(110);
    expect(counts.itemUnits).toBeGreaterThan(0);
    // The counts are what is stored, not just what the data file lists.
    expect(await master.store.count(customerSpec)).toBe(counts.customers);
    expect(await master.store.count(supplierSpec)).toBe(counts.suppliers);
    expect(await master.store.count(itemSpec)).toBe(counts.items);
    expect(await master.store.count(warehouseSpec)).toBe(counts.warehouses);
    const offers = await master.db.execute(sql`SELECT count(*)::int AS n FROM supplier_items`);
    expect((offers.rows[0] as { n: number }).n).toBe(counts.supplierItems);
    expect(await rowCount('item_units')).toBe(counts.itemUnits);
  });

  it('covers every item type and a couple of blocked customers', async () => {
    for (const type of ['purchased', 'manufactured', 'subcontracted', 'phantom']) {
      expect(await master.store.count(itemSpec, { type })).toBeGreaterThan(0);
    }
    const blocked = await master.store.count(customerSpec, { status: ['blocked'] });
    expect(blocked).toBeGreaterThanOrEqual(2);
  });

  it('changes nothing when seeded again', async () => {
    const before = await versions();
    const history = await rowCount('record_history');
    const outbox = await rowCount('outbox');
    const links = await rowCount('crosswalk');
    const again = await seedDemo(master);
    expect(again).toEqual(counts);
    expect(await versions()).toEqual(before);
    expect(await rowCount('record_history')).toBe(history);
    expect(await rowCount('outbox')).toBe(outbox);
    expect(await rowCount('crosswalk')).toBe(links);
  });

  it('stores phone numbers in E.164 and countries as ISO codes', async () => {
    for (const spec of [customerSpec, supplierSpec]) {
      const { rows } = await master.store.list(spec, { first: 100 });
      for (const r of rows) {
        expect(r.phone).toMatch(/^\+[1-9]\d{6,14}$/);
        expect(r.country).toMatch(/^[A-Z]{2}$/);
      }
    }
    // Given as 'Germany', 'Deutschland', 'China', 'JPN', 'United Kingdom' and '0043 732 ...' in the data.
    const expected: Record<string, [string, string]> = {
      'CUST-000002': ['DE', '+498912345678'],
      'CUST-000003': ['DE', '+49403456789'],
      'CUST-000005': ['CN', '+862161234567'],
      'CUST-000010': ['JP', '+81312345678'],
      'CUST-000013': ['GB', '+441134960123'],
      'CUST-000016': ['US', '+14155550134'],
      'CUST-000018': ['AT', '+43732123456'],
    };
    for (const [code, [country, phone]] of Object.entries(expected)) {
      const row = await master.store.lookup(customerSpec, { code });
      expect({ code, country: row?.country, phone: row?.phone }).toEqual({ code, country, phone });
    }
    const hamburg = await master.store.lookup(customerSpec, { code: 'CUST-000003' });
    expect(hamburg?.email).toBe('info@xn--schfer-wassertechnik-dzb.example');
    expect(hamburg?.taxId).toBe('DE318462053');
    const osaka = await master.store.lookup(warehouseSpec, { code: 'WH-003' });
    expect(osaka?.country).toBe('JP');
  });

  it('finds Chinese and Japanese customers by part of their name', async () => {
    const chinese = await master.store.list(customerSpec, { filter: { text: '恒川泵业' } });
    expect(chinese.rows.map((r) => r.code)).toEqual(['CUST-000005']);
    const japanese = await master.store.list(customerSpec, { filter: { text: '浪速ポンプ' } });
    expect(japanese.rows.map((r) => r.code)).toEqual(['CUST-000009']);
    // Accent- and case-insensitive for Latin names.
    const german = await master.store.list(customerSpec, { filter: { text: 'MULLER' } });
    expect(german.rows.map((r) => r.name)).toEqual(['Müller Antriebstechnik GmbH']);
  });

  it('resolves records by their source ref', async () => {
    const customer = await master.store.lookup(customerSpec, { sourceRef: { system: 'crm', externalId: 'ACC-30001' } });
    expect(customer?.code).toBe('CUST-000009');
    const supplier = await master.store.lookup(supplierSpec, { sourceRef: { system: 'erp', externalId: 'V-70005' } });
    expect(supplier?.code).toBe('SUPP-000005');
    const warehouse = await master.store.lookup(warehouseSpec, {
      sourceRef: { system: 'erp', externalId: 'PLANT-2000' },
    });
    expect(warehouse?.code).toBe('WH-002');
  });

  it('gives each purchased item with offers exactly one preferred supplier', async () => {
    const { rows: purchased } = await master.store.list(itemSpec, { filter: { type: 'purchased' }, first: 500 });
    const offers = await master.supplierItems.byItems(purchased.map((r) => r.id));
    const byItem = new Map<string, boolean[]>();
    for (const o of offers) byItem.set(o.itemId, [...(byItem.get(o.itemId) ?? []), o.preferred]);
    expect(byItem.size).toBe(purchased.length);
    for (const [itemId, flags] of byItem) {
      expect({ itemId, preferred: flags.filter(Boolean).length }).toEqual({ itemId, preferred: 1 });
    }
  });

  it('stores GTINs as GTIN-14 and converts through item-specific units', async () => {
    const upc = await master.store.lookup(itemSpec, { code: 'ITEM-000046' });
    expect(upc?.gtin).toBe('00214520001304');
    const gtin8 = await master.store.lookup(itemSpec, { code: 'ITEM-000047' });
    expect(gtin8?.gtin).toBe('00000020014520');
    const cable = await master.store.lookup(itemSpec, { code: 'ITEM-000019' });
    expect(await master.units.convert('50', 'm', 'kg', cable!.id)).toBe('10');
    const bolts = await master.store.lookup(itemSpec, { code: 'ITEM-000017' });
    expect(await master.units.convert('2', 'kg', 'pcs', bolts!.id)).toBe('42');
    const bar = await master.store.lookup(itemSpec, { code: 'ITEM-000001' });
    expect(await master.units.convert('3', 'm', 't', bar!.id)).toBe('0.03015');
  });
});
