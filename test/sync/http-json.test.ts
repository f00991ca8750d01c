import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeSource } from '../helpers/fake-json-source';
import pino from 'pino';
import '../../connectors';
import { httpJsonConnector, type HttpJsonCredentials, type HttpJsonSettings } from '../../connectors/http-json';
import { DomainError, ValidationError } from '../../src/errors';
import type { ConnectorContext, ReadRequest, SourceRecord, StreamDefinition } from '../../src/sync/connector';
import { PermanentError, RecordError, RetryableError, errorFromResponse, parseRetryAfter } from '../../src/sync/errors';
import {
  UnknownConnectorError,
  getConnector,
  listConnectors,
  parseConnectorSettings,
  registerConnector,
} from '../../src/sync/registry';

const TOKEN = 'tok-Secret-8f3a1c';
const T0 = Date.UTC(2026, 0, 1);
// Three records share each minute, so ten-record pages end in the middle of a group.
const at = (i: number) => new Date(T0 + Math.floor(i / 3) * 60_000).toISOString();

const source = new FakeSource();
const silent = pino({ level: 'silent' });

function settingsFor(extra: Partial<HttpJsonSettings> = {}): HttpJsonSettings {
  return httpJsonConnector.settingsSchema.parse({
    baseUrl: source.baseUrl,
    streams: [
      { name: 'customers', entity: 'customer', path: '/customers' },
      {
        name: 'articles',
        entity: 'item',
        path: '/articles',
        primaryKey: 'articleNo',
        cursorField: 'changedAt',
        fields: {
          code: 'articleNo',
          name: 'title',
          baseUnit: 'uom',
          type: 'kind',
          'standardCost.amount': 'price.net',
          'standardCost.currency': 'price.currency',
        },
      },
      { name: 'broken', entity: 'customer', path: '/broken' },
    ],
    ...extra,
  });
}

function ctxFor(
  settings = settingsFor(),
  credentials: HttpJsonCredentials = { token: TOKEN },
): ConnectorContext<HttpJsonSettings, HttpJsonCredentials> {
  return { connectionId: 'conn-1', settings, credentials, fetch: globalThis.fetch, log: silent };
}

async function streamNamed(name: string, ctx = ctxFor()): Promise<StreamDefinition> {
  const stream = (await httpJsonConnector.streams(ctx)).find((s) => s.name === name);
  if (!stream) throw new Error(`no stream ${name}`);
  return stream;
}

function request(stream: StreamDefinition, over: Partial<ReadRequest> = {}): ReadRequest {
  return { stream, mode: 'full', since: null, pageToken: null, pageSize: 10, ...over };
}

async function readAll(
  ctx: ReturnType<typeof ctxFor>,
  req: ReadRequest,
): Promise<{ records: SourceRecord[]; pages: number }> {
  const records: SourceRecord[] = [];
  let pageToken: string | null = null;
  let pages = 0;
  do {
    const page = await httpJsonConnector.read(ctx, { ...req, pageToken });
    records.push(...page.records);
    pageToken = page.nextPageToken;
    pages++;
  } while (pageToken !== null && pages < 100);
  return { records, pages };
}

/** Runs fn, which must throw, and returns the error after checking that the token is nowhere in it. */
async function failure(fn: () => Promise<unknown>): Promise<Error> {
  let thrown: unknown;
  try {
    await fn();
  } catch (e) {
    thrown = e;
  }
  // Duck-typed: errors made by Node itself (fetch's, DOMException) come from another realm than Jest's Error.
  if (typeof thrown !== 'object' || thrown === null || !('message' in thrown)) throw new Error('expected a failure');
  const error = thrown as Error;
  const cause = error.cause as Error | undefined;
  for (const text of [error.message, String(error), error.stack, JSON.stringify(error), cause?.message, cause?.stack])
    expect(text ?? '').not.toContain(TOKEN);
  return error;
}

beforeAll(() => source.start());
afterAll(() => source.stop());

beforeEach(() => {
  source.requests.length = 0;
  source.overrides.length = 0;
  const customers = Array.from({ length: 25 }, (_, i) => ({
    id: `C-${String(i).padStart(3, '0')}`,
    updatedAt: at(i),
    name: `Customer ${i}`,
    ...(i === 7 || i === 20 ? { deleted: true } : {}),
  }));
  source.collections.set('customers', customers);
  source.collections.set('articles', [
    { articleNo: 4711, changedAt: at(0), title: 'Hex bolt M8', uom: 'pcs', kind: 'purchased' },
  ]);
  source.collections.set('broken', [
    { id: 'B-1', updatedAt: at(0), name: 'fine' },
    { updatedAt: at(0), name: 'no id' },
    { id: { nested: 1 }, updatedAt: at(0) },
    { id: 'B-4', updatedAt: 1735689600 },
    'not an object' as unknown as Record<string, unknown>,
    { id: 2 ** 64, updatedAt: at(0) },
  ]);
});

