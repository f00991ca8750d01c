/**
 * Steward overrides: a steward's value for a field of a golden record, which wins over every source until it is
 * cleared. Fields are named as in the API input ('name', 'address.city', 'creditLimit'); values are cleaned like any
 * input. Columns that survive together (an address, an amount and its currency) are overridden together: setting
 * one keeps the record's current values of the others as overrides too, so a steward's city never lands beside a
 * source's street. Setting or clearing recomputes the record at once (lineage rule 'override').
 */
import { sql } from 'drizzle-orm';
import { actorLabel } from '../actor';
import { type Db, sqlArray } from '../db/pool';
import { ConflictError, ValidationError } from '../errors';
import type { Tx } from '../master/codes';
import { columnsOf, type FieldSpec, normaliseFields } from '../master/fields';
import { type MasterEntity, SPECS } from '../master/specs';
import type { GoldenRow } from '../master/store';
import { recomputeGolden } from './golden';
import { type ChangeOptions, lockGolden, type SurvivorshipOf } from './merge';
import { defaultGroups } from './survivorship';

/** An override as the API shows it: per field, in input form (money as { amount, currency }). */
export interface OverrideView {
  goldenId: string;
  field: string;
  value: unknown;
  setBy: string;
  setAt: Date;
  reason: string | null;
}

/** Sets and clears overrides; each call is one transaction. */
export class OverrideService {
  constructor(
    private readonly db: Db,
    private readonly survivorship: SurvivorshipOf,
    private readonly defaultRegion: string,
  ) {}

  private field(entity: MasterEntity, path: string): FieldSpec {
    const f = SPECS[entity].fields.find((x) => x.path === path);
    if (!f) {
      throw new ValidationError([
        {
          field: 'field',
          reason: `not a ${entity} field; one of ${SPECS[entity].fields.map((x) => x.path).join(', ')}`,
        },
      ]);
    }
    return f;
  }

  /** The columns overridden together with a field's: its survivorship group, or its own. */
  private unit(entity: MasterEntity, f: FieldSpec): string[] {
    const own = columnsOf(f);
    return defaultGroups(entity).find((g) => own.some((c) => g.includes(c))) ?? own;
  }

  /** Sets a field's override (null: empty on purpose) and recomputes the record. */
  async set(entity: MasterEntity, id: string, path: string, value: unknown, opts: ChangeOptions): Promise<GoldenRow> {
    const f = this.field(entity, path);
    // GraphQL enum names are accepted for enum fields ('BLOCKED' for 'blocked').
    const raw =
      f.kind === 'enum' && typeof value === 'string' && !f.values.includes(value) ? value.toLowerCase() : value;
    const input: Record<string, unknown> = {};
    const parts = path.split('.');
    parts.reduce((o, part, i) => (o[part] = i === parts.length - 1 ? raw : {}) as Record<string, unknown>, input);
    return this.db.transaction(async (tx) => {
      const row = await lockGolden(tx, entity, id, 'id');
      let values: Record<string, unknown>;
      try {
        values = normaliseFields([f], input, 'patch', { defaultRegion: this.defaultRegion }, row);
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        throw new ValidationError(e.issues.map((i) => ({ field: i.field.replace(path, 'value'), reason: i.reason })));
      }
      await this.requireSources(tx, entity, row);
      const columns = this.unit(entity, f);
      const written = columns.map((c) => ({ field: c, value: c in values ? values[c] : (row[c] ?? null) }));
      await tx.execute(sql`
        INSERT INTO golden_overrides (entity, golden_id, field, value, set_by, reason)
        SELECT ${entity}, ${row.id}::uuid, f, v, ${actorLabel(opts.actor)}, ${opts.reason ?? null}
        FROM unnest(${sqlArray(written.map((w) => w.field))}::text[],
                    ${sqlArray(written.map((w) => (w.value === null || w.value === undefined ? null : JSON.stringify(w.value))))}::jsonb[]) AS x(f, v)
        ON CONFLICT (entity, golden_id, field) DO UPDATE SET
          value = excluded.value, set_by = excluded.set_by, set_at = now(), reason = excluded.reason`);
      return this.recompute(tx, entity, row, `override of ${path}${opts.reason ? `: ${opts.reason}` : ''}`, opts);
    });
  }

