import {
  boolean,
  customType,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });
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
