import fs from 'node:fs';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  getNamedType,
  type GraphQLArgument,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLInputField,
  type GraphQLInputObjectType,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  valueFromAST,
} from 'graphql';
import { isDatabaseUnavailable, pgErrorOf } from '../db/errors';
import { projectPath } from '../paths';
import { DomainError } from '../errors';
import { log } from '../log';
import { bomResolvers } from '../bom/resolvers';
import { masterResolvers } from '../master/resolvers';
import { ordersResolvers } from '../orders/resolvers';
import { statusResolvers } from '../orders/status-resolvers';
import { stockResolvers } from '../orders/stock-resolvers';
import { viewResolvers } from '../orders/view';
import { mdmResolvers } from '../mdm/resolvers';
import { syncResolvers } from '../sync/resolvers';
import type { GraphContext } from './context';
import type { Resolvers } from './generated/types';
import { ENUM_VALUES } from './enums';
import { checkEntities, entityResolvers } from './federation';
import { DateScalar, DateTimeScalar, DecimalScalar, JSONScalar } from './scalars';
import { loadTypeDefs } from './sdl';

const PKG_VERSION: string = JSON.parse(fs.readFileSync(projectPath('package.json'), 'utf8')).version;

function rootResolvers(): Resolvers {
  return {
    Decimal: DecimalScalar,
    DateTime: DateTimeScalar,
    Date: DateScalar,
    JSON: JSONScalar,
    ...(ENUM_VALUES as unknown as Resolvers),
    Query: {
      hub: (_, __, ctx) => ({ version: ctx.services.version, storage: ctx.services.storage }),
    },
  };
}

/** The resolvers of every module, merged as the server uses them. */
export function hubResolvers(): Resolvers {
  return mergeResolvers(
    rootResolvers(),
    masterResolvers,
    syncResolvers,
    mdmResolvers,
    bomResolvers,
    ordersResolvers,
    viewResolvers,
    statusResolvers,
    stockResolvers,
  );
}

/**
 * The served schema: the SDL with every module's resolvers, built as an Apollo Federation 2 subgraph (which adds
 * `_service { sdl }` and `_entities`), once the entities (federation.ts) and the resolvers are known to match it.
 */
export function buildHubSchema(): GraphQLSchema {
  const typeDefs = loadTypeDefs();
  checkEntities(typeDefs);
  const resolvers = mergeResolvers(hubResolvers(), entityResolvers() as Resolvers);
  const schema = buildSubgraphSchema({ typeDefs, resolvers: resolvers as never });
  checkResolversInSchema(schema, resolvers);
  rereadDefaults(schema);
  return schema;
}

/**
 * Default values of arguments and input fields, read again from the SDL now that the enums carry their internal
 * values: the subgraph builder maps enum values (enums.ts) after the defaults were read, so `priceSource: PriceSource =
 * STANDARD_COST` would reach the resolver as 'STANDARD_COST' instead of 'standardCost'. (graphql-tools, which built
 * the schema before, did this itself.) An input type's fields go first, as an object default takes its omitted
 * fields' defaults from them.
 */
function rereadDefaults(schema: GraphQLSchema): void {
  const reread = (v: GraphQLArgument | GraphQLInputField) => {
    if (v.astNode?.defaultValue) v.defaultValue = valueFromAST(v.astNode.defaultValue, v.type);
  };
  const done = new Set<GraphQLInputObjectType>();
  const inputFirst = (v: GraphQLArgument | GraphQLInputField) => {
    const named = getNamedType(v.type);
    if (isInputObjectType(named) && !done.has(named)) {
      done.add(named);
      for (const f of Object.values(named.getFields())) inputFirst(f);
    }
    reread(v);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (isInputObjectType(type) && !done.has(type)) {
      done.add(type);
      for (const f of Object.values(type.getFields())) inputFirst(f);
    } else if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) for (const a of field.args) inputFirst(a);
    }
  }
}

/**
 * A resolver for a type, field or enum value the schema lacks is a mistake (a renamed field, a typo) that the
 * subgraph builder skips without a word; graphql-tools, which built the schema before, refused it, and so does this.
 */
