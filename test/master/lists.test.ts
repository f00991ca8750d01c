import { startTestHub, type TestHub } from '../helpers/hub';

let hub: TestHub;

const NAMES: [string, string][] = [
  ['Müller Antriebstechnik GmbH', 'DE'],
  ['Mueller Hydraulik KG', 'DE'],
  ['Schäfer Gießerei GmbH', 'DE'],
  ['上海电气机械有限公司', 'CN'],
  ['苏州精密轴承有限公司', 'CN'],
  ['株式会社　桜精機', 'JP'],
  ['ＡＢＣ株式会社', 'JP'],
  ['Acme Pumps Ltd', 'GB'],
  ['Northwind Motors Inc', 'US'],
  ['Zenith Seals LLC', 'US'],
];

beforeAll(async () => {
  hub = await startTestHub();
  const r = await hub.gql(
    `mutation($records: [CustomerInput!]!) { upsertCustomers(by: CODE, records: $records) { outcome } }`,
    {
      records: NAMES.map(([name, country], i) => ({
        code: `C${String(i).padStart(3, '0')}`,
        name,
        address: { country },
      })),
    },
  );
  expect(r.errors).toBeUndefined();
});
afterAll(async () => {
  await hub?.close();
});

async function names(filter: Record<string, unknown>): Promise<string[]> {
  const r = await hub.gql(
    `query($f: PartyFilter) { customers(filter: $f, first: 100) { totalCount nodes { name } } }`,
    { f: filter },
  );
  expect(r.errors).toBeUndefined();
  expect(r.data!.customers.totalCount).toBe(r.data!.customers.nodes.length);
  return r.data!.customers.nodes.map((n: { name: string }) => n.name);
}

