import '../../connectors';
import { DEFAULT_MATCH_THRESHOLDS } from '../../src/mdm/thresholds';
import { matchPage } from '../../src/mdm/matcher';
import { goldenReferences } from '../../src/mdm/references';
import type { SyncRunner } from '../../src/sync/runner';
import type { FakeSource } from '../helpers/fake-json-source';
import type { TestHub } from '../helpers/hub';
import { startSyncFixture, type SyncFixture } from '../helpers/sync';

/**
 * The steward's tools over GraphQL: merge with aliases, unmerge with "not a match" remembered across syncs,
 * overrides, the steward queue, and references that follow a merge and an unmerge.
 */
let f: SyncFixture;
let hub: TestHub;
let runner: SyncRunner;
let source: FakeSource;
let connectionId: string;
let clock = Date.UTC(2026, 4, 1);
const rows: Record<string, unknown>[] = [];
const steward = { 'x-mdhub-actor': 'steward' };
let unregister: () => void;

const address = (postalCode: string, street: string, city: string) => ({
  address: { street, postalCode, city, country: 'DE' },
});

function put(record: Record<string, unknown>) {
  const i = rows.findIndex((r) => r.id === record.id);
  const next = { ...record, updatedAt: new Date((clock += 1000)).toISOString() };
  if (i >= 0) rows[i] = next;
  else rows.push(next);
}

async function sync(mode: 'full' | 'incremental' = 'incremental') {
  const run = await runner.createRun(connectionId, mode, 'test');
  const done = await runner.execute(run.id);
  expect(done).toMatchObject({ status: 'succeeded', failed: 0 });
}

const query = async (text: string, values: unknown[] = []) => (await hub.db.database.pool.query(text, values)).rows;

async function gql(text: string, variables?: Record<string, unknown>) {
  return hub.gql(text, variables, steward);
}

async function goldenOf(externalId: string): Promise<{ id: string; code: string; version: number }> {
  const r = await gql(
    `query($e: String!) { customer(sourceRef: { system: "erp", externalId: $e }) { id code version } }`,
    {
      e: externalId,
    },
  );
  return r.data!.customer;
}

async function sourceRecordId(externalId: string): Promise<string> {
  const [r] = await query(`SELECT id::text AS id FROM source_records WHERE system = 'erp' AND external_id = $1`, [
    externalId,
  ]);
  return r!.id;
}

beforeAll(async () => {
  f = await startSyncFixture({ name: 'erp', runner: { pageSize: 50, matchThresholds: DEFAULT_MATCH_THRESHOLDS } });
  ({ hub, runner, source, connectionId } = f);
  source.collections.set('customers', rows);
  // A table of a module to come (order lines) that refers to customers, some rows resolved from a source ref.
  await query(
    `CREATE TABLE test_order_lines (id int PRIMARY KEY, customer_id uuid, source_system text, source_id text)`,
  );
  unregister = goldenReferences.register({
    entity: 'customer',
    table: 'test_order_lines',
    goldenColumn: 'customer_id',
    source: { systemColumn: 'source_system', externalIdColumn: 'source_id' },
  });

  put({
    id: 'A1',
    name: 'Becker Antriebstechnik GmbH',
    phone: '0711 5550001',
    ...address('70174', 'Königstraße 1', 'Stuttgart'),
  });
  // B1 and B2 share a personal e-mail address: one golden record with two sources.
  put({
    id: 'B1',
    name: 'Becker Antriebe',
    email: 'k.becker@becker-antriebe.de',
    ...address('70565', 'Industriestraße 9', 'Stuttgart'),
  });
  put({ id: 'B2', name: 'Becker Antriebe GmbH', email: 'k.becker@becker-antriebe.de', phone: '0711 5550002' });
  put({ id: 'C1', name: 'Fischer Hydraulik GmbH', phone: '0221 4440001', ...address('50667', 'Domkloster 4', 'Köln') });
  put({
    id: 'W1',
    name: 'Weber Pumpen GmbH',
    phone: '030 2220001',
    ...address('10115', 'Invalidenstraße 1', 'Berlin'),
  });
  put({
    id: 'V1',
    name: 'Vogel Armaturen GmbH',
    phone: '040 3330001',
    ...address('20095', 'Spitalerstraße 2', 'Hamburg'),
  });
  await sync();
  // Doubtful matches: the same names as GmbH & Co. KG at the same address and phone.
  put({
    id: 'W2',
    name: 'Weber Pumpen GmbH & Co. KG',
    phone: '030 2220001',
    ...address('10115', 'Invalidenstraße 1', 'Berlin'),
  });
  put({
    id: 'V2',
    name: 'Vogel Armaturen GmbH & Co. KG',
    phone: '040 3330001',
    ...address('20095', 'Spitalerstraße 2', 'Hamburg'),
  });
  await sync();
});
afterAll(async () => {
  unregister?.();
  await f?.close();
});

