/**
 * The BOM engine: full explosion of the top product, multi-level where-used of a part on lines / 50 BOMs, and the
 * cost roll-up of the top product, through mdhub's GraphQL endpoint, against plain recursive SQL over the same lines
 * (the floor), on generated BOM forests of 5,000 to 50,000 lines (bench/lib/bom-forest.ts). Goal (from the issue):
 * at 50,000 lines, with a top product of 20,000-30,000 nodes, each GraphQL figure within 3× of the explosion floor.
 *
 *   npx tsx bench/bom.ts [--sizes=5000,10000,25000,50000] [--runs=30] [--warmup=5] [--regenerate] [--seed=N]
 *                        [--write | --no-write] [--results=file] [--quick]
 *
 * Each size has its own database, mdhub_bench_bom_<lines>, on BENCH_DATABASE_URL (the server; default
 * postgres://postgres@127.0.0.1:5432/postgres), reused while its marker shows the same generator, seed and
 * migrations. Latency is the figure: one request or query at a time, median and p90 of --runs after --warmup.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Dec } from '../src/decimal';
import {
  type ForestMarker,
  forestDatabase,
  forestMatches,
  generateForest,
  readForestMarker,
  TOP_CODE,
  TOP_TREE_COUNT,
  WU_CODE,
} from './lib/bom-forest';
import { databaseUrl, dataOptions, DEFAULT_SEED, parse } from './lib/options';
import { machine, RESULTS_FILE, writeSection } from './lib/results';
import { ROOT, type Server, startServer } from './lib/servers';

export const STANDARD_SIZES = [5_000, 10_000, 25_000, 50_000];
const DEFAULT_RUNS = 30;
const DEFAULT_WARMUP = 5;
/** GraphQL at most this many times the explosion floor (the issue's goal), at the largest size. */
const GOAL_FACTOR = 3;
const PORT = 4811;

type QueryName = 'explosion' | 'whereUsed' | 'cost';
const QUERY_NAMES: QueryName[] = ['explosion', 'whereUsed', 'cost'];
const TITLES: Record<QueryName, string> = {
  explosion: 'full explosion',
  whereUsed: 'where-used',
  cost: 'cost roll-up',
};

// ---- The floor: plain recursive SQL, run with pg from this process.

// Valid today, as an engine must check: both ends inclusive, null open. The generated forest has no dates, so
// this costs the floor only the checks themselves.
const BOM_VALID = `b.is_default AND b.status = 'released'
      AND (b.valid_from IS NULL OR b.valid_from <= current_date) AND (b.valid_to IS NULL OR b.valid_to >= current_date)`;
const LINE_VALID = `(l.valid_from IS NULL OR l.valid_from <= current_date) AND (l.valid_to IS NULL OR l.valid_to >= current_date)`;

/**
 * The walk down the top product's default BOMs: per node the line, the component, its level and its total quantity
 * (parent total × quantity in base unit × (1 + scrap %) ÷ the BOM's base quantity), exact; trim_scale keeps the
 * scale at the digits' own, where each level's division would otherwise add 16 or more decimals. `trim` false gives
 * the same query without it, timed for reference.
 */
const explosionCte = (trim: boolean) => {
  const t = (e: string) => (trim ? `trim_scale(${e})` : e);
  return `tree AS (
  SELECT l.id AS line_id, l.component_id, 1 AS level, l.phantom,
         ${t('$2::numeric * l.quantity_base * (1 + l.scrap_percent / 100) / b.base_quantity')} AS qty
    FROM items i
    JOIN boms b ON b.item_id = i.id AND ${BOM_VALID}
    JOIN bom_lines l ON l.bom_id = b.id AND ${LINE_VALID}
   WHERE i.code = $1
  UNION ALL
  SELECT l.id, l.component_id, t.level + 1, l.phantom,
         ${t('t.qty * l.quantity_base * (1 + l.scrap_percent / 100) / b.base_quantity')}
    FROM tree t
    JOIN boms b ON b.item_id = t.component_id AND ${BOM_VALID}
    JOIN bom_lines l ON l.bom_id = b.id AND ${LINE_VALID}
)`;
};

