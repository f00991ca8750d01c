/**
 * The write and read path of BOMs. Every write is one transaction with its history rows and outbox events; the
 * batch path (`writeVersions`) is what single writes, engineering changes and synced BOMs all go through, so a
 * change to a thousand BOMs costs a fixed number of statements.
 */
import { decodeCursor, encodeCursor } from '../cursor';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Actor } from '../actor';
import { actorLabel } from '../actor';
import { bulkInsert } from '../db/bulk';
import { mapDbError } from '../db/errors';
import { canonicalDecimal } from '../decimal';
import { type Db, sqlArray } from '../db/pool';
import { ConflictError, DomainError, type FieldIssue, NotFoundError, ValidationError } from '../errors';
import type { Tx } from '../master/codes';
import { FieldError } from '../master/normalise';
import { recordChanges, type Change } from '../master/history';
import {
  type BomHeaderInput,
  type BomInput,
  type BomLineInput,
  type CleanLine,
  cleanHeader,
  cleanLines,
  IssueList,
  nextVersionLabel,
  parseDate,
} from './input';
import {
  assertNoCycle,
  findCycles,
  conversionContexts,
  type ItemInfo,
  type NewEdge,
  refKey,
  resolveItems,
  toBaseUnit,
} from './resolve';
import { bomLines, boms, bomSubstitutes } from './tables';

export type BomStatus = 'draft' | 'released' | 'obsolete';

export interface BomRow {
  id: string;
  itemId: string;
  versionLabel: string;
  status: BomStatus;
  isDefault: boolean;
  baseQuantity: string;
  validFrom: string | null;
  validTo: string | null;
  description: string | null;
  supersedesId: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  createdBy: string;
  updatedBy: string;
  releasedAt: Date | null;
  releasedBy: string | null;
  sourceSystem: string | null;
  sourceItemRef: string | null;
}

export interface BomSubstituteRow {
  componentId: string;
  priority: number;
  ratio: string;
}

export interface BomLineRow {
  id: string;
  bomId: string;
  position: number;
  componentId: string;
  quantity: string;
  unit: string;
  quantityBase: string;
  scrapPercent: string;
  validFrom: string | null;
  validTo: string | null;
  phantom: boolean;
  note: string | null;
  sourceSystem: string | null;
  sourceComponentRef: string | null;
  substitutes: BomSubstituteRow[];
}

/** A BOM version ready to insert: items resolved, quantities converted, checks passed. */
export interface NewBom {
  row: BomRow;
  lines: BomLineRow[];
}

/** A BOM's own fields as a write gives them (the bookkeeping columns are the store's). */
export type BomHeader = Omit<
  BomRow,
  'itemId' | 'version' | 'createdAt' | 'updatedAt' | 'createdBy' | 'updatedBy' | 'releasedAt' | 'releasedBy'
>;

/** One BOM for `prepareMany`. */
export interface PrepareSpec {
  parent: ItemInfo;
  lines: CleanLine[];
  header: BomHeader;
  /** BOMs this write replaces, left out of the cycle walk. */
  excludeBomIds?: string[];
}

/** A BOM with its lines, as history keeps it. */
export interface BomSnapshot extends BomRow {
  lines: BomLineRow[];
}

/** The select list of a BOM row, for `boms` under the alias `t` ('' for the bare table). */
function bomColumns(t = ''): ReturnType<typeof sql.raw> {
  const p = t ? `${t}.` : '';
  return sql.raw(`${p}id::text AS id, ${p}item_id::text AS "itemId", ${p}version_label AS "versionLabel",
  ${p}status::text AS status, ${p}is_default AS "isDefault", ${p}base_quantity::text AS "baseQuantity",
  ${p}valid_from AS "validFrom", ${p}valid_to AS "validTo", ${p}description AS description,
  ${p}supersedes_id::text AS "supersedesId", ${p}version AS version, ${p}created_at AS "createdAt",
  ${p}updated_at AS "updatedAt", ${p}created_by AS "createdBy", ${p}updated_by AS "updatedBy",
  ${p}released_at AS "releasedAt", ${p}released_by AS "releasedBy", ${p}source_system AS "sourceSystem",
  ${p}source_item_ref AS "sourceItemRef"`);
}
const BOM_COLUMNS = bomColumns();

