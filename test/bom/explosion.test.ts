import { Dec } from '../../src/decimal';
import { startTestHub, type TestHub } from '../helpers/hub';
import { createBom, createItems } from './fixtures';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
  // A bike: FRAME (manufactured, 1 per bike) and two WHEELs; each wheel has SPOKEs and a HUB; the frame has a
  // welded SUB assembly that uses SPOKEs too (a component under several parents and at several levels), and
  // TUBE comes in metres but is stocked in cm. KIT is a phantom holding SCREWs.
  await createItems(hub, [
    { code: 'BIKE', type: 'MANUFACTURED' },
    { code: 'FRAME', type: 'MANUFACTURED', cost: '999' },
    { code: 'WHEEL', type: 'MANUFACTURED' },
    { code: 'SUB', type: 'MANUFACTURED' },
    { code: 'KIT', type: 'PHANTOM' },
    { code: 'SPOKE', cost: '0.15' },
    { code: 'HUB', cost: '12.5' },
    { code: 'TUBE', baseUnit: 'cm', cost: '0.02' },
    { code: 'SCREW', cost: '0.01' },
    { code: 'PAINT', baseUnit: 'kg', cost: '8' },
  ]);
  await createBom(hub, 'BIKE', [
    { componentCode: 'FRAME', quantity: '1' },
    { componentCode: 'WHEEL', quantity: '2', scrapPercent: '5' },
    { componentCode: 'KIT', quantity: '1' },
  ]);
  await createBom(hub, 'WHEEL', [
    { componentCode: 'SPOKE', quantity: '36', scrapPercent: '2.5' },
    { componentCode: 'HUB', quantity: '1' },
  ]);
  await createBom(hub, 'FRAME', [
    { componentCode: 'TUBE', quantity: '1.5', unit: 'm', scrapPercent: '10' },
    { componentCode: 'SUB', quantity: '2' },
    { componentCode: 'PAINT', quantity: '250', unit: 'g' },
  ]);
  await createBom(hub, 'SUB', [{ componentCode: 'SPOKE', quantity: '4' }], { baseQuantity: '2' });
  await createBom(hub, 'KIT', [{ componentCode: 'SCREW', quantity: '8' }]);
});
afterAll(async () => {
  await hub?.close();
});

const EXPLODE = `query($code: String!, $q: Decimal, $asOf: Date, $max: Int) {
  bomExplosion(itemCode: $code, quantity: $q, asOf: $asOf, maxLevels: $max) {
    nodeCount depth
    nodes(first: 100) { nodes { index parentIndex level path item { code } quantityPerParent scrapPercent quantity hasBom } }
    components { item { code } quantity occurrences lowestLevel hasBom }
  }
}`;

