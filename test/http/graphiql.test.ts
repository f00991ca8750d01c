import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createGraphiqlHandler, type GraphiqlOptions } from '../../src/http/graphiql';

interface TestServer {
  base: string;
  handled: Array<{ url: string; handled: boolean }>;
  close: () => Promise<void>;
}

/** A real server wired the way the hub wires it: the handler first, then a fallback the test can recognise. */
async function startServer(opts: GraphiqlOptions): Promise<TestServer> {
  const graphiql = createGraphiqlHandler(opts);
  const handled: TestServer['handled'] = [];
  const server = http.createServer((req, res) => {
    const wasHandled = graphiql(req, res);
    handled.push({ url: req.url ?? '', handled: wasHandled });
    if (!wasHandled) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('fallback');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    handled,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

function attributeUrls(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
}

function inlineBlocks(html: string, tag: 'script' | 'style'): string[] {
  return [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]!);
}

function cspDirective(csp: string, name: string): string[] {
  const directive = csp
    .split(';')
    .map((d) => d.trim().split(/\s+/))
    .find(([n]) => n === name);
  if (!directive) throw new Error(`CSP has no ${name}: ${csp}`);
  return directive.slice(1);
}

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('GraphiQL handler', () => {
  let srv: TestServer;
  let html: string;
  let page: Response;

  beforeAll(async () => {
    srv = await startServer({ endpoint: '/graphql' });
    page = await fetch(`${srv.base}/graphiql`);
    html = await page.text();
  });

  afterAll(async () => {
    await srv.close();
  });

  it('serves an HTML page that loads React, ReactDOM and GraphiQL from its own assets', () => {
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(html).toMatch(/<link rel="stylesheet" href="\/graphiql\/assets\/graphiql\.min\.css\?v=[\w-]+">/);

    const scripts = [...html.matchAll(/<script src="([^"]+)"><\/script>/g)].map((m) => m[1]!.split('?')[0]);
    // GraphiQL's UMD bundle expects React and ReactDOM as globals, so the order matters.
    expect(scripts).toEqual([
      '/graphiql/assets/react.production.min.js',
      '/graphiql/assets/react-dom.production.min.js',
      '/graphiql/assets/graphiql.min.js',
    ]);
    expect(html).toContain('GraphiQL.createFetcher({ url: new URL(config.endpoint, window.location.origin).href })');
    expect(html).toContain('"endpoint":"/graphql"');
    expect(html).toContain('__typename');
  });

  it('sends a CSP that allows only this origin plus the exact inline script and styles', () => {
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toBeTruthy();
    expect(cspDirective(csp, 'default-src')).toEqual(["'none'"]);
    expect(cspDirective(csp, 'connect-src')).toEqual(["'self'"]);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');

    const scriptSrc = cspDirective(csp, 'script-src');
    const inlineScripts = inlineBlocks(html, 'script');
    expect(inlineScripts).toHaveLength(1);
    expect(scriptSrc).toEqual(["'self'", sha256(inlineScripts[0]!)]);

    const styleSrc = cspDirective(csp, 'style-src');
    expect(styleSrc[0]).toBe("'self'");
    for (const style of inlineBlocks(html, 'style')) expect(styleSrc).toContain(sha256(style));
  });

  it('references no other host', () => {
    expect(html).not.toMatch(/[a-z][a-z0-9+.-]*:\/\//i);
    expect(html).not.toMatch(/["'(]\/\//);
    for (const url of attributeUrls(html)) expect(url).toMatch(/^(\/(?!\/)|data:)/);
  });

  it('serves every referenced asset with the right content type and the bytes from node_modules', async () => {
    const expected: Record<string, { type: string; file: string }> = {
      'react.production.min.js': { type: 'text/javascript', file: 'react/umd/react.production.min.js' },
      'react-dom.production.min.js': { type: 'text/javascript', file: 'react-dom/umd/react-dom.production.min.js' },
      'graphiql.min.js': { type: 'text/javascript', file: 'graphiql/graphiql.min.js' },
      'graphiql.min.css': { type: 'text/css', file: 'graphiql/graphiql.min.css' },
    };
    const assetUrls = attributeUrls(html).filter((u) => u.startsWith('/graphiql/assets/'));
    expect(assetUrls).toHaveLength(4);
    for (const url of assetUrls) {
      const name = url.slice('/graphiql/assets/'.length).split('?')[0]!;
      const want = expected[name];
      expect(want).toBeDefined();
      const res = await fetch(srv.base + url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(`${want!.type}; charset=utf-8`);
      expect(res.headers.get('cache-control')).toContain('max-age=31536000');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const body = Buffer.from(await res.arrayBuffer());
      const onDisk = readFileSync(path.join(__dirname, '../../node_modules', want!.file));
      expect(body.equals(onDisk)).toBe(true);
    }
  });

  it('answers 304 when If-None-Match names the current ETag', async () => {
    const url = `${srv.base}/graphiql/assets/graphiql.min.css`;
    const first = await fetch(url);
    await first.arrayBuffer();
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);

    const again = await fetch(url, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');

    const weakInList = await fetch(url, { headers: { 'If-None-Match': `"stale", W/${etag}` } });
    expect(weakInList.status).toBe(304);

    const stale = await fetch(url, { headers: { 'If-None-Match': '"stale"' } });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();

    const pageAgain = await fetch(`${srv.base}/graphiql`, { headers: { 'If-None-Match': page.headers.get('etag')! } });
    expect(pageAgain.status).toBe(304);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const res = await fetch(`${srv.base}/graphiql/assets/react.production.min.js`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const onDisk = readFileSync(path.join(__dirname, '../../node_modules/react/umd/react.production.min.js'));
    expect(Number(res.headers.get('content-length'))).toBe(onDisk.length);
    expect(await res.text()).toBe('');

    const pageHead = await fetch(`${srv.base}/graphiql`, { method: 'HEAD' });
    expect(pageHead.status).toBe(200);
    expect(pageHead.headers.get('content-security-policy')).toBe(page.headers.get('content-security-policy'));
  });

  it('answers 404 for an unknown asset and 405 for other methods', async () => {
    for (const name of ['nope.js', 'graphiql.min.js.map', 'graphiql.js', '']) {
      const res = await fetch(`${srv.base}/graphiql/assets/${name}`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toBe('fallback');
    }
    const post = await fetch(`${srv.base}/graphiql`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('returns false for every other path so the caller can route it', async () => {
    srv.handled.length = 0;
    for (const p of ['/', '/graphql', '/graphiqlx', '/graphiql/other', '/health?graphiql']) {
      const res = await fetch(srv.base + p);
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('fallback');
    }
    expect(srv.handled.every((h) => !h.handled)).toBe(true);
    expect(srv.handled).toHaveLength(5);

    const res = await fetch(`${srv.base}/graphiql?x=1`);
    await res.text();
    expect(srv.handled.at(-1)).toEqual({ url: '/graphiql?x=1', handled: true });
  });
});

describe('GraphiQL handler options', () => {
  it('escapes title and default query so neither can break out of the page', async () => {
    const srv = await startServer({
      endpoint: '/api/graphql',
      title: '<b>Plant & "Co"</b>',
      defaultQuery: '# </script><script>alert(1)</script>\n{ hello }',
    });
    try {
      const res = await fetch(`${srv.base}/graphiql`);
      const html = await res.text();
      expect(html).toContain('<title>&#60;b&#62;Plant &#38; &#34;Co&#34;&#60;/b&#62;</title>');
      expect(html).not.toContain('alert(1)</script>');
      const [script] = inlineBlocks(html, 'script');
      expect(script).toContain('"endpoint":"/api/graphql"');
      expect(script).toContain('\\u003c/script\\u003e\\u003cscript\\u003ealert(1)');
      expect(cspDirective(res.headers.get('content-security-policy')!, 'script-src')).toContain(sha256(script!));
    } finally {
      await srv.close();
    }
  });

  it('refuses an endpoint on another host', () => {
    expect(() => createGraphiqlHandler({ endpoint: 'https://example.com/graphql' })).toThrow(TypeError);
    expect(() => createGraphiqlHandler({ endpoint: '//example.com/graphql' })).toThrow(TypeError);
    expect(() => createGraphiqlHandler({ endpoint: 'graphql' })).toThrow(TypeError);
  });
});
