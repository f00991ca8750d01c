/**
 * Finds the golden record of each new source record of a page, in tiers: the crosswalk (a source id seen before),
 * deterministic keys (tax id, personal e-mail, GTIN, code), then fuzzy matching. Candidates are found in SQL by
 * blocking, in a fixed number of statements per page whatever its size; match.ts scores and decides in JS.
 *
 * Blocking: a candidate shares a block with the input, and blocks are small, so every probe is an index scan:
 * - customers and suppliers: the same postal code in the same country, the same phone, the same e-mail address.
 *   One with none of these is found by its keys only (and among its page): probing the trigram index by name over a
 *   whole country costs tens of milliseconds per input at a million records;
 * - warehouses: the same postal code in the same country, else by name (the trigram index on search_text);
 * - items: by name (trigram index), as they have nothing else to block on.
 * Within a block candidates are ranked by pg_trgm similarity of search_text, those under BLOCK_SIMILARITY_FLOOR
 * dropped, and at most CANDIDATES_PER_INPUT kept; a block probe reads at most BLOCK_ROWS rows, so one shared
 * switchboard number or role mailbox cannot make a page slow. Each candidate comes with the names its live source
 * records give it: the golden name is one source's spelling, and the input may be typed like another's.
 *
 * Records of one page also match each other, in page order: each record sees the earlier records of its page that
 * share a block or a key as candidates, under the golden id they were given. Two new duplicates in one page so
 * become one golden record (or one golden record and a steward task), the same way on every run.
 */
import { randomUUID } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { type Actor, actorLabel } from '../actor';
import { sqlArray } from '../db/pool';
import type { Tx } from '../master/codes';
import { linkSourceRefs } from '../master/crosswalk';
import type { Values } from '../master/fields';
import { searchText } from '../master/normalise';
import type { MasterEntity } from '../master/specs';
import {
  decideMatch,
  type DeterministicKey,
  deterministicKeys,
  isPlaceholder,
  type MatchCandidate,
  type MatchThresholds,
  nameGrams,
} from './match';

/** pg_trgm similarity of search_text (name and code) under which a record in the block is not a candidate. */
export const BLOCK_SIMILARITY_FLOOR = 0.1;
/** Candidates kept per input from all blocks together, best similarity first. */
export const CANDIDATES_PER_INPUT = 8;
/** Rows one block probe reads at most. */
export const BLOCK_ROWS = 200;
/** Name similarity (match.ts grams) at which records of one page without a shared block compare by name. */
const PAGE_NAME_FLOOR = 0.3;

/** A new source record to place. */
export interface MatchRecord {
  sourceRecordId: string;
  externalId: string;
  /** Canonical (normalised) values, keyed like the golden columns. */
  values: Values;
}

export interface ReviewCandidate {
  goldenId: string;
  score: number;
  reasons: string[];
}

/** Where a source record went, and why. `isNew`: the golden id was made for this page. */
export type Placement =
  | { goldenId: string; isNew: false; via: 'crosswalk' }
  | { goldenId: string; isNew: boolean; via: 'deterministic'; key: DeterministicKey }
  | { goldenId: string; isNew: boolean; via: 'auto'; score: number; reasons: string[] }
  | { goldenId: string; isNew: true; via: 'review'; candidates: ReviewCandidate[] }
  | { goldenId: string; isNew: true; via: 'new' };

interface Blocking {
  table: string;
  /** Golden property -> SQL expression of the columns scoring needs. */
  columns: Record<string, string>;
  keys: Partial<Record<DeterministicKey, string>>;
  postal: boolean;
  phone: boolean;
  email: boolean;
  /**
   * When the trigram index on search_text is probed by name: always (items, which have nothing else to block on),
   * for inputs without a block of their own (warehouses, few), or never (customers and suppliers: a name probe over
   * a whole country reads the posting lists of common trigrams, 'gmb', 'mbh', for every such input).
   */
  byName: 'always' | 'withoutBlock' | 'never';
  /** Whether names are compared within the input's country only. */
  nameInCountry: boolean;
}

