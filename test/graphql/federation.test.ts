import { composeServices } from '@apollo/composition';
import { type GraphQLInputObjectType, OperationTypeNode, parse } from 'graphql';
import { checkEntities, ENTITIES, entityKeys } from '../../src/graphql/federation';
import { buildHubSchema } from '../../src/graphql/server';
import { loadTypeDefs } from '../../src/graphql/sdl';
import { startTestHub, type TestHub } from '../helpers/hub';

let hub: TestHub;
let customers: { id: string; code: string }[];
let items: { id: string; code: string }[];

beforeAll(async () => {
  hub = await startTestHub();
  const c = await hub.gql(
    `mutation($r: [CustomerInput!]!) { upsertCustomers(by: CODE, records: $r) { record { id code } } }`,
    {
      r: Array.from({ length: 20 }, (_, i) => ({
        code: `FED-C-${String(i + 1).padStart(3, '0')}`,
        name: `Federated Customer ${i + 1}`,
        creditLimit: { amount: '1000.50', currency: 'EUR' },
      })),
    },
  );
  expect(c.errors).toBeUndefined();
  customers = c.data!.upsertCustomers.map((r: { record: { id: string; code: string } }) => r.record);
  const i = await hub.gql(`mutation($r: [ItemInput!]!) { upsertItems(by: CODE, records: $r) { record { id code } } }`, {
    r: Array.from({ length: 3 }, (_, n) => ({
      code: `FED-I-${n + 1}`,
      name: `Federated Item ${n + 1}`,
      type: 'PURCHASED',
      baseUnit: 'pcs',
      standardCost: { amount: '2.25', currency: 'EUR' },
    })),
  });
  expect(i.errors).toBeUndefined();
  items = i.data!.upsertItems.map((r: { record: { id: string; code: string } }) => r.record);
});
afterAll(async () => {
  await hub?.close();
});

