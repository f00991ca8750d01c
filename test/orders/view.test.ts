import { startTestHub, type TestHub } from '../helpers/hub';
import { createItems } from '../bom/fixtures';

let hub: TestHub;
const record = async (i: Record<string, unknown>, actor = 'sales.clerk') => {
  const r = await hub.gql(
    `mutation($i: DocumentInput!) { recordDocument(input: $i) { outcome } }`,
    { i },
    { 'x-mdhub-actor': actor },
  );
  expect(r.errors).toBeUndefined();
};

beforeAll(async () => {
  hub = await startTestHub();
  await createItems(hub, [{ code: 'PUMP', type: 'MANUFACTURED' }, { code: 'MOTOR' }, { code: 'SEAL' }]);
  await hub.gql(`mutation { createCustomer(input: { code: "C-1", name: "Müller Maschinenbau GmbH" }) { id } }`);
  await hub.gql(`mutation { createSupplier(input: { code: "S-1", name: "Motorenwerk" }) { id } }`);
  await record({
    kind: 'SALES_ORDER',
    number: 'SO-7',
    customerCode: 'C-1',
    currency: 'EUR',
    documentDate: '2026-10-01',
    promisedDate: '2026-10-31',
    lines: [
      { itemCode: 'PUMP', quantity: '10', unitPrice: '500' },
      { itemCode: 'SEAL', quantity: '100', unitPrice: '1.25' },
    ],
  });
  // Production is due after the order's promised date: the order cannot be met in time through it.
  await record(
    {
      kind: 'PRODUCTION_ORDER',
      number: 'MO-3',
      itemCode: 'PUMP',
      quantity: '10',
      producedQuantity: '4',
      documentDate: '2026-10-02',
      promisedDate: '2026-11-05',
      salesOrder: { number: 'SO-7', lineNo: 1 },
    },
    'planner',
  );
  await record(
    {
      kind: 'PURCHASE_ORDER',
      number: 'PO-5',
      supplierCode: 'S-1',
      currency: 'EUR',
      documentDate: '2026-10-03',
      promisedDate: '2026-10-20',
      lines: [
        { itemCode: 'MOTOR', quantity: '10', unitPrice: '80', receivedQuantity: '10' },
        {
          itemCode: 'SEAL',
          quantity: '100',
          unitPrice: '0.5',
          receivedQuantity: '40',
          salesOrder: { number: 'SO-7', lineNo: 2 },
        },
      ],
    },
    'buyer',
  );
  await record(
    {
      kind: 'SHIPMENT',
      number: 'SH-1',
      customerCode: 'C-1',
      documentDate: '2026-10-25',
      carrier: 'DHL',
      trackingNumber: 'JD0001',
      lines: [{ itemCode: 'SEAL', quantity: '60', salesOrder: { number: 'SO-7', lineNo: 2 } }],
    },
    'warehouse',
  );
  await record(
    {
      kind: 'INVOICE',
      number: 'INV-1',
      customerCode: 'C-1',
      currency: 'EUR',
      documentDate: '2026-10-26',
      dueDate: '2026-11-25',
      lines: [{ itemCode: 'SEAL', quantity: '60', unitPrice: '1.25', salesOrder: { number: 'SO-7', lineNo: 2 } }],
    },
    'accounting',
  );
  await record(
    {
      kind: 'PAYMENT',
      number: 'PAY-1',
      customerCode: 'C-1',
      currency: 'EUR',
      totalAmount: '75',
      documentDate: '2026-11-10',
      allocations: [{ invoiceNumber: 'INV-1', amount: '75' }],
    },
    'accounting',
  );
});
afterAll(async () => {
  await hub?.close();
});

const VIEW = `query($n: String!) { salesOrder(number: $n) {
  number state customer { code } total { amount currency }
  lines { lineNo item { code } quantity shippedQuantity invoicedQuantity }
  productionOrders { document { number } serves { lineNo quantity } quantity doneQuantity progress late }
  purchaseOrders { document { number } serves { lineNo quantity } quantity doneQuantity progress late }
  shipments { number carrier trackingNumber }
  invoices { number total { amount } }
  payments { number total { amount } }
  timeline { system actor documentKind documentNumber operation summary }
} }`;

