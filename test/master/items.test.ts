import { startTestHub, type TestHub } from '../helpers/hub';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ MDHUB_CODE_RULES: JSON.stringify({ item: { prefix: 'ART-', width: 4 } }) });
});
afterAll(async () => {
  await hub?.close();
});

async function createItem(input: Record<string, unknown>) {
  const r = await hub.gql(`mutation($i: ItemInput!) { createItem(input: $i) { id code version } }`, { i: input });
  expect(r.errors).toBeUndefined();
  return r.data!.createItem as { id: string; code: string; version: number };
}

async function createSupplier(name: string, country: string) {
  const r = await hub.gql(`mutation($i: SupplierInput!) { createSupplier(input: $i) { id code } }`, {
    i: { name, address: { country } },
  });
  expect(r.errors).toBeUndefined();
  return r.data!.createSupplier as { id: string; code: string };
}

describe('items', () => {
  it('stores planning attributes as exact decimals and uses the configured coding rule', async () => {
    const r = await hub.gql(
      `mutation($i: ItemInput!) { createItem(input: $i) { code name type baseUnit { code category } leadTimeDays safetyStock minOrderQuantity orderMultiple standardCost { amount currency } gtin } }`,
      {
        i: {
          name: 'Pumpengehäuse DN50',
          type: 'MANUFACTURED',
          baseUnit: 'pcs',
          leadTimeDays: 12,
          safetyStock: '10.5',
          minOrderQuantity: '0.000001',
          orderMultiple: 25,
          standardCost: { amount: '1234.567891', currency: 'eur' },
          gtin: '4006381333931',
        },
      },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.createItem).toEqual({
      code: 'ART-0001',
      name: 'Pumpengehäuse DN50',
      type: 'MANUFACTURED',
      baseUnit: { code: 'pcs', category: 'count' },
      leadTimeDays: 12,
      safetyStock: '10.5',
      minOrderQuantity: '0.000001',
      orderMultiple: '25',
      standardCost: { amount: '1234.567891', currency: 'EUR' },
      gtin: '04006381333931',
    });
  });

  it('refuses an unknown unit, a bad GTIN, too many decimals and a negative lead time', async () => {
    const r = await hub.gql(`mutation($i: ItemInput!) { createItem(input: $i) { id } }`, {
      i: {
        name: 'X',
        type: 'PURCHASED',
        baseUnit: 'pcs',
        gtin: '4006381333932',
        safetyStock: '1.1234567',
        leadTimeDays: -1,
      },
    });
    const fields = (r.errors![0]!.extensions.fields as { field: string }[]).map((f) => f.field);
    expect(fields).toEqual(['gtin', 'leadTimeDays', 'safetyStock']);
    const unit = await hub.gql(
      `mutation { createItem(input: { name: "Y", type: PURCHASED, baseUnit: "parsec" }) { id } }`,
    );
    expect(unit.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'baseUnit' });
    const items = await hub.gql(`{ items(filter: { text: "Y" }) { totalCount } }`);
    expect(items.data!.items.totalCount).toBe(0);
  });

  it('converts quantities within a category and through item-specific units', async () => {
    const cable = await createItem({ name: 'Kabel 3x1.5', type: 'PURCHASED', baseUnit: 'm' });
    const set = await hub.gql(
      `mutation($id: ID!) { setItemUnit(itemId: $id, unit: "kg", factor: "8.5") { version units { unit { code } factor } } }`,
      {
        id: cable.id,
      },
    );
    expect(set.errors).toBeUndefined();
    expect(set.data!.setItemUnit).toEqual({ version: 2, units: [{ unit: { code: 'kg' }, factor: '8.5' }] });
    const conv = async (q: string, from: string, to: string, itemId?: string) =>
      hub.gql(
        `query($q: Decimal!, $f: String!, $t: String!, $i: ID) { convertQuantity(quantity: $q, from: $f, to: $t, itemId: $i) }`,
        {
          q,
          f: from,
          t: to,
          i: itemId,
        },
      );
    expect((await conv('1500', 'g', 'kg')).data!.convertQuantity).toBe('1.5');
    expect((await conv('1', 'lb', 'g')).data!.convertQuantity).toBe('453.59237');
    expect((await conv('2', 'kg', 'm', cable.id)).data!.convertQuantity).toBe('17');
    expect((await conv('17000', 'cm', 'kg', cable.id)).data!.convertQuantity).toBe('20');
    expect((await conv('500', 'g', 'm', cable.id)).data!.convertQuantity).toBe('4.25');
    const none = await conv('1', 'kg', 'm');
    expect(none.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(none.errors![0]!.message).toMatch(/no conversion from kg to m/);
  });
});