  /** Clears a field's override (with the fields overridden together with it); the sources decide again. */
  async clear(entity: MasterEntity, id: string, path: string, opts: ChangeOptions): Promise<GoldenRow> {
    const f = this.field(entity, path);
    return this.db.transaction(async (tx) => {
      const row = await lockGolden(tx, entity, id, 'id');
      const res = await tx.execute(sql`
        DELETE FROM golden_overrides
        WHERE entity = ${entity} AND golden_id = ${row.id}::uuid AND field = ANY(${sqlArray(this.unit(entity, f))}::text[])`);
      // Clearing what is not set changes nothing.
      if (!res.rowCount) return row;
      await this.requireSources(tx, entity, row);
      return this.recompute(
        tx,
        entity,
        row,
        `override of ${path} cleared${opts.reason ? `: ${opts.reason}` : ''}`,
        opts,
      );
    });
  }

  /** The overrides of a page of golden records, per record and field. One statement. */
  async forRecords(entity: MasterEntity, ids: readonly string[]): Promise<OverrideView[]> {
    if (ids.length === 0) return [];
    const res = await this.db.execute(sql`
      SELECT golden_id::text AS golden_id, field, value, set_by, set_at, reason FROM golden_overrides
      WHERE entity = ${entity} AND golden_id = ANY(${sqlArray(ids)}::uuid[]) ORDER BY golden_id, field`);
    const byColumn = new Map<string, Record<string, unknown>>();
    for (const r of res.rows as Record<string, unknown>[]) byColumn.set(`${r.golden_id}\u0000${r.field}`, r);
    const out: OverrideView[] = [];
    for (const id of new Set(ids)) {
      for (const f of SPECS[entity].fields) {
        const rows = columnsOf(f).map((c) => byColumn.get(`${id}\u0000${c}`));
        const first = rows.find(Boolean);
        if (!first) continue;
        const value =
          f.kind === 'money'
            ? rows[0]?.value == null
              ? null
              : { amount: String(rows[0].value), currency: rows[1]?.value ?? null }
            : (rows[0]?.value ?? null);
        out.push({
          goldenId: id,
          field: f.path,
          value,
          setBy: first.set_by as string,
          setAt: new Date(first.set_at as string),
          reason: (first.reason as string | null) ?? null,
        });
      }
    }
    return out;
  }

  /** A record without a live source would be archived by a recompute; its values are edited directly instead. */
  private async requireSources(tx: Tx, entity: MasterEntity, row: GoldenRow): Promise<void> {
    const res = await tx.execute(sql`
      SELECT count(*)::int AS n FROM source_records
      WHERE entity = ${entity} AND golden_id = ${row.id}::uuid AND deleted_at IS NULL AND canonical IS NOT NULL`);
    if ((res.rows[0] as { n: number }).n === 0) {
      throw new ConflictError(
        `${entity} ${row.code} has no live source record to override; change it with an update instead`,
        'id',
      );
    }
  }

  private async recompute(
    tx: Tx,
    entity: MasterEntity,
    row: GoldenRow,
    reason: string,
    opts: ChangeOptions,
  ): Promise<GoldenRow> {
    await recomputeGolden(tx, entity, [row.id], new Set(), this.survivorship(entity), opts.actor, {
      touch: new Map([[row.id, 'updated']]),
      reason,
    });
    const spec = SPECS[entity];
    const rows = (await tx
      .select()
      .from(spec.table)
      .where(sql`${spec.table.id} = ${row.id}::uuid`)) as GoldenRow[];
    return rows[0]!;
  }
}
