import type { MasterService } from '../master/service';

/** Placeholder replaced by the demo data set. */
export async function isStoreEmpty(_master: MasterService): Promise<boolean> {
  return false;
}
export async function seedDemo(_master: MasterService): Promise<Record<string, number>> {
  return {};
}
