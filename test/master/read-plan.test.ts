import { type FieldNode, isObjectType, Kind, type OperationDefinitionNode, parse } from 'graphql';
import { buildSchemaFromSdl } from '../../src/graphql/sdl';
import { Selection } from '../../src/graphql/selection';
import { columnsFor, FIELD_COLUMNS } from '../../src/master/read-plan';
import { hubResolvers } from '../../src/graphql/server';

/** The selection below the one root field of `query`, as a resolver of that field would see it. */
function selectionOf(query: string): Selection {
  const doc = parse(query);
  const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  const fragments = Object.fromEntries(
    doc.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d]] : [])),
  );
  return Selection.of({ fieldNodes: [op.selectionSet.selections[0] as FieldNode], fragments });
}

// Stands in for the context and loaders: every property, call and result is itself, and it is not a promise.
const anything: any = new Proxy(function () {}, {
  get: (_, p) => (p === 'then' ? undefined : p === Symbol.toPrimitive ? () => 'x' : anything),
  apply: () => anything,
});

/** The row properties a field's resolver reads (GraphQL's default resolver reads the field's own name). */
async function propsRead(type: string, field: string): Promise<string[]> {
  const read = new Set<string>();
  // Every property has a value, so that a resolver reading a second column only when the first is set reads both.
  const row = new Proxy(
    {},
    {
      get: (_, p) => (typeof p === 'string' && read.add(p), 'x'),
      has: (_, p) => (typeof p === 'string' && read.add(p), true),
    },
  );
  const own = (hubResolvers() as Record<string, Record<string, unknown> | undefined>)[type]?.[field];
  const resolver = (own ?? ((r: Record<string, unknown>) => r[field])) as (...a: unknown[]) => unknown;
  try {
    await resolver(row, {}, { loaders: anything, services: anything }, anything);
  } catch {
    // A resolver may fail on stand-in values; what it read before that still counts.
  }
  return [...read];
}

describe('planned reads', () => {
  const schema = buildSchemaFromSdl();

  it.each(Object.keys(FIELD_COLUMNS))('read every column a resolver of %s needs', async (type) => {
    const gqlType = schema.getType(type);
    if (!isObjectType(gqlType)) throw new Error(`${type} is not an object type`);
    const fields = Object.keys(gqlType.getFields());
    expect(fields.length).toBeGreaterThan(5);
    for (const field of fields) {
      const planned = columnsFor(type as keyof typeof FIELD_COLUMNS, selectionOf(`{ x { ${field} } }`));
      // null: the whole row is read, which has every column.
      if (planned === null) continue;
      const missing = (await propsRead(type, field)).filter((p) => p !== 'id' && !planned.includes(p));
      expect({ type, field, missing }).toEqual({ type, field, missing: [] });
    }
  });

  it('plans every field of the records a page of items with their suppliers shows', () => {
    expect(columnsFor('Item', selectionOf(`{ x { id code name suppliers { price { amount } } } }`))).toEqual([
      'id',
      'code',
      'name',
    ]);
    expect(columnsFor('SupplierItem', selectionOf(`{ x { price { amount currency } supplier { code } } }`))).toEqual([
      'price',
      'currency',
      'supplierId',
    ]);
    expect(columnsFor('Customer', selectionOf(`{ x { __typename address { city } creditLimit { amount } } }`))).toEqual(
      ['street', 'postalCode', 'city', 'region', 'country', 'creditLimit', 'creditCurrency'],
    );
  });

  it('reads the whole row for a field it does not know', () => {
    expect(columnsFor('Item', selectionOf(`{ x { code somethingNew } }`))).toBeNull();
  });

  it('sees fields through inline fragments, named fragments (also nested) and aliases', () => {
    const selection = selectionOf(`
      { items { nodes { a: code ... on Item { name } ...F } edges { node { ...G } } } }
      fragment F on Item { gtin ...G }
      fragment G on Item { standardCost { amount } }`);
    const nodes = selection.nodes();
    expect(nodes!.fieldNames().sort()).toEqual(['code', 'gtin', 'name', 'standardCost']);
    expect(columnsFor('Item', nodes)).toEqual(['code', 'name', 'gtin', 'standardCost', 'costCurrency']);
    expect(selectionOf(`{ items { totalCount } }`).nodes()).toBeNull();
    expect(columnsFor('Item', null)).toEqual([]);
  });
});
