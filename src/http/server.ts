import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import client from 'prom-client';
import type { Actor } from '../actor';
import { statementCounter } from '../db/pool';
import type { GraphContext, Services } from '../graphql/context';
import { Loaders } from '../graphql/loaders';
import { log } from '../log';
import { createGraphiqlHandler } from './graphiql';

export interface HttpServerOptions {
  apollo: ApolloServer<GraphContext>;
  services: Services;
  /** Is the database reachable? For /readyz. */
  ready: () => Promise<boolean>;
  maxBodyBytes?: number;
  sqlCountHeader?: boolean;
}

export const metricsRegistry = new client.Registry();
client.collectDefaultMetrics({ register: metricsRegistry });

/**
 * Requests by route and status, counted in a plain Map per request and handed to prom-client when /metrics is
 * read: prom-client's `inc` validates and hashes the label set on every call, a visible share of a lookup's CPU.
 */
const pendingRequests = new Map<string, { route: string; status: string; n: number }>();
const httpRequests = new client.Counter({
  name: 'mdhub_http_requests_total',
  help: 'HTTP requests by route and status',
  labelNames: ['route', 'status'] as const,
  registers: [metricsRegistry],
  collect() {
    for (const p of pendingRequests.values()) {
      if (p.n === 0) continue;
      this.inc({ route: p.route, status: p.status }, p.n);
      p.n = 0;
    }
  },
});
function countRequest(route: string, status: number): void {
  const key = `${status} ${route}`;
  const p = pendingRequests.get(key);
  if (p) p.n++;
  else pendingRequests.set(key, { route, status: String(status), n: 1 });
}
// The counter is read only through the registry, which runs `collect` first.
void httpRequests;