describe('settings', () => {
  it('names every bad field, applies defaults and never echoes a credential', () => {
    let error: unknown;
    try {
      parseConnectorSettings(
        'http-json',
        {
          baseUrl: 'ftp://example.com',
          streams: [{ name: 'Customers', entity: 'vendor', path: 'customers', colour: 'blue' }],
          pageSize: 0,
        },
        { token: 'has a space' },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const issues = (error as ValidationError).issues;
    expect(issues.map((i) => i.field).sort()).toEqual(
      [
        'credentials.token',
        'settings.baseUrl',
        'settings.pageSize',
        'settings.streams.0.colour',
        'settings.streams.0.entity',
        'settings.streams.0.name',
        'settings.streams.0.path',
      ].sort(),
    );
    expect(JSON.stringify(issues)).not.toContain('has a space');
    expect(() => parseConnectorSettings('http-json', { baseUrl: 'not a url', streams: [] }, {})).toThrow(
      'settings.baseUrl: must be an http or https URL; settings.streams: name at least one stream',
    );

    const parsed = parseConnectorSettings(
      'http-json',
      { baseUrl: 'https://erp.example.com/api', streams: [{ name: 'customers', entity: 'customer', path: '/c' }] },
      undefined,
    );
    expect(parsed.connector).toBe(httpJsonConnector);
    expect(parsed.credentials).toEqual({});
    expect(parsed.settings).toEqual({
      baseUrl: 'https://erp.example.com/api',
      streams: [{ name: 'customers', entity: 'customer', path: '/c', primaryKey: 'id', cursorField: 'updatedAt' }],
    });
  });

  it('refuses credentials in the base URL, duplicate stream names and unsafe or unknown mapping fields', () => {
    let error: unknown;
    try {
      parseConnectorSettings(
        'http-json',
        {
          baseUrl: 'https://user:pw@erp.example.com',
          streams: [
            { name: 'c', entity: 'customer', path: '/c', fields: { nmae: 'title', 'address.city': 'town' } },
            { name: 'c', entity: 'item', path: '/i', fields: { name: 'a.__proto__.b' } },
          ],
        },
        {},
      );
    } catch (e) {
      error = e;
    }
    const issues = (error as ValidationError).issues;
    expect(issues.map((i) => i.field)).toEqual([
      'settings.baseUrl',
      'settings.streams.1.fields.name',
      'settings.streams.0.fields.nmae',
      'settings.streams.1.name',
    ]);
    expect(JSON.stringify(issues)).not.toContain('pw@');
    expect(issues[2]!.reason).toMatch(/^is not a customer field; known: code, name, legalName/);
  });
});

describe('read', () => {
  it('reads everything once across pages, including records that share a cursor across a page boundary', async () => {
    const ctx = ctxFor();
    const { records, pages } = await readAll(ctx, request(await streamNamed('customers')));
    expect(pages).toBe(3);
    expect(records.map((r) => r.externalId)).toEqual(
      Array.from({ length: 25 }, (_, i) => `C-${String(i).padStart(3, '0')}`),
    );
    expect(records[0]).toEqual({
      externalId: 'C-000',
      cursor: at(0),
      deleted: false,
      payload: { id: 'C-000', updatedAt: at(0), name: 'Customer 0' },
    });
    expect(source.requests.map((r) => r.url.pathname)).toEqual(['/api/customers', '/api/customers', '/api/customers']);
    expect(source.requests.every((r) => r.url.searchParams.get('limit') === '10')).toBe(true);
    expect(source.requests.every((r) => !r.url.searchParams.has('since'))).toBe(true);
  });

  it('reads incrementally from an inclusive cursor', async () => {
    const since = at(15); // records 15, 16 and 17 carry exactly this cursor
    const { records } = await readAll(
      ctxFor(),
      request(await streamNamed('customers'), { mode: 'incremental', since }),
    );
    expect(records.map((r) => r.externalId)).toEqual(
      Array.from({ length: 10 }, (_, i) => `C-${String(i + 15).padStart(3, '0')}`),
    );
    expect(records.every((r) => r.cursor !== null && r.cursor >= since)).toBe(true);
    expect(source.requests[0]!.url.searchParams.get('since')).toBe(since);
  });

  it('ignores since in a full read and never asks for more than the configured page size', async () => {
    const ctx = ctxFor(settingsFor({ pageSize: 4 }));
    const { records, pages } = await readAll(
      ctx,
      request(await streamNamed('customers'), { since: at(20), pageSize: 100 }),
    );
    expect(records).toHaveLength(25);
    expect(pages).toBe(7);
    expect(
      source.requests.every((r) => r.url.searchParams.get('limit') === '4' && !r.url.searchParams.has('since')),
    ).toBe(true);
  });

  it('returns tombstones as deleted records', async () => {
    const { records } = await readAll(ctxFor(), request(await streamNamed('customers')));
    const deleted = records.filter((r) => r.deleted);
    expect(deleted.map((r) => r.externalId)).toEqual(['C-007', 'C-020']);
    expect(deleted[0]!.payload.deleted).toBe(true);
  });

  it('keeps records it cannot identify apart and reads the rest of the page', async () => {
    const page = await httpJsonConnector.read(ctxFor(), request(await streamNamed('broken')));
    expect(page.records.map((r) => r.externalId)).toEqual(['B-1']);
    // The server sorts them by cursor and id, whatever those hold; the order is not the point here.
    expect(page.rejected?.map((e) => `${e.externalId}:${e.field}:${e.reason}`).sort()).toEqual([
      'B-4:updatedAt:must be text that sorts in change order (ISO 8601)',
      'null:id:is a number too large to be exact; the source must send it as text',
      'null:id:is missing',
      'null:id:must be text or a whole number, not an object',
      'null:records.5:must be a JSON object, not text',
    ]);
    expect(page.rejected?.every((e) => e instanceof RecordError)).toBe(true);
    expect(page.nextPageToken).toBeNull();
  });

  it('sends the bearer token, and only when there is one', async () => {
    const stream = await streamNamed('customers');
    await httpJsonConnector.read(ctxFor(), request(stream));
    expect(source.requests[0]!.authorization).toBe(`Bearer ${TOKEN}`);
    await httpJsonConnector.read(ctxFor(settingsFor(), {}), request(stream));
    expect(source.requests[1]!.authorization).toBeUndefined();
  });

  it('turns 429 and 5xx into retryable errors, honouring Retry-After', async () => {
    const stream = await streamNamed('customers');
    source.overrides.push({ status: 429, headers: { 'retry-after': '2' } });
    const limited = await failure(() => httpJsonConnector.read(ctxFor(), request(stream)));
    expect(limited).toBeInstanceOf(RetryableError);
    expect(limited).toMatchObject({ status: 429, retryAfterMs: 2000 });
    expect(limited.message).toBe('GET /customers: HTTP 429 Too Many Requests (retry after 2 s)');

    source.overrides.push({ status: 503 });
    const unavailable = await failure(() => httpJsonConnector.read(ctxFor(), request(stream)));
    expect(unavailable).toBeInstanceOf(RetryableError);
    expect(unavailable).toMatchObject({ status: 503, retryAfterMs: undefined });
  });

  it('turns 401 and other 4xx into permanent errors without the token in them', async () => {
    const stream = await streamNamed('customers');
    source.overrides.push({ status: 401 });
    const refused = await failure(() => httpJsonConnector.read(ctxFor(), request(stream)));
    expect(refused).toBeInstanceOf(PermanentError);
    expect(refused.message).toBe('GET /customers: HTTP 401 Unauthorized: the credentials were refused');

    source.overrides.push({ status: 400 });
    expect(await failure(() => httpJsonConnector.read(ctxFor(), request(stream)))).toBeInstanceOf(PermanentError);
  });

  it('refuses a 200 that is not JSON or not the documented shape, naming what is wrong', async () => {
    const stream = await streamNamed('customers');
    source.overrides.push({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>login</html>' });
    const html = await failure(() => httpJsonConnector.read(ctxFor(), request(stream)));
    expect(html).toBeInstanceOf(PermanentError);
    expect(html.message).toBe('GET /customers: the response is not JSON (text/html)');

    for (const [body, problem] of [
      ['[]', /expected an object with "records" and "next", got an array/],
      ['{"items":[],"next":null}', /"records" must be an array, got nothing/],
      ['{"records":[]}', /"next" is missing/],
      ['{"records":[],"next":5}', /"next" must be a page token or null, got a number/],
    ] as const) {
      source.overrides.push({ status: 200, body });
      const error = await failure(() => httpJsonConnector.read(ctxFor(), request(stream)));
      expect(error).toBeInstanceOf(PermanentError);
      expect(error.message).toMatch(problem);
    }

    source.overrides.push({ status: 200, body: '{"records":[],"next":"same"}' });
    const loop = await failure(() => httpJsonConnector.read(ctxFor(), request(stream, { pageToken: 'same' })));
    expect(loop.message).toMatch(/returned the page token it was given/);
  });

  it('turns a network failure into a retryable error and passes an abort through', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const ctx = ctxFor(settingsFor({ baseUrl: `http://127.0.0.1:${port}` }));
    const down = await failure(async () => httpJsonConnector.read(ctx, request(await streamNamed('customers'))));
    expect(down).toBeInstanceOf(RetryableError);
    expect(down.message).toBe('GET /customers: network error (ECONNREFUSED)');

    const controller = new AbortController();
    controller.abort();
    const stream = await streamNamed('customers');
    const aborted = await failure(() =>
      httpJsonConnector.read(ctxFor(), request(stream, { signal: controller.signal })),
    );
    expect(aborted).not.toBeInstanceOf(RetryableError);
    expect(aborted.name).toBe('AbortError');
  });

  it('test() asks the first stream for one record', async () => {
    await httpJsonConnector.test(ctxFor());
    expect(source.requests.map((r) => `${r.url.pathname}?${r.url.searchParams}`)).toEqual(['/api/customers?limit=1']);
    source.overrides.push({ status: 403 });
    expect(await failure(() => httpJsonConnector.test(ctxFor()))).toBeInstanceOf(PermanentError);
  });
});

describe('map', () => {
  const record = (payload: Record<string, unknown>, externalId = 'x'): SourceRecord => ({
    externalId,
    cursor: null,
    payload,
    deleted: false,
  });

  it('passes canonical field names through when there is no mapping', async () => {
    const payload = {
      id: 'C-1',
      updatedAt: at(0),
      name: 'Müller GmbH',
      email: 'INFO@mueller.example',
      address: { city: 'Köln', country: 'DE', planet: 'Earth' },
      creditLimit: { amount: '5000', currency: 'EUR' },
      internalRating: 'A',
      status: null,
    };
    const out = httpJsonConnector.map(ctxFor(), await streamNamed('customers'), record(payload));
    expect(out).toEqual({
      name: 'Müller GmbH',
      email: 'INFO@mueller.example',
      address: { city: 'Köln', country: 'DE' },
      creditLimit: { amount: '5000', currency: 'EUR' },
      status: null,
    });
    // The result shares nothing with the stored payload.
    (out.address as Record<string, unknown>).city = 'Bonn';
    expect(payload.address.city).toBe('Köln');
  });

  it('maps source fields to canonical paths through the stream mapping', async () => {
    const payload = {
      articleNo: 4711,
      changedAt: at(0),
      title: 'Hex bolt M8',
      uom: 'pcs',
      kind: 'purchased',
      price: { net: '0.12', currency: 'EUR' },
      name: 'ignored: not mapped',
    };
    const out = httpJsonConnector.map(ctxFor(), await streamNamed('articles'), record(payload, '4711'));
    expect(out).toEqual({
      code: 4711,
      name: 'Hex bolt M8',
      baseUnit: 'pcs',
      type: 'purchased',
      standardCost: { amount: '0.12', currency: 'EUR' },
    });
  });

  it('refuses a record without its key', async () => {
    const stream = await streamNamed('customers');
    expect(() => httpJsonConnector.map(ctxFor(), stream, record({ name: 'no id' }))).toThrow(RecordError);
    try {
      httpJsonConnector.map(ctxFor(), stream, record({ id: true, name: 'odd id' }));
    } catch (e) {
      expect(e).toMatchObject({
        externalId: null,
        field: 'id',
        reason: 'must be text or a whole number, not a boolean',
      });
    }
  });
});

describe('write', () => {
  it('creates and updates records in the source', async () => {
    const ctx = ctxFor();
    const customers = await streamNamed('customers');
    const golden = {
      code: 'CUST-000042',
      name: 'Neu GmbH',
      address: { city: 'Köln', country: 'DE' },
      id: 'golden-uuid',
    };
    const created = await httpJsonConnector.write!(ctx, customers, golden, null);
    expect(created).toEqual({ externalId: 'N-1' });
    const row = source.collections.get('customers')!.find((r) => r.id === 'N-1');
    expect(row).toMatchObject({ code: 'CUST-000042', name: 'Neu GmbH', address: { city: 'Köln', country: 'DE' } });
    expect(source.requests[0]).toMatchObject({ method: 'POST', authorization: `Bearer ${TOKEN}` });
    // Only canonical fields go out, never the hub's own id.
    expect(source.requests[0]!.body).not.toHaveProperty('id');

    const updated = await httpJsonConnector.write!(ctx, customers, { ...golden, name: 'Neu AG' }, 'N-1');
    expect(updated).toEqual({ externalId: 'N-1' });
    expect(source.requests[1]).toMatchObject({ method: 'PUT' });
    expect(source.requests[1]!.url.pathname).toBe('/api/customers/N-1');
    expect(source.collections.get('customers')!.find((r) => r.id === 'N-1')).toMatchObject({ name: 'Neu AG' });

    const missing = await failure(() => httpJsonConnector.write!(ctx, customers, golden, 'C-999'));
    expect(missing).toBeInstanceOf(PermanentError);
    expect(missing.message).toBe('PUT /customers/C-999: HTTP 404 Not Found');
  });

  it('maps golden fields back to source names', async () => {
    const articles = await streamNamed('articles');
    const golden = { code: 'M8-HEX', name: 'Hex bolt', baseUnit: 'pcs', type: 'purchased', gtin: null };
    await httpJsonConnector.write!(
      ctxFor(),
      articles,
      { ...golden, standardCost: { amount: '0.1', currency: 'EUR' } },
      '4711',
    );
    expect(source.requests[0]!.body).toEqual({
      articleNo: 'M8-HEX',
      title: 'Hex bolt',
      uom: 'pcs',
      kind: 'purchased',
      price: { net: '0.1', currency: 'EUR' },
    });
  });

  it('refuses a create whose answer lacks the new id', async () => {
    source.overrides.push({ status: 201, body: '{"ok":true}' });
    const error = await failure(async () =>
      httpJsonConnector.write!(ctxFor(), await streamNamed('customers'), { name: 'X' }, null),
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/does not carry the new record's id/);
  });
});

describe('errors', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('Wed, 21 Oct 2026 07:27:30 GMT');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', new Date(now))).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:00:00 GMT', now)).toBe(0);
    for (const junk of [null, undefined, '', 'soon', '-1', '1.5', 'foo 1'])
      expect(parseRetryAfter(junk, now)).toBeUndefined();
  });

  it('classifies statuses', () => {
    const kind = (status: number) => errorFromResponse(new Response(null, { status }), 'GET /x').constructor.name;
    expect([408, 425, 429, 500, 502, 503, 504].map(kind)).toEqual(Array(7).fill('RetryableError'));
    expect([400, 401, 403, 404, 409, 422, 501, 505].map(kind)).toEqual(Array(8).fill('PermanentError'));
    const error = errorFromResponse(
      new Response(null, { status: 503, headers: { 'retry-after': 'Thu, 01 Jan 2099 00:00:00 GMT' } }),
      'GET /x',
    );
    expect((error as RetryableError).retryAfterMs).toBeGreaterThan(0);
  });

  it('names the record and field of a RecordError', () => {
    expect(new RecordError('C-1', 'email', 'must be text').message).toBe('record C-1: email: must be text');
    expect(new RecordError(null, 'id', 'is missing').message).toBe('record without id: id: is missing');
  });
});