const FLOOR_SQL: Record<QueryName | 'explosionUntrimmed', string> = {
  explosion: `WITH RECURSIVE ${explosionCte(true)}
SELECT line_id, component_id, level, qty, phantom FROM tree`,
  explosionUntrimmed: `WITH RECURSIVE ${explosionCte(false)}
SELECT line_id, component_id, level, qty, phantom FROM tree`,
  // Upwards from the part: every path to every ancestor, with the part's quantity per unit of that ancestor.
  whereUsed: `WITH RECURSIVE up AS (
  SELECT l.id AS line_id, b.item_id, 1 AS level,
         trim_scale(l.quantity_base * (1 + l.scrap_percent / 100) / b.base_quantity) AS qty
    FROM items c
    JOIN bom_lines l ON l.component_id = c.id AND ${LINE_VALID}
    JOIN boms b ON b.id = l.bom_id AND ${BOM_VALID}
   WHERE c.code = $1
  UNION ALL
  SELECT l.id, b.item_id, u.level + 1,
         trim_scale(u.qty * l.quantity_base * (1 + l.scrap_percent / 100) / b.base_quantity)
    FROM up u
    JOIN bom_lines l ON l.component_id = u.item_id AND ${LINE_VALID}
    JOIN boms b ON b.id = l.bom_id AND ${BOM_VALID}
)
SELECT line_id, item_id, level, qty FROM up`,
  // The explosion's parts (nodes without a BOM of their own) times their standard cost, per level and in all.
  cost: `WITH RECURSIVE ${explosionCte(true)}
SELECT t.level, sum(t.qty * i.standard_cost) AS amount
  FROM tree t
  JOIN items i ON i.id = t.component_id
 WHERE NOT EXISTS (SELECT 1 FROM boms b WHERE b.item_id = t.component_id AND ${BOM_VALID})
 GROUP BY ROLLUP (t.level)`,
};

const FLOOR_ARGS: Record<keyof typeof FLOOR_SQL, unknown[]> = {
  explosion: [TOP_CODE, '1'],
  explosionUntrimmed: [TOP_CODE, '1'],
  whereUsed: [WU_CODE],
  cost: [TOP_CODE, '1'],
};

// ---- The GraphQL side.

const GRAPHQL: Record<QueryName, { field: string; text: string; variables: Record<string, unknown> }> = {
  explosion: {
    field: 'bomExplosion',
    text: `query Explode($code: String!) { bomExplosion(itemCode: $code, quantity: "1") { nodeCount depth compact } }`,
    variables: { code: TOP_CODE },
  },
  whereUsed: {
    field: 'whereUsed',
    text: `query WhereUsed($code: String!) {
  whereUsed(itemCode: $code) { nodeCount pathCount compact topLevel { item { code } quantity paths } }
}`,
    variables: { code: WU_CODE },
  },
  cost: {
    field: 'bomCost',
    text: `query Cost($code: String!) {
  bomCost(itemCode: $code, quantity: "1", priceSource: STANDARD_COST, currency: "EUR") {
    total { amount currency } levels { level amount { amount currency } } missingPrices { code }
  }
}`,
    variables: { code: TOP_CODE },
  },
};

/** The queries whose root field the checkout's schema declares; the others are skipped with a message. */
function availableQueries(): { available: QueryName[]; missing: string[] } {
  const dir = path.join(ROOT, 'schema');
  const sdl = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
  const available: QueryName[] = [];
  const missing: string[] = [];
  for (const q of QUERY_NAMES) {
    if (new RegExp(`\\b${GRAPHQL[q].field}\\s*\\(`).test(sdl)) available.push(q);
    else missing.push(GRAPHQL[q].field);
  }
  return { available, missing };
}

interface Timed {
  ms: number[];
  median: number;
  p90: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;
}

function summarise(ms: number[]): Timed {
  const sorted = [...ms].sort((a, b) => a - b);
  return { ms, median: percentile(sorted, 50), p90: percentile(sorted, 90) };
}

async function post(
  server: Server,
  body: string,
): Promise<{ text: string; status: number; statements: number; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  // The response is timed until its last byte; parsing it here is the client's business, as is pg's row decoding
  // on the floor side (which is in the floor's time).
  const text = await res.text();
  const ms = performance.now() - started;
  return { text, status: res.status, statements: Number(res.headers.get('x-sql-statements') ?? NaN), ms };
}

// ---- Checks of the GraphQL answers against the floor.

