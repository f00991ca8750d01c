import type { Actor } from '../../src/actor';
import { EngineeringChangeService } from '../../src/bom/changes';
import { explode } from '../../src/bom/explode';
import type { BomLineInput } from '../../src/bom/input';
import { BomStore } from '../../src/bom/store';
import { type Db, statementCounter } from '../../src/db/pool';
import { ValidationError } from '../../src/errors';
import { startTestHub, type TestHub } from '../helpers/hub';
import { createItems } from './fixtures';

let hub: TestHub;
let db: Db;
let store: BomStore;
let changes: EngineeringChangeService;
const alice: Actor = { kind: 'user', id: 'alice' };
/** The day the changes take effect: fixed and in the future, so "the day before" is a known date too. */
const VF = '2030-06-01';
const DAY_BEFORE = '2030-05-31';

beforeAll(async () => {
  hub = await startTestHub();
  db = hub.db.database.db;
  store = new BomStore(db);
  changes = new EngineeringChangeService(db, store);
});
afterAll(async () => {
  await hub?.close();
});

async function query<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  return (await hub.db.database.pool.query(text, params)).rows as T[];
}

/** Row counts of every table a change writes, to prove that a refused change or a preview wrote nothing. */
interface Counts {
  boms: number;
  lines: number;
  subs: number;
  changes: number;
  outbox: number;
  history: number;
  versions: number;
}

async function counts(): Promise<Counts> {
  const [r] = await query<Record<string, string>>(`SELECT
    (SELECT count(*) FROM boms) AS boms, (SELECT count(*) FROM bom_lines) AS lines,
    (SELECT count(*) FROM bom_substitutes) AS subs, (SELECT count(*) FROM engineering_changes) AS changes,
    (SELECT count(*) FROM outbox) AS outbox, (SELECT count(*) FROM record_history) AS history,
    (SELECT sum(version) FROM boms) AS versions`);
  return Object.fromEntries(Object.entries(r!).map(([k, v]) => [k, Number(v)])) as unknown as Counts;
}

type Line = { code: string; quantity: string; unit?: string; position?: number; subs?: [string, string][] };

/** A BOM written through the store, released unless told otherwise. */
async function bom(
  itemCode: string,
  lines: Line[],
  opts: { release?: boolean; validFrom?: string; validTo?: string; baseQuantity?: string } = {},
) {
  return store.create(
    {
      item: { code: itemCode },
      release: opts.release ?? true,
      validFrom: opts.validFrom,
      validTo: opts.validTo,
      baseQuantity: opts.baseQuantity,
      lines: lines.map((l): BomLineInput => ({
        component: { code: l.code },
        quantity: l.quantity,
        unit: l.unit,
        position: l.position,
        substitutes: (l.subs ?? []).map(([code, ratio], i) => ({ component: { code }, priority: i + 1, ratio })),
      })),
    },
    alice,
  );
}

/** The lines of a BOM as stored, numbers as PostgreSQL prints them. */
async function storedLines(bomId: string) {
  return query(
    `SELECT l.position, i.code, l.quantity::text AS quantity, l.unit, l.quantity_base::text AS base,
       coalesce((SELECT array_agg(si.code ORDER BY s.priority) FROM bom_substitutes s JOIN items si ON si.id = s.component_id
         WHERE s.line_id = l.id), '{}') AS subs
     FROM bom_lines l JOIN items i ON i.id = l.component_id WHERE l.bom_id = $1 ORDER BY l.position`,
    [bomId],
  );
}

async function boms(itemId: string) {
  return query<{
    id: string;
    label: string;
    status: string;
    is_default: boolean;
    valid_from: string | null;
    valid_to: string | null;
    supersedes_id: string | null;
  }>(
    `SELECT id::text, version_label AS label, status::text, is_default, valid_from, valid_to, supersedes_id::text
     FROM boms WHERE item_id = $1 ORDER BY created_at, id`,
    [itemId],
  );
}

async function refused(fn: () => Promise<unknown>): Promise<ValidationError> {
  const e = await fn().then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ValidationError);
  return e as ValidationError;
}

