import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A source system over an in-memory list, speaking the API described in connectors/http-json/README.md. */
export class FakeSource {
  readonly collections = new Map<string, Record<string, unknown>[]>();
  /** Key and cursor field per collection, where they are not id and updatedAt. */
  readonly fieldsOf = new Map<string, { key: string; cursor: string }>([
    ['articles', { key: 'articleNo', cursor: 'changedAt' }],
  ]);
  readonly requests: { method: string; url: URL; authorization?: string; body?: unknown }[] = [];
  /** Answers given instead of the real one, first in first out. */
  readonly overrides: { status: number; headers?: Record<string, string>; body?: string }[] = [];
  /** Milliseconds every answer waits, for a source slow enough to hold a run open. */
  delayMs = 0;
  /** Requests that have arrived, answered yet or not. */
  received = 0;
  private server!: http.Server;
  private created = 0;
  baseUrl = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.received++;
        if (this.delayMs > 0) setTimeout(() => this.handle(req, body, res), this.delayMs);
        else this.handle(req, body, res);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    // A path prefix checks that the connector appends paths to the base URL instead of resolving them.
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: http.IncomingMessage, text: string, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body = text ? JSON.parse(text) : undefined;
    this.requests.push({ method: req.method ?? '', url, authorization: req.headers.authorization, body });
    const send = (status: number, payload?: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    const override = this.overrides.shift();
    if (override) {
      res.writeHead(override.status, { 'content-type': 'application/json', ...override.headers });
      res.end(override.body ?? JSON.stringify({ error: 'forced', echo: req.headers.authorization }));
      return;
    }
    const [, prefix, name, id] = url.pathname.split('/');
    const rows = prefix === 'api' && name ? this.collections.get(name) : undefined;
    if (!rows) return send(404, { error: 'no such collection' });
    const fields = this.fieldsOf.get(name!) ?? { key: 'id', cursor: 'updatedAt' };

    if (req.method === 'GET' && id === undefined) {
      const limit = Number(url.searchParams.get('limit'));
      if (!Number.isInteger(limit) || limit < 1) return send(400, { error: 'limit' });
      const since = url.searchParams.get('since');
      const after = url.searchParams.get('after');
      const [afterCursor, afterId] = after ? (JSON.parse(Buffer.from(after, 'base64url').toString()) as string[]) : [];
      const key = (r: Record<string, unknown>): [string, string] => [String(r[fields.cursor]), String(r[fields.key])];
      const sorted = [...rows].sort((a, b) => compare(key(a), key(b)));
      const matching = sorted.filter(
        (r) =>
          (since === null || String(r[fields.cursor]) >= since) &&
          (afterCursor === undefined || compare(key(r), [afterCursor, afterId!]) > 0),
      );
      const page = matching.slice(0, limit);
      const last = page[page.length - 1];
      const next =
        matching.length > limit && last ? Buffer.from(JSON.stringify(key(last))).toString('base64url') : null;
      return send(200, { records: page, next });
    }
    if (req.method === 'POST' && id === undefined) {
      const record = { ...body, [fields.key]: `N-${++this.created}`, [fields.cursor]: new Date().toISOString() };
      rows.push(record);
      return send(201, record);
    }
    if (req.method === 'PUT' && id !== undefined) {
      const record = rows.find((r) => String(r[fields.key]) === decodeURIComponent(id));
      if (!record) return send(404, { error: 'not found' });
      Object.assign(record, body, { [fields.cursor]: new Date().toISOString() });
      return send(200, record);
    }
    send(405, { error: 'method' });
  }
}

export function compare(a: [string, string], b: [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}
