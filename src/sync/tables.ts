import {
  bigint,
  bigserial,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { ts } from '../db/columns';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/**
 * A configured link to one external system: its connector type, settings, sealed credentials and schedule.
 * Credentials are stored only as an AES-256-GCM sealed value bound to the connection's id.
 */
export const connections = pgTable(
  'connections',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The system's name in the crosswalk and in webhook URLs: lower-case letters, digits and dashes. */
    name: text('name').notNull(),
    type: text('type').notNull(),
    settings: jsonb('settings').notNull(),
    credentials: bytea('credentials'),
    credentialFields: text('credential_fields').array().notNull().default([]),
    scheduleEverySeconds: integer('schedule_every_seconds'),
    scheduleCron: text('schedule_cron'),
    enabled: boolean('enabled').notNull().default(true),
    rateLimitPerSecond: numeric('rate_limit_per_second', { precision: 10, scale: 3 }),
    version: integer('version').notNull().default(1),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [uniqueIndex('connections_name_uq').on(t.name), index('connections_type_idx').on(t.type)],
);

export const syncRunStatus = pgEnum('sync_run_status', ['queued', 'running', 'succeeded', 'failed']);

/** One run of a connection's sync, with what it did. Counts add up per page as pages commit. */
export const syncRuns = pgTable(
  'sync_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id),
    mode: text('mode').notNull(),
    trigger: text('trigger').notNull(),
    status: syncRunStatus('status').notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    read: integer('read').notNull().default(0),
    inserted: integer('inserted').notNull().default(0),
    updated: integer('updated').notNull().default(0),
    unchanged: integer('unchanged').notNull().default(0),
    deleted: integer('deleted').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    error: text('error'),
    queuedAt: ts('queued_at').notNull().defaultNow(),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
  },
  (t) => [index('sync_runs_connection_idx').on(t.connectionId, t.queuedAt)],
);

/** Records a source sent that could not be taken (no key, an unparsable field); the rest of the page went through. */
export const syncRunErrors = pgTable(
  'sync_run_errors',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: uuid('run_id')
      .notNull()
      .references(() => syncRuns.id),
    stream: text('stream').notNull(),
    externalId: text('external_id'),
    field: text('field'),
    reason: text('reason').notNull(),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('sync_run_errors_run_idx').on(t.runId)],
);

/**
 * Where each stream of a connection stands: the cursor of the last committed page, and during a full read the
 * page token to continue from, so a killed worker resumes after the last committed batch.
 */
export const streamState = pgTable(
  'stream_state',
  {
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => connections.id),
    stream: text('stream').notNull(),
    cursor: text('cursor'),
    fullRunId: uuid('full_run_id'),
    fullPageToken: text('full_page_token'),
    /** When a full read of this stream last went through to its end: every live record was seen then. */
    lastFullReadAt: ts('last_full_read_at'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.stream] })],
);

/**
 * A record as a source system sent it, kept as received with its content hash (so an unchanged record is
 * skipped cheaply), its canonical form after mapping and cleaning, and the golden record it contributes to.
 */
export const sourceRecords = pgTable(
  'source_records',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    connectionId: uuid('connection_id').references(() => connections.id),
    system: text('system').notNull(),
    stream: text('stream').notNull(),
    entity: text('entity').notNull(),
    externalId: text('external_id').notNull(),
    payload: jsonb('payload').notNull(),
    contentHash: text('content_hash').notNull(),
    canonical: jsonb('canonical'),
    cursor: text('cursor'),
    goldenId: uuid('golden_id'),
    firstSeenAt: ts('first_seen_at').notNull().defaultNow(),
    lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
    changedAt: ts('changed_at').notNull().defaultNow(),
    lastSeenRunId: uuid('last_seen_run_id'),
    deletedAt: ts('deleted_at'),
  },
  (t) => [
    uniqueIndex('source_records_ref_uq').on(t.system, t.stream, t.externalId),
    index('source_records_golden_idx').on(t.entity, t.goldenId),
  ],
);

/**
 * The unchanged source records a full run has seen, one row per page: the ids as one array, so skipping an
 * unchanged record writes nothing per record. After the read, records neither changed in the run nor listed here
 * are gone from the source. Emptied when the run's deletes are applied.
 */
export const syncRunSeen = pgTable(
  'sync_run_seen',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: uuid('run_id')
      .notNull()
      .references(() => syncRuns.id, { onDelete: 'cascade' }),
    stream: text('stream').notNull(),
    sourceRecordIds: bigint('source_record_ids', { mode: 'number' }).array().notNull(),
  },
  (t) => [index('sync_run_seen_run_idx').on(t.runId, t.stream)],
);

/**
 * Which source record and rule gave each golden field its value, and when: one row per golden record, the fields
 * as one JSON object `{ field: { s: source record id, y: system, r: rule, t: changed at } }`. One row instead of
 * one per field keeps a recompute at one write per record. The view `golden_lineage` (migration 0007) shows it
 * one row per field.
 */
export const goldenLineageSets = pgTable(
  'golden_lineage_sets',
  {
    entity: text('entity').notNull(),
    goldenId: uuid('golden_id').notNull(),
    fields: jsonb('fields').notNull(),
  },
  (t) => [primaryKey({ columns: [t.entity, t.goldenId] })],
);