describe('explosion', () => {
  it('walks every path with scrap at several levels, unit conversion and a phantom passed through', async () => {
    const r = await hub.gql(EXPLODE, { code: 'BIKE', q: '10' });
    expect(r.errors).toBeUndefined();
    const x = r.data!.bomExplosion;
    const rows = x.nodes.nodes.map((n: any) => [n.path.join('>'), n.level, n.quantityPerParent, n.quantity]);
    expect(rows).toEqual([
      ['BIKE>FRAME', 1, '1', '10'],
      // 1.5 m = 150 cm, 10 % scrap: 10 × 150 × 1.1
      ['BIKE>FRAME>TUBE', 2, '150', '1650'],
      // SUB's BOM makes 2: 4 spokes per 2 subs = 2 per sub; 10 frames × 2 subs × 2
      ['BIKE>FRAME>SUB', 2, '2', '20'],
      ['BIKE>FRAME>SUB>SPOKE', 3, '2', '40'],
      ['BIKE>FRAME>PAINT', 2, '0.25', '2.5'],
      // 2 wheels + 5 % scrap = 21 for 10 bikes; spokes 36 + 2.5 %: 21 × 36 × 1.025
      ['BIKE>WHEEL', 1, '2', '21'],
      ['BIKE>WHEEL>SPOKE', 2, '36', '774.9'],
      ['BIKE>WHEEL>HUB', 2, '1', '21'],
      // KIT is a phantom: its screws stand in its place at level 1
      ['BIKE>SCREW', 1, '8', '80'],
    ]);
    expect(x.nodeCount).toBe(9);
    expect(x.depth).toBe(3);
    const parents = x.nodes.nodes.map((n: any) => n.parentIndex);
    expect(parents).toEqual([null, 0, 0, 2, 0, null, 5, 5, null]);
    const spoke = x.components.find((c: any) => c.item.code === 'SPOKE');
    // summed across both parents and levels: 40 + 774.9
    expect(spoke).toEqual({
      item: { code: 'SPOKE' },
      quantity: '814.9',
      occurrences: 2,
      lowestLevel: 3,
      hasBom: false,
    });
    expect(x.components.map((c: any) => c.item.code).sort()).toEqual(
      ['FRAME', 'HUB', 'PAINT', 'SCREW', 'SPOKE', 'SUB', 'TUBE', 'WHEEL'].sort(),
    );
  });

  it('stops at maxLevels and pages the nodes', async () => {
    const r = await hub.gql(EXPLODE, { code: 'BIKE', max: 1 });
    expect(r.data!.bomExplosion.nodes.nodes.map((n: any) => n.item.code)).toEqual(['FRAME', 'WHEEL', 'SCREW']);
    const p1 = await hub.gql(
      `{ bomExplosion(itemCode: "BIKE") { nodes(first: 4) { nodes { index } pageInfo { hasNextPage endCursor } totalCount } } }`,
    );
    const page = p1.data!.bomExplosion.nodes;
    expect(page.nodes.map((n: any) => n.index)).toEqual([0, 1, 2, 3]);
    expect(page.totalCount).toBe(9);
    const p2 = await hub.gql(
      `query($a: String) { bomExplosion(itemCode: "BIKE") { nodes(first: 10, after: $a) { nodes { index } pageInfo { hasNextPage } } } }`,
      { a: page.pageInfo.endCursor },
    );
    expect(p2.data!.bomExplosion.nodes.nodes.map((n: any) => n.index)).toEqual([4, 5, 6, 7, 8]);
    expect(p2.data!.bomExplosion.nodes.pageInfo.hasNextPage).toBe(false);
  });

  it('returns the whole tree in compact form', async () => {
    const r = await hub.gql(`{ bomExplosion(itemCode: "BIKE", quantity: "10") { compact } }`);
    const c = r.data!.bomExplosion.compact;
    expect(c.items[0].code).toBe('BIKE');
    expect(c.item.map((i: number) => c.items[i].code)).toEqual([
      'FRAME',
      'TUBE',
      'SUB',
      'SPOKE',
      'PAINT',
      'WHEEL',
      'SPOKE',
      'HUB',
      'SCREW',
    ]);
    expect(c.parent).toEqual([-1, 0, 0, 2, 0, -1, 5, 5, -1]);
    expect(c.quantity[6]).toBe('774.9');
  });

  it('costs as many statements for a big tree as for a small one', async () => {
    const small = await hub.gql(`{ bomExplosion(itemCode: "SUB") { nodeCount compact components { quantity } } }`);
    const big = await hub.gql(`{ bomExplosion(itemCode: "BIKE") { nodeCount compact components { quantity } } }`);
    expect(small.errors).toBeUndefined();
    expect(big.statements).toBe(small.statements);
  });

  it('refuses an item without a BOM and bad arguments, naming the field', async () => {
    const r = await hub.gql(`{ bomExplosion(itemCode: "SPOKE") { nodeCount } }`);
    expect(r.errors![0]!.extensions.code).toBe('NOT_FOUND');
    expect(r.errors![0]!.message).toMatch(/released BOM of item SPOKE/);
    const q = await hub.gql(`{ bomExplosion(itemCode: "BIKE", quantity: "-1") { nodeCount } }`);
    expect(q.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'quantity' });
    const d = await hub.gql(`query($d: Date) { bomExplosion(itemCode: "BIKE", asOf: $d) { nodeCount } }`, {
      d: '2026-02-30',
    });
    expect(d.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(d.errors![0]!.message).toMatch(/not a calendar date/);
  });
});