describe('engineering change: replace', () => {
  let ids: Record<string, string>;
  let p1: string, p2: string, p3: string;

  beforeAll(async () => {
    ids = await createItems(hub, [
      { code: 'RESIN', baseUnit: 'kg' },
      { code: 'RESIN-2', baseUnit: 'kg' },
      { code: 'RESIN-3', baseUnit: 'kg' },
      { code: 'SCREW' },
      { code: 'BOLT' },
      ...['P1', 'P2', 'P3', 'P4', 'P5'].map((code) => ({ code, type: 'MANUFACTURED' })),
    ]);
    p1 = (
      await bom('P1', [
        { code: 'RESIN', quantity: '0.25', unit: 'kg' },
        { code: 'SCREW', quantity: '4' },
      ])
    ).id;
    // The component on two lines, one of them in grams.
    p2 = (
      await bom('P2', [
        { code: 'RESIN', quantity: '500', unit: 'g', position: 10 },
        { code: 'BOLT', quantity: '2', position: 20 },
        { code: 'RESIN', quantity: '0.1', unit: 'kg', position: 30 },
      ])
    ).id;
    // For a batch of ten, with the replacement already a substitute (dropped) next to another one (kept).
    p3 = (
      await bom(
        'P3',
        [
          {
            code: 'RESIN',
            quantity: '1.5',
            subs: [
              ['RESIN-2', '1'],
              ['RESIN-3', '1.1'],
            ],
          },
        ],
        { baseQuantity: '10', validFrom: '2026-01-01' },
      )
    ).id;
    // A draft and a BOM that ends before the change: both left alone.
    await bom('P4', [{ code: 'RESIN', quantity: '1' }], { release: false });
    await bom('P5', [{ code: 'RESIN', quantity: '1' }], { validTo: '2030-05-15' });
  });

  const input = {
    kind: 'replace' as const,
    component: { code: 'RESIN' },
    replacement: { code: 'resin-2' },
    ratio: '1.2',
    validFrom: VF,
    reason: 'RESIN is discontinued by the supplier',
  };

  it('previews the new lines of every affected BOM and writes nothing', async () => {
    const before = await counts();
    const preview = await changes.preview(input, alice);
    expect(await counts()).toEqual(before);
    expect(preview.effects.map((e) => e.bom.id)).toEqual([p1, p2, p3]);
    expect(preview.effects.every((e) => e.newBom === null)).toBe(true);
    const p2Lines = preview.effects[1]!.lines;
    expect(
      p2Lines.map((l) => [l.position, l.before!.componentId, l.after!.componentId, l.after!.quantity, l.after!.unit]),
    ).toEqual([
      [10, ids.RESIN, ids['RESIN-2'], '600', 'g'],
      [30, ids.RESIN, ids['RESIN-2'], '0.12', 'kg'],
    ]);
    expect(p2Lines[0]!.changes).toEqual([
      { field: 'component', from: ids.RESIN, to: ids['RESIN-2'] },
      { field: 'quantity', from: '500', to: '600' },
      { field: 'quantityInBaseUnit', from: '0.5', to: '0.6' },
    ]);
    expect(preview.effects[2]!.lines[0]!.after).toMatchObject({
      quantity: '1.8',
      substitutes: [{ componentId: ids['RESIN-3'], priority: 2, ratio: '1.1' }],
    });
  });

  it('applies: one new released version per BOM, old ones end the day before, the default moves', async () => {
    const before = await counts();
    const change = await changes.apply(input, alice);
    const after = await counts();
    expect(after.boms - before.boms).toBe(3);
    expect(after.changes - before.changes).toBe(1);

    for (const [code, old] of [
      ['P1', p1],
      ['P2', p2],
      ['P3', p3],
    ] as const) {
      const versions = await boms(ids[code]!);
      expect(versions).toHaveLength(2);
      const [v1, v2] = versions;
      expect(v1).toMatchObject({ id: old, status: 'released', is_default: false, valid_to: DAY_BEFORE });
      expect(v2).toMatchObject({
        label: '2',
        status: 'released',
        is_default: true,
        valid_from: VF,
        valid_to: null,
        supersedes_id: old,
      });
    }
    const newOf = async (code: string) => (await boms(ids[code]!))[1]!.id;
    expect(await storedLines(await newOf('P1'))).toEqual([
      { position: 10, code: 'RESIN-2', quantity: '0.300000', unit: 'kg', base: '0.3', subs: [] },
      { position: 20, code: 'SCREW', quantity: '4.000000', unit: 'pcs', base: '4', subs: [] },
    ]);
    expect(await storedLines(await newOf('P2'))).toEqual([
      { position: 10, code: 'RESIN-2', quantity: '600.000000', unit: 'g', base: '0.6', subs: [] },
      { position: 20, code: 'BOLT', quantity: '2.000000', unit: 'pcs', base: '2', subs: [] },
      { position: 30, code: 'RESIN-2', quantity: '0.120000', unit: 'kg', base: '0.12', subs: [] },
    ]);
    expect(await storedLines(await newOf('P3'))).toEqual([
      { position: 10, code: 'RESIN-2', quantity: '1.800000', unit: 'kg', base: '1.8', subs: ['RESIN-3'] },
    ]);
    // The old versions keep their lines.
    expect((await storedLines(p1)).map((l) => [l.code, l.quantity])).toEqual([
      ['RESIN', '0.250000'],
      ['SCREW', '4.000000'],
    ]);
    // The draft and the BOM that ended before are untouched.
    expect(await boms(ids.P4!)).toHaveLength(1);
    expect(await boms(ids.P5!)).toHaveLength(1);

    // Explosions: the day before still uses the old versions, the day itself the new ones.
    const tree = async (code: string, asOf: string) =>
      (await explode(db, { itemId: ids[code]!, quantity: '1', asOf })).map((n) => [n.itemId, n.total]);
    expect(await tree('P2', DAY_BEFORE)).toEqual([
      [ids.RESIN, '0.5'],
      [ids.BOLT, '2'],
      [ids.RESIN, '0.1'],
    ]);
    expect(await tree('P2', VF)).toEqual([
      [ids['RESIN-2'], '0.6'],
      [ids.BOLT, '2'],
      [ids['RESIN-2'], '0.12'],
    ]);
    expect(await tree('P3', DAY_BEFORE)).toEqual([[ids.RESIN, '0.15']]);
    expect(await tree('P3', VF)).toEqual([[ids['RESIN-2'], '0.18']]);

    // The log: who, why, which BOMs.
    const [logged] = await query(
      `SELECT kind, component_id::text AS component, replacement_id::text AS replacement, ratio::text AS ratio,
         valid_from, reason, created_by, affected FROM engineering_changes WHERE id = $1`,
      [change.id],
    );
    expect(logged).toMatchObject({
      kind: 'replace',
      component: ids.RESIN,
      replacement: ids['RESIN-2'],
      ratio: '1.200000',
      valid_from: VF,
      reason: 'RESIN is discontinued by the supplier',
      created_by: 'user:alice',
    });
    const affected = logged!.affected as { bomId: string; newBomId: string; lines: unknown[] }[];
    expect(affected.map((a) => [a.bomId, a.newBomId, a.lines.length])).toEqual([
      [p1, await newOf('P1'), 1],
      [p2, await newOf('P2'), 2],
      [p3, await newOf('P3'), 1],
    ]);
    const events = await query<{ entity_id: string; payload: { boms: unknown[]; by: string } }>(
      `SELECT entity_id::text, payload FROM outbox WHERE event_type = 'engineeringChange.applied'`,
    );
    expect(events).toEqual([
      {
        entity_id: change.id,
        payload: expect.objectContaining({ by: 'user:alice', boms: expect.any(Array) }) as unknown,
      },
    ]);
    expect(events[0]!.payload.boms).toHaveLength(3);
    const history = await query<{ operation: string; n: string }>(
      `SELECT operation, count(*) AS n FROM record_history WHERE entity = 'bom' AND reason LIKE $1
       GROUP BY operation ORDER BY operation`,
      [`%engineering change ${change.id}%`],
    );
    expect(history.map((h) => [h.operation, Number(h.n)])).toEqual([
      ['created', 3],
      ['superseded', 3],
    ]);

    // The returned view, get() and list() agree.
    expect(change.effects.map((e) => [e.bom.id, e.bom.validTo, e.newBom?.versionLabel, e.newBom?.isDefault])).toEqual([
      [p1, DAY_BEFORE, '2', true],
      [p2, DAY_BEFORE, '2', true],
      [p3, DAY_BEFORE, '2', true],
    ]);
    const got = await changes.get(change.id);
    expect(got).toMatchObject({ id: change.id, kind: 'replace', ratio: '1.2', reason: input.reason });
    expect(got!.effects.map((e) => [e.bom.id, e.newBom!.id, e.lines.length])).toEqual(
      affected.map((a) => [a.bomId, a.newBomId, a.lines.length]),
    );
    expect((await changes.list({ componentId: ids.RESIN })).nodes.map((c) => c.id)).toEqual([change.id]);
    expect((await changes.list({ componentId: ids['RESIN-2'] })).nodes.map((c) => c.id)).toEqual([change.id]);
    expect((await changes.list({ componentId: ids.SCREW })).nodes).toEqual([]);

    // The version diff of P2 sees the replacement as lines removed and added.
    const diff = await changes.diff(p2, await newOf('P2'));
    expect(diff.removed.map((l) => [l.componentId, l.position])).toEqual([
      [ids.RESIN, 10],
      [ids.RESIN, 30],
    ]);
    expect(diff.added.map((l) => [l.componentId, l.position])).toEqual([
      [ids['RESIN-2'], 10],
      [ids['RESIN-2'], 30],
    ]);
    expect(diff.changed).toEqual([]);
    expect(diff.headerChanges).toEqual([
      { field: 'validFrom', from: null, to: VF },
      { field: 'validTo', from: DAY_BEFORE, to: null },
    ]);
  });

  it('finds nothing left to change once the component is replaced everywhere', async () => {
    const e = await refused(() => changes.preview(input, alice));
    expect(e.issues).toEqual([
      { field: 'input.componentCode', reason: `item RESIN is used in no released BOM in use on or after ${VF}` },
    ]);
  });
});

