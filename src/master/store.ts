import { readerOf, sqlArray } from '../db/pool';
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { type Actor, actorLabel } from '../actor';
import { mapDbError } from '../db/errors';
import type { Db } from '../db/pool';
import { ConflictError, DomainError, NotFoundError, ValidationError, type FieldIssue } from '../errors';
import { allocateCodes, reserveGivenCodes, type Tx } from './codes';
import { cleanSourceRef, linkSourceRefs, type SourceRef } from './crosswalk';
import { normaliseFields, normaliseCode, type NormaliseContext, type Values } from './fields';
import { type Change, recordChanges, versionAsOf } from './history';
import { FieldError, normaliseCountry, searchText } from './normalise';
import type { EntitySpec } from './specs';
import { crosswalk } from './tables';
import { recordHubContributions } from './hub-source';
import { persistGoldenRows } from './persist';
import { resolveAlias } from '../mdm/aliases';

/** A golden record as stored: the shared golden columns plus the entity's own. */
export type GoldenRow = Record<string, unknown> & {
  id: string;
  code: string;
  status: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
};

export type LookupKey = { id: string } | { code: string } | { sourceRef: SourceRef };

export interface ListFilter {
  text?: string | null;
  country?: string | null;
  status?: string[] | null;
  updatedSince?: Date | null;
  type?: string | null;
}

export type SortField = 'code' | 'name' | 'createdAt' | 'updatedAt';

export interface ListArgs {
  filter?: ListFilter | null;
  orderBy?: { field: SortField; direction: 'asc' | 'desc' } | null;
  first?: number | null;
  after?: string | null;
}

