/**
 * The steward queue: doubtful matches the matcher left for a person (matcher.ts opens them). A task names a source
 * record and the golden records it might belong to, with scores and reasons; the source record meanwhile has a
 * golden record of its own. Resolving merges that record into the chosen candidate (merge.ts), or rejects the
 * candidates, which is remembered as "not a match" so no later sync proposes them again.
 */
import { sql } from 'drizzle-orm';
import { actorLabel } from '../actor';
import { type Db, sqlArray } from '../db/pool';
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../errors';
import type { MasterEntity } from '../master/specs';
import { isUuid, type Page, pageSize } from '../master/store';
import type { ReviewCandidate } from './matcher';
import type { ChangeOptions, MergeService } from './merge';

export type StewardTaskStatus = 'open' | 'merged' | 'rejected';

/** A task's candidate as the API shows it, with the entity to load its golden record by. */
export interface CandidateView extends ReviewCandidate {
  entity: MasterEntity;
}

export interface StewardTaskRow {
  id: string;
  entity: MasterEntity;
  sourceRecordId: string;
  /** The golden record the source record is in now. */
  goldenId: string | null;
  candidates: ReviewCandidate[];
  status: StewardTaskStatus;
  createdAt: Date;
  createdBy: string;
  decidedAt: Date | null;
  decidedBy: string | null;
  mergedInto: string | null;
  reason: string | null;
}

const SELECT = sql`
  SELECT t.id::text AS id, t.entity, t.source_record_id::text AS source_record_id, s.golden_id::text AS golden_id,
         t.candidates, t.status::text AS status, t.created_at, t.created_by, t.decided_at, t.decided_by,
         t.merged_into::text AS merged_into, t.reason
  FROM steward_tasks t JOIN source_records s ON s.id = t.source_record_id`;

// Raw statements through drizzle return timestamps as text.
const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string | Date));

function toRow(r: Record<string, unknown>): StewardTaskRow {
  return {
    id: r.id as string,
    entity: r.entity as MasterEntity,
    sourceRecordId: r.source_record_id as string,
    goldenId: (r.golden_id as string | null) ?? null,
    candidates: r.candidates as ReviewCandidate[],
    status: r.status as StewardTaskStatus,
    createdAt: date(r.created_at)!,
    createdBy: r.created_by as string,
    decidedAt: date(r.decided_at),
    decidedBy: (r.decided_by as string | null) ?? null,
    mergedInto: (r.merged_into as string | null) ?? null,
    reason: (r.reason as string | null) ?? null,
  };
}

function encodeCursor(row: StewardTaskRow): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (typeof at !== 'string' || Number.isNaN(Date.parse(at)) || !isUuid(id)) throw new Error('bad cursor');
    return [at, id];
  } catch {
    throw new DomainError('BAD_USER_INPUT', 'after: not a cursor from this list', 'after');
  }
}

export interface TaskFilter {
  entity?: MasterEntity | null;
  status?: StewardTaskStatus | null;
}

/** Lists and resolves steward tasks. */
export class StewardService {
  constructor(
    private readonly db: Db,
    private readonly merges: MergeService,
  ) {}

  /** A page of tasks, oldest first (a queue), by entity and status. */
  async list(filter: TaskFilter & { first?: number | null; after?: string | null }): Promise<Page<StewardTaskRow>> {
    const first = pageSize(filter.first);
    const where = [sql`true`];
    if (filter.entity) where.push(sql`t.entity = ${filter.entity}`);
    if (filter.status) where.push(sql`t.status = ${filter.status}`);
    if (filter.after) {
      const [at, id] = decodeCursor(filter.after);
      where.push(sql`(t.created_at, t.id) > (${at}::timestamptz, ${id}::uuid)`);
    }
    const res = await this.db.execute(
      sql`${SELECT} WHERE ${sql.join(where, sql` AND `)} ORDER BY t.created_at, t.id LIMIT ${first + 1}`,
    );
    const rows = (res.rows as Record<string, unknown>[]).map(toRow);
    const hasNextPage = rows.length > first;
    if (hasNextPage) rows.pop();
    return { rows, cursors: rows.map(encodeCursor), hasNextPage, hasPreviousPage: Boolean(filter.after) };
  }

  async count(filter: TaskFilter): Promise<number> {
    const where = [sql`true`];
    if (filter.entity) where.push(sql`entity = ${filter.entity}`);
    if (filter.status) where.push(sql`status = ${filter.status}`);
    const res = await this.db.execute(
      sql`SELECT count(*)::int AS n FROM steward_tasks WHERE ${sql.join(where, sql` AND `)}`,
    );
    return (res.rows[0] as { n: number }).n;
  }

