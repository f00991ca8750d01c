import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeParty, type Party } from './world';
import { Rng, streamSeed } from './rng';

/**
 * A generated CRM for the sync benchmark: customer records as a source system would send them (its own ids, its
 * own formatting, duplicates typed in again by hand with typos), with the generator's truth of which records
 * describe the same company. Served over HTTP in the shape the http-json connector reads, so the hub ingests it
 * through its real path.
 */

/** A record as the source sends it. */
export type SourceCustomer = Record<string, unknown> & { id: string; updatedAt: string };

export interface CustomerDataset {
  records: SourceCustomer[];
  /** For each record (same index): the company it describes. Records sharing a value are duplicates. */
  company: Int32Array;
  /** How many records are second entries of a company already in the source. */
  duplicates: number;
}

export interface DatasetOptions {
  seed: number;
  records: number;
  /** Share of records that are a company entered again (default 0.1). */
  duplicateShare?: number;
}

const FIRST_CHANGE = Date.UTC(2024, 0, 1);

/** The source's timestamp for its n-th change: one per 50 ms, fixed width so text order is time order. */
const stamp = (base: number, n: number) => new Date(base + n * 50).toISOString();

/** A neighbouring key on a QWERTZ/QWERTY keyboard, for realistic typing errors. */
const NEIGHBOURS: Record<string, string> = {
  a: 'sq',
  b: 'vn',
  c: 'xv',
  d: 'sf',
  e: 'wr',
  f: 'dg',
  g: 'fh',
  h: 'gj',
  i: 'uo',
  j: 'hk',
  k: 'jl',
  l: 'k',
  m: 'n',
  n: 'bm',
  o: 'ip',
  p: 'o',
  r: 'et',
  s: 'ad',
  t: 'rz',
  u: 'zi',
  v: 'cb',
  w: 'qe',
  z: 'tu',
};

/** One typing error somewhere after the first character: a dropped, doubled, swapped or mistyped letter. */
function typo(rng: Rng, text: string): string {
  const chars = [...text];
  if (chars.length < 4) return text;
  // Errors fall on letters, not on spaces or punctuation, and not on the first one (people rarely get that wrong).
  const letters = chars.map((c, i) => (i > 0 && /\p{L}/u.test(c) ? i : -1)).filter((i) => i > 0);
  if (letters.length === 0) return text;
  const i = rng.pick(letters);
  const c = chars[i]!;
  const kind = rng.int(0, 3);
  if (kind === 0) chars.splice(i, 1);
  else if (kind === 1) chars.splice(i, 0, c);
  else if (kind === 2 && i + 1 < chars.length && /\p{L}/u.test(chars[i + 1]!)) {
    chars[i] = chars[i + 1]!;
    chars[i + 1] = c;
  } else {
    const near = NEIGHBOURS[c.toLowerCase()];
    if (near) chars[i] = rng.pick([...near]);
    else chars.splice(i, 1);
  }
  return chars.join('');
}

/** How people type a company's name again: a typo or two, other case, the legal form spelled differently. */
function retypedName(rng: Rng, name: string): string {
  let out = name;
  const r = rng.next();
  if (r < 0.55) out = typo(rng, out);
  else if (r < 0.75) out = typo(rng, typo(rng, out));
  else if (r < 0.85) out = out.toUpperCase();
  else if (r < 0.92)
    out = out
      .replace(/ GmbH$/, ' Gmbh')
      .replace(/ Ltd\.?$/, ' Limited')
      .replace(/ Inc\.$/, ' Inc');
  // else: typed exactly the same
  return rng.chance(0.1) ? ` ${out}  ` : out;
}

/** An E.164 number as people write it: with spaces, or in the country's national form. */
function spacedPhone(rng: Rng, phone: string): string {
  if (!rng.chance(0.5)) return phone;
  return `${phone.slice(0, 3)} ${phone.slice(3, 6)} ${phone.slice(6)}`;
}

