import { getTableColumns } from 'drizzle-orm';
import type { Actor } from '../actor';
import { bulkInsert } from '../db/bulk';
import type { Tx } from './codes';
import type { Values } from './fields';
import { type Change, recordChanges } from './history';
import type { EntitySpec } from './specs';
import type { GoldenRow } from './store';

/**
 * Writes new and changed golden rows of one entity in one statement (insert, or update on id), then their
 * history rows and outbox events: a fixed number of statements, and a fixed number of parameters, whatever the
 * batch size. `writes` carry full rows with their id and version; `changes[i]` describes `writes[i]`.
 */
export async function persistGoldenRows(
  tx: Tx,
  spec: EntitySpec,
  writes: Values[],
  changes: Omit<Change, 'row'>[],
  actor: Actor,
  reason?: string | null,
): Promise<Map<string, GoldenRow>> {
  const written = new Map<string, GoldenRow>();
  if (writes.length === 0) return written;
  const columns = Object.keys(getTableColumns(spec.table));
  const rows = await bulkInsert(tx, spec.table, writes, {
    columns: columns.filter((c) => c !== 'updatedAt'),
    expressions: { updatedAt: 'now()' },
    onConflict: { target: ['id'], keep: ['createdAt', 'createdBy'] },
    // The rows as stored (decimals at their column's scale, timestamps from the server), for the history.
    returning: columns,
  });
  for (const r of rows) written.set(r.id as string, r as GoldenRow);
  await recordChanges(
    tx,
    changes.map((c, i) => ({ ...c, row: written.get(writes[i]!.id as string)! })),
    actor,
    reason,
  );
  return written;
}
