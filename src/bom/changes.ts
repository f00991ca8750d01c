/**
 * Batch engineering changes: replace a component by another, or change its quantity, in every BOM that uses it,
 * previewed first and then applied as new released versions, with an entry in the change log.
 *
 * Which BOMs a change touches: released BOMs still in use on or after the change's `validFrom` (validTo open or
 * not before it) with at least one line whose main component is the changed one and that is itself valid on or
 * after that day. Drafts are left alone (they are still being edited and take the change when their author makes
 * it); substitutes naming the component are left alone too.
 *
 * Each affected BOM gets a new released version that supersedes it (`BomStore.writeVersions`: the old version ends
 * the day before, or becomes obsolete when that leaves it no day, and hands over its default flag). The new version
 * starts on the change's `validFrom`, or on the old version's own start when that is later (a future version is
 * replaced by a changed copy from the same day, not stretched back), and ends when the old one did. Its lines are
 * copies, the changed ones with the new component or quantity, everything else (position, scrap, phantom, validity,
 * note, substitutes) kept.
 *
 * Everything is set-based: a change over a thousand BOMs runs the same statements as a change over three.
 */
import { decodeCursor, encodeCursor } from '../cursor';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Actor, actorLabel } from '../actor';
import { bulkInsert } from '../db/bulk';
import { mapDbError } from '../db/errors';
import { type Db, sqlArray } from '../db/pool';
import { canonicalDecimal, Dec, parseDecimal } from '../decimal';
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../errors';
import type { Tx } from '../master/codes';
import { normaliseUnitCode } from '../master/fields';
import { normaliseName } from '../master/normalise';
import { outbox } from '../master/tables';
import { convertQuantity } from '../master/units';
import { diffBoms, lineChanges } from './diff';
import { IssueList, type ItemRefInput, nextVersionLabel, parseDate } from './input';
import { assertNoCycle, conversionContexts, type ItemInfo, refKey, resolveItems } from './resolve';
import { type BomLineRow, type BomRow, type BomStore, type NewBom, today } from './store';
import { engineeringChanges } from './tables';
import type {
  DiffView,
  EffectView,
  EngineeringChangePage,
  EngineeringChangePreviewView,
  EngineeringChangeView,
  LineDiffView,
} from './views';

export type EngineeringChangeKind = 'replace' | 'quantity';

/**
 * An engineering change. The component and the replacement are named either as item references (`component`) or
 * the way GraphQL's EngineeringChangeInput does (`componentId` / `componentCode`), not both.
 */
export interface EngineeringChangeInput {
  kind: EngineeringChangeKind;
  component?: ItemRefInput | null;
  componentId?: string | null;
  componentCode?: string | null;
  /** For 'replace': the new component. */
  replacement?: ItemRefInput | null;
  replacementId?: string | null;
  replacementCode?: string | null;
  /**
   * 'replace': new quantity = old × ratio (default 1). 'quantity': the factor applied to the old quantity, when no
   * `quantity` is given (exactly one of the two).
   */
  ratio?: unknown;
  /** 'quantity': the new quantity, in the line's unit, or in `unit` when given (which then becomes the line's). */
  quantity?: unknown;
  unit?: string | null;
  /** When the new versions take effect; default today (UTC). */
  validFrom?: string | null;
  /** Only these parent items' BOMs; default every BOM using the component. */
  onlyItemIds?: readonly string[] | null;
  reason: string;
}

export interface EngineeringChangeListArgs {
  /** Changes of this component, or replacing something by it. */
  componentId?: string | null;
  first?: number | null;
  after?: string | null;
}

/** One entry of `engineering_changes.affected`: the BOM replaced, the version made, and the lines that changed. */
interface AffectedEntry {
  bomId: string;
  newBomId: string;
  lines: LineDiffView[];
}

interface CleanChange {
  kind: EngineeringChangeKind;
  component: ItemRefInput;
  componentField: string;
  replacement: ItemRefInput | null;
  replacementField: string;
  /** The ratio as given, null when left out. */
  ratio: string | null;
  quantity: string | null;
  unit: string | null;
  validFrom: string;
  onlyItemIds: string[] | null;
  reason: string;
}

