import http from 'node:http';
import type { AddressInfo } from 'node:net';
import '../../connectors';
import { startTestHub, type TestHub } from '../helpers/hub';

let hub: TestHub;
let source: http.Server;
let sourceUrl: string;
const seenAuth: string[] = [];

beforeAll(async () => {
  hub = await startTestHub();
  // A tiny source system: answers the reference connector's API and remembers the Authorization it got.
  source = http.createServer((req, res) => {
    seenAuth.push(String(req.headers.authorization));
    if (req.headers.authorization !== 'Bearer s3cret-token') {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ records: [], next: null }));
  });
  await new Promise<void>((r) => source.listen(0, '127.0.0.1', r));
  sourceUrl = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await hub?.close();
  await new Promise((r) => source?.close(r));
});

const FIELDS = `id name type settings hasCredentials credentialFields schedule { everySeconds cron } enabled rateLimitPerSecond version`;

describe('connections', () => {
  it('stores credentials sealed, never returns them, and tests the connection with them', async () => {
    const settings = { baseUrl: sourceUrl, streams: [{ name: 'customers', entity: 'customer', path: '/customers' }] };
    const r = await hub.gql(`mutation($i: ConnectionInput!) { createConnection(input: $i) { ${FIELDS} } }`, {
      i: {
        name: 'crm-main',
        type: 'http-json',
        settings,
        credentials: { token: 's3cret-token' },
        schedule: { cron: '*/15 * * * *' },
        rateLimitPerSecond: '5',
      },
    });
    expect(r.errors).toBeUndefined();
    const c = r.data!.createConnection;
    expect(c).toMatchObject({
      name: 'crm-main',
      type: 'http-json',
      hasCredentials: true,
      credentialFields: ['token'],
      enabled: true,
      version: 1,
    });
    expect(c.schedule).toEqual({ everySeconds: null, cron: '*/15 * * * *' });
    expect(c.rateLimitPerSecond).toBe('5');
    expect(JSON.stringify(r)).not.toContain('s3cret');

    const stored = await hub.db.database.pool.query(`SELECT credentials, settings FROM connections WHERE id = $1`, [
      c.id,
    ]);
    expect(Buffer.from(stored.rows[0].credentials).toString('latin1')).not.toContain('s3cret');
    const history = await hub.db.database.pool.query(
      `SELECT data::text AS d FROM record_history WHERE entity = 'connection'`,
    );
    expect(history.rows.map((h) => h.d).join()).not.toContain('s3cret');

    const ok = await hub.gql(`mutation($id: ID!) { testConnection(id: $id) { ok message } }`, { id: c.id });
    expect(ok.data!.testConnection).toEqual({ ok: true, message: null });
    expect(seenAuth.at(-1)).toBe('Bearer s3cret-token');

    const changed = await hub.gql(
      `mutation($id: ID!) { updateConnection(id: $id, expectedVersion: 1, patch: { credentials: { token: "wrong" } }) { version hasCredentials } }`,
      {
        id: c.id,
      },
    );
    expect(changed.data!.updateConnection).toEqual({ version: 2, hasCredentials: true });
    const failed = await hub.gql(`mutation($id: ID!) { testConnection(id: $id) { ok message } }`, { id: c.id });
    expect(failed.data!.testConnection.ok).toBe(false);
    expect(failed.data!.testConnection.message).toMatch(/401/);
    expect(failed.data!.testConnection.message).not.toContain('wrong');

    const stale = await hub.gql(
      `mutation($id: ID!) { updateConnection(id: $id, expectedVersion: 1, patch: { enabled: false }) { version } }`,
      { id: c.id },
    );
    expect(stale.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', field: 'expectedVersion' });
    const off = await hub.gql(
      `mutation($id: ID!) { updateConnection(id: $id, expectedVersion: 2, patch: { enabled: false, schedule: { everySeconds: 300 } }) { enabled schedule { everySeconds cron } version } }`,
      {
        id: c.id,
      },
    );
    expect(off.data!.updateConnection).toEqual({
      enabled: false,
      schedule: { everySeconds: 300, cron: null },
      version: 3,
    });
    const byName = await hub.gql(`{ connection(name: "crm-main") { version } connections { name } }`);
    expect(byName.data).toEqual({ connection: { version: 3 }, connections: [{ name: 'crm-main' }] });
  });

  it('refuses bad settings, names, schedules and unknown types, naming the field and writing nothing', async () => {
    const bad = await hub.gql(`mutation($i: ConnectionInput!) { createConnection(input: $i) { id } }`, {
      i: {
        name: 'Bad Name',
        type: 'http-json',
        settings: { baseUrl: 'not a url', streams: [] },
        schedule: { cron: '61 * * * *' },
        rateLimitPerSecond: '-1',
      },
    });
    const fields = (bad.errors![0]!.extensions.fields as { field: string }[]).map((f) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['input.name', 'input.schedule.cron', 'input.rateLimitPerSecond']));
    expect(fields.some((f) => f.startsWith('input.settings.baseUrl'))).toBe(true);
    const unknown = await hub.gql(
      `mutation { createConnection(input: { name: "x-1", type: "sap-r3", settings: {} }) { id } }`,
    );
    expect(unknown.errors![0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(unknown.errors![0]!.message).toMatch(/http-json/);
    const dup = await hub.gql(`mutation($i: ConnectionInput!) { createConnection(input: $i) { id } }`, {
      i: {
        name: 'crm-main',
        type: 'http-json',
        settings: { baseUrl: sourceUrl, streams: [{ name: 'c', entity: 'customer', path: '/c' }] },
      },
    });
    expect(dup.errors![0]!.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.name' });
    const count = await hub.db.database.pool.query(`SELECT count(*)::int AS n FROM connections`);
    expect(count.rows[0].n).toBe(1);
  });

  it('lists the installed connector types with their settings, credentials by name only', async () => {
    const r = await hub.gql(`{ connectorTypes { type title credentialFields settingsSchema } }`);
    const httpJson = r.data!.connectorTypes.find((t: any) => t.type === 'http-json');
    expect(httpJson.credentialFields).toEqual(['token']);
    expect(JSON.stringify(httpJson.settingsSchema)).toContain('baseUrl');
  });
});