describe('where-used', () => {
  it('goes up every path to the top-level products with the quantity per unit', async () => {
    const r = await hub.gql(`{ whereUsed(itemCode: "SPOKE") {
      nodeCount pathCount
      directParents { item { code } quantity paths }
      topLevel { item { code } quantity paths }
      nodes(first: 50) { nodes { level item { code } quantity topLevel belowIndex } }
    } }`);
    expect(r.errors).toBeUndefined();
    const w = r.data!.whereUsed;
    const byCode = (list: any[]) => Object.fromEntries(list.map((t) => [t.item.code, [t.quantity, t.paths]]));
    expect(byCode(w.directParents)).toEqual({ WHEEL: ['36.9', 1], SUB: ['2', 1] });
    // per bike: via wheels 2 × 1.05 × 36 × 1.025 = 77.49; via frame 2 subs × 2 = 4
    expect(byCode(w.topLevel)).toEqual({ BIKE: ['81.49', 2] });
    expect(w.pathCount).toBe(2);
    expect(w.nodeCount).toBe(5);
  });
});

describe('where-used, cut and compact', () => {
  it('stops at maxLevels and still knows which items are used further up', async () => {
    const r = await hub.gql(`{ whereUsed(itemCode: "SPOKE", maxLevels: 1) {
      nodeCount nodes { nodes { level item { code } topLevel belowIndex } }
    } }`);
    expect(r.errors).toBeUndefined();
    const nodes = r.data!.whereUsed.nodes.nodes;
    expect(nodes).toHaveLength(2);
    // WHEEL and SUB are used by BIKE and FRAME: not top-level, though the walk stopped at them
    expect(nodes.every((n: any) => n.level === 1 && n.topLevel === false && n.belowIndex === null)).toBe(true);
  });

  it('gives the upward tree in compact form, with a bounded number of statements', async () => {
    const small = await hub.gql(`{ whereUsed(itemCode: "SCREW") { compact pathCount } }`);
    const big = await hub.gql(
      `{ whereUsed(itemCode: "SPOKE") { compact pathCount topLevel { item { code } quantity } } }`,
    );
    expect(big.errors).toBeUndefined();
    const c = big.data!.whereUsed.compact;
    expect(c.items[0].code).toBe('SPOKE');
    const codes = c.item.map((i: number) => c.items[i].code);
    // depth-first: each row's `below` is the row it sits above on its path
    c.below.forEach((b: number, i: number) => {
      if (b >= 0) expect(c.level[b]).toBe(c.level[i] - 1);
    });
    expect(codes.filter((x: string) => x === 'BIKE')).toHaveLength(2);
    expect(small.data!.whereUsed.pathCount).toBe(1); // SCREW -> KIT (a phantom, still a BOM that uses it) -> BIKE
    expect(big.statements).toBeLessThanOrEqual(small.statements + 1);
    const cost1 = await hub.gql(`{ bomCost(itemCode: "SUB", currency: "EUR") { total { amount } } }`);
    const cost2 = await hub.gql(`{ bomCost(itemCode: "BIKE", currency: "EUR") { total { amount } levels { level } } }`);
    expect(cost2.statements).toBe(cost1.statements);
  });
});

