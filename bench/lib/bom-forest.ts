/**
 * A reproducible BOM forest for the BOM engine benchmark (bench/bom.ts): purchased parts, sub-assemblies in ten
 * tiers, phantom kits and finished products, each manufactured item with one released default BOM, written with
 * SQL into a migrated mdhub database of its own per size (mdhub_bench_bom_<lines>).
 *
 * Shape, for `lines` BOM lines in all:
 * - Sub-assemblies sit in tiers 1..9. A tier-t BOM has at least one sub-assembly of tier t+1 (tier 9 only parts), so
 *   every tier-1 sub-assembly is nine levels deep; further sub-assemblies come from tiers t+1..t+3, popular ones
 *   (a skewed pick) far more often, which is what makes shared sub-assemblies multiply a tree.
 * - The top product (TOP_CODE) takes one tier-1 sub-assembly (ten levels in all) and further sub-assemblies of tiers
 *   1..6, picked so that its whole tree, every path counted, comes to about lines / 2 nodes (25,000 at 50,000 lines).
 * - The widely used part (WU_CODE), a screw, is on exactly lines / 50 BOMs (1,000 at 50,000 lines): the top
 *   product's own, one sub-assembly deep in its tree, and others (never a phantom kit) picked so that its
 *   multi-level where-used stays near lines / 5 paths.
 * - Every other line belongs to finished products (tier 0) drawing sub-assemblies from some tier on, so the tables
 *   hold a forest, not one tree; the product count absorbs the line budget, so the total is exactly `lines`.
 * - Lines have exact decimal quantities ('2', '0.25', '1.5'), some in g, cm or mm of kg or m parts (quantity_base in
 *   the part's base unit), some scrap (2.5 % or 5 %), some phantom lines (to phantom kits), a few substitutes;
 *   BOMs are for 1 piece, some for 10. Parts carry a standard cost in EUR; a third of them supplier offers.
 *
 * The model is built in memory first (buildForest, pure and seeded), so its tree size and where-used path count are
 * known before anything is written, and checked against plain recursive SQL afterwards.
 */
import pg from 'pg';
import { bulkInsert } from '../../src/db/bulk';
import { migrate } from '../../src/db/migrate';
import { openDatabase } from '../../src/db/pool';
import { Dec } from '../../src/decimal';
import { searchText } from '../../src/master/normalise';
import { MasterService } from '../../src/master/service';
import { items, supplierItems, suppliers } from '../../src/master/tables';
import { bomLines, boms, bomSubstitutes } from '../../src/bom/tables';
import { migrationsHash, writeMarker } from './marker';
import { databaseUrl } from './options';
import { Rng, streamSeed } from './rng';

/** Bumped whenever the generator's output changes, so a stored forest from an older generator is not reused. */
export const FOREST_GENERATOR_VERSION = 3;
export const TOP_CODE = 'BENCH-TOP';
export const WU_CODE = 'BENCH-WU';
/** Sub-assembly tiers below the products; with the parts under the deepest, trees are TIERS + 1 levels deep. */
export const TIERS = 9;
const ACTOR_LABEL = 'system:bench';
const BATCH = 10_000;

export type Unit = 'pcs' | 'kg' | 'm';

export interface ForestItem {
  index: number;
  id: string;
  code: string;
  name: string;
  type: 'purchased' | 'manufactured' | 'phantom';
  baseUnit: Unit;
  /** Standard cost per base unit in EUR, parts only. */
  standardCost: string | null;
  /** 0 for products, 1..9 for sub-assemblies, -1 for parts and phantom kits. */
  tier: number;
}

export interface ForestLine {
  id: string;
  position: number;
  component: ForestItem;
  quantity: string;
  unit: string;
  quantityBase: string;
  scrapPercent: string;
  phantom: boolean;
}

export interface ForestBom {
  id: string;
  item: ForestItem;
  baseQuantity: '1' | '10';
  lines: ForestLine[];
}

