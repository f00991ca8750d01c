import { timestamp } from 'drizzle-orm/pg-core';

/**
 * A timestamp with time zone at millisecond precision: a value read into a JS Date and sent back (a cursor, an
 * asOf) must compare equal to what is stored.
 */
export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });
