import { startSyncFixture, type SyncFixture } from '../helpers/sync';

/**
 * Values written through the API are the hub's own source record of the golden record, so that recomputing it
 * from its sources (after a connector's record changes) weighs them instead of forgetting them.
 */
let f: SyncFixture;

beforeAll(async () => {
  f = await startSyncFixture({ name: 'erp', runner: { pageSize: 50 } });
});
afterAll(() => f?.close());

const sync = () => f.sync('incremental');

const CUSTOMER = `id code version name phone email paymentTerms address { city country }
  sourceRecords { system externalId canonical } lineage { field system }`;

describe('API writes as the hub’s own source record', () => {
  let id: string;

  it('records what a create and an update wrote, merged, under system mdhub', async () => {
    const created = await f.hub.gql(`mutation($i: CustomerInput!) { createCustomer(input: $i) { id version } }`, {
      i: {
        name: 'Präzisionsteile Vogel GmbH',
        taxId: 'DE 281 547 396',
        phone: '0711 123456',
        address: { city: 'Stuttgart', country: 'DE' },
      },
    });
    id = created.data!.createCustomer.id;
    const updated = await f.hub.gql(
      `mutation($id: ID!) { updateCustomer(id: $id, expectedVersion: 1, patch: { paymentTerms: "30 Tage netto" }) { version } }`,
      { id },
    );
    expect(updated.data!.updateCustomer.version).toBe(2);
    const r = await f.hub.gql(`query($id: ID!) { customer(id: $id) { ${CUSTOMER} } }`, { id });
    expect(r.data!.customer.sourceRecords).toEqual([
      {
        system: 'mdhub',
        externalId: id,
        canonical: expect.objectContaining({
          name: 'Präzisionsteile Vogel GmbH',
          taxId: 'DE281547396',
          phone: '+49711123456',
          city: 'Stuttgart',
          paymentTerms: '30 Tage netto',
        }),
      },
    ]);
  });

  it('keeps the API’s values when a connector’s record joins the golden record and when it changes later', async () => {
    f.source.collections.set('customers', [
      {
        id: 'K-7',
        updatedAt: '2026-01-01T00:00:00.000Z',
        name: 'Praezisionsteile Vogel GmbH',
        taxId: 'DE281547396',
        email: 'einkauf@vogel-praezision.de',
        address: { city: 'Stuttgart', country: 'DE' },
      },
    ]);
    expect(await sync()).toMatchObject({ status: 'succeeded', inserted: 1 });
    let r = await f.hub.gql(`query($id: ID!) { customer(id: $id) { ${CUSTOMER} } }`, { id });
    // Joined by tax id: the source adds its e-mail; the phone and terms only the API gave are still there.
    expect(r.data!.customer).toMatchObject({
      id,
      email: 'einkauf@vogel-praezision.de',
      phone: '+49711123456',
      paymentTerms: '30 Tage netto',
    });
    expect(r.data!.customer.sourceRecords.map((s: { system: string }) => s.system).sort()).toEqual(['erp', 'mdhub']);

    // A user corrects the terms; later the ERP record changes its city. The correction outlives the recompute.
    const v = r.data!.customer.version;
    await f.hub.gql(
      `mutation($id: ID!, $v: Int!) { updateCustomer(id: $id, expectedVersion: $v, patch: { paymentTerms: "60 Tage netto" }) { version } }`,
      { id, v },
    );
    const rows = f.source.collections.get('customers')!;
    // Stamped after the user's edit, by the source's own clock: the ERP's address is now the most recent.
    const later = new Date(Date.now() + 1000).toISOString();
    rows[0] = { ...rows[0]!, address: { city: 'Esslingen', country: 'DE' }, updatedAt: later };
    expect(await sync()).toMatchObject({ status: 'succeeded', updated: 1 });
    r = await f.hub.gql(`query($id: ID!) { customer(id: $id) { ${CUSTOMER} } }`, { id });
    expect(r.data!.customer).toMatchObject({
      paymentTerms: '60 Tage netto',
      phone: '+49711123456',
      address: { city: 'Esslingen', country: 'DE' },
    });
    const lineage = Object.fromEntries(
      r.data!.customer.lineage.map((l: { field: string; system: string }) => [l.field, l.system]),
    );
    expect(lineage).toMatchObject({ paymentTerms: 'mdhub', phone: 'mdhub', city: 'erp', email: 'erp' });
  });

  it('records the changed fields of a bulk upsert in one statement with the rest', async () => {
    const res = await f.hub.gql(
      `mutation($r: [CustomerInput!]!) { upsertCustomers(by: CODE, records: $r) { outcome record { id } } }`,
      {
        r: [
          { code: 'K-BULK-1', name: 'Erste Bulk GmbH', address: { country: 'AT' } },
          { code: 'K-BULK-2', name: '東京精機株式会社', address: { country: 'JP' } },
        ],
      },
    );
    expect(res.errors).toBeUndefined();
    const ids = res.data!.upsertCustomers.map((u: { record: { id: string } }) => u.record.id);
    const stored = await f.hub.db.database.pool.query(
      `SELECT external_id, canonical->>'name' AS name FROM source_records WHERE system = 'mdhub' AND external_id = ANY($1) ORDER BY name`,
      [ids],
    );
    expect(stored.rows.map((r) => r.name)).toEqual(['Erste Bulk GmbH', '東京精機株式会社']);
  });
});
