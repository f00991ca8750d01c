import { randomBytes } from 'node:crypto';
import { createServices } from '../../src/app';
import { loadConfig } from '../../src/config';
import { startTestHub, type TestHub } from '../helpers/hub';
import { createItems } from '../bom/fixtures';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
  await createItems(hub, [{ code: 'GEAR' }]);
  await hub.gql(`mutation { createCustomer(input: { code: "C-9", name: "Acme Ltd" }) { id } }`);
});
afterAll(async () => {
  await hub?.close();
});

describe('status of documents loaded around the store', () => {
  it('is computed at start-up for sales orders that have none', async () => {
    const pool = hub.db.database.pool;
    // A sales order written straight into the tables, as a bulk load would.
    await pool.query(`
      INSERT INTO documents (kind, number, customer_id, currency, total_amount, document_date, promised_date, created_by, updated_by)
      SELECT 'sales_order', 'SO-BULK', id, 'EUR', 50, '2026-01-05', '2026-01-20', 'test', 'test' FROM customers WHERE code = 'C-9'`);
    await pool.query(`
      INSERT INTO document_lines (document_id, line_no, item_id, quantity, unit, unit_price, amount)
      SELECT d.id, 1, i.id, 5, 'pcs', 10, 50 FROM documents d, items i WHERE d.number = 'SO-BULK' AND i.code = 'GEAR'`);
    const none = await pool.query(`SELECT count(*)::int AS n FROM order_status`);
    expect(none.rows[0].n).toBe(0);
    const config = loadConfig({
      NODE_ENV: 'test',
      MDHUB_DEMO: 'false',
      MDHUB_SECRET_KEY: randomBytes(32).toString('base64'),
      DATABASE_URL: hub.db.url ?? '',
    });
    const services = await createServices(config, hub.db.database);
    await services.sync.jobs.close();
    const r = await hub.gql(
      `{ salesOrders(filter: { late: true }) { nodes { number status { code deliveredPercent } } } }`,
    );
    expect(r.data!.salesOrders.nodes).toEqual([
      { number: 'SO-BULK', status: { code: 'TO_DELIVER_AND_BILL', deliveredPercent: '0' } },
    ]);
  });
});