describe('the order-to-cash view', () => {
  it('follows a sales order through production, purchasing, delivery, invoicing and payment', async () => {
    const r = await hub.gql(VIEW, { n: 'SO-7' });
    expect(r.errors).toBeUndefined();
    const o = r.data!.salesOrder;
    expect(o).toMatchObject({
      number: 'SO-7',
      state: 'OPEN',
      customer: { code: 'C-1' },
      total: { amount: '5125', currency: 'EUR' },
      lines: [
        { lineNo: 1, item: { code: 'PUMP' }, quantity: '10', shippedQuantity: '0', invoicedQuantity: '0' },
        { lineNo: 2, item: { code: 'SEAL' }, quantity: '100', shippedQuantity: '60', invoicedQuantity: '60' },
      ],
      productionOrders: [
        {
          document: { number: 'MO-3' },
          serves: [{ lineNo: 1, quantity: '10' }],
          quantity: '10',
          doneQuantity: '4',
          progress: '0.4',
          late: true,
        },
      ],
      // only the purchase order line that serves the sales order counts towards its progress
      purchaseOrders: [
        {
          document: { number: 'PO-5' },
          serves: [{ lineNo: 2, quantity: '100' }],
          quantity: '100',
          doneQuantity: '40',
          progress: '0.4',
          late: false,
        },
      ],
      shipments: [{ number: 'SH-1', carrier: 'DHL', trackingNumber: 'JD0001' }],
      invoices: [{ number: 'INV-1', total: { amount: '75' } }],
      payments: [{ number: 'PAY-1', total: { amount: '75' } }],
    });
    expect(o.timeline.map((e: any) => [e.documentKind, e.documentNumber, e.operation, e.actor])).toEqual([
      ['SALES_ORDER', 'SO-7', 'created', 'user:sales.clerk'],
      ['PRODUCTION_ORDER', 'MO-3', 'created', 'user:planner'],
      ['PURCHASE_ORDER', 'PO-5', 'created', 'user:buyer'],
      ['SHIPMENT', 'SH-1', 'created', 'user:warehouse'],
      ['INVOICE', 'INV-1', 'created', 'user:accounting'],
      ['PAYMENT', 'PAY-1', 'created', 'user:accounting'],
    ]);
    expect(o.timeline[3].summary).toBe('shipment SH-1 created: 60 of line 2');
    expect(o.timeline.every((e: any) => e.system === 'mdhub')).toBe(true);
  });

  it('counts a shipment only once it has arrived, and keeps statements bounded', async () => {
    await hub.gql(`mutation($l: [DocumentLinkInput!]!) { linkDocuments(links: $l) { kind } }`, {
      l: [
        {
          kind: 'DELIVERS',
          from: { kind: 'SHIPMENT', number: 'SH-2', lineNo: 1 },
          to: { kind: 'SALES_ORDER', number: 'SO-7', lineNo: 1 },
          quantity: '6',
        },
      ],
    });
    const before = await hub.gql(VIEW, { n: 'SO-7' });
    expect(before.statements).toBeLessThanOrEqual(10);
    expect(before.data!.salesOrder.lines[0].shippedQuantity).toBe('0');
    await record({
      kind: 'SHIPMENT',
      number: 'SH-2',
      customerCode: 'C-1',
      documentDate: '2026-11-12',
      lines: [{ itemCode: 'PUMP', quantity: '6' }],
    });
    const after = await hub.gql(VIEW, { n: 'SO-7' });
    expect(after.data!.salesOrder.lines[0].shippedQuantity).toBe('6');
    expect(after.data!.salesOrder.shipments.map((s: any) => s.number)).toEqual(['SH-1', 'SH-2']);
    // one more shipment in the chain: not one statement more
    expect(after.statements).toBe(before.statements);
  });

  it('is a federation entity, found by id or number', async () => {
    const so = await hub.gql(`{ salesOrder(number: "SO-7") { id } }`);
    const r = await hub.gql(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on SalesOrder { number total { amount } } } }`,
      {
        r: [
          { __typename: 'SalesOrder', number: 'SO-7' },
          { __typename: 'SalesOrder', id: so.data!.salesOrder.id },
          { __typename: 'SalesOrder', number: 'NO-SUCH' },
        ],
      },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities).toEqual([
      { number: 'SO-7', total: { amount: '5125' } },
      { number: 'SO-7', total: { amount: '5125' } },
      null,
    ]);
  });
});
