/**
 * Order-to-cash reads under load: (a) the full order-to-cash view of one sales order (lines with shipped and
 * invoiced quantities, serving production and purchase orders, shipments, invoices, payments, timeline) and (b) a
 * page of 50 late orders with their customers and status, through mdhub's GraphQL endpoint, on 50,000 generated
 * sales orders of 5 lines with their downstream documents (bench/lib/orders-data.ts). Goal (from the issue): the
 * view ≤ 25 ms and the late page ≤ 50 ms at p99 under 20 concurrent clients, with SQL statements per request
 * reported and bounded (not growing with an order's lines or documents).
 *
 *   npx tsx bench/order-to-cash.ts [--quick] [--duration=15] [--warmup=3] [--connections=20] [--regenerate]
 *                                  [--write | --no-write] [--only=view,late] [--orders=N] [--seed=N] [--as-of=DATE]
 *
 * Data: database mdhub_bench_o2c (mdhub_bench_o2c_quick with --quick) on BENCH_DATABASE_URL, reused while its
 * marker shows the same generator, sizes, seed and migrations and an as-of day at most a week old. The late page
 * needs the derived-status engine (src/orders/status.ts, salesOrders(filter: { late }) in the schema); without it
 * that query is skipped and said so.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadGraphql } from './lib/load';
import { measureCpu } from './lib/cpu';
import { databaseUrl, parse } from './lib/options';
import {
  describeStats,
  ensureOrders,
  formatOrderSizes,
  O2C_SIZES,
  ORDERS_ARGS,
  ordersOptions,
  sameOrderSizes,
} from './lib/orders-data';
import { machine, RESULTS_FILE, writeSection } from './lib/results';
import { Rng, streamSeed } from './lib/rng';
import { ROOT, type Server, startServer } from './lib/servers';

const PORT = 4821;
/** Request bodies each query cycles through, so the load is not one cached order or page. */
const BODIES = 2_000;
/** Requests per query checked for errors and counted for SQL statements before the load. */
const SAMPLES = 40;
const GOALS = { view: 25, late: 50 } as const;

const QUERIES = {
  view: {
    title: 'order-to-cash view of one order',
    text: `query OrderToCash($n: String!) {
  salesOrder(number: $n) {
    number state customer { code name } total { amount currency }
    lines { lineNo item { code } quantity shippedQuantity invoicedQuantity }
    productionOrders { document { number } progress late }
    purchaseOrders { document { number } progress }
    shipments { number trackingNumber }
    invoices { number total { amount } }
    payments { number total { amount } }
    timeline { at system operation summary }
  }
}`,
  },
  late: {
    title: '50 late orders with customers',
    text: `query LateOrders($cursor: String) {
  salesOrders(filter: { late: true }, first: 50, after: $cursor) {
    nodes { number promisedDate customer { code name } status { code deliveredPercent } }
    pageInfo { endCursor hasNextPage }
  }
}`,
  },
} as const;

type QueryName = keyof typeof QUERIES;
const QUERY_NAMES = Object.keys(QUERIES) as QueryName[];

/** Whether the checkout's schema has what the late-orders query asks for. */
function lateQueryAvailable(): boolean {
  const dir = path.join(ROOT, 'schema');
  const sdl = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
  return /\bsalesOrders\s*\(\s*filter\s*:/.test(sdl) && /input SalesOrderFilter\s*{[^}]*\blate\s*:/.test(sdl);
}

interface Answer {
  json: { data?: Record<string, any>; errors?: unknown };
  statements: number;
}

async function post(server: Server, payload: string): Promise<Answer> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: payload,
  });
  const json = (await res.json()) as Answer['json'];
  if (res.status !== 200 || json.errors) {
    throw new Error(`${server.name} answered ${res.status}: ${JSON.stringify(json).slice(0, 500)}`);
  }
  return { json, statements: Number(res.headers.get('x-sql-statements') ?? NaN) };
}

