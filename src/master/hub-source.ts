import { sql } from 'drizzle-orm';
import type { Tx } from './codes';
import { fieldColumns, type Values } from './fields';
import type { EntitySpec } from './specs';

/** The system name under which values written through the hub's own API contribute to golden records. */
export const HUB_SYSTEM = 'mdhub';

/**
 * Records values written through the API as the hub's own source record of each golden record (system `mdhub`,
 * stream = entity, external id = golden id), merged over what earlier API writes gave. Survivorship then weighs
 * them like any source's values: when a connector's record for the same golden record changes later, the golden
 * values are recomputed from all contributors, the API's included, instead of forgetting what a user entered.
 * One statement for any number of records.
 */
export async function recordHubContributions(
  tx: Tx,
  spec: EntitySpec,
  contributions: readonly { goldenId: string; values: Values; columns?: readonly string[] }[],
): Promise<void> {
  // The code is the hub's own, not a contribution.
  const allowed = new Set(fieldColumns(spec.fields));
  const rows = contributions
    .map((c) => {
      const keys = (c.columns ?? Object.keys(c.values)).filter((k) => allowed.has(k));
      // undefined would vanish from the JSON; a cleared field is a contribution of 'empty'.
      return { goldenId: c.goldenId, values: Object.fromEntries(keys.map((k) => [k, c.values[k] ?? null])) };
    })
    .filter((r) => Object.keys(r.values).length > 0);
  if (rows.length === 0) return;
  await tx.execute(sql`
    INSERT INTO source_records (system, stream, entity, external_id, payload, content_hash, canonical, golden_id)
    SELECT ${HUB_SYSTEM}, ${spec.entity}, ${spec.entity}, g::text, v, md5(v::text), v, g
    FROM jsonb_to_recordset(${JSON.stringify(rows.map((r) => ({ g: r.goldenId, v: r.values })))}::jsonb) AS x(g uuid, v jsonb)
    ON CONFLICT (system, stream, external_id) DO UPDATE SET
      payload = source_records.payload || excluded.payload,
      canonical = coalesce(source_records.canonical, '{}'::jsonb) || excluded.canonical,
      content_hash = md5((source_records.payload || excluded.payload)::text),
      changed_at = now(), last_seen_at = now(), deleted_at = NULL`);
}
