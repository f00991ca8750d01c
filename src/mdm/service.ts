import type { Db } from '../db/pool';
import type { MasterEntity } from '../master/specs';
import { MergeService } from './merge';
import { OverrideService } from './overrides';
import { StewardService } from './steward';
import { defaultSurvivorship, type SurvivorshipConfig } from './survivorship';

/** The master-data management module as the API sees it: merges, the steward queue and overrides. */
export class MdmService {
  readonly merges: MergeService;
  readonly steward: StewardService;
  readonly overrides: OverrideService;

  constructor(
    readonly db: Db,
    opts: { defaultRegion: string; survivorship?: Partial<Record<MasterEntity, SurvivorshipConfig>> },
  ) {
    // The same rules as the sync runner's, so a merge computes a record exactly as a sync would.
    const survivorship = (entity: MasterEntity) => opts.survivorship?.[entity] ?? defaultSurvivorship(entity);
    this.merges = new MergeService(db, survivorship);
    this.steward = new StewardService(db, this.merges);
    this.overrides = new OverrideService(db, survivorship, opts.defaultRegion);
  }
}