interface FloorFacts {
  nodes: number;
  phantomNodes: number;
  depth: number;
  /** Component id + '|' + canonical total quantity of every non-phantom node, sorted. */
  nodeQuantities: string[];
  /** Rows of the upward walk: every path from the part to every item above it (the engine's nodeCount). */
  wuPaths: number;
  /** Of these, the paths that end at a top-level item (the engine's pathCount). */
  wuTopPaths: number;
  /** The part's total per top-level item (summed over its paths) and the paths, by code. */
  wuTop: Map<string, { quantity: string; paths: number }>;
  costTotal: string;
  costLevels: { level: number; amount: string }[];
}

async function floorFacts(client: pg.Client): Promise<FloorFacts> {
  const census = (await client.query<{ nodes: number; phantoms: number; depth: number }>(TOP_TREE_COUNT, [TOP_CODE]))
    .rows[0]!;
  const explosion = await client.query<{ component_id: string; qty: string; phantom: boolean }>(
    FLOOR_SQL.explosion,
    FLOOR_ARGS.explosion,
  );
  if (explosion.rows.length !== census.nodes) {
    throw new Error(`the floor explosion returned ${explosion.rows.length} rows, the count says ${census.nodes}`);
  }
  const nodeQuantities = explosion.rows
    .filter((r) => !r.phantom)
    .map((r) => `${r.component_id}|${new Dec(r.qty).toFixed()}`)
    .sort();
  const up = await client.query<{ item_id: string; qty: string }>(FLOOR_SQL.whereUsed, FLOOR_ARGS.whereUsed);
  // Top level: items that no BOM in use has as a component.
  const tops = await client.query<{ id: string; code: string }>(
    `SELECT i.id, i.code FROM items i WHERE i.id = ANY($1::uuid[]) AND NOT EXISTS (
       SELECT 1 FROM bom_lines l JOIN boms b ON b.id = l.bom_id AND ${BOM_VALID} WHERE l.component_id = i.id AND ${LINE_VALID})`,
    [[...new Set(up.rows.map((r) => r.item_id))]],
  );
  const topCode = new Map(tops.rows.map((r) => [r.id, r.code]));
  const wuTop = new Map<string, { quantity: string; paths: number }>();
  let wuTopPaths = 0;
  for (const r of up.rows) {
    const c = topCode.get(r.item_id);
    if (!c) continue;
    const t = wuTop.get(c) ?? { quantity: '0', paths: 0 };
    wuTop.set(c, { quantity: new Dec(t.quantity).plus(r.qty).toFixed(), paths: t.paths + 1 });
    wuTopPaths++;
  }
  const cost = await client.query<{ level: number | null; amount: string | null }>(FLOOR_SQL.cost, FLOOR_ARGS.cost);
  const total = cost.rows.find((r) => r.level === null)!;
  return {
    nodes: census.nodes,
    phantomNodes: census.phantoms,
    depth: census.depth,
    nodeQuantities,
    wuPaths: up.rows.length,
    wuTopPaths,
    wuTop,
    costTotal: new Dec(total.amount ?? 0).toFixed(),
    costLevels: cost.rows
      .filter((r) => r.level !== null)
      .map((r) => ({ level: r.level!, amount: new Dec(r.amount ?? 0).toFixed() }))
      .sort((a, b) => a.level - b.level),
  };
}

const asRecord = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/** Equal as decimals; or, when the answer has fewer decimals, equal to the exact value rounded (half even) to them. */
function sameDecimal(answer: string, exact: string): 'exact' | 'rounded' | false {
  const a = new Dec(answer);
  const e = new Dec(exact);
  if (a.eq(e)) return 'exact';
  return a.decimalPlaces() < e.decimalPlaces() && e.toDecimalPlaces(a.decimalPlaces(), Dec.ROUND_HALF_EVEN).eq(a)
    ? 'rounded'
    : false;
}

/**
 * Checks one answer against the floor's facts: throws on a wrong count or total, returns notes on what was
 * compared (and on what could not be, where the answer's shape is not the planned one).
 */
