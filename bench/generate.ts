/**
 * Reproducible benchmark data: a fresh PostgreSQL database with mdhub's migrations, then customers, suppliers,
 * items and supplier offers as the hub itself would have stored them (normalised values, search text, version 1,
 * one history row each), loaded set-based in batches. Same seed and sizes, same data, on any machine.
 *
 *   npx tsx bench/generate.ts [--quick] [--customers=N --suppliers=N --items=N --links=N --seed=N --database=name]
 *
 * Environment: BENCH_DATABASE_URL (server, default postgres://postgres@127.0.0.1:5432/postgres), BENCH_DATABASE,
 * BENCH_CUSTOMERS, BENCH_SUPPLIERS, BENCH_ITEMS, BENCH_LINKS, BENCH_SEED.
 */
import { getTableColumns, getTableName } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { migrate } from '../src/db/migrate';
import { openDatabase } from '../src/db/pool';
import { MasterService } from '../src/master/service';
import { searchText } from '../src/master/normalise';
import { customers, items, recordHistory, supplierItems, suppliers } from '../src/master/tables';
import { UNITS_PER_EUR, writeMarker } from './lib/marker';
import { fixed, makeItem } from './lib/catalog';
import { type DataOptions, databaseUrl, dataOptions, formatSizes, parse, sameSizes, type Sizes } from './lib/options';
import { Rng, streamSeed } from './lib/rng';
import { makeParty } from './lib/world';

/** Bumped whenever the generator's output changes, so a stored data set from an older generator is not reused. */
export const GENERATOR_VERSION = 2;
const BATCH = 5_000;
const ACTOR = { kind: 'system', id: 'bench' } as const;
const ACTOR_LABEL = `${ACTOR.kind}:${ACTOR.id}`;
// Records are spread over these years, in code order, as if the hub had been in use that long.
const FIRST_CREATED = Date.UTC(2019, 0, 7, 8, 0, 0);
const LAST_CREATED = Date.UTC(2025, 9, 31, 17, 0, 0);

export interface Marker {
  generator: number;
  seed: number;
  sizes: Sizes;
  generatedAt: string;
  seconds: number;
}

type Row = Record<string, unknown>;
type Client = pg.ClientBase;

/** INSERT ... SELECT FROM unnest(...) of one batch: one statement and one array parameter per column. */
async function insertBatch(client: Client, table: PgTable, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.entries(getTableColumns(table)).filter(([prop]) => prop in rows[0]!);
  const name = getTableName(table);
  const params = columns.map(([prop]) =>
    rows.map((r) => {
      const v = r[prop];
      return v instanceof Date ? v.toISOString() : v;
    }),
  );
  const text =
    `INSERT INTO "${name}" (${columns.map(([, c]) => `"${c.name}"`).join(', ')}) ` +
    `SELECT * FROM unnest(${columns.map(([, c], i) => `$${i + 1}::${c.getSQLType()}[]`).join(', ')})`;
  await client.query(text, params);
}

/** The history row the store writes on create: the record as drizzle returned it, as JSON. */
function historyRow(entity: string, row: Row & { id: string; createdAt: Date }): Row {
  return {
    entity,
    entityId: row.id,
    version: 1,
    operation: 'created',
    data: JSON.stringify(row),
    changedAt: row.createdAt,
    actorKind: ACTOR.kind,
    actorId: ACTOR.id,
    reason: null,
  };
}

/** Creation times in code order with some jitter, at millisecond precision like the columns. */
function createdAt(rng: Rng, index: number, total: number): Date {
  const span = LAST_CREATED - FIRST_CREATED;
  const t = FIRST_CREATED + Math.floor((span * index) / Math.max(total, 1)) + rng.int(0, 3_600_000);
  return new Date(Math.min(t, LAST_CREATED));
}

const code = (prefix: string, n: number) => prefix + String(n).padStart(6, '0');

function status(rng: Rng): string {
  const r = rng.next();
  return r < 0.95 ? 'active' : r < 0.98 ? 'blocked' : 'archived';
}

interface PartyRef {
  id: string;
  currency: string;
  createdAt: Date;
}

