import { diffBoms, matchLines } from '../../src/bom/diff';
import type { BomLineRow, BomRow } from '../../src/bom/store';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';
const D = '00000000-0000-4000-8000-00000000000d';
const S = '00000000-0000-4000-8000-0000000000e1';

function bom(id: string, fields: Partial<BomRow> = {}): BomRow {
  const at = new Date('2026-01-01T00:00:00Z');
  return {
    id,
    itemId: '00000000-0000-4000-8000-0000000000f0',
    versionLabel: '1',
    status: 'released',
    isDefault: true,
    baseQuantity: '1',
    validFrom: null,
    validTo: null,
    description: null,
    supersedesId: null,
    version: 1,
    createdAt: at,
    updatedAt: at,
    createdBy: 'user:test',
    updatedBy: 'user:test',
    releasedAt: null,
    releasedBy: null,
    sourceSystem: null,
    sourceItemRef: null,
    ...fields,
  };
}

let n = 0;
function line(componentId: string, position: number, fields: Partial<BomLineRow> = {}): BomLineRow {
  n++;
  return {
    id: `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    bomId: 'x',
    position,
    componentId,
    quantity: '1',
    unit: 'pcs',
    quantityBase: '1',
    scrapPercent: '0',
    validFrom: null,
    validTo: null,
    phantom: false,
    note: null,
    sourceSystem: null,
    sourceComponentRef: null,
    substitutes: [],
    ...fields,
  };
}

describe('diffBoms', () => {
  it('reports added, removed and changed lines, a component on two lines matched by position first', () => {
    const fromLines = [
      line(A, 10, { quantity: '2', quantityBase: '2' }),
      line(B, 20, { quantity: '0.25', unit: 'kg', quantityBase: '0.25' }),
      line(B, 30, { quantity: '0.5', unit: 'kg', quantityBase: '0.5' }),
      line(C, 40),
    ];
    const toLines = [
      // A unchanged but written with another scale: not a change.
      line(A, 10, { quantity: '2.000', quantityBase: '2.0' }),
      // B at 30 stays, B at 20 is changed, B at 35 is new.
      line(B, 20, { quantity: '0.3', unit: 'kg', quantityBase: '0.3', note: 'neues Harz' }),
      line(B, 30, { quantity: '0.5', unit: 'kg', quantityBase: '0.5' }),
      line(B, 35, { quantity: '1', unit: 'kg', quantityBase: '1' }),
      line(D, 50),
    ];
    const d = diffBoms(bom('f'), fromLines, bom('t'), toLines);
    expect(d.added.map((l) => [l.componentId, l.position, l.before, l.after?.id])).toEqual([
      [B, 35, null, toLines[3]!.id],
      [D, 50, null, toLines[4]!.id],
    ]);
    expect(d.removed.map((l) => [l.componentId, l.position, l.before?.id, l.after])).toEqual([
      [C, 40, fromLines[3]!.id, null],
    ]);
    expect(d.changed).toHaveLength(1);
    expect(d.changed[0]).toMatchObject({ componentId: B, position: 20, before: fromLines[1], after: toLines[1] });
    expect(d.changed[0]!.changes).toEqual([
      { field: 'quantity', from: '0.25', to: '0.3' },
      { field: 'quantityInBaseUnit', from: '0.25', to: '0.3' },
      { field: 'note', from: null, to: 'neues Harz' },
    ]);
    expect(d.headerChanges).toEqual([]);
  });

  it('pairs the remaining lines of a component in position order when positions moved', () => {
    const fromLines = [line(B, 20, { quantity: '1' }), line(B, 30, { quantity: '2' }), line(B, 40, { quantity: '3' })];
    const toLines = [line(B, 30, { quantity: '2' }), line(B, 50, { quantity: '1' }), line(B, 60, { quantity: '3' })];
    const { pairs, added, removed } = matchLines(fromLines, toLines);
    // 30 with 30 first; then 20 with 50 and 40 with 60.
    expect(pairs.map(([b, a]) => [b.position, a.position])).toEqual([
      [30, 30],
      [20, 50],
      [40, 60],
    ]);
    expect(added).toEqual([]);
    expect(removed).toEqual([]);
    const d = diffBoms(bom('f'), fromLines, bom('t'), toLines);
    expect(d.changed.map((c) => [c.position, c.changes])).toEqual([
      [50, [{ field: 'position', from: 20, to: 50 }]],
      [60, [{ field: 'position', from: 40, to: 60 }]],
    ]);
  });

  it('leaves a surplus line of a component as removed, the later one in position order', () => {
    const fromLines = [line(B, 20), line(B, 30)];
    const toLines = [line(B, 25)];
    const d = diffBoms(bom('f'), fromLines, bom('t'), toLines);
    expect(d.changed.map((c) => [c.before!.position, c.after!.position])).toEqual([[20, 25]]);
    expect(d.removed.map((r) => r.position)).toEqual([30]);
    expect(d.added).toEqual([]);
  });

  it('compares every line field, substitutes as a group by priority', () => {
    const before = line(A, 10, {
      scrapPercent: '2.5',
      substitutes: [{ componentId: S, priority: 1, ratio: '1.5' }],
    });
    const same = line(A, 10, {
      scrapPercent: '2.50',
      substitutes: [{ componentId: S, priority: 1, ratio: '1.500000' }],
    });
    expect(diffBoms(bom('f'), [before], bom('t'), [same]).changed).toEqual([]);
    const after = line(A, 10, {
      unit: 'dozen',
      quantity: '1',
      quantityBase: '12',
      scrapPercent: '5',
      validFrom: '2026-03-01',
      validTo: '2026-12-31',
      phantom: true,
      substitutes: [{ componentId: S, priority: 1, ratio: '2' }],
    });
    const [c] = diffBoms(bom('f'), [before], bom('t'), [after]).changed;
    expect(c!.changes.map((x) => x.field)).toEqual([
      'unit',
      'quantityInBaseUnit',
      'scrapPercent',
      'validFrom',
      'validTo',
      'phantom',
      'substitutes',
    ]);
    expect(c!.changes.find((x) => x.field === 'substitutes')).toEqual({
      field: 'substitutes',
      from: [{ componentId: S, priority: 1, ratio: '1.5' }],
      to: [{ componentId: S, priority: 1, ratio: '2' }],
    });
  });

  it('reports header changes: base quantity by value, validity and description', () => {
    const from = bom('f', { baseQuantity: '10', validFrom: '2026-01-01', description: 'alt' });
    const to = bom('t', {
      baseQuantity: '10.000',
      validFrom: '2026-02-01',
      validTo: '2026-12-31',
      description: null,
      versionLabel: '2',
      isDefault: false,
    });
    const d = diffBoms(from, [], to, []);
    expect(d.headerChanges).toEqual([
      { field: 'validFrom', from: '2026-01-01', to: '2026-02-01' },
      { field: 'validTo', from: null, to: '2026-12-31' },
      { field: 'description', from: 'alt', to: null },
    ]);
    expect(diffBoms(from, [], bom('t', { ...from, baseQuantity: '12' }), []).headerChanges).toEqual([
      { field: 'baseQuantity', from: '10', to: '12' },
    ]);
    expect(d.from).toBe(from);
    expect(d.to).toBe(to);
  });
});
