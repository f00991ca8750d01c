import { startTestHub, type TestHub } from '../helpers/hub';
import { createItems } from '../bom/fixtures';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
  await createItems(hub, [{ code: 'PUMP', type: 'MANUFACTURED' }, { code: 'SEAL' }, { code: 'OIL', baseUnit: 'l' }]);
  const c = await hub.gql(
    `mutation { createCustomer(input: { code: "C-TOKYO", name: "東京精機株式会社", address: { country: "JP" } }) { id } }`,
  );
  expect(c.errors).toBeUndefined();
  const s = await hub.gql(
    `mutation { createSupplier(input: { code: "S-MUC", name: "Dichtungswerk München GmbH" }) { id } }`,
  );
  expect(s.errors).toBeUndefined();
});
afterAll(async () => {
  await hub?.close();
});

const RECORD = `mutation($i: DocumentInput!) { recordDocument(input: $i) { outcome document {
  id kind number state version customer { code } total { amount currency } documentDate promisedDate
  lines { lineNo item { code } description quantity unit unitPrice { amount currency } amount { amount } }
} } }`;

const order = (over: Record<string, unknown> = {}) => ({
  kind: 'SALES_ORDER',
  number: 'SO-1001',
  customerCode: 'c-tokyo',
  currency: 'JPY',
  documentDate: '2026-11-02',
  promisedDate: '2026-12-15',
  lines: [
    { itemCode: 'PUMP', quantity: '3', unitPrice: '125000.5', description: 'ポンプ DN50' },
    { itemCode: 'SEAL', quantity: '12', unitPrice: '333.333' },
  ],
  ...over,
});

