import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { ROOT } from './servers';

/** A hash over the migration files: data loaded under other migrations is loaded again. */
export function migrationsHash(): string {
  const dir = path.join(ROOT, 'migrations');
  const hash = crypto.createHash('sha256');
  for (const f of fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.sql'))
    .sort()) {
    hash.update(f).update(fs.readFileSync(path.join(dir, f)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Rough size of a currency unit against the euro, so generated prices and limits are plausible in any currency. */
export const UNITS_PER_EUR: Readonly<Record<string, number>> = {
  JPY: 160,
  KRW: 1_500,
  HUF: 400,
  INR: 90,
  CNY: 8,
  TWD: 35,
  CZK: 25,
  SEK: 11,
  NOK: 11,
  DKK: 7,
  PLN: 4,
  MXN: 20,
  TRY: 35,
  BRL: 6,
};

/**
 * Records which data set a generator loaded into a bench database. Written last, so a database whose generation
 * was interrupted has no marker and is generated again.
 */
export async function writeMarker(pool: pg.Pool, name: string, generator: string, marker: object): Promise<void> {
  await pool.query(
    `CREATE TABLE bench_marker (name text PRIMARY KEY, value jsonb NOT NULL);
     COMMENT ON TABLE bench_marker IS 'which data set ${generator.replace(/'/g, "''")} loaded into this database'`,
  );
  await pool.query(`INSERT INTO bench_marker (name, value) VALUES ($1, $2)`, [name, JSON.stringify(marker)]);
}
