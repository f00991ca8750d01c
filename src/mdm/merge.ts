/**
 * Merge and unmerge of golden records.
 *
 * Merging B into A keeps A. B's source records, crosswalk entries and the rows that refer to B (references.ts) move
 * to A, and A is recomputed from all its sources. B's row stays in its table, archived, with its history and a last
 * version saying it was merged; its id and code become an alias of A (golden_aliases), so lookups by either answer
 * with A, and a later merge of A re-points B's alias too. A steward's "not a match" decisions between the two are
 * dropped (the merge is the newer decision); those against B now hold against A.
 *
 * Unmerging splits one source record out of its golden record into a record of its own: B again if the source
 * record came into A with B's merge (B is restored under its id and code, its alias dropped), else a new record.
 * Both are recomputed; the crosswalk and the referencing rows resolved from that source record follow it; and the
 * pair is remembered as "not a match", so no later sync puts it back.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Actor, actorLabel } from '../actor';
import { sqlArray, type Db } from '../db/pool';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { Tx } from '../master/codes';
import type { Operation } from '../master/history';
import { persistGoldenRows } from '../master/persist';
import { type MasterEntity, SPECS } from '../master/specs';
import { type GoldenRow, isUuid } from '../master/store';
import { outbox, recordHistory } from '../master/tables';
import { recomputeGolden } from './golden';
import { goldenReferences } from './references';
import type { SurvivorshipConfig } from './survivorship';

export interface ChangeOptions {
  actor: Actor;
  reason?: string | null;
}

/** Where the survivorship rules of an entity come from (the configuration, or the built-in default). */
export type SurvivorshipOf = (entity: MasterEntity) => SurvivorshipConfig;

/**
 * Locks a golden record for a change. Unknown ids are NOT_FOUND; a record merged into another is a CONFLICT that
 * names the record it lives on in (`mergedInto`), as changing it would change nothing anyone sees.
 */
export async function lockGolden(tx: Tx, entity: MasterEntity, id: string, field: string): Promise<GoldenRow> {
  const spec = SPECS[entity];
  if (!isUuid(id)) throw new NotFoundError(`${entity} ${id}`, field);
  const rows = (await tx
    .select()
    .from(spec.table)
    .where(sql`${spec.table.id} = ${id}::uuid`)
    .for('update')) as GoldenRow[];
  const row = rows[0];
  if (!row) throw new NotFoundError(`${entity} ${id}`, field);
  if (row.status === 'archived') await refuseAlias(tx, entity, row, field);
  return row;
}

async function refuseAlias(tx: Tx, entity: MasterEntity, row: GoldenRow, field: string): Promise<void> {
  const res = await tx.execute(sql`SELECT golden_id::text AS id FROM golden_aliases WHERE alias_id = ${row.id}::uuid`);
  const into = (res.rows[0] as { id: string } | undefined)?.id;
  if (into) {
    throw new ConflictError(`${entity} ${row.code} was merged into ${into}`, field, { mergedInto: into });
  }
}

/** Live contributors of a golden record: without one a recompute would archive it, so callers check first. */
async function liveSources(tx: Tx, entity: MasterEntity, goldenId: string): Promise<number> {
  const res = await tx.execute(sql`
    SELECT count(*)::int AS n FROM source_records
    WHERE entity = ${entity} AND golden_id = ${goldenId}::uuid AND deleted_at IS NULL AND canonical IS NOT NULL`);
  return (res.rows[0] as { n: number }).n;
}

/**
 * Recomputes a golden record with a new version even when no value changes (a merge or unmerge changed its
 * sources). A record with no live source at all (an old one written before API values were kept as a source) keeps
 * its values and gets the new version only.
 */
export async function touchGolden(
  tx: Tx,
  entity: MasterEntity,
  row: GoldenRow,
  operation: Operation,
  survivorship: SurvivorshipOf,
  opts: ChangeOptions,
): Promise<void> {
  if ((await liveSources(tx, entity, row.id)) > 0) {
    await recomputeGolden(tx, entity, [row.id], new Set(), survivorship(entity), opts.actor, {
      touch: new Map([[row.id, operation]]),
      reason: opts.reason,
    });
    return;
  }
  await persistGoldenRows(
    tx,
    SPECS[entity],
    [{ ...row, version: row.version + 1, updatedBy: actorLabel(opts.actor) }],
    [{ entity, operation, changed: [] }],
    opts.actor,
    opts.reason,
  );
}

async function reload(tx: Tx, entity: MasterEntity, id: string): Promise<GoldenRow> {
  const spec = SPECS[entity];
  const rows = (await tx
    .select()
    .from(spec.table)
    .where(sql`${spec.table.id} = ${id}::uuid`)) as GoldenRow[];
  return rows[0]!;
}

/** Merges and unmerges golden records; each call is one transaction. */
export class MergeService {
  constructor(
    private readonly db: Db,
    private readonly survivorship: SurvivorshipOf,
  ) {}

