import { sqlArray } from '../db/pool';
import { and, eq, sql } from 'drizzle-orm';
import { ConflictError } from '../errors';
import type { Db } from '../db/pool';
import type { Tx } from './codes';
import { crosswalk } from './tables';

export interface SourceRef {
  system: string;
  externalId: string;
}

export interface CrosswalkEntry extends SourceRef {
  entity: string;
  goldenId: string;
  createdAt: Date;
}

/** Source systems and external ids are matched exactly, only trimmed: external ids are often case-sensitive. */
export function cleanSourceRef(ref: SourceRef): SourceRef {
  return { system: ref.system.trim(), externalId: ref.externalId.trim() };
}

/**
 * Links source refs to golden ids in one statement. A ref already linked to the same record is fine; one linked
 * to a different record is a conflict, because a source id must never point at two golden records.
 */
export async function linkSourceRefs(
  tx: Tx,
  entity: string,
  links: { ref: SourceRef; goldenId: string; field: string }[],
): Promise<void> {
  if (links.length === 0) return;
  const res = await tx.execute(sql`
    WITH wanted AS (
      SELECT * FROM unnest(${sqlArray(links.map((l) => l.ref.system))}::text[], ${sqlArray(links.map((l) => l.ref.externalId))}::text[],
                           ${sqlArray(links.map((l) => l.goldenId))}::uuid[]) AS w(system, external_id, golden_id)
    ), ins AS (
      INSERT INTO crosswalk (system, entity, external_id, golden_id)
      SELECT system, ${entity}, external_id, golden_id FROM wanted
      ON CONFLICT (system, entity, external_id) DO NOTHING
      RETURNING system, external_id
    )
    SELECT w.system, w.external_id, c.golden_id AS existing, w.golden_id AS wanted
    FROM wanted w JOIN crosswalk c ON c.system = w.system AND c.entity = ${entity} AND c.external_id = w.external_id
    WHERE c.golden_id <> w.golden_id`);
  const clash = res.rows[0] as { system: string; external_id: string; existing: string } | undefined;
  if (clash) {
    const link = links.find((l) => l.ref.system === clash.system && l.ref.externalId === clash.external_id);
    throw new ConflictError(
      `source ref ${clash.system}/${clash.external_id} is already linked to ${entity} ${clash.existing}`,
      link?.field ?? 'sourceRef',
    );
  }
}

/** The golden id behind a source ref, if the crosswalk knows it. */
export async function resolveSourceRef(db: Db, entity: string, ref: SourceRef): Promise<string | undefined> {
  const r = cleanSourceRef(ref);
  const rows = await db
    .select({ goldenId: crosswalk.goldenId })
    .from(crosswalk)
    .where(and(eq(crosswalk.system, r.system), eq(crosswalk.entity, entity), eq(crosswalk.externalId, r.externalId)))
    .limit(1);
  return rows[0]?.goldenId;
}

/** All source refs of a set of golden records, grouped by golden id (one statement). */
export async function loadSourceRefs(
  db: Db,
  entity: string,
  ids: readonly string[],
): Promise<Map<string, CrosswalkEntry[]>> {
  const res = await db.execute(sql`
    SELECT system, external_id, golden_id, created_at FROM crosswalk
    WHERE entity = ${entity} AND golden_id = ANY(${sqlArray(ids)}::uuid[]) ORDER BY system, external_id`);
  const out = new Map<string, CrosswalkEntry[]>();
  for (const r of res.rows as Record<string, unknown>[]) {
    const e: CrosswalkEntry = {
      system: r.system as string,
      externalId: r.external_id as string,
      entity,
      goldenId: r.golden_id as string,
      createdAt: r.created_at as Date,
    };
    out.set(e.goldenId, [...(out.get(e.goldenId) ?? []), e]);
  }
  return out;
}
