import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { ts } from '../db/columns';
import { items, units } from '../master/tables';

export const bomStatus = pgEnum('bom_status', ['draft', 'released', 'obsolete']);

/**
 * One version of an item's bill of materials. A draft may change; a released version is immutable (only its
 * validity end, its default flag and the step to obsolete change), so a change to a released BOM is a new version.
 * The explosion of an item on a date uses its released BOM valid on that date, the default one first.
 */
export const boms = pgTable(
  'boms',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    itemId: uuid('item_id')
      .notNull()
      .references(() => items.id),
    versionLabel: text('version_label').notNull(),
    status: bomStatus('status').notNull().default('draft'),
    isDefault: boolean('is_default').notNull().default(false),
    /** The parent quantity, in the parent item's base unit, that the line quantities make. */
    baseQuantity: numeric('base_quantity', { precision: 18, scale: 6 }).notNull(),
    /** Inclusive on both ends; null is open. */
    validFrom: date('valid_from', { mode: 'string' }),
    validTo: date('valid_to', { mode: 'string' }),
    description: text('description'),
    /** The version this one was made from (a new version of a released BOM, or an engineering change). */
    supersedesId: uuid('supersedes_id'),
    /** Row version for optimistic concurrency and history, not the BOM's version label. */
    version: integer('version').notNull().default(1),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    updatedBy: text('updated_by').notNull(),
    releasedAt: ts('released_at'),
    releasedBy: text('released_by'),
    /** For a BOM synced from a system: that system and the parent item's id there (an unmerge re-points by them). */
    sourceSystem: text('source_system'),
    sourceItemRef: text('source_item_ref'),
  },
  (t) => [
    uniqueIndex('boms_item_version_uq').on(t.itemId, t.versionLabel),
    // One default BOM per item at a time.
    uniqueIndex('boms_default_uq')
      .on(t.itemId)
      .where(sql`is_default`),
    index('boms_effective_idx').on(t.itemId, t.status),
    check('boms_base_quantity_positive', sql`${t.baseQuantity} > 0`),
    check('boms_validity_order', sql`${t.validTo} IS NULL OR ${t.validFrom} IS NULL OR ${t.validFrom} <= ${t.validTo}`),
  ],
);

/**
 * A component of a BOM. `quantity` is per the BOM's base quantity in `unit`; `quantityBase` is the same quantity
 * converted to the component's base unit when the line was written, exactly, so explosions multiply stored numbers
 * and never convert. Gross quantity = net × (1 + scrapPercent / 100).
 */
export const bomLines = pgTable(
  'bom_lines',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    bomId: uuid('bom_id')
      .notNull()
      .references(() => boms.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    componentId: uuid('component_id')
      .notNull()
      .references(() => items.id),
    quantity: numeric('quantity', { precision: 18, scale: 6 }).notNull(),
    unit: text('unit')
      .notNull()
      .references(() => units.code),
    quantityBase: numeric('quantity_base').notNull(),
    scrapPercent: numeric('scrap_percent', { precision: 7, scale: 4 }).notNull().default('0'),
    validFrom: date('valid_from', { mode: 'string' }),
    validTo: date('valid_to', { mode: 'string' }),
    /** The component's own BOM is passed through: its lines take the component's place in the parent. */
    phantom: boolean('phantom').notNull().default(false),
    note: text('note'),
    /** For a line synced from a system: the component's id there, which the crosswalk resolved. */
    sourceSystem: text('source_system'),
    sourceComponentRef: text('source_component_ref'),
  },
  (t) => [
    uniqueIndex('bom_lines_position_uq').on(t.bomId, t.position),
    index('bom_lines_component_idx').on(t.componentId),
    check('bom_lines_quantity_positive', sql`${t.quantity} > 0 AND ${t.quantityBase} > 0`),
    check('bom_lines_scrap_range', sql`${t.scrapPercent} >= 0 AND ${t.scrapPercent} < 100`),
    check(
      'bom_lines_validity_order',
      sql`${t.validTo} IS NULL OR ${t.validFrom} IS NULL OR ${t.validFrom} <= ${t.validTo}`,
    ),
  ],
);

/**
 * Alternatives for a line's component, the line's substitute group: tried by priority (1 first) when the main
 * component is short; `ratio` is how many base units of the substitute replace one base unit of the main one.
 */
export const bomSubstitutes = pgTable(
  'bom_substitutes',
  {
    lineId: uuid('line_id')
      .notNull()
      .references(() => bomLines.id, { onDelete: 'cascade' }),
    componentId: uuid('component_id')
      .notNull()
      .references(() => items.id),
    priority: integer('priority').notNull(),
    ratio: numeric('ratio', { precision: 18, scale: 6 }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.lineId, t.componentId] }),
    index('bom_substitutes_component_idx').on(t.componentId),
    check('bom_substitutes_ratio_positive', sql`${t.ratio} > 0`),
  ],
);

/**
 * The log of batch engineering changes: what was changed in which BOMs, by whom and why. `affected` lists, per
 * BOM, the version it replaced and the new version it created.
 */
export const engineeringChanges = pgTable(
  'engineering_changes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** 'replace' (component by another, with a ratio) or 'quantity' (a component's quantity set or scaled). */
    kind: text('kind').notNull(),
    componentId: uuid('component_id')
      .notNull()
      .references(() => items.id),
    replacementId: uuid('replacement_id').references(() => items.id),
    ratio: numeric('ratio', { precision: 18, scale: 6 }),
    newQuantity: numeric('new_quantity', { precision: 18, scale: 6 }),
    newUnit: text('new_unit'),
    validFrom: date('valid_from', { mode: 'string' }),
    reason: text('reason').notNull(),
    affected: jsonb('affected').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [index('engineering_changes_created_idx').on(t.createdAt, t.id)],
);
