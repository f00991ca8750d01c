/**
 * The hub as an Apollo Federation 2 subgraph: which types are entities, and how a router's representations of them
 * (`{ __typename: 'Customer', id: '...' }`) become records. Resolution goes through the request's DataLoaders, so
 * the representations of one type in an `_entities` call cost one statement per key field, however many there are.
 */
import DataLoader from 'dataloader';
import { type DocumentNode, GraphQLError, Kind, type ConstDirectiveNode } from 'graphql';
import type { MasterEntity } from '../master/specs';
import type { GoldenRow } from '../master/store';
import { survivorsOf, survivorsOfCodes } from '../mdm/aliases';
import type { GraphContext } from './context';

/** A batched lookup of an entity by one key field, taken from the request's loaders. */
export type KeyLoader = (ctx: GraphContext) => DataLoader<string, object | null>;

/**
 * The golden records of a master entity, by id or by code. A merged-away record's id or code answers with the
 * record it was merged into, as `customer(id:)` and `customer(code:)` do: a supergraph holding an old id must not
 * lose the customer. The aliases are asked only for keys that missed or found an archived record.
 */
const golden = (entity: MasterEntity): Record<string, KeyLoader> => ({
  id: (ctx) =>
    ctx.loaders.memo(`entity.${entity}.id`, () =>
      withSurvivors(ctx, entity, ctx.loaders.record(entity), (ids) => survivorsOf(ctx.services.master.db, ids)),
    ),
  code: (ctx) =>
    ctx.loaders.memo(`entity.${entity}.code`, () =>
      withSurvivors(ctx, entity, ctx.loaders.recordByCode(entity), (codes) =>
        survivorsOfCodes(ctx.services.master.db, entity, codes),
      ),
    ),
});

function withSurvivors(
  ctx: GraphContext,
  entity: MasterEntity,
  direct: DataLoader<string, GoldenRow | null>,
  survivors: (keys: string[]) => Promise<Map<string, string>>,
): DataLoader<string, object | null> {
  return new DataLoader<string, object | null>(async (keys) => {
    const found = await direct.loadMany(keys);
    const misses = keys.filter((k, i) => {
      const row = found[i];
      return !row || row instanceof Error || row.status === 'archived';
    });
    const moved = misses.length ? await survivors([...misses]) : new Map<string, string>();
    const rows = moved.size ? await ctx.loaders.record(entity).loadMany([...new Set(moved.values())]) : [];
    const byId = new Map(rows.filter((r): r is GoldenRow => !!r && !(r instanceof Error)).map((r) => [r.id, r]));
    return keys.map((k, i) => {
      const survivor = moved.get(k);
      if (survivor && byId.has(survivor)) return byId.get(survivor)!;
      const row = found[i];
      return row instanceof Error ? null : (row ?? null);
    });
  });
}

/**
 * The entities the hub resolves: per type, a loader for each field it is keyed by, matching its `@key(fields: ...)`
 * directives in the SDL (checked at start-up by `checkEntities`). A new entity is its `@key` in its module's SDL and
 * its entry here: a per-request DataLoader per key field (`ctx.loaders.memo` keeps one for the request).
 */
export const ENTITIES: Readonly<Record<string, Readonly<Record<string, KeyLoader>>>> = {
  Customer: golden('customer'),
  Supplier: golden('supplier'),
  Item: golden('item'),
  SalesOrder: {
    id: (ctx) =>
      ctx.loaders.memo(
        'entity.salesOrder.id',
        () =>
          new DataLoader<string, object | null>(async (ids) => {
            const rows = await ctx.services.orders.byIds(ids);
            const m = new Map(rows.filter((r) => r.kind === 'sales_order').map((r) => [r.id, r]));
            return ids.map((id) => m.get(id) ?? null);
          }),
      ),
    number: (ctx) =>
      ctx.loaders.memo(
        'entity.salesOrder.number',
        () =>
          new DataLoader<string, object | null>(async (numbers) => {
            const rows = await ctx.services.orders.byNumbers(
              numbers.map((number) => ({ kind: 'sales_order', number })),
            );
            const m = new Map(rows.map((r) => [r.number, r]));
            return numbers.map((n) => m.get(n) ?? null);
          }),
      ),
  },
};

type Representation = { __typename: string } & Record<string, unknown>;

/**
 * `__resolveReference` for each entity: the first key field the representation carries picks the loader; a key that
 * matches no record resolves to null, as federation expects of an entity that does not exist (any more).
 */
export function entityResolvers(entities: typeof ENTITIES = ENTITIES): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [type, keys] of Object.entries(entities)) {
    const fields = Object.entries(keys);
    out[type] = {
      __resolveReference: (ref: Representation, ctx: GraphContext) => {
        for (const [field, loader] of fields) {
          const value = ref[field];
          if (typeof value === 'string' || typeof value === 'number') return loader(ctx).load(String(value).trim());
        }
        throw new GraphQLError(`a ${type} representation needs one of: ${fields.map(([f]) => f).join(', ')}`, {
          extensions: { code: 'BAD_USER_INPUT' },
        });
      },
    };
  }
  return out;
}

/** The `@key(fields: ...)` of every type in the SDL (definitions and extensions), by type name. */
export function entityKeys(typeDefs: DocumentNode): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const d of typeDefs.definitions) {
    if (d.kind !== Kind.OBJECT_TYPE_DEFINITION && d.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    for (const dir of (d.directives ?? []) as readonly ConstDirectiveNode[]) {
      if (dir.name.value !== 'key') continue;
      const arg = dir.arguments?.find((a) => a.name.value === 'fields');
      if (arg?.value.kind !== Kind.STRING) continue;
      keys.set(d.name.value, [...(keys.get(d.name.value) ?? []), arg.value.value.trim()]);
    }
  }
  return keys;
}

/**
 * Start-up check that the SDL's entities and `ENTITIES` agree: a type with `@key` and no resolver would answer
 * `_entities` with the bare representation (the library's default), and a resolver without a key is never asked.
 * The generic resolver knows single-field keys only; a compound key needs its own `__resolveReference`.
 */
export function checkEntities(typeDefs: DocumentNode, entities: typeof ENTITIES = ENTITIES): void {
  const problems: string[] = [];
  const keys = entityKeys(typeDefs);
  for (const [type, fields] of keys) {
    const loaders = entities[type];
    if (!loaders) {
      problems.push(`${type} has @key but no entry in ENTITIES (src/graphql/federation.ts)`);
      continue;
    }
    for (const f of fields) {
      if (!loaders[f]) problems.push(`${type} @key(fields: "${f}") has no loader in ENTITIES`);
    }
  }
  for (const [type, loaders] of Object.entries(entities)) {
    const fields = keys.get(type);
    if (!fields) problems.push(`ENTITIES names ${type}, which has no @key in the SDL`);
    else
      for (const f of Object.keys(loaders)) {
        if (!fields.includes(f))
          problems.push(`ENTITIES resolves ${type} by ${f}, which is not one of its @key fields`);
      }
  }
  if (problems.length > 0) throw new Error(`federation entities do not match the SDL: ${problems.join('; ')}`);
}
