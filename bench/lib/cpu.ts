import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * CPU time (user + system) of a server process and of the PostgreSQL backends of one database, read from /proc
 * (Linux, with PostgreSQL on the same machine). Divided by the requests served, it says how much work a request
 * costs, which other work on a shared machine distorts far less than requests per second.
 */

let msPerTick: number | undefined;
function tickMs(): number {
  if (msPerTick === undefined) {
    let hz = 100;
    try {
      hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      // getconf missing: Linux reports in USER_HZ, which is 100 on every common build.
    }
    msPerTick = 1000 / hz;
  }
  return msPerTick;
}

/** Milliseconds of CPU a process has used, or null when /proc does not say (not Linux, or it exited). */
function processMs(pid: number): number | null {
  try {
    // Fields after the command name (which may contain spaces) : state is the 1st, utime the 12th, stime the 13th.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * tickMs();
  } catch {
    return null;
  }
}

// A backend's process title: "postgres: [cluster name: ]user database host(port) activity".
const BACKEND_TITLE = /^postgres: (?:\S+: )?\S+ (\S+) \S+\(\d+\)/;

/** PostgreSQL backends serving `database`, found by their process title. */
function backendPids(database: string): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const title = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').replace(/\0+$/, '');
      if (BACKEND_TITLE.exec(title)?.[1] === database) pids.push(Number(e));
    } catch {
      // The process ended while the list was read.
    }
  }
  return pids;
}

export interface CpuSpent {
  /** Milliseconds of the server process, or null when not measurable here. */
  server: number | null;
  /** Milliseconds of the database's backends, or null when none were found. */
  database: number | null;
}

/** Runs `fn` and reports the CPU the server process and the database's backends spent meanwhile. */
export async function measureCpu<T>(serverPid: number | undefined, database: string, fn: () => Promise<T>) {
  const backends = backendPids(database);
  const serverBefore = serverPid === undefined ? null : processMs(serverPid);
  const before = new Map(backends.map((p) => [p, processMs(p)]));
  const result = await fn();
  const serverAfter = serverPid === undefined ? null : processMs(serverPid);
  let db: number | null = null;
  // A backend started meanwhile (a pool growing) spent all its time within; one that ended is lost, and is rare.
  for (const pid of new Set([...backends, ...backendPids(database)])) {
    const now = processMs(pid);
    const was = before.has(pid) ? before.get(pid)! : 0;
    if (was !== null && now !== null) db = (db ?? 0) + now - was;
  }
  const spent: CpuSpent = {
    server: serverBefore !== null && serverAfter !== null ? serverAfter - serverBefore : null,
    database: db,
  };
  return { result, spent };
}
