/**
 * The practical limit for the master-data read benchmark: a bare Apollo Server 5 on node:http (the same
 * executeHTTPGraphQLRequest path as the hub) with a minimal schema and hand-written pg queries for the three
 * benchmarked queries, answering with the same JSON as mdhub for the fields the benchmark selects. No DataLoaders,
 * no ORM, no metrics: what is left is the cost of HTTP, Apollo, graphql-js and pg on this machine.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/mdhub_bench PORT=4802 npx tsx bench/baseline.ts
 *
 * Like the hub, it reports the SQL statements a request ran in the x-sql-statements header.
 */
import http from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import pg from 'pg';

const typeDefs = `#graphql
  type Query {
    customer(code: String): Customer
    customers(filter: PartyFilter, first: Int = 50, after: String): CustomerConnection!
    items(first: Int = 50, after: String): ItemConnection!
  }
  input PartyFilter {
    country: String
  }
  type Address {
    street: String
    postalCode: String
    city: String
    region: String
    country: String
  }
  type Money {
    amount: String!
    currency: String!
  }
  type Customer {
    id: ID!
    code: String!
    name: String!
    email: String
    phone: String
    taxId: String
    address: Address!
    creditLimit: Money
  }
  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }
  type CustomerEdge {
    cursor: String!
    node: Customer!
  }
  type CustomerConnection {
    edges: [CustomerEdge!]!
    nodes: [Customer!]!
    pageInfo: PageInfo!
  }
  type Supplier {
    code: String!
    name: String!
  }
  type SupplierItem {
    price: Money
    supplier: Supplier!
  }
  type Item {
    id: ID!
    code: String!
    name: String!
    suppliers: [SupplierItem!]!
  }
  type ItemEdge {
    cursor: String!
    node: Item!
  }
  type ItemConnection {
    edges: [ItemEdge!]!
    nodes: [Item!]!
    pageInfo: PageInfo!
  }
`;

interface Context {
  pool: pg.Pool;
  // A holder, not a number: Apollo hands resolvers a shallow copy of the context object.
  sql: { statements: number };
}

// trim_scale gives the decimal's canonical text ('12.50' -> '12.5'), which is what mdhub's Decimal scalar sends.
const CUSTOMER_COLUMNS = `id, code, name, email, phone, tax_id, street, postal_code, city, region, country,
  trim_scale(credit_limit)::text AS credit_limit, credit_currency`;

// The page in a CTE, then its offers and their suppliers joined to it: one statement for the whole answer.
function itemsQuery(where: string): string {
  return `WITH page AS (SELECT id, code, name FROM items ${where} ORDER BY code, id LIMIT $1)
  SELECT p.id, p.code, p.name, trim_scale(si.price)::text AS price, si.currency, s.code AS supplier_code,
    s.name AS supplier_name
  FROM page p
  LEFT JOIN supplier_items si ON si.item_id = p.id
  LEFT JOIN suppliers s ON s.id = si.supplier_id
  ORDER BY p.code, p.id, si.preferred DESC, si.price, s.code`;
}

const QUERIES = {
  customerByCode: `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE code = $1`,
  customersByCountry: `SELECT ${CUSTOMER_COLUMNS} FROM customers WHERE country = $1 ORDER BY code, id LIMIT $2`,
  customersByCountryAfter: `SELECT ${CUSTOMER_COLUMNS} FROM customers
    WHERE country = $1 AND (code, id) > ($3, $4::uuid) ORDER BY code, id LIMIT $2`,
  itemsWithSuppliers: itemsQuery(''),
  itemsWithSuppliersAfter: itemsQuery('WHERE (code, id) > ($2, $3::uuid)'),
};

/**
 * Named statements are parsed and planned once per connection, as a careful hand-written service would do, but
 * only where one plan suits every value: PostgreSQL soon settles on a generic plan for a named statement, and the
 * plan for a page of German customers reads thousands of rows for a page of Finnish ones.
 */
const PLAN_PER_VALUE = new Set<keyof typeof QUERIES>(['customersByCountry', 'customersByCountryAfter']);

async function query(ctx: Context, name: keyof typeof QUERIES, values: unknown[]): Promise<pg.QueryResult> {
  ctx.sql.statements++;
  return ctx.pool.query({ name: PLAN_PER_VALUE.has(name) ? undefined : name, text: QUERIES[name], values });
}

