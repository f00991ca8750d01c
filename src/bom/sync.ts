/**
 * BOMs synced from other systems. A connector maps a source BOM to the shape below, naming the product and the
 * components by their ids in that system; the sync runner stages the record like any other and hands the page to
 * `applySourceBoms`, which resolves those ids through the crosswalk (the items came in through the same
 * connection's item stream) and keeps one BOM version per source BOM current:
 * - a new source BOM becomes a released version (the item's default when it has none);
 * - a changed one becomes a new released version superseding the previous one from today (a released version
 *   never changes), and the crosswalk entry (system, 'bom', id) moves to it;
 * - a deleted or inactive one makes its current version obsolete.
 * A BOM naming an item the crosswalk does not know yet waits (its source record stays without a BOM) and is
 * tried again at the end of every run of the connection until it applies.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Actor } from '../actor';
import { sqlArray } from '../db/pool';
import type { FieldIssue } from '../errors';
import type { Tx } from '../master/codes';
import { type BomLineInput, cleanHeader, cleanLines, type CleanLine, IssueList, nextVersionLabel } from './input';
import type { ItemInfo } from './resolve';
import { type BomLineRow, type BomRow, type BomStore, type NewBom, type PrepareSpec, today } from './store';

/** What a connector's `map` returns for a record of a stream with entity 'bom'. */
export interface SourceBomInput {
  /** The product's id in the source system. */
  itemRef: string;
  versionLabel?: string | null;
  baseQuantity?: unknown;
  validFrom?: string | null;
  validTo?: string | null;
  description?: string | null;
  /** False: the BOM is no longer used in the source. Default true. */
  active?: boolean | null;
  isDefault?: boolean | null;
  lines: (Omit<BomLineInput, 'component' | 'substitutes'> & {
    componentRef: string;
    substitutes?: { componentRef: string; priority: number; ratio?: unknown }[] | null;
  })[];
}

/** The cleaned form kept as the source record's canonical value. */
export interface SourceBom {
  itemRef: string;
  versionLabel: string | null;
  baseQuantity: string;
  validFrom: string | null;
  validTo: string | null;
  description: string | null;
  active: boolean;
  isDefault: boolean | null;
  lines: CleanLine[];
}

/** Cleans a mapped source BOM; throws a FieldError-carrying ValidationError like the master entities' cleaning. */
export function cleanSourceBom(input: unknown): SourceBom {
  const issues = new IssueList();
  const v = (input ?? {}) as Partial<SourceBomInput>;
  const itemRef = typeof v.itemRef === 'string' || typeof v.itemRef === 'number' ? String(v.itemRef).trim() : '';
  if (!itemRef) issues.add('itemRef', "must be the product's id in the source system");
  const header = cleanHeader(v, '', issues);
  const lines = cleanLines(v.lines as unknown as BomLineInput[], '', issues, 'sourceRef');
  issues.throwIfAny();
  return {
    itemRef,
    versionLabel: header.versionLabel,
    baseQuantity: header.baseQuantity ?? '1',
    validFrom: header.validFrom,
    validTo: header.validTo,
    description: header.description,
    active: v.active ?? true,
    isDefault: v.isDefault ?? null,
    lines,
  };
}

export interface StagedBom {
  sourceRecordId: string;
  externalId: string;
  canonical: SourceBom;
  /** The BOM version the source record currently stands for. */
  bomId: string | null;
}

export interface ApplyResult {
  errors: { externalId: string; field: string | null; reason: string }[];
  /** Source records that could not be applied yet (an item not synced yet, or invalid). */
  failed: Set<string>;
}

/** Items by their ids in `system`, through the crosswalk (one statement). */
async function itemsByRef(tx: Tx, system: string, refs: string[]): Promise<Map<string, ItemInfo>> {
  const res = await tx.execute(sql`
    SELECT c.external_id AS ref, i.id::text AS id, i.code, i.name, i.base_unit, i.status, i.type
    FROM crosswalk c JOIN items i ON i.id = c.golden_id
    WHERE c.system = ${system} AND c.entity = 'item' AND c.external_id = ANY(${sqlArray(refs)}::text[])`);
  return new Map(
    (res.rows as Record<string, string>[]).map((r) => [
      r.ref!,
      { id: r.id!, code: r.code!, name: r.name!, baseUnit: r.base_unit!, status: r.status!, type: r.type! },
    ]),
  );
}