describe('merge', () => {
  let a: { id: string; code: string; version: number };
  let b: { id: string; code: string; version: number };

  it('keeps the survivor, moves sources, crosswalk and references, and leaves the merged id and code as aliases', async () => {
    a = await goldenOf('A1');
    b = await goldenOf('B1');
    expect((await goldenOf('B2')).id).toBe(b.id);
    expect(b.id).not.toBe(a.id);
    await query(`INSERT INTO test_order_lines VALUES (1, $1, 'erp', 'B1'), (2, $1, NULL, NULL), (3, $2, 'erp', 'A1')`, [
      b.id,
      a.id,
    ]);

    const r = await gql(
      `mutation($a: ID!, $b: ID!) { mergeGoldenRecords(entity: CUSTOMER, survivorId: $a, mergedId: $b, reason: "same company") {
        id code version ... on Customer { mergedIds sourceRefs { externalId } email } } }`,
      { a: a.id, b: b.id },
    );
    expect(r.errors).toBeUndefined();
    const merged = r.data!.mergeGoldenRecords;
    expect(merged).toMatchObject({ id: a.id, code: a.code, version: a.version + 1, mergedIds: [b.id] });
    expect(merged.sourceRefs.map((s: { externalId: string }) => s.externalId).sort()).toEqual(['A1', 'B1', 'B2']);
    // Recomputed from all its sources: B's e-mail, which A had not, survives.
    expect(merged.email).toBe('k.becker@becker-antriebe.de');

    const lookups = await gql(
      `query($b: ID!, $code: String!) {
        byId: customer(id: $b) { id }
        byCode: customer(code: $code) { id }
        byRef: customer(sourceRef: { system: "erp", externalId: "B2" }) { id } }`,
      { b: b.id, code: b.code },
    );
    expect(lookups.data).toEqual({ byId: { id: a.id }, byCode: { id: a.id }, byRef: { id: a.id } });
    expect(await query(`SELECT id, customer_id::text AS c FROM test_order_lines ORDER BY id`)).toEqual([
      { id: 1, c: a.id },
      { id: 2, c: a.id },
      { id: 3, c: a.id },
    ]);
  });

  it('writes history and an outbox event for both records', async () => {
    const history = await query(
      `SELECT entity_id::text AS id, operation, reason FROM record_history WHERE entity_id = ANY($1) AND operation = 'merged'`,
      [[a.id, b.id]],
    );
    expect(history).toEqual(
      expect.arrayContaining([
        { id: b.id, operation: 'merged', reason: `merged into ${a.code}: same company` },
        { id: a.id, operation: 'merged', reason: `${b.code} merged in: same company` },
      ]),
    );
    const [event] = await query(
      `SELECT payload FROM outbox WHERE entity_id = $1 AND event_type = 'customer.merged' ORDER BY id DESC LIMIT 1`,
      [b.id],
    );
    expect(event!.payload).toMatchObject({ id: b.id, mergedInto: a.id, mergedIntoCode: a.code, by: 'user:steward' });
    const [row] = await query(`SELECT status::text FROM customers WHERE id = $1`, [b.id]);
    expect(row).toEqual({ status: 'archived' });
    // The merged record as it was just before, from its history, says where it went.
    const asOf = await gql(`query($b: ID!) { customer(id: $b, asOf: "2100-01-01T00:00:00Z") { status mergedInto } }`, {
      b: b.id,
    });
    expect(asOf.data!.customer).toEqual({ status: 'ARCHIVED', mergedInto: a.id });
  });

  it('refuses bad merges with the field named, writing nothing', async () => {
    const merge = (survivorId: string, mergedId: string) =>
      gql(`mutation($s: ID!, $m: ID!) { mergeGoldenRecords(entity: CUSTOMER, survivorId: $s, mergedId: $m) { id } }`, {
        s: survivorId,
        m: mergedId,
      });
    const self = await merge(a.id, a.id);
    expect(self.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'mergedId' });
    const unknown = await merge('00000000-0000-4000-8000-000000000000', a.id);
    expect(unknown.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'survivorId' });
    const again = await merge(a.id, b.id);
    expect(again.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', field: 'mergedId', mergedInto: a.id });
    expect((await goldenOf('A1')).version).toBe(a.version + 1);
  });
});