async function loadParties(
  client: Client,
  kind: 'customer' | 'supplier',
  total: number,
  seed: number,
): Promise<PartyRef[]> {
  const rng = new Rng(streamSeed(seed, kind));
  const table = kind === 'customer' ? customers : suppliers;
  const prefix = kind === 'customer' ? 'CUST-' : 'SUPP-';
  const refs: PartyRef[] = [];
  for (let start = 0; start < total; start += BATCH) {
    const rows: (Row & { id: string; createdAt: Date })[] = [];
    for (let i = start; i < Math.min(start + BATCH, total); i++) {
      const p = makeParty(rng);
      const c = code(prefix, i + 1);
      const at = createdAt(rng, i, total);
      const row: Row & { id: string; createdAt: Date } = {
        id: rng.uuid(),
        code: c,
        status: status(rng),
        version: 1,
        searchText: searchText(`${p.name} ${c}`),
        createdAt: at,
        updatedAt: at,
        createdBy: ACTOR_LABEL,
        updatedBy: ACTOR_LABEL,
        ...p,
      };
      if (kind === 'customer') {
        const credit = rng.chance(0.6);
        const amount = rng.int(1, 100) * 5_000 * (UNITS_PER_EUR[p.currency] ?? 1);
        row.creditLimit = credit ? fixed(amount, 0) + '.0000' : null;
        row.creditCurrency = credit ? p.currency : null;
      }
      rows.push(row);
      refs.push({ id: row.id, currency: p.currency, createdAt: at });
    }
    await insertBatch(client, table, rows);
    await insertBatch(
      client,
      recordHistory,
      rows.map((r) => historyRow(kind, r)),
    );
  }
  return refs;
}

interface ItemRef {
  id: string;
  baseUnit: string;
  cost: string | null;
  costCurrency: string | null;
  createdAt: Date;
}

async function loadItems(client: Client, total: number, seed: number, units: Set<string>): Promise<ItemRef[]> {
  const rng = new Rng(streamSeed(seed, 'item'));
  const refs: ItemRef[] = [];
  for (let start = 0; start < total; start += BATCH) {
    const rows: (Row & { id: string; createdAt: Date })[] = [];
    for (let i = start; i < Math.min(start + BATCH, total); i++) {
      const v = makeItem(rng, units);
      const c = code('ITEM-', i + 1);
      const at = createdAt(rng, i, total);
      const row = {
        id: rng.uuid(),
        code: c,
        status: status(rng),
        version: 1,
        searchText: searchText(`${v.name} ${c}`),
        createdAt: at,
        updatedAt: at,
        createdBy: ACTOR_LABEL,
        updatedBy: ACTOR_LABEL,
        ...v,
      };
      rows.push(row);
      refs.push({
        id: row.id,
        baseUnit: v.baseUnit,
        cost: v.standardCost,
        costCurrency: v.costCurrency,
        createdAt: at,
      });
    }
    await insertBatch(client, items, rows);
    await insertBatch(
      client,
      recordHistory,
      rows.map((r) => historyRow('item', r)),
    );
  }
  return refs;
}

/** Offers: unique supplier-item pairs, a few large suppliers with many items, at most one preferred per item. */
async function loadOffers(
  client: Client,
  total: number,
  seed: number,
  supplierRefs: PartyRef[],
  itemRefs: ItemRef[],
): Promise<void> {
  const rng = new Rng(streamSeed(seed, 'supplierItem'));
  const seen = new Set<number>();
  const hasPreferred = new Set<number>();
  let rows: (Row & { id: string; createdAt: Date })[] = [];
  const flush = async () => {
    await insertBatch(client, supplierItems, rows);
    await insertBatch(
      client,
      recordHistory,
      rows.map((r) => historyRow('supplierItem', r)),
    );
    rows = [];
  };
  for (let n = 0; n < total;) {
    const i = rng.int(0, itemRefs.length - 1);
    const s = Math.floor(supplierRefs.length * rng.next() ** 1.7);
    const key = i * supplierRefs.length + s;
    if (seen.has(key)) continue;
    seen.add(key);
    n++;
    const item = itemRefs[i]!;
    const supplier = supplierRefs[s]!;
    const currency = rng.chance(0.7) ? supplier.currency : (item.costCurrency ?? 'EUR');
    const baseMicros = item.cost ? Number(item.cost.replace('.', '')) : rng.int(10_000, 50_000_000);
    // Round to 1/100 of a cent; the column keeps six decimals, so the text has two trailing zeros.
    const price = Math.max(
      1,
      Math.round((baseMicros * (0.7 + 0.7 * rng.next()) * (UNITS_PER_EUR[currency] ?? 1)) / 100),
    );
    const preferred = !hasPreferred.has(i) && rng.chance(0.6);
    if (preferred) hasPreferred.add(i);
    const from = Math.max(item.createdAt.getTime(), supplier.createdAt.getTime());
    const at = new Date(from + Math.floor((LAST_CREATED + 86_400_000 - from) * rng.next()));
    rows.push({
      id: rng.uuid(),
      supplierId: supplier.id,
      itemId: item.id,
      supplierItemCode: rng.chance(0.8) ? rng.pattern('@@-#####') : null,
      price: fixed(price * 100, 6),
      currency,
      priceUnit: rng.chance(0.1) ? item.baseUnit : null,
      leadTimeDays: rng.chance(0.7) ? rng.int(2, 90) : null,
      minQty: rng.chance(0.4) ? fixed(rng.pick([1, 10, 100, 500]), 0) + '.000000' : null,
      preferred,
      version: 1,
      createdAt: at,
      updatedAt: at,
    });
    if (rows.length === BATCH) await flush();
  }
  await flush();
}