describe('recording documents', () => {
  it('records a sales order with amounts rounded to the currency and a checked total', async () => {
    const r = await hub.gql(RECORD, { i: order() });
    expect(r.errors).toBeUndefined();
    const d = r.data!.recordDocument;
    expect(d.outcome).toBe('CREATED');
    expect(d.document).toMatchObject({
      kind: 'SALES_ORDER',
      number: 'SO-1001',
      state: 'OPEN',
      version: 1,
      customer: { code: 'C-TOKYO' },
      documentDate: '2026-11-02',
      promisedDate: '2026-12-15',
    });
    // JPY has no minor unit: 375001.5 -> 375002, 3999.996 -> 4000
    expect(d.document.lines).toEqual([
      {
        lineNo: 1,
        item: { code: 'PUMP' },
        description: 'ポンプ DN50',
        quantity: '3',
        unit: 'pcs',
        unitPrice: { amount: '125000.5', currency: 'JPY' },
        amount: { amount: '375002' },
      },
      {
        lineNo: 2,
        item: { code: 'SEAL' },
        description: null,
        quantity: '12',
        unit: 'pcs',
        unitPrice: { amount: '333.333', currency: 'JPY' },
        amount: { amount: '4000' },
      },
    ]);
    expect(d.document.total).toEqual({ amount: '379002', currency: 'JPY' });
  });

  it('is unchanged when recorded again as it is, and a new version when it changes', async () => {
    const same = await hub.gql(RECORD, { i: order() });
    expect(same.data!.recordDocument).toMatchObject({ outcome: 'UNCHANGED', document: { version: 1 } });
    const changed = await hub.gql(RECORD, { i: order({ state: 'ON_HOLD', promisedDate: '2027-01-10' }) });
    expect(changed.data!.recordDocument).toMatchObject({
      outcome: 'UPDATED',
      document: { version: 2, state: 'ON_HOLD', promisedDate: '2027-01-10' },
    });
    const h = await hub.gql(`{ document(kind: SALES_ORDER, number: "SO-1001") { history { version operation } } }`);
    expect(h.data!.document.history).toEqual([
      { version: 2, operation: 'updated' },
      { version: 1, operation: 'created' },
    ]);
    const events = await hub.db.database.pool.query(
      `SELECT event_type FROM outbox WHERE entity = 'salesOrder' ORDER BY id`,
    );
    expect(events.rows.map((e) => e.event_type)).toEqual(['salesOrder.created', 'salesOrder.updated']);
  });

  it('refuses bad input naming every field, and writes nothing', async () => {
    const before = Number((await hub.db.database.pool.query('SELECT count(*) AS n FROM documents')).rows[0].n);
    const r = await hub.gql(RECORD, {
      i: order({
        number: 'SO-BAD',
        customerCode: null,
        currency: 'XXY',
        totalAmount: '1',
        lines: [
          { itemCode: 'PUMP', quantity: '0', unitPrice: '1' },
          { itemCode: 'SEAL', quantity: '2', unitPrice: '1.5', amount: '4' },
          { itemCode: 'SEAL', quantity: '1' },
        ],
      }),
    });
    expect(r.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    const fields = (r.errors![0]!.extensions.fields as { field: string }[]).map((f) => f.field);
    expect(fields).toEqual(
      expect.arrayContaining(['input.currency', 'input.customer', 'input.lines.0.quantity', 'input.lines.2.unitPrice']),
    );
    const unknown = await hub.gql(RECORD, {
      i: order({ number: 'SO-BAD2', lines: [{ itemCode: 'NOPE', quantity: '1', unitPrice: '1' }] }),
    });
    expect(unknown.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.lines.0.item' });
    const total = await hub.gql(RECORD, { i: order({ number: 'SO-BAD3', totalAmount: '1' }) });
    expect(total.errors![0]!.message).toMatch(/input.totalAmount: is 1 but the lines add up to 379002/);
    const amount = await hub.gql(RECORD, {
      i: order({
        number: 'SO-BAD4',
        currency: 'EUR',
        lines: [{ itemCode: 'SEAL', quantity: '2', unitPrice: '1.5', amount: '4' }],
      }),
    });
    expect(amount.errors![0]!.extensions.field).toBe('input.lines.0.amount');
    expect(Number((await hub.db.database.pool.query('SELECT count(*) AS n FROM documents')).rows[0].n)).toBe(before);
  });

  it('records each kind with what it needs: a purchase order, a production order, a payment', async () => {
    const po = await hub.gql(RECORD, {
      i: {
        kind: 'PURCHASE_ORDER',
        number: 'PO-77',
        supplierCode: 'S-MUC',
        currency: 'EUR',
        documentDate: '2026-11-03',
        sourceRef: { system: 'erp', externalId: '4711' },
        lines: [{ itemCode: 'OIL', quantity: '20', unit: 'ml', unitPrice: '0.05' }],
      },
    });
    expect(po.errors).toBeUndefined();
    const byRef = await hub.gql(
      `{ document(kind: PURCHASE_ORDER, sourceRef: { system: "erp", externalId: "4711" }) { number supplier { code } lines { unit } } }`,
    );
    expect(byRef.data!.document).toEqual({ number: 'PO-77', supplier: { code: 'S-MUC' }, lines: [{ unit: 'ml' }] });
    const mo = await hub.gql(RECORD, {
      i: { kind: 'PRODUCTION_ORDER', number: 'MO-1', documentDate: '2026-11-04', promisedDate: '2026-11-20' },
    });
    expect((mo.errors![0]!.extensions.fields as { field: string }[]).map((f) => f.field)).toEqual(
      expect.arrayContaining(['input.quantity', 'input.item']),
    );
    const pay = await hub.gql(RECORD, {
      i: {
        kind: 'PAYMENT',
        number: 'PAY-1',
        customerCode: 'C-TOKYO',
        currency: 'JPY',
        totalAmount: '200000',
        documentDate: '2026-11-30',
      },
    });
    expect(pay.data!.recordDocument.document.total).toEqual({ amount: '200000', currency: 'JPY' });
    const list = await hub.gql(`{ documents(kind: SALES_ORDER, first: 5) { nodes { number } } }`);
    expect(list.data!.documents.nodes).toEqual([{ number: 'SO-1001' }]);
  });
});

describe('links between documents', () => {
  const LINKS = `query($n: String!) { document(kind: SALES_ORDER, number: $n) { links {
    kind quantity amount from { kind number lineNo document { number } } to { kind number lineNo }
  } } }`;

  it('records links stated by documents, and links that arrive before their documents', async () => {
    const ship = await hub.gql(RECORD, {
      i: {
        kind: 'SHIPMENT',
        number: 'SH-1',
        customerCode: 'C-TOKYO',
        documentDate: '2026-11-10',
        carrier: 'Yamato',
        trackingNumber: '1234-5678-9012',
        lines: [{ itemCode: 'PUMP', quantity: '2', salesOrder: { number: 'SO-1001', lineNo: 1 } }],
      },
    });
    expect(ship.errors).toBeUndefined();
    // the invoice's link comes first, from another system; the invoice follows
    const early = await hub.gql(
      `mutation($l: [DocumentLinkInput!]!) { linkDocuments(links: $l) { kind quantity from { number document { id } } } }`,
      {
        l: [
          {
            kind: 'BILLS',
            from: { kind: 'INVOICE', number: 'INV-9', lineNo: 1 },
            to: { kind: 'SALES_ORDER', number: 'SO-1001', lineNo: 1 },
            quantity: '2',
          },
        ],
      },
    );
    expect(early.data!.linkDocuments).toEqual([
      { kind: 'BILLS', quantity: '2', from: { number: 'INV-9', document: null } },
    ]);
    const r = await hub.gql(LINKS, { n: 'SO-1001' });
    expect(r.data!.document.links).toEqual([
      {
        kind: 'DELIVERS',
        quantity: '2',
        amount: null,
        from: { kind: 'SHIPMENT', number: 'SH-1', lineNo: 1, document: { number: 'SH-1' } },
        to: { kind: 'SALES_ORDER', number: 'SO-1001', lineNo: 1 },
      },
      {
        kind: 'BILLS',
        quantity: '2',
        amount: null,
        from: { kind: 'INVOICE', number: 'INV-9', lineNo: 1, document: null },
        to: { kind: 'SALES_ORDER', number: 'SO-1001', lineNo: 1 },
      },
    ]);
    await hub.gql(RECORD, {
      i: {
        kind: 'INVOICE',
        number: 'INV-9',
        customerCode: 'C-TOKYO',
        currency: 'JPY',
        documentDate: '2026-11-12',
        dueDate: '2026-12-12',
        lines: [{ itemCode: 'PUMP', quantity: '2', unitPrice: '125000.5' }],
      },
    });
    const after = await hub.gql(LINKS, { n: 'SO-1001' });
    expect(after.data!.document.links[1].from.document).toEqual({ number: 'INV-9' });
  });

  it('refuses links of the wrong shape, naming the field', async () => {
    const r = await hub.gql(`mutation($l: [DocumentLinkInput!]!) { linkDocuments(links: $l) { kind } }`, {
      l: [
        {
          kind: 'PAYS',
          from: { kind: 'INVOICE', number: 'X' },
          to: { kind: 'SALES_ORDER', number: 'Y', lineNo: 2 },
          amount: '-5',
        },
      ],
    });
    const fields = (r.errors![0]!.extensions.fields as { field: string }[]).map((f) => f.field);
    expect(fields).toEqual(
      expect.arrayContaining(['links.0.from.kind', 'links.0.to.kind', 'links.0.to.lineNo', 'links.0.amount']),
    );
    const pay = await hub.gql(RECORD, {
      i: {
        kind: 'PAYMENT',
        number: 'PAY-2',
        customerCode: 'C-TOKYO',
        currency: 'JPY',
        totalAmount: '100',
        documentDate: '2026-12-01',
        allocations: [{ invoiceNumber: 'INV-9', amount: '0' }],
      },
    });
    expect(pay.errors![0]!.extensions.field).toBe('input.allocations.0.amount');
  });
});