const cursorOf = (code: string, id: string) => Buffer.from(JSON.stringify([code, id])).toString('base64url');

function decodeCursor(cursor: string): [string, string] {
  const [code, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
  return [code, id];
}

const money = (amount: string | null, currency: string | null) =>
  amount === null || currency === null ? null : { amount, currency };

function customer(r: Record<string, string | null>) {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    email: r.email,
    phone: r.phone,
    taxId: r.tax_id,
    address: { street: r.street, postalCode: r.postal_code, city: r.city, region: r.region, country: r.country },
    creditLimit: money(r.credit_limit ?? null, r.credit_currency ?? null),
  };
}

function connection<T extends { code: string; id: string }>(nodes: T[], first: number, after: string | null) {
  const hasNextPage = nodes.length > first;
  if (hasNextPage) nodes.pop();
  const edges = nodes.map((node) => ({ node, cursor: cursorOf(node.code, node.id) }));
  return {
    edges,
    nodes,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

const resolvers = {
  Query: {
    customer: async (_: unknown, args: { code: string }, ctx: Context) => {
      const res = await query(ctx, 'customerByCode', [args.code.trim()]);
      return res.rows[0] ? customer(res.rows[0]) : null;
    },
    customers: async (
      _: unknown,
      args: { filter?: { country?: string | null } | null; first: number; after?: string | null },
      ctx: Context,
    ) => {
      const country = args.filter?.country?.toUpperCase() ?? null;
      const after = args.after ?? null;
      const res = after
        ? await query(ctx, 'customersByCountryAfter', [country, args.first + 1, ...decodeCursor(after)])
        : await query(ctx, 'customersByCountry', [country, args.first + 1]);
      return connection(res.rows.map(customer) as { code: string; id: string }[], args.first, after);
    },
    items: async (_: unknown, args: { first: number; after?: string | null }, ctx: Context) => {
      const after = args.after ?? null;
      const res = after
        ? await query(ctx, 'itemsWithSuppliersAfter', [args.first + 1, ...decodeCursor(after)])
        : await query(ctx, 'itemsWithSuppliers', [args.first + 1]);
      const items: { id: string; code: string; name: string; suppliers: unknown[] }[] = [];
      for (const r of res.rows) {
        let item = items.at(-1);
        if (!item || item.id !== r.id) items.push((item = { id: r.id, code: r.code, name: r.name, suppliers: [] }));
        if (r.supplier_code !== null) {
          item.suppliers.push({
            price: money(r.price, r.currency),
            supplier: { code: r.supplier_code, name: r.supplier_name },
          });
        }
      }
      return connection(items, args.first, after);
    },
  },
};

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function main(): Promise<void> {
  const pool = new pg.Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.DB_POOL_MAX ?? 10),
    application_name: 'mdhub-bench-baseline',
  });
  const apollo = new ApolloServer<Context>({ typeDefs, resolvers });
  await apollo.start();
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/readyz') {
        await pool.query('SELECT 1');
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}');
        return;
      }
      if (url.pathname !== '/graphql') {
        res.writeHead(404).end();
        return;
      }
      const headers = new HeaderMap();
      for (const [k, v] of Object.entries(req.headers))
        if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
      const text = req.method === 'POST' ? await readBody(req) : '';
      const ctx: Context = { pool, sql: { statements: 0 } };
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: {
          method: req.method ?? 'GET',
          headers,
          search: url.search,
          body: text ? JSON.parse(text) : undefined,
        },
        context: async () => ctx,
      });
      const out: Record<string, string> = { 'x-sql-statements': String(ctx.sql.statements) };
      for (const [k, v] of result.headers) out[k] = v;
      res.writeHead(result.status ?? 200, out);
      if (result.body.kind === 'complete') res.end(result.body.string);
      else {
        for await (const chunk of result.body.asyncIterator) res.write(chunk);
        res.end();
      }
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: String(e) }] }));
    }
  });
  server.keepAliveTimeout = 65_000;
  const port = Number(process.env.PORT ?? 4802);
  await new Promise<void>((resolve) => server.listen(port, process.env.HOST ?? '127.0.0.1', resolve));
  console.log(`baseline listening on http://127.0.0.1:${port}/graphql`);
  const stop = () => {
    server.close();
    server.closeIdleConnections();
    void apollo.stop().then(() => pool.end());
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
