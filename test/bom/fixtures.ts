import type { TestHub } from '../helpers/hub';

/** Creates items through the API; returns their ids by code. */
export async function createItems(
  hub: TestHub,
  items: { code: string; name?: string; type?: string; baseUnit?: string; cost?: string; currency?: string }[],
): Promise<Record<string, string>> {
  const r = await hub.gql(`mutation($r: [ItemInput!]!) { upsertItems(by: CODE, records: $r) { record { id code } } }`, {
    r: items.map((i) => ({
      code: i.code,
      name: i.name ?? i.code,
      type: i.type ?? 'PURCHASED',
      baseUnit: i.baseUnit ?? 'pcs',
      standardCost: i.cost ? { amount: i.cost, currency: i.currency ?? 'EUR' } : undefined,
    })),
  });
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return Object.fromEntries(
    (r.data!.upsertItems as { record: { id: string; code: string } }[]).map((x) => [x.record.code, x.record.id]),
  );
}

export interface LineSpec {
  componentCode: string;
  quantity: string;
  unit?: string;
  scrapPercent?: string;
  phantom?: boolean;
  position?: number;
  validFrom?: string;
  validTo?: string;
  substitutes?: { componentCode: string; priority: number; ratio?: string }[];
}

/** Creates a BOM (released unless told otherwise); returns its id and version. */
export async function createBom(
  hub: TestHub,
  itemCode: string,
  lines: LineSpec[],
  opts: {
    release?: boolean;
    baseQuantity?: string;
    validFrom?: string;
    validTo?: string;
    versionLabel?: string;
    isDefault?: boolean;
  } = {},
): Promise<{ id: string; version: number; versionLabel: string }> {
  const r = await hub.gql(`mutation($i: BomInput!) { createBom(input: $i) { id version versionLabel } }`, {
    i: { itemCode, lines, release: opts.release ?? true, ...opts },
  });
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data!.createBom;
}