describe('cost roll-up', () => {
  it('rolls up level by level and agrees with the explosion', async () => {
    const r = await hub.gql(`{ bomCost(itemCode: "BIKE", quantity: "10", currency: "EUR") {
      total { amount currency } unitCost { amount }
      levels { level amount { amount } }
      components { item { code } quantity unitPrice { amount } amount { amount } }
      assemblies { item { code } unitCost { amount } complete }
      missingPrices { code } complete
    } }`);
    expect(r.errors).toBeUndefined();
    const c = r.data!.bomCost;
    // leaves: TUBE 1650 × 0.02 = 33, SPOKE (40 + 774.9) × 0.15 = 122.235, PAINT 2.5 × 8 = 20, HUB 21 × 12.5 = 262.5,
    // SCREW 80 × 0.01 = 0.8. FRAME's own standard cost (999) is not used: it is built from its BOM.
    expect(c.total).toEqual({ amount: '438.535', currency: 'EUR' });
    expect(c.unitCost.amount).toBe('43.8535');
    expect(c.levels).toEqual([
      { level: 1, amount: { amount: '0.8' } },
      { level: 2, amount: { amount: '431.735' } },
      { level: 3, amount: { amount: '6' } },
    ]);
    expect(c.complete).toBe(true);
    // the sum over the explosion's leaf nodes, computed here from the explosion itself
    const x = await hub.gql(
      `{ bomExplosion(itemCode: "BIKE", quantity: "10") { nodes(first: 100) { nodes { item { code standardCost { amount } } quantity hasBom } } } }`,
    );
    const sum = x
      .data!.bomExplosion.nodes.nodes.filter((n: any) => !n.hasBom)
      .reduce((a: Dec, n: any) => a.plus(new Dec(n.quantity).mul(n.item.standardCost.amount)), new Dec(0));
    expect(sum.toFixed()).toBe(c.total.amount);
    const assemblies = Object.fromEntries(c.assemblies.map((a: any) => [a.item.code, a.unitCost.amount]));
    // one wheel: 36 × 1.025 × 0.15 + 12.5; one bike: frame + 2 × 1.05 wheels + 8 screws
    expect(assemblies.WHEEL).toBe('18.035');
    expect(assemblies.BIKE).toBe('43.8535');
  });

  it('names components without a price in the currency and leaves them out', async () => {
    const r = await hub.gql(
      `{ bomCost(itemCode: "WHEEL", currency: "USD") { total { amount } missingPrices { code } complete } }`,
    );
    expect(r.data!.bomCost).toEqual({
      total: { amount: '0' },
      missingPrices: expect.arrayContaining([{ code: 'SPOKE' }, { code: 'HUB' }]),
      complete: false,
    });
  });

  it('prices from the last purchase order: newest order in the currency, in any unit, drafts left out', async () => {
    const s = await hub.gql(`mutation { createSupplier(input: { code: "S-SPOKES", name: "Speichen GmbH" }) { id } }`);
    expect(s.errors).toBeUndefined();
    const po = async (
      number: string,
      date: string,
      unit: string,
      price: string,
      extra: Record<string, unknown> = {},
    ) => {
      const r = await hub.gql(`mutation($i: DocumentInput!) { recordDocument(input: $i) { outcome } }`, {
        i: {
          kind: 'PURCHASE_ORDER',
          number,
          supplierCode: 'S-SPOKES',
          currency: 'EUR',
          documentDate: date,
          lines: [{ itemCode: 'SPOKE', quantity: '10', unit, unitPrice: price }],
          ...extra,
        },
      });
      expect(r.errors).toBeUndefined();
    };
    await po('PO-1', '2026-10-01', 'pcs', '0.2');
    await po('PO-2', '2026-11-01', 'dozen', '1.8'); // 0.15 a piece
    await po('PO-3', '2026-11-15', 'pcs', '9', { state: 'DRAFT' });
    await po('PO-4', '2026-11-20', 'pcs', '0.3', { currency: 'USD' });
    const r = await hub.gql(`{ bomCost(itemCode: "WHEEL", priceSource: LAST_PURCHASE_PRICE, currency: "EUR") {
      total { amount } components { item { code } unitPrice { amount } } missingPrices { code }
    } }`);
    expect(r.errors).toBeUndefined();
    const c = r.data!.bomCost;
    expect(c.components.find((x: any) => x.item.code === 'SPOKE').unitPrice).toEqual({ amount: '0.15' });
    // 36 × 1.025 spokes at 0.15; the hub was never bought
    expect(c.total.amount).toBe('5.535');
    expect(c.missingPrices).toEqual([{ code: 'HUB' }]);
  });

  it('quotes with price overrides (an assembly bought instead of built) and a margin, rounded at the end', async () => {
    const r =
      await hub.gql(`{ bomQuotation(input: { itemCode: "BIKE", quantity: "3", currency: "EUR", marginPercent: "25",
      priceOverrides: [{ itemCode: "HUB", price: "10" }, { itemCode: "FRAME", price: "30" }] }) {
      materialCost { amount } price { amount } unitPrice { amount } marginAmount { amount }
      components { item { code } quantity overridden }
    } }`);
    expect(r.errors).toBeUndefined();
    const q = r.data!.bomQuotation;
    // 3 frames × 30 = 90; wheels 6.3: spokes 6.3 × 36.9 × 0.15 = 34.8705, hubs 6.3 × 10 = 63; screws 24 × 0.01 = 0.24
    expect(q.materialCost.amount).toBe('188.1105');
    // price = 188.1105 / 0.75 = 250.814 -> 250.81
    expect(q.price.amount).toBe('250.81');
    // 250.81 / 3 = 83.60333... -> 83.60 (the Decimal scalar drops the trailing zero)
    expect(q.unitPrice.amount).toBe('83.6');
    expect(q.components.map((c: any) => c.item.code).sort()).toEqual(['FRAME', 'HUB', 'SCREW', 'SPOKE']);
    expect(q.components.find((c: any) => c.item.code === 'FRAME').overridden).toBe(true);
  });
});
