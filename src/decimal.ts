import Decimal from 'decimal.js';
import { FieldError } from './master/normalise';

/** Exact decimal arithmetic for money and quantities; binary floats never touch them. */
export const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 40 });
export type Dec = Decimal;

const DECIMAL_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export interface DecimalRule {
  /** 'positive' means > 0, 'nonNegative' means >= 0. */
  sign?: 'positive' | 'nonNegative';
  /** Most digits after the point the column keeps; more is refused rather than silently rounded. */
  maxScale?: number;
  /** Most digits before the point. */
  maxIntegerDigits?: number;
}

/**
 * Parses a decimal given as a string (or a safe integer) into its canonical text. Non-integer JS numbers are
 * refused: by the time a float reaches us it may already have lost digits.
 */
export function parseDecimal(value: unknown, field: string, rule: DecimalRule = {}): string {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new FieldError(field, 'send decimal numbers as strings (e.g. "12.50") so no digit is lost');
    }
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    throw new FieldError(field, 'must be a decimal number');
  }
  if (!DECIMAL_TEXT.test(text)) throw new FieldError(field, `'${String(value)}' is not a decimal number`);
  const d = new Dec(text);
  if (rule.sign === 'positive' && !d.gt(0)) throw new FieldError(field, 'must be greater than 0');
  if (rule.sign === 'nonNegative' && d.lt(0)) throw new FieldError(field, 'must not be negative');
  if (rule.maxScale !== undefined && d.decimalPlaces() > rule.maxScale) {
    throw new FieldError(field, `has more than ${rule.maxScale} digits after the decimal point`);
  }
  const intDigits = d.abs().trunc().toFixed().replace(/^0$/, '').length;
  if (rule.maxIntegerDigits !== undefined && intDigits > rule.maxIntegerDigits) {
    throw new FieldError(field, `is too large (more than ${rule.maxIntegerDigits} digits before the point)`);
  }
  return d.toFixed();
}

// How PostgreSQL writes a numeric (and decimal.js a canonical decimal): no exponent, no leading zeros.
const PLAIN_DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/**
 * The canonical text of a numeric read from PostgreSQL ('12.500000' -> '12.5', '-0.0' -> '0'). Plain text, which
 * is what every value read from PostgreSQL is, only loses the trailing zeros of its scale, done without parsing it
 * into a decimal.js number: a tree or a page serialises tens of thousands of them.
 */
export function canonicalDecimal(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (!PLAIN_DECIMAL.test(value)) return new Dec(value).toFixed();
  let end = value.length;
  if (value.includes('.')) {
    while (value.charCodeAt(end - 1) === 48 /* 0 */) end--;
    if (value.charCodeAt(end - 1) === 46 /* . */) end--;
  }
  const out = end === value.length ? value : value.slice(0, end);
  return out === '-0' ? '0' : out;
}

/** Digits after the point of a currency's minor unit (EUR 2, JPY 0, KWD 3), from the platform's ICU data. */
export function minorUnits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}