const body = (q: QueryName, variables: Record<string, unknown>) =>
  JSON.stringify({ query: QUERIES[q].text, variables });

interface Sample {
  latencies: number[];
  errors: number;
  seconds: number;
}

/** One autocannon run, cycling through the bodies; latencies per successful response. */
async function load(server: Server, bodies: string[], seconds: number, connections: number): Promise<Sample> {
  return loadGraphql(server.url, bodies, seconds, connections);
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const range = (xs: number[]) => {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
};

interface Figures {
  requestsPerSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  responses: number;
  errors: number;
  statements: number[];
  cpu: { server: number | null; database: number | null };
}

interface OrderPick {
  number: string;
  docs: number;
  kinds: string;
}

/**
 * Orders to compare statement counts on: one with 2 downstream documents (shipments, invoices, payments, serving
 * orders), the one with the most, and the one with the fewest among those with the same kinds of documents as the
 * most (the view reads each kind with its own statement, so only a difference in count says whether they grow).
 */
async function orderExtremes(client: pg.Client): Promise<{ two: OrderPick; most: OrderPick; sameKinds: OrderPick }> {
  const res = await client.query<OrderPick & { pick: string }>(`
    WITH d AS (
      SELECT l.to_number AS so, l.from_kind, l.from_number FROM document_links l WHERE l.to_kind = 'sales_order'
      UNION
      SELECT b.to_number, p.from_kind, p.from_number FROM document_links b
        JOIN document_links p ON p.kind = 'pays' AND p.to_kind = 'invoice' AND p.to_number = b.from_number
      WHERE b.kind = 'bills' AND b.to_kind = 'sales_order'
    ),
    n AS (
      SELECT so AS number, count(*)::int AS docs, string_agg(DISTINCT from_kind::text, ',' ORDER BY from_kind::text) AS kinds
      FROM d GROUP BY so
    ),
    most AS (SELECT * FROM n ORDER BY docs DESC, number LIMIT 1)
    (SELECT 'two' AS pick, * FROM n WHERE docs = 2 ORDER BY number LIMIT 1)
    UNION ALL (SELECT 'most', * FROM most)
    UNION ALL (SELECT 'sameKinds', n.* FROM n JOIN most ON n.kinds = most.kinds ORDER BY n.docs, n.number LIMIT 1)`);
  const by = new Map(res.rows.map((r) => [r.pick, { number: r.number, docs: r.docs, kinds: r.kinds }]));
  if (by.size < 3) throw new Error('the data has no order with 2 downstream documents');
  return { two: by.get('two')!, most: by.get('most')!, sameKinds: by.get('sameKinds')! };
}

export async function run(argv: string[]): Promise<void> {
  const started = performance.now();
  const values = parse(argv, {
    ...ORDERS_ARGS,
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    regenerate: { type: 'boolean' },
    write: { type: 'boolean' },
    'no-write': { type: 'boolean' },
    only: { type: 'string' },
  });
  const opts = ordersOptions(values);
  const duration = Number(values.duration ?? process.env.BENCH_DURATION ?? 15);
  const warmup = Number(values.warmup ?? process.env.BENCH_WARMUP ?? 3);
  const connections = Number(values.connections ?? process.env.BENCH_CONNECTIONS ?? 20);
  const only = values.only ? String(values.only).split(',') : QUERY_NAMES;
  const wanted = QUERY_NAMES.filter((q) => only.includes(q));

  // Figures from a machine busy with other work are lower and noisier; the load average says how busy it was.
  const loadBefore = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
  console.log(`load average (1 / 5 / 15 min): ${loadBefore}`);

  const { marker, reused } = await ensureOrders(opts, Boolean(values.regenerate));
  console.log(`  ${describeStats(marker.stats)}`);

  const skipped: string[] = [];
  const queries = wanted.filter((q) => {
    if (q !== 'late') return true;
    if (!lateQueryAvailable()) skipped.push('late orders: the schema has no salesOrders(filter: { late }) yet');
    else if (marker.stats.status.startsWith('none'))
      skipped.push('late orders: no status engine filled order_status (src/orders/status.ts missing)');
    else return true;
    return false;
  });
  for (const s of skipped) console.log(`skipped: ${s}`);

  const url = databaseUrl(opts);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const rng = new Rng(streamSeed(opts.seed, 'o2c-requests'));
  const numbers = (
    await client.query<{ number: string }>(`SELECT number FROM documents WHERE kind = 'sales_order' ORDER BY number`)
  ).rows.map((r) => r.number);
  const extremes = await orderExtremes(client);
  const lateCount = queries.includes('late')
    ? (
        await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM order_status s
           WHERE s.promised_date < current_date AND NOT s.delivered AND s.status NOT IN ('cancelled', 'closed')`,
        )
      ).rows[0]!.n
    : null;
  const pgVersion = (await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]!.v;
  await client.end();
  const bodies: Record<QueryName, string[]> = { view: [], late: [] };
  for (let i = 0; i < BODIES; i++) bodies.view.push(body('view', { n: rng.pick(numbers) }));

  let server: Server | null = null;
  const results = new Map<QueryName, Figures>();
  let growth: Growth | null = null;
  let latePages = 0;
  try {
    server = await startServer({
      name: 'mdhub-o2c',
      args: [path.join(ROOT, 'bin', 'mdhub'), 'serve', '--no-demo'],
      env: {
        DATABASE_URL: url,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(PORT),
        LOG_LEVEL: 'warn',
        MDHUB_DEMO: 'false',
        MDHUB_WORKERS: 'false',
        MDHUB_SQL_COUNT_HEADER: 'true',
        DB_POOL_MAX: '10',
      },
      port: PORT,
    });

    if (queries.includes('late')) {
      // Every page's cursor, walked once from the first page; the load then asks for random pages.
      const cursors: (string | null)[] = [null];
      for (let cursor: string | null = null; ;) {
        const a = await post(server, body('late', { cursor }));
        const page = a.json.data!.salesOrders as { pageInfo: { endCursor: string | null; hasNextPage: boolean } };
        latePages++;
        if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) break;
        cursor = page.pageInfo.endCursor;
        cursors.push(cursor);
      }
      for (let i = 0; i < BODIES; i++) bodies.late.push(body('late', { cursor: rng.pick(cursors) }));
      console.log(`late orders: ${fmt(lateCount ?? 0)} in order_status, ${latePages} pages of 50`);
    }

    // Statements of the view for an order with 2 downstream documents, the one with the most, and one with the
    // same kinds of documents as that one but fewer of them.
    const counts = async (number: string) => {
      const out: number[] = [];
      for (let i = 0; i < 3; i++) {
        const a = await post(server!, body('view', { n: number }));
        if (!a.json.data?.salesOrder) throw new Error(`salesOrder ${number} answered null`);
        out.push(a.statements);
      }
      return out;
    };
    growth = {
      two: await counts(extremes.two.number),
      most: await counts(extremes.most.number),
      sameKinds: await counts(extremes.sameKinds.number),
    };
    console.log(`view statements: ${growthText(extremes, growth)}`);

    // Every query's sample before any load: requests still in flight from a load would share the pool with them.
    const statements = new Map<QueryName, number[]>();
    for (const q of queries) {
      const list: number[] = [];
      for (const payload of bodies[q].slice(0, SAMPLES)) {
        const a = await post(server, payload);
        if (q === 'view' && !a.json.data?.salesOrder)
          throw new Error(`the view answered null for ${payload.slice(-40)}`);
        list.push(a.statements);
      }
      statements.set(q, list);
    }

    for (const q of queries) {
      await load(server, bodies[q], warmup, connections);
      const { result, spent } = await measureCpu(server.child.pid, opts.database, () =>
        load(server!, bodies[q], duration, connections),
      );
      const sorted = [...result.latencies].sort((a, b) => a - b);
      const perResponse = (ms: number | null) => (ms === null || !sorted.length ? null : ms / sorted.length);
      const f: Figures = {
        requestsPerSecond: sorted.length / result.seconds,
        p50: percentile(sorted, 50),
        p90: percentile(sorted, 90),
        p99: percentile(sorted, 99),
        max: sorted.at(-1) ?? NaN,
        responses: sorted.length,
        errors: result.errors,
        statements: statements.get(q)!,
        cpu: { server: perResponse(spent.server), database: perResponse(spent.database) },
      };
      results.set(q, f);
      console.log(
        `${QUERIES[q].title.padEnd(34)} ${fmt(f.requestsPerSecond).padStart(6)} req/s  p50 ${fmt(f.p50, 1)} ms  ` +
          `p90 ${fmt(f.p90, 1)} ms  p99 ${fmt(f.p99, 1)} ms  ${range(f.statements)} SQL statements/request  ` +
          `CPU ms/request ${cpuText(f.cpu)}${f.errors ? `  ${f.errors} errors` : ''}`,
      );
    }
  } finally {
    await server?.stop();
  }

  const loadAfter = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
  const seconds = (performance.now() - started) / 1000;
  const rows: string[] = [];
  const verdicts: string[] = [];
  // The view reads a kind of document with a statement of its own only when the order has one (payments, the
  // serving orders' lines), so an order with more kinds may cost a statement more; more documents of the same
  // kinds must cost nothing more.
  const bounded = growth !== null && Math.max(...growth.most) <= Math.min(...growth.sameKinds);
  for (const q of queries) {
    const f = results.get(q)!;
    rows.push(
      `| ${QUERIES[q].title} | ${fmt(f.requestsPerSecond)} | ${fmt(f.p50, 1)} | ${fmt(f.p90, 1)} | ${fmt(f.p99, 1)} | ` +
        `${range(f.statements)} | ${cpuText(f.cpu)} | ${f.errors} |`,
    );
    const met = f.p99 <= GOALS[q] && f.errors === 0 && (q !== 'view' || bounded);
    verdicts.push(
      `- ${QUERIES[q].title}: **${met ? 'met' : 'not met'}** (p99 ${fmt(f.p99, 1)} ms against ≤ ${GOALS[q]} ms; ` +
        `${range(f.statements)} SQL statements per request${q === 'view' ? (bounded ? ', not growing with documents' : ', GROWING with documents') : ''})`,
    );
    // Closed loop: every client sends its next request when the last one is answered, so the mean latency is
    // clients ÷ throughput, and the goal bounds the CPU a request may cost on this machine.
    const needed = connections / (GOALS[q] / 1000);
    const cpu = f.cpu.server !== null && f.cpu.database !== null ? f.cpu.server + f.cpu.database : null;
    verdicts.push(
      `  - with ${connections} clients in a closed loop the mean latency is ${connections} ÷ ` +
        `${fmt(f.requestsPerSecond)} req/s = ${fmt((connections / f.requestsPerSecond) * 1000, 1)} ms; even a mean of ${GOALS[q]} ms ` +
        `takes ${fmt(needed)} req/s, at most ${fmt((os.cpus().length * 1000) / needed, 2)} ms of CPU per request on ` +
        `${os.cpus().length} cores (measured: ${cpu === null ? 'not measurable' : `${fmt(cpu, 2)} ms`})`,
    );
  }
  for (const s of skipped) verdicts.push(`- ${s}: not measured`);
  const growthLine = growth ? growthText(extremes, growth) : '';
  const table = [
    '| Query | req/s | p50 ms | p90 ms | p99 ms | SQL statements/request | CPU ms/request: server + PostgreSQL | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
  console.log(
    `\n${table}\n\nview statements: ${growthLine}\n${verdicts.join('\n')}\n\nwhole run: ${seconds.toFixed(0)} s`,
  );

  const standard =
    !values.quick &&
    sameOrderSizes(opts.sizes, O2C_SIZES) &&
    duration === 15 &&
    warmup === 3 &&
    connections === 20 &&
    queries.length === QUERY_NAMES.length;
  const write = !values['no-write'] && (standard || Boolean(values.write && !values.quick));
  if (!write) {
    console.log(`(not written to ${path.relative(ROOT, RESULTS_FILE)}: not the standard run; --write forces it)`);
    return;
  }
  const command = `npx tsx bench/order-to-cash.ts${argv.length ? ' ' + argv.join(' ') : ''}`;
  writeSection(
    'order-to-cash',
    '## Order-to-cash (issue: order-to-cash)',
    `Run ${new Date().toISOString().slice(0, 10)}, load average ${loadBefore} (1 / 5 / 15 min) before it and
${loadAfter} after it (the machine was shared with other work), on ${machine(`PostgreSQL ${pgVersion}`)}.

Data: ${formatOrderSizes(opts.sizes)}, from \`bench/lib/orders-data.ts\` (seed ${opts.seed}, dates as of ${marker.asOf}):
${describeStats(marker.stats)}. Derived status: ${marker.stats.status}.
${marker.seconds.toFixed(0)} s to generate, status and VACUUM ANALYZE included.

Command: \`${command}\` (also \`npm run bench -- order-to-cash\`). The whole run took ${seconds.toFixed(0)} s${reused ? ', the data being there already' : `, ${marker.seconds.toFixed(0)} s of it generating the data`}.

Method: mdhub (\`node bin/mdhub serve --no-demo\`, NODE_ENV=production, LOG_LEVEL=warn, no sync workers, a pool of 10
connections) as one Node process on the same ${os.cpus().length} cores as PostgreSQL and the load generator. autocannon in the
runner process: ${connections} connections, pipelining 1, ${warmup} s warm-up, then ${duration} s measured per query, cycling
through ${fmt(BODIES)} request bodies: (a) random order numbers for the view
(\`salesOrder(number)\` with customer, lines with shipped and invoiced quantities and items, production and purchase
orders with progress, shipments, invoices, payments, timeline); (b) random pages (cursors gathered by walking all
${latePages} pages first) of \`salesOrders(filter: { late: true }, first: 50)\` with number, promised date, customer and
status. Latencies are per response. Statements per request are the \`x-sql-statements\` headers of ${SAMPLES} requests per
query before the load, and for the view of ${growthLine} (three requests each). CPU per request is the user + system
time of the server process and of the database's PostgreSQL backends over the measured seconds, divided by the
responses.

${table}

Goals: the view ≤ ${GOALS.view} ms and the late page ≤ ${GOALS.late} ms at p99 under ${connections} concurrent clients; statements per
request bounded.

${verdicts.join('\n')}`,
  );
  console.log(`written to ${path.relative(ROOT, RESULTS_FILE)}`);
}

interface Growth {
  two: number[];
  most: number[];
  sameKinds: number[];
}

const growthText = (e: { two: OrderPick; most: OrderPick; sameKinds: OrderPick }, g: Growth) =>
  `${e.two.number} with ${e.two.docs} downstream documents (${e.two.kinds}): ${range(g.two)} statements; ` +
  `${e.most.number} with ${e.most.docs} (${e.most.kinds}): ${range(g.most)}; ` +
  `${e.sameKinds.number} with ${e.sameKinds.docs} of the same kinds: ${range(g.sameKinds)}`;

const cpuText = (c: Figures['cpu']) =>
  `${c.server === null ? '–' : fmt(c.server, 2)} + ${c.database === null ? '–' : fmt(c.database, 2)}`;

if (require.main === module) {
  run(process.argv.slice(2)).then(
    () => process.exit(0),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
