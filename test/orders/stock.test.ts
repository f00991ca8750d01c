import { startTestHub, type TestHub } from '../helpers/hub';
import { createItems } from '../bom/fixtures';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
  await createItems(hub, [{ code: 'BOLT' }, { code: 'OIL', baseUnit: 'l' }]);
  for (const [code, name] of [
    ['WH-HAM', 'Lager Hamburg'],
    ['WH-SZX', '深圳仓库'],
  ]) {
    const r = await hub.gql(`mutation($i: WarehouseInput!) { createWarehouse(input: $i) { id } }`, {
      i: { code, name },
    });
    expect(r.errors).toBeUndefined();
  }
});
afterAll(async () => {
  await hub?.close();
});

const SET = `mutation($l: [StockLevelInput!]!) { setStockLevels(levels: $l) { item { code } warehouse { code } onHand reserved inTransit available } }`;

describe('stock levels', () => {
  it('sets levels as counted and reads them by item and by warehouse', async () => {
    const r = await hub.gql(SET, {
      l: [
        { itemCode: 'bolt', warehouseCode: 'WH-HAM', onHand: '1200', reserved: '150', inTransit: '500' },
        { itemCode: 'BOLT', warehouseCode: 'WH-SZX', onHand: '40' },
        { itemCode: 'OIL', warehouseCode: 'WH-HAM', onHand: '12.5', reserved: '20' },
      ],
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!.setStockLevels).toHaveLength(3);
    const item = await hub.gql(`{ item(code: "BOLT") { stock { warehouse { code } onHand available inTransit } } }`);
    expect(item.data!.item.stock).toEqual(
      expect.arrayContaining([
        { warehouse: { code: 'WH-HAM' }, onHand: '1200', available: '1050', inTransit: '500' },
        { warehouse: { code: 'WH-SZX' }, onHand: '40', available: '40', inTransit: '0' },
      ]),
    );
    const wh = await hub.gql(`{ stockLevels(warehouseCode: "WH-HAM") { item { code } available } }`);
    expect(wh.data!.stockLevels).toEqual(
      expect.arrayContaining([
        { item: { code: 'BOLT' }, available: '1050' },
        { item: { code: 'OIL' }, available: '-7.5' },
      ]),
    );
    // a new count replaces the old one
    const reset = await hub.gql(SET, { l: [{ itemCode: 'BOLT', warehouseCode: 'WH-SZX', onHand: '0' }] });
    expect(reset.errors).toBeUndefined();
    const again = await hub.gql(`{ stockLevels(itemCode: "BOLT", warehouseCode: "WH-SZX") { onHand } }`);
    expect(again.data!.stockLevels).toEqual([{ onHand: '0' }]);
  });

  it('refuses bad levels naming every field, and writes nothing', async () => {
    const before = await hub.gql(`{ stockLevels(warehouseCode: "WH-HAM") { item { code } onHand } }`);
    const r = await hub.gql(SET, {
      l: [
        { itemCode: 'BOLT', warehouseCode: 'WH-HAM', onHand: '-1' },
        { itemCode: 'NOPE', warehouseCode: 'WH-HAM', onHand: '1' },
        { itemCode: 'OIL', warehouseCode: 'WH-HAM', onHand: '1.1234567' },
      ],
    });
    const fields = (r.errors![0]!.extensions.fields as { field: string }[]).map((f) => f.field);
    expect(fields).toEqual(['levels.0.onHand', 'levels.2.onHand']);
    const missing = await hub.gql(SET, { l: [{ itemCode: 'NOPE', warehouseCode: 'WH-XXX', onHand: '1' }] });
    expect((missing.errors![0]!.extensions.fields as { field: string }[]).map((f) => f.field)).toEqual([
      'levels.0.item',
      'levels.0.warehouse',
    ]);
    const after = await hub.gql(`{ stockLevels(warehouseCode: "WH-HAM") { item { code } onHand } }`);
    expect(after.data).toEqual(before.data);
  });
});