describe('engineering change: quantity', () => {
  let ids: Record<string, string>;
  beforeAll(async () => {
    ids = await createItems(hub, [
      { code: 'GLUE', baseUnit: 'kg' },
      { code: 'Q1', type: 'MANUFACTURED' },
      { code: 'Q2', type: 'MANUFACTURED' },
    ]);
    await bom('Q1', [{ code: 'GLUE', quantity: '0.2', unit: 'kg' }]);
    await bom('Q2', [{ code: 'GLUE', quantity: '300', unit: 'g' }]);
  });

  it('sets a quantity in a given unit for the named parents only', async () => {
    const change = await changes.apply(
      {
        kind: 'quantity',
        componentCode: 'GLUE',
        quantity: '250',
        unit: 'g',
        onlyItemIds: [ids.Q1!],
        validFrom: VF,
        reason: 'more glue',
      },
      alice,
    );
    expect(change).toMatchObject({ kind: 'quantity', quantity: '250', unit: 'g', ratio: null });
    const q1 = await boms(ids.Q1!);
    expect(q1.map((b) => [b.label, b.valid_from, b.valid_to])).toEqual([
      ['1', null, DAY_BEFORE],
      ['2', VF, null],
    ]);
    expect(await storedLines(q1[1]!.id)).toEqual([
      { position: 10, code: 'GLUE', quantity: '250.000000', unit: 'g', base: '0.25', subs: [] },
    ]);
    expect(await boms(ids.Q2!)).toHaveLength(1);
  });

  it('scales by a ratio; a version starting on the same day is replaced whole (obsolete)', async () => {
    const change = await changes.apply(
      { kind: 'quantity', componentCode: 'GLUE', ratio: '0.5', validFrom: VF, reason: 'halve the glue' },
      alice,
    );
    expect(change.effects).toHaveLength(2);
    const q1 = await boms(ids.Q1!);
    expect(q1.map((b) => [b.label, b.status, b.is_default, b.valid_from, b.valid_to])).toEqual([
      ['1', 'released', false, null, DAY_BEFORE],
      ['2', 'obsolete', false, VF, null],
      ['3', 'released', true, VF, null],
    ]);
    expect((await storedLines(q1[2]!.id))[0]).toMatchObject({ quantity: '125.000000', unit: 'g', base: '0.125' });
    const q2 = await boms(ids.Q2!);
    expect((await storedLines(q2[1]!.id))[0]).toMatchObject({ quantity: '150.000000', unit: 'g', base: '0.15' });
    expect((await explode(db, { itemId: ids.Q1!, quantity: '1', asOf: VF }))[0]!.total).toBe('0.125');
  });

  it('refuses a unit that does not convert, a change that changes nothing and bad input, writing nothing', async () => {
    const before = await counts();
    const unit = await refused(() =>
      changes.apply(
        { kind: 'quantity', componentCode: 'GLUE', quantity: '2', unit: 'm', validFrom: VF, reason: 'x' },
        alice,
      ),
    );
    expect(unit.issues).toEqual([{ field: 'input.unit', reason: 'no conversion from m to kg for an item in kg' }]);
    const same = await refused(() =>
      changes.apply(
        {
          kind: 'quantity',
          componentCode: 'GLUE',
          quantity: '125',
          unit: 'g',
          onlyItemIds: [ids.Q1!],
          validFrom: VF,
          reason: 'x',
        },
        alice,
      ),
    );
    expect(same.issues).toEqual([
      {
        field: 'input.quantity',
        reason: `every BOM of the given items using GLUE from ${VF} has that quantity already`,
      },
    ]);
    const bad = await refused(() =>
      changes.apply(
        {
          kind: 'quantity',
          component: { code: 'GLUE' },
          replacement: { code: 'Q1' },
          quantity: '2',
          ratio: '3',
          onlyItemIds: ['not-an-id'],
          validFrom: '2030-02-30',
          reason: '  ',
        },
        alice,
      ),
    );
    expect(bad.issues.map((i) => i.field)).toEqual([
      'input.replacementCode',
      'input.quantity',
      'input.validFrom',
      'input.onlyItemIds.0',
      'input.reason',
    ]);
    expect(await counts()).toEqual(before);
  });
});