describe('registry', () => {
  it('lists http-json with its settings schema and credential field names', () => {
    const info = listConnectors().find((c) => c.type === 'http-json');
    expect(info).toMatchObject({ title: 'HTTP JSON', credentialFields: ['token'] });
    expect(info!.description).toMatch(/HTTP API/);
    expect(info!.settingsSchema).toMatchObject({
      type: 'object',
      required: ['baseUrl', 'streams'],
      properties: { baseUrl: { type: 'string', format: 'uri' }, streams: { type: 'array' } },
    });
    expect(getConnector('http-json')).toBe(httpJsonConnector);
  });

  it('refuses an unknown type, naming the known ones', () => {
    let error: unknown;
    try {
      getConnector('sap-rfc');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnknownConnectorError);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'type', knownTypes: ['http-json'] });
    expect((error as Error).message).toBe('unknown connector type "sap-rfc"; known types: http-json');
    expect(() => parseConnectorSettings('sap-rfc', {}, {})).toThrow(UnknownConnectorError);
  });

  it('accepts the same connector twice but not a second one under a taken name', () => {
    expect(() => registerConnector(httpJsonConnector)).not.toThrow();
    expect(() => registerConnector({ ...httpJsonConnector })).toThrow(/already registered/);
    expect(() => registerConnector({ ...httpJsonConnector, type: 'Bad Name' })).toThrow(/lower case/);
  });
});
