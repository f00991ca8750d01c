import { cumulativeWeights, type Rng } from './rng';

/**
 * Items a machine builder buys and makes: fasteners, bearings, electrical parts, raw material by weight or length,
 * fluids, packaging, machined parts and assemblies, with the base unit each is kept in and a plausible cost.
 */
export interface ItemValues {
  name: string;
  description: string | null;
  type: 'purchased' | 'manufactured' | 'subcontracted' | 'phantom';
  baseUnit: string;
  gtin: string | null;
  leadTimeDays: number;
  safetyStock: string;
  minOrderQty: string | null;
  orderMultiple: string | null;
  /** In millionths of the currency unit, formatted with scale 6 as the numeric(18,6) column returns it. */
  standardCost: string | null;
  costCurrency: string | null;
}

/** An integer count of 10^-scale units as the text PostgreSQL returns for numeric(p, scale). */
export function fixed(units: number, scale: number): string {
  const negative = units < 0;
  const s = String(Math.abs(Math.round(units))).padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${s.slice(0, s.length - scale)}${scale ? '.' + s.slice(s.length - scale) : ''}`;
}

/** GTIN-14 with a correct check digit (mod 10, weights 3 and 1 from the right), as the hub stores GTINs. */
export function gtin14(rng: Rng, companyPrefix: string): string {
  const body = (companyPrefix + rng.digits(12 - companyPrefix.length)).padStart(13, '0');
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(body[12 - i]) * (i % 2 === 0 ? 3 : 1);
  return body + String((10 - (sum % 10)) % 10);
}

interface Family {
  weight: number;
  unit: string;
  type: ItemValues['type'];
  /** Cost per base unit in millionths, as [min, max]. */
  cost: [number, number];
  name: (rng: Rng) => string;
  description?: (rng: Rng) => string;
}

const M = [3, 4, 5, 6, 8, 10, 12, 16, 20, 24];
const LENGTHS = [8, 10, 12, 16, 20, 25, 30, 35, 40, 50, 60, 80, 100, 120];
const FASTENERS: [en: string, de: string, std: string][] = [
  ['Hex bolt', 'Sechskantschraube', 'DIN 933'],
  ['Socket head cap screw', 'Zylinderschraube mit Innensechskant', 'ISO 4762'],
  ['Countersunk screw', 'Senkschraube', 'ISO 10642'],
  ['Hex nut', 'Sechskantmutter', 'DIN 934'],
  ['Washer', 'Unterlegscheibe', 'DIN 125'],
  ['Threaded rod', 'Gewindestange', 'DIN 976'],
];
const GRADES = ['8.8 zinc plated', '10.9', 'A2-70', 'A4-80', '8.8 plain'];
const PARTS = [
  'Gear housing',
  'Drive shaft',
  'Mounting bracket',
  'Flange plate',
  'Pump housing',
  'Guide rail',
  'Cover',
];
const ASSEMBLIES = ['Control cabinet', 'Pump unit', 'Gearbox', 'Conveyor module', 'Hydraulic power pack', 'Gripper'];
const FINISHES = ['anodised', 'hardened and ground', 'hot-dip galvanised', 'powder coated RAL 7035', 'nickel plated'];

const FAMILIES: Family[] = [
  {
    weight: 30,
    unit: 'pcs',
    type: 'purchased',
    cost: [8_000, 2_500_000],
    name: (r) => {
      const [en, de, std] = r.pick(FASTENERS);
      const size = r.pick(M);
      const dims = en.includes('nut') || en === 'Washer' ? `M${size}` : `M${size}x${r.pick(LENGTHS)}`;
      return `${r.chance(0.25) ? de : en} ${dims} ${std} ${r.pick(GRADES)}`;
    },
  },
  {
    weight: 8,
    unit: 'pcs',
    type: 'purchased',
    cost: [1_500_000, 180_000_000],
    name: (r) =>
      r.pick([
        () => `Deep groove ball bearing 6${r.int(0, 3)}${String(r.int(0, 20)).padStart(2, '0')}-2RS`,
        () => `Tapered roller bearing 302${String(r.int(3, 20)).padStart(2, '0')}`,
        () => `Linear bearing LM${r.pick([8, 10, 12, 16, 20, 25, 30])}UU`,
        () => `Rillenkugellager 62${String(r.int(0, 12)).padStart(2, '0')}-2Z`,
      ])(),
  },
  {
    weight: 10,
    unit: 'pcs',
    type: 'purchased',
    cost: [300_000, 450_000_000],
    name: (r) =>
      r.pick([
        () => `Contactor ${r.pick(['24 V DC', '230 V AC'])} 3P ${r.pick([9, 12, 18, 25, 32])} A`,
        () => `Inductive sensor M${r.pick([8, 12, 18, 30])} ${r.pick(['PNP', 'NPN'])} NO`,
        () => `Terminal block ${r.pick(['2.5', '4', '6', '10'])} mm² grey`,
        () => `Servo motor ${r.pick(['0.4', '0.75', '1.5', '3.0'])} kW`,
        () => `Frequency inverter ${r.pick(['0.75', '2.2', '5.5', '11'])} kW 400 V`,
        () => `近接センサ M${r.pick([12, 18])} PNP`,
      ])(),
  },
  {
    weight: 5,
    unit: 'm',
    type: 'purchased',
    cost: [400_000, 25_000_000],
    name: (r) =>
      r.pick([
        () => `Cable H07RN-F ${r.pick(['3G1.5', '3G2.5', '5G2.5', '5G4'])}`,
        () => `Control cable LiYY ${r.pick(['4x0.75', '7x0.5', '12x0.25'])}`,
        () => `Aluminium profile ${r.pick(['30x30', '40x40', '40x80', '45x90'])} slot ${r.pick([6, 8, 10])}`,
        () => `Round bar 42CrMo4 Ø${r.pick([20, 25, 30, 40, 50, 60])}`,
        () => `Hydraulic hose DN${r.pick([6, 8, 10, 12, 16])} 2SN`,
      ])(),
  },
  {
    weight: 6,
    unit: 'kg',
    type: 'purchased',
    cost: [900_000, 14_000_000],
    name: (r) =>
      r.pick([
        () => `Steel sheet S235JR ${r.pick(['1.0', '1.5', '2.0', '3.0', '5.0'])} mm`,
        () => `Stainless sheet 1.4301 ${r.pick(['1.0', '1.5', '2.0'])} mm 2B`,
        () => `${r.pick(['PA6 GF30', 'POM-C', 'PP', 'ABS'])} granulate ${r.pick(['black', 'natural', 'grey'])}`,
        () => `Welding wire G3Si1 Ø${r.pick(['0.8', '1.0', '1.2'])}`,
        () => `聚酰胺 PA66 颗粒`,
      ])(),
  },
  {
    weight: 3,
    unit: 'l',
    type: 'purchased',
    cost: [1_500_000, 12_000_000],
    name: (r) =>
      r.pick([
        () => `Hydraulic oil HLP ${r.pick([32, 46, 68])}`,
        () => 'Cutting fluid emulsion concentrate',
        () => `Gear oil CLP ${r.pick([150, 220, 320])}`,
        () => 'Kühlschmierstoff wassermischbar',
      ])(),
  },
  {
    weight: 2,
    unit: 'm2',
    type: 'purchased',
    cost: [2_000_000, 30_000_000],
    name: (r) => `${r.pick(['Foam insulation', 'Rubber sheet NBR', 'Protective film'])} ${r.pick([2, 5, 10, 20])} mm`,
  },
  {
    weight: 4,
    unit: 'pcs',
    type: 'purchased',
    cost: [500_000, 15_000_000],
    name: (r) =>
      r.pick([
        () => `Carton box ${r.pick(['300x200x150', '400x300x200', '600x400x400'])}`,
        () => 'Euro pallet 1200x800',
        () => `Stretch film ${r.pick([17, 20, 23])} µm`,
      ])(),
  },
  {
    weight: 20,
    unit: 'pcs',
    type: 'manufactured',
    cost: [5_000_000, 900_000_000],
    name: (r) => `${r.pick(PARTS)} ${r.pattern('@@-###')}`,
    description: (r) => `Drawing ${r.pattern('ZN-#####')} rev. ${r.pick(['A', 'B', 'C', 'D'])}`,
  },
  {
    weight: 5,
    unit: 'pcs',
    type: 'manufactured',
    cost: [150_000_000, 25_000_000_000],
    name: (r) => `${r.pick(ASSEMBLIES)} ${r.pattern('@@@-##')} assembly`,
    description: (r) => `Bill of materials ${r.pattern('BOM-#####')}`,
  },
  {
    weight: 5,
    unit: 'pcs',
    type: 'subcontracted',
    cost: [3_000_000, 300_000_000],
    name: (r) => `${r.pick(PARTS)} ${r.pattern('@@-###')} ${r.pick(FINISHES)}`,
    description: () => 'Finishing by an external supplier; material provided',
  },
  {
    weight: 2,
    unit: 'pcs',
    type: 'phantom',
    cost: [0, 0],
    name: (r) => `Kit: ${r.pick(['mounting set', 'spare parts set', 'cable set', 'seal kit'])} ${r.pattern('K-####')}`,
  },
];

const FAMILY_CUMULATIVE = cumulativeWeights(FAMILIES.map((f) => f.weight));
const COST_CURRENCIES = ['EUR', 'EUR', 'EUR', 'EUR', 'EUR', 'EUR', 'USD', 'USD', 'CNY', 'CHF'];

export function makeItem(rng: Rng, units: ReadonlySet<string>): ItemValues {
  const f = rng.weighted(FAMILIES, FAMILY_CUMULATIVE);
  const baseUnit = units.has(f.unit) ? f.unit : 'pcs';
  const costMicros = f.cost[1] === 0 ? null : Math.round(f.cost[0] + (f.cost[1] - f.cost[0]) * rng.next() ** 3);
  // Prices below a cent keep four decimals, others two, as price lists do.
  const cost = costMicros === null ? null : costMicros < 10_000 ? costMicros : Math.round(costMicros / 10_000) * 10_000;
  const bought = f.type === 'purchased';
  return {
    name: f.name(rng),
    description: f.description ? f.description(rng) : rng.chance(0.1) ? 'Standard part, see catalogue' : null,
    type: f.type,
    baseUnit,
    gtin: bought && rng.chance(0.4) ? gtin14(rng, rng.pick(['400', '401', '690', '450', '0'])) : null,
    leadTimeDays: bought ? rng.int(1, 60) : f.type === 'phantom' ? 0 : rng.int(5, 90),
    safetyStock: fixed(f.type === 'phantom' ? 0 : rng.chance(0.5) ? rng.int(1, 50) * 10 : 0, 0) + '.000000',
    minOrderQty: bought && rng.chance(0.5) ? fixed(rng.pick([1, 10, 50, 100, 250, 1000]), 0) + '.000000' : null,
    orderMultiple: bought && rng.chance(0.3) ? fixed(rng.pick([1, 5, 10, 25, 100]), 0) + '.000000' : null,
    standardCost: cost === null ? null : fixed(cost, 6),
    costCurrency: cost === null ? null : rng.pick(COST_CURRENCIES),
  };
}
