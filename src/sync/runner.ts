import { hash } from 'node:crypto';
import { and, eq, getTableName, sql } from 'drizzle-orm';
import type { Actor } from '../actor';
import type { Pool } from 'pg';
import { applySourceBoms, cleanSourceBom, pendingSourceBoms, type SourceBom } from '../bom/sync';
import { BomStore } from '../bom/store';
import { bulkInsert } from '../db/bulk';
import { sqlArray, type Db } from '../db/pool';
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../errors';
import { log } from '../log';
import type { Tx } from '../master/codes';
import { normaliseFields, type Values } from '../master/fields';
import { outbox } from '../master/tables';
import { FieldError } from '../master/normalise';
import { SPECS, type MasterEntity } from '../master/specs';
import { recomputeGolden } from '../mdm/golden';
import type { MatchThresholds } from '../mdm/match';
import { placeSourceRecords } from '../mdm/matcher';
import { DEFAULT_MATCH_THRESHOLDS } from '../mdm/thresholds';
import { defaultSurvivorship, type SurvivorshipConfig } from '../mdm/survivorship';
import type { Connector, ReadPage, SourceRecord, StreamDefinition } from './connector';
import type { ConnectionRow, ConnectionService } from './connections';
import { RecordError, RetryableError } from './errors';
import { getConnector } from './registry';
import { streamState, syncRunErrors, syncRuns } from './tables';

export type SyncRunRow = typeof syncRuns.$inferSelect;
export type SyncMode = 'full' | 'incremental';

export interface RunnerOptions {
  defaultRegion: string;
  pageSize?: number;
  /** Attempts per page read before the run fails (transient errors: network, 429, 5xx). */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt unless the source says Retry-After. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  survivorship?: Partial<Record<MasterEntity, SurvivorshipConfig>>;
  /** Fuzzy match thresholds per entity (MDHUB_MATCH_THRESHOLDS); DEFAULT_MATCH_THRESHOLDS where left out. */
  matchThresholds?: Partial<Record<MasterEntity, MatchThresholds>>;
}

/** What a page did, counted in source records. */
interface Counts {
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  failed: number;
}

/** A source record as stored, as far as a page needs it. */
interface StoredSource {
  id: string;
  external_id: string;
  content_hash: string;
  deleted_at: Date | null;
  golden_id: string | null;
}

/** A record mapped and cleaned into the entity's canonical values, or why it could not be. */
type Mapped = { canonical: Values } | { issues: { field: string | null; reason: string }[] };

/** A page read and worked through as far as can be done outside its transaction (see `preparePage`). */
interface PreparedPage {
  page: ReadPage;
  /** The last version of each record the page lists, by external id. */
  latest: Map<string, SourceRecord>;
  /** Content hash of each record that is not a tombstone. */
  hashes: Map<string, string>;
  /** The stored source records as read before the page's transaction. */
  existing: Map<string, StoredSource>;
  /** Records that looked new or changed then, mapped and cleaned. */
  mapped: Map<string, Mapped>;
}

/** Reported after each committed page, for progress displays. */
export interface PageProgress extends Counts {
  runId: string;
  stream: string;
}

/** The entities a stream can feed: the golden master records, and BOMs (src/bom/sync.ts). */
const ENTITIES = new Set<string>([...Object.keys(SPECS), 'bom']);
/** Records a run inserts before it first refreshes the planner's statistics (then again at each doubling). */
const ANALYZE_AFTER = 20_000;
const running = new Set<string>();

/**
 * JSON text with object keys in sorted order, so a record sent again with its keys in another order reads the
 * same. Equal to JSON.stringify of the key-sorted value, written directly: hashing is on the path of every record
 * of every full read, and this is twice as fast as sorting into new objects first.
 */
function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + (v[i] === undefined ? 'null' : canonicalJson(v[i]));
    return s + ']';
  }
  const keys = Object.keys(v);
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      keys.sort();
      break;
    }
  }
  let s = '{';
  for (const k of keys) {
    const x = (v as Record<string, unknown>)[k];
    if (x === undefined || typeof x === 'function') continue;
    s += (s.length > 1 ? ',' : '') + JSON.stringify(k) + ':' + canonicalJson(x);
  }
  return s + '}';
}

