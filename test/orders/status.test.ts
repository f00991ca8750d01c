import { type GqlResult, startTestHub, type TestHub } from '../helpers/hub';
import { createBom, createItems } from '../bom/fixtures';

let hub: TestHub;
let today: string;
/** A date `n` days from the database's today. */
const day = (n: number) => {
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};

beforeAll(async () => {
  hub = await startTestHub();
  today = (await hub.db.database.pool.query(`SELECT current_date::text AS d`)).rows[0].d;
  await createItems(hub, [
    { code: 'CASING', cost: '30' },
    { code: 'SEAL', cost: '2' },
    { code: 'PUMP', type: 'MANUFACTURED' },
    { code: 'NOCOST' },
  ]);
  await createBom(hub, 'PUMP', [
    { componentCode: 'CASING', quantity: '2' },
    { componentCode: 'SEAL', quantity: '4' },
  ]);
  for (const code of ['C-ACME', 'C-SPLIT', 'C-LIST', 'C-LATE']) {
    const c = await hub.gql(`mutation($c: String!) { createCustomer(input: { code: $c, name: $c }) { id } }`, {
      c: code,
    });
    expect(c.errors).toBeUndefined();
  }
});
afterAll(async () => {
  await hub?.close();
});

const RECORD = `mutation($i: DocumentInput!) { recordDocument(input: $i) { outcome } }`;
async function rec(i: Record<string, unknown>): Promise<void> {
  const r = await hub.gql(RECORD, { i });
  expect(r.errors).toBeUndefined();
}
async function link(l: Record<string, unknown>[], mutation = 'linkDocuments { kind }'): Promise<void> {
  const space = mutation.indexOf(' ');
  const [field, sel] = space < 0 ? [mutation, ''] : [mutation.slice(0, space), mutation.slice(space)];
  const r = await hub.gql(`mutation($l: [DocumentLinkInput!]!) { ${field}(links: $l) ${sel} }`, { l });
  expect(r.errors).toBeUndefined();
}

const STATUS = `query($n: String!) { salesOrder(number: $n) { status {
  code deliveredPercent billedPercent invoiced { amount currency } paid { amount } outstanding { amount } late atRisk updatedAt
} } }`;
async function status(n: string): Promise<Record<string, unknown>> {
  const r = await hub.gql(STATUS, { n });
  expect(r.errors).toBeUndefined();
  const s = r.data!.salesOrder.status;
  return {
    ...s,
    invoiced: s.invoiced.amount,
    paid: s.paid.amount,
    outstanding: s.outstanding.amount,
  };
}
async function invoiceStatus(n: string) {
  const r = await hub.gql(
    `query($n: String!) { document(kind: INVOICE, number: $n) { invoiceStatus { code paid { amount } outstanding { amount } dueDate } } }`,
    { n },
  );
  expect(r.errors).toBeUndefined();
  const s = r.data!.document.invoiceStatus;
  return s && { code: s.code, paid: s.paid.amount, outstanding: s.outstanding.amount, dueDate: s.dueDate };
}

const so = (number: string, customerCode: string, over: Record<string, unknown> = {}) => ({
  kind: 'SALES_ORDER',
  number,
  customerCode,
  currency: 'EUR',
  documentDate: day(-60),
  promisedDate: day(-35),
  lines: [
    { itemCode: 'PUMP', quantity: '10', unitPrice: '100' },
    { itemCode: 'SEAL', quantity: '20', unitPrice: '5' },
  ],
  ...over,
});
const ship = (number: string, lines: [string, string, number][], date = day(-50)) => ({
  kind: 'SHIPMENT',
  number,
  customerCode: 'C-ACME',
  documentDate: date,
  lines: lines.map(([itemCode, quantity, lineNo]) => ({ itemCode, quantity, salesOrder: { number: 'SO-1', lineNo } })),
});
const invoice = (
  number: string,
  lines: [string, string, string, number][],
  date: string,
  dueDate: string,
  over: Record<string, unknown> = {},
) => ({
  kind: 'INVOICE',
  number,
  customerCode: 'C-ACME',
  currency: 'EUR',
  documentDate: date,
  dueDate,
  lines: lines.map(([itemCode, quantity, unitPrice, lineNo]) => ({
    itemCode,
    quantity,
    unitPrice,
    salesOrder: { number: 'SO-1', lineNo },
  })),
  ...over,
});