  async get(id: string): Promise<StewardTaskRow | null> {
    if (!isUuid(id)) return null;
    const res = await this.db.execute(sql`${SELECT} WHERE t.id = ${id}::uuid`);
    const r = res.rows[0] as Record<string, unknown> | undefined;
    return r ? toRow(r) : null;
  }

  /**
   * Resolves an open task. MERGE merges the source record's golden record into the chosen candidate (into the
   * record the candidate was merged into since, if it was), which closes the task as merged. REJECT records "not a
   * match" between the source record and every candidate and closes it as rejected. One transaction.
   */
  async resolve(
    id: string,
    decision: 'merge' | 'reject',
    goldenId: string | null | undefined,
    opts: ChangeOptions,
  ): Promise<StewardTaskRow> {
    if (!isUuid(id)) throw new NotFoundError(`steward task ${id}`, 'id');
    if (decision === 'merge' && !goldenId) {
      throw new ValidationError([{ field: 'goldenId', reason: 'is required to merge: name one of the candidates' }]);
    }
    if (decision === 'reject' && goldenId) {
      throw new ValidationError([{ field: 'goldenId', reason: 'is only given to merge' }]);
    }
    return this.db.transaction(async (tx) => {
      const found = await tx.execute(sql`
        SELECT t.entity, t.status::text AS status, t.candidates, t.source_record_id::text AS source_record_id,
               s.golden_id::text AS golden_id
        FROM steward_tasks t JOIN source_records s ON s.id = t.source_record_id
        WHERE t.id = ${id}::uuid FOR UPDATE OF t`);
      const task = found.rows[0] as
        | {
            entity: MasterEntity;
            status: string;
            candidates: ReviewCandidate[];
            source_record_id: string;
            golden_id: string;
          }
        | undefined;
      if (!task) throw new NotFoundError(`steward task ${id}`, 'id');
      if (task.status !== 'open') throw new ConflictError(`steward task ${id} is already ${task.status}`, 'id');
      const who = actorLabel(opts.actor);
      const candidateIds = task.candidates.map((c) => c.goldenId);

      if (decision === 'merge') {
        if (!candidateIds.includes(goldenId!)) {
          throw new ValidationError([{ field: 'goldenId', reason: 'is not one of the candidates of this task' }]);
        }
        const survivor = (await this.current(tx, [goldenId!])).get(goldenId!)!;
        if (survivor !== task.golden_id) {
          await this.merges.mergeIn(tx, task.entity, survivor, task.golden_id, opts);
        }
        await tx.execute(sql`
          UPDATE steward_tasks SET status = 'merged', decided_at = coalesce(decided_at, now()), decided_by = ${who},
            merged_into = ${survivor}::uuid, reason = ${opts.reason ?? null}
          WHERE id = ${id}::uuid`);
      } else {
        const current = [...new Set((await this.current(tx, candidateIds)).values())].filter(
          (g) => g !== task.golden_id,
        );
        await tx.execute(sql`
          INSERT INTO not_a_match (source_record_id, golden_id, entity, decided_by, reason)
          SELECT ${task.source_record_id}::bigint, g, ${task.entity}, ${who}, ${opts.reason ?? null}
          FROM unnest(${sqlArray(current)}::uuid[]) AS g
          ON CONFLICT DO NOTHING`);
        await tx.execute(sql`
          UPDATE steward_tasks SET status = 'rejected', decided_at = now(), decided_by = ${who},
            reason = ${opts.reason ?? null}
          WHERE id = ${id}::uuid`);
      }
      const res = await tx.execute(sql`${SELECT} WHERE t.id = ${id}::uuid`);
      return toRow(res.rows[0] as Record<string, unknown>);
    });
  }

  /** Each golden id as it is now: itself, or the record it was merged into. */
  private async current(tx: Parameters<Parameters<Db['transaction']>[0]>[0], ids: string[]) {
    const res = await tx.execute(sql`
      SELECT i::text AS id, coalesce(a.golden_id, i)::text AS now
      FROM unnest(${sqlArray(ids)}::uuid[]) AS i LEFT JOIN golden_aliases a ON a.alias_id = i`);
    return new Map((res.rows as { id: string; now: string }[]).map((r) => [r.id, r.now]));
  }
}
