/**
 * Cleaning and checking BOM input before anything is read or written: everything that can be judged from the
 * input alone (numbers, dates, positions, references given once). What needs the database (items exist, a unit
 * converts, no cycle) is checked by the store, with the same field paths.
 */
import { parseDecimal } from '../decimal';
import { normaliseUnitCode } from '../master/fields';
import { FieldError, normaliseName, normaliseOptionalText } from '../master/normalise';
import { IssueList, parseDate } from '../validation';

export { IssueList, parseDate };

/** A reference to an item by id or by code: exactly one. */
export interface ItemRefInput {
  id?: string | null;
  code?: string | null;
}

export interface BomSubstituteInput {
  component: ItemRefInput;
  priority: number;
  ratio: unknown;
}

export interface BomLineInput {
  position?: number | null;
  component: ItemRefInput;
  quantity: unknown;
  /** Default: the component's base unit. */
  unit?: string | null;
  scrapPercent?: unknown;
  validFrom?: string | null;
  validTo?: string | null;
  phantom?: boolean | null;
  note?: string | null;
  substitutes?: BomSubstituteInput[] | null;
}

export interface BomHeaderInput {
  versionLabel?: string | null;
  baseQuantity?: unknown;
  validFrom?: string | null;
  validTo?: string | null;
  description?: string | null;
}

export interface BomInput extends BomHeaderInput {
  item: ItemRefInput;
  lines: BomLineInput[];
  isDefault?: boolean | null;
  /** Create it released at once (it is checked the same way). */
  release?: boolean | null;
}

export interface CleanSubstitute {
  component: ItemRefInput;
  /** For a synced line: the substitute's id in its system. */
  sourceRef?: string | null;
  priority: number;
  ratio: string;
  field: string;
}

export interface CleanLine {
  position: number;
  component: ItemRefInput;
  quantity: string;
  unit: string | null;
  scrapPercent: string;
  validFrom: string | null;
  validTo: string | null;
  phantom: boolean;
  note: string | null;
  substitutes: CleanSubstitute[];
  /** The input path of the line, for errors found later ('input.lines.3'). */
  field: string;
  /** For a synced line: the component's id in its system. */
  sourceRef?: string | null;
}