describe('engineering change: checks', () => {
  let ids: Record<string, string>;
  beforeAll(async () => {
    ids = await createItems(hub, [
      { code: 'PART' },
      { code: 'FOIL', baseUnit: 'kg' },
      { code: 'SHEET' },
      { code: 'CYC-A', type: 'MANUFACTURED' },
      { code: 'CYC-B', type: 'MANUFACTURED' },
      { code: 'R1', type: 'MANUFACTURED' },
      { code: 'R2', type: 'MANUFACTURED' },
    ]);
    await bom('CYC-A', [{ code: 'PART', quantity: '1' }]);
    await bom('CYC-B', [{ code: 'CYC-A', quantity: '2' }]);
    await bom('R1', [{ code: 'FOIL', quantity: '0.333333', unit: 'kg' }]);
    await bom('R2', [{ code: 'FOIL', quantity: '0.5', unit: 'kg' }]);
  });

  it('refuses a replacement that would make a cycle, with its path, and writes nothing', async () => {
    const before = await counts();
    const e = await refused(() =>
      changes.apply(
        { kind: 'replace', componentCode: 'PART', replacementCode: 'CYC-B', validFrom: VF, reason: 'x' },
        alice,
      ),
    );
    expect(e.issues).toEqual([{ field: 'input.replacementCode', reason: 'would make a cycle: CYC-A → CYC-B → CYC-A' }]);
    expect(await counts()).toEqual(before);
    const preview = await refused(() =>
      changes.preview({ kind: 'replace', componentId: ids.PART, replacementId: ids['CYC-B'], reason: 'x' }, alice),
    );
    expect(preview.issues[0]!.field).toBe('input.replacementId');
  });

  it('refuses a quantity with more than 6 decimals, naming the BOM, rather than rounding it', async () => {
    const before = await counts();
    const e = await refused(() =>
      changes.apply({ kind: 'quantity', componentCode: 'FOIL', ratio: '0.5', validFrom: VF, reason: 'x' }, alice),
    );
    expect(e.issues).toEqual([
      {
        field: 'input.ratio',
        reason:
          'BOM R1/1 line 10: 0.333333 × 0.5 = 0.1666665 has more than 6 decimals (a line quantity keeps 6; nothing is rounded)',
      },
    ]);
    expect(await counts()).toEqual(before);
  });

  it('takes the replacement in its base unit only with an explicit ratio when the line unit does not convert', async () => {
    const before = await counts();
    const e = await refused(() =>
      changes.preview(
        { kind: 'replace', componentCode: 'FOIL', replacementCode: 'SHEET', onlyItemIds: [ids.R2!], reason: 'x' },
        alice,
      ),
    );
    expect(e.issues).toEqual([
      {
        field: 'input.ratio',
        reason:
          'BOM R2/1 line 10: kg does not convert to pcs, the base unit of SHEET; give the ratio in pcs of SHEET per kg of FOIL',
      },
    ]);
    const change = await changes.apply(
      {
        kind: 'replace',
        componentCode: 'FOIL',
        replacementCode: 'SHEET',
        ratio: '4',
        onlyItemIds: [ids.R2!],
        validFrom: VF,
        reason: 'sheets instead of foil',
      },
      alice,
    );
    expect(await storedLines(change.effects[0]!.newBom!.id)).toEqual([
      { position: 10, code: 'SHEET', quantity: '2.000000', unit: 'pcs', base: '2', subs: [] },
    ]);
    expect((await counts()).boms).toBe(before.boms + 1);
  });

  it('refuses a component used nowhere, a replacement equal to the component and unknown items', async () => {
    const nowhere = await refused(() =>
      changes.preview(
        { kind: 'quantity', componentCode: 'CYC-B', ratio: '2', validFrom: '2020-01-01', reason: 'x' },
        alice,
      ),
    );
    expect(nowhere.issues[0]).toEqual({
      field: 'input.componentCode',
      reason: 'item CYC-B is used in no released BOM in use on or after 2020-01-01',
    });
    const self = await refused(() =>
      changes.preview({ kind: 'replace', componentCode: 'PART', replacementCode: 'PART', reason: 'x' }, alice),
    );
    expect(self.issues).toEqual([{ field: 'input.replacementCode', reason: 'item PART is the component itself' }]);
    const unknown = await refused(() =>
      changes.preview({ kind: 'replace', componentCode: 'NOPE', replacementCode: 'PART', reason: 'x' }, alice),
    );
    expect(unknown.issues).toEqual([{ field: 'input.componentCode', reason: 'no item NOPE' }]);
  });
});