/** A stable hash of a payload: the same record sent again, with its keys in any order, hashes the same. */
export function contentHash(payload: unknown, deleted: boolean): string {
  return hash('sha256', canonicalJson(payload) + (deleted ? '#deleted' : ''), 'base64url');
}

/** Moves an inclusive cursor back by the look-back window, when it is a timestamp; other cursors stay as they are. */
export function lookBack(cursor: string | null, seconds: number): string | null {
  if (!cursor) return null;
  const t = Date.parse(cursor);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(cursor) || Number.isNaN(t)) return cursor;
  return new Date(t - seconds * 1000).toISOString();
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason ?? new Error('aborted'));
    });
  });

/**
 * Runs a connection's sync: reads every stream page by page and commits each page in one transaction together
 * with the stream's checkpoint, so a run killed at any moment resumes after the last committed page. Pages are
 * staged as source records (unchanged ones skipped by content hash), matched to golden records (crosswalk, then
 * deterministic keys) and the affected golden records recomputed. A full read marks what it did not see as
 * deleted, but only once the stream was read to the end.
 */
export class SyncRunner {
  private readonly db: Db;
  /** Per run: the BOM source records a page already tried, so the end-of-run retry leaves them be. */
  private readonly bomAttempts = new Map<string, Set<string>>();

  private readonly boms: BomStore;

  constructor(
    private readonly database: { db: Db; pool: Pool; mode: 'postgres' | 'embedded' },
    private readonly connections: ConnectionService,
    private readonly opts: RunnerOptions,
  ) {
    this.db = database.db;
    this.boms = new BomStore(database.db);
  }

  /** Records a new run of a connection; `execute` then does the work (now, or in a worker). */
  async createRun(connectionId: string, mode: SyncMode, trigger: string): Promise<SyncRunRow> {
    const conn = await this.connections.get({ id: connectionId });
    if (!conn) throw new NotFoundError(`connection ${connectionId}`, 'connectionId');
    const [run] = await this.db.insert(syncRuns).values({ connectionId, mode, trigger }).returning();
    return run!;
  }

  async getRun(runId: string): Promise<SyncRunRow | null> {
    const [run] = await this.db.select().from(syncRuns).where(eq(syncRuns.id, runId));
    return run ?? null;
  }