interface PlannedEffect {
  bom: BomRow;
  newBom: NewBom;
  lines: LineDiffView[];
}

interface Plan {
  clean: CleanChange;
  component: ItemInfo;
  replacement: ItemInfo | null;
  effects: PlannedEffect[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const QUANTITY_RULE = { sign: 'positive', maxScale: 6, maxIntegerDigits: 12 } as const;
/** Most per-BOM problems reported in one error; a change over a thousand BOMs can otherwise fail a thousand times. */
const MAX_ISSUES = 20;
/** Rounds of locking the affected BOMs until no concurrent change moves them under us. */
const LOCK_ROUNDS = 5;

export class EngineeringChangeService {
  constructor(
    private readonly db: Db,
    private readonly store: BomStore,
  ) {}

  /**
   * What the change would do, checked exactly as `apply` checks it (units, decimals, cycles), with nothing
   * written. `newBom` of each effect is null.
   */
  async preview(input: EngineeringChangeInput, actor: Actor): Promise<EngineeringChangePreviewView> {
    const clean = cleanInput(input);
    const plan = await this.guard(() => this.plan(this.db, clean, actor, false));
    return { effects: plan.effects.map((e) => ({ bom: e.bom, lines: e.lines, newBom: null })) };
  }

  /**
   * Applies the change in one transaction: locks the affected BOMs, writes a new released version of each
   * (superseding the old one, with history and events), logs the change in `engineering_changes` and queues an
   * `engineeringChange.applied` event. A change that affects no BOM is refused.
   */
  async apply(input: EngineeringChangeInput, actor: Actor): Promise<EngineeringChangeView> {
    const clean = cleanInput(input);
    return this.guard(() =>
      this.db.transaction(async (tx) => {
        const plan = await this.plan(tx, clean, actor, true);
        const id = randomUUID();
        await this.store.writeVersions(
          tx,
          plan.effects.map((e) => e.newBom),
          actor,
          `${clean.reason} (engineering change ${id})`,
          'created',
        );
        const affected: AffectedEntry[] = plan.effects.map((e) => ({
          bomId: e.bom.id,
          newBomId: e.newBom.row.id,
          lines: e.lines,
        }));
        const [logged] = await tx
          .insert(engineeringChanges)
          .values({
            id,
            kind: clean.kind,
            componentId: plan.component.id,
            replacementId: plan.replacement?.id ?? null,
            ratio: clean.kind === 'replace' ? (clean.ratio ?? '1') : clean.ratio,
            newQuantity: clean.quantity,
            newUnit: clean.unit,
            validFrom: clean.validFrom,
            reason: clean.reason,
            affected,
            createdBy: actorLabel(actor),
          })
          .returning({ createdAt: engineeringChanges.createdAt });
        await bulkInsert(tx, outbox, [
          {
            eventType: 'engineeringChange.applied',
            entity: 'engineeringChange',
            entityId: id,
            payload: {
              id,
              kind: clean.kind,
              componentId: plan.component.id,
              replacementId: plan.replacement?.id ?? null,
              validFrom: clean.validFrom,
              reason: clean.reason,
              boms: affected.map((a) => ({ bomId: a.bomId, newBomId: a.newBomId })),
              by: actorLabel(actor),
            },
            actorKind: actor.kind,
            actorId: actor.id,
          },
        ]);
        // The old versions as the supersede left them (validTo, default flag, row version), the new ones as stored.
        const stored = await this.bomsById(tx, [...affected.map((a) => a.bomId), ...affected.map((a) => a.newBomId)]);
        return {
          id,
          kind: clean.kind,
          componentId: plan.component.id,
          replacementId: plan.replacement?.id ?? null,
          ratio: clean.kind === 'replace' ? (clean.ratio ?? '1') : clean.ratio,
          quantity: clean.quantity,
          unit: clean.unit,
          validFrom: clean.validFrom,
          reason: clean.reason,
          createdAt: logged!.createdAt,
          createdBy: actorLabel(actor),
          effects: effectsOf(affected, stored),
        };
      }),
    );
  }

  /** One logged change with its effects (the BOMs as they are now); null when there is none with that id. */
  async get(id: string): Promise<EngineeringChangeView | null> {
    if (!UUID.test(id)) return null;
    const res = await this.db.execute(sql`${CHANGE_SELECT} WHERE id = ${id}::uuid`);
    return (await this.views(res.rows as unknown as ChangeRecord[]))[0] ?? null;
  }

  /** The change log, newest first, a page at a time (keyset on created_at, id); two statements a page. */
  async list(args: EngineeringChangeListArgs): Promise<EngineeringChangePage> {
    const first = Math.min(Math.max(args.first ?? 50, 1), 500);
    const after = decodeCursor<{ at: string; id: string }>(args.after, ['at', 'id']);
    if (after && !UUID.test(after.id))
      throw new ValidationError([{ field: 'after', reason: 'is not a cursor from this list' }]);
    if (args.componentId != null && !UUID.test(args.componentId)) {
      return { nodes: [], hasNextPage: false, endCursor: null };
    }
    const component = args.componentId ?? null;
    const res = await this.db.execute(sql`${CHANGE_SELECT}
      WHERE (${component}::uuid IS NULL OR component_id = ${component}::uuid OR replacement_id = ${component}::uuid)
        AND (${after?.at ?? null}::timestamptz IS NULL
             OR (created_at, id) < (${after?.at ?? null}::timestamptz, ${after?.id ?? null}::uuid))
      ORDER BY created_at DESC, id DESC LIMIT ${first + 1}`);
    const rows = res.rows as unknown as ChangeRecord[];
    const nodes = await this.views(rows.slice(0, first));
    const last = nodes[nodes.length - 1];
    return {
      nodes,
      hasNextPage: rows.length > first,
      endCursor: last ? EngineeringChangeService.cursorOf(last) : null,
    };
  }

  /** The cursor of a change in `list`. */
  static cursorOf(change: Pick<EngineeringChangeView, 'createdAt' | 'id'>): string {
    return encodeCursor({ at: change.createdAt.toISOString(), id: change.id });
  }

  /** Lines added, removed and changed from one BOM version to another: two statements. */
  async diff(fromId: string, toId: string): Promise<DiffView> {
    const ids = [fromId, toId].filter((id) => UUID.test(id));
    const rows = new Map((await this.store.byIds(ids)).map((r) => [r.id, r]));
    const from = rows.get(fromId.toLowerCase());
    if (!from) throw new NotFoundError(`BOM ${fromId}`, 'fromId');
    const to = rows.get(toId.toLowerCase());
    if (!to) throw new NotFoundError(`BOM ${toId}`, 'toId');
    const lines = await this.store.linesOf([...new Set([from.id, to.id])]);
    return diffBoms(from, lines.get(from.id) ?? [], to, lines.get(to.id) ?? []);
  }

  /**
   * Resolves the items, finds (and, when `lock`, locks) the affected BOMs and works out every new version, with
   * all checks: a fixed number of statements whatever the number of BOMs.
   */
  private async plan(tx: Tx, clean: CleanChange, actor: Actor, lock: boolean): Promise<Plan> {
    const { component, replacement, onlyItemIds } = await this.resolve(tx, clean);
    const ctxOf = await conversionContexts(tx, replacement ? [component, replacement] : [component]);
    if (clean.kind === 'quantity' && clean.unit !== null) {
      // The new unit must convert to the component's base unit; checked once, for any quantity.
      convertQuantity('1', clean.unit, component.baseUnit, ctxOf(component), 'input.unit');
    }
    const bomIds = lock
      ? await this.lockAffected(tx, component.id, clean.validFrom, onlyItemIds)
      : await this.affected(tx, component.id, clean.validFrom, onlyItemIds, false);
    const scope = onlyItemIds ? ' of the given items' : '';
    if (bomIds.length === 0) {
      throw new ValidationError([
        {
          field: clean.componentField,
          reason: `item ${component.code} is used in no released BOM${scope} in use on or after ${clean.validFrom}`,
        },
      ]);
    }
    const boms = await this.bomsById(tx, bomIds);
    const linesOf = await this.store.linesOf(bomIds, tx);
    const labels = await this.labels(tx, [...new Set(bomIds.map((id) => boms.get(id)!.itemId))]);

    const issues = new IssueList();
    let unreported = 0;
    const report = (field: string, reason: string) => {
      if (issues.issues.length < MAX_ISSUES) issues.add(field, reason);
      else unreported++;
    };
    const now = new Date();
    const effects: PlannedEffect[] = [];
    for (const bomId of bomIds) {
      const bom = boms.get(bomId)!;
      const item = labels.get(bom.itemId)!;
      const name = `BOM ${item.code}/${bom.versionLabel}`;
      const newId = randomUUID();
      const changed: LineDiffView[] = [];
      const lines = (linesOf.get(bomId) ?? []).map((old): BomLineRow => {
        const copy: BomLineRow = {
          ...old,
          id: randomUUID(),
          bomId: newId,
          substitutes: old.substitutes.map((s) => ({ ...s })),
        };
        if (old.componentId !== component.id || (old.validTo !== null && old.validTo < clean.validFrom)) return copy;
        const where = `${name} line ${old.position}`;
        if (clean.kind === 'replace') {
          const ratio = clean.ratio ?? '1';
          const quantity = new Dec(old.quantity).mul(ratio);
          const bad = outOfRange(quantity);
          if (bad) {
            report('input.ratio', `${where}: ${old.quantity} × ${ratio} = ${quantity.toFixed()} ${bad}`);
            return copy;
          }
          copy.componentId = replacement!.id;
          copy.quantity = quantity.toFixed();
          copy.sourceComponentRef = null;
          copy.substitutes = copy.substitutes.filter((s) => s.componentId !== replacement!.id);
          try {
            copy.quantityBase = convertQuantity(
              copy.quantity,
              old.unit,
              replacement!.baseUnit,
              ctxOf(replacement!),
              'input.ratio',
            );
          } catch (e) {
            if (!(e instanceof ValidationError)) throw e;
            // The line's unit does not measure the replacement: the quantity is taken in the replacement's base
            // unit, which only a ratio given for it makes right, so the default ratio of 1 is refused here.
            if (clean.ratio === null) {
              report(
                'input.ratio',
                `${where}: ${old.unit} does not convert to ${replacement!.baseUnit}, the base unit of ` +
                  `${replacement!.code}; give the ratio in ${replacement!.baseUnit} of ${replacement!.code} per ` +
                  `${old.unit} of ${component.code}`,
              );
              return copy;
            }
            copy.unit = replacement!.baseUnit;
            copy.quantityBase = copy.quantity;
          }
        } else {
          const unit = clean.unit ?? old.unit;
          const quantity = clean.quantity !== null ? new Dec(clean.quantity) : new Dec(old.quantity).mul(clean.ratio!);
          const bad = outOfRange(quantity);
          if (bad) {
            report('input.ratio', `${where}: ${old.quantity} × ${clean.ratio} = ${quantity.toFixed()} ${bad}`);
            return copy;
          }
          if (quantity.eq(old.quantity) && unit === old.unit) return copy;
          try {
            copy.quantityBase = convertQuantity(
              quantity.toFixed(),
              unit,
              component.baseUnit,
              ctxOf(component),
              'input.unit',
            );
          } catch (e) {
            if (!(e instanceof ValidationError)) throw e;
            report(clean.unit ? 'input.unit' : 'input.quantity', `${where}: ${e.issues[0]!.reason}`);
            return copy;
          }
          copy.quantity = quantity.toFixed();
          copy.unit = unit;
        }
        const changes = lineChanges(old, copy);
        if (copy.componentId !== old.componentId) {
          changes.unshift({ field: 'component', from: old.componentId, to: copy.componentId });
        }
        changed.push({ componentId: copy.componentId, position: copy.position, before: old, after: copy, changes });
        return copy;
      });
      if (changed.length === 0) continue;
      const versionLabel = nextVersionLabel(item.newest, item.taken);
      item.taken.add(versionLabel);
      item.newest = versionLabel;
      const validFrom = bom.validFrom !== null && bom.validFrom > clean.validFrom ? bom.validFrom : clean.validFrom;
      effects.push({
        bom,
        lines: changed,
        newBom: {
          row: {
            id: newId,
            itemId: bom.itemId,
            versionLabel,
            status: 'released',
            // The supersede hands the old version's default flag over.
            isDefault: false,
            baseQuantity: bom.baseQuantity,
            validFrom,
            validTo: bom.validTo,
            description: bom.description,
            supersedesId: bom.id,
            version: 1,
            createdAt: now,
            updatedAt: now,
            createdBy: actorLabel(actor),
            updatedBy: actorLabel(actor),
            releasedAt: null,
            releasedBy: null,
            sourceSystem: bom.sourceSystem,
            sourceItemRef: bom.sourceItemRef,
          },
          lines,
        },
      });
    }
    if (unreported) issues.add('input', `and ${unreported} more lines like these`);
    issues.throwIfAny();
    if (effects.length === 0) {
      throw new ValidationError([
        {
          field: 'input.quantity',
          reason: `every BOM${scope} using ${component.code} from ${clean.validFrom} has that quantity already`,
        },
      ]);
    }
    if (replacement) {
      const parents = [...new Set(effects.map((e) => e.bom.itemId))];
      await assertNoCycle(
        tx,
        parents.map((parent) => ({ parent, child: replacement.id, field: clean.replacementField })),
        [],
      );
    }
    return { clean, component, replacement, effects };
  }

  /** The component, the replacement and the parents named, in one statement, each checked. */
  private async resolve(
    tx: Tx,
    clean: CleanChange,
  ): Promise<{ component: ItemInfo; replacement: ItemInfo | null; onlyItemIds: string[] | null }> {
    const only = (clean.onlyItemIds ?? []).map((id) => ({ id }));
    const items = await resolveItems(tx, [clean.component, ...(clean.replacement ? [clean.replacement] : []), ...only]);
    const issues = new IssueList();
    const component = items.get(refKey(clean.component));
    if (!component) issues.add(clean.componentField, `no item ${clean.component.id ?? clean.component.code}`);
    let replacement: ItemInfo | null = null;
    if (clean.replacement) {
      replacement = items.get(refKey(clean.replacement)) ?? null;
      if (!replacement) {
        issues.add(clean.replacementField, `no item ${clean.replacement.id ?? clean.replacement.code}`);
      } else if (replacement.status === 'archived') {
        issues.add(clean.replacementField, `item ${replacement.code} is archived`);
      } else if (component && replacement.id === component.id) {
        issues.add(clean.replacementField, `item ${replacement.code} is the component itself`);
      }
    }
    only.forEach((ref, i) => {
      if (!items.has(refKey(ref))) issues.add(`input.onlyItemIds.${i}`, `no item ${ref.id}`);
    });
    issues.throwIfAny();
    return {
      component: component!,
      replacement,
      onlyItemIds: clean.onlyItemIds ? [...new Set(only.map((ref) => items.get(refKey(ref))!.id))] : null,
    };
  }

  /**
   * Ids of the affected BOMs, by parent item code and start. With `lock`, the rows are locked (FOR UPDATE): a
   * concurrent change of one of them makes this wait for it, and the new versions it made are found by the
   * next round.
   */
  private async affected(
    tx: Tx,
    componentId: string,
    validFrom: string,
    onlyItemIds: string[] | null,
    lock: boolean,
  ): Promise<string[]> {
    const res = await tx.execute(sql`
      SELECT b.id::text AS id FROM boms b JOIN items i ON i.id = b.item_id
      WHERE b.status = 'released' AND (b.valid_to IS NULL OR b.valid_to >= ${validFrom}::date)
        AND (${onlyItemIds === null}::boolean OR b.item_id = ANY(${sqlArray(onlyItemIds ?? [])}::uuid[]))
        AND EXISTS (SELECT 1 FROM bom_lines l WHERE l.bom_id = b.id AND l.component_id = ${componentId}::uuid
          AND (l.valid_to IS NULL OR l.valid_to >= ${validFrom}::date))
      ORDER BY i.code, b.valid_from NULLS FIRST, b.id${lock ? sql` FOR UPDATE OF b` : sql``}`);
    return (res.rows as { id: string }[]).map((r) => r.id);
  }

  /**
   * Locks the affected BOMs until two rounds agree. A round that waited for a concurrent change sees that
   * change's old versions with their new end (and drops them) but not the versions it created, which its
   * snapshot predates; the next round, a new statement, sees and locks those. Without concurrency: two rounds.
   */
  private async lockAffected(
    tx: Tx,
    componentId: string,
    validFrom: string,
    onlyItemIds: string[] | null,
  ): Promise<string[]> {
    let ids = await this.affected(tx, componentId, validFrom, onlyItemIds, true);
    for (let round = 1; round < LOCK_ROUNDS; round++) {
      const again = await this.affected(tx, componentId, validFrom, onlyItemIds, true);
      if (again.length === ids.length && again.every((id, i) => id === ids[i])) return again;
      ids = again;
    }
    throw new ConflictError('the BOMs using this component keep changing; try again', 'input');
  }

  private async bomsById(tx: Tx, ids: string[]): Promise<Map<string, BomRow>> {
    return new Map((await this.store.byIds(ids, tx)).map((r) => [r.id, r]));
  }

  /** Per parent item: its code, its version labels and the newest one (the next label counts up from it). */
  private async labels(
    tx: Tx,
    itemIds: string[],
  ): Promise<Map<string, { code: string; newest: string; taken: Set<string> }>> {
    const res = await tx.execute(sql`
      SELECT i.id::text AS id, i.code, b.version_label AS label FROM items i JOIN boms b ON b.item_id = i.id
      WHERE i.id = ANY(${sqlArray(itemIds)}::uuid[]) ORDER BY i.id, b.created_at, b.id`);
    const out = new Map<string, { code: string; newest: string; taken: Set<string> }>();
    for (const r of res.rows as { id: string; code: string; label: string }[]) {
      const entry = out.get(r.id) ?? { code: r.code, newest: r.label, taken: new Set<string>() };
      entry.taken.add(r.label);
      entry.newest = r.label;
      out.set(r.id, entry);
    }
    return out;
  }

  /** Log rows as views, with the BOMs they name read in one statement for all of them. */
  private async views(records: ChangeRecord[]): Promise<EngineeringChangeView[]> {
    const ids = records.flatMap((r) => r.affected.flatMap((a) => [a.bomId, a.newBomId]));
    const boms = await this.bomsById(this.db, [...new Set(ids)]);
    return records.map((r) => ({
      id: r.id,
      kind: r.kind,
      componentId: r.componentId,
      replacementId: r.replacementId,
      ratio: canonicalDecimal(r.ratio),
      quantity: canonicalDecimal(r.newQuantity),
      unit: r.newUnit,
      validFrom: r.validFrom,
      reason: r.reason,
      // drizzle's driver hands timestamps over as text; the column decodes them as everywhere else.
      createdAt: engineeringChanges.createdAt.mapFromDriverValue(r.createdAt) as Date,
      createdBy: r.createdBy,
      effects: effectsOf(r.affected, boms),
    }));
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof DomainError) throw e;
      throw mapDbError(e);
    }
  }
}

