import { parseDecimal, type DecimalRule } from '../decimal';
import { ValidationError, type FieldIssue } from '../errors';
import {
  FieldError,
  normaliseCode,
  normaliseCountry,
  normaliseCurrency,
  normaliseEmail,
  normaliseName,
  normaliseOptionalText,
  normalisePhone,
  normaliseTaxId,
  normaliseUrl,
} from './normalise';

/**
 * A writable field of a golden record: where it sits in the GraphQL input, which column(s) it fills, and how its
 * value is cleaned. One description drives create, patch and bulk upsert, so the three cannot drift apart.
 */
export type FieldSpec =
  | {
      kind: 'name' | 'text' | 'email' | 'phone' | 'country' | 'currency' | 'taxId' | 'url' | 'unit' | 'gtin';
      path: string;
      column: string;
      required?: boolean;
      maxLength?: number;
    }
  | { kind: 'decimal'; path: string; column: string; required?: boolean; rule: DecimalRule; default?: string }
  | { kind: 'int'; path: string; column: string; required?: boolean; min: number; max: number; default?: number }
  | { kind: 'enum'; path: string; column: string; required?: boolean; values: readonly string[]; default?: string }
  | { kind: 'money'; path: string; amountColumn: string; currencyColumn: string; rule: DecimalRule };

export type Values = Record<string, unknown>;

export interface NormaliseContext {
  /** Region assumed for phone numbers written without a country prefix when the record has no country. */
  defaultRegion: string;
  /** Prefix for field paths in errors ('records.3.' in a bulk call). */
  prefix?: string;
}

const MISSING = Symbol('missing');

function pick(input: Record<string, unknown>, path: string): unknown {
  let cur: unknown = input;
  for (const part of path.split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return MISSING;
    if (!(part in (cur as Record<string, unknown>))) return MISSING;
    cur = (cur as Record<string, unknown>)[part];
    if (cur === undefined) return MISSING;
  }
  return cur;
}

/** The golden columns a field fills: its column, or a money field's amount and currency columns. */
export function columnsOf(f: FieldSpec): string[] {
  return f.kind === 'money' ? [f.amountColumn, f.currencyColumn] : [f.column];
}

/** Every golden column the fields of an entity fill, in spec order: what sources contribute and survivorship picks. */
export function fieldColumns(fields: readonly FieldSpec[]): string[] {
  return fields.flatMap(columnsOf);
}

/**
 * Turns GraphQL input into column values. In 'create' mode absent fields take their defaults and required ones
 * must be there; in 'patch' mode only the fields present are returned and an explicit null clears a field.
 * `current` gives the stored record, which a patch may need (a phone is read in the record's country).
 * Every problem is collected, so the caller learns about all bad fields at once; nothing is written before this.
 */
export function normaliseFields(
  fields: readonly FieldSpec[],
  input: Record<string, unknown>,
  mode: 'create' | 'patch',
  ctx: NormaliseContext,
  current?: Values,
): Values {
  const out: Values = {};
  const issues: FieldIssue[] = [];
  const prefix = ctx.prefix ?? '';
  // The country decides how a national phone number is read, so it is cleaned first.
  const countryField = fields.find((f) => f.kind === 'country');
  let country: string | null = (current?.country as string | null | undefined) ?? null;
  if (countryField) {
    const raw = pick(input, countryField.path);
    if (raw !== MISSING) {
      try {
        country = normaliseCountry(raw as string | null, prefix + countryField.path);
      } catch {
        country = null;
      }
    }
  }
  for (const f of fields) {
    const raw = pick(input, f.path);
    const field = prefix + f.path;
    try {
      if (raw === MISSING) {
        if (mode === 'patch') continue;
        if ('required' in f && f.required) throw new FieldError(field, 'is required');
        if ((f.kind === 'decimal' || f.kind === 'int' || f.kind === 'enum') && f.default !== undefined)
          out[f.column] = f.default;
        else for (const c of columnsOf(f)) out[c] = null;
        continue;
      }
      if (raw === null && 'required' in f && f.required) throw new FieldError(field, 'must not be null');
      Object.assign(out, normaliseOne(f, raw, field, country, ctx));
    } catch (e) {
      if (e instanceof FieldError) issues.push({ field: e.field, reason: e.reason });
      else throw e;
    }
  }
  if (issues.length) throw new ValidationError(issues);
  return out;
}