const partyColumns = {
  name: 'name',
  taxId: 'tax_id',
  phone: 'phone',
  email: 'email',
  country: 'country',
  postalCode: 'postal_code',
  street: 'street',
  city: 'city',
  website: 'website',
};
const party = (table: string): Blocking => ({
  table,
  columns: partyColumns,
  keys: { code: 'code', taxId: 'tax_id', email: 'email' },
  postal: true,
  phone: true,
  email: true,
  byName: 'never',
  nameInCountry: true,
});

const BLOCKING: Record<MasterEntity, Blocking> = {
  customer: party('customers'),
  supplier: party('suppliers'),
  warehouse: {
    table: 'warehouses',
    columns: { name: 'name', country: 'country', postalCode: 'postal_code', street: 'street', city: 'city' },
    keys: { code: 'code' },
    postal: true,
    phone: false,
    email: false,
    byName: 'withoutBlock',
    nameInCountry: true,
  },
  item: {
    table: 'items',
    columns: { name: 'name', gtin: 'gtin', baseUnit: 'base_unit', type: 'type::text' },
    keys: { code: 'code', gtin: 'gtin' },
    postal: false,
    phone: false,
    email: false,
    byName: 'always',
    nameInCountry: false,
  },
};

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** What matching needs of an input, worked out once: its keys, and the values it blocks on. */
interface Probe {
  keys: { key: DeterministicKey; value: string }[];
  country: string | null;
  postal: string | null;
  phone: string | null;
  email: string | null;
  /** Block keys, the same strings for every record sharing a block, so records of a page block like SQL does. */
  blocks: string[];
  name: string;
}

function probeOf(entity: MasterEntity, b: Blocking, values: Values): Probe {
  const usable = (prop: string, on: boolean) => {
    const v = on ? text(values[prop]) : null;
    return v !== null && !isPlaceholder(prop, v) ? v : null;
  };
  const country = text(values.country);
  const postal = country === null ? null : usable('postalCode', b.postal);
  const phone = usable('phone', b.phone);
  const email = usable('email', b.email);
  const blocks: string[] = [];
  if (postal !== null) blocks.push(`p\u0000${country}\u0000${postal}`);
  if (phone !== null) blocks.push(`t\u0000${phone}`);
  if (email !== null) blocks.push(`e\u0000${email}`);
  return {
    keys: deterministicKeys(entity, values),
    country,
    postal,
    phone,
    email,
    blocks,
    name: String(values.name ?? ''),
  };
}

function rowValues(b: Blocking, row: Record<string, unknown>): Values {
  const values: Values = {};
  for (const prop of Object.keys(b.columns)) values[prop] = row[prop] ?? null;
  return values;
}

function selectList(b: Blocking, alias: string): SQL {
  return sql.raw(
    Object.entries(b.columns)
      .map(([prop, expr]) => `${alias}.${expr.replace(/^(\w+)/, '"$1"')} AS "${prop}"`)
      .join(', '),
  );
}

/**
 * Decides the golden record of each new source record of one page. Reads in at most three statements (crosswalk
 * with not-a-match decisions, deterministic keys, fuzzy blocking), whatever the page size, and writes nothing.
 * Records are decided in the order given.
 */