describe('listing and searching', () => {
  it('finds names regardless of case, accents and full-width forms, in any script', async () => {
    expect(await names({ text: 'muller' })).toEqual(['Müller Antriebstechnik GmbH']);
    expect(await names({ text: 'MÜLLER' })).toEqual(['Müller Antriebstechnik GmbH']);
    expect(await names({ text: 'giesserei' })).toEqual(['Schäfer Gießerei GmbH']);
    expect(await names({ text: '轴承' })).toEqual(['苏州精密轴承有限公司']);
    expect(await names({ text: '桜精機' })).toEqual(['株式会社 桜精機']);
    expect(await names({ text: 'abc' })).toEqual(['ＡＢＣ株式会社']);
    expect(await names({ text: 'ＡＢＣ' })).toEqual(['ＡＢＣ株式会社']);
    expect(await names({ text: 'c003' })).toEqual(['上海电气机械有限公司']);
    expect(await names({ text: '100%' })).toEqual([]);
  });

  it('filters by country (any spelling), status and updatedSince', async () => {
    expect((await names({ country: 'de' })).length).toBe(3);
    expect((await names({ country: 'Japan' })).length).toBe(2);
    expect(await names({ country: 'US', status: ['BLOCKED'] })).toEqual([]);
    expect((await names({ updatedSince: new Date(Date.now() + 60_000).toISOString() })).length).toBe(0);
    expect((await names({ updatedSince: '2000-01-01T00:00:00Z' })).length).toBe(NAMES.length);
    const bad = await hub.gql(`{ customers(filter: { country: "Atlantis" }) { totalCount } }`);
    expect(bad.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.country' });
  });

  it('pages with cursors in any order without gaps or repeats', async () => {
    for (const orderBy of [
      { field: 'CODE', direction: 'ASC' },
      { field: 'NAME', direction: 'DESC' },
      { field: 'CREATED_AT', direction: 'ASC' },
    ]) {
      const seen: string[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 10; guard++) {
        const r: any = await hub.gql(
          `query($o: RecordOrder, $a: String) { customers(orderBy: $o, first: 3, after: $a) { edges { cursor node { code name } } pageInfo { hasNextPage endCursor } } }`,
          { o: orderBy, a: after },
        );
        expect(r.errors).toBeUndefined();
        seen.push(...r.data.customers.edges.map((e: any) => e.node.code));
        if (!r.data.customers.pageInfo.hasNextPage) break;
        after = r.data.customers.pageInfo.endCursor;
      }
      expect(seen.length).toBe(NAMES.length);
      expect(new Set(seen).size).toBe(NAMES.length);
      if (orderBy.field === 'CODE') expect(seen).toEqual([...seen].sort());
    }
  });

  it('caps the page size at 500 and refuses foreign cursors', async () => {
    const big = await hub.gql(`{ customers(first: 501) { totalCount } }`);
    expect(big.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    const ok = await hub.gql(`{ customers(first: 500) { totalCount } }`);
    expect(ok.errors).toBeUndefined();
    const cursor = await hub.gql(`{ customers(after: "garbage") { totalCount } }`);
    expect(cursor.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('counts only when totalCount is asked for', async () => {
    const without = await hub.gql(`{ customers(first: 5) { nodes { code } } }`);
    const withCount = await hub.gql(`{ customers(first: 5) { totalCount nodes { code } } }`);
    expect(withCount.statements).toBe(without.statements + 1);
    expect(without.statements).toBe(1);
  });
});

describe('bulk upsert', () => {
  it('reports inserted, updated and unchanged per record, keyed by source ref', async () => {
    const records: Record<string, unknown>[] = [
      { name: 'Alpha GmbH', sourceRef: { system: 'crm', externalId: 'A1' }, address: { country: 'DE' } },
      { name: 'Beta Ltd', sourceRef: { system: 'crm', externalId: 'B1' }, email: 'info@beta.example' },
    ];
    const q = `mutation($r: [CustomerInput!]!) { upsertCustomers(by: SOURCE_REF, records: $r) { index outcome record { id code name version email sourceRefs { system externalId } } } }`;
    const first = await hub.gql(q, { r: records });
    expect(first.errors).toBeUndefined();
    expect(first.data!.upsertCustomers.map((x: any) => x.outcome)).toEqual(['INSERTED', 'INSERTED']);
    expect(first.data!.upsertCustomers[0].record.sourceRefs).toEqual([{ system: 'crm', externalId: 'A1' }]);

    records[1] = { ...records[1]!, email: 'SALES@beta.example' };
    const second = await hub.gql(q, { r: records });
    expect(second.data!.upsertCustomers.map((x: any) => [x.index, x.outcome, x.record.version])).toEqual([
      [0, 'UNCHANGED', 1],
      [1, 'UPDATED', 2],
    ]);
    expect(second.data!.upsertCustomers[1].record.email).toBe('sales@beta.example');
    expect(second.data!.upsertCustomers[1].record.id).toBe(first.data!.upsertCustomers[1].record.id);
  });

  it('refuses the whole batch when one record is bad, naming it, and writes nothing', async () => {
    const before = (await hub.gql(`{ customers { totalCount } }`)).data!.customers.totalCount;
    const r = await hub.gql(`mutation($r: [CustomerInput!]!) { upsertCustomers(by: CODE, records: $r) { outcome } }`, {
      r: [
        { code: 'NEW-1', name: 'Fine GmbH' },
        { code: 'NEW-2', name: 'Bad GmbH', email: 'nope' },
        { code: 'NEW-1', name: 'Twice GmbH' },
        { name: 'No code' },
      ],
    });
    expect(r.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    const fields = (r.errors![0]!.extensions.fields as { field: string }[]).map((f) => f.field);
    expect(fields).toEqual(['records.1.email', 'records.2.code', 'records.3.code']);
    expect((await hub.gql(`{ customers { totalCount } }`)).data!.customers.totalCount).toBe(before);
  });

  it('takes 1,000 records in a constant number of statements and refuses 1,001', async () => {
    const make = (n: number, tag: string) =>
      Array.from({ length: n }, (_, i) => ({
        code: `BULK-${tag}-${i}`,
        name: `Bulk ${tag} ${i}`,
        address: { country: 'FR' },
      }));
    const q = `mutation($r: [CustomerInput!]!) { upsertCustomers(by: CODE, records: $r) { outcome } }`;
    const small = await hub.gql(q, { r: make(10, 'S') });
    const large = await hub.gql(q, { r: make(1000, 'L') });
    expect(large.errors).toBeUndefined();
    expect(large.data!.upsertCustomers).toHaveLength(1000);
    expect(large.statements).toBe(small.statements);
    const again = await hub.gql(q, { r: make(1000, 'L') });
    expect(new Set(again.data!.upsertCustomers.map((x: any) => x.outcome))).toEqual(new Set(['UNCHANGED']));
    const tooMany = await hub.gql(q, { r: make(1001, 'X') });
    expect(tooMany.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'records' });
  });
});