describe('one order through its life', () => {
  it('changes status at every step, from the order to closed', async () => {
    await rec(so('SO-1', 'C-ACME'));
    const base = { atRisk: false, updatedAt: expect.any(String) };
    expect(await status('SO-1')).toEqual({
      ...base,
      code: 'TO_DELIVER_AND_BILL',
      deliveredPercent: '0',
      billedPercent: '0',
      invoiced: '0',
      paid: '0',
      outstanding: '0',
      late: true,
    });

    // partial shipment: 4 of 30 units, 0.13333… half up to 4 places
    await rec(ship('SH-1', [['PUMP', '4', 1]]));
    expect(await status('SO-1')).toMatchObject({ code: 'TO_DELIVER_AND_BILL', deliveredPercent: '0.1333', late: true });

    // partial invoice
    await rec(invoice('INV-1', [['PUMP', '4', '100', 1]], day(-40), day(-10)));
    expect(await status('SO-1')).toMatchObject({
      code: 'TO_DELIVER_AND_BILL',
      billedPercent: '0.1333',
      invoiced: '400',
      outstanding: '400',
    });
    expect(await invoiceStatus('INV-1')).toEqual({ code: 'OVERDUE', paid: '0', outstanding: '400', dueDate: day(-10) });

    // the rest shipped, line 1 over-delivered (11 of 10): capped per line, so exactly delivered
    await rec(
      ship(
        'SH-2',
        [
          ['PUMP', '7', 1],
          ['SEAL', '20', 2],
        ],
        day(-45),
      ),
    );
    expect(await status('SO-1')).toMatchObject({ code: 'TO_BILL', deliveredPercent: '1', late: false });

    // invoiced in full
    await rec(
      invoice(
        'INV-2',
        [
          ['PUMP', '6', '100', 1],
          ['SEAL', '20', '5', 2],
        ],
        day(-30),
        day(-1),
      ),
    );
    expect(await status('SO-1')).toMatchObject({
      code: 'COMPLETED',
      billedPercent: '1',
      invoiced: '1100',
      outstanding: '1100',
    });

    // a credit note for 2 seals: billed quantity and amount subtract
    await rec(invoice('CN-1', [['SEAL', '2', '5', 2]], day(-10), day(20), { creditNote: true }));
    expect(await status('SO-1')).toMatchObject({
      code: 'TO_BILL',
      billedPercent: '0.9333',
      invoiced: '1090',
      outstanding: '1090',
    });

    // one payment split across two invoices
    await rec({
      kind: 'PAYMENT',
      number: 'PAY-1',
      customerCode: 'C-ACME',
      currency: 'EUR',
      totalAmount: '1000',
      documentDate: day(-20),
      allocations: [
        { invoiceNumber: 'INV-1', amount: '400' },
        { invoiceNumber: 'INV-2', amount: '600' },
      ],
    });
    expect(await status('SO-1')).toMatchObject({ code: 'TO_BILL', paid: '1000', outstanding: '90' });
    expect(await invoiceStatus('INV-1')).toMatchObject({ code: 'PAID', paid: '400', outstanding: '0' });
    expect(await invoiceStatus('INV-2')).toMatchObject({ code: 'OVERDUE', paid: '600', outstanding: '100' });

    // the 2 seals billed again at a corrected price
    await rec(invoice('INV-3', [['SEAL', '2', '4.5', 2]], day(-5), day(25)));
    expect(await status('SO-1')).toMatchObject({
      code: 'COMPLETED',
      billedPercent: '1',
      invoiced: '1099',
      outstanding: '99',
    });
    expect(await invoiceStatus('INV-3')).toMatchObject({ code: 'UNPAID', outstanding: '9' });

    // the customer pays what is left net of the credit note: closed
    await rec({
      kind: 'PAYMENT',
      number: 'PAY-2',
      customerCode: 'C-ACME',
      currency: 'EUR',
      totalAmount: '99',
      documentDate: day(-2),
      allocations: [
        { invoiceNumber: 'INV-2', amount: '90' },
        { invoiceNumber: 'INV-3', amount: '9' },
      ],
    });
    expect(await status('SO-1')).toMatchObject({ code: 'CLOSED', invoiced: '1099', paid: '1099', outstanding: '0' });
    expect(await invoiceStatus('INV-2')).toMatchObject({ code: 'OVERDUE', paid: '690', outstanding: '10' });
    expect(await invoiceStatus('INV-3')).toMatchObject({ code: 'PAID', outstanding: '0' });
    expect(await invoiceStatus('CN-1')).toMatchObject({ paid: '0', outstanding: '-10' });

    // a payment cancelled in its system counts no more
    await rec({
      kind: 'PAYMENT',
      number: 'PAY-2',
      state: 'CANCELLED',
      customerCode: 'C-ACME',
      currency: 'EUR',
      totalAmount: '99',
      documentDate: day(-2),
      allocations: [
        { invoiceNumber: 'INV-2', amount: '90' },
        { invoiceNumber: 'INV-3', amount: '9' },
      ],
    });
    expect(await status('SO-1')).toMatchObject({ code: 'COMPLETED', outstanding: '99' });
    await rec({
      kind: 'PAYMENT',
      number: 'PAY-2',
      state: 'OPEN',
      customerCode: 'C-ACME',
      currency: 'EUR',
      totalAmount: '99',
      documentDate: day(-2),
      allocations: [
        { invoiceNumber: 'INV-2', amount: '90' },
        { invoiceNumber: 'INV-3', amount: '9' },
      ],
    });
    expect(await status('SO-1')).toMatchObject({ code: 'CLOSED' });
    expect((await hub.gql(`{ document(kind: SHIPMENT, number: "SH-1") { invoiceStatus { code } } }`)).data).toEqual({
      document: { invoiceStatus: null },
    });
  });

  it('follows the order state: on hold and cancelled come first, done closes', async () => {
    await rec(so('SO-STATE', 'C-LATE', { state: 'ON_HOLD' }));
    expect(await status('SO-STATE')).toMatchObject({ code: 'ON_HOLD', late: true });
    await rec(so('SO-STATE', 'C-LATE', { state: 'CANCELLED' }));
    expect(await status('SO-STATE')).toMatchObject({ code: 'CANCELLED', late: false });
    await rec(so('SO-STATE', 'C-LATE', { state: 'DONE' }));
    expect(await status('SO-STATE')).toMatchObject({ code: 'CLOSED', late: false });
  });
});