  /** Merges `mergedId` into `survivorId` (see the file comment); returns the survivor as it is after the merge. */
  async merge(entity: MasterEntity, survivorId: string, mergedId: string, opts: ChangeOptions): Promise<GoldenRow> {
    if (survivorId === mergedId) {
      throw new ValidationError([{ field: 'mergedId', reason: 'must be another record than survivorId' }]);
    }
    return this.db.transaction((tx) => this.mergeIn(tx, entity, survivorId, mergedId, opts));
  }

  /** The merge inside the caller's transaction (a steward task resolved as a merge uses it too). */
  async mergeIn(
    tx: Tx,
    entity: MasterEntity,
    survivorId: string,
    mergedId: string,
    opts: ChangeOptions,
  ): Promise<GoldenRow> {
    const who = actorLabel(opts.actor);
    // Locked in id order, so two merges of the same pair in opposite directions cannot deadlock.
    const locked = new Map<string, GoldenRow>();
    const order = [
      { id: survivorId, field: 'survivorId' },
      { id: mergedId, field: 'mergedId' },
    ].sort((x, y) => (x.id < y.id ? -1 : 1));
    for (const o of order) locked.set(o.id, await lockGolden(tx, entity, o.id, o.field));
    const survivor = locked.get(survivorId)!;
    const merged = locked.get(mergedId)!;

    const moved = await tx.execute(sql`
      UPDATE source_records SET golden_id = ${survivor.id}::uuid
      WHERE entity = ${entity} AND golden_id = ${merged.id}::uuid RETURNING id::text AS id`);
    const movedIds = (moved.rows as { id: string }[]).map((r) => r.id);
    await tx.execute(sql`
      UPDATE crosswalk SET golden_id = ${survivor.id}::uuid WHERE entity = ${entity} AND golden_id = ${merged.id}::uuid`);
    await goldenReferences.repointAll(tx, entity, merged.id, survivor.id);
    // Aliases of the merged record now answer with the survivor; the merged record becomes one.
    await tx.execute(sql`
      UPDATE golden_aliases SET golden_id = ${survivor.id}::uuid WHERE entity = ${entity} AND golden_id = ${merged.id}::uuid`);
    await tx.execute(sql`
      INSERT INTO golden_aliases (alias_id, entity, alias_code, golden_id, source_record_ids, merged_by)
      VALUES (${merged.id}::uuid, ${entity}, ${merged.code}, ${survivor.id}::uuid, ${sqlArray(movedIds)}::bigint[], ${who})`);
    // "Not a match" between what is now one record is overruled; against the merged record it holds for the survivor.
    await tx.execute(sql`
      DELETE FROM not_a_match n USING source_records s
      WHERE s.id = n.source_record_id AND s.golden_id = ${survivor.id}::uuid
        AND n.golden_id IN (${survivor.id}::uuid, ${merged.id}::uuid)`);
    await tx.execute(sql`
      INSERT INTO not_a_match (source_record_id, golden_id, entity, decided_at, decided_by, reason)
      SELECT source_record_id, ${survivor.id}::uuid, entity, decided_at, decided_by, reason FROM not_a_match
      WHERE golden_id = ${merged.id}::uuid
      ON CONFLICT DO NOTHING`);
    await tx.execute(sql`DELETE FROM not_a_match WHERE golden_id = ${merged.id}::uuid`);
    // Open questions this merge answers: a source record now in the survivor that had it or the merged one as candidate.
    await tx.execute(sql`
      UPDATE steward_tasks t SET status = 'merged', decided_at = now(), decided_by = ${who},
        merged_into = ${survivor.id}::uuid, reason = ${opts.reason ?? null}
      FROM source_records s
      WHERE t.status = 'open' AND s.id = t.source_record_id AND s.golden_id = ${survivor.id}::uuid
        AND EXISTS (SELECT 1 FROM jsonb_array_elements(t.candidates) c
                    WHERE c->>'goldenId' IN (${survivor.id}, ${merged.id}))`);
    await tx.execute(sql`DELETE FROM golden_lineage_sets WHERE entity = ${entity} AND golden_id = ${merged.id}::uuid`);

    // The merged record's last version: archived, with the record it went into in its event.
    const spec = SPECS[entity];
    const [after] = (await tx
      .update(spec.table)
      .set({ status: 'archived', version: merged.version + 1, updatedBy: who, updatedAt: sql`now()` })
      .where(sql`${spec.table.id} = ${merged.id}::uuid`)
      .returning()) as GoldenRow[];
    const reason = `merged into ${survivor.code}${opts.reason ? `: ${opts.reason}` : ''}`;
    await tx.insert(recordHistory).values({
      entity,
      entityId: merged.id,
      version: after!.version,
      operation: 'merged',
      data: after!,
      actorKind: opts.actor.kind,
      actorId: opts.actor.id,
      reason,
    });
    await tx.insert(outbox).values({
      eventType: `${entity}.merged`,
      entity,
      entityId: merged.id,
      payload: {
        id: merged.id,
        code: merged.code,
        version: after!.version,
        changed: ['status'],
        by: who,
        mergedInto: survivor.id,
        mergedIntoCode: survivor.code,
      },
      actorKind: opts.actor.kind,
      actorId: opts.actor.id,
    });
    await touchGolden(tx, entity, survivor, 'merged', this.survivorship, {
      actor: opts.actor,
      reason: `${merged.code} merged in${opts.reason ? `: ${opts.reason}` : ''}`,
    });
    return reload(tx, entity, survivor.id);
  }