function check(q: QueryName, data: Record<string, unknown>, facts: FloorFacts): string[] {
  const notes: string[] = [];
  if (q === 'explosion') {
    const nodeCount = Number(data.nodeCount);
    // The engine passes phantom lines through (their lines take their place): the floor counts them as nodes.
    if (nodeCount === facts.nodes - facts.phantomNodes) {
      notes.push(
        `nodeCount ${nodeCount} = floor rows ${facts.nodes} - ${facts.phantomNodes} phantom nodes passed through`,
      );
    } else if (nodeCount === facts.nodes) notes.push(`nodeCount ${nodeCount} = floor rows`);
    else {
      throw new Error(
        `explosion: nodeCount ${data.nodeCount}, the floor has ${facts.nodes} rows (${facts.phantomNodes} phantom)`,
      );
    }
    if (Number(data.depth) !== facts.depth) {
      throw new Error(`explosion: depth ${data.depth}, the floor's is ${facts.depth}`);
    }
    const compact = asRecord(data.compact);
    const itemsList = compact?.items;
    const itemIdx = compact?.item;
    const quantity = compact?.quantity;
    if (Array.isArray(itemsList) && Array.isArray(itemIdx) && Array.isArray(quantity)) {
      const ids = itemsList.map((i) => String(asRecord(i)?.id));
      const got = itemIdx.map((ix, n) => `${ids[Number(ix)]}|${new Dec(String(quantity[n])).toFixed()}`).sort();
      const want = nodeCount === facts.nodes ? null : facts.nodeQuantities;
      if (want && got.length === want.length && got.every((v, n) => v === want[n])) {
        notes.push(`compact: every node's item and total quantity equal the floor's`);
      } else if (want) {
        const wanted = new Set(want);
        const off = got.filter((v) => !wanted.has(v)).slice(0, 3);
        throw new Error(
          `explosion: compact nodes differ from the floor's (${got.length} vs ${want.length}), e.g. ${off}`,
        );
      }
    } else notes.push(`compact: not the planned arrays (items, item, quantity); node quantities not compared`);
  } else if (q === 'whereUsed') {
    if (Number(data.nodeCount) !== facts.wuPaths || Number(data.pathCount) !== facts.wuTopPaths) {
      throw new Error(
        `where-used: nodeCount ${data.nodeCount} and pathCount ${data.pathCount}, the floor has ` +
          `${facts.wuPaths} rows and ${facts.wuTopPaths} of them at top-level items`,
      );
    }
    notes.push(
      `nodeCount ${facts.wuPaths} = floor rows, pathCount ${facts.wuTopPaths} = floor rows at top-level items`,
    );
    const top = data.topLevel;
    if (Array.isArray(top)) {
      const got = new Map<string, { quantity: string; paths: number }>();
      for (const t of top) {
        const r = asRecord(t);
        const c = String(asRecord(r?.item)?.code);
        const g = got.get(c) ?? { quantity: '0', paths: 0 };
        got.set(c, {
          quantity: new Dec(g.quantity).plus(String(r?.quantity)).toFixed(),
          paths: g.paths + Number(r?.paths),
        });
      }
      const bad = [...facts.wuTop].filter(([c, want]) => {
        const g = got.get(c);
        return !g || !new Dec(g.quantity).eq(want.quantity) || g.paths !== want.paths;
      });
      if (got.size !== facts.wuTop.size || bad.length) {
        throw new Error(
          `where-used: topLevel has ${got.size} items, the floor ${facts.wuTop.size}; differing: ` +
            bad
              .slice(0, 3)
              .map(([c, want]) => `${c} ${JSON.stringify(got.get(c))} vs ${JSON.stringify(want)}`)
              .join(', '),
        );
      }
      notes.push(`topLevel: ${got.size} items with the floor's quantities and path counts`);
    }
  } else {
    const total = asRecord(data.total);
    const same = sameDecimal(String(total?.amount), facts.costTotal);
    if (!same || total?.currency !== 'EUR') {
      throw new Error(`cost: total ${JSON.stringify(total)}, the floor's sum is ${facts.costTotal} EUR`);
    }
    notes.push(
      same === 'exact'
        ? `total ${String(total.amount)} EUR = the floor's sum`
        : `total ${String(total.amount)} EUR = the floor's sum ${facts.costTotal} rounded half-even`,
    );
    // Every part of the forest has a standard cost in EUR.
    const missing = data.missingPrices;
    if (Array.isArray(missing) && missing.length) throw new Error(`cost: ${missing.length} missing prices, not none`);
  }
  return notes;
}

// ---- One size.

interface SizeResult {
  lines: number;
  marker: ForestMarker;
  reused: boolean;
  facts: FloorFacts;
  floor: Record<keyof typeof FLOOR_SQL, Timed>;
  graphql: Partial<Record<QueryName, Timed & { statements: number; bytes: number; notes: string[] }>>;
  skipped: string[];
}

