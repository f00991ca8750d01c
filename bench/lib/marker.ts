import type pg from 'pg';

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
