import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { openHub } from '../../src/app';
import { loadConfig } from '../../src/config';
import { FakeSource } from '../helpers/fake-json-source';
import { startTestHub, type TestHub } from '../helpers/hub';

let hub: TestHub;
const source = new FakeSource();
const T0 = Date.UTC(2026, 2, 1);
const customers = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `K${i}`,
    updatedAt: new Date(T0 + i * 1000).toISOString(),
    name: `Kunde ${i}`,
    email: i === 3 ? 'kaputt' : `k${i}@kunde.example`,
  }));

beforeAll(async () => {
  await source.start();
  hub = await startTestHub();
});
afterAll(async () => {
  await hub?.close();
  await source.stop();
});

async function waitForRun(id: string) {
  for (let i = 0; i < 100; i++) {
    const r = await hub.gql(
      `query($id: ID!) { syncRun(id: $id) { status read inserted failed error durationMs errors { externalId field reason } connection { name } } }`,
      { id },
    );
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    if (['SUCCEEDED', 'FAILED'].includes(r.data!.syncRun.status)) return r.data!.syncRun;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('run did not finish');
}

describe('sync through the API', () => {
  it('triggers a sync, shows the run with its errors, and each golden record its sources and lineage', async () => {
    source.collections.set('customers', customers(6));
    const c = await hub.gql(`mutation($i: ConnectionInput!) { createConnection(input: $i) { id } }`, {
      i: {
        name: 'shop',
        type: 'http-json',
        settings: { baseUrl: source.baseUrl, streams: [{ name: 'customers', entity: 'customer', path: '/customers' }] },
      },
    });
    const id = c.data!.createConnection.id;
    const t = await hub.gql(`mutation($id: ID!) { triggerSync(connectionId: $id, mode: FULL) { id status mode } }`, {
      id,
    });
    expect(t.data!.triggerSync).toMatchObject({ status: 'QUEUED', mode: 'FULL' });
    const run = await waitForRun(t.data!.triggerSync.id);
    expect(run).toMatchObject({ status: 'SUCCEEDED', read: 6, inserted: 5, failed: 1, connection: { name: 'shop' } });
    expect(run.durationMs).toBeGreaterThanOrEqual(0);
    expect(run.errors).toEqual([{ externalId: 'K3', field: 'email', reason: expect.any(String) }]);

    const g = await hub.gql(
      `{ customer(sourceRef: { system: "shop", externalId: "K1" }) { name email sourceRecords { system externalId payload canonical } lineage { field system rule } } }`,
    );
    const k1 = g.data!.customer;
    expect(k1.sourceRecords).toEqual([
      {
        system: 'shop',
        externalId: 'K1',
        payload: expect.objectContaining({ name: 'Kunde 1' }),
        canonical: expect.objectContaining({ email: 'k1@kunde.example' }),
      },
    ]);
    expect(k1.lineage).toEqual(
      expect.arrayContaining([
        { field: 'email', system: 'shop', rule: 'mostRecent' },
        { field: 'name', system: 'shop', rule: 'mostRecent' },
      ]),
    );

    const list = await hub.gql(`query($id: ID!) { syncRuns(connectionId: $id) { status } }`, { id });
    expect(list.data!.syncRuns).toEqual([{ status: 'SUCCEEDED' }]);
    const page = await hub.gql(`{ customers(first: 10) { nodes { sourceRecords { externalId } lineage { field } } } }`);
    expect(page.statements).toBeLessThanOrEqual(3);
  });
});

describe('mdhub sync', () => {
  it('syncs a connection from the command line and prints a summary', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdhub-sync-cli-'));
    const key = randomBytes(32).toString('base64');
    try {
      source.collections.set(
        'customers',
        customers(3).filter((r) => r.id !== 'K3'),
      );
      const config = loadConfig({ MDHUB_DATA_DIR: dir, MDHUB_SECRET_KEY: key, MDHUB_DEMO: 'false' });
      const { database, services } = await openHub(config);
      await services.connections.create(
        {
          name: 'erp',
          type: 'http-json',
          settings: {
            baseUrl: source.baseUrl,
            streams: [{ name: 'customers', entity: 'customer', path: '/customers' }],
          },
        },
        { kind: 'user', id: 'test' },
      );
      await database.close();
      const child = spawn(
        process.execPath,
        [path.join(__dirname, '..', '..', 'bin', 'mdhub'), 'sync', 'erp', '--full'],
        {
          env: { ...process.env, DATABASE_URL: '', MDHUB_DATA_DIR: dir, MDHUB_SECRET_KEY: key, LOG_LEVEL: 'warn' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      expect(await new Promise((r) => child.on('exit', r))).toBe(0);
      expect(out).toMatch(/sync succeeded: 3 read, 3 new, 0 changed, 0 unchanged, 0 deleted, 0 failed/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