describe('unmerge', () => {
  it('brings a source record that came with a merge back under its former id and code, with its references', async () => {
    const a = await goldenOf('A1');
    const b1 = await sourceRecordId('B1');
    const r = await gql(
      `mutation($s: ID!) { unmergeSourceRecord(sourceRecordId: $s, reason: "B1 is the subsidiary") {
        from { id version ... on Customer { mergedIds sourceRefs { externalId } } }
        to { id code status ... on Customer { name sourceRefs { externalId } lineage { field rule sourceRecordId } } } } }`,
      { s: b1 },
    );
    expect(r.errors).toBeUndefined();
    const { from, to } = r.data!.unmergeSourceRecord;
    const [alias] = await query(`SELECT alias_code FROM golden_aliases`);
    expect(alias).toBeUndefined();
    expect(from.id).toBe(a.id);
    expect(from.version).toBe(a.version + 1);
    expect(from.mergedIds).toEqual([]);
    expect(from.sourceRefs.map((s: { externalId: string }) => s.externalId).sort()).toEqual(['A1', 'B2']);
    expect(to).toMatchObject({ status: 'ACTIVE', name: 'Becker Antriebe', sourceRefs: [{ externalId: 'B1' }] });
    expect(to.lineage.find((l: { field: string }) => l.field === 'name')).toEqual({
      field: 'name',
      rule: 'mostRecent',
      sourceRecordId: b1,
    });
    const [restored] = await query(`SELECT id::text, code FROM customers WHERE id = $1`, [to.id]);
    expect(to.code).toBe(restored!.code);
    expect((await goldenOf('B1')).id).toBe(to.id);
    // The order line resolved from B1 follows it; the one entered without a source ref stays.
    expect(await query(`SELECT id, customer_id::text AS c FROM test_order_lines ORDER BY id`)).toEqual([
      { id: 1, c: to.id },
      { id: 2, c: a.id },
      { id: 3, c: a.id },
    ]);
    expect(await query(`SELECT golden_id::text AS g FROM not_a_match WHERE source_record_id = $1`, [b1])).toEqual([
      { g: a.id },
    ]);
  });

  it('gives a source record that did not come with a merge a new golden record', async () => {
    const a = await goldenOf('A1');
    const r = await gql(
      `mutation($s: ID!) { unmergeSourceRecord(sourceRecordId: $s) { from { id } to { id code } } }`,
      {
        s: await sourceRecordId('B2'),
      },
    );
    expect(r.errors).toBeUndefined();
    const { from, to } = r.data!.unmergeSourceRecord;
    expect(from.id).toBe(a.id);
    expect([a.id, (await goldenOf('B1')).id]).not.toContain(to.id);
    expect(to.code).toMatch(/^CUST-\d{6}$/);
  });

  it('remembers "not a match": a re-sync of the changed record does not put it back, nor does matching it again', async () => {
    const a = await goldenOf('A1');
    const b1 = await goldenOf('B1');
    // B1 changes to look just like A1.
    put({
      id: 'B1',
      name: 'Becker Antriebstechnik GmbH',
      phone: '0711 5550001',
      ...address('70174', 'Königstraße 1', 'Stuttgart'),
    });
    await sync('full');
    expect((await goldenOf('B1')).id).toBe(b1.id);
    expect((await goldenOf('A1')).id).toBe(a.id);
    const [canonical] = await query(`SELECT id::text, canonical FROM source_records WHERE external_id = 'B1'`);
    // Matched afresh (as a new record would be), A is not proposed: the steward said so.
    const [placed] = await matchPage(
      hub.db.database.db,
      'customer',
      'elsewhere',
      [{ sourceRecordId: canonical!.id, externalId: 'B1', values: canonical!.canonical }],
      DEFAULT_MATCH_THRESHOLDS.customer,
    );
    expect(placed!.goldenId).not.toBe(a.id);
    expect(placed!.via === 'review' ? placed!.candidates.map((c) => c.goldenId) : []).not.toContain(a.id);
  });

  it('refuses to split off the only source, a deleted one or an unknown one', async () => {
    const only = await gql(`mutation($s: ID!) { unmergeSourceRecord(sourceRecordId: $s) { to { id } } }`, {
      s: await sourceRecordId('A1'),
    });
    expect(only.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', field: 'sourceRecordId' });
    // Two sources of one record (the same personal e-mail), one of them deleted in its system since.
    put({ id: 'E1', name: 'Engel Metall GmbH', email: 'j.engel@engel-metall.de' });
    put({ id: 'E2', name: 'Engel Metallbau GmbH', email: 'j.engel@engel-metall.de' });
    await sync();
    expect((await goldenOf('E2')).id).toBe((await goldenOf('E1')).id);
    put({ id: 'E2', deleted: true });
    await sync();
    const deleted = await gql(`mutation($s: ID!) { unmergeSourceRecord(sourceRecordId: $s) { to { id } } }`, {
      s: await sourceRecordId('E2'),
    });
    expect(deleted.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', field: 'sourceRecordId' });
    expect(deleted.errors![0]!.message).toMatch(/deleted in its source/);
    for (const s of ['999999999', 'not-an-id']) {
      const missing = await gql(`mutation($s: ID!) { unmergeSourceRecord(sourceRecordId: $s) { to { id } } }`, { s });
      expect(missing.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'sourceRecordId' });
    }
  });
});

describe('overrides', () => {
  const read = `query { customer(sourceRef: { system: "erp", externalId: "C1" }) {
    id name version address { street city } ... on Customer { overrides { field value setBy } lineage { field rule } } } }`;
  const lineageOf = (c: { lineage: { field: string; rule: string }[] }, field: string) =>
    c.lineage.find((l) => l.field === field)?.rule;

  it('wins over the sources until cleared, with override lineage', async () => {
    const c = (await gql(read)).data!.customer;
    const set = await gql(
      `mutation($id: ID!) { setOverride(entity: CUSTOMER, id: $id, field: "name", value: "Fischer Hydraulik Vertrieb GmbH", reason: "registered name") { ... on Customer { name version } } }`,
      { id: c.id },
    );
    expect(set.errors).toBeUndefined();
    expect(set.data!.setOverride).toEqual({ name: 'Fischer Hydraulik Vertrieb GmbH', version: c.version + 1 });

    // The source changes its name: the override still wins, and the other fields follow the source.
    put({ id: 'C1', name: 'Fischer Hydraulik AG', phone: '0221 4440009', ...address('50667', 'Domkloster 4', 'Köln') });
    await sync();
    let now = (await gql(read)).data!.customer;
    expect(now.name).toBe('Fischer Hydraulik Vertrieb GmbH');
    expect(lineageOf(now, 'name')).toBe('override');
    expect(lineageOf(now, 'phone')).toBe('mostRecent');
    expect(now.overrides).toEqual([{ field: 'name', value: 'Fischer Hydraulik Vertrieb GmbH', setBy: 'user:steward' }]);

    const cleared = await gql(
      `mutation($id: ID!) { clearOverride(entity: CUSTOMER, id: $id, field: "name") { ... on Customer { name } } }`,
      { id: c.id },
    );
    expect(cleared.data!.clearOverride).toEqual({ name: 'Fischer Hydraulik AG' });
    now = (await gql(read)).data!.customer;
    expect(lineageOf(now, 'name')).toBe('mostRecent');
    expect(now.overrides).toEqual([]);
  });

  it('overrides an address as a whole, keeping the fields not given', async () => {
    const c = (await gql(read)).data!.customer;
    const r = await gql(
      `mutation($id: ID!) { setOverride(entity: CUSTOMER, id: $id, field: "address.city", value: "Koeln-Deutz") { ... on Customer { address { street city } } } }`,
      { id: c.id },
    );
    expect(r.data!.setOverride.address).toEqual({ street: 'Domkloster 4', city: 'Koeln-Deutz' });
    const now = (await gql(read)).data!.customer;
    expect(['street', 'postalCode', 'city', 'region', 'country'].map((f) => lineageOf(now, f))).toEqual([
      'override',
      'override',
      'override',
      'override',
      'override',
    ]);
  });

  it('refuses an unknown field, a bad value and an unknown record, naming the argument', async () => {
    const id = (await gql(read)).data!.customer.id;
    const set = (field: string, value: unknown, on = id) =>
      gql(
        `mutation($id: ID!, $f: String!, $v: JSON) { setOverride(entity: CUSTOMER, id: $id, field: $f, value: $v) { id } }`,
        {
          id: on,
          f: field,
          v: value,
        },
      );
    expect((await set('colour', 'red')).errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'field',
    });
    const phone = await set('phone', 'call me');
    expect(phone.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'value' });
    expect((await set('name', null)).errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'value' });
    const money = await set('creditLimit', { amount: '-5', currency: 'EUR' });
    expect(money.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'value.amount' });
    const missing = await set('name', 'X', '00000000-0000-4000-8000-000000000000');
    expect(missing.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    expect((await gql(read)).data!.customer.overrides.map((o: { field: string }) => o.field)).not.toContain('phone');
  });
});