/** The marker of the data set in a bench database, or null when it is missing or unfinished. */
export async function readMarker(opts: DataOptions): Promise<Marker | null> {
  const client = new pg.Client({ connectionString: databaseUrl(opts) });
  try {
    await client.connect();
  } catch {
    return null;
  }
  try {
    const res = await client.query(`SELECT value FROM bench_marker WHERE name = 'master-data'`);
    return (res.rows[0]?.value as Marker | undefined) ?? null;
  } catch {
    return null;
  } finally {
    await client.end();
  }
}

export function markerMatches(marker: Marker | null, opts: DataOptions): marker is Marker {
  return (
    marker !== null &&
    marker.generator === GENERATOR_VERSION &&
    marker.seed === opts.seed &&
    sameSizes(marker.sizes, opts.sizes)
  );
}

/** Drops and recreates the bench database and loads the data set. */
export async function generate(opts: DataOptions, say: (line: string) => void = console.log): Promise<Marker> {
  const started = performance.now();
  let last = started;
  const lap = (what: string) => {
    const now = performance.now();
    say(`  ${what.padEnd(44)} ${((now - last) / 1000).toFixed(1).padStart(6)} s`);
    last = now;
  };
  say(`generating ${formatSizes(opts.sizes)} (seed ${opts.seed}) into database ${opts.database}`);
  const admin = new pg.Client({ connectionString: opts.serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${opts.database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${opts.database}`);
  } finally {
    await admin.end();
  }
  const database = await openDatabase({ url: databaseUrl(opts), poolMax: 2, applicationName: 'mdhub-bench' });
  try {
    await migrate(database.pool);
    await new MasterService(database.db, { defaultRegion: 'DE', codeRules: {} }).init();
    lap('database, migrations, coding rules');
    const client = await database.pool.connect();
    try {
      await client.query('BEGIN');
      // A lost commit on a crash only means generating again.
      await client.query('SET LOCAL synchronous_commit = off');
      const units = new Set((await client.query<{ code: string }>('SELECT code FROM units')).rows.map((r) => r.code));
      await loadParties(client, 'customer', opts.sizes.customers, opts.seed);
      lap(`${opts.sizes.customers} customers + history`);
      const supplierRefs = await loadParties(client, 'supplier', opts.sizes.suppliers, opts.seed);
      lap(`${opts.sizes.suppliers} suppliers + history`);
      const itemRefs = await loadItems(client, opts.sizes.items, opts.seed, units);
      lap(`${opts.sizes.items} items + history`);
      await loadOffers(client, opts.sizes.links, opts.seed, supplierRefs, itemRefs);
      lap(`${opts.sizes.links} supplier-item links + history`);
      // Codes given out so far stay taken: a record created later through the API gets the next number.
      for (const [entity, n] of [
        ['customer', opts.sizes.customers],
        ['supplier', opts.sizes.suppliers],
        ['item', opts.sizes.items],
      ] as const) {
        await client.query('UPDATE coding_rules SET next_value = $2 WHERE entity = $1', [entity, n + 1]);
      }
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
    await database.pool.query('VACUUM ANALYZE');
    lap('VACUUM ANALYZE');
    const marker: Marker = {
      generator: GENERATOR_VERSION,
      seed: opts.seed,
      sizes: opts.sizes,
      generatedAt: new Date().toISOString(),
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
    await writeMarker(database.pool, 'master-data', 'bench/generate.ts', marker);
    say(`  ${'total'.padEnd(44)} ${marker.seconds.toFixed(1).padStart(6)} s`);
    return marker;
  } finally {
    await database.close();
  }
}

if (require.main === module) {
  const opts = dataOptions(parse(process.argv.slice(2), {}));
  generate(opts).then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
