/**
 * The reference connector: any HTTP API that lists JSON records by an inclusive cursor and an opaque page token
 * (see README.md for the exact contract). Small on purpose; it shows the Connector interface end to end and is what
 * the sync runtime's tests run against.
 */
import type { Connector, ConnectorContext, MapContext, SourceRecord, StreamDefinition } from '../../src/sync/connector';
import { PermanentError, RecordError, RetryableError, errorFromResponse } from '../../src/sync/errors';
import {
  canonicalLeaves,
  credentialsSchema,
  settingsSchema,
  type HttpJsonCredentials,
  type HttpJsonSettings,
  type HttpJsonStreamSettings,
} from './settings';

export { credentialsSchema, settingsSchema };
export type { HttpJsonCredentials, HttpJsonSettings, HttpJsonStreamSettings };

type Ctx = ConnectorContext<HttpJsonSettings, HttpJsonCredentials>;
type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a JSON value is, for messages; never the value itself, which could be anything the source holds. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return 'text';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The value at a dot path, or undefined; own properties only, so a field named 'constructor' reads nothing. */
function pick(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split('.')) {
    if (!isObject(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** Sets a dot path, creating the objects on the way; the value is copied so the result shares nothing. */
function put(obj: Json, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    if (!isObject(cur[part])) cur[part] = {};
    cur = cur[part] as Json;
  }
  cur[parts[parts.length - 1]!] = structuredClone(value);
}

function streamOf(settings: HttpJsonSettings, name: string): HttpJsonStreamSettings {
  const stream = settings.streams.find((s) => s.name === name);
  if (!stream) throw new PermanentError(`no stream "${name}" in this connection's settings`);
  return stream;
}

function endpoint(settings: HttpJsonSettings, path: string): URL {
  // Appended rather than resolved: new URL('/customers', 'https://erp/api/v1') would drop the /api/v1 prefix.
  return new URL(settings.baseUrl.replace(/\/+$/, '') + path);
}

/** The record's id in the source, as text, or the RecordError that keeps the record out of the hub. */
function keyOf(stream: HttpJsonStreamSettings, raw: Json): string {
  const key = pick(raw, stream.primaryKey);
  if (typeof key === 'string' && key.trim() !== '') return key;
  if (typeof key === 'number' && Number.isSafeInteger(key)) return String(key);
  if (typeof key === 'number' && Number.isInteger(key))
    // Past 2^53 JSON numbers have already lost digits, and two ids could collide.
    throw new RecordError(
      null,
      stream.primaryKey,
      'is a number too large to be exact; the source must send it as text',
    );
  if (key === undefined || key === null || key === '') throw new RecordError(null, stream.primaryKey, 'is missing');
  throw new RecordError(null, stream.primaryKey, `must be text or a whole number, not ${kindOf(key)}`);
}

function toSourceRecord(stream: HttpJsonStreamSettings, raw: unknown, index: number): SourceRecord {
  if (!isObject(raw)) throw new RecordError(null, `records.${index}`, `must be a JSON object, not ${kindOf(raw)}`);
  const externalId = keyOf(stream, raw);
  const cursor = pick(raw, stream.cursorField);
  // Numbers are refused rather than turned into text: '9' sorts after '10', and the runner compares cursors as text.
  if (cursor !== undefined && cursor !== null && (typeof cursor !== 'string' || cursor === ''))
    throw new RecordError(externalId, stream.cursorField, 'must be text that sorts in change order (ISO 8601)');
  if (raw.deleted !== undefined && typeof raw.deleted !== 'boolean')
    throw new RecordError(externalId, 'deleted', 'must be true or false');
  return { externalId, cursor: cursor ?? null, payload: raw, deleted: raw.deleted === true };
}

interface CallOptions {
  body?: Json;
  signal?: AbortSignal;
}

/**
 * One request with the bearer token, its JSON answer (undefined for an empty body). Failures become connector
 * errors; an abort the caller asked for is rethrown unchanged.
 */
async function call(ctx: Ctx, method: string, url: URL, what: string, opts: CallOptions = {}): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (ctx.credentials.token) headers.authorization = `Bearer ${ctx.credentials.token}`;
  if (opts.body) headers['content-type'] = 'application/json';
  const body = opts.body ? JSON.stringify(opts.body) : undefined;

  let res: Response;
  let text: string;
  try {
    res = await ctx.fetch(url, { method, headers, body, signal: opts.signal });
    if (!res.ok) {
      // Release the connection; the body is not shown anyway, as some servers echo the request into it.
      await res.body?.cancel().catch(() => undefined);
      throw errorFromResponse(res, what);
    }
    text = await res.text();
  } catch (e) {
    if (opts.signal?.aborted || e instanceof RetryableError || e instanceof PermanentError) throw e;
    // Only the error code: messages of request-building errors can quote header values.
    const code = (e as { cause?: { code?: unknown } }).cause?.code;
    throw new RetryableError(`${what}: network error${typeof code === 'string' ? ` (${code})` : ''}`, { cause: e });
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // A complete 200 that is not JSON is a login page or a wrong base URL, which waiting will not change.
    const type = res.headers.get('content-type') ?? 'no content type';
    throw new PermanentError(`${what}: the response is not JSON (${type})`, { status: res.status });
  }
}

/** Checks a list response against the documented shape, naming what is wrong. */
function pageOf(body: unknown, what: string): { records: unknown[]; next: string | null } {
  const fail = (problem: string) => new PermanentError(`${what}: unexpected response: ${problem}`);
  if (!isObject(body)) throw fail(`expected an object with "records" and "next", got ${kindOf(body)}`);
  if (!Array.isArray(body.records)) throw fail(`"records" must be an array, got ${kindOf(body.records)}`);
  if (!('next' in body)) throw fail('"next" is missing (null marks the last page)');
  if (body.next !== null && (typeof body.next !== 'string' || body.next === ''))
    throw fail(`"next" must be a page token or null, got ${kindOf(body.next)}`);
  return { records: body.records, next: body.next };
}

/** Canonical path → source path pairs, parents before children so a child mapping refines its parent's. */
function mappingOf(stream: HttpJsonStreamSettings): [string, string][] {
  const pairs: [string, string][] = stream.fields
    ? Object.entries(stream.fields)
    : canonicalLeaves(stream.entity).map((p) => [p, p]);
  return pairs.sort((a, b) => a[0].split('.').length - b[0].split('.').length);
}

/** The http-json connector; register it with registerConnector (connectors/index.ts does). */
export const httpJsonConnector: Connector<HttpJsonSettings, HttpJsonCredentials> = {
  type: 'http-json',
  title: 'HTTP JSON',
  description:
    'Reads customers, suppliers, items, warehouses and BOMs from an HTTP API that lists JSON records by an updatedAt ' +
    'cursor and page tokens, and writes golden records back with POST and PUT.',
  settingsSchema,
  credentialsSchema,

  streams(ctx) {
    return ctx.settings.streams.map((s): StreamDefinition => ({
      name: s.name,
      entity: s.entity,
      primaryKey: s.primaryKey,
      cursorField: s.cursorField,
      supportsDeletes: 'tombstones',
      lookbackSeconds: s.lookbackSeconds,
    }));
  },

  async read(ctx, req) {
    const stream = streamOf(ctx.settings, req.stream.name);
    const url = endpoint(ctx.settings, stream.path);
    const limit = Math.max(1, Math.min(Math.floor(req.pageSize), ctx.settings.pageSize ?? Infinity));
    url.searchParams.set('limit', String(limit));
    if (req.mode === 'incremental' && req.since !== null) url.searchParams.set('since', req.since);
    if (req.pageToken !== null) url.searchParams.set('after', req.pageToken);

    const what = `GET ${stream.path}`;
    const page = pageOf(await call(ctx, 'GET', url, what, { signal: req.signal }), what);
    // A server that hands back the token it was given would have the runner read the same page forever.
    if (page.next !== null && page.next === req.pageToken)
      throw new PermanentError(`${what}: the server returned the page token it was given`);

    const records: SourceRecord[] = [];
    const rejected: RecordError[] = [];
    page.records.forEach((raw, i) => {
      try {
        records.push(toSourceRecord(stream, raw, i));
      } catch (e) {
        if (!(e instanceof RecordError)) throw e;
        rejected.push(e);
      }
    });
    ctx.log.debug(
      { stream: stream.name, mode: req.mode, records: records.length, rejected: rejected.length, last: !page.next },
      'http-json page read',
    );
    return { records, nextPageToken: page.next, rejected };
  },

  map(ctx: MapContext<HttpJsonSettings>, streamDef, record) {
    const stream = streamOf(ctx.settings, streamDef.name);
    // Stored payloads are re-mapped after a mapping change, so the key is checked here too, not only in read.
    keyOf(stream, record.payload);
    const out: Json = {};
    for (const [target, source] of mappingOf(stream)) {
      const value = pick(record.payload, source);
      if (value !== undefined) put(out, target, value);
    }
    return out;
  },

  async test(ctx) {
    const stream = ctx.settings.streams[0]!;
    const url = endpoint(ctx.settings, stream.path);
    url.searchParams.set('limit', '1');
    const what = `GET ${stream.path}`;
    pageOf(await call(ctx, 'GET', url, what), what);
  },

  async write(ctx, streamDef, golden, externalId) {
    const stream = streamOf(ctx.settings, streamDef.name);
    const body: Json = {};
    for (const [target, source] of mappingOf(stream)) {
      const value = pick(golden, target);
      if (value !== undefined) put(body, source, value);
    }
    const base = endpoint(ctx.settings, stream.path);
    if (externalId !== null) {
      const path = `${stream.path}/${encodeURIComponent(externalId)}`;
      await call(ctx, 'PUT', new URL(`${base.href}/${encodeURIComponent(externalId)}`), `PUT ${path}`, { body });
      return { externalId };
    }
    const what = `POST ${stream.path}`;
    const created = await call(ctx, 'POST', base, what, { body });
    try {
      if (!isObject(created)) throw new RecordError(null, stream.primaryKey, 'is missing');
      return { externalId: keyOf(stream, created) };
    } catch (e) {
      if (!(e instanceof RecordError)) throw e;
      // The record may exist now without the hub knowing its id; a steward must link it, so this is not retried.
      throw new PermanentError(`${what}: the response does not carry the new record's ${stream.primaryKey}`);
    }
  },
};