const canon = (v: string): string => canonicalDecimal(v)!;

/** Timestamps come back from drizzle's `execute` as text; the column decodes them as its own reads would. */
const toDate = (v: unknown): Date | null =>
  v === null || v === undefined
    ? null
    : v instanceof Date
      ? v
      : (boms.createdAt.mapFromDriverValue(v as string) as Date);

function reviveBom(r: Record<string, unknown>): BomRow {
  const row = r as unknown as BomRow;
  row.baseQuantity = canon(row.baseQuantity);
  row.createdAt = toDate(r.createdAt)!;
  row.updatedAt = toDate(r.updatedAt)!;
  row.releasedAt = toDate(r.releasedAt);
  return row;
}

export const today = (): string => new Date().toISOString().slice(0, 10);

function dayBefore(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

export interface BomListArgs {
  itemId?: string | null;
  status?: BomStatus | null;
  first?: number | null;
  after?: string | null;
}

export class BomStore {
  constructor(private readonly db: Db) {}

  async byIds(ids: readonly string[], tx: Tx = this.db): Promise<BomRow[]> {
    const valid = ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
    if (valid.length === 0) return [];
    const res = await tx.execute(sql`SELECT ${BOM_COLUMNS} FROM boms WHERE id = ANY(${sqlArray(valid)}::uuid[])`);
    return (res.rows as Record<string, unknown>[]).map(reviveBom);
  }

  async get(id: string): Promise<BomRow | null> {
    return (await this.byIds([id]))[0] ?? null;
  }

  /** Every BOM of the given items, newest first per item. */
  async byItems(itemIds: readonly string[], tx: Tx = this.db): Promise<BomRow[]> {
    const res = await tx.execute(sql`
      SELECT ${BOM_COLUMNS} FROM boms WHERE item_id = ANY(${sqlArray(itemIds)}::uuid[])
      ORDER BY item_id, created_at DESC, id`);
    return (res.rows as Record<string, unknown>[]).map(reviveBom);
  }

  /** A page of BOMs, newest first, optionally of one item or one status. */
  async list(args: BomListArgs): Promise<{ rows: BomRow[]; hasNextPage: boolean }> {
    const first = Math.min(Math.max(args.first ?? 50, 1), 500);
    const after = decodeCursor<{ at: string; id: string }>(args.after, ['at', 'id']);
    const res = await this.db.execute(sql`
      SELECT ${BOM_COLUMNS} FROM boms
      WHERE (${args.itemId ?? null}::uuid IS NULL OR item_id = ${args.itemId ?? null}::uuid)
        AND (${args.status ?? null}::text IS NULL OR status::text = ${args.status ?? null}::text)
        AND (${after?.at ?? null}::timestamptz IS NULL
             OR (created_at, id) < (${after?.at ?? null}::timestamptz, ${after?.id ?? null}::uuid))
      ORDER BY created_at DESC, id DESC LIMIT ${first + 1}`);
    const rows = (res.rows as Record<string, unknown>[]).map(reviveBom);
    return { rows: rows.slice(0, first), hasNextPage: rows.length > first };
  }

  static cursorOf(row: BomRow): string {
    return encodeCursor({ at: row.createdAt.toISOString(), id: row.id });
  }

  /** The lines of the given BOMs with their substitutes, by position. */
  async linesOf(bomIds: readonly string[], tx: Tx = this.db): Promise<Map<string, BomLineRow[]>> {
    const out = new Map<string, BomLineRow[]>(bomIds.map((id) => [id, []]));
    if (bomIds.length === 0) return out;
    const res = await tx.execute(sql`
      SELECT l.id::text, l.bom_id::text AS "bomId", l.position, l.component_id::text AS "componentId",
        l.quantity::text, l.unit, l.quantity_base::text AS "quantityBase", l.scrap_percent::text AS "scrapPercent",
        l.valid_from AS "validFrom", l.valid_to AS "validTo", l.phantom, l.note, l.source_system AS "sourceSystem",
        l.source_component_ref AS "sourceComponentRef",
        coalesce((SELECT json_agg(json_build_object('componentId', s.component_id, 'priority', s.priority,
          'ratio', s.ratio::text) ORDER BY s.priority) FROM bom_substitutes s WHERE s.line_id = l.id), '[]') AS substitutes
      FROM bom_lines l WHERE l.bom_id = ANY(${sqlArray(bomIds)}::uuid[]) ORDER BY l.bom_id, l.position`);
    for (const r of res.rows as BomLineRow[]) {
      r.quantity = canon(r.quantity);
      r.quantityBase = canon(r.quantityBase);
      r.scrapPercent = canon(r.scrapPercent);
      for (const s of r.substitutes) s.ratio = canon(s.ratio);
      out.get(r.bomId)?.push(r);
    }
    return out;
  }

  /** Lines by their own ids (explosion nodes point at them). */
  async linesById(ids: readonly string[]): Promise<Map<string, BomLineRow>> {
    const res = await this.db.execute(
      sql`SELECT DISTINCT bom_id::text AS id FROM bom_lines WHERE id = ANY(${sqlArray(ids)}::uuid[])`,
    );
    const byBom = await this.linesOf((res.rows as { id: string }[]).map((r) => r.id));
    const wanted = new Set(ids);
    const out = new Map<string, BomLineRow>();
    for (const lines of byBom.values()) for (const l of lines) if (wanted.has(l.id)) out.set(l.id, l);
    return out;
  }

  /** Creates a BOM (a draft, or released at once); the first BOM of an item becomes its default. */
  async create(input: BomInput, actor: Actor, reason?: string | null): Promise<BomRow> {
    const issues = new IssueList();
    const header = cleanHeader(input, 'input.', issues);
    const lines = cleanLines(input.lines, 'input.', issues);
    const itemRef = input.item;
    if (!itemRef || (itemRef.id == null) === (itemRef.code == null))
      issues.add('input.item', 'give exactly one of id or code');
    issues.throwIfAny();
    return this.transaction(async (tx) => {
      const items = await resolveItems(tx, [
        itemRef,
        ...lines.flatMap((l) => [l.component, ...l.substitutes.map((s) => s.component)]),
      ]);
      const parent = items.get(refKey(itemRef));
      if (!parent) throw new NotFoundError(`item ${itemRef.id ?? itemRef.code}`, 'input.item');
      if (parent.status === 'archived')
        throw new ValidationError([{ field: 'input.item', reason: `item ${parent.code} is archived` }]);
      const existing = await this.itemBoms(tx, [parent.id]);
      const labels = new Set(existing.map((b) => b.versionLabel));
      const versionLabel =
        header.versionLabel ?? (labels.size ? nextVersionLabel(latest(existing).versionLabel, labels) : '1');
      if (labels.has(versionLabel)) {
        throw new ConflictError(`item ${parent.code} has a BOM version ${versionLabel} already`, 'input.versionLabel');
      }
      const isDefault = input.isDefault ?? !existing.some((b) => b.isDefault);
      const bom = await this.prepare(
        tx,
        parent,
        items,
        lines,
        {
          id: randomUUID(),
          versionLabel,
          baseQuantity: header.baseQuantity ?? '1',
          validFrom: header.validFrom,
          validTo: header.validTo,
          description: header.description,
          isDefault,
          status: input.release ? 'released' : 'draft',
          supersedesId: null,
          sourceSystem: null,
          sourceItemRef: null,
        },
        actor,
      );
      await this.writeVersions(tx, [bom], actor, reason);
      return bom.row;
    });
  }

  /** Changes a draft: the header fields given and, when `lines` is given, all its lines. */
  async update(
    id: string,
    expectedVersion: number,
    patch: BomHeaderInput & { lines?: BomLineInput[] | null },
    actor: Actor,
    reason?: string | null,
  ): Promise<BomRow> {
    const issues = new IssueList();
    const header = cleanHeader(patch, 'patch.', issues);
    const lines = patch.lines == null ? null : cleanLines(patch.lines, 'patch.', issues);
    issues.throwIfAny();
    return this.transaction(async (tx) => {
      const current = await this.lock(tx, id, expectedVersion);
      if (current.status !== 'draft') {
        throw new ConflictError(
          `BOM ${current.versionLabel} is ${current.status}; a ${current.status} BOM does not change, create a new version`,
          'id',
        );
      }
      const next: BomRow = {
        ...current,
        versionLabel: header.versionLabel ?? current.versionLabel,
        baseQuantity: header.baseQuantity ?? current.baseQuantity,
        validFrom: patch.validFrom === undefined ? current.validFrom : header.validFrom,
        validTo: patch.validTo === undefined ? current.validTo : header.validTo,
        description: patch.description === undefined ? current.description : header.description,
      };
      if (next.validFrom && next.validTo && next.validFrom > next.validTo) {
        throw new ValidationError([
          { field: 'patch.validTo', reason: `must not be before validFrom (${next.validFrom})` },
        ]);
      }
      let newLines: BomLineRow[] | null = null;
      if (lines) {
        const items = await resolveItems(tx, [
          { id: current.itemId },
          ...lines.flatMap((l) => [l.component, ...l.substitutes.map((s) => s.component)]),
        ]);
        const parent = items.get(current.itemId)!;
        newLines = (await this.prepare(tx, parent, items, lines, next, actor, [current.id])).lines;
        await tx.execute(sql`DELETE FROM bom_lines WHERE bom_id = ${id}::uuid`);
        await this.insertLines(tx, newLines);
      }
      const [row] = await this.saveHeaders(tx, [next], actor);
      await this.history(tx, [{ row: row!, lines: newLines ?? undefined }], 'updated', actor, reason);
      return row!;
    });
  }

  /** Releases a draft. A version that supersedes a released one takes its place from its validFrom (default today). */
  async release(id: string, expectedVersion: number, actor: Actor, reason?: string | null): Promise<BomRow> {
    return this.transaction(async (tx) => {
      const current = await this.lock(tx, id, expectedVersion);
      if (current.status !== 'draft')
        throw new ConflictError(`BOM ${current.versionLabel} is ${current.status}, not a draft`, 'id');
      const lines = (await this.linesOf([id], tx)).get(id)!;
      await assertNoCycle(
        tx,
        lines.flatMap((l) =>
          [l.componentId, ...l.substitutes.map((s) => s.componentId)].map((c) => ({
            parent: current.itemId,
            child: c,
            field: 'id',
          })),
        ),
        [id],
      );
      const row: BomRow = { ...current, status: 'released', releasedAt: new Date(), releasedBy: actorLabel(actor) };
      if (row.supersedesId && !row.validFrom) row.validFrom = today();
      await this.supersede(tx, [row], actor, reason);
      const [saved] = await this.saveHeaders(tx, [row], actor);
      await this.history(tx, [{ row: saved! }], 'released', actor, reason);
      return saved!;
    });
  }

  /** Retires a BOM: it is used on no date any more, and is no longer the default. */
  async obsolete(id: string, expectedVersion: number, actor: Actor, reason?: string | null): Promise<BomRow> {
    return this.transaction(async (tx) => {
      const current = await this.lock(tx, id, expectedVersion);
      if (current.status === 'obsolete')
        throw new ConflictError(`BOM ${current.versionLabel} is obsolete already`, 'id');
      const [row] = await this.saveHeaders(tx, [{ ...current, status: 'obsolete', isDefault: false }], actor);
      await this.history(tx, [{ row: row! }], 'obsoleted', actor, reason);
      return row!;
    });
  }

  /** Retires many BOMs in the caller's transaction (synced BOMs deleted in their system). */
  async obsoleteMany(tx: Tx, ids: readonly string[], actor: Actor, reason?: string | null): Promise<void> {
    if (ids.length === 0) return;
    const rows = (await this.byIds(ids, tx)).filter((r) => r.status !== 'obsolete');
    const saved = await this.saveHeaders(
      tx,
      rows.map((r) => ({ ...r, status: 'obsolete', isDefault: false })),
      actor,
    );
    await this.history(
      tx,
      saved.map((row) => ({ row })),
      'obsoleted',
      actor,
      reason,
    );
  }

  /** Makes a BOM its item's default; the previous default loses the flag. */
  async setDefault(id: string, actor: Actor, reason?: string | null): Promise<BomRow> {
    return this.transaction(async (tx) => {
      const current = await this.lock(tx, id, null);
      if (current.status === 'obsolete') throw new ConflictError(`BOM ${current.versionLabel} is obsolete`, 'id');
      if (current.isDefault) return current;
      const previous = await this.dropDefault(tx, current.itemId, actor);
      const [row] = await this.saveHeaders(tx, [{ ...current, isDefault: true }], actor);
      await this.history(tx, [...previous.map((p) => ({ row: p })), { row: row! }], 'updated', actor, reason);
      return row!;
    });
  }

  /** A new draft version copied from a BOM (usually a released one), to be changed and released. */
  async newVersion(
    fromId: string,
    opts: { versionLabel?: string | null; validFrom?: string | null; description?: string | null },
    actor: Actor,
    reason?: string | null,
  ): Promise<BomRow> {
    const issues = new IssueList();
    const header = cleanHeader(
      { versionLabel: opts.versionLabel, validFrom: opts.validFrom, description: opts.description },
      '',
      issues,
    );
    issues.throwIfAny();
    return this.transaction(async (tx) => {
      const source = await this.lock(tx, fromId, null);
      const existing = await this.itemBoms(tx, [source.itemId]);
      const labels = new Set(existing.map((b) => b.versionLabel));
      const versionLabel = header.versionLabel ?? nextVersionLabel(source.versionLabel, labels);
      if (labels.has(versionLabel)) throw new ConflictError(`version ${versionLabel} exists already`, 'versionLabel');
      const lines = (await this.linesOf([fromId], tx)).get(fromId)!;
      const id = randomUUID();
      const bom: NewBom = {
        row: this.newRow(
          {
            ...source,
            id,
            versionLabel,
            status: 'draft',
            isDefault: false,
            validFrom: header.validFrom,
            validTo: null,
            description: opts.description === undefined ? source.description : header.description,
            supersedesId: source.id,
          },
          actor,
        ),
        lines: lines.map((l) => ({ ...l, id: randomUUID(), bomId: id })),
      };
      await this.writeVersions(tx, [bom], actor, reason);
      return bom.row;
    });
  }

  /**
   * Inserts prepared versions with their lines, history and events, and lets released ones supersede the versions
   * they replace: a fixed number of statements for any number of BOMs. Checks (cycles, units) are the caller's.
   */
  async writeVersions(
    tx: Tx,
    versions: NewBom[],
    actor: Actor,
    reason?: string | null,
    operation = 'created',
  ): Promise<void> {
    if (versions.length === 0) return;
    const released = versions.filter((v) => v.row.status === 'released');
    for (const v of released) {
      v.row.releasedAt = v.row.createdAt;
      v.row.releasedBy = actorLabel(actor);
      if (v.row.supersedesId && !v.row.validFrom) v.row.validFrom = today();
    }
    await this.supersede(
      tx,
      released.map((v) => v.row),
      actor,
      reason,
    );
    // A new default displaces the item's current one.
    const defaults = versions.filter((v) => v.row.isDefault).map((v) => v.row.itemId);
    const displaced = defaults.length ? await this.dropDefault(tx, defaults, actor) : [];
    await bulkInsert(tx, boms, versions.map((v) => v.row) as unknown as Record<string, unknown>[]);
    await this.insertLines(
      tx,
      versions.flatMap((v) => v.lines),
    );
    await this.history(
      tx,
      displaced.map((row) => ({ row })),
      'updated',
      actor,
      reason,
    );
    await this.history(tx, versions, operation, actor, reason);
  }

  /**
   * Turns cleaned input lines into rows for `parent`: components resolved and live, units converted, no cycle.
   * `header` gives the BOM's own fields; `excludeBomIds` are BOMs the write replaces (left out of the cycle walk).
   * Throws the BOM's field errors.
   */
  async prepare(
    tx: Tx,
    parent: ItemInfo,
    items: Map<string, ItemInfo>,
    lines: CleanLine[],
    header: BomHeader,
    actor: Actor,
    excludeBomIds: string[] = [],
  ): Promise<NewBom> {
    const [result] = await this.prepareMany(tx, items, [{ parent, lines, header, excludeBomIds }], actor);
    if ('issues' in result!) throw new ValidationError(result.issues);
    return result!.bom;
  }

  /**
   * `prepare` for many BOMs at once, with each BOM's own issues instead of an error: the unit conversions are one
   * statement and the cycle walk one more, whatever the number of BOMs (a synced page, an engineering change).
   */
  async prepareMany(
    tx: Tx,
    items: Map<string, ItemInfo>,
    specs: PrepareSpec[],
    actor: Actor,
  ): Promise<({ bom: NewBom } | { issues: FieldIssue[] })[]> {
    const resolved = specs.map((spec) => {
      const issues = new IssueList();
      const known = (ref: { id?: string | null; code?: string | null }, field: string): ItemInfo | null => {
        if (!ref.id && !ref.code) return null;
        const item = items.get(refKey(ref));
        if (!item) issues.add(field, `no item ${ref.id ?? ref.code}`);
        else if (item.status === 'archived') issues.add(field, `item ${item.code} is archived`);
        return item ?? null;
      };
      const lines = spec.lines.map((l) => ({
        line: l,
        component: known(l.component, `${l.field}.component`),
        subs: l.substitutes.map((s) => ({ s, item: known(s.component, `${s.field}.component`) })),
      }));
      return { spec, issues, lines };
    });
    const ctxOf = await conversionContexts(
      tx,
      resolved.flatMap((r) => r.lines.flatMap((l) => (l.component ? [l.component] : []))),
    );
    const built = resolved.map(({ spec, issues, lines }) => {
      const bomId = spec.header.id;
      const rows: BomLineRow[] = [];
      for (const { line, component, subs } of lines) {
        if (!component) continue;
        const unit = line.unit ?? component.baseUnit;
        const quantityBase = issues.attempt(() => {
          try {
            return toBaseUnit(line.quantity, unit, component, ctxOf(component), `${line.field}.unit`);
          } catch (e) {
            if (e instanceof ValidationError) throw new FieldError(e.issues[0]!.field, e.issues[0]!.reason);
            throw e;
          }
        });
        const seen = new Set([component.id]);
        for (const { s, item } of subs) {
          if (item && seen.has(item.id))
            issues.add(`${s.field}.component`, `item ${item.code} is in this group already`);
          if (item) seen.add(item.id);
        }
        rows.push({
          id: randomUUID(),
          bomId,
          position: line.position,
          componentId: component.id,
          quantity: line.quantity,
          unit,
          quantityBase: quantityBase ?? '0',
          scrapPercent: line.scrapPercent,
          validFrom: line.validFrom,
          validTo: line.validTo,
          phantom: line.phantom,
          note: line.note,
          sourceSystem: spec.header.sourceSystem,
          sourceComponentRef: line.sourceRef ?? null,
          substitutes: subs.flatMap(({ s, item }) =>
            item ? [{ componentId: item.id, priority: s.priority, ratio: s.ratio }] : [],
          ),
        });
      }
      const edges: NewEdge[] = issues.issues.length
        ? []
        : lines.flatMap(({ line, component, subs }) => [
            { parent: spec.parent.id, child: component!.id, field: `${line.field}.component` },
            ...subs.map(({ s, item }) => ({ parent: spec.parent.id, child: item!.id, field: `${s.field}.component` })),
          ]);
      return { spec, issues, rows, edges };
    });
    // Edges carry their BOM's index in the field until the walk has named the cycles.
    const edges = built.flatMap((b, i) => b.edges.map((e) => ({ ...e, field: `${i}|${e.field}` })));
    const cycles = await findCycles(
      tx,
      edges,
      specs.flatMap((s) => s.excludeBomIds ?? []),
    );
    for (const c of cycles) {
      const bar = c.field.indexOf('|');
      built[Number(c.field.slice(0, bar))]!.issues.add(c.field.slice(bar + 1), c.reason);
    }
    return built.map(({ spec, issues, rows }) =>
      issues.issues.length
        ? { issues: issues.issues }
        : { bom: { row: this.newRow({ ...spec.header, itemId: spec.parent.id }, actor), lines: rows } },
    );
  }

  private newRow(
    fields: Omit<
      BomRow,
      'version' | 'createdAt' | 'updatedAt' | 'createdBy' | 'updatedBy' | 'releasedAt' | 'releasedBy'
    >,
    actor: Actor,
  ): BomRow {
    const now = new Date();
    return {
      ...fields,
      version: 1,
      createdAt: now,
      updatedAt: now,
      createdBy: actorLabel(actor),
      updatedBy: actorLabel(actor),
      releasedAt: null,
      releasedBy: null,
    };
  }

  private async insertLines(tx: Tx, lines: BomLineRow[]): Promise<void> {
    await bulkInsert(tx, bomLines, lines as unknown as Record<string, unknown>[], {
      columns: [
        'id',
        'bomId',
        'position',
        'componentId',
        'quantity',
        'unit',
        'quantityBase',
        'scrapPercent',
        'validFrom',
        'validTo',
        'phantom',
        'note',
        'sourceSystem',
        'sourceComponentRef',
      ],
    });
    await bulkInsert(
      tx,
      bomSubstitutes,
      lines.flatMap((l) => l.substitutes.map((s) => ({ lineId: l.id, ...s }))),
    );
  }

  /**
   * Released versions that supersede a released one end its validity the day before they start (obsolete when
   * that leaves it no day at all) and take over its default flag.
   */
  private async supersede(tx: Tx, released: BomRow[], actor: Actor, reason?: string | null): Promise<void> {
    const withPrev = released.filter((r) => r.supersedesId);
    if (withPrev.length === 0) return;
    const prev = new Map(
      (
        await this.byIds(
          withPrev.map((r) => r.supersedesId!),
          tx,
        )
      ).map((p) => [p.id, p]),
    );
    const changed: BomRow[] = [];
    for (const r of withPrev) {
      const p = prev.get(r.supersedesId!);
      if (!p || p.status !== 'released') continue;
      const end = dayBefore(r.validFrom!);
      const next: BomRow = { ...p };
      if (!p.validTo || p.validTo > end) next.validTo = end;
      if (p.validFrom && next.validTo && next.validTo < p.validFrom) {
        next.status = 'obsolete';
        next.validTo = p.validTo;
      }
      if (p.isDefault) {
        next.isDefault = false;
        r.isDefault = true;
      }
      changed.push(next);
    }
    const saved = await this.saveHeaders(tx, changed, actor);
    await this.history(
      tx,
      saved.map((row) => ({ row })),
      'superseded',
      actor,
      reason,
    );
  }

  /** Clears the default flag of these items' BOMs; returns the rows it changed. */
  private async dropDefault(tx: Tx, itemIds: string | string[], actor: Actor): Promise<BomRow[]> {
    const ids = Array.isArray(itemIds) ? itemIds : [itemIds];
    const res = await tx.execute(sql`
      UPDATE boms SET is_default = false, version = version + 1, updated_at = now(), updated_by = ${actorLabel(actor)}
      WHERE item_id = ANY(${sqlArray(ids)}::uuid[]) AND is_default RETURNING ${BOM_COLUMNS}`);
    return (res.rows as Record<string, unknown>[]).map(reviveBom);
  }

  /** Writes changed headers (one statement), bumping the row version; returns them as stored. */
  private async saveHeaders(tx: Tx, rows: BomRow[], actor: Actor): Promise<BomRow[]> {
    if (rows.length === 0) return [];
    const json = JSON.stringify(rows);
    const res = await tx.execute(sql`
      UPDATE boms b SET version_label = x."versionLabel", status = x.status::bom_status, is_default = x."isDefault",
        base_quantity = x."baseQuantity", valid_from = x."validFrom", valid_to = x."validTo",
        description = x.description, released_at = x."releasedAt", released_by = x."releasedBy",
        version = b.version + 1, updated_at = now(), updated_by = ${actorLabel(actor)}
      FROM jsonb_to_recordset(${json}::jsonb) AS x(id uuid, "versionLabel" text, status text, "isDefault" boolean,
        "baseQuantity" numeric, "validFrom" date, "validTo" date, description text, "releasedAt" timestamptz,
        "releasedBy" text)
      WHERE b.id = x.id RETURNING ${bomColumns('b')}`);
    return (res.rows as Record<string, unknown>[]).map(reviveBom);
  }

  private async lock(tx: Tx, id: string, expectedVersion: number | null): Promise<BomRow> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundError(`BOM ${id}`, 'id');
    const res = await tx.execute(sql`SELECT ${BOM_COLUMNS} FROM boms WHERE id = ${id}::uuid FOR UPDATE`);
    const row = res.rows[0] as Record<string, unknown> | undefined;
    if (!row) throw new NotFoundError(`BOM ${id}`, 'id');
    const bom = reviveBom(row);
    if (expectedVersion !== null && bom.version !== expectedVersion) {
      throw new ConflictError(`BOM ${id} is at version ${bom.version}, not ${expectedVersion}`, 'expectedVersion', {
        currentVersion: bom.version,
      });
    }
    return bom;
  }

  private async itemBoms(tx: Tx, itemIds: string[]): Promise<BomRow[]> {
    const res = await tx.execute(
      sql`SELECT ${BOM_COLUMNS} FROM boms WHERE item_id = ANY(${sqlArray(itemIds)}::uuid[])`,
    );
    return (res.rows as Record<string, unknown>[]).map(reviveBom);
  }

  /** History rows and events: with lines when given, else the lines as stored (read in one statement). */
  private async history(
    tx: Tx,
    entries: { row: BomRow; lines?: BomLineRow[] }[],
    operation: string,
    actor: Actor,
    reason?: string | null,
  ): Promise<void> {
    if (entries.length === 0) return;
    const missing = entries.filter((e) => !e.lines).map((e) => e.row.id);
    const stored = missing.length ? await this.linesOf(missing, tx) : new Map<string, BomLineRow[]>();
    const codes = await tx.execute(sql`
      SELECT id::text, code FROM items WHERE id = ANY(${sqlArray([...new Set(entries.map((e) => e.row.itemId))])}::uuid[])`);
    const codeOf = new Map((codes.rows as { id: string; code: string }[]).map((r) => [r.id, r.code]));
    const changes: Change[] = entries.map((e) => ({
      entity: 'bom',
      row: {
        ...e.row,
        code: `${codeOf.get(e.row.itemId) ?? e.row.itemId}/${e.row.versionLabel}`,
        lines: e.lines ?? stored.get(e.row.id) ?? [],
      },
      operation: operation as Change['operation'],
      changed: [],
    }));
    await recordChanges(tx, changes, actor, reason);
  }

  private async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction(fn);
    } catch (e) {
      if (e instanceof DomainError) throw e;
      throw mapDbError(e);
    }
  }
}

function latest(rows: BomRow[]): BomRow {
  return rows.reduce((a, b) => (b.createdAt > a.createdAt ? b : a));
}

export { parseDate };