describe('suppliers and their items', () => {
  it('keeps one offer per supplier and item, one preferred supplier per item, and versions changes', async () => {
    const bolt = await createItem({ name: 'Sechskantschraube M8', type: 'PURCHASED', baseUnit: 'pcs' });
    const s1 = await createSupplier('Bolzen Schmidt GmbH', 'DE');
    const s2 = await createSupplier('宁波紧固件有限公司', 'CN');
    const q = `mutation($i: SupplierItemInput!) { setSupplierItem(input: $i) { version preferred price { amount currency } minQuantity leadTimeDays supplierItemCode priceUnit { code } supplier { code } item { code } } }`;
    const a = await hub.gql(q, {
      i: {
        supplierId: s1.id,
        itemId: bolt.id,
        supplierItemCode: 'BS-8',
        price: { amount: '0.0425', currency: 'EUR' },
        leadTimeDays: 5,
        minQuantity: '1000',
        preferred: true,
      },
    });
    expect(a.errors).toBeUndefined();
    expect(a.data!.setSupplierItem).toMatchObject({
      version: 1,
      preferred: true,
      price: { amount: '0.0425', currency: 'EUR' },
      minQuantity: '1000',
      supplier: { code: s1.code },
    });
    await hub.gql(q, {
      i: {
        supplierId: s2.id,
        itemId: bolt.id,
        price: { amount: '0.29', currency: 'CNY' },
        priceUnit: 'dozen',
        preferred: true,
      },
    });
    const again = await hub.gql(q, { i: { supplierId: s1.id, itemId: bolt.id, leadTimeDays: 7 } });
    // Version 2 was the loss of the preferred flag when the second supplier was preferred; this is version 3.
    expect(again.data!.setSupplierItem).toMatchObject({
      version: 3,
      preferred: false,
      leadTimeDays: 7,
      supplierItemCode: 'BS-8',
    });

    const item = await hub.gql(
      `query($id: ID!) { item(id: $id) { suppliers { preferred supplier { name } priceUnit { code } } } }`,
      { id: bolt.id },
    );
    expect(item.data!.item.suppliers).toEqual([
      { preferred: true, supplier: { name: '宁波紧固件有限公司' }, priceUnit: { code: 'dozen' } },
      { preferred: false, supplier: { name: 'Bolzen Schmidt GmbH' }, priceUnit: null },
    ]);
    const bad = await hub.gql(q, { i: { supplierId: s1.id, itemId: '00000000-0000-4000-8000-000000000000' } });
    expect(bad.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.itemId' });

    const removed = await hub.gql(`mutation($s: ID!, $i: ID!) { removeSupplierItem(supplierId: $s, itemId: $i) }`, {
      s: s2.id,
      i: bolt.id,
    });
    expect(removed.data!.removeSupplierItem).toBe(true);
    const sup = await hub.gql(`query($id: ID!) { supplier(id: $id) { items { item { code } } } }`, { id: s2.id });
    expect(sup.data!.supplier.items).toEqual([]);
  });

  it('loads a page of records with their relations in a constant number of statements', async () => {
    const suppliers = await Promise.all([0, 1, 2, 3, 4].map((i) => createSupplier(`Lieferant ${i}`, 'DE')));
    const items = await hub.gql(
      `mutation($r: [ItemInput!]!) { upsertItems(by: SOURCE_REF, records: $r) { record { id } } }`,
      {
        r: Array.from({ length: 100 }, (_, i) => ({
          name: `Teil ${i}`,
          type: 'PURCHASED',
          baseUnit: 'kg',
          sourceRef: { system: 'erp', externalId: `T${i}` },
        })),
      },
    );
    const ids: string[] = items.data!.upsertItems.map((x: any) => x.record.id);
    for (const [i, id] of ids.entries()) {
      await hub.services.master.supplierItems.set(
        { supplierId: suppliers[i % 5]!.id, itemId: id, price: { amount: String(i), currency: 'EUR' } },
        { kind: 'system', id: 'test' },
      );
    }
    const query = `query($n: Int) { items(first: $n, filter: { text: "teil" }) { nodes { code baseUnit { code } units { factor } sourceRefs { externalId }
      history(first: 2) { version changes { field } } suppliers { price { amount } supplier { code name items { item { code } } } } } } }`;
    const small = await hub.gql(query, { n: 10 });
    const large = await hub.gql(query, { n: 100 });
    expect(large.errors).toBeUndefined();
    expect(large.data!.items.nodes).toHaveLength(100);
    expect(large.data!.items.nodes[0].suppliers[0].supplier.items.length).toBe(20);
    expect(large.statements).toBe(small.statements);
    expect(large.statements).toBeLessThanOrEqual(7);
  });
});
