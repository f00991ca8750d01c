import '../../connectors';
import { type RunnerOptions, SyncRunner, type SyncRunRow } from '../../src/sync/runner';
import { FakeSource } from './fake-json-source';
import { startTestHub, type TestHub } from './hub';

/** A running hub, a fake source over HTTP, an http-json connection to it and a runner: what sync tests start from. */
export interface SyncFixture {
  hub: TestHub;
  source: FakeSource;
  runner: SyncRunner;
  connectionId: string;
  /** Creates a run of the connection and executes it to its end. */
  sync(mode: 'full' | 'incremental'): Promise<SyncRunRow>;
  close(): Promise<void>;
}

export async function startSyncFixture(
  opts: { name?: string; runner?: Partial<RunnerOptions>; streams?: Record<string, unknown>[] } = {},
): Promise<SyncFixture> {
  const source = new FakeSource();
  await source.start();
  const hub = await startTestHub();
  const runner = new SyncRunner(hub.db.database, hub.services.connections, { defaultRegion: 'DE', ...opts.runner });
  const c = await hub.services.connections.create(
    {
      name: opts.name ?? 'crm',
      type: 'http-json',
      settings: {
        baseUrl: source.baseUrl,
        streams: opts.streams ?? [{ name: 'customers', entity: 'customer', path: '/customers' }],
      },
    },
    { kind: 'user', id: 'test' },
  );
  return {
    hub,
    source,
    runner,
    connectionId: c.id,
    async sync(mode) {
      const run = await runner.createRun(c.id, mode, 'test');
      return runner.execute(run.id);
    },
    async close() {
      await hub.close();
      await source.stop();
    },
  };
}