async function runSize(
  lines: number,
  o: { serverUrl: string; seed: number; runs: number; warmup: number; regenerate: boolean; queries: QueryName[] },
): Promise<SizeResult> {
  const old = await readForestMarker(o.serverUrl, lines);
  const reused = !o.regenerate && forestMatches(old, lines, o.seed);
  const marker = reused ? old! : await generateForest(o.serverUrl, lines, o.seed);
  if (reused) console.log(`reusing the forest of ${lines.toLocaleString('en')} lines in ${forestDatabase(lines)}`);
  const url = databaseUrl({ serverUrl: o.serverUrl, database: forestDatabase(lines) });
  // JIT off, as the hub's own connections run: the floor is PostgreSQL's best plain answer, not a compile.
  const client = new pg.Client({ connectionString: url, options: '-c jit=off' });
  await client.connect();
  let server: Server | null = null;
  try {
    const facts = await floorFacts(client);
    console.log(
      `  floor: ${facts.nodes.toLocaleString('en')} nodes (${facts.phantomNodes} phantom), depth ${facts.depth}; ` +
        `where-used ${facts.wuPaths.toLocaleString('en')} rows, ${facts.wuTopPaths.toLocaleString('en')} paths to ` +
        `${facts.wuTop.size} top-level items; ` +
        `cost ${facts.costTotal} EUR`,
    );
    const skipped: string[] = [];
    const usable: QueryName[] = [];
    if (o.queries.length) {
      try {
        server = await startServer({
          name: `mdhub-bom-${lines}`,
          args: [path.join(ROOT, 'bin', 'mdhub'), 'serve', '--no-demo'],
          env: {
            DATABASE_URL: url,
            NODE_ENV: 'production',
            HOST: '127.0.0.1',
            PORT: String(PORT),
            LOG_LEVEL: 'warn',
            MDHUB_DEMO: 'false',
            MDHUB_SQL_COUNT_HEADER: 'true',
          },
          port: PORT,
        });
      } catch (e) {
        skipped.push(`all GraphQL queries: mdhub did not start (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    const bodies = Object.fromEntries(
      QUERY_NAMES.map((q) => [q, JSON.stringify({ query: GRAPHQL[q].text, variables: GRAPHQL[q].variables })]),
    ) as Record<QueryName, string>;
    const graphql: SizeResult['graphql'] = {};
    const firstAnswers = new Map<QueryName, { notes: string[]; statements: number; bytes: number }>();
    for (const q of server ? o.queries : []) {
      const r = await post(server!, bodies[q]);
      const json = (r.status === 200 ? JSON.parse(r.text) : null) as {
        data?: Record<string, unknown>;
        errors?: unknown;
      };
      const data = asRecord(json?.data?.[GRAPHQL[q].field]);
      if (r.status !== 200 || json.errors || !data) {
        skipped.push(`${GRAPHQL[q].field}: answered ${r.status} ${r.text.slice(0, 300)}`);
        continue;
      }
      let notes: string[];
      try {
        notes = check(q, data, facts);
      } catch (e) {
        // Timed all the same, but marked: a fast wrong answer meets no goal.
        notes = [`CHECK FAILED: ${e instanceof Error ? e.message : String(e)}`];
      }
      firstAnswers.set(q, { notes, statements: r.statements, bytes: Buffer.byteLength(r.text) });
      usable.push(q);
    }
    for (const [q, a] of firstAnswers) console.log(`  ${TITLES[q]}: ${a.notes.join('; ')}`);
    for (const s of skipped) console.log(`  skipped ${s}`);

    // Warm-up, then rounds that take each measurement in turn, so a burst of other work on the machine falls on
    // the floor and the endpoint alike.
    const floorNames = Object.keys(FLOOR_SQL) as (keyof typeof FLOOR_SQL)[];
    const floorMs = Object.fromEntries(floorNames.map((f) => [f, [] as number[]])) as Record<
      keyof typeof FLOOR_SQL,
      number[]
    >;
    const graphqlMs = Object.fromEntries(usable.map((q) => [q, [] as number[]])) as Record<QueryName, number[]>;
    for (let round = 0; round < o.warmup + o.runs; round++) {
      const measured = round >= o.warmup;
      for (const f of floorNames) {
        const started = performance.now();
        const res = await client.query(FLOOR_SQL[f], FLOOR_ARGS[f]);
        const ms = performance.now() - started;
        if (f !== 'cost' && res.rows.length === 0) throw new Error(`floor ${f} returned no rows`);
        if (measured) floorMs[f].push(ms);
      }
      for (const q of usable) {
        const r = await post(server!, bodies[q]);
        if (r.status !== 200 || r.text.includes('"errors"')) {
          throw new Error(`${GRAPHQL[q].field} answered ${r.status} ${r.text.slice(0, 300)}`);
        }
        if (measured) graphqlMs[q].push(r.ms);
      }
    }
    const floor = Object.fromEntries(floorNames.map((f) => [f, summarise(floorMs[f])])) as SizeResult['floor'];
    for (const q of usable) graphql[q] = { ...summarise(graphqlMs[q]), ...firstAnswers.get(q)! };
    return { lines, marker, reused, facts, floor, graphql, skipped };
  } finally {
    await client.end();
    await server?.stop();
  }
}

// ---- Output.

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–';
const ms = (t: Timed | undefined) => (t ? `${fmt(t.median, 1)} (${fmt(t.p90, 1)})` : '–');
const ratio = (a: Timed | undefined, b: Timed) => (a ? `${fmt(a.median / b.median, 2)}×` : '–');

function tables(results: SizeResult[]): { data: string; timings: string; scaling: string } {
  const data = [
    '| Lines | BOMs | Items | Top product: nodes (phantom) | Levels | Where-used: BOMs, rows (every path to every item above), paths to top-level items, top-level items | Cost roll-up (EUR) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${fmt(r.lines)} | ${fmt(r.marker.stats.boms)} | ${fmt(r.marker.stats.items)} | ` +
        `${fmt(r.facts.nodes)} (${fmt(r.facts.phantomNodes)}) | ${r.facts.depth} | ` +
        `${fmt(r.marker.stats.wuBoms)}, ${fmt(r.facts.wuPaths)}, ${fmt(r.facts.wuTopPaths)}, ${fmt(r.facts.wuTop.size)} | ` +
        `${new Dec(r.facts.costTotal).toFixed(2)} |`,
    ),
  ].join('\n');
  const rows: string[] = [];
  for (const r of results) {
    for (const q of QUERY_NAMES) {
      const g = r.graphql[q];
      rows.push(
        `| ${fmt(r.lines)} | ${TITLES[q]} | ${ms(r.floor[q])} | ${ms(g)} | ${ratio(g, r.floor.explosion)} | ` +
          `${ratio(g, r.floor[q])} | ${g ? `${fmt(g.statements)} / ${fmt(g.bytes / 1024)} KiB` : '–'} |`,
      );
    }
  }
  const timings = [
    '| Lines | Query | Floor: median (p90) ms | GraphQL: median (p90) ms | GraphQL ÷ explosion floor | GraphQL ÷ its own floor | GraphQL: SQL statements / response size |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
  const first = results[0]!;
  const last = results[results.length - 1]!;
  const growth = (a: number, b: number) => (a > 0 ? `×${fmt(b / a, 1)}` : '–');
  const scaleRows = [
    ['explosion floor', (r: SizeResult) => r.floor.explosion.median],
    ['explosion floor without trim_scale', (r: SizeResult) => r.floor.explosionUntrimmed.median],
    ['where-used floor', (r: SizeResult) => r.floor.whereUsed.median],
    ['cost floor', (r: SizeResult) => r.floor.cost.median],
    ...QUERY_NAMES.map((q) => [`GraphQL ${TITLES[q]}`, (r: SizeResult) => r.graphql[q]?.median ?? NaN] as const),
  ] as const;
  const scaling = [
    `| Figure | ${results.map((r) => `${fmt(r.lines)} lines`).join(' | ')} | ${fmt(first.lines)} → ${fmt(last.lines)} |`,
    `| --- | ${results.map(() => '---:').join(' | ')} | ---: |`,
    `| top product nodes | ${results.map((r) => fmt(r.facts.nodes)).join(' | ')} | ${growth(first.facts.nodes, last.facts.nodes)} |`,
    `| where-used rows | ${results.map((r) => fmt(r.facts.wuPaths)).join(' | ')} | ${growth(first.facts.wuPaths, last.facts.wuPaths)} |`,
    ...scaleRows.map(
      ([name, pick]) =>
        `| ${name} ms | ${results.map((r) => fmt(pick(r), 1)).join(' | ')} | ${growth(pick(first), pick(last))} |`,
    ),
  ].join('\n');
  return { data, timings, scaling };
}

export async function run(argv: string[]): Promise<void> {
  const started = performance.now();
  const values = parse(argv, {
    sizes: { type: 'string' },
    runs: { type: 'string' },
    warmup: { type: 'string' },
    regenerate: { type: 'boolean' },
    write: { type: 'boolean' },
    'no-write': { type: 'boolean' },
    // Another file than bench/RESULTS.md, to see what a run would write.
    results: { type: 'string' },
  });
  const opts = dataOptions(values);
  const sizes = values.sizes
    ? String(values.sizes)
        .split(',')
        .map((s) => Number(s.replace(/_/g, '')))
    : values.quick
      ? [5_000]
      : STANDARD_SIZES;
  if (sizes.some((n) => !Number.isInteger(n) || n < 1_000))
    throw new Error(`--sizes: whole numbers >= 1000, not ${values.sizes}`);
  sizes.sort((a, b) => a - b);
  const runs = Number(values.runs ?? (values.quick ? 10 : DEFAULT_RUNS));
  const warmup = Number(values.warmup ?? (values.quick ? 3 : DEFAULT_WARMUP));
  const { available, missing } = availableQueries();
  if (missing.length) {
    console.log(
      `GraphQL: schema/*.graphql has no ${missing.join(', ')} yet; ` +
        (available.length
          ? `timing only ${available.map((q) => GRAPHQL[q].field).join(', ')}`
          : 'timing the floor only'),
    );
  }
  const standard =
    sizes.join() === STANDARD_SIZES.join() &&
    runs === DEFAULT_RUNS &&
    warmup === DEFAULT_WARMUP &&
    opts.seed === DEFAULT_SEED;
  const resultsFile = values.results ? path.resolve(String(values.results)) : RESULTS_FILE;
  const write = values['no-write']
    ? false
    : Boolean(values.write) || (standard && available.length === QUERY_NAMES.length);

  const loadBefore = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
  console.log(`load average (1 / 5 / 15 min): ${loadBefore}`);
  const results: SizeResult[] = [];
  for (const lines of sizes) {
    console.log(`\n--- ${lines.toLocaleString('en')} lines`);
    const r = await runSize(lines, {
      serverUrl: opts.serverUrl,
      seed: opts.seed,
      runs,
      warmup,
      regenerate: Boolean(values.regenerate),
      queries: available,
    });
    results.push(r);
    for (const q of QUERY_NAMES) {
      const g = r.graphql[q];
      console.log(
        `  ${TITLES[q].padEnd(15)} floor ${ms(r.floor[q]).padStart(16)} ms   GraphQL ${ms(g).padStart(16)} ms` +
          (g ? `   ${ratio(g, r.floor.explosion)} the explosion floor, ${ratio(g, r.floor[q])} its own` : ''),
      );
    }
    console.log(`  explosion floor without trim_scale: ${ms(r.floor.explosionUntrimmed)} ms`);
  }
  const seconds = (performance.now() - started) / 1000;
  const { data, timings, scaling } = tables(results);
  const largest = results[results.length - 1]!;
  const verdicts = QUERY_NAMES.map((q) => {
    const g = largest.graphql[q];
    if (!g)
      return `- ${TITLES[q]}: not measured (${missing.includes(GRAPHQL[q].field) ? 'not in the schema' : 'skipped'})`;
    const factor = g.median / largest.floor.explosion.median;
    const wrong = results.some((r) => r.graphql[q]?.notes.some((n) => n.startsWith('CHECK FAILED')));
    return (
      `- ${TITLES[q]}: ${wrong ? 'not met (a wrong answer, see the checks)' : factor <= GOAL_FACTOR ? 'met' : 'not met'} at ${fmt(largest.lines)} lines ` +
      `(${fmt(g.median, 1)} ms, ${fmt(factor, 2)}× the explosion floor of ${fmt(largest.floor.explosion.median, 1)} ms)`
    );
  });
  const checks = results
    .flatMap((r) => [
      ...QUERY_NAMES.filter((q) => r.graphql[q]).map(
        (q) => `- ${fmt(r.lines)} lines, ${TITLES[q]}: ${r.graphql[q]!.notes.join('; ')}`,
      ),
      ...r.skipped.map((s) => `- ${fmt(r.lines)} lines, skipped ${s}`),
    ])
    .join('\n');
  console.log(
    `\n${data}\n\n${timings}\n\n${scaling}\n\n${checks}\n\n${verdicts.join('\n')}\n\nwhole run: ${seconds.toFixed(0)} s`,
  );

  if (!write) {
    console.log(
      `(not written to ${path.relative(ROOT, resultsFile)}: ` +
        `${values['no-write'] ? '--no-write' : 'not the standard run, or the API is not all there'}; --write forces it)`,
    );
    return;
  }
  const pgVersion = await (async () => {
    const c = new pg.Client({ connectionString: opts.serverUrl });
    await c.connect();
    try {
      return (await c.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]!.v;
    } finally {
      await c.end();
    }
  })();
  const generated = results.filter((r) => !r.reused);
  const command = `npx tsx bench/bom.ts${argv.length ? ' ' + argv.join(' ') : ''}`;
  writeSection(
    'bom',
    '## BOM engine (issue: BOM engine)',
    `Run ${new Date().toISOString().slice(0, 10)}, load average ${loadBefore} (1 / 5 / 15 min) before it, on
${machine(`PostgreSQL ${pgVersion}`)}.

Data: BOM forests of ${results.map((r) => fmt(r.lines)).join(', ')} lines from \`bench/lib/bom-forest.ts\` (seed ${opts.seed}),
one database each (\`mdhub_bench_bom_<lines>\`): parts, phantom kits, sub-assemblies in nine tiers and finished
products, one released default BOM per made item. The top product \`${TOP_CODE}\` takes sub-assemblies that are shared
many times over, so its tree, every path counted, has about lines ÷ 2 nodes, ten levels deep; the part \`${WU_CODE}\` is on
lines ÷ 50 BOMs (the top product's, one deep in its tree, the rest picked so that its where-used stays near lines ÷ 5
paths). Line quantities are exact decimals, some in g, cm or mm of kg or m parts, some with 2.5 % or 5 % scrap;
some BOMs are for 10 pieces. ${
      generated.length
        ? `Generated in this run: ${generated.map((r) => `${fmt(r.lines)} lines in ${r.marker.seconds.toFixed(1)} s`).join(', ')}.`
        : 'All forests were there already.'
    }

Command: \`${command}\` (also part of \`npm run bench\`). The whole run took ${seconds.toFixed(0)} s.

Method: the floor is plain recursive SQL over the same lines, sent with pg from the runner process (JIT off, as the
hub's connections run) and every row returned to the client: the explosion walks the top product's default released
BOMs valid today and computes each node's level and total quantity (parent total × quantity in base unit ×
(1 + scrap % ÷ 100) ÷ base quantity, exact, \`trim_scale\`d at each level: without it each level's division adds 16 or
more decimals, and the same query is slower, see the scaling table); where-used walks up from the part to the roots
along every path; the cost floor is the explosion's parts (nodes without a BOM) times their standard cost, summed per
level and in all. mdhub runs as \`node bin/mdhub serve --no-demo\` (NODE_ENV=production, LOG_LEVEL=warn) on the same
${os.cpus().length} cores as PostgreSQL and the runner, and gets one POST /graphql at a time (latency is the figure), timed
until the response's last byte:

\`\`\`graphql
${QUERY_NAMES.map((q) => GRAPHQL[q].text.replace(/\s+/g, ' ')).join('\n')}
\`\`\`

Per size, ${warmup} rounds of warm-up, then ${runs} measured rounds, each taking every floor query and every GraphQL
query in turn, so that other work on the machine falls on both alike; figures are the median and p90. Before the
rounds, the first answers are checked against the floor: the explosion's node count (the engine passes phantom lines
through, so it counts the floor's rows less the phantom ones) and every node's item and total quantity, the
where-used path count and its top-level items with their quantities, the cost total to the floor's exact sum.

${data}

${timings}

Scaling (medians, ms):

${scaling}

Checks of the first answers:

${checks}

Goal: at ${fmt(largest.lines)} lines, each GraphQL figure within ${GOAL_FACTOR}× of the explosion floor.

${verdicts.join('\n')}`,
    resultsFile,
  );
  console.log(`written to ${path.relative(ROOT, resultsFile)}`);
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    () => process.exit(0),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
