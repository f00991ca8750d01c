import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.join(__dirname, '..');

/** Starts `mdhub serve` as a user would and resolves with its GraphQL URL once the banner is printed. */
function serve(
  dataDir: string,
  extraArgs: string[] = [],
): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin', 'mdhub'), 'serve', ...extraArgs], {
      env: {
        ...process.env,
        DATABASE_URL: '',
        MDHUB_DATA_DIR: dataDir,
        PORT: '0',
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      const m = out.match(/GraphQL: (http:\/\/\S+)\/graphql/);
      if (m) resolve({ child, url: m[1]!, exited });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    exited.then((code) => reject(new Error(`mdhub exited with ${code} before listening:\n${out}`)));
  });
}

async function gql(url: string, query: string) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data: any; errors?: any[] };
}

describe('mdhub serve on the embedded database', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdhub-cli-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('starts with demo data, shuts down cleanly on SIGTERM, and keeps its data across a restart', async () => {
    const first = await serve(dir);
    const demo = await gql(first.url, `{ customers { totalCount } items { totalCount } hub { storage } }`);
    expect(demo.data.hub.storage).toBe('embedded');
    expect(demo.data.customers.totalCount).toBeGreaterThanOrEqual(15);
    expect(demo.data.items.totalCount).toBeGreaterThanOrEqual(50);
    const created = await gql(
      first.url,
      `mutation { createCustomer(input: { name: "Neustart GmbH", address: { country: "AT" } }) { code } }`,
    );
    const code = created.data.createCustomer.code;

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(fs.existsSync(path.join(dir, 'mdhub.lock'))).toBe(false);

    const second = await serve(dir);
    try {
      const again = await gql(
        second.url,
        `{ customer(code: "${code}") { name address { country } } customers { totalCount } }`,
      );
      expect(again.data.customer).toEqual({ name: 'Neustart GmbH', address: { country: 'AT' } });
      // The demo data is loaded only into an empty store, so the restart added nothing.
      expect(again.data.customers.totalCount).toBe(demo.data.customers.totalCount + 1);
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
  }, 120_000);

  it('starts empty with --no-demo and stops with a clear message on bad configuration', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'mdhub-cli-empty-'));
    try {
      const hub = await serve(empty, ['--no-demo']);
      const r = await gql(hub.url, `{ customers { totalCount } }`);
      expect(r.data.customers.totalCount).toBe(0);
      hub.child.kill('SIGTERM');
      expect(await hub.exited).toBe(0);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
    const bad = spawn(process.execPath, [path.join(root, 'bin', 'mdhub'), 'serve'], {
      env: { ...process.env, PORT: 'eighty', MDHUB_DEFAULT_REGION: 'Germany' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    bad.stderr.on('data', (d) => (err += d));
    const code = await new Promise((r) => bad.on('exit', r));
    expect(code).toBe(1);
    expect(err).toMatch(/PORT/);
    expect(err).toMatch(/MDHUB_DEFAULT_REGION/);
  }, 120_000);
});

describe('mdhub connectors', () => {
  it('lists the installed connector types with their settings and credential names', async () => {
    const child = spawn(process.execPath, [path.join(root, 'bin', 'mdhub'), 'connectors'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    expect(await new Promise((r) => child.on('exit', r))).toBe(0);
    expect(out).toMatch(/^http-json/m);
    expect(out).toContain('settings.baseUrl');
    expect(out).toContain('credentials.token');
  }, 60_000);
});

describe('mdhub worker', () => {
  it('runs the sync workers without an API, says so, and stops cleanly on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdhub-worker-'));
    try {
      const child = spawn(process.execPath, [path.join(root, 'bin', 'mdhub'), 'worker'], {
        env: {
          ...process.env,
          DATABASE_URL: '',
          REDIS_URL: '',
          MDHUB_DATA_DIR: dir,
          MDHUB_WORKER_CONCURRENCY: '3',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<string>((r) => child.on('exit', (code, signal) => r(`${code ?? signal}`)));
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const onData = (d: Buffer) => {
          out += d;
          if (/worker is up/.test(out)) resolve();
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        void exited.then((code) => reject(new Error(`mdhub worker exited with ${code}:\n${out}`)));
      });
      expect(out).toMatch(
        /worker is up on embedded database in .*: 3 sync jobs at a time, queue on PostgreSQL \(BullMQ backend\)/,
      );
      child.kill('SIGTERM');
      const status = await exited;
      // The output says why, should it not stop cleanly.
      if (status !== '0') throw new Error(`mdhub worker ended with ${status}:\n${out}`);
      expect(fs.existsSync(path.join(dir, 'mdhub.lock'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('is listed by mdhub help', async () => {
    const child = spawn(process.execPath, [path.join(root, 'bin', 'mdhub'), 'help'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    expect(await new Promise((r) => child.on('exit', r))).toBe(0);
    expect(out).toMatch(/^ {2}worker {2,}run sync workers and the scheduler only/m);
  }, 60_000);
});