const ENTITIES_QUERY = `query($r: [_Any!]!) {
  _entities(representations: $r) {
    __typename
    ... on Customer { id code name status creditLimit { amount currency } createdAt }
    ... on Item { id code name type baseUnit { code } standardCost { amount } }
    ... on Supplier { id code }
  }
}`;

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('the hub as a federation subgraph', () => {
  it('publishes its subgraph SDL with the entity keys and the federation link', async () => {
    const r = await hub.gql(`{ _service { sdl } }`);
    expect(r.errors).toBeUndefined();
    const sdl: string = r.data!._service.sdl;
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.3"');
    for (const type of ['Customer', 'Supplier', 'Item']) {
      expect(sdl).toMatch(
        new RegExp(`type ${type} implements GoldenRecord\\s+@key\\(fields: "id"\\)\\s+@key\\(fields: "code"\\)`),
      );
    }
    expect(sdl).toMatch(/type PageInfo\s+@shareable/);
  });

  it('resolves representations by id and by code in their order, with null for unknown keys', async () => {
    const reps = [
      { __typename: 'Customer', id: customers[2]!.id },
      { __typename: 'Item', id: items[0]!.id },
      { __typename: 'Customer', id: customers[0]!.id },
      { __typename: 'Customer', id: UNKNOWN_ID },
      { __typename: 'Item', code: items[2]!.code },
      { __typename: 'Customer', id: customers[1]!.id },
      { __typename: 'Item', id: items[1]!.id },
      { __typename: 'Item', code: 'NO-SUCH-ITEM' },
      { __typename: 'Supplier', id: 'not-a-uuid' },
    ];
    const r = await hub.gql(ENTITIES_QUERY, { r: reps });
    expect(r.errors).toBeUndefined();
    const got = r.data!._entities as Record<string, unknown>[];
    expect(got.map((e) => e && `${e.__typename}:${e.code}`)).toEqual([
      `Customer:${customers[2]!.code}`,
      `Item:${items[0]!.code}`,
      `Customer:${customers[0]!.code}`,
      null,
      `Item:${items[2]!.code}`,
      `Customer:${customers[1]!.code}`,
      `Item:${items[1]!.code}`,
      null,
      null,
    ]);
    // Scalars and enums come out as through any other query.
    expect(got[0]).toMatchObject({
      id: customers[2]!.id,
      name: 'Federated Customer 3',
      status: 'ACTIVE',
      creditLimit: { amount: '1000.5', currency: 'EUR' },
    });
    expect(got[0]!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(got[1]).toMatchObject({ type: 'PURCHASED', baseUnit: { code: 'pcs' }, standardCost: { amount: '2.25' } });
    // One statement per (type, key): customers by id, items by id, items by code (no supplier id is a uuid to look
    // up); one for the items' base units; and, as some keys missed, one alias lookup each for the ids and the codes
    // that missed (a merged record's keys answer with its survivor). A statement that waits for a pool connection
    // can run outside the request's counter (always on embedded PGlite's one connection), so the header may show
    // fewer; never more.
    if (hub.services.storage === 'postgres') {
      expect(r.statements).toBeGreaterThanOrEqual(4);
      expect(r.statements).toBeLessThanOrEqual(6);
    } else expect(r.statements).toBeLessThanOrEqual(6);
    const more = await hub.gql(ENTITIES_QUERY, {
      r: [
        ...customers.map((c) => ({ __typename: 'Customer', id: c.id })),
        ...items.map((i) => ({ __typename: 'Item', id: i.id })),
        ...items.map((i) => ({ __typename: 'Item', code: i.code })),
      ],
    });
    expect(more.data!._entities).toHaveLength(customers.length + 2 * items.length);
    // Many more representations, none missing: no more statements than the small request with its misses.
    expect(more.statements).toBeLessThanOrEqual(r.statements);
  });

  it('costs the same statements for 1 or 20 representations of a type', async () => {
    const byId = (n: number) => customers.slice(0, n).map((c) => ({ __typename: 'Customer', id: c.id }));
    const byCode = (n: number) => customers.slice(0, n).map((c) => ({ __typename: 'Customer', code: c.code }));
    const one = await hub.gql(ENTITIES_QUERY, { r: byId(1) });
    const twenty = await hub.gql(ENTITIES_QUERY, { r: byId(20) });
    expect(twenty.errors).toBeUndefined();
    expect(twenty.data!._entities.map((e: { id: string }) => e.id)).toEqual(customers.map((c) => c.id));
    expect(one.statements).toBe(1);
    expect(twenty.statements).toBe(one.statements);
    const oneByCode = await hub.gql(ENTITIES_QUERY, { r: byCode(1) });
    const twentyByCode = await hub.gql(ENTITIES_QUERY, { r: byCode(20) });
    expect(twentyByCode.data!._entities.map((e: { code: string }) => e.code)).toEqual(customers.map((c) => c.code));
    expect(oneByCode.statements).toBe(1);
    expect(twentyByCode.statements).toBe(oneByCode.statements);
  });

  it('answers a merged-away id or code with the record it was merged into', async () => {
    // the last two of the fixture's customers: the last one is merged into the one before
    const [survivor, merged] = customers.slice(-2);
    const m = await hub.gql(
      `mutation($a: ID!, $b: ID!) { mergeGoldenRecords(entity: CUSTOMER, survivorId: $a, mergedId: $b) { id } }`,
      { a: survivor!.id, b: merged!.id },
    );
    expect(m.errors).toBeUndefined();
    const r = await hub.gql(ENTITIES_QUERY, {
      r: [
        { __typename: 'Customer', id: merged!.id },
        { __typename: 'Customer', code: merged!.code },
        { __typename: 'Customer', id: survivor!.id },
      ],
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities.map((e: { code: string }) => e.code)).toEqual([
      survivor!.code,
      survivor!.code,
      survivor!.code,
    ]);
  });

  it('refuses a representation without any of the entity keys', async () => {
    const r = await hub.gql(ENTITIES_QUERY, { r: [{ __typename: 'Customer', name: 'Federated Customer 1' }] });
    expect(r.errors![0]).toMatchObject({
      message: 'a Customer representation needs one of: id, code',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});

/** A tiny second subgraph: a CRM that adds its opportunities to the hub's customers. */
const CRM_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])

  type Customer @key(fields: "id") {
    id: ID!
    openOpportunities: Int!
  }

  type Opportunity {
    id: ID!
    customer: Customer!
  }

  type PageInfo @shareable {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  type Query {
    opportunities: [Opportunity!]!
  }
`;

describe('composing the hub into a supergraph', () => {
  async function hubSdl(): Promise<string> {
    const r = await hub.gql(`{ _service { sdl } }`);
    return r.data!._service.sdl;
  }

  it('composes with a subgraph that extends Customer', async () => {
    const result = composeServices([
      { name: 'hub', typeDefs: parse(await hubSdl()), url: 'http://hub/graphql' },
      { name: 'crm', typeDefs: parse(CRM_SDL), url: 'http://crm/graphql' },
    ]);
    expect(result.errors?.map((e) => e.message)).toBeUndefined();
    const customer = result.schema!.toAPISchema().type('Customer');
    expect(customer && 'field' in customer && customer.field('openOpportunities')).toBeTruthy();
    expect(customer && 'field' in customer && customer.field('creditLimit')).toBeTruthy();
    expect(result.supergraphSdl).toMatch(/@join__type\(graph: CRM, key: "id"\)/);
    expect(result.supergraphSdl).toMatch(/@join__type\(graph: HUB, key: "code"\)/);
  });

  it('fails, naming the field, when the other subgraph defines a hub field differently', async () => {
    const conflicting = CRM_SDL.replace('openOpportunities: Int!', 'openOpportunities: Int!\n    name: Int');
    const result = composeServices([
      { name: 'hub', typeDefs: parse(await hubSdl()), url: 'http://hub/graphql' },
      { name: 'crm', typeDefs: parse(conflicting), url: 'http://crm/graphql' },
    ]);
    expect(result.errors).toBeDefined();
    expect(result.errors!.map((e) => e.message).join('\n')).toMatch(/Customer\.name/);
  });
});

describe('entities and the SDL', () => {
  it('lists the keys of every entity as the SDL declares them', () => {
    const keys = entityKeys(loadTypeDefs());
    for (const type of ['Customer', 'Supplier', 'Item']) expect(keys.get(type)).toEqual(['id', 'code']);
    expect(() => checkEntities(loadTypeDefs())).not.toThrow();
  });

  it('refuses at start-up an entity without a resolver, and a resolver for a key the SDL lacks', () => {
    const sdl = parse(`
      type SalesOrder @key(fields: "id") { id: ID! number: String! }
      type Query { x: Int }`);
    expect(() => checkEntities(sdl, {})).toThrow(/SalesOrder has @key but no entry in ENTITIES/);
    expect(() =>
      checkEntities(sdl, { SalesOrder: { id: ENTITIES.Customer!.id!, number: ENTITIES.Customer!.id! } }),
    ).toThrow(/resolves SalesOrder by number, which is not one of its @key fields/);
  });
});

describe('the served schema', () => {
  it('gives enum defaults of arguments and input fields as the internal values resolvers expect', () => {
    const schema = buildHubSchema();
    const arg = (type: 'Query' | 'Mutation', field: string, name: string) =>
      schema
        .getRootType(type === 'Query' ? OperationTypeNode.QUERY : OperationTypeNode.MUTATION)!
        .getFields()
        [field]!.args.find((a) => a.name === name)!.defaultValue;
    const inputField = (type: string, name: string) =>
      (schema.getType(type) as GraphQLInputObjectType).getFields()[name]!.defaultValue;
    expect(arg('Query', 'bomCost', 'priceSource')).toBe('standardCost');
    expect(arg('Query', 'bomCost', 'quantity')).toBe('1');
    expect(arg('Query', 'stewardTasks', 'status')).toBe('open');
    expect(arg('Mutation', 'triggerSync', 'mode')).toBe('incremental');
    expect(inputField('QuotationInput', 'priceSource')).toBe('standardCost');
    expect(inputField('RecordOrder', 'direction')).toBe('asc');
  });
});