export interface ForestSubstitute {
  lineId: string;
  componentId: string;
  priority: number;
  ratio: string;
}

export interface ForestStats {
  lines: number;
  boms: number;
  items: number;
  parts: number;
  products: number;
  phantomLines: number;
  substitutes: number;
  offers: number;
  /** Nodes of the top product's tree, every path counted, phantom lines included. */
  topNodes: number;
  /** Of these, nodes of phantom lines (which an explosion passes through). */
  topPhantomNodes: number;
  topLines: number;
  /** BOMs the widely used part is on, and the paths of its multi-level where-used (every path to every ancestor). */
  wuBoms: number;
  wuPaths: number;
}

export interface Forest {
  items: ForestItem[];
  boms: ForestBom[];
  substitutes: ForestSubstitute[];
  suppliers: { id: string; code: string; name: string }[];
  offers: { id: string; supplierId: string; itemId: string; price: string; preferred: boolean; leadTimeDays: number }[];
  stats: ForestStats;
}

const PART_NAMES: Record<Unit, ((r: Rng) => string)[]> = {
  pcs: [
    (r) => `Hex bolt M${r.pick([4, 5, 6, 8, 10, 12])}x${r.pick([12, 16, 20, 25, 30, 40])} ISO 4017 8.8`,
    (r) => `Hex nut M${r.pick([4, 5, 6, 8, 10, 12])} ISO 4032`,
    (r) => `Deep groove ball bearing 62${String(r.int(0, 12)).padStart(2, '0')}-2RS`,
    (r) => `Inductive sensor M${r.pick([8, 12, 18])} PNP NO`,
    (r) => `Contactor 24 V DC 3P ${r.pick([9, 12, 18, 25])} A`,
    (r) => `O-ring ${r.pick([10, 16, 22, 30])}x${r.pick(['1.5', '2', '2.5'])} NBR 70`,
    (r) => `Gear motor ${r.pick(['0.18', '0.37', '0.75', '1.5'])} kW`,
  ],
  kg: [
    (r) => `Steel sheet S235JR ${r.pick(['1.0', '1.5', '2.0', '3.0'])} mm`,
    (r) => `${r.pick(['PA6 GF30', 'POM-C', 'PP'])} granulate ${r.pick(['black', 'natural'])}`,
    (r) => `Welding wire G3Si1 Ø${r.pick(['0.8', '1.0', '1.2'])}`,
  ],
  m: [
    (r) => `Cable H07RN-F ${r.pick(['3G1.5', '3G2.5', '5G2.5'])}`,
    (r) => `Aluminium profile ${r.pick(['30x30', '40x40', '40x80'])} slot ${r.pick([6, 8, 10])}`,
    (r) => `Hydraulic hose DN${r.pick([6, 8, 10, 12])} 2SN`,
  ],
};
const ASSEMBLY_NAMES = [
  'Gear unit',
  'Pump unit',
  'Drive module',
  'Control cabinet',
  'Conveyor section',
  'Gripper',
  'Frame weldment',
  'Sensor bracket',
  'Valve block',
  'Shaft assembly',
];
const PRODUCT_NAMES = ['Packaging machine', 'Palletiser', 'Filling line', 'Labelling machine', 'Case erector'];

const code = (prefix: string, n: number) => prefix + String(n).padStart(6, '0');
const dec = (text: string | number) => new Dec(text);