describe('payments of an invoice billing several orders', () => {
  it('splits them by each order share of the invoice, exactly', async () => {
    const one = (n: string) =>
      so(n, 'C-SPLIT', { lines: [{ itemCode: 'SEAL', quantity: '1', unitPrice: n === 'SO-A' ? '100' : '200' }] });
    await rec(one('SO-A'));
    await rec(one('SO-B'));
    await rec({
      kind: 'INVOICE',
      number: 'INV-AB',
      customerCode: 'C-SPLIT',
      currency: 'EUR',
      documentDate: day(-20),
      dueDate: day(10),
      lines: [
        { itemCode: 'SEAL', quantity: '1', unitPrice: '100', salesOrder: { number: 'SO-A', lineNo: 1 } },
        { itemCode: 'SEAL', quantity: '1', unitPrice: '200', salesOrder: { number: 'SO-B', lineNo: 1 } },
      ],
    });
    const pay = (amount: string) =>
      rec({
        kind: 'PAYMENT',
        number: 'PAY-AB',
        customerCode: 'C-SPLIT',
        currency: 'EUR',
        totalAmount: amount,
        documentDate: day(-5),
        allocations: [{ invoiceNumber: 'INV-AB', amount }],
      });
    // 100 × 100/300 = 33.33333…, 100 × 200/300 = 66.66666…: truncated to 33.3333 and 66.6666, the 0.0001 left over
    // goes to the larger remainder, so the shares add up to the payment
    await pay('100');
    expect(await status('SO-A')).toMatchObject({ paid: '33.3333', outstanding: '66.6667' });
    expect(await status('SO-B')).toMatchObject({ paid: '66.6667', outstanding: '133.3333' });
    expect(await invoiceStatus('INV-AB')).toMatchObject({ code: 'PARTLY_PAID', paid: '100', outstanding: '200' });
    // paid in full: nothing left outstanding on either order by rounding
    await pay('300');
    expect(await status('SO-A')).toMatchObject({ paid: '100', outstanding: '0' });
    expect(await status('SO-B')).toMatchObject({ paid: '200', outstanding: '0' });
  });
});

