import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { canonicalDecimal, parseDecimal } from '../decimal';
import { FieldError } from '../master/normalise';
import { parseDate } from '../validation';

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

/**
 * Decimal travels as a string. Literals keep their source text, so `12.10` in a query is exact; in variables,
 * strings and safe integers are accepted and fractional JSON numbers refused (they were floats already).
 */
export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  serialize: (v) => (typeof v === 'number' ? String(v) : canonicalDecimal(String(v))!),
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

/** The calendar-date rule of the whole hub (validation.ts), as a GraphQL input error. */
function toDateOnly(v: unknown): string {
  try {
    const date = typeof v === 'string' ? parseDate(v, 'Date') : null;
    if (date && date === v) return date;
  } catch {
    // reported below, in the scalar's own words
  }
  throw badInput(`Date: '${String(v)}' is not a calendar date as YYYY-MM-DD`);
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