function toSource(id: string, updatedAt: string, p: Party, rng: Rng): SourceCustomer {
  const record: SourceCustomer = { id, updatedAt, name: p.name };
  if (p.legalName) record.legalName = p.legalName;
  if (p.email) record.email = p.email;
  if (p.phone) record.phone = spacedPhone(rng, p.phone);
  if (p.website) record.website = p.website;
  if (p.taxId) record.taxId = p.taxId;
  record.address = {
    street: p.street,
    postalCode: p.postalCode,
    city: p.city,
    region: p.region,
    country: p.country,
  };
  record.currency = p.currency;
  if (p.paymentTerms) record.paymentTerms = p.paymentTerms;
  return record;
}

/** The same company typed in again: often without the tax id or e-mail, the name retyped, the address the same. */
function duplicateOf(rng: Rng, p: Party): Party {
  return {
    ...p,
    name: retypedName(rng, p.name),
    legalName: rng.chance(0.3) ? p.legalName : null,
    taxId: rng.chance(0.4) ? p.taxId : null,
    email: p.email && rng.chance(0.5) ? (rng.chance(0.2) ? p.email.toUpperCase() : p.email) : null,
    phone: rng.chance(0.7) ? p.phone : null,
    website: rng.chance(0.5) ? p.website : null,
    street: rng.chance(0.8) ? p.street : null,
    postalCode: rng.chance(0.95) ? p.postalCode : null,
    paymentTerms: null,
  };
}

/**
 * Gives every company a domain of its own, as in life: the world's name parts make 'wagner.de' for many a Wagner,
 * and without this their shared mailbox would say they are one company. A taken domain gets the city, then a number.
 */
function ownDomain(p: Party, taken: Map<string, number>): Party {
  const domain = (p.email ?? p.website ?? '').replace(/^.*@|^https:\/\/www\.|\/$/g, '');
  if (!domain) return p;
  const dot = domain.indexOf('.');
  const [label, tld] = [domain.slice(0, dot), domain.slice(dot)];
  const city = (p.city ?? '')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  if (!taken.has(domain)) {
    taken.set(domain, 1);
    return p;
  }
  // The next suffix to try is kept per domain, so a name shared by thousands of companies costs no search.
  let n = taken.get(domain)!;
  let fresh: string;
  do fresh = `${label}${n === 1 && city ? `-${city}` : `-${n}`}${tld}`;
  while (taken.has(fresh) && ++n);
  taken.set(domain, n + 1);
  taken.set(fresh, 1);
  return {
    ...p,
    email: p.email ? p.email.replace(`@${domain}`, `@${fresh}`) : null,
    website: p.website ? p.website.replace(`www.${domain}`, `www.${fresh}`) : null,
  };
}

/**
 * The first state of the source: `records` customer records, about `duplicateShare` of them a company already
 * entered before. Same options, same records, on any machine.
 */
export function generateCustomers(opts: DatasetOptions): CustomerDataset {
  const rng = new Rng(streamSeed(opts.seed, 'sync-customers'));
  const share = opts.duplicateShare ?? 0.1;
  const parties: Party[] = [];
  const records: SourceCustomer[] = [];
  const company = new Int32Array(opts.records);
  let duplicates = 0;
  const domains = new Map<string, number>();
  for (let i = 0; i < opts.records; i++) {
    const id = `C${String(i + 1).padStart(7, '0')}`;
    let party: Party;
    if (parties.length > 0 && rng.chance(share)) {
      const of = rng.int(0, parties.length - 1);
      party = duplicateOf(rng, parties[of]!);
      company[i] = of;
      duplicates++;
    } else {
      party = ownDomain(makeParty(rng), domains);
      company[i] = parties.length;
      parties.push(party);
    }
    records.push(toSource(id, stamp(FIRST_CHANGE, i), party, rng));
  }
  return { records, company, duplicates };
}

/**
 * The source some time later: `changedShare` of the records edited (a new phone extension of the street, other
 * payment terms, a corrected city), each with a new change time; the rest exactly as before.
 */
