import DataLoader from 'dataloader';
import type { CrosswalkEntry } from '../master/crosswalk';
import { loadSourceRefs } from '../master/crosswalk';
import { type HistoryEntry, loadHistory } from '../master/history';
import type { MasterService } from '../master/service';
import { type EntitySpec, SPECS, type MasterEntity } from '../master/specs';
import type { GoldenRow } from '../master/store';
import type { SupplierItemRow } from '../master/supplier-items';
import type { ItemUnitRow, UnitRow } from '../master/units';

function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

/**
 * Per-request batching: every relation a page of records asks for is fetched in one statement for the whole
 * page, so a list of 100 records with their relations costs the same number of statements as a list of 1.
 */
export class Loaders {
  // Made on first use: one Loaders is built per request that asks for one, and most need none or one of these.
  private byId?: Map<MasterEntity, DataLoader<string, GoldenRow | null>>;
  private byCode?: Map<MasterEntity, DataLoader<string, GoldenRow | null>>;
  private refs?: Map<MasterEntity, DataLoader<string, CrosswalkEntry[]>>;
  private history?: Map<string, DataLoader<string, HistoryEntry[]>>;
  private unitLoader?: DataLoader<string, UnitRow | null>;
  private itemUnitsLoader?: DataLoader<string, ItemUnitRow[]>;
  private offersByItemLoader?: DataLoader<string, SupplierItemRow[]>;
  private offersBySupplierLoader?: DataLoader<string, SupplierItemRow[]>;

  private custom?: Map<string, unknown>;

  constructor(private readonly master: MasterService) {}

  /**
   * A loader of another module, made on first use and kept for the request under `key`, so modules add their
   * own batching without this class knowing them.
   */
  memo<T>(key: string, make: () => T): T {
    const m = (this.custom ??= new Map());
    if (!m.has(key)) m.set(key, make());
    return m.get(key) as T;
  }

  get unit(): DataLoader<string, UnitRow | null> {
    return (this.unitLoader ??= new DataLoader(async (codes) => {
      const rows = await this.master.units.byCodes(codes);
      const m = new Map(rows.map((u) => [u.code, u]));
      return codes.map((c) => m.get(c) ?? null);
    }));
  }

  get itemUnits(): DataLoader<string, ItemUnitRow[]> {
    return (this.itemUnitsLoader ??= new DataLoader(async (ids) => {
      const m = groupBy(await this.master.units.itemUnits(ids), (r) => r.itemId);
      return ids.map((id) => m.get(id) ?? []);
    }));
  }

  /** The offers for items, by item id (their suppliers come through `record('supplier')`). */
  get offersByItem(): DataLoader<string, SupplierItemRow[]> {
    return (this.offersByItemLoader ??= new DataLoader(async (ids) => {
      const rows = await this.master.supplierItems.byItems(ids);
      const m = groupBy<SupplierItemRow>(rows, (r) => r.itemId);
      return ids.map((id) => m.get(id) ?? []);
    }));
  }

  /** The offers of suppliers, by supplier id (their items come through `record('item')`). */
  get offersBySupplier(): DataLoader<string, SupplierItemRow[]> {
    return (this.offersBySupplierLoader ??= new DataLoader(async (ids) => {
      const rows = await this.master.supplierItems.bySuppliers(ids);
      const m = groupBy<SupplierItemRow>(rows, (r) => r.supplierId);
      return ids.map((id) => m.get(id) ?? []);
    }));
  }

  /** Golden records of one entity by id. */
  record(entity: MasterEntity): DataLoader<string, GoldenRow | null> {
    const byId = (this.byId ??= new Map());
    let l = byId.get(entity);
    if (!l) {
      const spec: EntitySpec = SPECS[entity];
      l = new DataLoader<string, GoldenRow | null>(async (ids) => {
        const m = new Map((await this.master.store.byIds(spec, ids)).map((r) => [r.id, r]));
        return ids.map((id) => m.get(id) ?? null);
      });
      byId.set(entity, l);
    }
    return l;
  }

  /** Golden records of one entity by code (as other systems know them; a federation key). */
  recordByCode(entity: MasterEntity): DataLoader<string, GoldenRow | null> {
    const byCode = (this.byCode ??= new Map());
    let l = byCode.get(entity);
    if (!l) {
      const spec: EntitySpec = SPECS[entity];
      l = new DataLoader<string, GoldenRow | null>(async (codes) => {
        const m = new Map((await this.master.store.byCodes(spec, codes)).map((r) => [r.code, r]));
        return codes.map((c) => m.get(c) ?? null);
      });
      byCode.set(entity, l);
    }
    return l;
  }

  sourceRefs(entity: MasterEntity): DataLoader<string, CrosswalkEntry[]> {
    const refs = (this.refs ??= new Map());
    let l = refs.get(entity);
    if (!l) {
      l = new DataLoader<string, CrosswalkEntry[]>(async (ids) => {
        const m = await loadSourceRefs(this.master.db, entity, ids);
        return ids.map((id) => m.get(id) ?? []);
      });
      refs.set(entity, l);
    }
    return l;
  }

  /** The newest `limit` versions (plus the one before, to compute what changed) of records of one entity. */
  versions(entity: MasterEntity, limit: number): DataLoader<string, HistoryEntry[]> {
    const key = `${entity}:${limit}`;
    const history = (this.history ??= new Map());
    let l = history.get(key);
    if (!l) {
      l = new DataLoader<string, HistoryEntry[]>(async (ids) => {
        const m = await loadHistory(this.master.db, entity, ids, limit);
        return ids.map((id) => m.get(id) ?? []);
      });
      history.set(key, l);
    }
    return l;
  }
}
