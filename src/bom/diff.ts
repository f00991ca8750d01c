/**
 * The difference between two BOM versions, as a pure function over rows already read: header fields, and lines
 * matched by component. Numbers compare by value ('0.30' equals '0.3'), so a diff never reports a change of scale.
 */
import { Dec } from '../decimal';
import type { BomLineRow, BomRow, BomSubstituteRow } from './store';
import type { DiffView, FieldChange, LineDiffView } from './views';

/** The header fields a diff compares; the rest (status, default flag, label) is lifecycle, not content. */
const HEADER_FIELDS = ['baseQuantity', 'validFrom', 'validTo', 'description'] as const;
const NUMERIC_HEADER = new Set<string>(['baseQuantity']);

type LineField =
  | 'position'
  | 'quantity'
  | 'unit'
  | 'quantityInBaseUnit'
  | 'scrapPercent'
  | 'validFrom'
  | 'validTo'
  | 'phantom'
  | 'note'
  | 'substitutes';

/**
 * The line fields a diff compares, under the names the API gives them (`quantityInBaseUnit` is the row's
 * `quantityBase`), with how to read each from a row and whether it compares as a number.
 */
const LINE_FIELDS: readonly { field: LineField; read: (l: BomLineRow) => unknown; numeric?: boolean }[] = [
  { field: 'position', read: (l) => l.position },
  { field: 'quantity', read: (l) => l.quantity, numeric: true },
  { field: 'unit', read: (l) => l.unit },
  { field: 'quantityInBaseUnit', read: (l) => l.quantityBase, numeric: true },
  { field: 'scrapPercent', read: (l) => l.scrapPercent, numeric: true },
  { field: 'validFrom', read: (l) => l.validFrom },
  { field: 'validTo', read: (l) => l.validTo },
  { field: 'phantom', read: (l) => l.phantom },
  { field: 'note', read: (l) => l.note },
  { field: 'substitutes', read: (l) => substitutesOf(l) },
];

/** A line's substitute group in a comparable form: by priority, ratios canonical. */
function substitutesOf(line: BomLineRow): BomSubstituteRow[] {
  return [...line.substitutes]
    .sort((a, b) => a.priority - b.priority)
    .map((s) => ({ componentId: s.componentId, priority: s.priority, ratio: canonical(s.ratio) }));
}

const canonical = (v: string): string => new Dec(v).toFixed();

function sameValue(a: unknown, b: unknown, numeric: boolean): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (numeric) return new Dec(a as string).eq(b as string);
  if (typeof a === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

/** The fields in which two versions of a line differ (the component aside), in the order of LINE_FIELDS. */
export function lineChanges(before: BomLineRow, after: BomLineRow): FieldChange[] {
  const out: FieldChange[] = [];
  for (const { field, read, numeric } of LINE_FIELDS) {
    const from = read(before) ?? null;
    const to = read(after) ?? null;
    if (!sameValue(from, to, numeric ?? false)) out.push({ field, from, to });
  }
  return out;
}

/** The header fields in which two BOM versions differ. */
export function headerChanges(from: BomRow, to: BomRow): FieldChange[] {
  const out: FieldChange[] = [];
  for (const field of HEADER_FIELDS) {
    const a = from[field] ?? null;
    const b = to[field] ?? null;
    if (!sameValue(a, b, NUMERIC_HEADER.has(field))) out.push({ field, from: a, to: b });
  }
  return out;
}

const byPosition = (a: BomLineRow, b: BomLineRow) => a.position - b.position;

/**
 * Pairs the lines of two versions by component. A component on one line each side is one pair. A component on
 * several lines pairs first the lines at the same position, then the rest in position order; what is left over is
 * removed (from side) or added (to side).
 */
export function matchLines(
  fromLines: readonly BomLineRow[],
  toLines: readonly BomLineRow[],
): { pairs: [BomLineRow, BomLineRow][]; removed: BomLineRow[]; added: BomLineRow[] } {
  const group = (lines: readonly BomLineRow[]) => {
    const m = new Map<string, BomLineRow[]>();
    for (const l of [...lines].sort(byPosition)) {
      const list = m.get(l.componentId) ?? [];
      list.push(l);
      m.set(l.componentId, list);
    }
    return m;
  };
  const before = group(fromLines);
  const after = group(toLines);
  const pairs: [BomLineRow, BomLineRow][] = [];
  const removed: BomLineRow[] = [];
  const added: BomLineRow[] = [];
  for (const [componentId, olds] of before) {
    const news = after.get(componentId) ?? [];
    const restOld: BomLineRow[] = [];
    const taken = new Set<BomLineRow>();
    for (const o of olds) {
      const same = news.find((n) => n.position === o.position && !taken.has(n));
      if (same) {
        taken.add(same);
        pairs.push([o, same]);
      } else restOld.push(o);
    }
    const restNew = news.filter((n) => !taken.has(n));
    const n = Math.min(restOld.length, restNew.length);
    for (let i = 0; i < n; i++) pairs.push([restOld[i]!, restNew[i]!]);
    removed.push(...restOld.slice(n));
    added.push(...restNew.slice(n));
  }
  for (const [componentId, news] of after) if (!before.has(componentId)) added.push(...news);
  return { pairs, removed: removed.sort(byPosition), added: added.sort(byPosition) };
}

/**
 * Lines added, removed and changed from one version (`from`) to another (`to`), and the header fields that differ.
 * A changed line is a matched pair (see matchLines) that differs in any compared field, its position included.
 * Each list is in position order (the `to` side's position for added and changed lines, the `from` side's for
 * removed ones); lines that match and do not differ are left out.
 */
export function diffBoms(
  from: BomRow,
  fromLines: readonly BomLineRow[],
  to: BomRow,
  toLines: readonly BomLineRow[],
): DiffView {
  const { pairs, removed, added } = matchLines(fromLines, toLines);
  const changed: LineDiffView[] = [];
  for (const [b, a] of pairs) {
    const changes = lineChanges(b, a);
    if (changes.length) {
      changed.push({ componentId: a.componentId, position: a.position, before: b, after: a, changes });
    }
  }
  changed.sort((x, y) => x.position - y.position);
  return {
    from,
    to,
    added: added.map((a) => ({
      componentId: a.componentId,
      position: a.position,
      before: null,
      after: a,
      changes: [],
    })),
    removed: removed.map((r) => ({
      componentId: r.componentId,
      position: r.position,
      before: r,
      after: null,
      changes: [],
    })),
    changed,
    headerChanges: headerChanges(from, to),
  };
}
