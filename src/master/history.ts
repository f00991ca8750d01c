import { bulkInsert } from '../db/bulk';
import { sqlArray } from '../db/pool';
import { and, desc, eq, lte, sql } from 'drizzle-orm';
import { type Actor, actorLabel } from '../actor';
import type { Db } from '../db/pool';
import type { Tx } from './codes';
import { outbox, recordHistory } from './tables';

export type Operation = 'created' | 'updated' | 'archived' | 'merged' | 'released' | 'obsoleted' | 'superseded';

export interface Change {
  entity: string;
  row: Record<string, unknown> & { id: string; version: number; code?: string };
  operation: Operation;
  /** Property names that changed (empty on create). */
  changed: string[];
}

/**
 * Writes the history rows and outbox events of a set of changes in the caller's transaction: two statements
 * whatever the number of records, so a bulk upsert of 1,000 records costs the same as one.
 */
export async function recordChanges(tx: Tx, changes: Change[], actor: Actor, reason?: string | null): Promise<void> {
  if (changes.length === 0) return;
  await bulkInsert(
    tx,
    recordHistory,
    changes.map((c) => ({
      entity: c.entity,
      entityId: c.row.id,
      version: c.row.version,
      operation: c.operation,
      data: c.row,
      actorKind: actor.kind,
      actorId: actor.id,
      reason: reason ?? null,
    })),
  );
  await bulkInsert(
    tx,
    outbox,
    changes.map((c) => ({
      eventType: `${c.entity}.${c.operation}`,
      entity: c.entity,
      entityId: c.row.id,
      payload: {
        id: c.row.id,
        code: c.row.code ?? null,
        version: c.row.version,
        changed: c.changed,
        by: actorLabel(actor),
      },
      actorKind: actor.kind,
      actorId: actor.id,
    })),
  );
}

export interface HistoryEntry {
  entity: string;
  entityId: string;
  version: number;
  operation: string;
  data: Record<string, unknown>;
  changedAt: Date;
  actorKind: string;
  actorId: string;
  reason: string | null;
}

/** The latest `limit` versions of each record, newest first, in one statement for a whole page of records. */
export async function loadHistory(
  db: Db,
  entity: string,
  ids: readonly string[],
  limit: number,
): Promise<Map<string, HistoryEntry[]>> {
  const res = await db.execute(sql`
    SELECT entity, entity_id, version, operation, data, changed_at, actor_kind, actor_id, reason FROM (
      SELECT h.*, row_number() OVER (PARTITION BY entity_id ORDER BY version DESC) AS rn
      FROM record_history h WHERE entity = ${entity} AND entity_id = ANY(${sqlArray(ids)}::uuid[])
    ) x WHERE rn <= ${limit + 1} ORDER BY entity_id, version DESC`);
  const out = new Map<string, HistoryEntry[]>();
  for (const r of res.rows as Record<string, unknown>[]) {
    const e: HistoryEntry = {
      entity: r.entity as string,
      entityId: r.entity_id as string,
      version: r.version as number,
      operation: r.operation as string,
      data: r.data as Record<string, unknown>,
      changedAt: r.changed_at as Date,
      actorKind: r.actor_kind as string,
      actorId: r.actor_id as string,
      reason: r.reason as string | null,
    };
    const list = out.get(e.entityId) ?? [];
    list.push(e);
    out.set(e.entityId, list);
  }
  return out;
}

/** The stored state of one record as it was at `asOf`, or undefined if it did not exist yet. */
export async function versionAsOf(db: Db, entity: string, id: string, asOf: Date): Promise<HistoryEntry | undefined> {
  const rows = await db
    .select()
    .from(recordHistory)
    .where(and(eq(recordHistory.entity, entity), eq(recordHistory.entityId, id), lte(recordHistory.changedAt, asOf)))
    .orderBy(desc(recordHistory.version))
    .limit(1);
  return rows[0] as HistoryEntry | undefined;
}