describe('links arriving before their documents', () => {
  it('change the status only once the document arrives, and unlinking takes it back', async () => {
    await rec(so('SO-E', 'C-LATE', { lines: [{ itemCode: 'SEAL', quantity: '5', unitPrice: '1' }] }));
    const before = await status('SO-E');
    await link([
      {
        kind: 'DELIVERS',
        from: { kind: 'SHIPMENT', number: 'SH-E', lineNo: 1 },
        to: { kind: 'SALES_ORDER', number: 'SO-E', lineNo: 1 },
        quantity: '5',
      },
    ]);
    // nothing changed, not even the time of the last change
    expect(await status('SO-E')).toEqual(before);
    await rec({
      kind: 'SHIPMENT',
      number: 'SH-E',
      customerCode: 'C-LATE',
      documentDate: day(-1),
      lines: [{ itemCode: 'SEAL', quantity: '5' }],
    });
    expect(await status('SO-E')).toMatchObject({ code: 'TO_BILL', deliveredPercent: '1', late: false });
    await link(
      [
        {
          kind: 'DELIVERS',
          from: { kind: 'SHIPMENT', number: 'SH-E', lineNo: 1 },
          to: { kind: 'SALES_ORDER', number: 'SO-E', lineNo: 1 },
        },
      ],
      'unlinkDocuments',
    );
    expect(await status('SO-E')).toMatchObject({ code: 'TO_DELIVER_AND_BILL', deliveredPercent: '0', late: true });
  });

  it('moves the status from the old order to the new when a shipment is recorded again for another order', async () => {
    await rec(so('SO-M1', 'C-LATE', { lines: [{ itemCode: 'SEAL', quantity: '2', unitPrice: '1' }] }));
    await rec(so('SO-M2', 'C-LATE', { lines: [{ itemCode: 'SEAL', quantity: '2', unitPrice: '1' }] }));
    const shipment = (to: string) => ({
      kind: 'SHIPMENT',
      number: 'SH-M',
      customerCode: 'C-LATE',
      documentDate: day(-1),
      lines: [{ itemCode: 'SEAL', quantity: '1', salesOrder: { number: to, lineNo: 1 } }],
    });
    await rec(shipment('SO-M1'));
    expect(await status('SO-M1')).toMatchObject({ deliveredPercent: '0.5' });
    await rec(shipment('SO-M2'));
    expect(await status('SO-M1')).toMatchObject({ deliveredPercent: '0' });
    expect(await status('SO-M2')).toMatchObject({ deliveredPercent: '0.5' });
  });
});