/** The forest for `lines` lines and a seed: the same objects on every machine and run. */
export function buildForest(lines: number, seed: number): Forest {
  if (lines < 1_000) throw new Error(`a BOM forest needs at least 1,000 lines, not ${lines}`);
  const rng = new Rng(streamSeed(seed, `bom-forest-${lines}`));
  const all: ForestItem[] = [];
  const newItem = (
    prefix: string,
    n: number,
    name: string,
    type: ForestItem['type'],
    baseUnit: Unit,
    tier: number,
  ): ForestItem => {
    const item: ForestItem = {
      index: all.length,
      id: rng.uuid(),
      code: code(prefix, n),
      name,
      type,
      baseUnit,
      standardCost: null,
      tier,
    };
    all.push(item);
    return item;
  };

  // Parts: pcs mostly, some kg and m; costs with up to four decimals.
  const partCount = Math.max(300, Math.round(lines / 5));
  const parts: ForestItem[] = [];
  for (let i = 0; i < partCount; i++) {
    const r = rng.next();
    const unit: Unit = r < 0.75 ? 'pcs' : r < 0.88 ? 'kg' : 'm';
    const part = newItem('PRT-', i + 1, rng.pick(PART_NAMES[unit])(rng), 'purchased', unit, -1);
    // Log-uniform in ten-thousandths of a euro: pieces from 3 cents to 60 EUR (most of them cheap), material per
    // kg or m from 1 to 30 EUR.
    const [lo, hi] = unit === 'pcs' ? [2.5, 5.8] : [4, 5.5];
    part.standardCost = dec(Math.round(10 ** (lo + (hi - lo) * rng.next())))
      .div(10_000)
      .toFixed();
    parts.push(part);
  }
  const wu = newItem('', 0, 'Hex bolt M6x20 ISO 4017 8.8 zinc plated', 'purchased', 'pcs', -1);
  wu.code = WU_CODE;
  wu.standardCost = '0.0425';

  const estimatedBoms = lines / 10;
  const kitCount = Math.max(10, Math.round(estimatedBoms * 0.03));
  const perTier = Math.max(12, Math.round(estimatedBoms * 0.07));
  const bomOf = new Map<ForestItem, ForestBom>();
  const allBoms: ForestBom[] = [];
  /** Nodes below an item, every path counted: the explosion size; and how many of them are phantom lines. */
  const size = new Map<ForestItem, number>();
  const phantomNodes = new Map<ForestItem, number>();

  // A skewed pick: the first items of a pool are used far more often (standard parts, common sub-assemblies).
  const skewed = <T>(pool: readonly T[], power: number): T => pool[Math.floor(pool.length * rng.next() ** power)]!;
  const partQuantity = (
    part: ForestItem,
    bomBase: '1' | '10',
  ): Pick<ForestLine, 'quantity' | 'unit' | 'quantityBase'> => {
    let perUnit: string;
    let unit: string = part.baseUnit;
    let toBase = dec(1);
    if (part.baseUnit === 'pcs') perUnit = String(rng.pick([1, 1, 2, 2, 4, 6, 8, 12]));
    else if (part.baseUnit === 'kg') {
      perUnit = rng.pick(['0.25', '0.5', '1.5', '2', '0.125', '0.75']);
      if (rng.chance(0.25)) [unit, toBase] = ['g', dec('0.001')];
    } else {
      perUnit = rng.pick(['0.5', '1.2', '2', '0.35', '1.5', '3']);
      const r = rng.next();
      if (r < 0.2) [unit, toBase] = ['cm', dec('0.01')];
      else if (r < 0.25) [unit, toBase] = ['mm', dec('0.001')];
    }
    const base = dec(perUnit).times(bomBase === '10' ? 10 : 1);
    return { quantity: base.div(toBase).toFixed(), unit, quantityBase: base.toFixed() };
  };
  const scrap = () => {
    const r = rng.next();
    return r < 0.85 ? '0' : r < 0.95 ? '2.5' : '5';
  };

  /** A BOM with the given sub-assemblies and kit first, then parts up to `lineCount` lines. */
  const makeBom = (item: ForestItem, subs: ForestItem[], kit: ForestItem | null, lineCount: number): ForestBom => {
    const baseQuantity = item.tier > 0 && rng.chance(0.1) ? '10' : '1';
    const bom: ForestBom = { id: rng.uuid(), item, baseQuantity, lines: [] };
    const used = new Set<ForestItem>();
    const add = (
      component: ForestItem,
      q: Pick<ForestLine, 'quantity' | 'unit' | 'quantityBase'>,
      phantom: boolean,
    ) => {
      used.add(component);
      bom.lines.push({
        id: rng.uuid(),
        position: (bom.lines.length + 1) * 10,
        component,
        ...q,
        scrapPercent: phantom ? '0' : scrap(),
        phantom,
      });
    };
    const pieces = (n: number) => {
      const q = String(n * (baseQuantity === '10' ? 10 : 1));
      return { quantity: q, unit: 'pcs', quantityBase: q };
    };
    for (const s of subs) if (!used.has(s)) add(s, pieces(rng.pick([1, 1, 1, 1, 1, 1, 1, 2, 3])), false);
    if (kit && !used.has(kit)) add(kit, pieces(1), true);
    while (bom.lines.length < lineCount) {
      const part = skewed(parts, 2.2);
      if (!used.has(part)) add(part, partQuantity(part, baseQuantity), false);
    }
    let nodes = 0;
    let phantoms = 0;
    for (const l of bom.lines) {
      nodes += 1 + (size.get(l.component) ?? 0);
      phantoms += (l.phantom ? 1 : 0) + (phantomNodes.get(l.component) ?? 0);
    }
    size.set(item, nodes);
    phantomNodes.set(item, phantoms);
    bomOf.set(item, bom);
    allBoms.push(bom);
    return bom;
  };

  // Phantom kits: a few parts each, passed through into the BOM that uses them.
  const kits: ForestItem[] = [];
  for (let i = 0; i < kitCount; i++) {
    const kit = newItem('KIT-', i + 1, `Mounting kit ${i + 1}`, 'phantom', 'pcs', -1);
    makeBom(kit, [], null, rng.int(2, 5));
    kits.push(kit);
  }

  // Sub-assemblies, deepest tier first, so every component's tree size is known when its parent is built.
  const tiers: ForestItem[][] = [];
  let assemblyNo = 0;
  for (let t = TIERS; t >= 1; t--) {
    const pool: ForestItem[] = [];
    for (let i = 0; i < perTier; i++) {
      const item = newItem('ASM-', ++assemblyNo, `${rng.pick(ASSEMBLY_NAMES)} T${t}`, 'manufactured', 'pcs', t);
      const subs: ForestItem[] = [];
      if (t < TIERS) {
        const r = rng.next();
        const count = r < 0.35 ? 1 : r < 0.8 ? 2 : 3;
        subs.push(skewed(tiers[t + 1]!, 1.6));
        while (subs.length < count) {
          const from = rng.chance(0.7) ? t + 1 : Math.min(TIERS, t + rng.int(2, 3));
          subs.push(skewed(tiers[from]!, 1.6));
        }
      }
      // No kit under the deepest tier: its parts would make the tree one level deeper.
      const kit = t < TIERS && rng.chance(0.1) ? rng.pick(kits) : null;
      makeBom(item, subs, kit, Math.max(subs.length + (kit ? 1 : 0) + 2, rng.int(4, 16)));
      pool.push(item);
    }
    tiers[t] = pool;
  }

  // The top product: one tier-1 sub-assembly for the full depth, then the largest of a few random sub-assemblies
  // of tiers 1..6 that still fit, until the tree is near its target; parts fill the rest.
  const topTarget = Math.round(lines / 2);
  const top = newItem('', 0, 'Packaging line PL-9000 (benchmark top product)', 'manufactured', 'pcs', 0);
  top.code = TOP_CODE;
  const tier1BySize = [...tiers[1]!].sort((a, b) => size.get(a)! - size.get(b)!);
  const firstFits = tier1BySize.filter((i) => size.get(i)! + 1 <= topTarget * 0.5);
  const topSubs = [firstFits.length ? firstFits[firstFits.length - 1]! : tier1BySize[0]!];
  const topKit = kits[0]!;
  let planned = 1 + size.get(topSubs[0]!)! + 1 + size.get(topKit)!;
  const candidates = tiers.slice(1, 7).flat();
  for (let tries = 0; tries < 10_000 && topTarget - planned > 40 && topSubs.length < 40; tries++) {
    const room = topTarget - planned;
    const fitting = candidates.filter((c) => !topSubs.includes(c) && size.get(c)! + 1 <= room);
    if (!fitting.length) break;
    fitting.sort((a, b) => size.get(b)! - size.get(a)!);
    const pick = fitting[rng.int(0, Math.min(4, fitting.length - 1))]!;
    topSubs.push(pick);
    planned += 1 + size.get(pick)!;
  }
  const topPartLines = Math.max(3, topTarget - planned);
  const topBom = makeBom(top, topSubs, topKit, topSubs.length + 1 + topPartLines);

  // Finished products take the rest of the line budget: sub-assemblies from a tier of their own on.
  let remaining = lines - allBoms.reduce((n, b) => n + b.lines.length, 0);
  if (remaining < 4 * 20) throw new Error(`line budget too small for products: ${remaining}`);
  let productNo = 0;
  const products: ForestBom[] = [];
  while (remaining > 0) {
    const item = newItem('PRD-', ++productNo, `${rng.pick(PRODUCT_NAMES)} ${productNo}`, 'manufactured', 'pcs', 0);
    const from = rng.int(1, TIERS);
    const subs = [skewed(tiers[from]!, 1.3)];
    for (let n = rng.int(0, 3); n > 0; n--) subs.push(skewed(tiers[rng.int(from, TIERS)]!, 1.3));
    const kit = rng.chance(0.1) ? rng.pick(kits) : null;
    let count = Math.max(subs.length + (kit ? 1 : 0) + 2, rng.int(4, 16));
    // The last product takes what is left; a remainder too small for a product of its own goes to this one.
    if (remaining - count < 8) count = remaining;
    const bom = makeBom(item, count < subs.length + 3 ? subs.slice(0, 1) : subs, count < 4 ? null : kit, count);
    products.push(bom);
    remaining -= bom.lines.length;
  }

  // Where-used paths above each manufactured item (itself included): 1 + the paths above each BOM it is on.
  const parents = new Map<ForestItem, ForestItem[]>();
  for (const b of allBoms) {
    for (const l of b.lines) {
      const list = parents.get(l.component);
      if (list) list.push(b.item);
      else parents.set(l.component, [b.item]);
    }
  }
  const up = new Map<ForestItem, number>();
  const pathsUp = (item: ForestItem): number => {
    let n = up.get(item);
    if (n === undefined) {
      n = 1;
      for (const p of parents.get(item) ?? []) n += pathsUp(p);
      up.set(item, n);
    }
    return n;
  };

  // The widely used part: on the top product's BOM, on one sub-assembly of tier >= 5 in its tree (the fewest paths
  // above it), then on BOMs taken in random order while their paths fit the budget, until it is on lines / 50 BOMs.
  const wuTarget = Math.round(lines / 50);
  const wuBudget = Math.round(lines / 5);
  const inTopTree = new Set<ForestItem>();
  const walk = (item: ForestItem) => {
    if (inTopTree.has(item)) return;
    inTopTree.add(item);
    for (const l of bomOf.get(item)?.lines ?? []) walk(l.component);
  };
  walk(top);
  const deep = [...inTopTree]
    .filter((i) => i.tier >= 5)
    .sort((a, b) => pathsUp(a) - pathsUp(b) || a.index - b.index)[0]!;
  const chosen: ForestBom[] = [topBom, bomOf.get(deep)!];
  let paths = chosen.reduce((n, b) => n + pathsUp(b.item), 0);
  // Not on phantom kits: a kit is passed through, not a node, which would make its where-used paths a matter of
  // definition.
  const order = allBoms.filter(
    (b) => !chosen.includes(b) && b.item.type !== 'phantom' && b.lines.some((l) => l.component.type === 'purchased'),
  );
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (const b of order) {
    if (chosen.length === wuTarget) break;
    const p = pathsUp(b.item);
    const slots = wuTarget - chosen.length;
    if (p <= Math.max(1, ((wuBudget - paths) / slots) * 4)) {
      chosen.push(b);
      paths += p;
    }
  }
  if (chosen.length < wuTarget) throw new Error(`the widely used part is on ${chosen.length} BOMs, not ${wuTarget}`);
  for (const b of chosen) {
    // It replaces a part line, so line counts and tree sizes stay as they are.
    const partLines = b.lines.filter((l) => l.component.type === 'purchased');
    const line = partLines[rng.int(0, partLines.length - 1)]!;
    const q = String(rng.pick([2, 4, 4, 6, 8]) * (b.baseQuantity === '10' ? 10 : 1));
    Object.assign(line, { component: wu, quantity: q, unit: 'pcs', quantityBase: q, scrapPercent: '0' });
  }

  // Substitutes on about 1 % of the part lines: other parts in the same base unit (never the widely used part).
  const substitutes: ForestSubstitute[] = [];
  const partsByUnit = new Map<Unit, ForestItem[]>();
  for (const p of parts) {
    const list = partsByUnit.get(p.baseUnit);
    if (list) list.push(p);
    else partsByUnit.set(p.baseUnit, [p]);
  }
  for (const b of allBoms) {
    for (const l of b.lines) {
      if (l.component.type !== 'purchased' || l.component === wu || !rng.chance(0.01)) continue;
      const pool = partsByUnit.get(l.component.baseUnit)!;
      const taken = new Set([l.component]);
      for (let priority = 1; priority <= rng.int(1, 2); priority++) {
        const s = rng.pick(pool);
        if (taken.has(s)) continue;
        taken.add(s);
        substitutes.push({ lineId: l.id, componentId: s.id, priority, ratio: rng.pick(['1', '1', '1.2', '0.5']) });
      }
    }
  }

  // Suppliers and their offers for about a third of the parts.
  const supplierCount = Math.max(20, Math.round(lines / 250));
  const supplierRows = Array.from({ length: supplierCount }, (_, i) => ({
    id: rng.uuid(),
    code: code('BSUP-', i + 1),
    name: `${rng.pick(['Müller', 'Schmidt', 'Rossi', 'Dubois', 'Novak', 'Jensen'])} ${rng.pick(['Industrietechnik', 'Components', 'Fasteners', 'Elektro'])} ${i + 1}`,
  }));
  const offers: Forest['offers'] = [];
  for (const p of parts) {
    if (!rng.chance(0.33)) continue;
    const from = new Set<number>();
    for (let n = rng.int(1, 3); n > 0; n--) from.add(Math.floor(supplierCount * rng.next() ** 1.5));
    let first = true;
    for (const s of from) {
      const price = dec(p.standardCost!)
        .times(0.8 + rng.int(0, 40) / 100)
        .toDecimalPlaces(6);
      offers.push({
        id: rng.uuid(),
        supplierId: supplierRows[s]!.id,
        itemId: p.id,
        price: price.gt(0) ? price.toFixed() : '0.0001',
        preferred: first && rng.chance(0.6),
        leadTimeDays: rng.int(2, 60),
      });
      first = false;
    }
  }

  const lineCount = allBoms.reduce((n, b) => n + b.lines.length, 0);
  if (lineCount !== lines) throw new Error(`generated ${lineCount} lines instead of ${lines}`);
  return {
    items: all,
    boms: allBoms,
    substitutes,
    suppliers: supplierRows,
    offers,
    stats: {
      lines: lineCount,
      boms: allBoms.length,
      items: all.length,
      parts: parts.length + 1,
      products: products.length + 1,
      phantomLines: allBoms.reduce((n, b) => n + b.lines.filter((l) => l.phantom).length, 0),
      substitutes: substitutes.length,
      offers: offers.length,
      topNodes: size.get(top)!,
      topPhantomNodes: phantomNodes.get(top)!,
      topLines: topBom.lines.length,
      wuBoms: chosen.length,
      wuPaths: paths,
    },
  };
}

