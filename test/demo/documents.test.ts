import { seedDemoDocuments } from '../../src/demo/documents';
import { seedDemo } from '../../src/demo/seed';
import { startTestHub, type TestHub } from '../helpers/hub';

// The demo's BOMs and order chain, as a first look at the hub shows them.
let hub: TestHub;
let first: Record<string, number>;
beforeAll(async () => {
  hub = await startTestHub();
  await seedDemo(hub.services.master);
  first = await seedDemoDocuments(hub.services);
});
afterAll(async () => {
  await hub?.close();
});

describe('demo BOMs and orders', () => {
  it('explode the demo pump through its sub-assemblies and phantoms, and cost it', async () => {
    expect(first.boms).toBe(9);
    const r = await hub.gql(`{
      bomExplosion(itemCode: "ITEM-000043", quantity: "4") { nodeCount depth components { item { code } quantity } }
      bomCost(itemCode: "ITEM-000043", currency: "EUR") { total { amount } complete missingPrices { code } }
    }`);
    expect(r.errors).toBeUndefined();
    const x = r.data!.bomExplosion;
    expect(x.depth).toBe(3);
    const q = Object.fromEntries(x.components.map((c: any) => [c.item.code, c.quantity]));
    // phantom bearing assembly: 2 bearings per pump; 150 g primer + 10 % scrap = 0.165 kg per pump
    expect(q['ITEM-000009']).toBe('8');
    expect(q['ITEM-000033']).toBe('0.66');
    expect(q['ITEM-000057']).toBeUndefined();
    expect(Number(r.data!.bomCost.total.amount)).toBeGreaterThan(0);
  });

  it('follow the demo sales order through production, delivery, invoicing and payment', async () => {
    const r = await hub.gql(`{ salesOrder(number: "SO-DEMO-1001") {
      status { code deliveredPercent billedPercent outstanding { amount } }
      lines { lineNo shippedQuantity invoicedQuantity }
      productionOrders { document { number } progress }
      timeline { documentNumber }
    } }`);
    expect(r.errors).toBeUndefined();
    const o = r.data!.salesOrder;
    expect(o.lines).toEqual([
      { lineNo: 1, shippedQuantity: '2', invoicedQuantity: '2' },
      { lineNo: 2, shippedQuantity: '10', invoicedQuantity: '10' },
    ]);
    expect(o.productionOrders).toEqual([{ document: { number: 'MO-DEMO-501' }, progress: '0.5' }]);
    // 2 × 2480 + 10 × 64.50 = 5605 invoiced, 3000 paid
    expect(o.status.outstanding).toEqual({ amount: '2605' });
    expect(o.status.code).toBe('TO_DELIVER_AND_BILL');
    expect(o.timeline.map((e: any) => e.documentNumber)).toEqual([
      'SO-DEMO-1001',
      'MO-DEMO-501',
      'SH-DEMO-7001',
      'INV-DEMO-9001',
      'PAY-DEMO-3001',
    ]);
  });

  it('changes nothing when loaded again', async () => {
    const count = async () =>
      Number((await hub.db.database.pool.query(`SELECT count(*) AS n FROM record_history`)).rows[0].n);
    const before = await count();
    const again = await seedDemoDocuments(hub.services);
    expect(again.boms).toBe(0);
    expect(await count()).toBe(before);
  });
});