export async function matchPage(
  tx: Tx,
  entity: MasterEntity,
  system: string,
  records: readonly MatchRecord[],
  thresholds: MatchThresholds,
): Promise<Placement[]> {
  const b = BLOCKING[entity];
  const out: (Placement | undefined)[] = new Array(records.length);
  if (records.length === 0) return [];

  // 1. The crosswalk, and the steward's not-a-match decisions for these source records.
  const known = await tx.execute(sql`
    SELECT 'c' AS kind, external_id AS ref, golden_id::text AS golden_id FROM crosswalk
    WHERE system = ${system} AND entity = ${entity} AND external_id = ANY(${sqlArray(records.map((r) => r.externalId))}::text[])
    UNION ALL
    SELECT 'n', source_record_id::text, golden_id::text FROM not_a_match
    WHERE source_record_id = ANY(${sqlArray(records.map((r) => r.sourceRecordId))}::bigint[])`);
  const crosswalk = new Map<string, string>();
  const notAMatch = new Map<string, Set<string>>();
  for (const r of known.rows as { kind: string; ref: string; golden_id: string }[]) {
    if (r.kind === 'c') crosswalk.set(r.ref, r.golden_id);
    else {
      const set = notAMatch.get(r.ref) ?? new Set<string>();
      set.add(r.golden_id);
      notAMatch.set(r.ref, set);
    }
  }
  const open: number[] = [];
  records.forEach((r, i) => {
    const g = crosswalk.get(r.externalId);
    if (g) out[i] = { goldenId: g, isNew: false, via: 'crosswalk' };
    else open.push(i);
  });
  if (open.length === 0) return out as Placement[];

  // 2. Golden records sharing a deterministic key; they are candidates too (a conflicting tax id overrules a key).
  const probes = new Map(open.map((i) => [i, probeOf(entity, b, records[i]!.values)]));
  const keyOwner = new Map<string, string>();
  const keyRows = new Map<string, MatchCandidate[]>();
  const branches: SQL[] = [];
  for (const [key, column] of Object.entries(b.keys) as [DeterministicKey, string][]) {
    const values = [
      ...new Set([...probes.values()].flatMap((p) => p.keys.filter((k) => k.key === key).map((k) => k.value))),
    ];
    if (values.length === 0) continue;
    branches.push(sql`
      SELECT ${key}::text AS k, ${sql.raw(`"${column}"`)} AS v, g.id::text AS id, g.created_at, ${selectList(b, 'g')}
      FROM ${sql.raw(b.table)} g WHERE ${sql.raw(`"${column}"`)} = ANY(${sqlArray(values)}::text[]) AND g.status <> 'archived'`);
  }
  if (branches.length) {
    const res = await tx.execute(
      sql`SELECT * FROM (${sql.join(branches, sql` UNION ALL `)}) x ORDER BY created_at, id`,
    );
    for (const row of res.rows as Record<string, unknown>[]) {
      const k = `${row.k as string}:${row.v as string}`;
      // The oldest golden record holding a key owns it; the others still count as candidates.
      if (!keyOwner.has(k)) keyOwner.set(k, row.id as string);
      const list = keyRows.get(k) ?? [];
      if (list.length < CANDIDATES_PER_INPUT) list.push({ goldenId: row.id as string, values: rowValues(b, row) });
      keyRows.set(k, list);
    }
  }

  // An input whose key hit stands needs no fuzzy candidates.
  const dbCandidates = new Map<number, MatchCandidate[]>();
  const needFuzzy: number[] = [];
  const pageOnly = new Set<number>();
  open.forEach((i) => {
    const record = records[i]!;
    const nam = notAMatch.get(record.sourceRecordId) ?? EMPTY;
    const probe = probes.get(i)!;
    const own = dedupe(probe.keys.flatMap((k) => keyRows.get(`${k.key}:${k.value}`) ?? []));
    dbCandidates.set(i, own);
    const hit = keyHit(probe.keys, keyOwner, nam);
    if (hit && decideMatch(entity, record, hit, own, thresholds, nam).kind === 'deterministic') return;
    // Without a block and without a name probe there is nothing to find in the database; the page may still have it.
    if (probe.blocks.length === 0 && b.byName !== 'always' && (b.byName === 'never' || !probe.name)) {
      pageOnly.add(i);
      return;
    }
    needFuzzy.push(i);
  });

  // 3. Fuzzy blocking, one statement for the page: every input probes its blocks through a LATERAL join.
  if (needFuzzy.length) {
    const res = await tx.execute(
      fuzzyStatement(
        entity,
        b,
        needFuzzy.map((i) => [i, probes.get(i)!]),
      ),
    );
    for (const row of res.rows as Record<string, unknown>[]) {
      const list = dbCandidates.get(row.ord as number)!;
      const values = rowValues(b, row);
      list.push({ goldenId: row.id as string, values });
      // A golden name is one source's spelling; the input may be typed like another contributor's, so each of
      // their names is compared too (under the golden id, which counts once, with its best score).
      for (const name of (row.names as (string | null)[] | null) ?? []) {
        if (name && name !== values.name) list.push({ goldenId: row.id as string, values: { ...values, name } });
      }
    }
  }

  // 4. Decide in page order; earlier records of the page are candidates under the golden id they got.
  const createdHere = new Set<string>();
  const assigned: string[] = new Array(records.length);
  const byBlock = new Map<string, number[]>();
  const byKey = new Map<string, number[]>();
  const byName = new PageNameIndex();
  const fuzzy = new Set([...needFuzzy, ...pageOnly]);
  open.forEach((i) => {
    const record = records[i]!;
    const nam = notAMatch.get(record.sourceRecordId) ?? EMPTY;
    const { keys: recordKeys, blocks, name } = probes.get(i)!;
    const nameBlock = b.nameInCountry ? (text(record.values.country) ?? '') : '';

    const peers = new Set<number>();
    for (const k of recordKeys) for (const j of byKey.get(`${k.key}:${k.value}`) ?? []) peers.add(j);
    if (fuzzy.has(i)) {
      for (const key of blocks) for (const j of byBlock.get(key) ?? []) peers.add(j);
      if (blocks.length === 0) for (const j of byName.alike(nameBlock, name)) peers.add(j);
    }
    const candidates = [...dbCandidates.get(i)!];
    for (const j of [...peers].sort((x, y) => x - y)) {
      candidates.push({ goldenId: assigned[j]!, values: records[j]!.values });
    }
    const decision = decideMatch(entity, record, keyHit(recordKeys, keyOwner, nam), candidates, thresholds, nam);
    let placement: Placement;
    switch (decision.kind) {
      case 'deterministic':
        placement = {
          goldenId: decision.goldenId,
          isNew: createdHere.has(decision.goldenId),
          via: 'deterministic',
          key: decision.key,
        };
        break;
      case 'auto':
        placement = {
          goldenId: decision.goldenId,
          isNew: createdHere.has(decision.goldenId),
          via: 'auto',
          score: decision.score,
          reasons: decision.reasons,
        };
        break;
      case 'review':
        placement = { goldenId: randomUUID(), isNew: true, via: 'review', candidates: decision.candidates };
        break;
      case 'new':
        placement = { goldenId: randomUUID(), isNew: true, via: 'new' };
        break;
    }
    if (placement.isNew) createdHere.add(placement.goldenId);
    out[i] = placement;
    assigned[i] = placement.goldenId;

    // Later records of the page find this one through its keys, blocks and name.
    for (const k of recordKeys) {
      const key = `${k.key}:${k.value}`;
      if (!keyOwner.has(key)) keyOwner.set(key, placement.goldenId);
      push(byKey, key, i);
    }
    for (const key of blocks) push(byBlock, key, i);
    byName.add(nameBlock, i, name);
  });
  return out as Placement[];
}