describe('the steward queue', () => {
  const list = `query($status: StewardTaskStatus) { stewardTasks(entity: CUSTOMER, status: $status) { totalCount nodes {
    id status sourceRecord { externalId } golden { id ... on Customer { name } }
    candidates { goldenId score reasons golden { ... on Customer { name } } } } } }`;

  it('lists open tasks with the source record and the scored candidates', async () => {
    const r = await gql(list, { status: 'OPEN' });
    expect(r.errors).toBeUndefined();
    const { totalCount, nodes } = r.data!.stewardTasks;
    expect(totalCount).toBe(2);
    // Both came with one page, at one instant; their order is by id then.
    const of = (e: string) =>
      nodes.find((t: { sourceRecord: { externalId: string } }) => t.sourceRecord.externalId === e);
    expect(of('V2')).toBeDefined();
    expect(of('W2')).toMatchObject({
      status: 'OPEN',
      golden: { id: (await goldenOf('W2')).id, name: 'Weber Pumpen GmbH & Co. KG' },
      candidates: [
        {
          goldenId: (await goldenOf('W1')).id,
          score: 1,
          reasons: expect.arrayContaining(['legal forms differ (gmbh kg / gmbh)']),
          golden: { name: 'Weber Pumpen GmbH' },
        },
      ],
    });
  });

  it('merges a task into the chosen candidate, once', async () => {
    const task = (await gql(list, { status: 'OPEN' })).data!.stewardTasks.nodes.find(
      (t: { sourceRecord: { externalId: string } }) => t.sourceRecord.externalId === 'W2',
    );
    const w1 = await goldenOf('W1');
    const w2 = await goldenOf('W2');
    const resolve = (decision: string, goldenId?: string) =>
      gql(
        `mutation($id: ID!, $d: StewardDecision!, $g: ID) { resolveStewardTask(id: $id, decision: $d, goldenId: $g, reason: "one company") { status mergedInto decidedBy } }`,
        { id: task.id, d: decision, g: goldenId },
      );
    expect((await resolve('MERGE')).errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'goldenId',
    });
    expect((await resolve('MERGE', w2.id)).errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'goldenId',
    });
    const r = await resolve('MERGE', w1.id);
    expect(r.data!.resolveStewardTask).toEqual({ status: 'MERGED', mergedInto: w1.id, decidedBy: 'user:steward' });
    expect((await goldenOf('W2')).id).toBe(w1.id);
    const byOldId = await gql(`query($id: ID!) { customer(id: $id) { id } }`, { id: w2.id });
    expect(byOldId.data!.customer.id).toBe(w1.id);
    expect((await resolve('MERGE', w1.id)).errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', field: 'id' });
  });

  it('rejects the candidates of a task and remembers them as not a match', async () => {
    const [task] = (await gql(list, { status: 'OPEN' })).data!.stewardTasks.nodes;
    expect(task.sourceRecord.externalId).toBe('V2');
    const v1 = await goldenOf('V1');
    const reject = await gql(
      `mutation($id: ID!, $g: ID) { resolveStewardTask(id: $id, decision: REJECT, goldenId: $g) { status } }`,
      { id: task.id, g: v1.id },
    );
    expect(reject.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'goldenId' });
    const r = await gql(`mutation($id: ID!) { resolveStewardTask(id: $id, decision: REJECT) { status } }`, {
      id: task.id,
    });
    expect(r.data!.resolveStewardTask).toEqual({ status: 'REJECTED' });
    expect(
      await query(`SELECT golden_id::text AS g FROM not_a_match WHERE source_record_id = $1`, [
        await sourceRecordId('V2'),
      ]),
    ).toEqual([{ g: v1.id }]);
    expect((await gql(list, { status: 'OPEN' })).data!.stewardTasks.totalCount).toBe(0);
    const done = (await gql(list, { status: 'REJECTED' })).data!.stewardTasks.nodes;
    expect(done.map((t: { id: string }) => t.id)).toEqual([task.id]);
    const missing = await gql(
      `mutation { resolveStewardTask(id: "00000000-0000-4000-8000-000000000000", decision: REJECT) { id } }`,
    );
    expect(missing.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
  });
});