export interface Page<T> {
  rows: T[];
  cursors: string[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

export type UpsertOutcome = 'inserted' | 'updated' | 'unchanged';

export interface UpsertResult {
  index: number;
  outcome: UpsertOutcome;
  record: GoldenRow;
}

/** Which columns of a record a read returns: `props` only (plus what the read itself needs), or all when absent. */
export interface ReadColumns {
  props?: readonly string[] | null;
}

const withProps = (props: readonly string[] | null | undefined, ...needed: string[]) =>
  props ? [...props, ...needed] : null;

export const MAX_PAGE_SIZE = 500;
export const MAX_UPSERT_BATCH = 1000;

export interface WriteOptions {
  actor: Actor;
  reason?: string | null;
}

/**
 * The one write and read path of golden master records. Every write is one transaction holding the record, its
 * history row and its outbox event, so a crash leaves either all of them or none. Entity differences live in the
 * EntitySpec; this class knows only golden-record rules (codes, versions, crosswalk, history).
 */
export class GoldenStore {
  constructor(
    private readonly db: Db,
    private readonly normaliseContext: Omit<NormaliseContext, 'prefix'>,
  ) {}

  /** Creates a record; the code comes from the input or the entity's coding rule. */
  async create(spec: EntitySpec, input: Record<string, unknown>, opts: WriteOptions): Promise<GoldenRow> {
    const values = this.normaliseCreate(spec, input, '');
    const ref = this.sourceRefOf(input, 'sourceRef');
    try {
      return await this.db.transaction(async (tx) => {
        const code = (values.code as string | null) ?? (await allocateCodes(tx, spec.entity, 1))[0]!;
        if (values.code) await reserveGivenCodes(tx, spec.entity, [code]);
        const [row] = (await tx
          .insert(spec.table)
          .values(this.stamp(spec, { ...values, code }, opts.actor, true))
          .returning()) as GoldenRow[];
        await recordChanges(
          tx,
          [{ entity: spec.entity, row: row!, operation: 'created', changed: [] }],
          opts.actor,
          opts.reason,
        );
        if (ref) await linkSourceRefs(tx, spec.entity, [{ ref, goldenId: row!.id, field: 'sourceRef' }]);
        await recordHubContributions(tx, spec, [{ goldenId: row!.id, values }]);
        return row!;
      });
    } catch (e) {
      throw mapDbError(e);
    }
  }

  /**
   * Applies a patch if the record is still at `expectedVersion`; otherwise CONFLICT and nothing is written.
   * A patch that changes nothing keeps the version and writes no history.
   */
  async update(
    spec: EntitySpec,
    id: string,
    expectedVersion: number,
    patch: Record<string, unknown>,
    opts: WriteOptions,
  ): Promise<GoldenRow> {
    try {
      return await this.db.transaction(async (tx) => {
        const current = await this.lockById(tx, spec, id);
        if (current.version !== expectedVersion) {
          throw new ConflictError(
            `${spec.entity} ${current.code} is at version ${current.version}, not ${expectedVersion}; reload and retry`,
            'expectedVersion',
            { currentVersion: current.version },
          );
        }
        const values = normaliseFields(spec.fields, patch, 'patch', this.normaliseContext, current);
        if ('code' in patch && patch.code != null && normaliseCode(String(patch.code), 'code') !== current.code) {
          throw new ValidationError([
            { field: 'code', reason: 'a code is kept for the life of a record and cannot change' },
          ]);
        }
        const changed = changedFields(current, values);
        if (changed.length === 0) return current;
        const operation = values.status === 'archived' && current.status !== 'archived' ? 'archived' : 'updated';
        const row = await this.writeChanged(tx, spec, current, values, opts.actor);
        await recordChanges(tx, [{ entity: spec.entity, row, operation, changed }], opts.actor, opts.reason);
        await recordHubContributions(tx, spec, [{ goldenId: row.id, values, columns: changed }]);
        return row;
      });
    } catch (e) {
      throw mapDbError(e);
    }
  }

  /** Archives a record: it stays resolvable by id, code and source ref, with its history. */
  archive(spec: EntitySpec, id: string, expectedVersion: number, opts: WriteOptions): Promise<GoldenRow> {
    return this.update(spec, id, expectedVersion, { status: 'archived' }, opts);
  }

  /**
   * Inserts or updates up to 1,000 records in one transaction, keyed by code or by source ref, and reports what
   * happened to each. All input is validated first: one bad record refuses the whole call with every bad field
   * named, and nothing is written. Set-based: a fixed number of statements whatever the batch size.
   */
  async upsertMany(
    spec: EntitySpec,
    by: 'code' | 'sourceRef',
    records: Record<string, unknown>[],
    opts: WriteOptions,
  ): Promise<UpsertResult[]> {
    if (records.length > MAX_UPSERT_BATCH) {
      throw new ValidationError([
        { field: 'records', reason: `at most ${MAX_UPSERT_BATCH} records per call, got ${records.length}` },
      ]);
    }
    const issues: FieldIssue[] = [];
    const prepared: { values: Values; key: string; ref?: SourceRef }[] = [];
    const seen = new Map<string, number>();
    records.forEach((input, i) => {
      const prefix = `records.${i}.`;
      try {
        const values = this.normaliseCreate(spec, input, prefix);
        const ref = this.sourceRefOf(input, `${prefix}sourceRef`);
        let key: string;
        if (by === 'code') {
          if (!values.code)
            throw new ValidationError([{ field: `${prefix}code`, reason: 'is required when upserting by code' }]);
          key = values.code as string;
        } else {
          if (!ref)
            throw new ValidationError([
              { field: `${prefix}sourceRef`, reason: 'is required when upserting by source ref' },
            ]);
          key = `${ref.system}\u0000${ref.externalId}`;
        }
        const dup = seen.get(key);
        if (dup !== undefined) {
          throw new ValidationError([{ field: `${prefix}${by}`, reason: `repeats the ${by} of records.${dup}` }]);
        }
        seen.set(key, i);
        prepared.push({ values, key, ref });
      } catch (e) {
        if (e instanceof ValidationError) issues.push(...e.issues);
        else throw e;
      }
    });
    if (issues.length) throw new ValidationError(issues);
    if (prepared.length === 0) return [];

    try {
      return await this.db.transaction(async (tx) => {
        const existing =
          by === 'code'
            ? await this.lockByCodes(
                tx,
                spec,
                prepared.map((p) => p.key),
              )
            : await this.lockByRefs(tx, spec, prepared);
        const newCount = prepared.filter((p) => !existing.has(p.key) && !p.values.code).length;
        const codes = await allocateCodes(tx, spec.entity, newCount);
        await reserveGivenCodes(
          tx,
          spec.entity,
          prepared.filter((p) => !existing.has(p.key) && p.values.code).map((p) => p.values.code as string),
        );

        const results: { index: number; outcome: UpsertOutcome; id: string; current?: GoldenRow }[] = [];
        const contributions: { goldenId: string; values: Values; columns?: string[] }[] = [];
        const writes: Values[] = [];
        const changes: Omit<Change, 'row'>[] = [];
        const links: { ref: SourceRef; goldenId: string; field: string }[] = [];
        let nextCode = 0;
        prepared.forEach((p, index) => {
          const current = existing.get(p.key);
          if (!current) {
            const id = randomUUID();
            const code = (p.values.code as string | null) ?? codes[nextCode++]!;
            writes.push({ ...this.stamp(spec, { ...p.values, code }, opts.actor, true), id });
            changes.push({ entity: spec.entity, operation: 'created', changed: [] });
            results.push({ index, outcome: 'inserted', id });
            contributions.push({ goldenId: id, values: p.values });
            if (p.ref) links.push({ ref: p.ref, goldenId: id, field: `records.${index}.sourceRef` });
            return;
          }
          // An upsert describes the whole record: fields it leaves out keep their stored value, except the code.
          const values = { ...p.values };
          delete values.code;
          for (const k of Object.keys(values))
            if (!(pathOfColumn(spec, k) in flatten(records[index]!))) delete values[k];
          const changed = changedFields(current, values);
          if (changed.length === 0) {
            results.push({ index, outcome: 'unchanged', id: current.id, current });
          } else {
            writes.push({
              ...current,
              ...values,
              ...this.stamp(spec, {}, opts.actor, false),
              version: current.version + 1,
              id: current.id,
            });
            changes.push({
              entity: spec.entity,
              operation: values.status === 'archived' && current.status !== 'archived' ? 'archived' : 'updated',
              changed,
            });
            results.push({ index, outcome: 'updated', id: current.id });
            contributions.push({ goldenId: current.id, values, columns: changed });
          }
          if (p.ref && by === 'code')
            links.push({ ref: p.ref, goldenId: current.id, field: `records.${index}.sourceRef` });
        });

        const written = await persistGoldenRows(tx, spec, writes, changes, opts.actor, opts.reason);
        await linkSourceRefs(tx, spec.entity, links);
        await recordHubContributions(tx, spec, contributions);
        return results.map((r) => ({ index: r.index, outcome: r.outcome, record: written.get(r.id) ?? r.current! }));
      });
    } catch (e) {
      throw mapDbError(e);
    }
  }

  /** Adds source refs to an existing record (e.g. when a steward links a record by hand). */
  async addSourceRef(spec: EntitySpec, id: string, ref: SourceRef): Promise<GoldenRow> {
    const cleaned = this.sourceRefOf({ sourceRef: ref }, 'sourceRef')!;
    try {
      return await this.db.transaction(async (tx) => {
        const row = await this.lockById(tx, spec, id);
        await linkSourceRefs(tx, spec.entity, [{ ref: cleaned, goldenId: row.id, field: 'sourceRef' }]);
        return row;
      });
    } catch (e) {
      throw mapDbError(e);
    }
  }

  /**
   * One record by id, code or source ref; with `asOf`, as it was then (from its history). `read.props` limits a
   * current record read by id or code to those columns (and its id); otherwise the whole row comes back.
   */
  async lookup(
    spec: EntitySpec,
    key: LookupKey,
    asOf?: Date | null,
    read: ReadColumns = {},
  ): Promise<GoldenRow | null> {
    const t = spec.table;
    if (!asOf) {
      const props = withProps(read.props, 'id', 'status');
      if ('id' in key) {
        if (!isUuid(key.id)) return null;
        const rows = await readerOf(t).select<GoldenRow>(this.db, 'WHERE "id" = $1 LIMIT 1', [key.id], {
          prepared: true,
          props,
        });
        return this.orSurvivor(spec, key, rows[0], read);
      }
      if ('code' in key) {
        const rows = await readerOf(t).select<GoldenRow>(this.db, 'WHERE "code" = $1 LIMIT 1', [key.code.trim()], {
          prepared: true,
          props,
        });
        return this.orSurvivor(spec, key, rows[0], read);
      }
      const ref = cleanSourceRef(key.sourceRef);
      const rows = await this.db
        .select({ row: t })
        .from(crosswalk)
        .innerJoin(t, eq(t.id, crosswalk.goldenId))
        .where(
          and(
            eq(crosswalk.system, ref.system),
            eq(crosswalk.entity, spec.entity),
            eq(crosswalk.externalId, ref.externalId),
          ),
        )
        .limit(1);
      return ((rows[0] as { row: GoldenRow } | undefined)?.row as GoldenRow) ?? null;
    }
    let id: string | undefined;
    if ('id' in key) id = isUuid(key.id) ? key.id : undefined;
    else {
      const current = await this.lookup(spec, key, null);
      id = current?.id;
    }
    if (!id) return null;
    const entry = await versionAsOf(this.db, spec.entity, id, asOf);
    return entry ? reviveRow(entry.data) : null;
  }

  /**
   * A merged record's id and code answer with the record it was merged into (its alias, mdm/aliases.ts). Asked only
   * when a lookup misses or finds an archived record, so live records cost nothing more.
   */
  private async orSurvivor(
    spec: EntitySpec,
    key: { id: string } | { code: string },
    row: GoldenRow | undefined,
    read: ReadColumns,
  ): Promise<GoldenRow | null> {
    if (row && row.status !== 'archived') return row;
    const survivor = await resolveAlias(this.db, spec.entity, key);
    if (!survivor) return row ?? null;
    return (await this.lookup(spec, { id: survivor }, null, read)) ?? row ?? null;
  }

  /**
   * A page of records with filters and keyset pagination on (sort field, id). `read.props` limits the rows to those
   * columns (and the id and sort field, for the cursors).
   */
  async list(spec: EntitySpec, args: ListArgs, read: ReadColumns = {}): Promise<Page<GoldenRow>> {
    const first = pageSize(args.first);
    const order = args.orderBy ?? { field: 'code', direction: 'asc' };
    const reader = readerOf(spec.table);
    const values: unknown[] = [];
    const where = this.filterSql(spec, args.filter, values);
    // Without a filter the best plan is the same for every cursor (walk the sort column's index, or sort the
    // table for a name), so the statement can stay prepared; how selective a filter is depends on its value.
    const prepared = where.length === 0;
    const sortCol = reader.column(order.field);
    const [cmp, dir] = order.direction === 'asc' ? ['>', 'ASC'] : ['<', 'DESC'];
    if (args.after) {
      const [value, id] = decodeCursor(args.after, order.field);
      const v = param(values, sortCol.encode(value));
      // (sort > v) OR (sort = v AND id > i), spelled with a plain range on the sort column first: PostgreSQL can
      // start the index scan at the cursor only from that range, else a deep page reads every row before it.
      where.push(`${sortCol.sql} ${cmp}= ${v} AND (${sortCol.sql} ${cmp} ${v} OR "id" ${cmp} ${param(values, id)})`);
    }
    const rows = await reader.select<GoldenRow>(
      this.db,
      `${whereClause(where)} ORDER BY ${sortCol.sql} ${dir}, "id" ${dir} LIMIT ${param(values, first + 1)}`,
      values,
      { prepared, props: withProps(read.props, 'id', order.field) },
    );
    const hasNextPage = rows.length > first;
    if (hasNextPage) rows.pop();
    return {
      rows,
      cursors: rows.map((r) => encodeCursor(r[order.field], r.id)),
      hasNextPage,
      hasPreviousPage: Boolean(args.after),
    };
  }

  /** How many records match a filter (only computed when a caller asks for it). */
  async count(spec: EntitySpec, filter?: ListFilter | null): Promise<number> {
    const reader = readerOf(spec.table);
    const values: unknown[] = [];
    const where = whereClause(this.filterSql(spec, filter, values));
    const res = await reader.query(this.db, `SELECT count(*) FROM ${reader.name} ${where}`, values);
    return Number((res.rows[0] as unknown[] | undefined)?.[0] ?? 0);
  }

  /** Records by id, for DataLoaders: one statement for a whole page. */
  async byIds(spec: EntitySpec, ids: readonly string[]): Promise<GoldenRow[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    return readerOf(spec.table).select<GoldenRow>(this.db, 'WHERE "id" = ANY($1::uuid[])', [valid], { prepared: true });
  }

  /** Records by code, for DataLoaders (federation resolves entities by code too): one statement for a batch. */
  async byCodes(spec: EntitySpec, codes: readonly string[]): Promise<GoldenRow[]> {
    if (codes.length === 0) return [];
    return readerOf(spec.table).select<GoldenRow>(this.db, 'WHERE "code" = ANY($1::text[])', [codes], {
      prepared: true,
    });
  }

  /** The conditions of a list filter, with their values appended to `values`; the same for a page and its count. */
  private filterSql(spec: EntitySpec, f: ListFilter | null | undefined, values: unknown[]): string[] {
    const where: string[] = [];
    if (!f) return where;
    const reader = readerOf(spec.table);
    const cond = (prop: string, op: string, value: unknown) => {
      const c = reader.column(prop);
      return `${c.sql} ${op} ${param(values, c.encode(value))}`;
    };
    if (f.text?.trim()) {
      const term = searchText(f.text).replace(/[\\%_]/g, (c) => '\\' + c);
      where.push(cond('searchText', 'LIKE', '%' + term + '%'));
    }
    if (f.country) {
      if (!spec.hasCountry)
        throw new ValidationError([{ field: 'filter.country', reason: `${spec.label} have no country` }]);
      let country: string | null;
      try {
        country = normaliseCountry(f.country, 'filter.country');
      } catch (e) {
        throw e instanceof FieldError ? new ValidationError([{ field: e.field, reason: e.reason }]) : e;
      }
      where.push(cond('country', '=', country));
    }
    if (f.status?.length) {
      const status = reader.column('status');
      where.push(`${status.sql} = ANY(${param(values, f.status)}::${status.type}[])`);
    }
    if (f.updatedSince) where.push(cond('updatedAt', '>=', f.updatedSince));
    if (f.type) where.push(cond('type', '=', f.type));
    return where;
  }

  private normaliseCreate(spec: EntitySpec, input: Record<string, unknown>, prefix: string): Values {
    const issues: FieldIssue[] = [];
    let values: Values = {};
    try {
      values = normaliseFields(spec.fields, input, 'create', { ...this.normaliseContext, prefix });
    } catch (e) {
      if (e instanceof ValidationError) issues.push(...e.issues);
      else throw e;
    }
    let code: string | null = null;
    if (input.code !== undefined && input.code !== null) {
      try {
        code = normaliseCode(String(input.code), `${prefix}code`);
      } catch (e) {
        if (e instanceof FieldError) issues.push({ field: e.field, reason: e.reason });
        else throw e;
      }
    }
    if (issues.length) throw new ValidationError(issues);
    return { ...values, code };
  }

  private sourceRefOf(input: Record<string, unknown>, field: string): SourceRef | undefined {
    const raw = input.sourceRef as SourceRef | null | undefined;
    if (!raw) return undefined;
    const ref = cleanSourceRef(raw);
    const issues: FieldIssue[] = [];
    if (!/^[A-Za-z0-9._:-]{1,64}$/.test(ref.system))
      issues.push({ field: `${field}.system`, reason: 'must be 1-64 letters, digits or ._:-' });
    if (ref.externalId.length === 0 || ref.externalId.length > 256)
      issues.push({ field: `${field}.externalId`, reason: 'must be 1-256 characters' });
    if (issues.length) throw new ValidationError(issues);
    return ref;
  }

  private stamp(spec: EntitySpec, values: Values, actor: Actor, isNew: boolean): Values {
    const who = actorLabel(actor);
    const out: Values = { ...values, updatedBy: who };
    if (isNew) out.createdBy = who;
    if ('name' in values || 'code' in values) out.searchText = searchText(`${values.name ?? ''} ${values.code ?? ''}`);
    void spec;
    return out;
  }

  private async writeChanged(
    tx: Tx,
    spec: EntitySpec,
    current: GoldenRow,
    values: Values,
    actor: Actor,
  ): Promise<GoldenRow> {
    const next: Values = {
      ...values,
      updatedBy: actorLabel(actor),
      version: current.version + 1,
      updatedAt: sql`now()`,
    };
    if ('name' in values) next.searchText = searchText(`${values.name ?? ''} ${current.code}`);
    const [row] = (await tx
      .update(spec.table)
      .set(next)
      .where(eq(spec.table.id, current.id))
      .returning()) as GoldenRow[];
    return row!;
  }

  private async lockById(tx: Tx, spec: EntitySpec, id: string): Promise<GoldenRow> {
    if (!isUuid(id)) throw new NotFoundError(`${spec.entity} ${id}`, 'id');
    const rows = (await tx.select().from(spec.table).where(eq(spec.table.id, id)).for('update')) as GoldenRow[];
    if (!rows[0]) throw new NotFoundError(`${spec.entity} ${id}`, 'id');
    return rows[0];
  }

  private async lockByCodes(tx: Tx, spec: EntitySpec, codes: string[]): Promise<Map<string, GoldenRow>> {
    const rows = (await tx
      .select()
      .from(spec.table)
      .where(inArray(spec.table.code, codes))
      .for('update')) as GoldenRow[];
    return new Map(rows.map((r) => [r.code, r]));
  }

  private async lockByRefs(
    tx: Tx,
    spec: EntitySpec,
    prepared: { key: string; ref?: SourceRef }[],
  ): Promise<Map<string, GoldenRow>> {
    const t = spec.table;
    const refs = prepared.map((p) => p.ref!);
    const res = await tx.execute(sql`
      SELECT c.system, c.external_id, t.id FROM crosswalk c
      JOIN ${t} t ON t.id = c.golden_id
      WHERE c.entity = ${spec.entity}
        AND (c.system, c.external_id) IN (
          SELECT * FROM unnest(${sqlArray(refs.map((r) => r.system))}::text[], ${sqlArray(refs.map((r) => r.externalId))}::text[]))
      FOR UPDATE OF t`);
    const keyById = new Map<string, string[]>();
    for (const r of res.rows as { system: string; external_id: string; id: string }[]) {
      keyById.set(r.id, [...(keyById.get(r.id) ?? []), `${r.system}\u0000${r.external_id}`]);
    }
    const rows = await this.byIdsTx(tx, spec, [...keyById.keys()]);
    const out = new Map<string, GoldenRow>();
    for (const row of rows) for (const key of keyById.get(row.id) ?? []) out.set(key, row);
    return out;
  }

  private async byIdsTx(tx: Tx, spec: EntitySpec, ids: string[]): Promise<GoldenRow[]> {
    if (ids.length === 0) return [];
    return (await tx.select().from(spec.table).where(inArray(spec.table.id, ids))) as GoldenRow[];
  }
}

/** Which input path fills a column (for deciding which fields an upsert record actually carries). */
function pathOfColumn(spec: EntitySpec, column: string): string {
  for (const f of spec.fields) {
    if (f.kind === 'money' ? f.amountColumn === column || f.currencyColumn === column : f.column === column)
      return f.path;
  }
  return column;
}

/** Dotted paths of an input object's present keys: {address:{city}} -> 'address', 'address.city'. */
function flatten(input: Record<string, unknown>, prefix = '', out: Record<string, true> = {}): Record<string, true> {
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined) continue;
    out[prefix + k] = true;
    if (
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      k !== 'creditLimit' &&
      k !== 'standardCost' &&
      k !== 'sourceRef'
    ) {
      flatten(v as Record<string, unknown>, `${prefix}${k}.`, out);
    }
  }
  return out;
}

