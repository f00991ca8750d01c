import { startTestHub, type TestHub } from '../helpers/hub';
import { createBom, createItems } from './fixtures';

// The engineering-change and diff API over HTTP: the service itself is tested in changes.test.ts.
let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
  await createItems(hub, [
    { code: 'CHAIR', type: 'MANUFACTURED' },
    { code: 'TABLE', type: 'MANUFACTURED' },
    { code: 'SCREW-M4' },
    { code: 'SCREW-M5' },
    { code: 'GLUE', baseUnit: 'kg' },
  ]);
  await createBom(hub, 'CHAIR', [
    { componentCode: 'SCREW-M4', quantity: '8' },
    { componentCode: 'GLUE', quantity: '50', unit: 'g' },
  ]);
  await createBom(hub, 'TABLE', [{ componentCode: 'SCREW-M4', quantity: '12' }]);
});
afterAll(async () => {
  await hub?.close();
});

const CHANGE = `kind: REPLACE, componentCode: "SCREW-M4", replacementCode: "SCREW-M5", ratio: "0.75",
  validFrom: "2027-01-01", reason: "M4 discontinued by the supplier"`;

describe('engineering changes over GraphQL', () => {
  it('previews without writing, then applies as new versions with a log entry and a diff', async () => {
    const boms = async () => Number((await hub.db.database.pool.query('SELECT count(*) AS n FROM boms')).rows[0].n);
    const before = await boms();
    const preview = await hub.gql(`{ engineeringChangePreview(input: { ${CHANGE} }) {
      bomCount effects { item { code } newBom { id } lines { component { code } before { quantity } after { quantity unit } } }
    } }`);
    expect(preview.errors).toBeUndefined();
    const p = preview.data!.engineeringChangePreview;
    expect(p.bomCount).toBe(2);
    const chair = p.effects.find((e: any) => e.item.code === 'CHAIR');
    expect(chair.newBom).toBeNull();
    expect(chair.lines).toEqual([
      { component: { code: 'SCREW-M5' }, before: { quantity: '8' }, after: { quantity: '6', unit: 'pcs' } },
    ]);
    expect(await boms()).toBe(before);

    const applied = await hub.gql(
      `mutation { applyEngineeringChange(input: { ${CHANGE} }) {
        id kind reason createdBy bomCount component { code } replacement { code } ratio validFrom
        effects { bom { id versionLabel } newBom { id versionLabel status validFrom } item { code } }
      } }`,
      undefined,
      { 'x-mdhub-actor': 'eva.engineer' },
    );
    expect(applied.errors).toBeUndefined();
    const c = applied.data!.applyEngineeringChange;
    expect(c).toMatchObject({
      kind: 'REPLACE',
      reason: 'M4 discontinued by the supplier',
      createdBy: 'user:eva.engineer',
      bomCount: 2,
      component: { code: 'SCREW-M4' },
      replacement: { code: 'SCREW-M5' },
      ratio: '0.75',
      validFrom: '2027-01-01',
    });
    expect(await boms()).toBe(before + 2);
    for (const e of c.effects) expect(e.newBom).toMatchObject({ status: 'RELEASED', validFrom: '2027-01-01' });

    const log = await hub.gql(`{ engineeringChanges(first: 5) { nodes { id bomCount } pageInfo { hasNextPage } } }`);
    expect(log.data!.engineeringChanges.nodes).toEqual([{ id: c.id, bomCount: 2 }]);
    const one = await hub.gql(`query($id: ID!) { engineeringChange(id: $id) { effects { item { code } } } }`, {
      id: c.id,
    });
    expect(one.data!.engineeringChange.effects.map((e: any) => e.item.code).sort()).toEqual(['CHAIR', 'TABLE']);

    const table = c.effects.find((e: any) => e.item.code === 'TABLE');
    const diff = await hub.gql(
      `query($a: ID!, $b: ID!) { bomDiff(fromId: $a, toId: $b) {
        from { versionLabel } to { versionLabel }
        added { component { code } after { quantity } }
        removed { component { code } before { quantity } }
        changed { component { code } }
        headerChanges { field from to }
      } }`,
      { a: table.bom.id, b: table.newBom.id },
    );
    expect(diff.errors).toBeUndefined();
    expect(diff.data!.bomDiff).toMatchObject({
      from: { versionLabel: table.bom.versionLabel },
      to: { versionLabel: table.newBom.versionLabel },
      added: [{ component: { code: 'SCREW-M5' }, after: { quantity: '9' } }],
      removed: [{ component: { code: 'SCREW-M4' }, before: { quantity: '12' } }],
      changed: [],
      // the old version now ends the day before the new one starts
      headerChanges: [
        { field: 'validFrom', from: null, to: '2027-01-01' },
        { field: 'validTo', from: '2026-12-31', to: null },
      ],
    });

    // Explosions on each side of the change's date use the version valid then.
    const explode = async (asOf: string) =>
      (
        await hub.gql(
          `query($d: Date) { bomExplosion(itemCode: "TABLE", asOf: $d) { nodes { nodes { item { code } quantity } } } }`,
          {
            d: asOf,
          },
        )
      ).data!.bomExplosion.nodes.nodes;
    expect(await explode('2026-12-31')).toEqual([{ item: { code: 'SCREW-M4' }, quantity: '12' }]);
    expect(await explode('2027-01-01')).toEqual([{ item: { code: 'SCREW-M5' }, quantity: '9' }]);
  });

  it('refuses a bad change naming the field, and writes nothing', async () => {
    const r = await hub.gql(
      `mutation { applyEngineeringChange(input: { kind: REPLACE, componentCode: "SCREW-M5", replacementCode: "GLUE", reason: "" }) { id } }`,
    );
    expect(r.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect((r.errors![0]!.extensions.fields as { field: string }[]).map((f) => f.field)).toContain('input.reason');
  });
});
