import fs from 'node:fs';
import path from 'node:path';
import { type Extension, PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

// The contrib entry point has CommonJS code but ESM-only typings, so it is required with its type named here.
const { pg_trgm } = require('@electric-sql/pglite/contrib/pg_trgm') as { pg_trgm: Extension };

/** An embedded PostgreSQL (PGlite) served on a loopback socket, so the hub's ordinary pg code path runs unchanged. */
export interface EmbeddedDatabase {
  /** A postgres:// URL for the pg driver. */
  readonly url: string;
  /** Stops the socket server and closes PGlite, flushing its files. */
  close(): Promise<void>;
}

/**
 * Starts PGlite persisted in `dataDir` (or in memory when `dataDir` is undefined, for tests) and serves it on
 * 127.0.0.1 at a free port. PGlite runs one query at a time; the socket server queues statements and keeps a
 * connection's transaction together, so a small pg pool works over it.
 */
export async function startEmbeddedDatabase(opts: {
  dataDir?: string;
  maxConnections?: number;
}): Promise<EmbeddedDatabase> {
  const releaseLock = opts.dataDir ? lockDataDir(opts.dataDir) : () => {};
  const db = await PGlite.create({ dataDir: opts.dataDir, extensions: { pg_trgm } });
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: 0,
    maxConnections: opts.maxConnections ?? 64,
  });
  await server.start();
  const [host, port] = server.getServerConn().split(':');
  let closed = false;
  return {
    url: `postgres://postgres@${host}:${port}/postgres`,
    async close() {
      if (closed) return;
      closed = true;
      await server.stop();
      await db.close();
      releaseLock();
    },
  };
}

/**
 * PGlite files must have one writer. A lock file with our pid keeps a second hub from opening the same data
 * directory; a lock left by a process that no longer runs (a crash, a kill -9) is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockFile = path.join(dataDir, 'mdhub.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockFile, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(lockFile, 'utf8'));
      if (pid && pid !== process.pid && isRunning(pid)) {
        throw new Error(
          `the embedded database in ${dataDir} is in use by process ${pid}; stop it or set MDHUB_DATA_DIR`,
        );
      }
      fs.rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`cannot lock the embedded database in ${dataDir}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