interface ChangeRecord {
  id: string;
  kind: EngineeringChangeKind;
  componentId: string;
  replacementId: string | null;
  ratio: string | null;
  newQuantity: string | null;
  newUnit: string | null;
  validFrom: string | null;
  reason: string;
  affected: AffectedEntry[];
  createdAt: string;
  createdBy: string;
}

const CHANGE_SELECT = sql`SELECT id::text AS id, kind, component_id::text AS "componentId",
  replacement_id::text AS "replacementId", ratio::text AS ratio, new_quantity::text AS "newQuantity",
  new_unit AS "newUnit", valid_from AS "validFrom", reason, affected, created_at AS "createdAt",
  created_by AS "createdBy" FROM engineering_changes`;

function effectsOf(affected: AffectedEntry[], boms: Map<string, BomRow>): EffectView[] {
  return affected.flatMap((a) => {
    const bom = boms.get(a.bomId);
    return bom ? [{ bom, lines: a.lines, newBom: boms.get(a.newBomId) ?? null }] : [];
  });
}

/** Why a computed quantity cannot be stored in a numeric(18, 6) line quantity, or null when it can. */
function outOfRange(q: Dec): string | null {
  if (q.decimalPlaces() > 6) return 'has more than 6 decimals (a line quantity keeps 6; nothing is rounded)';
  if (q.abs().trunc().toFixed().length > 12) return 'is too large (more than 12 digits before the point)';
  return null;
}