describe('engineering change: scale and concurrency', () => {
  /** Parents P-<tag>-1..n, each with one released default BOM using C-<tag> (and a second line). */
  async function world(tag: string, n: number): Promise<Record<string, string>> {
    const parents = Array.from({ length: n }, (_, i) => `S-${tag}-${i + 1}`);
    const ids = await createItems(hub, [
      { code: `C-${tag}` },
      { code: `R-${tag}` },
      { code: `X-${tag}` },
      ...parents.map((code) => ({ code, type: 'MANUFACTURED' })),
    ]);
    for (const p of parents) {
      await bom(p, [
        { code: `C-${tag}`, quantity: '3' },
        { code: `X-${tag}`, quantity: '1' },
      ]);
    }
    return ids;
  }

  async function statements(tag: string): Promise<{ count: number; boms: number }> {
    const counter = { count: 0 };
    const change = await statementCounter.run(counter, () =>
      changes.apply(
        { kind: 'replace', componentCode: `C-${tag}`, replacementCode: `R-${tag}`, ratio: '2', reason: 'scale' },
        alice,
      ),
    );
    return { count: counter.count, boms: change.effects.length };
  }

  it('runs the same number of statements for 3 BOMs as for 30', async () => {
    await world('FEW', 3);
    await world('MANY', 30);
    const few = await statements('FEW');
    const many = await statements('MANY');
    expect(few.boms).toBe(3);
    expect(many.boms).toBe(30);
    expect(many.count).toBe(few.count);
    // And a fixed, small number: BEGIN, reads and locks, the store's batch write, the log, COMMIT.
    expect(few.count).toBeLessThanOrEqual(30);
  });

  it('lets two concurrent changes of one BOM both take effect, one after the other', async () => {
    const ids = await world('CONC', 2);
    const [a, b] = await Promise.all([
      changes.apply({ kind: 'quantity', componentCode: 'C-CONC', ratio: '2', validFrom: VF, reason: 'a' }, alice),
      changes.apply({ kind: 'quantity', componentCode: 'X-CONC', ratio: '3', validFrom: VF, reason: 'b' }, alice),
    ]);
    expect(a.effects).toHaveLength(2);
    expect(b.effects).toHaveLength(2);
    for (const parent of ['S-CONC-1', 'S-CONC-2']) {
      const versions = await boms(ids[parent]!);
      expect(versions.map((v) => [v.label, v.status, v.is_default])).toEqual([
        ['1', 'released', false],
        ['2', 'obsolete', false],
        ['3', 'released', true],
      ]);
      // The second change was made from the first one's version, so the newest has both.
      expect(versions[2]!.supersedes_id).toBe(versions[1]!.id);
      expect((await storedLines(versions[2]!.id)).map((l) => [l.code, l.quantity])).toEqual([
        ['C-CONC', '6.000000'],
        ['X-CONC', '3.000000'],
      ]);
    }
  });
});

