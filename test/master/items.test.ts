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

describe('pages and lookups read what their selection needs', () => {
  const SUPPLIER_FIELDS = `id code status version createdAt updatedAt createdBy updatedBy name legalName email phone website
    taxId address { street postalCode city region country } currency paymentTerms`;
  const ITEM_FIELDS = `id code status version createdAt updatedAt createdBy updatedBy name description type
    baseUnit { code } gtin leadTimeDays safetyStock minOrderQuantity orderMultiple standardCost { amount currency }`;
  const OFFER_FIELDS = `id supplierItemCode price { amount currency } priceUnit { code } leadTimeDays minQuantity preferred
    version updatedAt`;

  let item: { id: string; code: string };
  const written: Record<string, any>[] = [];
  const offers: Record<string, any>[] = [];

  beforeAll(async () => {
    const created = await hub.gql(`mutation($i: ItemInput!) { createItem(input: $i) { ${ITEM_FIELDS} } }`, {
      i: {
        name: 'Kugellager 6204-2RS',
        description: 'Rillenkugellager, beidseitig abgedichtet',
        type: 'PURCHASED',
        baseUnit: 'pcs',
        gtin: '4006381333931',
        leadTimeDays: 9,
        safetyStock: '120.5',
        minOrderQuantity: '50',
        orderMultiple: '10',
        standardCost: { amount: '2.3750', currency: 'EUR' },
      },
    });
    expect(created.errors).toBeUndefined();
    written.push(created.data!.createItem);
    item = created.data!.createItem;
    // Three suppliers: one preferred, two at the same price (ordered by supplier code), set up in another order.
    const inputs = [
      { name: 'Wälzlager Zentrum Süd GmbH', price: '1.95', preferred: false },
      { name: 'Kugel & Co. KG', price: '2.10', preferred: true },
      { name: 'Lager Nord AG', price: '1.95', preferred: false },
    ];
    for (const [n, x] of inputs.entries()) {
      const s = await hub.gql(`mutation($i: SupplierInput!) { createSupplier(input: $i) { id } }`, {
        i: {
          code: `LAGER-${3 - n}`,
          name: x.name,
          legalName: `${x.name} (Holding)`,
          email: `verkauf${n}@lager.example`,
          phone: '+49 89 1234567',
          website: 'lager.example',
          taxId: 'DE 123 456 789',
          address: { street: 'Hauptstraße 1', postalCode: '80331', city: 'München', region: 'BY', country: 'DE' },
          currency: 'EUR',
          paymentTerms: '30 Tage netto',
        },
      });
      expect(s.errors).toBeUndefined();
      const o = await hub.gql(
        `mutation($i: SupplierItemInput!) { setSupplierItem(input: $i) { ${OFFER_FIELDS} supplier { ${SUPPLIER_FIELDS} } } }`,
        {
          i: {
            supplierId: s.data!.createSupplier.id,
            itemId: item.id,
            supplierItemCode: `KL-${n}`,
            price: { amount: x.price, currency: 'EUR' },
            priceUnit: n === 0 ? 'dozen' : null,
            leadTimeDays: 5 + n,
            minQuantity: '100',
            preferred: x.preferred,
          },
        },
      );
      expect(o.errors).toBeUndefined();
      offers.push(o.data!.setSupplierItem);
    }
  });

  it('answers every field of an item, its offers and their suppliers as the whole rows of a write do', async () => {
    // A write answers from whole rows; a lookup and a page read only the columns their selection needs.
    // Preferred first (LAGER-2), then the cheaper two by supplier code (LAGER-1, LAGER-3).
    const expected = { ...written[0], suppliers: [offers[1], offers[2], offers[0]] };
    const selection = `${ITEM_FIELDS} suppliers { ${OFFER_FIELDS} supplier { ${SUPPLIER_FIELDS} } }`;
    const one = await hub.gql(`query($id: ID!) { item(id: $id) { ${selection} } }`, { id: item.id });
    expect(one.errors).toBeUndefined();
    expect(one.data!.item).toEqual(expected);
    expect(one.data!.item.suppliers.map((o: any) => [o.preferred, o.price.amount])).toEqual([
      [true, '2.1'],
      [false, '1.95'],
      [false, '1.95'],
    ]);
    const page = await hub.gql(`query { items(first: 1, filter: { text: "6204" }) { nodes { ${selection} } } }`);
    expect(page.data!.items.nodes).toEqual([expected]);
    // The page, its offers with their suppliers, and the units (base and price units) in one batch.
    expect(page.statements).toBe(3);
  });

  it('keeps what one branch of a query read from another branch reading other fields of the same records', async () => {
    const r = await hub.gql(
      `query($id: ID!) {
        narrow: items(first: 1, filter: { text: "6204" }) { nodes { code suppliers { price { amount } supplier { code } } } }
        wide: item(id: $id) { ...Wide }
        viaEdges: items(first: 1, filter: { text: "6204" }) { edges { node { ... on Item { gtin } suppliers { leadTimeDays } } } }
      }
      fragment Wide on Item { name standardCost { currency } suppliers { supplierItemCode supplier { name address { city } } } }`,
      { id: item.id },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.narrow.nodes[0].code).toBe(item.code);
    expect(r.data!.narrow.nodes[0].suppliers.map((o: any) => [o.price.amount, o.supplier.code])).toEqual([
      ['2.1', 'LAGER-2'],
      ['1.95', 'LAGER-1'],
      ['1.95', 'LAGER-3'],
    ]);
    expect(r.data!.wide).toEqual({
      name: 'Kugellager 6204-2RS',
      standardCost: { currency: 'EUR' },
      suppliers: [
        { supplierItemCode: 'KL-1', supplier: { name: 'Kugel & Co. KG', address: { city: 'München' } } },
        { supplierItemCode: 'KL-2', supplier: { name: 'Lager Nord AG', address: { city: 'München' } } },
        { supplierItemCode: 'KL-0', supplier: { name: 'Wälzlager Zentrum Süd GmbH', address: { city: 'München' } } },
      ],
    });
    expect(r.data!.viaEdges.edges).toEqual([
      { node: { gtin: '04006381333931', suppliers: [{ leadTimeDays: 6 }, { leadTimeDays: 7 }, { leadTimeDays: 5 }] } },
    ]);
  });

  it('reads a page of items with their offers and suppliers in two statements, whatever the page size', async () => {
    const query = `query($n: Int) { items(first: $n) { nodes { id code name suppliers { price { amount currency } supplier { code name } } }
      pageInfo { hasNextPage endCursor } } }`;
    const small = await hub.gql(query, { n: 1 });
    const large = await hub.gql(query, { n: 200 });
    expect(large.errors).toBeUndefined();
    expect(large.data!.items.nodes.length).toBeGreaterThan(100);
    expect(large.data!.items.nodes.filter((n: any) => n.suppliers.length > 0).length).toBeGreaterThan(100);
    expect([small.statements, large.statements]).toEqual([2, 2]);
    // Without offers in the selection, the page is one statement.
    const plain = await hub.gql(`{ items(first: 200) { nodes { code } } }`);
    expect(plain.statements).toBe(1);
  });
});