  /**
   * Splits a source record out of its golden record (see the file comment). Returns the record it left and the one
   * it is in now.
   */
  async unmerge(sourceRecordId: string, opts: ChangeOptions): Promise<{ from: GoldenRow; to: GoldenRow }> {
    if (!/^\d{1,18}$/.test(sourceRecordId))
      throw new NotFoundError(`source record ${sourceRecordId}`, 'sourceRecordId');
    return this.db.transaction(async (tx) => {
      const found = await tx.execute(sql`
        SELECT id::text AS id, entity, system, external_id, golden_id::text AS golden_id, deleted_at
        FROM source_records WHERE id = ${sourceRecordId}::bigint FOR UPDATE`);
      const record = found.rows[0] as
        | {
            id: string;
            entity: MasterEntity;
            system: string;
            external_id: string;
            golden_id: string | null;
            deleted_at: Date | null;
          }
        | undefined;
      if (!record) throw new NotFoundError(`source record ${sourceRecordId}`, 'sourceRecordId');
      const entity = record.entity;
      if (!record.golden_id) {
        throw new ConflictError(`source record ${sourceRecordId} has no golden record yet`, 'sourceRecordId');
      }
      if (record.deleted_at) {
        throw new ConflictError(
          `source record ${record.system}/${record.external_id} is deleted in its source and contributes nothing`,
          'sourceRecordId',
        );
      }
      const from = await lockGolden(tx, entity, record.golden_id, 'sourceRecordId');
      const others = await tx.execute(sql`
        SELECT count(*)::int AS n FROM source_records
        WHERE entity = ${entity} AND golden_id = ${from.id}::uuid AND id <> ${record.id}::bigint`);
      if ((others.rows[0] as { n: number }).n === 0) {
        throw new ConflictError(
          `source record ${record.system}/${record.external_id} is the only source of ${entity} ${from.code}; there is nothing to split it from`,
          'sourceRecordId',
        );
      }
      // Back under its former id if it came in with a merge; that record is live again and no longer an alias.
      const alias = await tx.execute(sql`
        DELETE FROM golden_aliases WHERE alias_id = (
          SELECT alias_id FROM golden_aliases
          WHERE entity = ${entity} AND golden_id = ${from.id}::uuid AND ${record.id}::bigint = ANY(source_record_ids)
          ORDER BY merged_at DESC LIMIT 1)
        RETURNING alias_id::text AS id`);
      const restored = (alias.rows[0] as { id: string } | undefined)?.id;
      const toId = restored ?? randomUUID();

      await tx.execute(sql`UPDATE source_records SET golden_id = ${toId}::uuid WHERE id = ${record.id}::bigint`);
      await tx.execute(sql`
        UPDATE crosswalk SET golden_id = ${toId}::uuid
        WHERE system = ${record.system} AND entity = ${entity} AND external_id = ${record.external_id}
          AND golden_id = ${from.id}::uuid`);
      await goldenReferences.repointSource(tx, entity, from.id, toId, {
        system: record.system,
        externalId: record.external_id,
      });
      await tx.execute(sql`
        INSERT INTO not_a_match (source_record_id, golden_id, entity, decided_by, reason)
        VALUES (${record.id}::bigint, ${from.id}::uuid, ${entity}, ${actorLabel(opts.actor)}, ${opts.reason ?? null})
        ON CONFLICT DO NOTHING`);

      const why = `source record ${record.system}/${record.external_id} split off${opts.reason ? `: ${opts.reason}` : ''}`;
      const touch = new Map<string, Operation>([[from.id, 'updated']]);
      if (restored) touch.set(toId, 'updated');
      if ((await liveSources(tx, entity, from.id)) === 0) {
        // Only deleted sources are left: the record is archived by the recompute, as any record without sources.
        touch.delete(from.id);
      }
      await recomputeGolden(
        tx,
        entity,
        [from.id, toId],
        restored ? new Set() : new Set([toId]),
        this.survivorship(entity),
        opts.actor,
        { touch, reason: why },
      );
      return { from: await reload(tx, entity, from.id), to: await reload(tx, entity, toId) };
    });
  }
}
