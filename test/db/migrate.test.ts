import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate } from '../../src/db/migrate';
import { openDatabase } from '../../src/db/pool';
import { createTestDatabase, usingPostgres } from '../helpers/db';

const root = path.join(__dirname, '..', '..');

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'bin', 'mdhub'), ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

async function tableCount(url: string | undefined, pool?: import('pg').Pool): Promise<number> {
  const p = pool ?? (await openDatabase({ url })).pool;
  const r = await p.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`);
  if (!pool) await p.end();
  return r.rows[0].n;
}

describe('migrations', () => {
  it('two migrations started at once in one process take turns and both succeed', async () => {
    const db = await createTestDatabase({ migrate: false });
    try {
      await Promise.all([migrate(db.database.pool), migrate(db.database.pool), migrate(db.database.pool)]);
      expect(await tableCount(undefined, db.database.pool)).toBeGreaterThanOrEqual(10);
      const units = await db.database.pool.query('SELECT count(*)::int AS n FROM units');
      expect(units.rows[0].n).toBeGreaterThan(10);
    } finally {
      await db.close();
    }
  });

  // Two processes cannot share one embedded database (its data directory takes a lock file), so this runs on
  // PostgreSQL only; the embedded run covers the in-process queue with the test above.
  (usingPostgres ? it : it.skip)(
    'two mdhub processes migrating one PostgreSQL database at once do not collide',
    async () => {
      // Runs only against a real PostgreSQL: the embedded database belongs to one process by design (next test).
      const db = await createTestDatabase({ migrate: false });
      try {
        const env = { DATABASE_URL: db.url! };
        const [a, b] = await Promise.all([runCli(['migrate'], env), runCli(['migrate'], env)]);
        expect([a.code, b.code, a.out, b.out]).toEqual([
          0,
          0,
          expect.stringContaining('migrations applied'),
          expect.stringContaining('migrations applied'),
        ]);
        const applied = await db.database.pool.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
        const journal = JSON.parse(fs.readFileSync(path.join(root, 'migrations', 'meta', '_journal.json'), 'utf8'));
        expect(applied.rows[0].n).toBe(journal.entries.length);
      } finally {
        await db.close();
      }
    },
    120_000,
  );

  it('the embedded database keeps its data across restarts and refuses a second process', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdhub-embedded-'));
    try {
      const first = await openDatabase({ dataDir: dir });
      await migrate(first.pool);
      await first.pool.query(
        `INSERT INTO units (code, name, category, factor) VALUES ('bbl', 'barrel', 'volume', 158.987294928)`,
      );
      const second = await runCli(['migrate'], { MDHUB_DATA_DIR: dir, DATABASE_URL: '' });
      expect(second.code).toBe(1);
      expect(second.out).toMatch(/in use by process/);
      await first.close();

      const reopened = await openDatabase({ dataDir: dir });
      await migrate(reopened.pool);
      const r = await reopened.pool.query(`SELECT factor FROM units WHERE code = 'bbl'`);
      expect(r.rows[0].factor).toBe('158.987294928000');
      await reopened.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
