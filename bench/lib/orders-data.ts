/**
 * Reproducible order-to-cash data for bench/order-to-cash.ts: customers, items and suppliers, sales orders of 5
 * lines each and their downstream documents (shipments, invoices and credit notes, payments, production and purchase
 * orders serving the orders' lines) with the links and history rows src/orders/store.ts and links.ts would have
 * written for them, loaded set-based into a freshly migrated mdhub database: one statement per table and batch, the
 * rows as one JSON parameter read by jsonb_to_recordset (src/db/bulk.ts), all in one transaction.
 *
 *   npx tsx bench/lib/orders-data.ts [--quick] [--orders=N --customers=N --items=N --suppliers=N] [--seed=N]
 *                                    [--as-of=YYYY-MM-DD] [--database=name]
 *
 * Dates are relative to an as-of day (default: today, UTC): orders spread over the two years before it. Same seed,
 * sizes and as-of day give the same data on any machine. The marker in the database keeps the data in use while
 * generator, seed, sizes and migrations are unchanged and its as-of day is at most MAX_AGE_DAYS old (orders promised
 * since then and not delivered have become late meanwhile).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { type Actor, actorLabel } from '../../src/actor';
import { bulkInsert } from '../../src/db/bulk';
import { migrate } from '../../src/db/migrate';
import { type Db, openDatabase } from '../../src/db/pool';
import { Dec, minorUnits } from '../../src/decimal';
import type { Tx } from '../../src/master/codes';
import { searchText } from '../../src/master/normalise';
import { MasterService } from '../../src/master/service';
import { customers, items, recordHistory, suppliers } from '../../src/master/tables';
import type { StoredLink } from '../../src/orders/links';
import { type DocumentKind, type DocumentRow, ENTITY_OF } from '../../src/orders/store';
import { documentLines, documentLinks, documents } from '../../src/orders/tables';
import { migrationsHash, UNITS_PER_EUR as BASE_UNITS_PER_EUR, writeMarker } from './marker';
import { makeItem } from './catalog';
import { databaseUrl, parse } from './options';
import { Rng, streamSeed } from './rng';
import { ROOT } from './servers';
import { makeParty } from './world';

/** Bumped whenever the generator's output changes, so data from an older generator is not reused. */
export const ORDERS_GENERATOR_VERSION = 1;
export const DEFAULT_O2C_SEED = 20_261_207;
/** Data generated for an as-of day older than this many days is generated again. */
const MAX_AGE_DAYS = 7;
const LINES_PER_ORDER = 5;
/** Order history spans this many days before the as-of day. */
const SPAN_DAYS = 730;
/** Of the orders promised before the as-of day (and not cancelled), this share is not fully delivered: late. */
const LATE_SHARE_OF_DUE = 0.105;
/** Rows per INSERT statement (documents, lines, links and history are flushed when the documents reach it). */
const BATCH = 8_000;
const DAY_MS = 86_400_000;

export interface OrderSizes {
  customers: number;
  items: number;
  suppliers: number;
  orders: number;
}

export const O2C_SIZES: OrderSizes = { customers: 5_000, items: 2_000, suppliers: 300, orders: 50_000 };
export const O2C_QUICK_SIZES: OrderSizes = { customers: 500, items: 200, suppliers: 40, orders: 2_000 };

export interface OrdersOptions {
  serverUrl: string;
  database: string;
  sizes: OrderSizes;
  seed: number;
  /** The day the data is "now" for: YYYY-MM-DD. */
  asOf: string;
  /** Whether asOf was given (then a marker must match it exactly) or defaulted to today. */
  asOfGiven: boolean;
}

/** What was generated, as counted while generating. */
export interface OrdersStats {
  documents: Record<DocumentKind, number>;
  creditNotes: number;
  lines: number;
  links: number;
  history: number;
  /** Promised before the as-of day, not cancelled, some line not shipped in full. */
  lateOrders: number;
  cancelledOrders: number;
  /** Invoices (not credit notes) not fully paid whose due date is before the as-of day. */
  overdueInvoices: number;
  /** Downstream documents per order: the fewest, the most, and how many orders have the most. */
  downstreamMin: number;
  downstreamMax: number;
  /** Whether order_status / invoice_status were filled, and how. */
  status: string;
}

export interface OrdersMarker {
  generator: number;
  seed: number;
  sizes: OrderSizes;
  asOf: string;
  schema: string;
  stats: OrdersStats;
  generatedAt: string;
  seconds: number;
}

export const ORDERS_ARGS = {
  orders: { type: 'string' },
  'as-of': { type: 'string' },
} as const;