function refOf(
  id: string | null | undefined,
  code: string | null | undefined,
  name: string,
  issues: IssueList,
  required: boolean,
): { ref: ItemRefInput | null; field: string } {
  const idField = `input.${name}Id`;
  const codeField = `input.${name}Code`;
  const hasId = id !== null && id !== undefined && id !== '';
  const hasCode = code !== null && code !== undefined && code.trim() !== '';
  if (hasId && hasCode) {
    issues.add(idField, `give only one of ${name}Id and ${name}Code`);
    return { ref: null, field: idField };
  }
  if (!hasId && !hasCode) {
    if (required) issues.add(idField, `give ${name}Id or ${name}Code`);
    return { ref: null, field: idField };
  }
  if (hasId) {
    if (!UUID.test(id)) issues.add(idField, `'${id}' is not an id`);
    return { ref: { id: id.toLowerCase() }, field: idField };
  }
  return { ref: { code: code!.trim().toUpperCase() }, field: codeField };
}

/** Checks everything the input alone can tell, naming every bad field at once (`input.ratio`, ...). */
export function cleanInput(input: EngineeringChangeInput): CleanChange {
  const issues = new IssueList();
  const kind = input.kind;
  if (kind !== 'replace' && kind !== 'quantity')
    issues.add('input.kind', `'${String(kind)}' is not replace or quantity`);
  const component = refOf(
    input.component?.id ?? input.componentId,
    input.component?.code ?? input.componentCode,
    'component',
    issues,
    true,
  );
  const replacement = refOf(
    input.replacement?.id ?? input.replacementId,
    input.replacement?.code ?? input.replacementCode,
    'replacement',
    issues,
    kind === 'replace',
  );
  const given = (v: unknown) => v !== null && v !== undefined && v !== '';
  const ratio = given(input.ratio)
    ? (issues.attempt(() => parseDecimal(input.ratio, 'input.ratio', QUANTITY_RULE)) ?? null)
    : null;
  const quantity = given(input.quantity)
    ? (issues.attempt(() => parseDecimal(input.quantity, 'input.quantity', QUANTITY_RULE)) ?? null)
    : null;
  const unit = given(input.unit) ? (issues.attempt(() => normaliseUnitCode(input.unit!, 'input.unit')) ?? null) : null;
  if (kind === 'replace') {
    if (given(input.quantity)) issues.add('input.quantity', 'only for a QUANTITY change; a replacement takes a ratio');
    if (given(input.unit)) issues.add('input.unit', 'only for a QUANTITY change');
  } else if (kind === 'quantity') {
    if (replacement.ref) issues.add(replacement.field, 'only for a REPLACE change');
    if (given(input.quantity) === given(input.ratio)) {
      issues.add('input.quantity', 'give exactly one of quantity (the new quantity) and ratio (a factor)');
    }
    if (given(input.unit) && !given(input.quantity)) issues.add('input.unit', 'only with a quantity');
  }
  const validFrom = issues.attempt(() => parseDate(input.validFrom, 'input.validFrom')) ?? today();
  let onlyItemIds: string[] | null = null;
  if (input.onlyItemIds !== null && input.onlyItemIds !== undefined) {
    if (input.onlyItemIds.length === 0) issues.add('input.onlyItemIds', 'name at least one item, or leave it out');
    onlyItemIds = input.onlyItemIds.map((id, i) => {
      if (typeof id !== 'string' || !UUID.test(id))
        issues.add(`input.onlyItemIds.${i}`, `'${String(id)}' is not an id`);
      return String(id).toLowerCase();
    });
  }
  const reason = issues.attempt(() => normaliseName(input.reason, 'input.reason', 2000)) ?? '';
  issues.throwIfAny();
  return {
    kind,
    component: component.ref!,
    componentField: component.field,
    replacement: kind === 'replace' ? replacement.ref : null,
    replacementField: replacement.field,
    ratio,
    quantity,
    unit,
    validFrom,
    onlyItemIds,
    reason,
  };
}
