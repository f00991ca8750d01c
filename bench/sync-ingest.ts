/**
 * Sync ingest: a generated CRM of customer records (about 10 % of them companies typed in a second time, with
 * typos) synced into a fresh hub database through the full path (http-json connector over HTTP, staging with
 * content hashes, matching, golden records with survivorship, history, crosswalk and lineage), then synced again
 * after 5 % of the records changed. Reports records/s of both runs, a plain PostgreSQL COPY of the same rows into
 * an indexed table in the same run for comparison, and the precision and recall of the duplicate detection against
 * the generator's truth. Goals: >= 10,000 records/s on the first run, >= 100,000 records/s for the unchanged
 * records of the second, precision and recall >= 0.95.
 *
 *   npx tsx bench/sync-ingest.ts [--quick] [--records=1000000] [--page-size=5000] [--seed=N] [--write | --no-write]
 *
 * Environment: BENCH_DATABASE_URL (server, default postgres://postgres@127.0.0.1:5432/postgres). The database
 * mdhub_bench_sync (mdhub_bench_sync_quick with --quick) is dropped and created anew on every run.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import '../connectors';
import { openHub } from '../src/app';
import { loadConfig } from '../src/config';
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { generateCustomers, type SourceCustomer } from './lib/customer-source';
import { DEFAULT_SEED, parse } from './lib/options';
import { machine, RESULTS_FILE, writeSection } from './lib/results';
import { OUT_DIR, ROOT } from './lib/servers';

const GOALS = { firstRun: 10_000, secondRun: 100_000, precision: 0.95, recall: 0.95 };

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });

interface RunFigures {
  seconds: number;
  counts: Record<'read' | 'inserted' | 'updated' | 'unchanged' | 'deleted' | 'failed', number>;
  status: string;
  error: string | null;
}

/** Pairs of source records put into one golden record, against the pairs that describe one company. */
export function pairQuality(
  assignments: { index: number; golden: string }[],
  company: Int32Array,
): { precision: number; recall: number; predictedPairs: number; truePairs: number; correctPairs: number } {
  const pairs = (k: number) => (k * (k - 1)) / 2;
  const perGolden = new Map<string, number>();
  const perGoldenCompany = new Map<string, number>();
  const perCompany = new Map<number, number>();
  for (const a of assignments) {
    const c = company[a.index]!;
    perGolden.set(a.golden, (perGolden.get(a.golden) ?? 0) + 1);
    const key = `${a.golden}|${c}`;
    perGoldenCompany.set(key, (perGoldenCompany.get(key) ?? 0) + 1);
    perCompany.set(c, (perCompany.get(c) ?? 0) + 1);
  }
  let predictedPairs = 0;
  for (const k of perGolden.values()) predictedPairs += pairs(k);
  let correctPairs = 0;
  for (const k of perGoldenCompany.values()) correctPairs += pairs(k);
  let truePairs = 0;
  for (const k of perCompany.values()) truePairs += pairs(k);
  return {
    precision: predictedPairs === 0 ? 1 : correctPairs / predictedPairs,
    recall: truePairs === 0 ? 1 : correctPairs / truePairs,
    predictedPairs,
    truePairs,
    correctPairs,
  };
}

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return `"${s.replace(/"/g, '""')}"`;
}

/**
 * The limit: the same rows COPYed by psql into a table with a primary key on the external id and a b-tree on
 * (country, postal code), the payload as jsonb. Returns seconds for the COPY alone (the CSV is written first).
 */
function copyBaseline(url: string, records: SourceCustomer[]): number {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const file = path.join(OUT_DIR, 'sync-ingest-copy.csv');
  const fd = fs.openSync(file, 'w');
  let buf: string[] = [];
  for (const r of records) {
    const a = r.address as Record<string, unknown>;
    buf.push(
      [r.id, r.name, r.email, r.phone, r.taxId, a.postalCode, a.city, a.country, r.updatedAt, r]
        .map(csvField)
        .join(',') + '\n',
    );
    if (buf.length >= 10_000) {
      fs.writeSync(fd, buf.join(''));
      buf = [];
    }
  }
  fs.writeSync(fd, buf.join(''));
  fs.closeSync(fd);
  const psql = (sql: string) =>
    execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { stdio: 'pipe' });
  psql(`DROP TABLE IF EXISTS copy_customers;
    CREATE TABLE copy_customers (external_id text PRIMARY KEY, name text NOT NULL, email text, phone text,
      tax_id text, postal_code text, city text, country text, updated_at text, payload jsonb NOT NULL);
    CREATE INDEX ON copy_customers (country, postal_code);`);
  const t = process.hrtime.bigint();
  psql(`\\copy copy_customers FROM '${file}' WITH (FORMAT csv)`);
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  fs.rmSync(file);
  return seconds;
}