const EMPTY: ReadonlySet<string> = new Set();

function push(map: Map<string, number[]>, key: string, i: number): void {
  const list = map.get(key);
  if (list) list.push(i);
  else map.set(key, [i]);
}

function dedupe(candidates: MatchCandidate[]): MatchCandidate[] {
  const seen = new Set<string>();
  return candidates.filter((c) => !seen.has(c.goldenId) && seen.add(c.goldenId));
}

function keyHit(
  keys: readonly { key: DeterministicKey; value: string }[],
  owner: ReadonlyMap<string, string>,
  notAMatch: ReadonlySet<string>,
): { goldenId: string; key: DeterministicKey } | null {
  for (const k of keys) {
    const goldenId = owner.get(`${k.key}:${k.value}`);
    if (goldenId && !notAMatch.has(goldenId)) return { goldenId, key: k.key };
  }
  return null;
}

/**
 * The page's records by name, for records with no block of their own: an inverted index of name grams per country
 * (or one for the whole page), built only once such a record asks, so pages without one pay nothing for it.
 */
class PageNameIndex {
  private readonly blocks = new Map<
    string,
    { pending: { i: number; name: string }[]; grams: Map<string, number[]>; of: Map<number, Set<string>> }
  >();

  add(block: string, i: number, name: string): void {
    let b = this.blocks.get(block);
    if (!b) this.blocks.set(block, (b = { pending: [], grams: new Map(), of: new Map() }));
    b.pending.push({ i, name });
  }

