import { sql } from 'drizzle-orm';
import { bigint, index, jsonb, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { ts } from '../db/columns';
import { sourceRecords } from '../sync/tables';

export const stewardTaskStatus = pgEnum('steward_task_status', ['open', 'merged', 'rejected']);

/**
 * A doubtful match waiting for a data steward: a source record whose best candidates scored in the review band.
 * Meanwhile the source record has a golden record of its own, so nothing is lost or held up; merging it into the
 * chosen candidate or rejecting the candidates closes the task.
 */
export const stewardTasks = pgTable(
  'steward_tasks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    entity: text('entity').notNull(),
    sourceRecordId: bigint('source_record_id', { mode: 'number' })
      .notNull()
      .references(() => sourceRecords.id),
    /** [{ goldenId, score, reasons }], best first, as the matcher saw them. */
    candidates: jsonb('candidates').notNull(),
    status: stewardTaskStatus('status').notNull().default('open'),
    createdAt: ts('created_at').notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    decidedAt: ts('decided_at'),
    decidedBy: text('decided_by'),
    /** The golden record the source record was merged into, for a task closed as merged. */
    mergedInto: uuid('merged_into'),
    reason: text('reason'),
  },
  (t) => [
    index('steward_tasks_queue_idx').on(t.entity, t.status, t.createdAt, t.id),
    index('steward_tasks_status_idx').on(t.status, t.createdAt, t.id),
    // One open question per source record: a re-sync of a record still in review adds no second task.
    uniqueIndex('steward_tasks_open_uq')
      .on(t.sourceRecordId)
      .where(sql`status = 'open'`),
  ],
);

/**
 * A golden record merged into another: its id and code stay resolvable and answer with the survivor. The row of
 * the merged record stays in its table, archived, with its history; `sourceRecordIds` are the source records that
 * moved with the merge, so unmerging one of them brings the merged record back under its old id.
 */
export const goldenAliases = pgTable(
  'golden_aliases',
  {
    aliasId: uuid('alias_id').primaryKey(),
    entity: text('entity').notNull(),
    aliasCode: text('alias_code').notNull(),
    /** The survivor; re-pointed when the survivor itself is merged later, so an alias never chains. */
    goldenId: uuid('golden_id').notNull(),
    sourceRecordIds: bigint('source_record_ids', { mode: 'number' })
      .array()
      .notNull()
      .default(sql`'{}'::bigint[]`),
    mergedAt: ts('merged_at').notNull().defaultNow(),
    mergedBy: text('merged_by').notNull(),
  },
  (t) => [
    index('golden_aliases_code_idx').on(t.entity, t.aliasCode),
    index('golden_aliases_golden_idx').on(t.entity, t.goldenId),
  ],
);

/** A steward's "this source record is not that golden record": matching never joins them again. */
export const notAMatch = pgTable(
  'not_a_match',
  {
    sourceRecordId: bigint('source_record_id', { mode: 'number' })
      .notNull()
      .references(() => sourceRecords.id),
    goldenId: uuid('golden_id').notNull(),
    entity: text('entity').notNull(),
    decidedAt: ts('decided_at').notNull().defaultNow(),
    decidedBy: text('decided_by').notNull(),
    reason: text('reason'),
  },
  (t) => [primaryKey({ columns: [t.sourceRecordId, t.goldenId] }), index('not_a_match_golden_idx').on(t.goldenId)],
);

/** A steward's value for a golden column; it wins over every source until it is cleared. */
export const goldenOverrides = pgTable(
  'golden_overrides',
  {
    entity: text('entity').notNull(),
    goldenId: uuid('golden_id').notNull(),
    /** The golden column's property name ('city', 'creditCurrency'). */
    field: text('field').notNull(),
    /** The normalised value; SQL NULL means empty on purpose. */
    value: jsonb('value'),
    setBy: text('set_by').notNull(),
    setAt: ts('set_at').notNull().defaultNow(),
    reason: text('reason'),
  },
  (t) => [primaryKey({ columns: [t.entity, t.goldenId, t.field] })],
);
