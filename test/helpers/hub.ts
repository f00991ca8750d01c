import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServices } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { Services } from '../../src/graphql/context';
import { createApolloServer } from '../../src/graphql/server';
import { createHttpServer } from '../../src/http/server';
import { createTestDatabase, type TestDatabase } from './db';

export interface GqlResult<T = Record<string, any>> {
  status: number;
  data: T | null | undefined;
  errors?: { message: string; path?: string[]; extensions: { code: string; field?: string; [k: string]: unknown } }[];
  /** SQL statements the request ran (from the x-sql-statements header). */
  statements: number;
}

/** A running hub over real HTTP on a free port, with its own database. */
export interface TestHub {
  url: string;
  services: Services;
  db: TestDatabase;
  gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GqlResult<T>>;
  close(): Promise<void>;
}

export async function startTestHub(env: Record<string, string> = {}): Promise<TestHub> {
  const db = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    MDHUB_DEMO: 'false',
    MDHUB_SECRET_KEY: randomBytes(32).toString('base64'),
    DATABASE_URL: db.url ?? '',
    ...env,
  });
  const services: Services = await createServices(config, db.database);
  const apollo = createApolloServer({ development: false });
  await apollo.start();
  const server: http.Server = createHttpServer({
    apollo,
    services,
    ready: async () => {
      await db.database.pool.query('SELECT 1');
      return true;
    },
    sqlCountHeader: true,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    services,
    db,
    async gql(query, variables, headers) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: any; errors?: any };
      return {
        status: res.status,
        data: body.data,
        errors: body.errors,
        statements: Number(res.headers.get('x-sql-statements')),
      };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await apollo.stop();
      await services.sync.jobs.close();
      await db.close();
    },
  };
}