export interface CleanHeader {
  versionLabel: string | null;
  baseQuantity: string | null;
  validFrom: string | null;
  validTo: string | null;
  description: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MAX_LINES = 5000;

export function checkItemRef(ref: ItemRefInput | null | undefined, field: string, issues: IssueList): ItemRefInput {
  const id = ref?.id ?? null;
  const code = ref?.code ?? null;
  if ((id === null) === (code === null)) {
    issues.add(field, 'give exactly one of id or code');
    return {};
  }
  if (id !== null && !UUID.test(id)) {
    issues.add(`${field}.id`, `'${id}' is not an id`);
    return {};
  }
  return id !== null ? { id } : { code: code!.trim().toUpperCase() };
}

function dateRange(from: unknown, to: unknown, field: string, issues: IssueList) {
  const validFrom = issues.attempt(() => parseDate(from, `${field}validFrom`)) ?? null;
  const validTo = issues.attempt(() => parseDate(to, `${field}validTo`)) ?? null;
  if (validFrom && validTo && validFrom > validTo) {
    issues.add(`${field}validTo`, `must not be before validFrom (${validFrom})`);
  }
  return { validFrom, validTo };
}

export function cleanHeader(input: BomHeaderInput, prefix: string, issues: IssueList): CleanHeader {
  const versionLabel =
    input.versionLabel == null
      ? null
      : (issues.attempt(() => normaliseName(input.versionLabel!, `${prefix}versionLabel`, 40)) ?? null);
  const baseQuantity =
    input.baseQuantity == null
      ? null
      : (issues.attempt(() =>
          parseDecimal(input.baseQuantity, `${prefix}baseQuantity`, {
            sign: 'positive',
            maxScale: 6,
            maxIntegerDigits: 12,
          }),
        ) ?? null);
  const description = issues.attempt(() => normaliseOptionalText(input.description, `${prefix}description`, 2000));
  return {
    versionLabel,
    baseQuantity,
    description: description ?? null,
    ...dateRange(input.validFrom, input.validTo, prefix, issues),
  };
}

/** Cleans the lines; positions left out are numbered 10, 20, ... after the highest given one. */
export function cleanLines(
  lines: BomLineInput[] | null | undefined,
  prefix: string,
  issues: IssueList,
  /** 'sourceRef': components are named by their id in a source system (`componentRef`), resolved later. */
  refs: 'item' | 'sourceRef' = 'item',
): CleanLine[] {
  const component = (
    raw: unknown,
    ref: ItemRefInput | undefined,
    field: string,
  ): { ref: ItemRefInput; sourceRef: string | null } => {
    if (refs === 'item') return { ref: checkItemRef(ref, field, issues), sourceRef: null };
    if ((typeof raw !== 'string' && typeof raw !== 'number') || String(raw).trim() === '') {
      issues.add(`${field}Ref`, "must be the component's id in the source system");
      return { ref: {}, sourceRef: null };
    }
    return { ref: {}, sourceRef: String(raw).trim() };
  };
  if (!Array.isArray(lines) || lines.length === 0) {
    issues.add(`${prefix}lines`, 'a BOM needs at least one line');
    return [];
  }
  if (lines.length > MAX_LINES) {
    issues.add(`${prefix}lines`, `at most ${MAX_LINES} lines`);
    return [];
  }
  let next = Math.max(0, ...lines.map((l) => (Number.isInteger(l.position) ? l.position! : 0)));
  const seen = new Map<number, number>();
  return lines.map((l, i) => {
    const field = `${prefix}lines.${i}`;
    let position = l.position ?? null;
    if (position === null) {
      next = (Math.floor(next / 10) + 1) * 10;
      position = next;
    } else if (!Number.isInteger(position) || position < 1 || position > 1_000_000) {
      issues.add(`${field}.position`, 'must be a whole number from 1 to 1000000');
    }
    const dup = seen.get(position);
    if (dup !== undefined) issues.add(`${field}.position`, `position ${position} is used by line ${dup} too`);
    seen.set(position, i);
    const quantity =
      issues.attempt(() =>
        parseDecimal(l.quantity, `${field}.quantity`, { sign: 'positive', maxScale: 6, maxIntegerDigits: 12 }),
      ) ?? '0';
    const scrapPercent =
      l.scrapPercent == null
        ? '0'
        : (issues.attempt(() => {
            const s = parseDecimal(l.scrapPercent, `${field}.scrapPercent`, { sign: 'nonNegative', maxScale: 4 });
            if (Number(s) >= 100) throw new FieldError(`${field}.scrapPercent`, 'must be below 100');
            return s;
          }) ?? '0');
    const unit = l.unit == null ? null : (issues.attempt(() => normaliseUnitCode(l.unit!, `${field}.unit`)) ?? null);
    const note = issues.attempt(() => normaliseOptionalText(l.note, `${field}.note`, 2000)) ?? null;
    const subs = l.substitutes ?? [];
    const subSeen = new Set<number>();
    const substitutes = subs.map((s, j): CleanSubstitute => {
      const sf = `${field}.substitutes.${j}`;
      if (!Number.isInteger(s.priority) || s.priority < 1 || s.priority > 1000) {
        issues.add(`${sf}.priority`, 'must be a whole number from 1 to 1000');
      } else if (subSeen.has(s.priority)) {
        issues.add(`${sf}.priority`, `priority ${s.priority} is given twice in this group`);
      }
      subSeen.add(s.priority);
      const c = component((s as { componentRef?: unknown }).componentRef, s.component, `${sf}.component`);
      return {
        component: c.ref,
        sourceRef: c.sourceRef,
        priority: s.priority,
        ratio:
          issues.attempt(() =>
            parseDecimal(s.ratio, `${sf}.ratio`, { sign: 'positive', maxScale: 6, maxIntegerDigits: 12 }),
          ) ?? '1',
        field: sf,
      };
    });
    const c = component((l as { componentRef?: unknown }).componentRef, l.component, `${field}.component`);
    return {
      position,
      component: c.ref,
      sourceRef: c.sourceRef,
      quantity,
      unit,
      scrapPercent,
      phantom: l.phantom ?? false,
      note,
      substitutes,
      field,
      ...dateRange(l.validFrom, l.validTo, `${field}.`, issues),
    };
  });
}

/** The label after `label`: the trailing number counted up ('3' -> '4', 'v1.9' -> 'v1.10'), else a letter ('B' -> 'C'). */
export function nextVersionLabel(label: string, taken: ReadonlySet<string>): string {
  let candidate = label;
  for (let i = 0; i < 10_000; i++) {
    const num = /^(.*?)(\d+)$/.exec(candidate);
    if (num) candidate = `${num[1]}${Number(num[2]) + 1}`;
    else if (/^[A-Y]$/.test(candidate)) candidate = String.fromCharCode(candidate.charCodeAt(0) + 1);
    else candidate = `${candidate}-2`;
    if (!taken.has(candidate)) return candidate;
  }
  throw new Error(`no free version label after ${label}`);
}