/** Property names whose normalised new value differs from the stored one. */
export function changedFields(current: Record<string, unknown>, values: Values): string[] {
  return Object.keys(values).filter((k) => !sameValue(current[k], values[k]));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (a instanceof Date || b instanceof Date)
    return new Date(a as string).getTime() === new Date(b as string).getTime();
  // numeric columns come back as '10.500000'; compare as decimals, not as text.
  if (typeof a === 'string' && typeof b === 'string' && /^-?\d+(\.\d+)?$/.test(a) && /^-?\d+(\.\d+)?$/.test(b)) {
    return Number.parseFloat(a) === Number.parseFloat(b) && stripZeros(a) === stripZeros(b);
  }
  return String(a) === String(b);
}

function stripZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** History snapshots are JSON; dates come back as strings and are turned back into Dates. */
function reviveRow(data: Record<string, unknown>): GoldenRow {
  const row = { ...data } as GoldenRow;
  row.createdAt = new Date(data.createdAt as string);
  row.updatedAt = new Date(data.updatedAt as string);
  return row;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return 50;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new ValidationError([{ field: 'first', reason: `must be between 0 and ${MAX_PAGE_SIZE}` }]);
  }
  return first;
}

export function encodeCursor(value: unknown, id: string): string {
  const v = value instanceof Date ? value.toISOString() : value;
  return Buffer.from(JSON.stringify([v, id])).toString('base64url');
}

function decodeCursor(cursor: string, field: SortField): [unknown, string] {
  try {
    const [v, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, string];
    if (typeof id !== 'string' || !isUuid(id)) throw new Error('bad id');
    const value = field === 'createdAt' || field === 'updatedAt' ? new Date(v as string) : v;
    return [value, id];
  } catch {
    throw new DomainError('BAD_USER_INPUT', 'after: not a cursor from this list', 'after');
  }
}

/** Appends a statement parameter and returns its placeholder. */
function param(values: unknown[], value: unknown): string {
  return `$${values.push(value)}`;
}

function whereClause(conditions: string[]): string {
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}
