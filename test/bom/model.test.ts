import { startTestHub, type TestHub } from '../helpers/hub';
import { createBom, createItems } from './fixtures';

let hub: TestHub;
let ids: Record<string, string>;
beforeAll(async () => {
  hub = await startTestHub();
  ids = await createItems(hub, [
    { code: 'PUMP', type: 'MANUFACTURED' },
    { code: 'MOTOR', type: 'MANUFACTURED' },
    { code: 'ROTOR', type: 'MANUFACTURED' },
    { code: 'HOUSING', type: 'MANUFACTURED' },
    { code: 'BOLT' },
    { code: 'BOLT-B' },
    { code: 'NUT' },
    { code: 'OIL', baseUnit: 'l' },
    { code: 'CABLE', baseUnit: 'm' },
    { code: 'STEEL', baseUnit: 'kg' },
    { code: 'OLD', type: 'PURCHASED' },
  ]);
});
afterAll(async () => {
  await hub?.close();
});

const count = async (table: string) =>
  Number((await hub.db.database.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

const BOM_FIELDS = `id version versionLabel status isDefault baseQuantity validFrom validTo
  lines { position component { code } quantity unit quantityInBaseUnit scrapPercent phantom validFrom validTo
    substitutes { component { code } priority ratio } }`;

describe('BOM model', () => {
  it('creates a draft with converted quantities, default positions and a substitute group', async () => {
    const r = await hub.gql(`mutation($i: BomInput!) { createBom(input: $i) { ${BOM_FIELDS} item { code } } }`, {
      i: {
        itemCode: 'HOUSING',
        baseQuantity: '10',
        description: 'Gehäuse 铸件',
        lines: [
          { componentCode: 'STEEL', quantity: '1250', unit: 'g', scrapPercent: '3.5' },
          {
            componentCode: 'BOLT',
            quantity: '4',
            substitutes: [
              { componentCode: 'BOLT-B', priority: 1, ratio: '1' },
              { componentId: ids.NUT, priority: 2, ratio: '2' },
            ],
          },
          { componentCode: 'CABLE', quantity: '150', unit: 'cm', validFrom: '2026-01-01', validTo: '2026-12-31' },
        ],
      },
    });
    expect(r.errors).toBeUndefined();
    const b = r.data!.createBom;
    expect(b).toMatchObject({ status: 'DRAFT', versionLabel: '1', isDefault: true, baseQuantity: '10', version: 1 });
    expect(b.lines).toEqual([
      expect.objectContaining({
        position: 10,
        quantity: '1250',
        unit: 'g',
        quantityInBaseUnit: '1.25',
        scrapPercent: '3.5',
      }),
      expect.objectContaining({
        position: 20,
        unit: 'pcs',
        quantityInBaseUnit: '4',
        substitutes: [
          { component: { code: 'BOLT-B' }, priority: 1, ratio: '1' },
          { component: { code: 'NUT' }, priority: 2, ratio: '2' },
        ],
      }),
      expect.objectContaining({
        position: 30,
        quantityInBaseUnit: '1.5',
        validFrom: '2026-01-01',
        validTo: '2026-12-31',
      }),
    ]);
  });

  it('refuses bad input naming every field, and writes nothing', async () => {
    const before = [await count('boms'), await count('bom_lines'), await count('outbox')];
    const r = await hub.gql(`mutation($i: BomInput!) { createBom(input: $i) { id } }`, {
      i: {
        itemCode: 'MOTOR',
        baseQuantity: '0',
        validFrom: '2026-05-01',
        validTo: '2026-04-30',
        lines: [
          { componentCode: 'BOLT', quantity: '-1' },
          { componentCode: 'OIL', quantity: '1', scrapPercent: '100' },
          { componentCode: 'NUT', quantity: '1', position: 5 },
          { componentCode: 'NUT', quantity: '1', position: 5 },
        ],
      },
    });
    const fields = (r.errors![0]!.extensions.fields as { field: string }[]).map((f) => f.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'input.baseQuantity',
        'input.validTo',
        'input.lines.0.quantity',
        'input.lines.1.scrapPercent',
        'input.lines.3.position',
      ]),
    );
    const unit = await hub.gql(`mutation($i: BomInput!) { createBom(input: $i) { id } }`, {
      i: { itemCode: 'MOTOR', lines: [{ componentCode: 'OIL', quantity: '2', unit: 'kg' }] },
    });
    expect(unit.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.lines.0.unit' });
    expect(unit.errors![0]!.message).toMatch(/no conversion from kg to l/);
    const missing = await hub.gql(`mutation($i: BomInput!) { createBom(input: $i) { id } }`, {
      i: { itemCode: 'MOTOR', lines: [{ componentCode: 'NOPE', quantity: '2' }] },
    });
    expect(missing.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.lines.0.component' });
    expect([await count('boms'), await count('bom_lines'), await count('outbox')]).toEqual(before);
  });

  it('refuses a cycle through other items’ BOMs, naming the path', async () => {
    await createBom(hub, 'MOTOR', [{ componentCode: 'ROTOR', quantity: '1' }]);
    await createBom(hub, 'ROTOR', [{ componentCode: 'BOLT', quantity: '6' }], { release: false });
    const r = await hub.gql(`mutation($i: BomInput!) { createBom(input: $i) { id } }`, {
      i: { itemCode: 'PUMP', lines: [{ componentCode: 'MOTOR', quantity: '1' }] },
    });
    expect(r.errors).toBeUndefined();
    // ROTOR -> PUMP closes PUMP -> MOTOR -> ROTOR -> PUMP (ROTOR's other BOM is only a draft: still refused)
    const cycle = await hub.gql(`mutation($i: BomInput!) { createBom(input: $i) { id } }`, {
      i: {
        itemCode: 'ROTOR',
        versionLabel: 'X',
        lines: [
          { componentCode: 'NUT', quantity: '1' },
          { componentCode: 'PUMP', quantity: '1' },
        ],
      },
    });
    expect(cycle.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.lines.1.component' });
    expect(cycle.errors![0]!.message).toContain('would make a cycle: ROTOR → PUMP → MOTOR → ROTOR');
    const self = await hub.gql(`mutation($i: BomInput!) { createBom(input: $i) { id } }`, {
      i: { itemCode: 'NUT', lines: [{ componentCode: 'NUT', quantity: '1' }] },
    });
    expect(self.errors![0]!.message).toContain('would make a cycle: NUT → NUT');
    // a substitute counts too
    const sub = await hub.gql(`mutation($i: BomInput!) { createBom(input: $i) { id } }`, {
      i: {
        itemCode: 'ROTOR',
        versionLabel: 'Y',
        lines: [{ componentCode: 'NUT', quantity: '1', substitutes: [{ componentCode: 'MOTOR', priority: 1 }] }],
      },
    });
    expect(sub.errors![0]!.extensions.field).toBe('input.lines.0.substitutes.0.component');
  });

  it('keeps released versions immutable and supersedes them with a new version on its start date', async () => {
    const v1 = await createBom(hub, 'HOUSING', [{ componentCode: 'STEEL', quantity: '2' }], {
      versionLabel: 'A',
      validFrom: '2026-01-01',
      isDefault: true,
    });
    const upd = await hub.gql(
      `mutation($id: ID!) { updateBom(id: $id, expectedVersion: 1, patch: { baseQuantity: "2" }) { id } }`,
      { id: v1.id },
    );
    expect(upd.errors![0]!.extensions.code).toBe('CONFLICT');
    expect(upd.errors![0]!.message).toMatch(/create a new version/);

    const nv = await hub.gql(
      `mutation($id: ID!) { createBomVersion(fromId: $id, validFrom: "2026-07-01") { id version versionLabel status lines { quantity } supersedes { versionLabel } } }`,
      { id: v1.id },
    );
    expect(nv.errors).toBeUndefined();
    const v2 = nv.data!.createBomVersion;
    expect(v2).toMatchObject({
      versionLabel: 'B',
      status: 'DRAFT',
      lines: [{ quantity: '2' }],
      supersedes: { versionLabel: 'A' },
    });
    const edited = await hub.gql(
      `mutation($id: ID!) { updateBom(id: $id, expectedVersion: 1, patch: { lines: [{ componentCode: "STEEL", quantity: "1.8" }, { componentCode: "BOLT", quantity: "2" }] }) { version lines { component { code } quantity } } }`,
      { id: v2.id },
    );
    expect(edited.data!.updateBom).toEqual({
      version: 2,
      lines: [
        { component: { code: 'STEEL' }, quantity: '1.8' },
        { component: { code: 'BOLT' }, quantity: '2' },
      ],
    });
    const stale = await hub.gql(`mutation($id: ID!) { releaseBom(id: $id, expectedVersion: 1) { id } }`, { id: v2.id });
    expect(stale.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', currentVersion: 2 });
    const rel = await hub.gql(
      `mutation($id: ID!) { releaseBom(id: $id, expectedVersion: 2) { status validFrom releasedBy } }`,
      { id: v2.id },
    );
    expect(rel.data!.releaseBom).toEqual({ status: 'RELEASED', validFrom: '2026-07-01', releasedBy: 'user:anonymous' });
    const old = await hub.gql(`query($id: ID!) { bom(id: $id) { status validTo isDefault } }`, { id: v1.id });
    expect(old.data!.bom).toEqual({ status: 'RELEASED', validTo: '2026-06-30', isDefault: false });

    // effectivity on the exact boundary dates
    const explode = async (asOf: string) =>
      (
        await hub.gql(
          `query($d: Date) { bomExplosion(itemCode: "HOUSING", asOf: $d) { nodes { nodes { item { code } quantity } } } }`,
          { d: asOf },
        )
      ).data!.bomExplosion.nodes.nodes;
    expect(await explode('2026-06-30')).toEqual([{ item: { code: 'STEEL' }, quantity: '2' }]);
    expect(await explode('2026-07-01')).toEqual([
      { item: { code: 'STEEL' }, quantity: '1.8' },
      { item: { code: 'BOLT' }, quantity: '2' },
    ]);
    const none = await hub.gql(`{ bomExplosion(itemCode: "HOUSING", asOf: "2025-12-31") { nodeCount } }`);
    expect(none.errors![0]!.extensions.code).toBe('NOT_FOUND');

    const item = await hub.gql(
      `{ item(code: "HOUSING") { boms { versionLabel status isDefault } bom(asOf: "2026-03-01") { versionLabel } } }`,
    );
    expect(item.data!.item.bom).toEqual({ versionLabel: 'A' });
    expect(item.data!.item.boms.filter((b: any) => b.isDefault).map((b: any) => b.versionLabel)).toEqual(['B']);
    const hist = await hub.gql(`query($id: ID!) { bom(id: $id) { history { version operation snapshot } } }`, {
      id: v1.id,
    });
    expect(hist.data!.bom.history.map((h: any) => h.operation)).toEqual(['superseded', 'created']);
    const events = await hub.db.database.pool.query(
      `SELECT event_type FROM outbox WHERE entity = 'bom' AND entity_id = $1 ORDER BY id`,
      [v2.id],
    );
    expect(events.rows.map((e) => e.event_type)).toEqual(['bom.created', 'bom.updated', 'bom.released']);
  });

  it('reads the BOM in use of a page of items in a bounded number of statements', async () => {
    const one = await hub.gql(`{ items(first: 1, filter: { text: "HOUSING" }) { nodes { bom { versionLabel } } } }`);
    const many = await hub.gql(`{ items(first: 20) { nodes { code bom(asOf: "2026-07-01") { versionLabel } } } }`);
    expect(one.errors).toBeUndefined();
    expect(many.errors).toBeUndefined();
    expect(many.data!.items.nodes.find((n: any) => n.code === 'HOUSING').bom).toEqual({ versionLabel: 'B' });
    expect(many.statements).toBeLessThanOrEqual(one.statements);
  });

  it('line effectivity counts on the exact day', async () => {
    await createItems(hub, [{ code: 'GEAR', type: 'MANUFACTURED' }]);
    await createBom(hub, 'GEAR', [
      { componentCode: 'BOLT', quantity: '1', validTo: '2026-03-31' },
      { componentCode: 'BOLT-B', quantity: '1', validFrom: '2026-04-01' },
    ]);
    const at = async (d: string) =>
      (
        await hub.gql(
          `query($d: Date) { bomExplosion(itemCode: "GEAR", asOf: $d) { nodes { nodes { item { code } } } } }`,
          { d },
        )
      ).data!.bomExplosion.nodes.nodes.map((n: any) => n.item.code);
    expect(await at('2026-03-31')).toEqual(['BOLT']);
    expect(await at('2026-04-01')).toEqual(['BOLT-B']);
  });

  it('keeps one default per item and obsoletes', async () => {
    await createItems(hub, [{ code: 'VALVE', type: 'MANUFACTURED' }]);
    const a = await createBom(hub, 'VALVE', [{ componentCode: 'NUT', quantity: '1' }]);
    const b = await createBom(hub, 'VALVE', [{ componentCode: 'NUT', quantity: '2' }]);
    const boms = async () =>
      (await hub.gql(`{ item(code: "VALVE") { boms { id isDefault status } } }`)).data!.item.boms;
    expect((await boms()).find((x: any) => x.isDefault).id).toBe(a.id);
    // both valid: the default one is used
    const q = async () =>
      (await hub.gql(`{ bomExplosion(itemCode: "VALVE") { nodes { nodes { quantity } } } }`)).data!.bomExplosion.nodes
        .nodes[0].quantity;
    expect(await q()).toBe('1');
    await hub.gql(`mutation($id: ID!) { setDefaultBom(id: $id) { id } }`, { id: b.id });
    expect((await boms()).filter((x: any) => x.isDefault).map((x: any) => x.id)).toEqual([b.id]);
    expect(await q()).toBe('2');
    const o = await hub.gql(
      `mutation($id: ID!, $v: Int!) { obsoleteBom(id: $id, expectedVersion: $v) { status isDefault } }`,
      { id: b.id, v: 2 },
    );
    expect(o.data!.obsoleteBom).toEqual({ status: 'OBSOLETE', isDefault: false });
    expect(await q()).toBe('1');
    const list = await hub.gql(`query($id: ID) { boms(itemId: $id, status: OBSOLETE) { nodes { id } } }`, {
      id: ids.PUMP,
    });
    expect(list.data!.boms.nodes).toEqual([]);
    // newest first, a page at a time
    const p1 = await hub.gql(
      `{ boms(itemCode: "VALVE", first: 1) { nodes { id createdAt } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(p1.data!.boms.nodes.map((n: any) => n.id)).toEqual([b.id]);
    expect(p1.data!.boms.nodes[0].createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const p2 = await hub.gql(
      `query($a: String) { boms(itemCode: "VALVE", first: 5, after: $a) { nodes { id } pageInfo { hasNextPage } } }`,
      { a: p1.data!.boms.pageInfo.endCursor },
    );
    expect(p2.data!.boms.nodes.map((n: any) => n.id)).toEqual([a.id]);
    expect(p2.data!.boms.pageInfo.hasNextPage).toBe(false);
  });
});