export interface ForestMarker {
  generator: number;
  seed: number;
  lines: number;
  /** A hash of the migrations the database was created with: a changed schema means generating again. */
  schema: string;
  stats: ForestStats;
  generatedAt: string;
  seconds: number;
}

/** The bench database of one size. */
export const forestDatabase = (lines: number) => `mdhub_bench_bom_${lines}`;

/** The marker of the forest in a bench database, or null when the database, or a finished forest in it, is missing. */
export async function readForestMarker(serverUrl: string, lines: number): Promise<ForestMarker | null> {
  const client = new pg.Client({ connectionString: databaseUrl({ serverUrl, database: forestDatabase(lines) }) });
  try {
    await client.connect();
  } catch {
    return null;
  }
  try {
    const res = await client.query<{ value: ForestMarker }>(`SELECT value FROM bench_marker WHERE name = 'bom-forest'`);
    return res.rows[0]?.value ?? null;
  } catch {
    return null;
  } finally {
    await client.end();
  }
}

export function forestMatches(marker: ForestMarker | null, lines: number, seed: number): marker is ForestMarker {
  return (
    marker !== null &&
    marker.generator === FOREST_GENERATOR_VERSION &&
    marker.seed === seed &&
    marker.lines === lines &&
    marker.schema === migrationsHash()
  );
}