function checkResolversInSchema(schema: GraphQLSchema, resolvers: Resolvers): void {
  const missing: string[] = [];
  for (const [typeName, value] of Object.entries(resolvers as Record<string, object>)) {
    const type = schema.getType(typeName);
    if (!type) {
      missing.push(typeName);
    } else if (isObjectType(type) || isInterfaceType(type)) {
      const fields = type.getFields();
      for (const f of Object.keys(value)) if (!f.startsWith('__') && !fields[f]) missing.push(`${typeName}.${f}`);
    } else if (isEnumType(type)) {
      for (const v of Object.keys(value)) if (!type.getValue(v)) missing.push(`${typeName}.${v}`);
    }
  }
  if (missing.length > 0) throw new Error(`resolvers for what the schema does not have: ${missing.join(', ')}`);
}

/** Deep-merges the resolver maps of the modules (each module owns the fields of its types). */
function mergeResolvers(...maps: Resolvers[]): Resolvers {
  const out: Record<string, Record<string, unknown>> = {};
  for (const m of maps) {
    for (const [type, fields] of Object.entries(m)) {
      if (
        fields instanceof Object &&
        !(fields instanceof GraphQLError) &&
        type[0] !== '_' &&
        !('serialize' in fields)
      ) {
        out[type] = { ...(out[type] ?? {}), ...(fields as Record<string, unknown>) };
      } else {
        (out as Record<string, unknown>)[type] = fields;
      }
    }
  }
  return out as Resolvers;
}

/**
 * Every error leaves with a code: DomainErrors keep their message, code and field; GraphQL's own parse and
 * validation errors keep theirs; anything unexpected becomes INTERNAL with no detail, and is logged here.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) {
    return {
      message: original.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: {
        code: original.code,
        ...(original.field ? { field: original.field } : {}),
        ...(original.details ?? {}),
      },
    };
  }
  const code = formatted.extensions?.code;
  if (code && code !== 'INTERNAL_SERVER_ERROR') return formatted;
  if (isDatabaseUnavailable(original)) {
    log.warn({ err: describeError(original), path: formatted.path }, 'database unavailable during a GraphQL request');
    return {
      message: 'the database is unavailable; try again shortly',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'UNAVAILABLE' },
    };
  }
  log.error({ err: describeError(original), path: formatted.path }, 'internal error in a GraphQL request');
  return {
    message: 'internal error',
    locations: formatted.locations,
    path: formatted.path,
    // In development the stack helps; the frames alone, since an error message may quote the failed statement's data.
    extensions: {
      code: 'INTERNAL',
      ...(Array.isArray(formatted.extensions?.stacktrace)
        ? { stacktrace: (formatted.extensions.stacktrace as string[]).filter((l) => l.trimStart().startsWith('at ')) }
        : {}),
    },
  };
}

/**
 * What is safe to log of an unexpected error: its type, message and stack, and the database error code, but
 * never a failed statement's parameters (they carry personal data and, in connection writes, credentials).
 */
export function describeError(e: unknown): Record<string, unknown> {
  const err = e as Error & { cause?: Error & { code?: string } };
  const pg = pgErrorOf(e);
  const message = (err.cause?.message ?? err.message ?? String(e)).split('\nparams:')[0];
  return {
    type: err.name,
    message,
    ...(pg?.code ? { sqlState: pg.code } : {}),
    stack: err.stack
      ?.split('\n')
      .filter((l) => l.trimStart().startsWith('at '))
      .slice(0, 8)
      .join('\n'),
  };
}

export function createApolloServer(opts: {
  development: boolean;
  plugins?: ApolloServerPlugin<GraphContext>[];
}): ApolloServer<GraphContext> {
  return new ApolloServer<GraphContext>({
    schema: buildHubSchema(),
    formatError,
    includeStacktraceInErrorResponses: opts.development,
    csrfPrevention: true,
    // The hub drains HTTP and closes the database itself on SIGTERM; Apollo's own handler would exit first.
    stopOnTerminationSignals: false,
    introspection: true,
    // Apollo's cache-control plugin runs a hook for every resolved field, a noticeable share of the CPU of a page of
    // 50 records with their relations; without cache hints it only answers `no-store`, which http/server.ts sets.
    // A subgraph schema would also turn on inline tracing (per-field timings a router forwards to GraphOS when it asks
    // with a header); the hub reports to no GraphOS, and the plugin announces itself on the console at start.
    plugins: [
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ...(opts.plugins ?? []),
    ],
  });
}

export { PKG_VERSION };