function count(name: string, raw: unknown, fallback: number): number {
  if (raw === undefined || raw === '' || raw === null) return fallback;
  const n = Number(String(raw).replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}: not a whole number from 1: ${String(raw)}`);
  return n;
}

const today = () => new Date().toISOString().slice(0, 10);

/** Options from parsed arguments: --quick, --orders, --customers, --items, --suppliers, --seed, --as-of, --database. */
export function ordersOptions(values: Record<string, string | boolean | undefined>, env = process.env): OrdersOptions {
  const base = values.quick ? O2C_QUICK_SIZES : O2C_SIZES;
  const sizes: OrderSizes = {
    customers: count('customers', values.customers, base.customers),
    items: count('items', values.items, base.items),
    suppliers: count('suppliers', values.suppliers, base.suppliers),
    orders: count('orders', values.orders ?? env.BENCH_O2C_ORDERS, base.orders),
  };
  const database =
    (typeof values.database === 'string' ? values.database : undefined) ??
    env.BENCH_O2C_DATABASE ??
    (values.quick ? 'mdhub_bench_o2c_quick' : 'mdhub_bench_o2c');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) throw new Error(`database: not a plain lower-case name: ${database}`);
  const asOfRaw = typeof values['as-of'] === 'string' ? values['as-of'] : undefined;
  if (asOfRaw !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(asOfRaw))
    throw new Error(`as-of: not YYYY-MM-DD: ${asOfRaw}`);
  return {
    serverUrl: env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    database,
    sizes,
    seed: count('seed', values.seed ?? env.BENCH_SEED, DEFAULT_O2C_SEED),
    asOf: asOfRaw ?? today(),
    asOfGiven: asOfRaw !== undefined,
  };
}

export const sameOrderSizes = (a: OrderSizes, b: OrderSizes) =>
  a.customers === b.customers && a.items === b.items && a.suppliers === b.suppliers && a.orders === b.orders;

export const formatOrderSizes = (s: OrderSizes) =>
  `${s.orders.toLocaleString('en')} sales orders of ${LINES_PER_ORDER} lines, ` +
  `${s.customers.toLocaleString('en')} customers, ${s.items.toLocaleString('en')} items, ` +
  `${s.suppliers.toLocaleString('en')} suppliers`;

export async function readOrdersMarker(opts: OrdersOptions): Promise<OrdersMarker | null> {
  const client = new pg.Client({ connectionString: databaseUrl(opts) });
  try {
    await client.connect();
  } catch {
    return null;
  }
  try {
    const res = await client.query<{ value: OrdersMarker }>(
      `SELECT value FROM bench_marker WHERE name = 'order-to-cash'`,
    );
    return res.rows[0]?.value ?? null;
  } catch {
    return null;
  } finally {
    await client.end();
  }
}

const dayOf = (iso: string) => Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

export function ordersMarkerMatches(marker: OrdersMarker | null, opts: OrdersOptions): marker is OrdersMarker {
  if (
    marker === null ||
    marker.generator !== ORDERS_GENERATOR_VERSION ||
    marker.seed !== opts.seed ||
    !sameOrderSizes(marker.sizes, opts.sizes) ||
    marker.schema !== migrationsHash() ||
    marker.stats.status !== statusEngine().describe
  )
    return false;
  if (opts.asOfGiven) return marker.asOf === opts.asOf;
  const age = dayOf(opts.asOf) - dayOf(marker.asOf);
  return age >= 0 && age <= MAX_AGE_DAYS;
}

// ---- The status engine (derived order status), when the checkout has it.

/**
 * The derived-status cache (order_status, invoice_status) is kept by src/orders/status.ts when the checkout has it:
 * after the load, its refreshAllOrderStatus recomputes every sales order's and invoice's row set-based, as after
 * any bulk load that goes around DocumentStore. Without it the tables (if migrated) stay empty. `describe` carries
 * a hash of status.ts, so data whose status rows an older engine computed gets them recomputed.
 */
function statusEngine(): { file: string; present: boolean; describe: string } {
  const file = path.join(ROOT, 'src', 'orders', 'status.ts');
  if (!fs.existsSync(file)) return { file, present: false, describe: 'none (no src/orders/status.ts)' };
  const hash = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 12);
  return { file, present: true, describe: `refreshAllOrderStatus of src/orders/status.ts (${hash})` };
}

/** Fills order_status and invoice_status through the status engine, in one transaction; returns how. */
async function refreshStatus(db: Db, say: (line: string) => void): Promise<string> {
  const engine = statusEngine();
  if (!engine.present) {
    say('  no status engine in this checkout (src/orders/status.ts): order_status stays empty');
    return engine.describe;
  }
  // Loaded at run time: the benchmark also runs on checkouts from before the engine.
  const mod = (await import(engine.file.replace(/\.ts$/, ''))) as {
    refreshAllOrderStatus?: (tx: Tx) => Promise<void>;
  };
  if (typeof mod.refreshAllOrderStatus !== 'function')
    throw new Error('src/orders/status.ts has no refreshAllOrderStatus(tx): update bench/lib/orders-data.ts');
  await db.transaction(async (tx) => {
    await tx.execute('SET LOCAL synchronous_commit = off');
    await tx.execute('DELETE FROM order_status');
    await tx.execute('DELETE FROM invoice_status');
    await mod.refreshAllOrderStatus!(tx);
  });
  return engine.describe;
}

// ---- The model.

type Row = Record<string, unknown>;

/** The euro rates of ./marker.ts, with the currencies only this data set's customers use. */
const UNITS_PER_EUR: Record<string, number> = {
  ...BASE_UNITS_PER_EUR,
  USD: 1.1,
  GBP: 0.85,
  CHF: 0.95,
  CAD: 1.5,
  AUD: 1.65,
  SGD: 1.45,
};

const CARRIERS = ['DHL Freight', 'DB Schenker', 'Kuehne+Nagel', 'DSV', 'UPS', 'FedEx', 'Nippon Express', 'GEODIS'];
const USERS = ['anna.keller', 'li.wei', 'marco.rossi', 'yuki.tanaka', 'jan.nowak', 'sofia.lindqvist'];
const ERP: Actor = { kind: 'connection', id: 'sap-erp' };
const WMS: Actor = { kind: 'connection', id: 'wms-central' };
const BANK: Actor = { kind: 'connection', id: 'bank-camt' };
const MES: Actor = { kind: 'connection', id: 'mes-plant1' };
const SYSTEM_ACTOR: Actor = { kind: 'system', id: 'bench' };

interface PartyRef {
  id: string;
  currency: string;
}

interface ItemRef {
  id: string;
  baseUnit: string;
  /** A list price in EUR. */
  priceEur: number;
}

interface LineRow {
  id: string;
  documentId: string;
  lineNo: number;
  itemId: string;
  description: string | null;
  quantity: string;
  unit: string;
  unitPrice: string | null;
  amount: string | null;
  receivedQuantity: string | null;
  promisedDate: string | null;
}

/** A document row as store.ts keeps it, so history data has its shape. */
type DocRow = DocumentRow;

/** A link row as links.ts writes it (the id is the table's). */
type LinkRow = Omit<StoredLink, 'id'>;

const minor = new Map<string, number>();
const minorOf = (currency: string) => {
  let m = minor.get(currency);
  if (m === undefined) minor.set(currency, (m = minorUnits(currency)));
  return m;
};
const amountOf = (quantity: string, price: string, currency: string) =>
  new Dec(quantity).mul(price).toDecimalPlaces(minorOf(currency), Dec.ROUND_HALF_UP).toFixed();
const sumOf = (xs: readonly string[]) => xs.reduce((a, x) => a.plus(x), new Dec(0)).toFixed();
const num = (prefix: string, n: number, width = 6) => prefix + String(n).padStart(width, '0');

/** Buffers of rows waiting for their INSERT, and the counts for the marker. */
class Sink {
  docs: DocRow[] = [];
  lines: LineRow[] = [];
  links: LinkRow[] = [];
  history: Row[] = [];
  stats: Omit<OrdersStats, 'status'> = {
    documents: {
      quotation: 0,
      sales_order: 0,
      production_order: 0,
      purchase_order: 0,
      shipment: 0,
      invoice: 0,
      payment: 0,
    },
    creditNotes: 0,
    lines: 0,
    links: 0,
    history: 0,
    lateOrders: 0,
    cancelledOrders: 0,
    overdueInvoices: 0,
    downstreamMin: Infinity,
    downstreamMax: 0,
  };

  constructor(private readonly tx: Tx) {}

  add(doc: DocRow, lines: LineRow[], actor: Actor): void {
    this.docs.push(doc);
    for (const l of lines) this.lines.push(l);
    // As DocumentStore.record writes it: the row with its number as code and its lines, as JSON.
    this.history.push({
      entity: ENTITY_OF[doc.kind],
      entityId: doc.id,
      version: 1,
      operation: 'created',
      data: { ...doc, code: doc.number, lines },
      changedAt: doc.createdAt,
      actorKind: actor.kind,
      actorId: actor.id,
      reason: null,
    });
    this.stats.documents[doc.kind]++;
    if (doc.creditNote) this.stats.creditNotes++;
    this.stats.lines += lines.length;
    this.stats.history++;
  }

  link(l: LinkRow): void {
    this.links.push(l);
    this.stats.links++;
  }

  async flushIfFull(): Promise<void> {
    if (this.docs.length >= BATCH) await this.flush();
  }

  /**
   * Sends the buffered rows (one INSERT per table and batch) without waiting for them: the next batch is made
   * while PostgreSQL writes this one. At most one batch is in flight; a failure surfaces at the next flush.
   */
  async flush(): Promise<void> {
    await this.settle();
    const { docs, lines, links, history } = this;
    // One statement at a time on the transaction's connection, in the background of the next batch's making.
    const writes: (() => Promise<unknown>)[] = [() => bulkInsert(this.tx, documents, docs as unknown as Row[])];
    for (let i = 0; i < lines.length; i += BATCH * 2)
      writes.push(() => bulkInsert(this.tx, documentLines, lines.slice(i, i + BATCH * 2) as unknown as Row[]));
    for (let i = 0; i < links.length; i += BATCH * 2)
      writes.push(() => bulkInsert(this.tx, documentLinks, links.slice(i, i + BATCH * 2) as unknown as Row[]));
    writes.push(() => bulkInsert(this.tx, recordHistory, history));
    this.pending = (async () => {
      for (const write of writes) await write();
    })().catch((e: unknown) => {
      this.failure = e;
    });
    this.docs = [];
    this.lines = [];
    this.links = [];
    this.history = [];
  }

  /** Waits for the batch in flight; rethrows its failure. */
  async settle(): Promise<void> {
    const t = performance.now();
    await this.pending;
    this.waitedMs += performance.now() - t;
    if (this.failure !== undefined) throw this.failure;
  }

  private pending: Promise<void> = Promise.resolve();
  private failure: unknown = undefined;
  /** Time the generator stood waiting for PostgreSQL to finish a batch. */
  waitedMs = 0;
}

/** A creation time on a day: working hours, UTC, millisecond precision like the columns. */
const at = (rng: Rng, day: number) => new Date(day * DAY_MS + rng.int(6 * 3_600_000, 18 * 3_600_000));

function docRow(
  rng: Rng,
  kind: DocumentKind,
  number: string,
  day: number,
  actor: Actor,
  fields: Partial<DocRow>,
): DocRow {
  const created = at(rng, day);
  const label = actorLabel(actor);
  return {
    id: rng.uuid(),
    kind,
    number,
    state: 'open',
    customerId: null,
    supplierId: null,
    itemId: null,
    warehouseId: null,
    quantity: null,
    producedQuantity: null,
    currency: null,
    totalAmount: null,
    documentDate: isoDay(day),
    promisedDate: null,
    dueDate: null,
    creditNote: false,
    subcontract: false,
    carrier: null,
    trackingNumber: null,
    sourceSystem: null,
    version: 1,
    createdAt: created,
    updatedAt: created,
    createdBy: label,
    updatedBy: label,
    ...fields,
  };
}

function lineRow(
  rng: Rng,
  documentId: string,
  lineNo: number,
  itemId: string,
  unit: string,
  quantity: string,
  fields: Partial<LineRow> = {},
): LineRow {
  return {
    id: rng.uuid(),
    documentId,
    lineNo,
    itemId,
    description: null,
    quantity,
    unit,
    unitPrice: null,
    amount: null,
    receivedQuantity: null,
    promisedDate: null,
    ...fields,
  };
}

interface Counters {
  shipment: number;
  invoice: number;
  creditNote: number;
  payment: number;
  production: number;
  purchase: number;
}

interface OrderLine {
  lineNo: number;
  item: ItemRef;
  quantity: number;
  price: string;
}

/**
 * One sales order and everything downstream of it, as of `asOfDay`. Orders are numbered and dated in sequence over
 * the span; what happened to an order depends on whether its promised day has passed.
 */
function makeChain(
  rng: Rng,
  i: number,
  total: number,
  asOfDay: number,
  parties: { customers: PartyRef[]; suppliers: PartyRef[]; items: ItemRef[] },
  n: Counters,
  sink: Sink,
): void {
  const lastDay = asOfDay - 1;
  const clampDay = (d: number, lo: number) => Math.min(Math.max(d, lo), lastDay);
  const orderDay = Math.min(asOfDay - SPAN_DAYS + Math.floor((SPAN_DAYS * i) / total) + rng.int(0, 1), lastDay);
  const promisedDay = orderDay + rng.int(7, 45);
  const customer = parties.customers[Math.floor(parties.customers.length * rng.next() ** 1.6)]!;
  const currency = customer.currency;
  const rate = UNITS_PER_EUR[currency] ?? 1;
  const digits = minorOf(currency);
  const used = new Set<number>();
  const lines: OrderLine[] = [];
  for (let lineNo = 1; lineNo <= LINES_PER_ORDER; lineNo++) {
    let k = Math.floor(parties.items.length * rng.next() ** 1.4);
    while (used.has(k)) k = (k + 1) % parties.items.length;
    used.add(k);
    const item = parties.items[k]!;
    const quantity = item.baseUnit === 'pcs' ? Math.ceil(60 * rng.next() ** 2.5) : rng.int(1, 250);
    const price = new Dec(item.priceEur * rate * (0.9 + 0.3 * rng.next())).toDecimalPlaces(digits).toFixed();
    lines.push({ lineNo, item, quantity, price: price === '0' ? '1' : price });
  }
  const orderNumber = num('SO-', i + 1);
  const r = rng.next();
  const cancelled = r < 0.01;
  const onHold = !cancelled && r < 0.02;
  const due = promisedDay < asOfDay;
  const late = due && !cancelled && (onHold || rng.chance(LATE_SHARE_OF_DUE));
  const fullDelivery = due && !late && !cancelled;
  const canShip = orderDay + 1 <= lastDay;
  const partial =
    !cancelled &&
    !onHold &&
    canShip &&
    ((late && rng.chance(0.55)) || (!due && orderDay < asOfDay - 3 && rng.chance(0.4)));

  // Shipments: quantity per line and shipment.
  const shipments: { day: number; qty: number[] }[] = [];
  if (fullDelivery) {
    const s1 = clampDay(promisedDay - rng.int(0, 6), orderDay + 1);
    const over = rng.chance(0.03) ? rng.int(0, LINES_PER_ORDER - 1) : -1;
    const shipped = lines.map((l, k) =>
      k === over ? l.quantity + Math.max(1, Math.round(l.quantity * 0.1)) : l.quantity,
    );
    if (rng.chance(0.3)) {
      const a: number[] = [];
      const b: number[] = [];
      shipped.forEach((q) => {
        const x = rng.next();
        const first = x < 0.5 ? q : x < 0.75 ? 0 : Math.floor(q / 2);
        a.push(first);
        b.push(q - first);
      });
      if (!a.some((q) => q > 0)) [a[0], b[0]] = [b[0]!, 0];
      if (!b.some((q) => q > 0)) [b[LINES_PER_ORDER - 1], a[LINES_PER_ORDER - 1]] = [a[LINES_PER_ORDER - 1]!, 0];
      shipments.push({ day: s1, qty: a }, { day: clampDay(s1 + rng.int(2, 20), s1), qty: b });
    } else {
      shipments.push({ day: s1, qty: shipped });
    }
  } else if (partial) {
    const qty = lines.map((l) =>
      rng.chance(0.6) ? (rng.chance(0.5) ? l.quantity : Math.floor(l.quantity * (0.2 + 0.6 * rng.next()))) : 0,
    );
    if (!qty.some((q) => q > 0)) qty[0] = Math.max(1, Math.floor(lines[0]!.quantity / 2));
    // Something stays to deliver: the last line at most in part.
    const lastLine = lines[LINES_PER_ORDER - 1]!;
    if (qty.every((q, k) => q >= lines[k]!.quantity)) qty[LINES_PER_ORDER - 1] = Math.floor(lastLine.quantity / 2);
    shipments.push({ day: clampDay(orderDay + rng.int(2, 20), orderDay + 1), qty });
  }
  const shippedPerLine = lines.map((_, k) => shipments.reduce((s, x) => s + x.qty[k]!, 0));
  const delivered = shippedPerLine.every((q, k) => q >= lines[k]!.quantity);
  if (due && !cancelled && !delivered) sink.stats.lateOrders++;
  if (cancelled) sink.stats.cancelledOrders++;

  let downstream = 0;
  const soActor: Actor = rng.chance(0.85) ? ERP : { kind: 'user', id: rng.pick(USERS) };

  // Invoices bill what each shipment delivered, a few days later; a few shipments are not billed yet.
  const invoices: { number: string; day: number; total: string; dueDay: number }[] = [];
  const shipmentDocs: { number: string; shipment: (typeof shipments)[number] }[] = [];
  for (const s of shipments) {
    const number = num('SH-', ++n.shipment, 7);
    const doc = docRow(rng, 'shipment', number, s.day, WMS, {
      state: 'done',
      customerId: customer.id,
      carrier: rng.pick(CARRIERS),
      trackingNumber: rng.pattern('@@#########@@'),
    });
    const rows: LineRow[] = [];
    s.qty.forEach((q, k) => {
      if (q === 0) return;
      const l = lines[k]!;
      rows.push(lineRow(rng, doc.id, rows.length + 1, l.item.id, l.item.baseUnit, String(q)));
      sink.link({
        kind: 'delivers',
        fromKind: 'shipment',
        fromNumber: number,
        fromLineNo: rows.length,
        toKind: 'sales_order',
        toNumber: orderNumber,
        toLineNo: l.lineNo,
        quantity: String(q),
        amount: null,
        statedByDocument: true,
        createdAt: doc.createdAt,
        createdBy: doc.createdBy,
      });
    });
    sink.add(doc, rows, WMS);
    downstream++;
    shipmentDocs.push({ number, shipment: s });
  }
  let allBilled = shipments.length > 0;
  for (const { shipment: s } of shipmentDocs) {
    if (s.day > asOfDay - 2 || rng.chance(0.03)) {
      allBilled = false;
      continue;
    }
    const day = clampDay(s.day + rng.int(0, 3), s.day);
    const number = num('INV-', ++n.invoice, 7);
    const doc = docRow(rng, 'invoice', number, day, ERP, {
      state: 'done',
      customerId: customer.id,
      currency,
      dueDate: isoDay(day + 30),
    });
    const rows: LineRow[] = [];
    s.qty.forEach((q, k) => {
      if (q === 0) return;
      const l = lines[k]!;
      const quantity = String(q);
      rows.push(
        lineRow(rng, doc.id, rows.length + 1, l.item.id, l.item.baseUnit, quantity, {
          unitPrice: l.price,
          amount: amountOf(quantity, l.price, currency),
        }),
      );
      sink.link({
        kind: 'bills',
        fromKind: 'invoice',
        fromNumber: number,
        fromLineNo: rows.length,
        toKind: 'sales_order',
        toNumber: orderNumber,
        toLineNo: l.lineNo,
        quantity,
        amount: null,
        statedByDocument: true,
        createdAt: doc.createdAt,
        createdBy: doc.createdBy,
      });
    });
    doc.totalAmount = sumOf(rows.map((x) => x.amount!));
    sink.add(doc, rows, ERP);
    downstream++;
    invoices.push({ number, day, total: doc.totalAmount, dueDay: day + 30 });
  }

  // A credit note for part of a line now and then.
  if (invoices.length && rng.chance(0.02)) {
    const day = invoices[0]!.day + rng.int(3, 30);
    if (day <= lastDay) {
      const k = shipments[0]!.qty.findIndex((q) => q > 0);
      const l = lines[k]!;
      const quantity = String(Math.max(1, Math.floor(shipments[0]!.qty[k]! / 2)));
      const number = num('CN-', ++n.creditNote, 7);
      const doc = docRow(rng, 'invoice', number, day, ERP, {
        state: 'done',
        customerId: customer.id,
        currency,
        creditNote: true,
      });
      const row = lineRow(rng, doc.id, 1, l.item.id, l.item.baseUnit, quantity, {
        unitPrice: l.price,
        amount: amountOf(quantity, l.price, currency),
        description: 'Credit for damaged goods',
      });
      doc.totalAmount = row.amount;
      sink.link({
        kind: 'bills',
        fromKind: 'invoice',
        fromNumber: number,
        fromLineNo: 1,
        toKind: 'sales_order',
        toNumber: orderNumber,
        toLineNo: l.lineNo,
        quantity,
        amount: null,
        statedByDocument: true,
        createdAt: doc.createdAt,
        createdBy: doc.createdBy,
      });
      sink.add(doc, [row], ERP);
      downstream++;
    }
  }

  // Payments: most invoices older than ten days are paid, some in part, some with one payment for two invoices.
  const pay = (allocations: { invoice: (typeof invoices)[number]; amount: string }[], day: number) => {
    const number = num('PAY-', ++n.payment, 7);
    const doc = docRow(rng, 'payment', number, day, BANK, {
      state: 'done',
      customerId: customer.id,
      currency,
      totalAmount: sumOf(allocations.map((a) => a.amount)),
    });
    for (const a of allocations) {
      sink.link({
        kind: 'pays',
        fromKind: 'payment',
        fromNumber: number,
        fromLineNo: 0,
        toKind: 'invoice',
        toNumber: a.invoice.number,
        toLineNo: 0,
        quantity: null,
        amount: a.amount,
        statedByDocument: true,
        createdAt: doc.createdAt,
        createdBy: doc.createdBy,
      });
    }
    sink.add(doc, [], BANK);
    downstream++;
  };
  const payable = invoices.filter((inv) => inv.day < asOfDay - 10);
  const paidInFull = new Set<string>();
  if (payable.length === 2 && rng.chance(0.35)) {
    const day = clampDay(Math.max(payable[0]!.day, payable[1]!.day) + rng.int(5, 40), payable[1]!.day);
    pay(
      payable.map((invoice) => ({ invoice, amount: invoice.total })),
      day,
    );
    for (const inv of payable) paidInFull.add(inv.number);
  } else {
    for (const invoice of payable) {
      if (!rng.chance(0.88)) continue;
      const part = rng.chance(0.05);
      const amount = part
        ? new Dec(invoice.total).div(2).toDecimalPlaces(digits, Dec.ROUND_HALF_UP).toFixed()
        : invoice.total;
      pay([{ invoice, amount }], clampDay(invoice.day + rng.int(5, 45), invoice.day));
      if (!part || amount === invoice.total) paidInFull.add(invoice.number);
    }
  }
  sink.stats.overdueInvoices += invoices.filter((inv) => !paidInFull.has(inv.number) && inv.dueDay < asOfDay).length;

  // Production orders for about 30 % of the orders, serving one or two lines as a whole.
  if (!cancelled && rng.chance(0.3)) {
    const k1 = rng.int(0, LINES_PER_ORDER - 1);
    const served = rng.chance(0.2) ? [k1, (k1 + 1 + rng.int(0, LINES_PER_ORDER - 2)) % LINES_PER_ORDER] : [k1];
    for (const k of served) {
      const l = lines[k]!;
      const done = shippedPerLine[k]! >= l.quantity;
      const promised = late && rng.chance(0.4) ? promisedDay + rng.int(1, 20) : promisedDay - rng.int(2, 10);
      const number = num('PRD-', ++n.production, 7);
      const doc = docRow(rng, 'production_order', number, clampDay(orderDay + rng.int(0, 2), orderDay), MES, {
        state: done ? 'done' : 'open',
        itemId: l.item.id,
        quantity: String(l.quantity),
        producedQuantity: String(done ? l.quantity : Math.floor(l.quantity * rng.next())),
        promisedDate: isoDay(promised),
      });
      sink.link({
        kind: 'serves',
        fromKind: 'production_order',
        fromNumber: number,
        fromLineNo: 0,
        toKind: 'sales_order',
        toNumber: orderNumber,
        toLineNo: l.lineNo,
        quantity: String(l.quantity),
        amount: null,
        statedByDocument: true,
        createdAt: doc.createdAt,
        createdBy: doc.createdBy,
      });
      sink.add(doc, [], MES);
      downstream++;
    }
  }

  // Purchase orders for about 20 %: one order with one or two lines pegged to the order's lines.
  if (!cancelled && rng.chance(0.2)) {
    const supplier = rng.pick(parties.suppliers);
    const k1 = rng.int(0, LINES_PER_ORDER - 1);
    const served = rng.chance(0.4) ? [k1, (k1 + 1 + rng.int(0, LINES_PER_ORDER - 2)) % LINES_PER_ORDER] : [k1];
    const actor: Actor = rng.chance(0.7) ? ERP : { kind: 'user', id: rng.pick(USERS) };
    const number = num('PO-', ++n.purchase, 7);
    const expected = late && rng.chance(0.4) ? promisedDay + rng.int(1, 20) : promisedDay - rng.int(3, 15);
    const sRate = UNITS_PER_EUR[supplier.currency] ?? 1;
    const sDigits = minorOf(supplier.currency);
    const allDone = served.every((k) => shippedPerLine[k]! >= lines[k]!.quantity);
    const doc = docRow(rng, 'purchase_order', number, clampDay(orderDay + rng.int(0, 3), orderDay), actor, {
      state: allDone ? 'done' : 'open',
      supplierId: supplier.id,
      currency: supplier.currency,
      promisedDate: isoDay(expected),
      subcontract: rng.chance(0.1),
    });
    const rows = served.map((k, j) => {
      const l = lines[k]!;
      const quantity = String(l.quantity);
      const price = new Dec(l.item.priceEur * sRate * 0.6).toDecimalPlaces(sDigits).toFixed();
      const unitPrice = price === '0' ? '1' : price;
      const received = allDone ? l.quantity : Math.floor(l.quantity * rng.next());
      sink.link({
        kind: 'serves',
        fromKind: 'purchase_order',
        fromNumber: number,
        fromLineNo: j + 1,
        toKind: 'sales_order',
        toNumber: orderNumber,
        toLineNo: l.lineNo,
        quantity,
        amount: null,
        statedByDocument: true,
        createdAt: doc.createdAt,
        createdBy: doc.createdBy,
      });
      return lineRow(rng, doc.id, j + 1, l.item.id, l.item.baseUnit, quantity, {
        unitPrice,
        amount: amountOf(quantity, unitPrice, supplier.currency),
        receivedQuantity: String(received),
        promisedDate: isoDay(expected),
      });
    });
    doc.totalAmount = sumOf(rows.map((x) => x.amount!));
    sink.add(doc, rows, actor);
    downstream++;
  }

  // The order itself, written with its chain (documents are keyed by number, so the order does not matter).
  const order = docRow(rng, 'sales_order', orderNumber, orderDay, soActor, {
    // The order system closes an order once it is delivered, billed and paid.
    state: cancelled
      ? 'cancelled'
      : onHold
        ? 'on_hold'
        : delivered && allBilled && invoices.every((inv) => paidInFull.has(inv.number))
          ? 'done'
          : 'open',
    customerId: customer.id,
    currency,
    promisedDate: isoDay(promisedDay),
  });
  const orderLines = lines.map((l) => {
    const quantity = String(l.quantity);
    return lineRow(rng, order.id, l.lineNo, l.item.id, l.item.baseUnit, quantity, {
      unitPrice: l.price,
      amount: amountOf(quantity, l.price, currency),
    });
  });
  order.totalAmount = sumOf(orderLines.map((l) => l.amount!));
  sink.add(order, orderLines, soActor);
  sink.stats.downstreamMin = Math.min(sink.stats.downstreamMin, downstream);
  sink.stats.downstreamMax = Math.max(sink.stats.downstreamMax, downstream);
}

// ---- Master data.

const code = (prefix: string, n: number) => prefix + String(n).padStart(6, '0');

function masterRow(rng: Rng, c: string, name: string, day: number): Row & { id: string; createdAt: Date } {
  const created = at(rng, day);
  return {
    id: rng.uuid(),
    code: c,
    status: 'active',
    version: 1,
    searchText: searchText(`${name} ${c}`),
    createdAt: created,
    updatedAt: created,
    createdBy: actorLabel(SYSTEM_ACTOR),
    updatedBy: actorLabel(SYSTEM_ACTOR),
  };
}

function masterHistory(entity: string, row: Row & { id: string; createdAt: Date }): Row {
  return {
    entity,
    entityId: row.id,
    version: 1,
    operation: 'created',
    data: row,
    changedAt: row.createdAt,
    actorKind: SYSTEM_ACTOR.kind,
    actorId: SYSTEM_ACTOR.id,
    reason: null,
  };
}

async function loadParties(tx: Tx, kind: 'customer' | 'supplier', total: number, seed: number, firstDay: number) {
  const rng = new Rng(streamSeed(seed, `o2c-${kind}`));
  const rows: (Row & { id: string; createdAt: Date })[] = [];
  const refs: PartyRef[] = [];
  for (let i = 0; i < total; i++) {
    const p = makeParty(rng);
    const row = { ...masterRow(rng, code(kind === 'customer' ? 'CUST-' : 'SUPP-', i + 1), p.name, firstDay), ...p };
    rows.push(row);
    refs.push({ id: row.id, currency: p.currency });
  }
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH);
    await bulkInsert(tx, kind === 'customer' ? customers : suppliers, batch);
    await bulkInsert(
      tx,
      recordHistory,
      batch.map((r) => masterHistory(kind, r)),
    );
  }
  return refs;
}

async function loadItems(tx: Tx, total: number, seed: number, firstDay: number, units: Set<string>) {
  const rng = new Rng(streamSeed(seed, 'o2c-item'));
  const rows: (Row & { id: string; createdAt: Date })[] = [];
  const refs: ItemRef[] = [];
  for (let i = 0; i < total; i++) {
    const v = makeItem(rng, units);
    const row = { ...masterRow(rng, code('ITEM-', i + 1), v.name, firstDay), ...v };
    rows.push(row);
    const cost =
      v.standardCost === null ? null : Number(v.standardCost) / (UNITS_PER_EUR[v.costCurrency ?? 'EUR'] ?? 1);
    refs.push({
      id: row.id,
      baseUnit: v.baseUnit,
      priceEur: cost !== null && cost > 0 ? cost * (1.3 + 0.7 * rng.next()) : 5 + 2_000 * rng.next() ** 3,
    });
  }
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH);
    await bulkInsert(tx, items, batch);
    await bulkInsert(
      tx,
      recordHistory,
      batch.map((r) => masterHistory('item', r)),
    );
  }
  return refs;
}

/** Drops and recreates the bench database, migrates it and loads the data set; returns its marker. */
export async function generateOrders(
  opts: OrdersOptions,
  say: (line: string) => void = console.log,
): Promise<OrdersMarker> {
  const started = performance.now();
  let last = started;
  const lap = (what: string) => {
    const now = performance.now();
    say(`  ${what.padEnd(52)} ${((now - last) / 1000).toFixed(1).padStart(6)} s`);
    last = now;
  };
  say(
    `generating ${formatOrderSizes(opts.sizes)} as of ${opts.asOf} (seed ${opts.seed}) into database ${opts.database}`,
  );
  const admin = new pg.Client({ connectionString: opts.serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${opts.database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${opts.database}`);
  } finally {
    await admin.end();
  }
  const hub = await openDatabase({ url: databaseUrl(opts), poolMax: 2, applicationName: 'mdhub-bench' });
  try {
    await migrate(hub.pool);
    await new MasterService(hub.db, { defaultRegion: 'DE', codeRules: {} }).init();
    lap('database, migrations, coding rules');
    const asOfDay = dayOf(opts.asOf);
    const firstDay = asOfDay - SPAN_DAYS - 60;
    let stats: Omit<OrdersStats, 'status'> | undefined;
    await hub.db.transaction(async (tx) => {
      // A lost commit on a crash only means generating again.
      await tx.execute('SET LOCAL synchronous_commit = off');
      // The rows are consistent by construction (every id they refer to is written first): foreign-key triggers,
      // a lookup per reference per row, are skipped for the load, which takes the server's superuser. The
      // constraints stay declared and hold for every later write.
      await tx.execute('SET LOCAL session_replication_role = replica');
      const units = new Set(
        ((await tx.execute('SELECT code FROM units')).rows as { code: string }[]).map((r) => r.code),
      );
      const customerRefs = await loadParties(tx, 'customer', opts.sizes.customers, opts.seed, firstDay);
      const supplierRefs = await loadParties(tx, 'supplier', opts.sizes.suppliers, opts.seed, firstDay);
      const itemRefs = await loadItems(tx, opts.sizes.items, opts.seed, firstDay, units);
      for (const [entity, n] of [
        ['customer', opts.sizes.customers],
        ['supplier', opts.sizes.suppliers],
        ['item', opts.sizes.items],
      ] as const) {
        await tx.execute(`UPDATE coding_rules SET next_value = ${n + 1} WHERE entity = '${entity}'`);
      }
      lap(`customers, suppliers, items + history`);
      // Secondary indexes are built once after the load instead of row by row (constraint indexes stay).
      const dropped = (
        await tx.execute(`
          SELECT indexname, indexdef FROM pg_indexes
          WHERE schemaname = 'public' AND tablename IN ('documents', 'document_lines', 'document_links', 'record_history')
            AND indexname NOT IN (SELECT conname FROM pg_constraint)`)
      ).rows as { indexname: string; indexdef: string }[];
      for (const ix of dropped) await tx.execute(`DROP INDEX "${ix.indexname}"`);
      const recreate = async () => {
        await tx.execute("SET LOCAL maintenance_work_mem = '256MB'");
        for (const ix of dropped) await tx.execute(ix.indexdef);
      };
      const rng = new Rng(streamSeed(opts.seed, 'o2c-orders'));
      const counters: Counters = { shipment: 0, invoice: 0, creditNote: 0, payment: 0, production: 0, purchase: 0 };
      const sink = new Sink(tx);
      const parties = { customers: customerRefs, suppliers: supplierRefs, items: itemRefs };
      for (let i = 0; i < opts.sizes.orders; i++) {
        makeChain(rng, i, opts.sizes.orders, asOfDay, parties, counters, sink);
        await sink.flushIfFull();
        // Lets the driver read PostgreSQL's answers and send the batch's next statement.
        if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await sink.flush();
      await sink.settle();
      lap(
        `${sink.stats.history.toLocaleString('en')} documents, lines, links + history ` +
          `(${(sink.waitedMs / 1000).toFixed(0)} s waiting)`,
      );
      await recreate();
      lap(`${dropped.length} secondary indexes rebuilt`);
      stats = sink.stats;
    });
    // Statistics first: the status engine's statement, planned on empty-table estimates, ran for minutes.
    await hub.pool.query('VACUUM ANALYZE');
    lap('VACUUM ANALYZE');
    const status = await refreshStatus(hub.db, say);
    await hub.pool.query('VACUUM ANALYZE order_status, invoice_status');
    lap('derived status (+ VACUUM ANALYZE)');
    const marker: OrdersMarker = {
      generator: ORDERS_GENERATOR_VERSION,
      seed: opts.seed,
      sizes: opts.sizes,
      asOf: opts.asOf,
      schema: migrationsHash(),
      stats: { ...stats!, status },
      generatedAt: new Date().toISOString(),
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
    await writeMarker(hub.pool, 'order-to-cash', 'bench/lib/orders-data.ts', marker);
    say(`  ${'total'.padEnd(52)} ${marker.seconds.toFixed(1).padStart(6)} s`);
    return marker;
  } finally {
    await hub.close();
  }
}

/**
 * The data set in the database when its marker fits, else a new one. When only the status engine changed (or
 * arrived), the documents stay and the status rows are recomputed.
 */
export async function ensureOrders(
  opts: OrdersOptions,
  regenerate: boolean,
  say: (line: string) => void = console.log,
): Promise<{ marker: OrdersMarker; reused: boolean }> {
  const marker = await readOrdersMarker(opts);
  if (
    !regenerate &&
    marker &&
    ordersMarkerMatches({ ...marker, stats: { ...marker.stats, status: statusEngine().describe } }, opts)
  ) {
    if (marker.stats.status !== statusEngine().describe) {
      say(`status engine changed since the data was loaded: recomputing order_status in ${opts.database}`);
      const hub = await openDatabase({ url: databaseUrl(opts), poolMax: 2, applicationName: 'mdhub-bench' });
      try {
        const started = performance.now();
        await migrate(hub.pool);
        marker.stats.status = await refreshStatus(hub.db, say);
        await hub.pool.query('ANALYZE order_status, invoice_status');
        say(`  derived status ${((performance.now() - started) / 1000).toFixed(1)} s`);
        await hub.pool.query(`UPDATE bench_marker SET value = $1 WHERE name = 'order-to-cash'`, [
          JSON.stringify(marker),
        ]);
      } finally {
        await hub.close();
      }
    }
    say(`reusing ${formatOrderSizes(opts.sizes)} as of ${marker.asOf} in ${opts.database} (seed ${opts.seed})`);
    return { marker, reused: true };
  }
  return { marker: await generateOrders(opts, say), reused: false };
}

export const describeStats = (s: OrdersStats) =>
  `${s.documents.sales_order.toLocaleString('en')} sales orders, ${s.documents.shipment.toLocaleString('en')} shipments, ` +
  `${s.documents.invoice.toLocaleString('en')} invoices (${s.creditNotes.toLocaleString('en')} credit notes), ` +
  `${s.documents.payment.toLocaleString('en')} payments, ${s.documents.production_order.toLocaleString('en')} production orders, ` +
  `${s.documents.purchase_order.toLocaleString('en')} purchase orders; ${s.lines.toLocaleString('en')} lines, ` +
  `${s.links.toLocaleString('en')} links, ${s.history.toLocaleString('en')} history rows; ` +
  `${s.lateOrders.toLocaleString('en')} late orders, ${s.cancelledOrders.toLocaleString('en')} cancelled, ` +
  `${s.overdueInvoices.toLocaleString('en')} overdue invoices; ${s.downstreamMin}–${s.downstreamMax} downstream documents per order`;

if (require.main === module) {
  const opts = ordersOptions(parse(process.argv.slice(2), ORDERS_ARGS));
  generateOrders(opts).then(
    (m) => {
      console.log(describeStats(m.stats));
      process.exit(0);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
