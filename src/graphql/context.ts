import type { Actor } from '../actor';
import type { BomService } from '../bom/service';
import type { StockService } from '../orders/stock';
import type { DocumentStore } from '../orders/store';
import type { Config } from '../config';
import type { MasterService } from '../master/service';
import type { MdmService } from '../mdm/service';
import type { ConnectionService } from '../sync/connections';
import type { SyncJobs } from '../sync/jobs';
import type { SyncReads } from '../sync/reads';
import type { SyncRunner } from '../sync/runner';
import type { Loaders } from './loaders';

/** The services one hub process holds; resolvers reach everything through these. */
export interface Services {
  config: Config;
  master: MasterService;
  connections: ConnectionService;
  sync: { runner: SyncRunner; reads: SyncReads; jobs: SyncJobs };
  /** Merge and unmerge, the steward queue, overrides. */
  mdm: MdmService;
  /** BOM versions, explosion, where-used, cost, engineering changes. */
  bom: BomService;
  /** Order-to-cash documents. */
  orders: DocumentStore;
  /** Stock levels per item and warehouse. */
  stock: StockService;
  storage: 'postgres' | 'embedded';
  version: string;
}

/** What every resolver gets: the services, this request's loaders, and who is asking. */
export interface GraphContext {
  services: Services;
  loaders: Loaders;
  actor: Actor;
  requestId: string;
}