const graphqlDuration = new client.Histogram({
  name: 'mdhub_graphql_request_duration_seconds',
  help: 'GraphQL request duration',
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metricsRegistry],
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new HttpError(413, `request body over ${limit} bytes`));
      req.resume();
      return;
    }
    // Most bodies arrive in one chunk: keep it as it is instead of collecting it into an array and copying it.
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new HttpError(413, `request body over ${limit} bytes`));
        req.destroy();
        return;
      }
      if (!first) first = c;
      else (more ??= [first]).push(c);
    });
    req.on('end', () => resolve(more ? Buffer.concat(more).toString('utf8') : (first?.toString('utf8') ?? '')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: string, type = 'application/json; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function errorBody(code: string, message: string): string {
  return JSON.stringify({ errors: [{ message, extensions: { code } }] });
}

const ACTOR_ID = /^[\p{L}\p{N}._@:-]{1,100}$/u;

/** Until issue-level auth lands, the caller names itself; 'anonymous' otherwise. Kept for history only. */
function actorOf(raw: string | string[] | undefined): Actor {
  const id = typeof raw === 'string' && ACTOR_ID.test(raw) ? raw : 'anonymous';
  return { kind: 'user', id };
}

/**
 * One request's GraphQL context. Its loaders, actor and request id are made on first use: a lookup needs none
 * of them, and every object a request allocates is work for the collector while ten requests are in flight.
 */
class RequestContext implements GraphContext {
  private loadersOf?: Loaders;
  private actorOf?: Actor;
  private requestIdOf?: string;

  constructor(
    readonly services: Services,
    private readonly actorHeader: string | string[] | undefined,
  ) {}

  get loaders(): Loaders {
    return (this.loadersOf ??= new Loaders(this.services.master));
  }

  get actor(): Actor {
    return (this.actorOf ??= actorOf(this.actorHeader));
  }

  get requestId(): string {
    return (this.requestIdOf ??= randomUUID());
  }
}

/**
 * The hub's HTTP surface: /graphql, the offline IDE at /graphiql, /healthz (process up), /readyz (database
 * reachable) and /metrics. Plain node:http keeps the per-request overhead to what Apollo itself costs.
 */
export function createHttpServer(opts: HttpServerOptions): http.Server {
  const maxBody = opts.maxBodyBytes ?? 1_000_000;
  const graphiql = createGraphiqlHandler({
    endpoint: '/graphql',
    title: 'mdhub',
    defaultQuery:
      '# Welcome to mdhub. Press the run button to try a first query.\n{\n  customers(first: 5, filter: { country: "DE" }) {\n    totalCount\n    nodes { code name phone address { city country } }\n  }\n}\n',
  });

  const executeHTTPGraphQLRequest = opts.apollo.executeHTTPGraphQLRequest.bind(opts.apollo);

  async function handleGraphql(req: http.IncomingMessage, res: http.ServerResponse, search: string): Promise<void> {
    const started = performance.now();
    const reqHeaders = req.headers;
    const headers = new HeaderMap();
    for (const k in reqHeaders) {
      const v = reqHeaders[k];
      if (v !== undefined) headers.set(k, typeof v === 'string' ? v : v.join(', '));
    }
    let body: unknown;
    if (req.method === 'POST') {
      const text = await readBody(req, maxBody);
      const ct = reqHeaders['content-type'];
      if (ct !== undefined && ct.includes('application/json')) {
        try {
          body = text.length ? JSON.parse(text) : {};
        } catch {
          throw new HttpError(400, 'request body is not valid JSON');
        }
      } else body = text;
    }
    const ctx = new RequestContext(opts.services, reqHeaders['x-mdhub-actor']);
    const httpGraphQLRequest = { method: req.method ?? 'GET', headers, search, body };
    // A bound Promise.resolve rather than an arrow function: nothing per request but the bound function itself.
    const context = Promise.resolve.bind(Promise, ctx) as () => Promise<GraphContext>;
    let result: HTTPGraphQLResponse;
    let statements = 0;
    if (opts.sqlCountHeader) {
      const counter = { count: 0 };
      result = await statementCounter.run(counter, executeHTTPGraphQLRequest, { httpGraphQLRequest, context });
      statements = counter.count;
    } else result = await executeHTTPGraphQLRequest({ httpGraphQLRequest, context });
    const out: Record<string, string> = {};
    for (const [k, v] of result.headers) out[k] = v;
    // What Apollo's cache-control plugin answers for a schema without cache hints, which mdhub's is. That plugin
    // runs a hook for every resolved field, and a plugin of its own costs two async hooks per request.
    if (out['cache-control'] === undefined) out['cache-control'] = 'no-store';
    if (opts.sqlCountHeader) out['x-sql-statements'] = String(statements);
    res.writeHead(result.status ?? 200, out);
    if (result.body.kind === 'complete') res.end(result.body.string);
    else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
    graphqlDuration.observe((performance.now() - started) / 1000);
  }

  async function handleOther(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<string> {
    if (graphiql(req, res)) return '/graphiql';
    if (pathname === '/healthz') send(res, 200, JSON.stringify({ status: 'ok' }));
    else if (pathname === '/readyz') {
      const ok = await opts.ready().catch(() => false);
      send(
        res,
        ok ? 200 : 503,
        JSON.stringify(ok ? { status: 'ready' } : { status: 'unavailable', reason: 'database not reachable' }),
      );
    } else if (pathname === '/metrics') {
      send(res, 200, await metricsRegistry.metrics(), metricsRegistry.contentType);
    } else if (pathname === '/') {
      res.writeHead(302, { location: '/graphiql' });
      res.end();
    } else {
      send(res, 404, errorBody('NOT_FOUND', `no route ${pathname}`));
      return 'other';
    }
    return pathname;
  }

  const server = http.createServer(async (req, res) => {
    const raw = req.url ?? '/';
    let route = raw === '/graphql' ? raw : 'other';
    try {
      // The usual POST /graphql needs no URL parsing; anything else goes through URL as before.
      if (raw === '/graphql') await handleGraphql(req, res, '');
      else {
        const url = new URL(raw, 'http://localhost');
        route = url.pathname;
        if (route === '/graphql') await handleGraphql(req, res, url.search);
        else route = await handleOther(req, res, route);
      }
    } catch (e) {
      if (e instanceof HttpError)
        send(res, e.status, errorBody(e.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', e.message));
      else {
        log.error({ err: e, route }, 'unhandled error in an HTTP request');
        if (!res.headersSent) send(res, 500, errorBody('INTERNAL', 'internal error'));
        else res.end();
      }
    } finally {
      countRequest(route, res.statusCode);
    }
  });
  server.keepAliveTimeout = 65_000;
  return server;
}
