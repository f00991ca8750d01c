import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
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
const httpRequests = new client.Counter({
  name: 'mdhub_http_requests_total',
  help: 'HTTP requests by route and status',
  labelNames: ['route', 'status'] as const,
  registers: [metricsRegistry],
});
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
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new HttpError(413, `request body over ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
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

/** Until issue-level auth lands, the caller names itself; 'anonymous' otherwise. Kept for history only. */
function actorOf(req: http.IncomingMessage): Actor {
  const raw = req.headers['x-mdhub-actor'];
  const id = typeof raw === 'string' && /^[\p{L}\p{N}._@:-]{1,100}$/u.test(raw) ? raw : 'anonymous';
  return { kind: 'user', id };
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

  async function handleGraphql(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const started = process.hrtime.bigint();
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    let body: unknown;
    if (req.method === 'POST') {
      const text = await readBody(req, maxBody);
      const ct = String(req.headers['content-type'] ?? '');
      if (ct.includes('application/json')) {
        try {
          body = text.length ? JSON.parse(text) : {};
        } catch {
          throw new HttpError(400, 'request body is not valid JSON');
        }
      } else body = text;
    }
    const counter = { count: 0 };
    const result = await statementCounter.run(counter, () =>
      opts.apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
        context: async () => ({
          services: opts.services,
          loaders: new Loaders(opts.services.master),
          actor: actorOf(req),
          requestId: randomUUID(),
        }),
      }),
    );
    const out: Record<string, string> = {};
    for (const [k, v] of result.headers) out[k] = v;
    if (opts.sqlCountHeader) out['x-sql-statements'] = String(counter.count);
    res.writeHead(result.status ?? 200, out);
    if (result.body.kind === 'complete') res.end(result.body.string);
    else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
    graphqlDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let route = url.pathname;
    try {
      if (url.pathname === '/graphql') await handleGraphql(req, res, url);
      else if (graphiql(req, res)) route = '/graphiql';
      else if (url.pathname === '/healthz') send(res, 200, JSON.stringify({ status: 'ok' }));
      else if (url.pathname === '/readyz') {
        const ok = await opts.ready().catch(() => false);
        send(
          res,
          ok ? 200 : 503,
          JSON.stringify(ok ? { status: 'ready' } : { status: 'unavailable', reason: 'database not reachable' }),
        );
      } else if (url.pathname === '/metrics') {
        send(res, 200, await metricsRegistry.metrics(), metricsRegistry.contentType);
      } else if (url.pathname === '/') {
        res.writeHead(302, { location: '/graphiql' });
        res.end();
      } else {
        route = 'other';
        send(res, 404, errorBody('NOT_FOUND', `no route ${url.pathname}`));
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
      httpRequests.inc({ route, status: String(res.statusCode) });
    }
  });
  server.keepAliveTimeout = 65_000;
  return server;
}