/** Whether the stored version already says what the source says (then nothing is written). */
function sameContent(bom: BomRow, lines: BomLineRow[], next: NewBom): boolean {
  const key = (l: BomLineRow) =>
    JSON.stringify([
      l.position,
      l.componentId,
      l.quantity,
      l.unit,
      l.scrapPercent,
      l.validFrom,
      l.validTo,
      l.phantom,
      l.note,
      l.substitutes.map((s) => [s.componentId, s.priority, s.ratio]),
    ]);
  const a = lines.map(key).sort();
  const b = next.lines.map(key).sort();
  return (
    bom.itemId === next.row.itemId &&
    bom.baseQuantity === next.row.baseQuantity &&
    bom.description === next.row.description &&
    bom.validTo === next.row.validTo &&
    a.length === b.length &&
    a.every((k, i) => k === b[i])
  );
}

/**
 * Applies a page of staged source BOMs: a fixed number of statements for the page, plus the store's batch write.
 * Returns the records that could not be applied, with why.
 */
export async function applySourceBoms(
  tx: Tx,
  store: BomStore,
  ctx: { system: string; actor: Actor },
  staged: StagedBom[],
): Promise<ApplyResult> {
  const errors: ApplyResult['errors'] = [];
  const failed = new Set<string>();
  if (staged.length === 0) return { errors, failed };
  const refs = new Set<string>();
  for (const s of staged) {
    refs.add(s.canonical.itemRef);
    for (const l of s.canonical.lines) {
      if (l.sourceRef) refs.add(l.sourceRef);
      for (const sub of l.substitutes) if (sub.sourceRef) refs.add(sub.sourceRef);
    }
  }
  const items = await itemsByRef(tx, ctx.system, [...refs]);
  const currentIds = staged.map((s) => s.bomId).filter((id): id is string => id !== null);
  const current = new Map((await store.byIds(currentIds, tx)).map((b) => [b.id, b]));
  const currentLines = await store.linesOf(currentIds, tx);
  const parents = [...new Set([...items.values()].map((i) => i.id))];
  const existing = parents.length ? await store.byItems(parents, tx) : [];
  const labels = new Map<string, Set<string>>();
  const hasDefault = new Set<string>();
  for (const b of existing) {
    labels.set(b.itemId, (labels.get(b.itemId) ?? new Set()).add(b.versionLabel));
    if (b.isDefault) hasDefault.add(b.itemId);
  }

  const retire: string[] = [];
  const specs: (PrepareSpec & { staged: StagedBom; previous: BomRow | null })[] = [];
  const byKey = new Map<string, ItemInfo>();
  for (const s of staged) {
    const bom = s.canonical;
    const prev = s.bomId ? (current.get(s.bomId) ?? null) : null;
    if (!bom.active) {
      if (prev && prev.status !== 'obsolete') retire.push(prev.id);
      continue;
    }
    const missing: FieldIssue[] = [];
    const parent = items.get(bom.itemRef);
    if (!parent) missing.push({ field: 'itemRef', reason: `item ${bom.itemRef} is not known from ${ctx.system} yet` });
    const lines = bom.lines.map((l) => {
      const resolve = (ref: string | null | undefined, field: string) => {
        const item = ref ? items.get(ref) : undefined;
        if (!item) missing.push({ field: `${field}Ref`, reason: `item ${ref} is not known from ${ctx.system} yet` });
        else byKey.set(item.id, item);
        return { id: item?.id ?? null };
      };
      return {
        ...l,
        component: resolve(l.sourceRef, `${l.field}.component`),
        substitutes: l.substitutes.map((sub) => ({
          ...sub,
          component: resolve(sub.sourceRef, `${sub.field}.component`),
        })),
      };
    });
    if (missing.length) {
      failed.add(s.sourceRecordId);
      for (const m of missing) errors.push({ externalId: s.externalId, ...m });
      continue;
    }
    const taken = labels.get(parent!.id) ?? new Set<string>();
    const sameItem = prev && prev.itemId === parent!.id;
    let label = bom.versionLabel && !taken.has(bom.versionLabel) ? bom.versionLabel : null;
    if (!label)
      label = taken.size ? nextVersionLabel(sameItem ? prev.versionLabel : [...taken].sort().at(-1)!, taken) : '1';
    taken.add(label);
    labels.set(parent!.id, taken);
    if (prev && !sameItem && prev.status !== 'obsolete') retire.push(prev.id);
    const supersedes = sameItem && prev.status === 'released' ? prev : null;
    specs.push({
      staged: s,
      previous: sameItem ? prev : null,
      parent: parent!,
      lines,
      header: {
        id: randomUUID(),
        versionLabel: label,
        status: 'released',
        // A superseding version takes the default flag over from the one it replaces (BomStore.writeVersions).
        isDefault: bom.isDefault ?? (supersedes ? false : !hasDefault.has(parent!.id)),
        baseQuantity: bom.baseQuantity,
        validFrom: bom.validFrom ?? (supersedes ? today() : null),
        validTo: bom.validTo,
        description: bom.description,
        supersedesId: supersedes?.id ?? null,
        sourceSystem: ctx.system,
        sourceItemRef: bom.itemRef,
      },
      excludeBomIds: supersedes ? [supersedes.id] : [],
    });
    hasDefault.add(parent!.id);
  }
  for (const i of items.values()) byKey.set(i.id, i);

  const prepared = await store.prepareMany(tx, byKey, specs, ctx.actor);
  const write: NewBom[] = [];
  const links: { externalId: string; sourceRecordId: string; bomId: string }[] = [];
  prepared.forEach((p, i) => {
    const spec = specs[i]!;
    if ('issues' in p) {
      failed.add(spec.staged.sourceRecordId);
      for (const issue of p.issues) errors.push({ externalId: spec.staged.externalId, ...issue });
      return;
    }
    const prev = spec.previous;
    if (prev && prev.status !== 'obsolete' && sameContent(prev, currentLines.get(prev.id) ?? [], p.bom)) return;
    write.push(p.bom);
    links.push({ externalId: spec.staged.externalId, sourceRecordId: spec.staged.sourceRecordId, bomId: p.bom.row.id });
  });
  await store.obsoleteMany(tx, retire, ctx.actor, `deleted or retired in ${ctx.system}`);
  await store.writeVersions(tx, write, ctx.actor, `synced from ${ctx.system}`);
  if (links.length) {
    const json = JSON.stringify(links.map((l) => ({ e: l.externalId, s: l.sourceRecordId, b: l.bomId })));
    await tx.execute(sql`
      INSERT INTO crosswalk (system, entity, external_id, golden_id)
      SELECT ${ctx.system}, 'bom', x.e, x.b FROM jsonb_to_recordset(${json}::jsonb) AS x(e text, s bigint, b uuid)
      ON CONFLICT (system, entity, external_id) DO UPDATE SET golden_id = excluded.golden_id`);
    await tx.execute(sql`
      UPDATE source_records s SET golden_id = x.b FROM jsonb_to_recordset(${json}::jsonb) AS x(e text, s bigint, b uuid)
      WHERE s.id = x.s`);
  }
  return { errors, failed };
}

/** Source BOMs deleted in their system: their current versions become obsolete. */
export async function retireSourceBoms(tx: Tx, store: BomStore, actor: Actor, bomIds: string[], system: string) {
  await store.obsoleteMany(tx, bomIds, actor, `deleted in ${system}`);
}

/** The source records of a connection's BOM stream still waiting to be applied, with their canonical values. */
export async function pendingSourceBoms(tx: Tx, connectionId: string, stream: string): Promise<StagedBom[]> {
  const res = await tx.execute(sql`
    SELECT id::text AS id, external_id, canonical FROM source_records
    WHERE connection_id = ${connectionId}::uuid AND stream = ${stream} AND entity = 'bom'
      AND golden_id IS NULL AND deleted_at IS NULL
    ORDER BY id`);
  return (res.rows as { id: string; external_id: string; canonical: SourceBom }[]).map((r) => ({
    sourceRecordId: r.id,
    externalId: r.external_id,
    canonical: r.canonical,
    bomId: null,
  }));
}
