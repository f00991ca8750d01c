/** The shapes the BOM module hands to GraphQL (the codegen mappers of schema/bom.graphql point here). */
import type { Actor } from '../actor';
import type { ComponentCost } from './cost';
import type { Explosion, WhereUsedResult } from './service';
import type { BomLineRow, BomRow } from './store';

/** One field that differs between two versions of a line or a header. */
export interface BomFieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** A line added, removed or changed between two versions, matched by component. */
export interface LineDiffView {
  componentId: string;
  position: number;
  before: BomLineRow | null;
  after: BomLineRow | null;
  changes: BomFieldChange[];
}

export interface DiffView {
  from: BomRow;
  to: BomRow;
  added: LineDiffView[];
  removed: LineDiffView[];
  changed: LineDiffView[];
  headerChanges: BomFieldChange[];
}

/** A BOM an engineering change touches: its lines before and after, and the version it created (when applied). */
export interface EffectView {
  bom: BomRow;
  lines: LineDiffView[];
  newBom: BomRow | null;
}

export interface EngineeringChangeView {
  id: string;
  kind: 'replace' | 'quantity';
  componentId: string;
  replacementId: string | null;
  ratio: string | null;
  quantity: string | null;
  unit: string | null;
  validFrom: string | null;
  reason: string;
  createdAt: Date;
  createdBy: string;
  effects: EffectView[];
}

export interface EngineeringChangePreviewView {
  effects: EffectView[];
}

/** A page of BOMs. */
export interface BomPage {
  rows: BomRow[];
  hasNextPage: boolean;
}

/** A node of an explosion: its index into the explosion's rows. */
export interface NodeView {
  x: Explosion;
  i: number;
}

export interface NodePage<T> {
  nodes: T[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  total: number;
}

/** A node of a where-used tree. */
export interface WhereUsedNodeView {
  w: WhereUsedResult;
  i: number;
}

/** An item with the component's quantity per unit of it, summed over its paths. */
export interface WhereUsedTopView {
  itemId: string;
  quantity: string;
  paths: number;
}

/** An amount with the currency of the cost it belongs to. */
export interface CostLevelView {
  level: number;
  amount: string;
  currency: string;
}

export interface ComponentCostView extends ComponentCost {
  currency: string;
}

export interface AssemblyCostView {
  itemId: string;
  unitCost: string;
  complete: boolean;
  currency: string;
}

export interface EngineeringChangePage {
  nodes: EngineeringChangeView[];
  hasNextPage: boolean;
  endCursor: string | null;
}

/** The same as BomFieldChange (the GraphQL type BomLineChange). */
export type FieldChange = BomFieldChange;

/** Version diffs and batch engineering changes (src/bom/changes.ts), as the service exposes them. */
export interface EngineeringChanges {
  preview(input: EngineeringChangeRequest, actor: Actor): Promise<EngineeringChangePreviewView>;
  apply(input: EngineeringChangeRequest, actor: Actor): Promise<EngineeringChangeView>;
  get(id: string): Promise<EngineeringChangeView | null>;
  list(args: {
    componentId?: string | null;
    first?: number | null;
    after?: string | null;
  }): Promise<EngineeringChangePage>;
  diff(fromId: string, toId: string): Promise<DiffView>;
}

/** An engineering change as GraphQL's EngineeringChangeInput gives it. */
export interface EngineeringChangeRequest {
  kind: 'replace' | 'quantity';
  componentId?: string | null;
  componentCode?: string | null;
  replacementId?: string | null;
  replacementCode?: string | null;
  ratio?: unknown;
  quantity?: unknown;
  unit?: string | null;
  validFrom?: string | null;
  onlyItemIds?: readonly string[] | null;
  reason: string;
}
