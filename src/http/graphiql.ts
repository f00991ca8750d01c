import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

/**
 * GraphiQL served entirely by the hub so the IDE works on plants and in networks without internet access:
 * the page and its four assets come from node_modules, nothing is loaded from a CDN.
 */
export interface GraphiqlOptions {
  /** Path of the GraphQL endpoint on this origin, e.g. '/graphql'. */
  endpoint: string;
  title?: string;
  defaultQuery?: string;
}

interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const PAGE_PATHS = new Set(['/graphiql', '/graphiql/']);
const ASSET_PREFIX = '/graphiql/assets/';

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

// react and react-dom have export maps that hide umd/, so files are located relative to each package.json.
const ASSET_SOURCES: ReadonlyArray<{ name: string; pkg: string; file: string; contentType: string }> = [
  { name: 'react.production.min.js', pkg: 'react', file: 'umd/react.production.min.js', contentType: JS },
  { name: 'react-dom.production.min.js', pkg: 'react-dom', file: 'umd/react-dom.production.min.js', contentType: JS },
  { name: 'graphiql.min.js', pkg: 'graphiql', file: 'graphiql.min.js', contentType: JS },
  { name: 'graphiql.min.css', pkg: 'graphiql', file: 'graphiql.min.css', contentType: CSS },
];

// Asset URLs carry a content version, so a year-long immutable cache cannot pin a browser to an old GraphiQL.
const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';

const DEFAULT_TITLE = 'mdhub GraphiQL';
const DEFAULT_QUERY = `# Welcome to the mdhub GraphQL IDE.
# Run a query with the play button or Ctrl+Enter; the Docs button on the left browses the schema.
{
  __typename
}
`;

// Allowed by its hash, not 'unsafe-inline'. Overflow is clipped on html rather than body because GraphiQL's
// dialogs measure the body's scrollbar and log an error when body overflow is hidden.
const PAGE_STYLE = 'html{height:100%;overflow:hidden}body{height:100%;margin:0}#graphiql{height:100vh}';

/**
 * GraphiQL's dialogs (via react-remove-scroll-bar) inject a scroll-lock <style> without a nonce. Its text depends
 * only on the page's scrollbar width, which is always 0 here because html clips overflow, so one hash allows it.
 * Should a GraphiQL upgrade change the text, the style is merely refused: the page never scrolls, nothing breaks.
 */
const SCROLL_LOCK_STYLE_HASH = "'sha256-Y/huXlwoYkVyQlxwSVcCi1RCDGDCSVBzDt0hYP9qlTc='";

let assetCache: ReadonlyMap<string, Asset> | undefined;

/** Reads the assets once per process; a missing package fails at start-up rather than on the first page view. */
function loadAssets(): ReadonlyMap<string, Asset> {
  if (!assetCache) {
    const assets = new Map<string, Asset>();
    for (const src of ASSET_SOURCES) {
      const dir = path.dirname(require.resolve(`${src.pkg}/package.json`));
      const body = readFileSync(path.join(dir, src.file));
      assets.set(src.name, { body, contentType: src.contentType, etag: etagOf(body) });
    }
    assetCache = assets;
  }
  return assetCache;
}

function etagOf(body: Buffer | string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

function cspHash(source: string): string {
  return `'sha256-${createHash('sha256').update(source, 'utf8').digest('base64')}'`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a <script> element: no `</script>`, `<!--` or line terminators that end it early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** True when If-None-Match names this ETag; the comparison is weak, as RFC 9110 requires for this header. */
function notModified(req: IncomingMessage, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: Buffer | string,
): void {
  const etag = headers.ETag;
  if (status === 200 && etag && notModified(req, etag)) {
    const { 'Content-Type': _type, ...rest } = headers;
    res.writeHead(304, rest);
    res.end();
    return;
  }
  res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendText(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  text: string,
  extra: Record<string, string> = {},
): void {
  send(
    req,
    res,
    status,
    { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', ...extra },
    text,
  );
}

function renderPage(opts: GraphiqlOptions, assets: ReadonlyMap<string, Asset>): { html: string; csp: string } {
  const url = (name: string): string => {
    const asset = assets.get(name)!;
    return `${ASSET_PREFIX}${name}?v=${asset.etag.slice(1, 13)}`;
  };
  const config = { endpoint: opts.endpoint, defaultQuery: opts.defaultQuery ?? DEFAULT_QUERY };
  // Built from the page's origin rather than configured, so the IDE follows whatever host name users reach the hub by.
  const bootstrap = `(function () {
  var config = ${scriptJson(config)};
  var fetcher = GraphiQL.createFetcher({ url: new URL(config.endpoint, window.location.origin).href });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: config.defaultQuery })
  );
})();`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(opts.title ?? DEFAULT_TITLE)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${url('graphiql.min.css')}">
<style>${PAGE_STYLE}</style>
</head>
<body>
<div id="graphiql"><noscript>GraphiQL needs JavaScript.</noscript></div>
<script src="${url('react.production.min.js')}"></script>
<script src="${url('react-dom.production.min.js')}"></script>
<script src="${url('graphiql.min.js')}"></script>
<script>${bootstrap}</script>
</body>
</html>
`;
  // No 'unsafe-eval': the bundle never evals (its one `new Function` is webpack's fallback for browsers without
  // globalThis). Fonts and a few images in graphiql.min.css are data: URIs.
  const csp = [
    "default-src 'none'",
    `script-src 'self' ${cspHash(bootstrap)}`,
    `style-src 'self' ${cspHash(PAGE_STYLE)} ${SCROLL_LOCK_STYLE_HASH}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp };
}

/**
 * Serves GET/HEAD /graphiql (the IDE page) and /graphiql/assets/<name> (React, ReactDOM and GraphiQL from
 * node_modules). Returns false for any other path so the caller can route it elsewhere.
 */
export function createGraphiqlHandler(opts: GraphiqlOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  // A path on this origin only: connect-src is 'self' and the page must not reach any other host.
  if (!opts.endpoint.startsWith('/') || opts.endpoint.startsWith('//')) {
    throw new TypeError(`GraphiQL endpoint must be a path on this origin such as '/graphql', got '${opts.endpoint}'`);
  }
  const assets = loadAssets();
  const { html, csp } = renderPage(opts, assets);
  const pageHeaders = {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    // Revalidated on every visit so a new hub version's asset URLs are picked up at once.
    'Cache-Control': 'no-cache',
    ETag: etagOf(html),
  };

  return (req, res) => {
    const pathname = (req.url ?? '/').split('?', 1)[0]!;
    const isPage = PAGE_PATHS.has(pathname);
    if (!isPage && !pathname.startsWith(ASSET_PREFIX)) return false;

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(req, res, 405, 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
      return true;
    }
    if (isPage) {
      send(req, res, 200, pageHeaders, html);
      return true;
    }
    const asset = assets.get(pathname.slice(ASSET_PREFIX.length));
    if (!asset) {
      sendText(req, res, 404, 'Not Found\n');
      return true;
    }
    send(
      req,
      res,
      200,
      {
        'Content-Type': asset.contentType,
        'Cache-Control': ASSET_CACHE_CONTROL,
        'X-Content-Type-Options': 'nosniff',
        ETag: asset.etag,
      },
      asset.body,
    );
    return true;
  };
}