  /** Records added before whose names have a similarity of at least PAGE_NAME_FLOOR, best first, at most CANDIDATES_PER_INPUT. */
  alike(block: string, name: string): number[] {
    const b = this.blocks.get(block);
    if (!b) return [];
    for (const { i, name: n } of b.pending) {
      const grams = nameGrams(n);
      b.of.set(i, grams);
      for (const g of grams) push(b.grams, g, i);
    }
    b.pending = [];
    const mine = nameGrams(name);
    const shared = new Map<number, number>();
    for (const g of mine) for (const j of b.grams.get(g) ?? []) shared.set(j, (shared.get(j) ?? 0) + 1);
    const scored: { i: number; s: number }[] = [];
    for (const [j, n] of shared) {
      const s = n / (mine.size + b.of.get(j)!.size - n);
      if (s >= PAGE_NAME_FLOOR) scored.push({ i: j, s });
    }
    return scored
      .sort((x, y) => y.s - x.s || x.i - y.i)
      .slice(0, CANDIDATES_PER_INPUT)
      .map((x) => x.i);
  }
}

/**
 * One statement for a page: the inputs unnested, each probing its blocks in a LATERAL subquery (each block an index
 * scan, at most BLOCK_ROWS rows), ranked by trigram similarity, CANDIDATES_PER_INPUT kept; with each candidate the
 * names its live source records give it.
 */
function fuzzyStatement(entity: MasterEntity, b: Blocking, inputs: readonly [number, Probe][]): SQL {
  const ord = inputs.map(([i]) => i);
  const country = inputs.map(([, p]) => p.country);
  const postal = inputs.map(([, p]) => p.postal);
  const phone = inputs.map(([, p]) => p.phone);
  const email = inputs.map(([, p]) => p.email);
  const q = inputs.map(([, p]) => searchText(p.name));
  const t = sql.raw(b.table);
  const ROWS = sql.raw(String(BLOCK_ROWS));
  const FLOOR = sql.raw(String(BLOCK_SIMILARITY_FLOOR));
  const PER_INPUT = sql.raw(String(CANDIDATES_PER_INPUT));
  const live = sql`status <> 'archived'`;
  const probes: SQL[] = [];
  if (b.postal) {
    probes.push(sql`(SELECT id, search_text FROM ${t} WHERE x.postal IS NOT NULL AND x.country IS NOT NULL
      AND country = x.country AND postal_code = x.postal AND ${live} LIMIT ${ROWS})`);
  }
  if (b.phone) {
    probes.push(
      sql`(SELECT id, search_text FROM ${t} WHERE x.phone IS NOT NULL AND phone = x.phone AND ${live} LIMIT ${ROWS})`,
    );
  }
  if (b.email) {
    probes.push(
      sql`(SELECT id, search_text FROM ${t} WHERE x.email IS NOT NULL AND email = x.email AND ${live} LIMIT ${ROWS})`,
    );
  }
  if (b.byName !== 'never') {
    const noBlock =
      b.byName === 'always'
        ? sql`true`
        : sql`(x.postal IS NULL OR x.country IS NULL)${b.phone ? sql` AND x.phone IS NULL` : sql``}${b.email ? sql` AND x.email IS NULL` : sql``}`;
    probes.push(sql`(SELECT id, search_text FROM ${t} WHERE ${noBlock} AND search_text % x.q
      ${b.nameInCountry ? sql`AND country IS NOT DISTINCT FROM x.country` : sql``} AND ${live} LIMIT ${ROWS})`);
  }
  return sql`
    SELECT x.ord, ${selectList(b, 'g')}, g.id::text AS id,
      (SELECT array_agg(DISTINCT s.canonical->>'name') FROM source_records s
       WHERE s.entity = ${entity} AND s.golden_id = g.id AND s.deleted_at IS NULL) AS names
    FROM unnest(${sqlArray(ord)}::int[], ${sqlArray(country)}::char(2)[], ${sqlArray(postal)}::text[],
                ${sqlArray(phone)}::text[], ${sqlArray(email)}::text[], ${sqlArray(q)}::text[])
      AS x(ord, country, postal, phone, email, q)
    CROSS JOIN LATERAL (
      SELECT c.id, similarity(c.search_text, x.q) AS sim FROM (${sql.join(probes, sql` UNION `)}) c
      WHERE similarity(c.search_text, x.q) >= ${FLOOR}
      ORDER BY sim DESC, c.id LIMIT ${PER_INPUT}
    ) m
    JOIN ${t} g ON g.id = m.id
    ORDER BY x.ord, m.sim DESC, m.id`;
}

