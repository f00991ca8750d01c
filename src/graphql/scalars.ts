import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { canonicalDecimal, parseDecimal } from '../decimal';
import { FieldError } from '../master/normalise';

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

// How PostgreSQL writes a numeric (and decimal.js a canonical decimal): no exponent, no leading zeros.
const PLAIN_DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?$/;

/**
 * The canonical text of a decimal ('12.500000' -> '12.5', '-0.0' -> '0'). Plain text, which is what every value read
 * from PostgreSQL is, only loses the trailing zeros of its scale, done here without parsing it into a decimal.js
 * number: a page of items with their prices serialises hundreds of them.
 */
function canonicalText(text: string): string {
  if (!PLAIN_DECIMAL.test(text)) return canonicalDecimal(text)!;
  let end = text.length;
  if (text.includes('.')) {
    while (text.charCodeAt(end - 1) === 48 /* 0 */) end--;
    if (text.charCodeAt(end - 1) === 46 /* . */) end--;
  }
  const out = end === text.length ? text : text.slice(0, end);
  return out === '-0' ? '0' : out;
}

/**
 * Decimal travels as a string. Literals keep their source text, so `12.10` in a query is exact; in variables,
 * strings and safe integers are accepted and fractional JSON numbers refused (they were floats already).
 */
export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  serialize: (v) => (typeof v === 'number' ? String(v) : canonicalText(String(v))),
  parseValue: (v) => {
    try {
      return parseDecimal(v, 'Decimal');
    } catch (e) {
      throw badInput(e instanceof FieldError ? e.reason : String(e));
    }
  },
  parseLiteral: (ast: ValueNode) => {
    if (ast.kind !== Kind.STRING && ast.kind !== Kind.INT && ast.kind !== Kind.FLOAT)
      throw badInput('Decimal: expected a number or a string');
    try {
      return parseDecimal(ast.value, 'Decimal');
    } catch (e) {
      throw badInput(e instanceof FieldError ? e.reason : String(e));
    }
  },
});

function toDate(v: unknown): Date {
  const d = v instanceof Date ? v : new Date(String(v));
  if (typeof v === 'string' && !/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(v)) {
    throw badInput(`DateTime: '${v}' is not an ISO 8601 date-time with a time zone`);
  }
  if (Number.isNaN(d.getTime())) throw badInput(`DateTime: '${String(v)}' is not a valid date-time`);
  return d;
}

export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (v) => (v instanceof Date ? v : new Date(String(v))).toISOString(),
  parseValue: toDate,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw badInput('DateTime: expected a string');
    return toDate(ast.value);
  },
});

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

function toDateOnly(v: unknown): string {
  const m = typeof v === 'string' ? DATE_ONLY.exec(v) : null;
  const ok =
    m &&
    (() => {
      const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
      return (
        d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3])
      );
    })();
  if (!ok) throw badInput(`Date: '${String(v)}' is not a calendar date as YYYY-MM-DD`);
  return v as string;
}

/** A calendar date without a time zone, kept as its YYYY-MM-DD text so it cannot shift a day anywhere. */
export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  serialize: (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v)),
  parseValue: toDateOnly,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw badInput('Date: expected a string');
    return toDateOnly(ast.value);
  },
});

function literalToJson(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.ENUM:
      return ast.value;
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return ast.value;
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map(literalToJson);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value)]));
    default:
      throw badInput('JSON: variables are not allowed inside a JSON literal');
  }
}

export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral: literalToJson,
});
