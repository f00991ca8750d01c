import type { Config } from '../config';
import type { Db } from '../db/pool';
import { ensureCodingRules } from './codes';
import { GoldenStore } from './store';
import { SPECS } from './specs';
import { SupplierItemService } from './supplier-items';
import { UnitService } from './units';

/** The master-data module as other modules and the API see it. */
export class MasterService {
  readonly store: GoldenStore;
  readonly units: UnitService;
  readonly supplierItems: SupplierItemService;

  constructor(
    readonly db: Db,
    private readonly config: Pick<Config, 'defaultRegion' | 'codeRules'>,
  ) {
    this.store = new GoldenStore(db, { defaultRegion: config.defaultRegion });
    this.units = new UnitService(db);
    this.supplierItems = new SupplierItemService(db, config.defaultRegion);
  }

  /** Stores the coding rules (defaults, overridden by MDHUB_CODE_RULES); run once at start-up after migrations. */
  async init(): Promise<void> {
    const defaults = Object.fromEntries(Object.values(SPECS).map((s) => [s.entity, s.defaultRule]));
    await ensureCodingRules(this.db, defaults, this.config.codeRules);
  }
}