/** What placing a page's new source records did: the golden ids they went to, and which of those are new. */
export interface PlaceResult {
  placements: Placement[];
  /** Golden records that gained a contributor (to recompute). */
  affected: Set<string>;
  /** Golden ids made for this page (to create). */
  created: Set<string>;
  /** Steward tasks opened. */
  reviews: number;
}

/**
 * Matches a page's new source records and records where they went: each source record's golden id, its crosswalk
 * entry, and a steward task for each doubtful match (the record meanwhile has its own new golden record). At most
 * six statements whatever the page size; the caller recomputes `affected` afterwards, in the same transaction.
 */
export async function placeSourceRecords(
  tx: Tx,
  opts: { entity: MasterEntity; system: string; thresholds: MatchThresholds; actor: Actor },
  records: readonly MatchRecord[],
): Promise<PlaceResult> {
  const placements = await matchPage(tx, opts.entity, opts.system, records, opts.thresholds);
  const result: PlaceResult = { placements, affected: new Set(), created: new Set(), reviews: 0 };
  if (records.length === 0) return result;
  for (const p of placements) {
    result.affected.add(p.goldenId);
    if (p.isNew) result.created.add(p.goldenId);
  }
  await tx.execute(sql`
    UPDATE source_records s SET golden_id = x.g
    FROM unnest(${sqlArray(records.map((r) => r.sourceRecordId))}::bigint[], ${sqlArray(placements.map((p) => p.goldenId))}::uuid[]) AS x(i, g)
    WHERE s.id = x.i`);
  await linkSourceRefs(
    tx,
    opts.entity,
    records.map((r, i) => ({
      ref: { system: opts.system, externalId: r.externalId },
      goldenId: placements[i]!.goldenId,
      field: 'sourceRef',
    })),
  );
  const reviews = records.flatMap((r, i) => {
    const p = placements[i]!;
    return p.via === 'review' ? [{ sourceRecordId: r.sourceRecordId, candidates: JSON.stringify(p.candidates) }] : [];
  });
  if (reviews.length) {
    await tx.execute(sql`
      INSERT INTO steward_tasks (entity, source_record_id, candidates, created_by)
      SELECT ${opts.entity}, s, c, ${actorLabel(opts.actor)}
      FROM unnest(${sqlArray(reviews.map((r) => r.sourceRecordId))}::bigint[], ${sqlArray(reviews.map((r) => r.candidates))}::jsonb[]) AS x(s, c)
      ON CONFLICT (source_record_id) WHERE status = 'open' DO NOTHING`);
    result.reviews = reviews.length;
  }
  return result;
}
