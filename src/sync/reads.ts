import { and, desc, eq, type SQL, sql } from 'drizzle-orm';
import { sqlArray, type Db } from '../db/pool';
import type { MasterEntity } from '../master/specs';
import { isUuid } from '../master/store';
import type { SyncRunRow } from './runner';
import { syncRunErrors, syncRuns } from './tables';

export type SyncRunErrorRow = typeof syncRunErrors.$inferSelect;

export interface SourceRecordRow {
  id: string;
  goldenId: string;
  system: string;
  stream: string;
  externalId: string;
  payload: unknown;
  canonical: unknown;
  firstSeenAt: Date;
  lastSeenAt: Date;
  changedAt: Date;
  deletedAt: Date | null;
}

export interface LineageRow {
  goldenId: string;
  field: string;
  system: string | null;
  sourceRecordId: string | null;
  rule: string;
  changedAt: Date;
}

/** What the API shows of the sync runtime: runs, their errors, and per golden record its sources and lineage. */
export class SyncReads {
  constructor(private readonly db: Db) {}

  async runs(f: {
    connectionId?: string | null;
    status?: string | null;
    first?: number | null;
  }): Promise<SyncRunRow[]> {
    if (f.connectionId && !isUuid(f.connectionId)) return [];
    const where = [
      f.connectionId ? eq(syncRuns.connectionId, f.connectionId) : undefined,
      f.status ? eq(syncRuns.status, f.status as SyncRunRow['status']) : undefined,
    ].filter(Boolean);
    return this.db
      .select()
      .from(syncRuns)
      .where(and(...where))
      .orderBy(desc(syncRuns.queuedAt), desc(syncRuns.id))
      .limit(Math.min(Math.max(f.first ?? 50, 1), 500));
  }

  async run(id: string): Promise<SyncRunRow | null> {
    if (!isUuid(id)) return null;
    const [r] = await this.db.select().from(syncRuns).where(eq(syncRuns.id, id));
    return r ?? null;
  }

  async errors(runId: string, first: number): Promise<SyncRunErrorRow[]> {
    return this.db
      .select()
      .from(syncRunErrors)
      .where(eq(syncRunErrors.runId, runId))
      .orderBy(syncRunErrors.id)
      .limit(Math.min(Math.max(first, 1), 1000));
  }

  /** Source records of a page of golden records, in one statement. */
  sourceRecords(entity: MasterEntity, goldenIds: readonly string[]): Promise<SourceRecordRow[]> {
    return this.readSourceRecords(
      sql`s.entity = ${entity} AND s.golden_id = ANY(${sqlArray(goldenIds)}::uuid[])`,
      sql`s.golden_id, s.system, s.external_id`,
    );
  }

  /** Source records by id, in one statement. */
  sourceRecordsByIds(ids: readonly string[]): Promise<SourceRecordRow[]> {
    return this.readSourceRecords(sql`s.id = ANY(${sqlArray(ids)}::bigint[])`, sql`s.id`);
  }

  private async readSourceRecords(where: SQL, orderBy: SQL): Promise<SourceRecordRow[]> {
    const res = await this.db.execute(sql`
      SELECT s.id::text AS id, s.golden_id::text AS golden_id, s.system, s.stream, s.external_id, s.payload, s.canonical,
        s.first_seen_at,
        -- A full read that went through to its end saw every record it did not delete; unchanged ones are not
        -- stamped one by one, so their last sighting is that read's.
        CASE WHEN s.deleted_at IS NULL AND st.last_full_read_at > s.last_seen_at THEN st.last_full_read_at
             ELSE s.last_seen_at END AS last_seen_at,
        s.changed_at, s.deleted_at
      FROM source_records s
      LEFT JOIN stream_state st ON st.connection_id = s.connection_id AND st.stream = s.stream
      WHERE ${where}
      ORDER BY ${orderBy}`);
    return (res.rows as Record<string, unknown>[]).map((r) => ({
      id: r.id as string,
      goldenId: r.golden_id as string,
      system: r.system as string,
      stream: r.stream as string,
      externalId: r.external_id as string,
      payload: r.payload,
      canonical: r.canonical,
      firstSeenAt: r.first_seen_at as Date,
      lastSeenAt: r.last_seen_at as Date,
      changedAt: r.changed_at as Date,
      deletedAt: r.deleted_at as Date | null,
    }));
  }

  /** Field lineage of a page of golden records, in one statement. */
  async lineage(entity: MasterEntity, goldenIds: readonly string[]): Promise<LineageRow[]> {
    const res = await this.db.execute(sql`
      SELECT golden_id, field, system, source_record_id::text AS source_record_id, rule, changed_at
      FROM golden_lineage WHERE entity = ${entity} AND golden_id = ANY(${sqlArray(goldenIds)}::uuid[]) ORDER BY golden_id, field`);
    return (res.rows as Record<string, unknown>[]).map((r) => ({
      goldenId: r.golden_id as string,
      field: r.field as string,
      system: r.system as string | null,
      sourceRecordId: r.source_record_id as string | null,
      rule: r.rule as string,
      changedAt: r.changed_at as Date,
    }));
  }
}
