import { startTestHub, type TestHub } from '../helpers/hub';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => {
  await hub?.close();
});

const FIELDS = `id code name legalName email phone website taxId status version createdBy updatedBy
  address { street postalCode city region country } currency creditLimit { amount currency } paymentTerms
  sourceRefs { system externalId }`;

async function count(table: string): Promise<number> {
  const r = await hub.db.database.pool.query(`SELECT count(*)::int AS n FROM ${table}`);
  return r.rows[0].n;
}

describe('creating customers', () => {
  it('normalises every field and allocates a code from the coding rule', async () => {
    const r = await hub.gql(
      `mutation($input: CustomerInput!) { createCustomer(input: $input) { ${FIELDS} } }`,
      {
        input: {
          name: '  Müller   Antriebstechnik\tGmbH ',
          email: ' Info@Mueller-Antrieb.DE ',
          phone: '030 1234567',
          website: 'mueller-antrieb.de',
          taxId: 'de 123.456.789',
          address: { street: 'Hauptstraße 5', postalCode: '10115', city: 'Berlin', country: 'Deutschland' },
          currency: 'eur',
          creditLimit: { amount: '250000.50', currency: 'EUR' },
          sourceRef: { system: 'crm', externalId: 'C-1001' },
        },
      },
      { 'x-mdhub-actor': 'alice' },
    );
    expect(r.errors).toBeUndefined();
    const c = r.data!.createCustomer;
    expect(c.code).toMatch(/^CUST-\d{6}$/);
    expect(c).toMatchObject({
      name: 'Müller Antriebstechnik GmbH',
      email: 'info@mueller-antrieb.de',
      phone: '+49301234567',
      taxId: 'DE123456789',
      currency: 'EUR',
      status: 'ACTIVE',
      version: 1,
      createdBy: 'user:alice',
      address: { country: 'DE', city: 'Berlin' },
      creditLimit: { amount: '250000.5', currency: 'EUR' },
      sourceRefs: [{ system: 'crm', externalId: 'C-1001' }],
    });
    expect(c.website).toMatch(/^https:\/\/mueller-antrieb\.de\/?$/);
  });

  it('reads a national phone number in the record country, not the default region', async () => {
    const r = await hub.gql(
      `mutation { createCustomer(input: { name: "株式会社　桜精機", phone: "03-1234-5678", address: { country: "JP" } }) { name phone } }`,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.createCustomer).toEqual({ name: '株式会社 桜精機', phone: '+81312345678' });
  });

  it('looks a customer up by exactly one key, naming the extra or missing one', async () => {
    const none = await hub.gql(`{ customer { code } }`);
    expect(none.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    const two = await hub.gql(`{ customer(id: "00000000-0000-0000-0000-000000000000", code: "X") { code } }`);
    expect(two.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });
    const ref = await hub.gql(`{ customer(code: "X", sourceRef: { system: "erp", externalId: "1" }) { code } }`);
    expect(ref.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sourceRef' });
    const missing = await hub.gql(`{ customer(code: "NO-SUCH-CODE") { code } }`);
    expect(missing.errors).toBeUndefined();
    expect(missing.data!.customer).toBeNull();
  });

  it('keeps a given code and moves the sequence past it so generated codes never collide', async () => {
    const given = await hub.gql(
      `mutation { createCustomer(input: { code: "cust-000500", name: "Given Code Ltd" }) { code } }`,
    );
    expect(given.data!.createCustomer.code).toBe('CUST-000500');
    const next = await hub.gql(`mutation { createCustomer(input: { name: "Next Ltd" }) { code } }`);
    expect(next.data!.createCustomer.code).toBe('CUST-000501');
    const dup = await hub.gql(`mutation { createCustomer(input: { code: "CUST-000500", name: "Dup Ltd" }) { code } }`);
    expect(dup.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', field: 'code' });
  });

  it('refuses bad input with BAD_USER_INPUT naming each field, and writes nothing', async () => {
    const before = {
      customers: await count('customers'),
      history: await count('record_history'),
      outbox: await count('outbox'),
    };
    const r = await hub.gql(`mutation($input: CustomerInput!) { createCustomer(input: $input) { id } }`, {
      input: {
        name: '   ',
        email: 'not-an-email',
        phone: '12',
        address: { country: 'Atlantis' },
        currency: 'EURO',
        creditLimit: { amount: '-5', currency: 'EUR' },
      },
    });
    expect(r.data).toBeNull();
    const err = r.errors![0]!;
    expect(err.extensions.code).toBe('BAD_USER_INPUT');
    const fields = (err.extensions.fields as { field: string; reason: string }[]).map((f) => f.field).sort();
    expect(fields).toEqual(['address.country', 'creditLimit.amount', 'currency', 'email', 'name', 'phone'].sort());
    expect(err.extensions.field).toBe('name');
    expect(err.message).toContain('email');
    expect({
      customers: await count('customers'),
      history: await count('record_history'),
      outbox: await count('outbox'),
    }).toEqual(before);
  });

  it('refuses a float for money: decimals travel as strings', async () => {
    const r = await hub.gql(`mutation($input: CustomerInput!) { createCustomer(input: $input) { id } }`, {
      input: { name: 'Float GmbH', creditLimit: { amount: 0.1, currency: 'EUR' } },
    });
    expect(r.status).toBe(400);
    expect(r.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(r.errors![0]!.message).toMatch(/string/);
  });

  it('links a source ref to one golden record only', async () => {
    const r = await hub.gql(
      `mutation { createCustomer(input: { name: "Other", sourceRef: { system: "crm", externalId: "C-1001" } }) { id } }`,
    );
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', field: 'sourceRef' });
    const n = await hub.gql(`{ customers(filter: { text: "Other" }) { totalCount } }`);
    expect(n.data!.customers.totalCount).toBe(0);
  });
});

describe('updating with optimistic concurrency and history', () => {
  it('updates at the expected version, refuses a stale version with CONFLICT, and keeps every version', async () => {
    const created = await hub.gql(
      `mutation { createCustomer(input: { name: "Acme Pumps Ltd", address: { country: "GB" }, phone: "020 7946 0123" }) { id version phone } }`,
    );
    const { id } = created.data!.createCustomer;
    expect(created.data!.createCustomer.phone).toBe('+442079460123');

    const up = await hub.gql(
      `mutation($id: ID!) { updateCustomer(id: $id, expectedVersion: 1, patch: { name: "Acme Pumps Limited", email: "sales@acme.example" }, reason: "rebrand") { version name email updatedBy } }`,
      { id },
      { 'x-mdhub-actor': 'bob' },
    );
    expect(up.errors).toBeUndefined();
    expect(up.data!.updateCustomer).toEqual({
      version: 2,
      name: 'Acme Pumps Limited',
      email: 'sales@acme.example',
      updatedBy: 'user:bob',
    });

    const historyBefore = await count('record_history');
    const stale = await hub.gql(
      `mutation($id: ID!) { updateCustomer(id: $id, expectedVersion: 1, patch: { name: "Lost Update" }) { version } }`,
      { id },
    );
    expect(stale.errors![0]!.extensions).toMatchObject({
      code: 'CONFLICT',
      field: 'expectedVersion',
      currentVersion: 2,
    });
    expect(await count('record_history')).toBe(historyBefore);

    const same = await hub.gql(
      `mutation($id: ID!) { updateCustomer(id: $id, expectedVersion: 2, patch: { name: "  Acme Pumps  Limited " }) { version } }`,
      { id },
    );
    expect(same.data!.updateCustomer.version).toBe(2);

    const archived = await hub.gql(
      `mutation($id: ID!) { archiveCustomer(id: $id, expectedVersion: 2, reason: "closed") { status version } }`,
      { id },
    );
    expect(archived.data!.archiveCustomer).toEqual({ status: 'ARCHIVED', version: 3 });

    const h = await hub.gql(
      `query($id: ID!) { customer(id: $id) { history { version operation reason changedBy { kind id } changes { field from to } } } }`,
      { id },
    );
    const history = h.data!.customer.history;
    expect(history.map((v: any) => [v.version, v.operation])).toEqual([
      [3, 'archived'],
      [2, 'updated'],
      [1, 'created'],
    ]);
    expect(history[1]).toMatchObject({ reason: 'rebrand', changedBy: { kind: 'USER', id: 'bob' } });
    expect(history[1].changes).toEqual([
      { field: 'email', from: null, to: 'sales@acme.example' },
      { field: 'name', from: 'Acme Pumps Ltd', to: 'Acme Pumps Limited' },
    ]);
    expect(history[2].changes).toEqual([]);
  });

  it('answers lookups by id, code and source ref, and asOf returns the record as it was', async () => {
    const c = (
      await hub.gql(
        `mutation { createCustomer(input: { name: "Zeitreise AG", sourceRef: { system: "erp", externalId: "P-77" } }) { id code } }`,
      )
    ).data!.createCustomer;
    const t1 = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await hub.gql(
      `mutation($id: ID!) { updateCustomer(id: $id, expectedVersion: 1, patch: { name: "Zeitreise SE" }) { version } }`,
      { id: c.id },
    );

    const byId = await hub.gql(`query($id: ID!) { customer(id: $id) { name version } }`, { id: c.id });
    const byCode = await hub.gql(`query($code: String!) { customer(code: $code) { name } }`, { code: c.code });
    const byRef = await hub.gql(`{ customer(sourceRef: { system: "erp", externalId: "P-77" }) { name } }`);
    const asOf = await hub.gql(
      `query($code: String!, $t: DateTime!) { customer(code: $code, asOf: $t) { name version } }`,
      { code: c.code, t: t1 },
    );
    const before = await hub.gql(`query($id: ID!) { customer(id: $id, asOf: "2000-01-01T00:00:00Z") { name } }`, {
      id: c.id,
    });
    expect(byId.data!.customer).toEqual({ name: 'Zeitreise SE', version: 2 });
    expect(byCode.data!.customer.name).toBe('Zeitreise SE');
    expect(byRef.data!.customer.name).toBe('Zeitreise SE');
    expect(asOf.data!.customer).toEqual({ name: 'Zeitreise AG', version: 1 });
    expect(before.data!.customer).toBeNull();

    const unknown = await hub.gql(`{ customer(code: "NOPE") { id } }`);
    expect(unknown.data!.customer).toBeNull();
    const twoKeys = await hub.gql(`query($id: ID!, $code: String!) { customer(id: $id, code: $code) { id } }`, {
      id: c.id,
      code: c.code,
    });
    expect(twoKeys.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('reports NOT_FOUND when updating a record that does not exist', async () => {
    const r = await hub.gql(
      `mutation { updateCustomer(id: "00000000-0000-4000-8000-000000000000", expectedVersion: 1, patch: { name: "x" }) { id } }`,
    );
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
  });

  it('lets exactly one of two concurrent updates at the same version win', async () => {
    const c = (await hub.gql(`mutation { createCustomer(input: { name: "Race Ltd" }) { id } }`)).data!.createCustomer;
    const update = (name: string) =>
      hub.gql(
        `mutation($id: ID!, $n: String!) { updateCustomer(id: $id, expectedVersion: 1, patch: { name: $n }) { name version } }`,
        {
          id: c.id,
          n: name,
        },
      );
    const results = await Promise.all([update('Race A Ltd'), update('Race B Ltd')]);
    const won = results.filter((r) => !r.errors);
    const lost = results.filter((r) => r.errors);
    expect(won).toHaveLength(1);
    expect(lost[0]!.errors![0]!.extensions.code).toBe('CONFLICT');
    const now = await hub.gql(`query($id: ID!) { customer(id: $id) { name version history { version } } }`, {
      id: c.id,
    });
    expect(now.data!.customer).toEqual({
      name: won[0]!.data!.updateCustomer.name,
      version: 2,
      history: [{ version: 2 }, { version: 1 }],
    });
  });
});

describe('warehouses', () => {
  it('are golden records like the others: codes, lookups and history', async () => {
    const r = await hub.gql(
      `mutation { createWarehouse(input: { name: "Zentrallager Süd", address: { city: "München", country: "DE" }, sourceRef: { system: "wms", externalId: "W1" } }) { id code version } }`,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.createWarehouse.code).toBe('WH-001');
    const found = await hub.gql(
      `{ warehouse(sourceRef: { system: "wms", externalId: "W1" }) { name address { city } } warehouses(filter: { text: "sud" }) { totalCount } }`,
    );
    expect(found.data).toEqual({
      warehouse: { name: 'Zentrallager Süd', address: { city: 'München' } },
      warehouses: { totalCount: 1 },
    });
  });
});