interface Source {
  child: ChildProcess;
  baseUrl: string;
  control: string;
  duplicates: number;
  changed: number;
  /** The company of each record, by record number. */
  company: Int32Array;
}

async function startSource(seed: number, records: number): Promise<Source> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--max-old-space-size=8192', 'bench/lib/customer-source.ts', String(seed), String(records)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the source exited with ${code}`)));
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
  });
  const [, baseUrl, duplicates, changed] = line.split(' ');
  const control = baseUrl!.replace(/\/api$/, '/control');
  const truth = Buffer.from(await (await fetch(`${control}/truth`)).arrayBuffer());
  const company = new Int32Array(truth.buffer, truth.byteOffset, truth.byteLength / 4);
  return { child, baseUrl: baseUrl!, control, duplicates: Number(duplicates), changed: Number(changed), company };
}

async function recreateDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  // BENCH_LOG_SQL=1 logs every statement with its duration to the server log, to see where the time goes.
  if (process.env.BENCH_LOG_SQL === '1') await admin.query(`ALTER DATABASE ${name} SET log_min_duration_statement = 0`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function run(argv: string[]): Promise<void> {
  const values = parse(argv, {
    records: { type: 'string' },
    'page-size': { type: 'string' },
    write: { type: 'boolean' },
    'no-write': { type: 'boolean' },
  });
  const quick = Boolean(values.quick);
  const records = Number(String(values.records ?? (quick ? 100_000 : 1_000_000)).replace(/_/g, ''));
  const pageSize = Number(values['page-size'] ?? 5_000);
  const seed = Number(values.seed ?? DEFAULT_SEED);
  const issueSize = records === 1_000_000;
  const write = values['no-write'] ? false : (values.write ?? issueSize);
  const serverUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const database = quick ? 'mdhub_bench_sync_quick' : 'mdhub_bench_sync';
  const started = Date.now();

  // The source runs as a process of its own, so its records live in another heap than the hub's.
  const t = Date.now();
  const source = await startSource(seed, records);
  const generateSeconds = (Date.now() - t) / 1000;
  console.log(
    `source ready with ${fmt(records)} records (${fmt(source.duplicates)} duplicates; ${fmt(source.changed)} changed for the second run) after ${generateSeconds.toFixed(1)} s`,
  );

  const url = await recreateDatabase(serverUrl, database);
  const config = loadConfig({
    DATABASE_URL: url,
    LOG_LEVEL: 'warn',
    MDHUB_DEMO: 'false',
    MDHUB_SECRET_KEY: randomBytes(32).toString('base64'),
    MDHUB_SYNC_PAGE_SIZE: String(pageSize),
  });
  const { database: db, services } = await openHub(config);
  try {
    const connection = await services.connections.create(
      {
        name: 'crm',
        type: 'http-json',
        settings: {
          baseUrl: source.baseUrl,
          pageSize: Math.min(pageSize, 10_000),
          streams: [{ name: 'customers', entity: 'customer', path: '/customers' }],
        },
      },
      { kind: 'system', id: 'bench' },
    );
    const runner = services.sync.runner;
    const syncOnce = async (label: string): Promise<RunFigures> => {
      const created = await runner.createRun(connection.id, 'full', 'bench');
      let pages = 0;
      const t0 = process.hrtime.bigint();
      const done = await runner.execute(created.id, {
        onPage: () => {
          if (++pages % 20 === 0) process.stdout.write(`  ${label}: ${fmt(pages * pageSize)} records\r`);
        },
      });
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const figures: RunFigures = {
        seconds,
        status: done.status,
        error: done.error,
        counts: {
          read: done.read,
          inserted: done.inserted,
          updated: done.updated,
          unchanged: done.unchanged,
          deleted: done.deleted,
          failed: done.failed,
        },
      };
      console.log(
        `${label}: ${done.status} in ${seconds.toFixed(1)} s, ${fmt(records / seconds)} records/s ${JSON.stringify(figures.counts)}`,
      );
      if (done.status !== 'succeeded') throw new Error(`${label} failed: ${done.error}`);
      return figures;
    };

    const first = await syncOnce('first run');
    const goldenAfterFirst = Number(
      (await db.pool.query(`SELECT count(*) AS n FROM customers WHERE status <> 'archived'`)).rows[0].n,
    );
    const assigned = await db.pool.query<{ external_id: string; golden_id: string }>(
      `SELECT external_id, golden_id::text AS golden_id FROM source_records WHERE system = 'crm'`,
    );
    const quality = pairQuality(
      assigned.rows.map((r) => ({ index: Number(r.external_id.slice(1)) - 1, golden: r.golden_id })),
      source.company,
    );
    const companies = new Set(source.company).size;
    console.log(
      `golden customers ${fmt(goldenAfterFirst)} (companies in the source: ${fmt(companies)}); precision ${quality.precision.toFixed(4)}, recall ${quality.recall.toFixed(4)} (${fmt(quality.correctPairs)} of ${fmt(quality.predictedPairs)} merged pairs right, ${fmt(quality.truePairs)} true pairs)`,
    );

    await fetch(`${source.control}/state/2`, { method: 'POST' });
    const secondRun = await syncOnce('second run');

    await db.pool.query('CHECKPOINT');
    // The same rows for the COPY, made by the same generator here, after both runs.
    const copySeconds = copyBaseline(url, generateCustomers({ seed, records }).records);
    console.log(
      `COPY of the same ${fmt(records)} rows: ${copySeconds.toFixed(1)} s, ${fmt(records / copySeconds)} rows/s`,
    );

    const pgVersion = (await db.pool.query<{ v: string }>(`SELECT split_part(version(), ' on ', 1) AS v`)).rows[0]!.v;
    const load = os.loadavg().map((l) => l.toFixed(2));
    const firstRate = records / first.seconds;
    const secondRate = records / secondRun.seconds;
    const totalSeconds = (Date.now() - started) / 1000;
    const verdict = (ok: boolean) => (ok ? 'met' : 'not met');
    const text = `
Run ${new Date().toISOString().slice(0, 10)}, load average ${load.join(' / ')} (1 / 5 / 15 min) after it, on
${machine(pgVersion)}.

Data: ${fmt(records)} source customer records from \`bench/lib/customer-source.ts\` (seed ${seed}): ${fmt(source.duplicates)}
of them a company entered a second time (name retyped with typos or other case, tax id kept in 40 %, e-mail in 50 %,
phone in 70 %, same address), ${fmt(companies)} companies in all; for the second run ${fmt(source.changed)} records changed
(street, payment terms or legal name, with a new change time), the rest sent exactly as before.

Command: \`npx tsx bench/sync-ingest.ts\` (also part of \`npm run bench\`). The whole run took ${fmt(totalSeconds)} s,
${generateSeconds.toFixed(0)} s of it generating the data.

Method: a fresh database on the local PostgreSQL; the hub's services opened as \`mdhub serve\` opens them, with
\`MDHUB_SYNC_PAGE_SIZE=${pageSize}\`; a connection of type \`http-json\` to the generated source, served over HTTP from the
same process (pages serialised on request); two full runs through \`SyncRunner\` (read, stage with content hash,
match, golden records with survivorship, history, outbox, crosswalk and lineage, one transaction per page with its
checkpoint). The COPY is psql's \`\\copy\` of the same rows (id, name, e-mail, phone, tax id, postal code, city,
country, change time and the payload as jsonb) into a table with a primary key and one b-tree index, in the same run.
Precision and recall count pairs of source records: a pair put into one golden record is right when the generator
made both from one company.

| Measure | Figure | Goal | |
| --- | ---: | ---: | --- |
| first run | ${fmt(firstRate)} records/s (${first.seconds.toFixed(1)} s; ${fmt(first.counts.inserted)} staged, ${fmt(goldenAfterFirst)} golden records) | ${fmt(GOALS.firstRun)} records/s | ${verdict(firstRate >= GOALS.firstRun)} |
| second run | ${fmt(secondRate)} records/s (${secondRun.seconds.toFixed(1)} s; ${fmt(secondRun.counts.unchanged)} unchanged, ${fmt(secondRun.counts.updated)} changed) | ${fmt(GOALS.secondRun)} records/s | ${verdict(secondRate >= GOALS.secondRun)} |
| COPY of the same rows | ${fmt(records / copySeconds)} rows/s (${copySeconds.toFixed(1)} s) | (the limit) | |
| precision of duplicate detection | ${quality.precision.toFixed(4)} (${fmt(quality.correctPairs)} of ${fmt(quality.predictedPairs)} merged pairs) | ${GOALS.precision} | ${verdict(quality.precision >= GOALS.precision)} |
| recall of duplicate detection | ${quality.recall.toFixed(4)} (${fmt(quality.correctPairs)} of ${fmt(quality.truePairs)} true pairs) | ${GOALS.recall} | ${verdict(quality.recall >= GOALS.recall)} |
`;
    console.log(text);
    if (write) {
      writeSection('sync-ingest', '## Sync ingest (issue: sync runtime and golden records)', text);
      console.log(`written to ${RESULTS_FILE}`);
    }
  } finally {
    source.child.kill();
    await db.close();
  }
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    () => process.exit(0),
    (e) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : e);
      process.exit(1);
    },
  );
}
