import { sql } from 'drizzle-orm';
import type { Actor } from '../actor';
import { sqlArray } from '../db/pool';
import { actorLabel } from '../actor';
import { allocateCodes, type Tx } from '../master/codes';
import { fieldColumns, type Values } from '../master/fields';
import type { Change, Operation } from '../master/history';
import { searchText } from '../master/normalise';
import { persistGoldenRows } from '../master/persist';
import { SPECS, type MasterEntity } from '../master/specs';
import { changedFields, type GoldenRow } from '../master/store';
import { type Contributor, defaultGroups, type Override, type SurvivorshipConfig, survive } from './survivorship';

export interface RecomputeOptions {
  /**
   * Records that get a new version even when no value changes, with this operation: a merge or an unmerge changes
   * a record's sources, an override its lineage, and each is a change a reader of the history must see.
   */
  touch?: ReadonlyMap<string, Operation>;
  /** Why, for the history. */
  reason?: string | null;
}

export interface RecomputeResult {
  inserted: string[];
  updated: string[];
  unchanged: string[];
  archived: string[];
}

/**
 * Recomputes golden records from the source records that contribute to them and the steward's overrides:
 * survivorship per field, lineage per field, a new version (with history and outbox event) only where a value
 * changed (or the record is in `opts.touch`). Set-based: a fixed number of statements for any number of records. A
 * golden record left with no live contributor is archived, not deleted: its id stays resolvable and its history
 * intact.
 */
export async function recomputeGolden(
  tx: Tx,
  entity: MasterEntity,
  ids: readonly string[],
  isNew: ReadonlySet<string>,
  config: SurvivorshipConfig,
  actor: Actor,
  opts: RecomputeOptions = {},
): Promise<RecomputeResult> {
  const result: RecomputeResult = { inserted: [], updated: [], unchanged: [], archived: [] };
  if (ids.length === 0) return result;
  const spec = SPECS[entity];
  const fields = fieldColumns(spec.fields);
  const contributorsRes = await tx.execute(sql`
    SELECT id::text AS id, system, canonical, golden_id,
      -- 'Most recent' means most recently changed in the source: its own timestamp when the cursor is one.
      CASE WHEN cursor ~ '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2})$' THEN cursor::timestamptz ELSE changed_at END AS changed_at
    FROM source_records
    WHERE entity = ${entity} AND golden_id = ANY(${sqlArray(ids)}::uuid[]) AND deleted_at IS NULL AND canonical IS NOT NULL`);
  const byGolden = new Map<string, Contributor[]>();
  for (const r of contributorsRes.rows as {
    id: string;
    system: string;
    changed_at: Date;
    canonical: Values;
    golden_id: string;
  }[]) {
    const list = byGolden.get(r.golden_id) ?? [];
    list.push({ sourceRecordId: r.id, system: r.system, changedAt: new Date(r.changed_at), values: r.canonical });
    byGolden.set(r.golden_id, list);
  }
  const overridesRes = await tx.execute(sql`
    SELECT golden_id::text AS golden_id, field, value, set_by, set_at FROM golden_overrides
    WHERE entity = ${entity} AND golden_id = ANY(${sqlArray(ids)}::uuid[])`);
  const overrides = new Map<string, Override[]>();
  for (const r of overridesRes.rows as {
    golden_id: string;
    field: string;
    value: unknown;
    set_by: string;
    set_at: Date;
  }[]) {
    const list = overrides.get(r.golden_id) ?? [];
    list.push({ field: r.field, value: r.value, setBy: r.set_by, setAt: new Date(r.set_at) });
    overrides.set(r.golden_id, list);
  }
  const currentRes = (await tx
    .select()
    .from(spec.table)
    .where(sql`${spec.table.id} = ANY(${sqlArray(ids)}::uuid[])`)
    .for('update')) as GoldenRow[];
  const current = new Map(currentRes.map((r) => [r.id, r]));
  const newIds = ids.filter((id) => isNew.has(id) && !current.has(id) && byGolden.has(id));
  const codes = await allocateCodes(tx, entity, newIds.length);
  const codeOf = new Map(newIds.map((id, i) => [id, codes[i]!]));

  const who = actorLabel(actor);
  const writes: Values[] = [];
  const changes: Omit<Change, 'row'>[] = [];
  const lineageRows: {
    goldenId: string;
    field: string;
    sourceRecordId: string | null;
    system: string | null;
    rule: string;
    changedAt: Date;
  }[] = [];
  const groups = defaultGroups(entity);
  for (const id of ids) {
    const contributors = byGolden.get(id) ?? [];
    const row = current.get(id);
    if (contributors.length === 0) {
      if (row && row.status !== 'archived') {
        writes.push({ ...row, status: 'archived', version: row.version + 1, updatedBy: who });
        changes.push({ entity, operation: 'archived', changed: ['status'] });
        result.archived.push(id);
      }
      continue;
    }
    const survived = survive(fields, contributors, overrides.get(id) ?? [], {
      ...config,
      groups: config.groups ?? groups,
    });
    for (const l of survived.lineage) lineageRows.push({ goldenId: id, ...l, rule: l.rule });
    const values = { ...survived.values };
    if (values.status == null) values.status = row?.status === 'archived' ? 'active' : (row?.status ?? 'active');
    if (!row) {
      const code = codeOf.get(id);
      if (!code) continue;
      writes.push({
        ...values,
        id,
        code,
        version: 1,
        searchText: searchText(`${values.name ?? ''} ${code}`),
        createdBy: who,
        updatedBy: who,
      });
      changes.push({ entity, operation: 'created', changed: [] });
      result.inserted.push(id);
      continue;
    }
    const changed = changedFields(row, values);
    const touched = opts.touch?.get(id);
    if (changed.length === 0 && !touched) {
      result.unchanged.push(id);
      continue;
    }
    writes.push({
      ...row,
      ...values,
      version: row.version + 1,
      updatedBy: who,
      searchText: searchText(`${values.name ?? row.name ?? ''} ${row.code}`),
    });
    changes.push({
      entity,
      operation: values.status === 'archived' && row.status !== 'archived' ? 'archived' : (touched ?? 'updated'),
      changed,
    });
    result.updated.push(id);
  }
  await persistGoldenRows(tx, spec, writes, changes, actor, opts.reason);
  const touched = [...result.inserted, ...result.updated];
  if (touched.length) {
    // One row per record, its fields as one object (see goldenLineageSets), replaced whole.
    const sets = new Map<string, Record<string, { s?: string; y?: string; r: string; t: string }>>(
      touched.map((id) => [id, {}]),
    );
    for (const l of lineageRows) {
      const set = sets.get(l.goldenId);
      if (!set) continue;
      set[l.field] = {
        ...(l.sourceRecordId !== null ? { s: l.sourceRecordId } : {}),
        ...(l.system !== null ? { y: l.system } : {}),
        r: l.rule,
        t: l.changedAt.toISOString(),
      };
    }
    await tx.execute(sql`
      INSERT INTO golden_lineage_sets (entity, golden_id, fields)
      SELECT ${entity}, g, f FROM jsonb_to_recordset(${JSON.stringify([...sets].map(([g, f]) => ({ g, f })))}::jsonb) AS x(g uuid, f jsonb)
      ON CONFLICT (entity, golden_id) DO UPDATE SET fields = excluded.fields`);
  }
  return result;
}
