import { parseArgs } from 'node:util';

export interface Sizes {
  customers: number;
  suppliers: number;
  items: number;
  links: number;
}

/** The data set the issue asks for; anything else is a quick or exploratory run. */
export const ISSUE_SIZES: Sizes = { customers: 100_000, suppliers: 5_000, items: 20_000, links: 50_000 };
export const DEFAULT_SEED = 20_261_122;

export interface DataOptions {
  /** A database URL on the server where the bench database is created (its own database name is not used). */
  serverUrl: string;
  database: string;
  sizes: Sizes;
  seed: number;
}

/** Options shared by the generator and the runners: `--customers=1000` or BENCH_CUSTOMERS=1000, and so on. */
export const DATA_ARGS = {
  customers: { type: 'string' },
  suppliers: { type: 'string' },
  items: { type: 'string' },
  links: { type: 'string' },
  seed: { type: 'string' },
  database: { type: 'string' },
  quick: { type: 'boolean' },
} as const;

function count(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}: not a whole number: ${raw}`);
  return n;
}

export function dataOptions(values: Record<string, string | boolean | undefined>, env = process.env): DataOptions {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  // --quick: a tenth of the issue's sizes, for trying the benchmark out in seconds.
  const base = values.quick
    ? { customers: 10_000, suppliers: 500, items: 2_000, links: 5_000 }
    : (ISSUE_SIZES satisfies Sizes);
  const sizes: Sizes = {
    customers: count('customers', str('customers') ?? env.BENCH_CUSTOMERS, base.customers),
    suppliers: count('suppliers', str('suppliers') ?? env.BENCH_SUPPLIERS, base.suppliers),
    items: count('items', str('items') ?? env.BENCH_ITEMS, base.items),
    links: count('links', str('links') ?? env.BENCH_LINKS, base.links),
  };
  if (sizes.suppliers === 0 || sizes.items === 0) sizes.links = 0;
  sizes.links = Math.min(sizes.links, sizes.suppliers * sizes.items);
  // A quick run gets its own database, so trying the benchmark out does not replace the full data set.
  const database = str('database') ?? env.BENCH_DATABASE ?? (values.quick ? 'mdhub_bench_quick' : 'mdhub_bench');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) throw new Error(`database: not a plain lower-case name: ${database}`);
  return {
    serverUrl: env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    database,
    sizes,
    seed: count('seed', str('seed') ?? env.BENCH_SEED, DEFAULT_SEED),
  };
}

export function parse(argv: string[], options: Record<string, { type: 'string' | 'boolean' }>) {
  return parseArgs({ args: argv, options: { ...DATA_ARGS, ...options }, allowPositionals: false }).values as Record<
    string,
    string | boolean | undefined
  >;
}

/** The bench database's URL: the server URL with the database name replaced. */
export function databaseUrl(opts: Pick<DataOptions, 'serverUrl' | 'database'>): string {
  const url = new URL(opts.serverUrl);
  url.pathname = `/${opts.database}`;
  return url.toString();
}

export const sameSizes = (a: Sizes, b: Sizes) =>
  a.customers === b.customers && a.suppliers === b.suppliers && a.items === b.items && a.links === b.links;

export const formatSizes = (s: Sizes) =>
  `${s.customers.toLocaleString('en')} customers, ${s.items.toLocaleString('en')} items, ` +
  `${s.suppliers.toLocaleString('en')} suppliers, ${s.links.toLocaleString('en')} supplier-item links`;