  /**
   * Runs (or resumes) a run to its end. Two runs of one connection never overlap: the second is refused with a
   * ConflictError. `onError` decides what a failure leaves the run in: `failed` (the default), or `queued` when the
   * caller will try it again (a job retry), which keeps the error on the run but not a finish time.
   */
  async execute(
    runId: string,
    hooks: {
      onPage?: (p: PageProgress) => void;
      signal?: AbortSignal;
      onError?: (e: unknown) => 'failed' | 'queued';
    } = {},
  ): Promise<SyncRunRow> {
    const run = await this.getRun(runId);
    if (!run) throw new NotFoundError(`sync run ${runId}`, 'runId');
    if (run.status === 'succeeded') return run;
    const found = await this.connections.forRun(run.connectionId);
    if (!found) throw new NotFoundError(`connection ${run.connectionId}`, 'connectionId');
    const { row: connection, ctx } = found;
    const lockKey = `sync:${connection.id}`;
    if (running.has(lockKey))
      throw new ConflictError(`connection ${connection.name} is already syncing`, 'connectionId');
    running.add(lockKey);
    try {
      // The embedded database belongs to this one process, where the set above already excludes a second run
      // (and its single connection must stay free for the run itself).
      if (this.database.mode === 'embedded') return await this.executeLocked(run, connection, ctx, hooks);
      // Across processes, a session advisory lock held for the whole run.
      const lockClient = await this.database.pool.connect();
      try {
        const got = await lockClient.query('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [lockKey]);
        if (!got.rows[0].ok)
          throw new ConflictError(`connection ${connection.name} is already syncing`, 'connectionId');
        try {
          return await this.executeLocked(run, connection, ctx, hooks);
        } finally {
          await lockClient.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
        }
      } finally {
        lockClient.release();
      }
    } finally {
      running.delete(lockKey);
    }
  }

  private async executeLocked(
    run: SyncRunRow,
    connection: ConnectionRow,
    ctx: Awaited<ReturnType<ConnectionService['forRun']>> extends infer R
      ? R extends { ctx: infer C }
        ? C
        : never
      : never,
    hooks: { onPage?: (p: PageProgress) => void; signal?: AbortSignal; onError?: (e: unknown) => 'failed' | 'queued' },
  ): Promise<SyncRunRow> {
    await this.db
      .update(syncRuns)
      .set({
        status: 'running',
        attempts: sql`${syncRuns.attempts} + 1`,
        startedAt: sql`coalesce(${syncRuns.startedAt}, now())`,
        error: null,
      })
      .where(eq(syncRuns.id, run.id));
    const actor: Actor = { kind: 'connection', id: connection.name };
    try {
      if (!connection.enabled)
        throw new DomainError('BAD_USER_INPUT', `connection ${connection.name} is disabled`, 'connectionId');
      const connector = getConnector(connection.type) as Connector<unknown, unknown>;
      const limitedCtx = { ...ctx, fetch: this.rateLimited(ctx.fetch, connection.rateLimitPerSecond) };
      for (const stream of await connector.streams(limitedCtx)) {
        if (!ENTITIES.has(stream.entity)) continue;
        await this.syncStream(run, connection, connector, limitedCtx, stream, actor, hooks);
      }
      const [done] = await this.db.transaction(async (tx) => {
        const rows = await tx
          .update(syncRuns)
          .set({ status: 'succeeded', finishedAt: new Date() })
          .where(eq(syncRuns.id, run.id))
          .returning();
        await tx.insert(outbox).values({
          eventType: 'syncRun.completed',
          entity: 'syncRun',
          entityId: run.id,
          payload: { id: run.id, connection: connection.name, mode: run.mode, ...pickCounts(rows[0]!) },
          actorKind: actor.kind,
          actorId: actor.id,
        });
        return rows;
      });
      return done!;
    } catch (e) {
      const message = (e as Error).message ?? String(e);
      const status = hooks.onError?.(e) ?? 'failed';
      log.warn(
        { connection: connection.name, run: run.id, error: message },
        status === 'failed' ? 'sync run failed' : 'sync run attempt failed, to be tried again',
      );
      const [failed] = await this.db
        .update(syncRuns)
        .set({ status, finishedAt: status === 'failed' ? new Date() : null, error: message.slice(0, 2000) })
        .where(eq(syncRuns.id, run.id))
        .returning();
      return failed!;
    }
  }

  private async syncStream(
    run: SyncRunRow,
    connection: ConnectionRow,
    connector: Connector<unknown, unknown>,
    ctx: Parameters<Connector<unknown, unknown>['read']>[0],
    stream: StreamDefinition,
    actor: Actor,
    hooks: { onPage?: (p: PageProgress) => void; signal?: AbortSignal },
  ): Promise<void> {
    const [state] = await this.db
      .select()
      .from(streamState)
      .where(and(eq(streamState.connectionId, connection.id), eq(streamState.stream, stream.name)));
    const mode = run.mode as SyncMode;
    // A full run resumed after a crash continues after its last committed page.
    const pageToken = mode === 'full' && state?.fullRunId === run.id ? state.fullPageToken : null;
    const since = mode === 'incremental' ? lookBack(state?.cursor ?? null, stream.lookbackSeconds ?? 60) : null;
    const resumedComplete = mode === 'full' && state?.fullRunId === run.id && state.fullPageToken === null;
    if (!resumedComplete) {
      const readAndPrepare = async (token: string | null) => {
        const page = await this.readWithRetry(connector, ctx, {
          stream,
          mode,
          since,
          pageToken: token,
          pageSize: this.opts.pageSize ?? 200,
          signal: hooks.signal,
        });
        return this.preparePage(connection, connector, ctx, stream, page);
      };
      // While a page is committed, the next one is read, hashed, mapped and cleaned: the source, this process and
      // the database work at once. A page read ahead but not committed when the run stops is simply read again.
      let next: Promise<PreparedPage> | null = readAndPrepare(pageToken);
      let inserted = 0;
      let analyzedAt = ANALYZE_AFTER / 2;
      while (next) {
        const prepared: PreparedPage = await next;
        const token = prepared.page.nextPageToken;
        next = token ? readAndPrepare(token) : null;
        // Awaited on the next turn; until then a failure must not count as unhandled.
        next?.catch(() => undefined);
        const counts = await this.db.transaction((tx) =>
          this.applyPage(tx, run, connection, connector, ctx, stream, prepared, actor),
        );
        inserted += counts.inserted;
        if (inserted >= analyzedAt * 2) {
          // A large first load outgrows the planner's statistics long before autovacuum samples the tables again,
          // and plans made for a few hundred rows (nested loops, hashes of a whole table) then slow every page.
          // Sampling again each time the run has doubled what it inserted keeps that to a handful of ANALYZEs.
          analyzedAt = inserted;
          await this.analyze(stream.entity as MasterEntity | 'bom');
        }
        hooks.onPage?.({ runId: run.id, stream: stream.name, ...counts });
      }
    }
    if (mode === 'full') await this.db.transaction((tx) => this.markUnseenDeleted(tx, run, connection, stream, actor));
    if (stream.entity === 'bom') await this.retryPendingBoms(run, connection, stream, actor);
  }

  /**
   * BOMs staged earlier that named items the crosswalk did not know yet: tried again once the run's other streams
   * (the items) are in. Those this run applied or refused already are left for the next run.
   */
  private async retryPendingBoms(run: SyncRunRow, connection: ConnectionRow, stream: StreamDefinition, actor: Actor) {
    await this.db.transaction(async (tx) => {
      const pending = (await pendingSourceBoms(tx, connection.id, stream.name)).filter(
        (p) => !this.bomAttempts.get(run.id)?.has(p.sourceRecordId),
      );
      if (pending.length === 0) return;
      const result = await applySourceBoms(tx, this.boms, { system: connection.name, actor }, pending);
      if (result.errors.length) {
        await bulkInsert(
          tx,
          syncRunErrors,
          result.errors.map((e) => ({ runId: run.id, stream: stream.name, ...e })),
        );
      }
    });
    this.bomAttempts.delete(run.id);
  }

  /** Refreshes the planner's statistics of the tables a sync of this entity writes and reads. */
  private async analyze(entity: MasterEntity | 'bom'): Promise<void> {
    const table = entity === 'bom' ? 'bom_lines' : getTableName(SPECS[entity].table);
    await this.db.execute(sql.raw(`ANALYZE source_records, crosswalk, "${table}"`));
  }

  private async readWithRetry(
    connector: Connector<unknown, unknown>,
    ctx: Parameters<Connector<unknown, unknown>['read']>[0],
    req: Parameters<Connector<unknown, unknown>['read']>[1],
  ): Promise<ReadPage> {
    const max = this.opts.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        return await connector.read(ctx, req);
      } catch (e) {
        if (!(e instanceof RetryableError) || attempt >= max) throw e;
        const base = this.opts.baseDelayMs ?? 500;
        const backoff = Math.min(base * 2 ** (attempt - 1), this.opts.maxDelayMs ?? 60_000);
        const delay =
          e.retryAfterMs !== undefined ? Math.max(e.retryAfterMs, 0) : backoff * (0.8 + Math.random() * 0.4);
        log.info(
          { stream: req.stream.name, attempt, delayMs: Math.round(delay), error: e.message },
          'retrying a page read',
        );
        await sleep(delay, req.signal);
      }
    }
  }

  /** Spaces requests so a connection never exceeds its configured rate. */
  private rateLimited(fetchFn: typeof fetch, perSecond: string | null): typeof fetch {
    if (!perSecond) return fetchFn;
    const gap = 1000 / Number(perSecond);
    let next = 0;
    return (async (...args: Parameters<typeof fetch>) => {
      const now = Date.now();
      const at = Math.max(now, next);
      next = at + gap;
      if (at > now) await sleep(at - now);
      return fetchFn(...args);
    }) as typeof fetch;
  }

  /**
   * What can be done with a page before its transaction: keep the last version of each record, hash them, look up
   * the stored source records, and map and clean the records that look new or changed. It runs while the previous
   * page is being committed, so `applyPage` checks what it read against the database once more.
   */
  private async preparePage(
    connection: ConnectionRow,
    connector: Connector<unknown, unknown>,
    ctx: { connectionId: string; settings: unknown },
    stream: StreamDefinition,
    page: ReadPage,
  ): Promise<PreparedPage> {
    // Within a page the last version of a record wins: a source may list one record twice across a look-back.
    const latest = new Map<string, SourceRecord>();
    for (const r of page.records) latest.set(r.externalId, r);
    const hashes = new Map<string, string>();
    for (const r of latest.values()) if (!r.deleted) hashes.set(r.externalId, contentHash(r.payload, false));
    const existing = await this.storedSources(this.db, connection, stream, [...latest.keys()]);
    const mapped = new Map<string, Mapped>();
    for (const r of latest.values()) {
      const old = existing.get(r.externalId);
      if (r.deleted || (old && old.content_hash === hashes.get(r.externalId) && !old.deleted_at)) continue;
      mapped.set(r.externalId, this.mapRecord(connector, ctx, stream, r));
    }
    return { page, latest, hashes, existing, mapped };
  }

  private async storedSources(
    db: Db | Tx,
    connection: ConnectionRow,
    stream: StreamDefinition,
    externalIds: string[],
  ): Promise<Map<string, StoredSource>> {
    const res = await db.execute(sql`
      SELECT id::text AS id, external_id, content_hash, deleted_at, golden_id FROM source_records
      WHERE system = ${connection.name} AND stream = ${stream.name} AND external_id = ANY(${sqlArray(externalIds)}::text[])`);
    return new Map((res.rows as StoredSource[]).map((r) => [r.external_id, r]));
  }

  /** A record mapped by its connector and cleaned, or the reasons it cannot be taken. */
  private mapRecord(
    connector: Connector<unknown, unknown>,
    ctx: { connectionId: string; settings: unknown },
    stream: StreamDefinition,
    record: SourceRecord,
  ): Mapped {
    try {
      const input = connector.map(ctx, stream, record);
      if (stream.entity === 'bom') return { canonical: cleanSourceBom(input) as unknown as Values };
      const spec = SPECS[stream.entity as MasterEntity];
      return { canonical: normaliseFields(spec.fields, input, 'create', { defaultRegion: this.opts.defaultRegion }) };
    } catch (e) {
      if (e instanceof ValidationError) return { issues: e.issues.map((i) => ({ field: i.field, reason: i.reason })) };
      if (e instanceof FieldError || e instanceof RecordError)
        return { issues: [{ field: e.field, reason: e.reason }] };
      throw e;
    }
  }

  /** One page in one transaction: stage, match, recompute, checkpoint, counts. */
  private async applyPage(
    tx: Tx,
    run: SyncRunRow,
    connection: ConnectionRow,
    connector: Connector<unknown, unknown>,
    ctx: { connectionId: string; settings: unknown },
    stream: StreamDefinition,
    prepared: PreparedPage,
    actor: Actor,
  ): Promise<Counts> {
    const { page, latest, hashes, mapped } = prepared;
    const entity = stream.entity as MasterEntity;
    const counts: Counts = { read: page.records.length, inserted: 0, updated: 0, unchanged: 0, deleted: 0, failed: 0 };
    const errors: { externalId: string | null; field: string | null; reason: string }[] = (page.rejected ?? []).map(
      (r) => ({
        externalId: r.externalId,
        field: r.field,
        reason: r.reason,
      }),
    );
    counts.failed += errors.length;
    // The stored records as read before this transaction, corrected by those that changed since (the previous
    // page can have held the same record). The check returns no rows unless that happened.
    const existing = new Map(prepared.existing);
    const checked = await tx.execute(sql`
      SELECT s.id::text AS id, s.external_id, s.content_hash, s.deleted_at, s.golden_id
      FROM jsonb_to_recordset(${JSON.stringify(
        [...latest.keys()].map((e) => {
          const old = prepared.existing.get(e);
          return { e, h: old?.content_hash ?? null, d: old ? old.deleted_at !== null : null };
        }),
      )}::jsonb) AS x(e text, h text, d boolean)
      -- One index probe per record, whatever the statistics say (LIMIT keeps the subquery from being flattened
      -- into a join that, with statistics from before a large load, hashed the whole stream for every page).
      CROSS JOIN LATERAL (
        SELECT * FROM source_records
        WHERE system = ${connection.name} AND stream = ${stream.name} AND external_id = x.e LIMIT 1
      ) s
      WHERE s.content_hash IS DISTINCT FROM x.h OR (s.deleted_at IS NOT NULL) IS DISTINCT FROM x.d`);
    for (const r of checked.rows as StoredSource[]) existing.set(r.external_id, r);
    const touch: string[] = [];
    const tombstones: string[] = [];
    const upserts: { record: SourceRecord; hash: string; canonical: Values }[] = [];
    let maxCursor: string | null = null;
    for (const record of latest.values()) {
      if (record.cursor && (!maxCursor || record.cursor > maxCursor)) maxCursor = record.cursor;
      const old = existing.get(record.externalId);
      if (record.deleted) {
        if (old && !old.deleted_at) {
          tombstones.push(old.id);
          counts.deleted++;
        } else counts.unchanged++;
        continue;
      }
      const hash = hashes.get(record.externalId)!;
      if (old && old.content_hash === hash && !old.deleted_at) {
        touch.push(old.id);
        counts.unchanged++;
        continue;
      }
      const result = mapped.get(record.externalId) ?? this.mapRecord(connector, ctx, stream, record);
      if ('canonical' in result) {
        upserts.push({ record, hash, canonical: result.canonical });
        if (old) counts.updated++;
        else counts.inserted++;
      } else {
        counts.failed++;
        if (old) touch.push(old.id);
        for (const i of result.issues) errors.push({ externalId: record.externalId, field: i.field, reason: i.reason });
      }
    }

    if (touch.length && run.mode === 'full') {
      // One row per page, whatever its size: a full read of a million unchanged records writes no record.
      await tx.execute(
        sql`INSERT INTO sync_run_seen (run_id, stream, source_record_ids) VALUES (${run.id}::uuid, ${stream.name}, ${sqlArray(touch)}::bigint[])`,
      );
    } else if (touch.length) {
      // An incremental read sees few unchanged records (those the look-back reads again): stamped one by one.
      await tx.execute(
        sql`UPDATE source_records SET last_seen_at = now(), last_seen_run_id = ${run.id}::uuid WHERE id = ANY(${sqlArray(touch)}::bigint[])`,
      );
    }
    const affected = new Set<string>();
    if (tombstones.length) {
      const res = await tx.execute(sql`
        UPDATE source_records SET deleted_at = now(), changed_at = now(), last_seen_at = now(), last_seen_run_id = ${run.id}::uuid
        WHERE id = ANY(${sqlArray(tombstones)}::bigint[]) RETURNING golden_id`);
      for (const r of res.rows as { golden_id: string | null }[]) if (r.golden_id) affected.add(r.golden_id);
    }
    let newGolden: ReadonlySet<string> = new Set<string>();
    if (upserts.length) {
      const res = await tx.execute(sql`
        INSERT INTO source_records (connection_id, system, stream, entity, external_id, payload, content_hash, canonical, cursor, last_seen_run_id)
        SELECT ${connection.id}::uuid, ${connection.name}, ${stream.name}, ${entity}, e, p, h, c, cur, ${run.id}::uuid
        FROM jsonb_to_recordset(${JSON.stringify(
          // One JSON text for the page: as jsonb[] parameters, pg's array-literal escaping of each payload alone
          // cost more than the whole insert.
          upserts.map((u) => ({
            e: u.record.externalId,
            p: u.record.payload,
            h: u.hash,
            c: u.canonical,
            cur: u.record.cursor,
          })),
        )}::jsonb) AS x(e text, p jsonb, h text, c jsonb, cur text)
        ON CONFLICT (system, stream, external_id) DO UPDATE SET
          payload = excluded.payload, content_hash = excluded.content_hash, canonical = excluded.canonical, cursor = excluded.cursor,
          changed_at = now(), last_seen_at = now(), last_seen_run_id = excluded.last_seen_run_id, deleted_at = NULL
        RETURNING id::text AS id, external_id, golden_id`);
      const staged = res.rows as { id: string; external_id: string; golden_id: string | null }[];
      if ((entity as string) === 'bom') {
        const result = await this.applyBoms(tx, run, connection, actor, upserts, staged);
        errors.push(...result.errors);
        // A staged BOM that could not be applied counts as failed, not as inserted or updated.
        for (const r of staged) {
          if (!result.failed.has(r.id)) continue;
          counts.failed++;
          if (existing.has(r.external_id)) counts.updated--;
          else counts.inserted--;
        }
      } else {
        for (const r of staged) if (r.golden_id) affected.add(r.golden_id);
        // New source records, in page order so matching among them does not depend on how rows came back.
        const unmatched = new Map(staged.filter((r) => !r.golden_id).map((r) => [r.external_id, r.id]));
        const placed = await placeSourceRecords(
          tx,
          { entity, system: connection.name, thresholds: this.thresholds(entity), actor },
          upserts
            .filter((u) => unmatched.has(u.record.externalId))
            .map((u) => ({
              sourceRecordId: unmatched.get(u.record.externalId)!,
              externalId: u.record.externalId,
              values: u.canonical,
            })),
        );
        for (const id of placed.affected) affected.add(id);
        newGolden = placed.created;
      }
    }
    // A deleted source BOM retires its version; a deleted master record stops contributing to its golden record.
    if ((entity as string) === 'bom')
      await this.boms.obsoleteMany(tx, [...affected], actor, `deleted in ${connection.name}`);
    else await recomputeGolden(tx, entity, [...affected], newGolden, this.survivorship(entity), actor);

    if (errors.length) {
      // One parameter for any number of errors: a page of bad records can hold more than 65,535 values of them.
      await bulkInsert(
        tx,
        syncRunErrors,
        errors.map((e) => ({
          runId: run.id,
          stream: stream.name,
          externalId: e.externalId,
          field: e.field,
          reason: e.reason,
        })),
      );
    }
    await this.saveCheckpoint(tx, run, connection, stream, maxCursor, page.nextPageToken);
    await tx
      .update(syncRuns)
      .set({
        read: sql`${syncRuns.read} + ${counts.read}`,
        inserted: sql`${syncRuns.inserted} + ${counts.inserted}`,
        updated: sql`${syncRuns.updated} + ${counts.updated}`,
        unchanged: sql`${syncRuns.unchanged} + ${counts.unchanged}`,
        deleted: sql`${syncRuns.deleted} + ${counts.deleted}`,
        failed: sql`${syncRuns.failed} + ${counts.failed}`,
      })
      .where(eq(syncRuns.id, run.id));
    return counts;
  }

  /** A page of staged BOM source records applied (src/bom/sync.ts); remembered so the end-of-run retry skips them. */
  private async applyBoms(
    tx: Tx,
    run: SyncRunRow,
    connection: ConnectionRow,
    actor: Actor,
    upserts: { record: SourceRecord; canonical: Values }[],
    staged: { id: string; external_id: string; golden_id: string | null }[],
  ) {
    const attempts = this.bomAttempts.get(run.id) ?? new Set<string>();
    this.bomAttempts.set(run.id, attempts);
    const canonical = new Map(upserts.map((u) => [u.record.externalId, u.canonical as unknown as SourceBom]));
    for (const r of staged) attempts.add(r.id);
    return applySourceBoms(
      tx,
      this.boms,
      { system: connection.name, actor },
      staged.map((r) => ({
        sourceRecordId: r.id,
        externalId: r.external_id,
        canonical: canonical.get(r.external_id)!,
        bomId: r.golden_id,
      })),
    );
  }

  private async saveCheckpoint(
    tx: Tx,
    run: SyncRunRow,
    connection: ConnectionRow,
    stream: StreamDefinition,
    maxCursor: string | null,
    nextPageToken: string | null,
  ) {
    const full = run.mode === 'full';
    await tx
      .insert(streamState)
      .values({
        connectionId: connection.id,
        stream: stream.name,
        cursor: maxCursor,
        fullRunId: full ? run.id : null,
        fullPageToken: full ? nextPageToken : null,
      })
      .onConflictDoUpdate({
        target: [streamState.connectionId, streamState.stream],
        set: {
          cursor: sql`CASE WHEN ${streamState.cursor} IS NULL OR excluded.cursor > ${streamState.cursor} THEN coalesce(excluded.cursor, ${streamState.cursor}) ELSE ${streamState.cursor} END`,
          fullRunId: full ? run.id : sql`${streamState.fullRunId}`,
          fullPageToken: full ? nextPageToken : sql`${streamState.fullPageToken}`,
          updatedAt: new Date(),
        },
      });
  }

  /** After a complete full read: whatever the source no longer lists is deleted there, and stops contributing. */
  private async markUnseenDeleted(
    tx: Tx,
    run: SyncRunRow,
    connection: ConnectionRow,
    stream: StreamDefinition,
    actor: Actor,
  ): Promise<void> {
    // Seen in this run: changed there (stamped with the run), or unchanged (listed in sync_run_seen). Written as
    // EXCEPT, which PostgreSQL always runs as one hash over both sides; as NOT EXISTS, statistics not yet updated
    // after a large first load led it to a nested loop over every pair (minutes for 30,000 records).
    const res = await tx.execute(sql`
      UPDATE source_records s SET deleted_at = now(), changed_at = now()
      FROM (
        SELECT id FROM source_records
        WHERE system = ${connection.name} AND stream = ${stream.name} AND deleted_at IS NULL
          AND last_seen_run_id IS DISTINCT FROM ${run.id}::uuid
        EXCEPT
        SELECT unnest(source_record_ids) FROM sync_run_seen WHERE run_id = ${run.id}::uuid AND stream = ${stream.name}
      ) gone
      WHERE s.id = gone.id
      RETURNING s.golden_id`);
    const goldens = [
      ...new Set(
        (res.rows as { golden_id: string | null }[]).map((r) => r.golden_id).filter((g): g is string => Boolean(g)),
      ),
    ];
    if (stream.entity === 'bom') await this.boms.obsoleteMany(tx, goldens, actor, `deleted in ${connection.name}`);
    else
      await recomputeGolden(
        tx,
        stream.entity as MasterEntity,
        goldens,
        new Set(),
        this.survivorship(stream.entity as MasterEntity),
        actor,
      );
    await tx
      .update(syncRuns)
      .set({ deleted: sql`${syncRuns.deleted} + ${res.rows.length}` })
      .where(eq(syncRuns.id, run.id));
    await tx
      .update(streamState)
      .set({ fullRunId: null, fullPageToken: null, lastFullReadAt: sql`now()` })
      .where(and(eq(streamState.connectionId, connection.id), eq(streamState.stream, stream.name)));
    await tx.execute(sql`DELETE FROM sync_run_seen WHERE run_id = ${run.id}::uuid AND stream = ${stream.name}`);
  }

  private thresholds(entity: MasterEntity): MatchThresholds {
    return this.opts.matchThresholds?.[entity] ?? DEFAULT_MATCH_THRESHOLDS[entity];
  }

  private survivorship(entity: MasterEntity): SurvivorshipConfig {
    return this.opts.survivorship?.[entity] ?? defaultSurvivorship(entity);
  }
}

function pickCounts(r: SyncRunRow) {
  return {
    read: r.read,
    inserted: r.inserted,
    updated: r.updated,
    unchanged: r.unchanged,
    deleted: r.deleted,
    failed: r.failed,
  };
}