export function changeCustomers(
  dataset: CustomerDataset,
  opts: { seed: number; changedShare?: number },
): { records: SourceCustomer[]; changed: number } {
  const rng = new Rng(streamSeed(opts.seed, 'sync-customers-changes'));
  const share = opts.changedShare ?? 0.05;
  const base = FIRST_CHANGE + dataset.records.length * 50 + 86_400_000;
  const unchanged: SourceCustomer[] = [];
  const edited: SourceCustomer[] = [];
  for (const record of dataset.records) {
    if (!rng.chance(share)) {
      unchanged.push(record);
      continue;
    }
    const copy = structuredClone(record);
    const address = copy.address as Record<string, unknown>;
    const what = rng.int(0, 2);
    if (what === 0) address.street = `${String(address.street ?? 'Hauptstraße')} ${rng.int(1, 99)}a`;
    else if (what === 1) copy.paymentTerms = rng.pick(['Net 30', 'Net 60', '30 Tage netto', '60 Tage netto']);
    else copy.legalName = `${String(copy.name)} (${rng.int(1, 9)})`;
    copy.updatedAt = stamp(base, edited.length);
    edited.push(copy);
  }
  return { records: [...unchanged, ...edited], changed: edited.length };
}

/**
 * Serves records in the http-json connector's list API: `GET /api/customers?limit=N[&since=c][&after=t]`, sorted
 * by change time then id (the records come that way), the page token being the offset of the next record.
 * Pages are serialised on request, as a real source would.
 */
export class CustomerSourceServer {
  private server?: http.Server;
  records: SourceCustomer[] = [];
  pagesServed = 0;
  baseUrl = '';

  async start(port = 0): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Other states of the source, switched to with `POST /control/state/<n>`; state 1 is `records` at start. */
  states: SourceCustomer[][] = [];
  /** Served at `GET /control/truth`: the company of each record, as little-endian 32-bit integers. */
  truth?: Int32Array;

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const state = /^\/control\/state\/(\d+)$/.exec(url.pathname);
    if (req.method === 'POST' && state) {
      const next = this.states[Number(state[1]) - 1];
      if (!next) return void res.writeHead(404).end();
      this.records = next;
      return void res.writeHead(204).end();
    }
    if (req.method === 'GET' && url.pathname === '/control/truth' && this.truth) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return void res.end(Buffer.from(this.truth.buffer, this.truth.byteOffset, this.truth.byteLength));
    }
    if (req.method !== 'GET' || url.pathname !== '/api/customers') {
      res.writeHead(404).end();
      return;
    }
    const limit = Number(url.searchParams.get('limit'));
    const since = url.searchParams.get('since');
    let from = Number(url.searchParams.get('after') ?? 0);
    if (since !== null && !url.searchParams.has('after')) {
      // First page of an incremental read: binary search for the first record at or after the cursor.
      let lo = 0;
      let hi = this.records.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.records[mid]!.updatedAt < since) lo = mid + 1;
        else hi = mid;
      }
      from = lo;
    }
    const page = this.records.slice(from, from + limit);
    const next = from + limit < this.records.length ? String(from + limit) : null;
    this.pagesServed++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ records: page, next }));
  }
}

/**
 * Run as its own process (`tsx bench/lib/customer-source.ts <seed> <records>`), so the source's million records
 * live in another heap than the hub's, as a real source system's would: generates both states, serves them and
 * prints `ready <base url> <duplicates> <changed>` on stdout.
 */
if (require.main === module) {
  const [seed, records] = process.argv.slice(2).map(Number);
  const dataset = generateCustomers({ seed: seed!, records: records! });
  const second = changeCustomers(dataset, { seed: seed! });
  const server = new CustomerSourceServer();
  server.records = dataset.records;
  server.states = [dataset.records, second.records];
  server.truth = dataset.company;
  void server.start().then(() => {
    process.stdout.write(`ready ${server.baseUrl} ${dataset.duplicates} ${second.changed}\n`);
  });
}
