import { startTestHub, type TestHub } from '../helpers/hub';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => {
  await hub?.close();
});

describe('the HTTP surface', () => {
  it('answers /healthz and /readyz', async () => {
    const health = await fetch(`${hub.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${hub.url}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('refuses malformed JSON with 400 and an oversized body with 413', async () => {
    const bad = await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
    const big = await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ hub { version } }`, variables: { pad: 'x'.repeat(1_100_000) } }),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as any).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a simple cross-site request (CSRF prevention) and unknown routes', async () => {
    const csrf = await fetch(`${hub.url}/graphql?query=${encodeURIComponent('{ hub { version } }')}`);
    expect(csrf.status).toBe(400);
    const viaGet = await fetch(`${hub.url}/graphql?query=${encodeURIComponent('{ hub { version storage } }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(viaGet.status).toBe(200);
    expect(((await viaGet.json()) as any).data.hub.storage).toBe(hub.db.mode);
    const missing = await fetch(`${hub.url}/nope`);
    expect(missing.status).toBe(404);
  });

  it('reports syntax and validation errors with their GraphQL codes', async () => {
    const syntax = await hub.gql(`{ customers( }`);
    expect(syntax.status).toBe(400);
    expect(syntax.errors![0]!.extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    const unknown = await hub.gql(`{ customers { nodes { shoeSize } } }`);
    expect(unknown.errors![0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('answers /graphql with no-store, the statement count, and a JSON body read in several chunks', async () => {
    const query = `{ hub { version } }`;
    const res = await fetch(`${hub.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables: { pad: 'x'.repeat(300_000) } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-sql-statements')).toBe('0');
    expect(((await res.json()) as any).data.hub.version).toBeTruthy();
    const viaGet = await fetch(`${hub.url}/graphql?query=${encodeURIComponent(query)}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(viaGet.headers.get('cache-control')).toBe('no-store');
    const r = await hub.gql(`{ customers(first: 2) { nodes { code } } }`);
    expect(r.statements).toBe(1);
  });

  it('counts requests per route and status in the metrics', async () => {
    const count = async (route: string, status: number) => {
      const text = await (await fetch(`${hub.url}/metrics`)).text();
      const m = text.match(new RegExp(`mdhub_http_requests_total\\{route="${route}",status="${status}"\\} (\\d+)`));
      return m ? Number(m[1]) : 0;
    };
    const before = { other: await count('other', 404), health: await count('/healthz', 200) };
    await fetch(`${hub.url}/nope-${Date.now()}`);
    await fetch(`${hub.url}/nope?x=1`);
    await fetch(`${hub.url}/healthz`);
    expect(await count('other', 404)).toBe(before.other + 2);
    expect(await count('/healthz', 200)).toBe(before.health + 1);
  });

  it('exposes Prometheus metrics', async () => {
    const res = await fetch(`${hub.url}/metrics`);
    const text = await res.text();
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    expect(text).toMatch(/mdhub_http_requests_total\{route="\/graphql",status="200"\} \d+/);
    expect(text).toContain('mdhub_graphql_request_duration_seconds_bucket');
  });

  it('answers /readyz with 503 once the database is gone, and GraphQL says UNAVAILABLE without internals', async () => {
    await hub.db.database.pool.end();
    const ready = await fetch(`${hub.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable' });
    const r = await hub.gql(`{ customers { totalCount } }`);
    expect(r.errors![0]!.extensions.code).toBe('UNAVAILABLE');
    expect(r.errors![0]!.message).toMatch(/database is unavailable/);
    expect(r.errors![0]!.extensions.stacktrace).toBeUndefined();
  });
});