/**
 * Drops and recreates the size's bench database, migrates it and writes the forest: one statement per table and
 * batch of up to 10,000 rows, each with the rows as one JSON parameter (src/db/bulk.ts), all in one transaction.
 * Then checks the top product's tree size with a plain recursive count against the model's.
 */
export async function generateForest(
  serverUrl: string,
  lines: number,
  seed: number,
  say: (line: string) => void = console.log,
): Promise<ForestMarker> {
  const started = performance.now();
  let last = started;
  const lap = (what: string) => {
    const now = performance.now();
    say(`  ${what.padEnd(44)} ${((now - last) / 1000).toFixed(1).padStart(6)} s`);
    last = now;
  };
  const database = forestDatabase(lines);
  say(`generating a BOM forest of ${lines.toLocaleString('en')} lines (seed ${seed}) into database ${database}`);
  const forest = buildForest(lines, seed);
  lap('model');
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const hub = await openDatabase({
    url: databaseUrl({ serverUrl, database }),
    poolMax: 2,
    applicationName: 'mdhub-bench',
  });
  try {
    await migrate(hub.pool);
    await new MasterService(hub.db, { defaultRegion: 'DE', codeRules: {} }).init();
    lap('database, migrations, coding rules');
    const batches = async <T>(rows: readonly T[], write: (batch: T[]) => Promise<unknown>) => {
      for (let i = 0; i < rows.length; i += BATCH) await write(rows.slice(i, i + BATCH));
    };
    const audit = { createdBy: ACTOR_LABEL, updatedBy: ACTOR_LABEL };
    await hub.db.transaction(async (tx) => {
      // A lost commit on a crash only means generating again.
      await tx.execute('SET LOCAL synchronous_commit = off');
      await batches(forest.items, (rows) =>
        bulkInsert(
          tx,
          items,
          rows.map((i) => ({
            id: i.id,
            code: i.code,
            searchText: searchText(`${i.name} ${i.code}`),
            ...audit,
            name: i.name,
            type: i.type,
            baseUnit: i.baseUnit,
            leadTimeDays: i.type === 'purchased' ? 10 : 5,
            standardCost: i.standardCost,
            costCurrency: i.standardCost === null ? null : 'EUR',
          })),
        ),
      );
      await bulkInsert(
        tx,
        suppliers,
        forest.suppliers.map((s) => ({
          ...s,
          searchText: searchText(`${s.name} ${s.code}`),
          ...audit,
          country: 'DE',
          currency: 'EUR',
        })),
      );
      await batches(forest.offers, (rows) =>
        bulkInsert(
          tx,
          supplierItems,
          rows.map((o) => ({ ...o, currency: 'EUR' })),
        ),
      );
      lap(`${forest.items.length} items, ${forest.offers.length} offers`);
      await batches(forest.boms, (rows) =>
        bulkInsert(
          tx,
          boms,
          rows.map((b) => ({
            id: b.id,
            itemId: b.item.id,
            versionLabel: 'A',
            status: 'released',
            isDefault: true,
            baseQuantity: b.baseQuantity,
            validFrom: null,
            validTo: null,
            description: null,
            ...audit,
            releasedBy: ACTOR_LABEL,
          })),
          { expressions: { releasedAt: 'now()' } },
        ),
      );
      const lineRows = forest.boms.flatMap((b) =>
        b.lines.map((l) => ({
          id: l.id,
          bomId: b.id,
          position: l.position,
          componentId: l.component.id,
          quantity: l.quantity,
          unit: l.unit,
          quantityBase: l.quantityBase,
          scrapPercent: l.scrapPercent,
          phantom: l.phantom,
        })),
      );
      await batches(lineRows, (rows) => bulkInsert(tx, bomLines, rows));
      await bulkInsert(
        tx,
        bomSubstitutes,
        forest.substitutes.map((s) => ({ ...s })),
      );
      lap(`${forest.boms.length} BOMs, ${lines} lines, ${forest.substitutes.length} substitutes`);
    });
    await hub.pool.query('VACUUM ANALYZE');
    lap('VACUUM ANALYZE');
    const counted = await hub.pool.query<{ nodes: number; phantoms: number; depth: number }>(TOP_TREE_COUNT, [
      TOP_CODE,
    ]);
    const { nodes, phantoms, depth } = counted.rows[0]!;
    say(
      `  top product ${TOP_CODE}: ${nodes.toLocaleString('en')} nodes (${phantoms} of them phantom kits), ` +
        `${depth} levels (plain recursive count)`,
    );
    if (nodes !== forest.stats.topNodes || phantoms !== forest.stats.topPhantomNodes) {
      throw new Error(
        `the top product's tree has ${nodes} nodes (${phantoms} phantom) in the database, ` +
          `${forest.stats.topNodes} (${forest.stats.topPhantomNodes}) in the model`,
      );
    }
    const marker: ForestMarker = {
      generator: FOREST_GENERATOR_VERSION,
      seed,
      lines,
      schema: migrationsHash(),
      stats: forest.stats,
      generatedAt: new Date().toISOString(),
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
    await writeMarker(hub.pool, 'bom-forest', 'bench/lib/bom-forest.ts', marker);
    say(`  ${'total'.padEnd(44)} ${marker.seconds.toFixed(1).padStart(6)} s`);
    return marker;
  } finally {
    await hub.close();
  }
}

/** The top product's tree size, phantom nodes and depth: every path counted, by the plainest recursive query. */
export const TOP_TREE_COUNT = `
WITH RECURSIVE tree AS (
  SELECT l.component_id, 1 AS level, l.phantom
    FROM items i
    JOIN boms b ON b.item_id = i.id AND b.is_default AND b.status = 'released'
    JOIN bom_lines l ON l.bom_id = b.id
   WHERE i.code = $1
  UNION ALL
  SELECT l.component_id, t.level + 1, l.phantom
    FROM tree t
    JOIN boms b ON b.item_id = t.component_id AND b.is_default AND b.status = 'released'
    JOIN bom_lines l ON l.bom_id = b.id
)
SELECT count(*)::int AS nodes, (count(*) FILTER (WHERE phantom))::int AS phantoms, max(level) AS depth FROM tree`;