describe('late and at risk', () => {
  it('flags an order whose serving production order is due after its promised date, until it is done', async () => {
    await rec(
      so('SO-F', 'C-LATE', {
        documentDate: day(-1),
        promisedDate: day(10),
        lines: [{ itemCode: 'PUMP', quantity: '1', unitPrice: '500' }],
      }),
    );
    expect(await status('SO-F')).toMatchObject({ late: false, atRisk: false });
    const mo = (promisedDate: string, state = 'OPEN') => ({
      kind: 'PRODUCTION_ORDER',
      number: 'MO-F',
      itemCode: 'PUMP',
      quantity: '1',
      state,
      documentDate: day(-1),
      promisedDate,
      salesOrder: { number: 'SO-F', lineNo: 1 },
    });
    await rec(mo(day(8)));
    expect(await status('SO-F')).toMatchObject({ atRisk: false });
    await rec(mo(day(20)));
    expect(await status('SO-F')).toMatchObject({ atRisk: true, late: false });
    await rec(mo(day(20), 'DONE'));
    expect(await status('SO-F')).toMatchObject({ atRisk: false });
  });
});

describe('lists', () => {
  const LIST = `query($f: SalesOrderFilter, $first: Int, $after: String) { salesOrders(filter: $f, first: $first, after: $after) {
    nodes { number status { code late } } edges { cursor } pageInfo { hasNextPage endCursor } } }`;

  beforeAll(async () => {
    for (let i = 1; i <= 12; i++) {
      await rec(
        so(`SO-L${String(i).padStart(2, '0')}`, 'C-LIST', {
          documentDate: day(-i),
          promisedDate: i % 3 === 0 ? day(-i + 1) : day(30),
          lines: [{ itemCode: 'SEAL', quantity: '1', unitPrice: '1' }],
        }),
      );
    }
  });

  it('filters by customer, date range, status and lateness, and pages with a cursor', async () => {
    const all = await hub.gql(
      `{ salesOrders(filter: { customerCode: "c-list" }, first: 5) { totalCount nodes { number } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(all.errors).toBeUndefined();
    expect(all.data!.salesOrders.totalCount).toBe(12);
    expect(all.data!.salesOrders.nodes.map((n: { number: string }) => n.number)).toEqual([
      'SO-L01',
      'SO-L02',
      'SO-L03',
      'SO-L04',
      'SO-L05',
    ]);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const r: GqlResult = await hub.gql(LIST, { f: { customerCode: 'C-LIST' }, first: 5, after });
      expect(r.errors).toBeUndefined();
      seen.push(...r.data!.salesOrders.nodes.map((n: { number: string }) => n.number));
      after = r.data!.salesOrders.pageInfo.hasNextPage ? r.data!.salesOrders.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `SO-L${String(i + 1).padStart(2, '0')}`));

    const range = await hub.gql(LIST, { f: { customerCode: 'C-LIST', from: day(-4), to: day(-2) } });
    expect(range.data!.salesOrders.nodes.map((n: { number: string }) => n.number)).toEqual([
      'SO-L02',
      'SO-L03',
      'SO-L04',
    ]);

    // late: promised date passed (every third), most overdue first, paged on the promised date
    const late1 = await hub.gql(LIST, { f: { customerCode: 'C-LIST', late: true }, first: 3 });
    expect(late1.errors).toBeUndefined();
    expect(late1.data!.salesOrders.nodes).toEqual([
      { number: 'SO-L12', status: { code: 'TO_DELIVER_AND_BILL', late: true } },
      { number: 'SO-L09', status: { code: 'TO_DELIVER_AND_BILL', late: true } },
      { number: 'SO-L06', status: { code: 'TO_DELIVER_AND_BILL', late: true } },
    ]);
    const late2 = await hub.gql(LIST, {
      f: { customerCode: 'C-LIST', late: true },
      first: 3,
      after: late1.data!.salesOrders.pageInfo.endCursor,
    });
    expect(late2.data!.salesOrders.nodes.map((n: { number: string }) => n.number)).toEqual(['SO-L03']);
    expect(late2.data!.salesOrders.pageInfo.hasNextPage).toBe(false);
    // a cursor of the date order is refused by the late order
    const wrong = await hub.gql(LIST, {
      f: { customerCode: 'C-LIST', late: true },
      after: all.data!.salesOrders.pageInfo.endCursor,
    });
    expect(wrong.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const notLate = await hub.gql(`{ salesOrders(filter: { customerCode: "C-LIST", late: false }) { totalCount } }`);
    expect(notLate.data!.salesOrders.totalCount).toBe(8);

    const closed = await hub.gql(LIST, { f: { status: ['CLOSED', 'COMPLETED'] } });
    // same order date: by id
    expect(closed.data!.salesOrders.nodes.map((n: { number: string }) => n.number).sort()).toEqual([
      'SO-1',
      'SO-STATE',
    ]);
    const toBill = await hub.gql(LIST, { f: { status: ['TO_BILL'], customerCode: 'C-LATE' } });
    expect(toBill.data!.salesOrders.nodes.map((n: { number: string }) => n.number)).toEqual([]);
  });

  it('reads a page with its status in statements that do not grow with the page', async () => {
    const q = `query($first: Int) { salesOrders(first: $first) { nodes { number state status { code deliveredPercent late atRisk } } } }`;
    const small = await hub.gql(q, { first: 2 });
    const large = await hub.gql(q, { first: 20 });
    expect(small.errors).toBeUndefined();
    expect(large.data!.salesOrders.nodes).toHaveLength(20);
    expect(large.statements).toBe(small.statements);
    expect(large.statements).toBe(1);
  });
});

describe('customer 360', () => {
  it('gives open orders, revenue, outstanding, overdue, days to pay and margins, checked by hand', async () => {
    await rec(
      so('SO-2', 'C-ACME', {
        documentDate: day(-1),
        promisedDate: day(30),
        lines: [{ itemCode: 'NOCOST', quantity: '1', unitPrice: '50' }],
      }),
    );
    const r = await hub.gql(`{ customer360(customerCode: "C-ACME") {
      customer { code }
      openOrders { count total { amount currency } }
      revenue { count total { amount currency } }
      recent: revenue(from: "${day(-35)}") { count total { amount } }
      outstanding { count total { amount } }
      overdue { count total { amount } }
      averageDaysToPay { currency days }
      orderMargins { nodes { salesOrder { number } amount { amount } cost { amount } margin { amount } marginPercent
        missingCosts { code } } pageInfo { hasNextPage } }
    } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data!.customer360).toEqual({
      customer: { code: 'C-ACME' },
      // SO-1 is closed; SO-2 is open
      openOrders: [{ count: 1, total: { amount: '50', currency: 'EUR' } }],
      // 400 + 700 − 10 + 9
      revenue: [{ count: 4, total: { amount: '1099', currency: 'EUR' } }],
      // INV-2 (day −30) 700, CN-1 −10, INV-3 9
      recent: [{ count: 3, total: { amount: '699' } }],
      // INV-2 still has 10 outstanding, the credit note −10
      outstanding: [{ count: 2, total: { amount: '0' } }],
      // INV-2 was due yesterday
      overdue: [{ count: 1, total: { amount: '10' } }],
      // (400 × 20 + 600 × 10 + 90 × 28 + 9 × 3) ÷ 1099 = 16547 ÷ 1099 = 15.0564…
      averageDaysToPay: [{ currency: 'EUR', days: '15.06' }],
      orderMargins: {
        nodes: [
          {
            salesOrder: { number: 'SO-2' },
            amount: { amount: '50' },
            cost: null,
            margin: null,
            marginPercent: null,
            missingCosts: [{ code: 'NOCOST' }],
          },
          {
            // a pump costs 2 × 30 + 4 × 2 = 68 from its BOM: 10 × 68 + 20 seals × 2 = 720; 380 ÷ 1100 = 34.5454…%
            salesOrder: { number: 'SO-1' },
            amount: { amount: '1100' },
            cost: { amount: '720' },
            margin: { amount: '380' },
            marginPercent: '34.55',
            missingCosts: [],
          },
        ],
        pageInfo: { hasNextPage: false },
      },
    });
    const none = await hub.gql(`{ customer360(customerCode: "NOPE") { customer { code } } }`);
    expect(none.data!.customer360).toBeNull();
    const both = await hub.gql(`{ customer360 { customer { code } } }`);
    expect(both.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
  });
});
