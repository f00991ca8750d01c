import { getTableColumns, sql } from 'drizzle-orm';
import type { Actor } from '../actor';
import type { Tx } from './codes';
import type { Values } from './fields';
import { type Change, recordChanges } from './history';
import type { EntitySpec } from './specs';
import type { GoldenRow } from './store';

/**
 * Writes new and changed golden rows of one entity in one statement (insert, or update on id), then their
 * history rows and outbox events: a fixed number of statements whatever the batch size. `writes` carry full
 * rows with their id and version; `changes[i]` describes `writes[i]`.
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
  const cols = getTableColumns(spec.table);
  const set = Object.fromEntries(
    Object.keys(cols)
      .filter((k) => k !== 'id' && k !== 'createdAt' && k !== 'createdBy')
      .map((k) => [k, sql.raw(`excluded."${cols[k]!.name}"`)]),
  );
  const rows = (await tx
    .insert(spec.table)
    .values(writes.map((w) => ({ ...w, updatedAt: sql`now()` })))
    .onConflictDoUpdate({ target: spec.table.id, set })
    .returning()) as GoldenRow[];
  for (const r of rows) written.set(r.id, r);
  await recordChanges(
    tx,
    changes.map((c, i) => ({ ...c, row: written.get(writes[i]!.id as string)! })),
    actor,
    reason,
  );
  return written;
}