describe('engineering change over GraphQL', () => {
  it('previews, applies, lists and diffs', async () => {
    await createItems(hub, [{ code: 'G-OLD' }, { code: 'G-NEW' }, { code: 'G-TOP', type: 'MANUFACTURED' }]);
    const old = await bom('G-TOP', [{ code: 'G-OLD', quantity: '4' }]);
    const input = { kind: 'REPLACE', componentCode: 'G-OLD', replacementCode: 'G-NEW', ratio: '0.5', reason: 'gql' };
    const preview = await hub.gql(
      `query($i: EngineeringChangeInput!) { engineeringChangePreview(input: $i) { bomCount
        effects { bom { id } item { code } newBom { id } lines { component { code } position
          before { quantity component { code } } after { quantity component { code } } changes { field from to } } } } }`,
      { i: input },
    );
    expect(preview.errors).toBeUndefined();
    expect(preview.data!.engineeringChangePreview).toEqual({
      bomCount: 1,
      effects: [
        {
          bom: { id: old.id },
          item: { code: 'G-TOP' },
          newBom: null,
          lines: [
            {
              component: { code: 'G-NEW' },
              position: 10,
              before: { quantity: '4', component: { code: 'G-OLD' } },
              after: { quantity: '2', component: { code: 'G-NEW' } },
              changes: [
                { field: 'component', from: expect.any(String), to: expect.any(String) },
                { field: 'quantity', from: '4', to: '2' },
                { field: 'quantityInBaseUnit', from: '4', to: '2' },
              ],
            },
          ],
        },
      ],
    });
    const applied = await hub.gql(
      `mutation($i: EngineeringChangeInput!) { applyEngineeringChange(input: $i) { id kind ratio reason createdBy
        bomCount component { code } replacement { code } effects { newBom { versionLabel status isDefault } } } }`,
      { i: input },
      { 'x-mdhub-actor': 'bob' },
    );
    expect(applied.errors).toBeUndefined();
    const change = applied.data!.applyEngineeringChange;
    expect(change).toMatchObject({
      kind: 'REPLACE',
      ratio: '0.5',
      reason: 'gql',
      createdBy: 'user:bob',
      bomCount: 1,
      component: { code: 'G-OLD' },
      replacement: { code: 'G-NEW' },
      effects: [{ newBom: { versionLabel: '2', status: 'RELEASED', isDefault: true } }],
    });
    const list = await hub.gql(`{ engineeringChanges(first: 1) { nodes { id } pageInfo { hasNextPage endCursor } } }`);
    expect(list.errors).toBeUndefined();
    expect(list.data!.engineeringChanges.nodes).toEqual([{ id: change.id }]);
    expect(list.data!.engineeringChanges.pageInfo.hasNextPage).toBe(true);
    const next = await hub.gql(`query($a: String) { engineeringChanges(first: 500, after: $a) { nodes { id } } }`, {
      a: list.data!.engineeringChanges.pageInfo.endCursor,
    });
    expect(next.data!.engineeringChanges.nodes.map((n: { id: string }) => n.id)).not.toContain(change.id);
    expect(next.data!.engineeringChanges.nodes.length).toBeGreaterThan(3);
    const newId = (await query<{ id: string }>(`SELECT id::text FROM boms WHERE supersedes_id = $1`, [old.id]))[0]!.id;
    const diff = await hub.gql(
      `query($f: ID!, $t: ID!) { bomDiff(fromId: $f, toId: $t) { from { id } to { id }
        added { component { code } position } removed { component { code } } changed { position } headerChanges { field } } }`,
      { f: old.id, t: newId },
    );
    expect(diff.errors).toBeUndefined();
    expect(diff.data!.bomDiff).toMatchObject({
      from: { id: old.id },
      to: { id: newId },
      added: [{ component: { code: 'G-NEW' }, position: 10 }],
      removed: [{ component: { code: 'G-OLD' } }],
      changed: [],
    });
  });
});