function normaliseOne(
  f: FieldSpec,
  raw: unknown,
  field: string,
  country: string | null,
  ctx: NormaliseContext,
): Values {
  switch (f.kind) {
    case 'name':
      return { [f.column]: normaliseName(String(raw), field, f.maxLength) };
    case 'text':
      return { [f.column]: normaliseOptionalText(raw as string | null, field, f.maxLength ?? 2000) };
    case 'email':
      return { [f.column]: normaliseEmail(raw as string | null, field) };
    case 'phone':
      return { [f.column]: normalisePhone(raw as string | null, field, country, ctx.defaultRegion) };
    case 'country':
      return { [f.column]: normaliseCountry(raw as string | null, field) };
    case 'currency':
      return { [f.column]: normaliseCurrency(raw as string | null, field) };
    case 'taxId':
      return { [f.column]: normaliseTaxId(raw as string | null, field) };
    case 'url':
      return { [f.column]: normaliseUrl(raw as string | null, field) };
    case 'unit':
      return { [f.column]: raw === null ? null : normaliseUnitCode(String(raw), field) };
    case 'gtin':
      return { [f.column]: raw === null ? null : normaliseGtin(String(raw), field) };
    case 'decimal':
      return { [f.column]: raw === null ? null : parseDecimal(raw, field, f.rule) };
    case 'int': {
      if (raw === null) return { [f.column]: null };
      if (typeof raw !== 'number' || !Number.isInteger(raw)) throw new FieldError(field, 'must be a whole number');
      if (raw < f.min || raw > f.max) throw new FieldError(field, `must be between ${f.min} and ${f.max}`);
      return { [f.column]: raw };
    }
    case 'enum': {
      if (raw === null) return { [f.column]: null };
      if (!f.values.includes(String(raw))) throw new FieldError(field, `must be one of ${f.values.join(', ')}`);
      return { [f.column]: raw };
    }
    case 'money': {
      if (raw === null) return { [f.amountColumn]: null, [f.currencyColumn]: null };
      const m = raw as { amount?: unknown; currency?: unknown };
      const amount = parseDecimal(m.amount, `${field}.amount`, f.rule);
      const currency = normaliseCurrency(m.currency as string | null, `${field}.currency`);
      if (!currency) throw new FieldError(`${field}.currency`, 'is required with an amount');
      return { [f.amountColumn]: amount, [f.currencyColumn]: currency };
    }
  }
}

/** Unit codes are short symbols ('pcs', 'kg', 'm2'); case matters ('Mm' is not 'mm'), so only whitespace is cleaned. */
export function normaliseUnitCode(value: string, field: string): string {
  const v = value.normalize('NFKC').trim();
  if (!/^[\p{L}\p{N}_./%°-]{1,20}$/u.test(v)) throw new FieldError(field, 'not a unit code (1-20 letters or digits)');
  return v;
}

/** GTIN-8/12/13/14 (EAN, UPC) with its check digit verified: a mistyped barcode must not merge two items. */
export function normaliseGtin(value: string, field: string): string {
  const digits = value.normalize('NFKC').replace(/[\s-]/g, '');
  if (!/^(\d{8}|\d{12,14})$/.test(digits)) throw new FieldError(field, 'a GTIN has 8, 12, 13 or 14 digits');
  const body = digits.slice(0, -1);
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const d = Number(body[body.length - 1 - i]);
    sum += i % 2 === 0 ? d * 3 : d;
  }
  const check = (10 - (sum % 10)) % 10;
  if (check !== Number(digits.at(-1))) throw new FieldError(field, 'GTIN check digit does not match');
  return digits.padStart(14, '0');
}

export { normaliseCode };
