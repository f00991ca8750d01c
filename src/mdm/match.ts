/**
 * Matching: does an incoming source record describe a golden record we already hold? Pure scoring over plain data;
 * finding the candidates (blocking on trigram indexes and keys) is SQL's job, deciding among them is this file's.
 *
 * Decisions:
 * - Deterministic keys (tax id, personal e-mail, GTIN, an explicit golden code) match outright, but never on empty or
 *   placeholder values ('N/A', '000000', 'test@example.com'), and shared role mailboxes (info@, sales@) are not keys:
 *   a group's companies and their subsidiaries often share one.
 * - A fuzzy score is 0.8 x sqrt(name similarity) plus small weights for agreeing attributes (phone, e-mail, website,
 *   postal code, street, city, country) and minus small ones for disagreeing ones (country, postal code, street,
 *   city). The square root is there because trigram similarity falls fast: one typo in a two-word name already costs
 *   a quarter of it. Name similarity is the better of trigram similarity and a word-by-word comparison in which a
 *   word one typo off counts 0.8, as one typo in a short name leaves few trigrams. An exact name alone gives 0.8,
 *   which is review at the usual thresholds; reaching auto-merge needs an agreeing phone, e-mail or address as well.
 * - Legal forms are set aside before names are compared, also when mistyped ('mGbH', '株式社'), so a typo in the
 *   form does not look like a different name. CJK names are compared by characters and bigrams.
 * - Different tax ids (or GTINs for items) mean different legal entities (products): the score is capped at 0.5 and
 *   decideMatch never proposes such a candidate, whatever the thresholds.
 * - Names that differ in legal form ('Müller GmbH' / 'Müller GmbH & Co. KG') compare equal by name, but the pair is
 *   never merged automatically: a GmbH is often the general partner of the GmbH & Co. KG of the same name, at the
 *   same address and phone, and only a steward can tell them apart.
 * - Scores are rounded to 4 decimals so equal evidence gives equal scores and thresholds compare without float noise.
 * - Matching a page compares the same names and places many times; their comparable forms are cached (bounded).
 */
import { searchText } from '../master/normalise';

/** A golden record found by blocking, with its golden columns (name, searchText, taxId, email, phone, country, ...). */
export interface MatchCandidate {
  goldenId: string;
  values: Record<string, unknown>;
}

/** The normalised columns of an incoming source record. */
export interface MatchInput {
  values: Record<string, unknown>;
}

/** Scores at or above autoMerge merge automatically; at or above review go to a steward; below are new records. */
export interface MatchThresholds {
  autoMerge: number;
  review: number;
  /** How far the best candidate must lead the runner-up to merge automatically; DEFAULT_MATCH_MARGIN if left out. */
  margin?: number;
}

/** A key that identifies a record on its own. */
export type DeterministicKey = 'taxId' | 'email' | 'gtin' | 'code';

/** What to do with an incoming source record. */
export type MatchDecision =
  | { kind: 'deterministic'; goldenId: string; key: DeterministicKey }
  | { kind: 'auto'; goldenId: string; score: number; reasons: string[] }
  | { kind: 'review'; candidates: { goldenId: string; score: number; reasons: string[] }[] }
  | { kind: 'new' };

/** The lead the best candidate needs over the runner-up to be merged without a steward. */
export const DEFAULT_MATCH_MARGIN = 0.05;

const NAME_WEIGHT = 0.8;
const CONFLICT_CAP = 0.5;
const PARTY_WEIGHTS = {
  taxId: 0.2,
  phone: 0.12,
  email: 0.08,
  street: 0.08,
  website: 0.05,
  postalCode: 0.07,
  city: 0.05,
  country: 0.02,
  otherCountry: -0.2,
  otherPostalCode: -0.03,
  otherStreet: -0.03,
  otherCity: -0.05,
};
const ITEM_WEIGHTS = { gtin: 0.2, baseUnit: 0.03, type: 0.02, otherBaseUnit: -0.05 };

// -------------------------------------------------------------------------------------------------------------------
// Placeholders and keys

// Compared with everything but letters and digits removed, so 'N/A', 'n.a.' and 'k. A.' are caught alike.
const PLACEHOLDER_WORDS: ReadonlySet<string> = new Set([
  'na',
  'nv',
  'ka',
  'none',
  'null',
  'nil',
  'nan',
  'undefined',
  'unknown',
  'unbekannt',
  'tbd',
  'tba',
  'test',
  'dummy',
  'x',
  'xx',
  'xxx',
  'keine',
  'kein',
  'leer',
  'empty',
  'missing',
  '不明',
  '无',
  '無',
  '未知',
  'なし',
  '없음',
]);
// Fields whose values are identifiers: a run of one repeated character ('000000', 'XXXX') is never a real one.
const IDENTIFIER_FIELDS: ReadonlySet<string> = new Set(['taxId', 'gtin', 'phone', 'postalCode', 'code']);
// Counting-up digits are the classic filler for tax ids and phones. Not for postal codes: 12345 is a real ZIP code.
const SEQUENCE_FIELDS: ReadonlySet<string> = new Set(['taxId', 'gtin', 'phone']);
const PLACEHOLDER_LOCALS: ReadonlySet<string> = new Set([
  'noreply',
  'donotreply',
  'test',
  'dummy',
  'none',
  'nomail',
  'noemail',
  'keine',
  'unknown',
  'example',
  'mailerdaemon',
  'null',
  'na',
  'x',
  'xxx',
]);
// RFC 2606 reserved names, and the made-up domains people type to get past a required e-mail field.
const PLACEHOLDER_DOMAIN =
  /(?:^|\.)(?:example|test|invalid|localhost)$|^example\.(?:com|net|org)$|^(?:test|none|nomail|noemail|keine|unknown)\.(?:com|de|net|org)$/;
const ROLE_LOCALS: ReadonlySet<string> = new Set([
  'info',
  'information',
  'sales',
  'office',
  'contact',
  'kontakt',
  'mail',
  'email',
  'post',
  'admin',
  'support',
  'service',
  'hello',
  'hallo',
  'team',
  'billing',
  'invoice',
  'invoices',
  'rechnung',
  'rechnungen',
  'accounts',
  'accounting',
  'buchhaltung',
  'finance',
  'ap',
  'ar',
  'einkauf',
  'purchasing',
  'purchase',
  'procurement',
  'order',
  'orders',
  'bestellung',
  'bestellungen',
  'vertrieb',
  'verkauf',
  'zentrale',
  'empfang',
  'reception',
  'sekretariat',
  'verwaltung',
  'hr',
  'jobs',
  'career',
  'careers',
  'karriere',
  'marketing',
  'press',
  'presse',
  'webmaster',
  'postmaster',
  'hostmaster',
  'abuse',
  'export',
  'logistics',
  'logistik',
  'shipping',
  'versand',
  'customerservice',
  'kundenservice',
  'help',
  'helpdesk',
  'enquiries',
  'inquiries',
  'enquiry',
  'inquiry',
  'general',
]);

function textOf(value: unknown): string | null {
  if (typeof value === 'string') return value.normalize('NFKC').trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return String(value);
  return null;
}

function isAllOneCharacter(text: string): boolean {
  return /^(.)\1*$/u.test(text);
}

function isCountingUp(digits: string): boolean {
  return (
    digits.length >= 5 && /^\d+$/.test(digits) && ('01234567890'.includes(digits) || '1234567890'.includes(digits))
  );
}

function splitEmail(text: string): { local: string; domain: string } | null {
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) return null;
  // A +tag routes to the same mailbox, so 'info+crm@' is still 'info@'.
  const local = text.slice(0, at).replace(/\+.*$/, '');
  return { local, domain: text.slice(at + 1) };
}

// Matching a page asks the same questions about the same values many times (a candidate's name and city for each
// input it is compared with), so the answers of the pure, text-heavy helpers are kept. Bounded: emptied when full.
const CACHE_LIMIT = 50_000;

function cached<T>(cache: Map<string, T>, key: string, compute: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    value = compute();
    cache.set(key, value);
  }
  return value;
}

/**
 * Whether a value is empty or a stand-in for "unknown" that must never be matched on: blanks and punctuation
 * ('-', '?'), filler words ('N/A', 'unknown', 'unbekannt', '不明'), identifiers made of one repeated character
 * ('0', '000000', 'XXXX') or counting-up digits ('DE123456789'), and dummy e-mail addresses ('test@example.com',
 * 'noreply@…'). Country codes are checked against 'XX'/'ZZ' only, as 'NA' is Namibia. A role address such as
 * info@acme.de is a real address, not a placeholder; see isRoleAddress.
 */
export function isPlaceholder(field: string, value: unknown): boolean {
  const raw = textOf(value);
  if (raw === null) return true;
  const text = raw.toLowerCase();
  const bare = text.replace(/[^\p{L}\p{N}]+/gu, '');
  if (bare === '') return true;

  if (field === 'email') {
    const email = splitEmail(text);
    if (!email) return true;
    return PLACEHOLDER_LOCALS.has(email.local.replace(/[._-]+/g, '')) || PLACEHOLDER_DOMAIN.test(email.domain);
  }
  if (field === 'country') return bare === 'xx' || bare === 'zz' || bare === 'xxx' || bare === 'zzz';

  if (PLACEHOLDER_WORDS.has(bare)) return true;
  if (/^\d+$/.test(bare) && isAllOneCharacter(bare)) return true;
  if (IDENTIFIER_FIELDS.has(field)) {
    // A VAT id's country prefix ('DE', 'ATU') is real even on a dummy number, so the digits after it decide.
    const body = field === 'taxId' ? bare.replace(/^[a-z]+(?=\d)/, '') : bare;
    if (isAllOneCharacter(body)) return true;
    if (SEQUENCE_FIELDS.has(field) && isCountingUp(body)) return true;
  }
  return false;
}

/**
 * Whether an e-mail address belongs to a role or department (info@, sales@, buchhaltung@, also 'sales.de@')
 * rather than a person. Such mailboxes are shared across a group's companies and sites, so they are evidence for a
 * match but never a key.
 */
export function isRoleAddress(email: string): boolean {
  const parts = splitEmail(email.normalize('NFKC').trim().toLowerCase());
  if (!parts) return false;
  const [first, ...rest] = parts.local.split(/[._-]+/);
  // A short suffix is a country or site ('sales.de', 'info-uk'); anything longer is likely a person's name.
  return first !== undefined && ROLE_LOCALS.has(first) && rest.every((s) => s.length <= 3);
}

// Warehouses are scored like parties (by name and address) but have no tax id or e-mail to key on.
const KEYED_PARTIES: ReadonlySet<string> = new Set(['customer', 'supplier']);

function keyText(field: string, value: unknown): string | null {
  if (isPlaceholder(field, value)) return null;
  const text = textOf(value);
  return text === null || text === '' ? null : text;
}

/**
 * The keys that identify the record on its own, in order of strength: an explicit golden code given by the source,
 * then for customers and suppliers the tax id and a personal (not role or placeholder) e-mail, for items the GTIN
 * (as 14 digits, the form golden records store). Values are canonicalised the way the golden columns are.
 */
export function deterministicKeys(
  entity: string,
  values: Record<string, unknown>,
): { key: DeterministicKey; value: string }[] {
  const keys: { key: DeterministicKey; value: string }[] = [];
  const code = keyText('code', values.code);
  if (code !== null) keys.push({ key: 'code', value: code.toUpperCase() });
  if (KEYED_PARTIES.has(entity)) {
    const taxId = keyText('taxId', values.taxId);
    if (taxId !== null) keys.push({ key: 'taxId', value: taxId.toUpperCase().replace(/[^A-Z0-9]+/g, '') });
    const email = keyText('email', values.email);
    if (email !== null && !isRoleAddress(email)) keys.push({ key: 'email', value: email.toLowerCase() });
  }
  if (entity === 'item') {
    const gtin = keyText('gtin', values.gtin);
    if (gtin !== null && /^\d{8,14}$/.test(gtin)) keys.push({ key: 'gtin', value: gtin.padStart(14, '0') });
  }
  return keys;
}

// -------------------------------------------------------------------------------------------------------------------
// Names

// Legal forms, mapped to one spelling each so 'Ltd' and 'Limited' agree; they are dropped from the compared name
// and compared on their own.
const LEGAL_FORMS: Readonly<Record<string, string>> = {
  gmbh: 'gmbh',
  mbh: 'gmbh',
  ag: 'ag',
  aktiengesellschaft: 'ag',
  kg: 'kg',
  kommanditgesellschaft: 'kg',
  kgaa: 'kgaa',
  ohg: 'ohg',
  gbr: 'gbr',
  ug: 'ug',
  ek: 'ek',
  ev: 'ev',
  eg: 'eg',
  se: 'se',
  ltd: 'ltd',
  limited: 'ltd',
  plc: 'plc',
  llp: 'llp',
  lp: 'lp',
  llc: 'llc',
  inc: 'inc',
  incorporated: 'inc',
  corp: 'corp',
  corporation: 'corp',
  sa: 'sa',
  sas: 'sas',
  sasu: 'sasu',
  sarl: 'sarl',
  sca: 'sca',
  snc: 'snc',
  srl: 'srl',
  spa: 'spa',
  sl: 'sl',
  slu: 'slu',
  sau: 'sau',
  bv: 'bv',
  nv: 'nv',
  vof: 'vof',
  ab: 'ab',
  as: 'as',
  asa: 'asa',
  oy: 'oy',
  oyj: 'oyj',
  aps: 'aps',
  kk: 'kk',
  gk: 'gk',
  bhd: 'bhd',
  sro: 'sro',
  kft: 'kft',
  zrt: 'zrt',
  doo: 'doo',
  spzoo: 'spzoo',
};
// Words that say nothing about identity: 'and company', 'the', 'group', and qualifiers of a legal form ('Pty Ltd',
// 'Sdn Bhd') that are written or left out at will.
const NOISE_WORDS: ReadonlySet<string> = new Set([
  'co',
  'company',
  'cie',
  'compagnie',
  'the',
  'and',
  'und',
  'et',
  'group',
  'gruppe',
  'groupe',
  'grupo',
  'gruppo',
  'pty',
  'pte',
  'pvt',
  'sdn',
  'haftungsbeschrankt',
]);
// CJK legal forms and noise are found as substrings: these scripts write names without spaces. Longest first, so
// 股份有限公司 is not read as 有限公司 with a leftover.
const CJK_AFFIXES: readonly (readonly [string, string | null])[] = (
  [
    ['股份有限公司', '股份有限公司'],
    ['有限责任公司', '有限责任公司'],
    ['有限責任公司', '有限责任公司'],
    ['有限公司', '有限公司'],
    ['股份公司', '股份公司'],
    ['株式会社', '株式会社'],
    ['(株)', '株式会社'],
    ['有限会社', '有限会社'],
    ['(有)', '有限会社'],
    ['合同会社', '合同会社'],
    ['合資会社', '合資会社'],
    ['合名会社', '合名会社'],
    ['주식회사', '주식회사'],
    ['(주)', '주식회사'],
    ['유한회사', '유한회사'],
    ['集团', null],
    ['集團', null],
    ['公司', null],
    ['그룹', null],
  ] as const
)
  .slice()
  .sort((a, b) => b[0].length - a[0].length);

const WORD_SEPARATOR = /[^\p{L}\p{N}\p{M}]+/u;
const CJK_RUN = /([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u30FC]+)/u;

interface ComparableName {
  words: string[];
  /** Canonical legal forms found in the name, sorted. */
  forms: string[];
}

/** German umlauts written out ('Mueller' for 'Müller'); searchText has already reduced 'ü' to 'u'. */
function foldTranscription(word: string): string {
  return word.replace(/ae/g, 'a').replace(/oe/g, 'o').replace(/ue/g, 'u');
}

/** A name as compared: its words' grams and its legal forms, computed once per distinct name. */
interface NameFeatures {
  words: string[][];
  grams: Set<string>;
  forms: string;
  formCount: number;
}

const nameFeatureCache = new Map<string, NameFeatures>();

function nameFeatures(name: string): NameFeatures {
  return cached(nameFeatureCache, name, () => {
    const c = comparableName(name);
    return {
      words: c.words.map((w) => [...w]),
      grams: grams(c.words),
      forms: c.forms.join(' '),
      formCount: c.forms.length,
    };
  });
}

/** What a word one typo off counts for in typoSimilarity. */
const TYPO_CREDIT = 0.8;
/** Words shorter than this must be spelled alike: 'AG' and 'AB' are one edit apart and different. */
const TYPO_MIN_LENGTH = 4;

/**
 * Similarity of two names that have the same words in the same order, each spelled alike or one typo off (a letter
 * added, dropped, replaced, or two swapped; in a CJK run a character): the share of words, a mistyped one counting
 * TYPO_CREDIT. 0 for names that differ otherwise. Trigrams punish one typo in a short word hard ('Becker' /
 * 'Bceker' share 2 of 12 trigrams), though it is the commonest way a name is retyped.
 */
function typoSimilarity(a: readonly string[][], b: readonly string[][]): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.length === y.length && x.every((c, k) => c === y[k])) sum += 1;
    else if (Math.min(x.length, y.length) >= TYPO_MIN_LENGTH && withinOneEdit(x, y)) sum += TYPO_CREDIT;
    else return 0;
  }
  return sum / a.length;
}

/** Whether two strings are at most one edit apart: one letter added, dropped, replaced, or two neighbours swapped. */
function withinOneEdit(a: readonly string[], b: readonly string[]): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (i === a.length && i === b.length) return true;
  const rest = (x: readonly string[], from: number) => x.slice(from).join('');
  if (a.length === b.length) {
    if (rest(a, i + 1) === rest(b, i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && rest(a, i + 2) === rest(b, i + 2);
  }
  return a.length > b.length ? rest(a, i + 1) === rest(b, i) : rest(a, i) === rest(b, i + 1);
}

// Legal forms are typed as carelessly as the rest of a name ('mGbH', 'Lzd', 'Copr', '株式社'); one that is one
// edit away from a known form, where forms stand (among the last three words of a Latin name but not its first,
// at either end of a CJK one), is
// read as that form. Only forms of three or more letters (four CJK characters): 'AG' is one edit from too much.
const FUZZY_LATIN_FORMS = Object.entries(LEGAL_FORMS)
  .filter(([spelling]) => spelling.length >= 3)
  .map(([spelling, form]) => [[...spelling], form] as const);
const FUZZY_CJK_FORMS = CJK_AFFIXES.filter(([affix, form]) => form !== null && [...affix].length >= 4).map(
  ([affix, form]) => [[...affix], form as string] as const,
);

function fuzzyLatinForm(token: string): string | undefined {
  if (token.length < 3) return undefined;
  const chars = [...token];
  return FUZZY_LATIN_FORMS.find(([spelling]) => withinOneEdit(chars, spelling))?.[1];
}

const sameChars = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((c, i) => c === b[i]);

/**
 * The legal form at the end or start of a CJK name, removed, also when mistyped. An exact form first, unless a
 * longer form ending (or starting) with it is there with one typo: '股份有有限公司' is 股份有限公司 mistyped, not
 * 有限公司 after '股份有'. Then a mistyped form: a dropped character first, then a replaced or swapped one, then an
 * added one, so that '佐藤工業限会社' loses '限会社' (有限会社 without 有) and not '業限会社'.
 */
function stripCjkForm(text: string, forms: Set<string>): string {
  const chars = [...text.trim()];
  const sides = [
    { take: (n: number) => chars.slice(chars.length - n), rest: (n: number) => chars.slice(0, chars.length - n) },
    { take: (n: number) => chars.slice(0, n), rest: (n: number) => chars.slice(n) },
  ];
  const cut = (side: (typeof sides)[number], n: number, form: string) => {
    forms.add(form);
    return side.rest(n).join('');
  };
  for (const [affix, form] of FUZZY_CJK_FORMS) {
    for (const [s, side] of sides.entries()) {
      if (affix.length >= chars.length || !sameChars(side.take(affix.length), affix)) continue;
      for (const [longer, longerForm] of FUZZY_CJK_FORMS) {
        const extends_ = s === 0 ? longer.slice(longer.length - affix.length) : longer.slice(0, affix.length);
        if (longer.length <= affix.length || !sameChars(extends_, affix)) continue;
        for (const n of [longer.length + 1, longer.length - 1, longer.length]) {
          if (n > affix.length && n < chars.length && withinOneEdit(side.take(n), longer))
            return cut(side, n, longerForm);
        }
      }
      return cut(side, affix.length, form);
    }
  }
  for (const delta of [-1, 0, 1]) {
    for (const [affix, form] of FUZZY_CJK_FORMS) {
      const n = affix.length + delta;
      for (const side of sides) if (n < chars.length && withinOneEdit(side.take(n), affix)) return cut(side, n, form);
    }
  }
  return text;
}

function comparableName(name: string): ComparableName {
  const forms = new Set<string>();
  let text = searchText(name);
  if (CJK_RUN.test(text)) text = stripCjkForm(text, forms);
  for (const [affix, form] of CJK_AFFIXES) {
    if (!text.includes(affix)) continue;
    text = text.split(affix).join(' ');
    if (form !== null) forms.add(form);
  }
  // Dots and apostrophes join rather than separate: 'S.A.' is 'sa', 'Co.' is 'co', "McDonald's" is 'mcdonalds'.
  const tokens = text.replace(/['’.]/g, '').split(WORD_SEPARATOR).filter(Boolean);

  // Single letters in a row are a spaced-out abbreviation: 'S A' is 'SA', 'A B C Motors' is 'ABC Motors'.
  const joined: string[] = [];
  let letters = '';
  for (const token of [...tokens, '']) {
    if (/^[a-z]$/.test(token)) {
      letters += token;
      continue;
    }
    if (letters !== '') joined.push(letters);
    letters = '';
    if (token !== '') joined.push(token);
  }

  const words: string[] = [];
  for (let i = 0; i < joined.length; i++) {
    const token = joined[i] as string;
    // Polish 'sp. z o.o.' arrives as three tokens.
    if (token === 'sp' && joined[i + 1] === 'z' && joined[i + 2] === 'oo') {
      forms.add('spzoo');
      i += 2;
      continue;
    }
    const form = LEGAL_FORMS[token] ?? (i > 0 && i >= joined.length - 3 ? fuzzyLatinForm(token) : undefined);
    if (form !== undefined) forms.add(form);
    else if (!NOISE_WORDS.has(token)) words.push(foldTranscription(token));
  }
  // A name that is nothing but noise ('AG', 'Holding & Co') is still a name; compare what there is.
  return { words: words.length > 0 ? words : joined.map(foldTranscription), forms: [...forms].sort() };
}

/**
 * pg_trgm-style trigrams of Latin (and other spaced) words; characters and bigrams of CJK runs, which have no word
 * breaks. The characters keep a swapped or dropped character from costing a short CJK name most of its bigrams.
 */
function grams(words: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const word of words) {
    word.split(CJK_RUN).forEach((part, index) => {
      if (part === '') return;
      if (index % 2 === 1) {
        const chars = [...part];
        for (const c of chars) out.add(c);
        for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i]! + chars[i + 1]!);
        return;
      }
      // pg_trgm pads each word with two spaces in front and one behind, so word starts weigh more than ends.
      const chars = [...`  ${part} `];
      for (let i = 0; i + 2 < chars.length; i++) out.add(chars[i]! + chars[i + 1]! + chars[i + 2]!);
    });
  }
  return out;
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const g of a) if (b.has(g)) shared++;
  return shared / (a.size + b.size - shared);
}

/**
 * Similarity of two names, 0..1: trigram Jaccard like pg_trgm's similarity() over searchText-normalised names,
 * after dropping legal forms and noise words (GmbH, & Co. KG, Ltd, Inc, 株式会社, 股份有限公司, 集团 ...) and folding
 * written-out umlauts ('Mueller' = 'Müller'). CJK runs are compared by character bigrams instead, as they have no
 * spaces for pg_trgm to split words on.
 */
export function nameSimilarity(a: string, b: string): number {
  return jaccard(nameFeatures(a).grams, nameFeatures(b).grams);
}

/** The grams nameSimilarity compares (Jaccard of two names' grams), for indexing many names at once. */
export function nameGrams(name: string): Set<string> {
  return nameFeatures(name).grams;
}

// -------------------------------------------------------------------------------------------------------------------
// Scoring

interface Assessment {
  score: number;
  reasons: string[];
  /** Different tax ids or GTINs: a different legal entity or product. */
  conflicting: boolean;
  /** Different legal forms: never merged without a steward. */
  legalFormsDiffer: boolean;
}

const places = new Map<string, string>();

function round(score: number): number {
  return Math.round(score * 10_000) / 10_000;
}

function present(field: string, value: unknown): string | null {
  return isPlaceholder(field, value) ? null : (textOf(value) as string);
}

function nameOf(values: Record<string, unknown>): string | null {
  return present('name', values.name) ?? present('name', values.searchText);
}

function assess(entity: string, input: MatchInput, candidate: MatchCandidate): Assessment {
  const reasons: string[] = [];
  let score = 0;
  let conflicting = false;
  let legalFormsDiffer = false;

  const inputName = nameOf(input.values);
  const candidateName = nameOf(candidate.values);
  if (inputName !== null && candidateName !== null) {
    const a = nameFeatures(inputName);
    const b = nameFeatures(candidateName);
    const trigrams = jaccard(a.grams, b.grams);
    const typos = typoSimilarity(a.words, b.words);
    const similarity = Math.max(trigrams, typos);
    score += NAME_WEIGHT * Math.sqrt(similarity);
    reasons.push(`name similarity ${similarity.toFixed(2)}${typos > trigrams ? ' (typos)' : ''}`);
    if (a.formCount > 0 && b.formCount > 0 && a.forms !== b.forms) {
      legalFormsDiffer = true;
      reasons.push(`legal forms differ (${a.forms} / ${b.forms})`);
    }
  }

  // Compares one attribute; null when either side has no real value.
  const compare = (field: string, canonical: (text: string) => string): boolean | null => {
    const x = present(field, input.values[field]);
    const y = present(field, candidate.values[field]);
    return x === null || y === null ? null : canonical(x) === canonical(y);
  };
  const upper = (t: string) => t.toUpperCase().replace(/[^\p{L}\p{N}]+/gu, '');
  const lower = (t: string) => t.toLowerCase();
  const site = (t: string) =>
    t
      .toLowerCase()
      .replace(/^[a-z]+:\/\//, '')
      .replace(/^www\./, '')
      .replace(/[/?#].*$/, '');
  const place = (t: string) =>
    cached(places, t, () => searchText(t).split(WORD_SEPARATOR).filter(Boolean).map(foldTranscription).join(' '));
  const weigh = (agrees: boolean | null, plus: number, minus: number, same: string, other: string) => {
    if (agrees === true) {
      score += plus;
      reasons.push(same);
    } else if (agrees === false && minus !== 0) {
      score += minus;
      reasons.push(other);
    }
  };

  if (entity !== 'item') {
    const w = PARTY_WEIGHTS;
    const taxId = compare('taxId', upper);
    weigh(taxId, w.taxId, 0, 'same tax id', '');
    if (taxId === false) {
      conflicting = true;
      reasons.push('tax ids differ');
    }
    weigh(compare('phone', upper), w.phone, 0, 'same phone', '');
    weigh(compare('email', lower), w.email, 0, 'same email', '');
    const country = compare('country', upper);
    weigh(country, w.country, w.otherCountry, 'same country', 'different country');
    weigh(compare('website', site), w.website, 0, 'same website', '');
    // In another country the same postal code or city name is a coincidence, not evidence.
    if (country !== false) {
      weigh(compare('postalCode', upper), w.postalCode, w.otherPostalCode, 'same postal code', 'different postal code');
      weigh(compare('street', place), w.street, w.otherStreet, 'same street', 'different street');
      weigh(compare('city', place), w.city, w.otherCity, 'same city', 'different city');
    }
  } else {
    const w = ITEM_WEIGHTS;
    const gtin = compare('gtin', (t) => t.padStart(14, '0'));
    weigh(gtin, w.gtin, 0, 'same gtin', '');
    if (gtin === false) {
      conflicting = true;
      reasons.push('gtins differ');
    }
    weigh(compare('baseUnit', lower), w.baseUnit, w.otherBaseUnit, 'same base unit', 'different base unit');
    weigh(compare('type', lower), w.type, 0, 'same type', '');
  }

  score = Math.min(1, Math.max(0, score));
  if (conflicting) score = Math.min(score, CONFLICT_CAP);
  return { score: round(score), reasons, conflicting, legalFormsDiffer };
}

/**
 * How likely the candidate is the record the input describes, 0..1, and the evidence in words ('name similarity
 * 0.74', 'same postal code', 'different country', 'tax ids differ'). For customers and suppliers the name is
 * weighed with tax id, phone (E.164), e-mail, country, postal code and city; for items with GTIN, base unit and
 * type. Conflicting tax ids or GTINs cap the score at 0.5.
 */
export function scoreCandidate(
  entity: string,
  input: MatchInput,
  candidate: MatchCandidate,
): { score: number; reasons: string[] } {
  const { score, reasons } = assess(entity, input, candidate);
  return { score, reasons };
}

const KEYS: ReadonlySet<string> = new Set<DeterministicKey>(['taxId', 'email', 'gtin', 'code']);

/** In units of 1e-4, the precision scores are rounded to, so comparisons carry no float noise. */
function basisPoints(value: number): number {
  return Math.round(value * 10_000);
}

/**
 * Decides what to do with an incoming record, given the golden record its deterministic keys found (if any) and the
 * candidates blocking found. A golden id the steward rejected for this source record (notAMatch) is never returned,
 * not even for a key hit. A key hit also gives way when its golden record is among the candidates with a
 * conflicting tax id or GTIN. Otherwise the best candidate merges automatically when it reaches autoMerge, has no
 * legal-form conflict and leads the runner-up by the margin; else every candidate at or above review goes to a
 * steward (best first, ties by golden id); else the record is new.
 */
export function decideMatch(
  entity: string,
  input: MatchInput,
  deterministicHit: { goldenId: string; key: string } | null,
  candidates: readonly MatchCandidate[],
  thresholds: MatchThresholds,
  notAMatch: ReadonlySet<string>,
): MatchDecision {
  const margin = thresholds.margin ?? DEFAULT_MATCH_MARGIN;
  const { autoMerge, review } = thresholds;
  if (!(review >= 0 && review <= autoMerge && autoMerge <= 1 && margin >= 0)) {
    throw new RangeError(`match thresholds need 0 <= review <= autoMerge <= 1 and margin >= 0`);
  }
  if (deterministicHit && !KEYS.has(deterministicHit.key)) {
    throw new TypeError(`unknown deterministic key ${deterministicHit.key}`);
  }

  // The same golden id can come from several blocking passes; it counts once, with its best assessment.
  const assessed = new Map<string, Assessment>();
  for (const candidate of candidates) {
    if (notAMatch.has(candidate.goldenId)) continue;
    const a = assess(entity, input, candidate);
    const known = assessed.get(candidate.goldenId);
    if (!known || a.score > known.score) assessed.set(candidate.goldenId, a);
  }

  if (deterministicHit && !notAMatch.has(deterministicHit.goldenId)) {
    if (!assessed.get(deterministicHit.goldenId)?.conflicting) {
      return {
        kind: 'deterministic',
        goldenId: deterministicHit.goldenId,
        key: deterministicHit.key as DeterministicKey,
      };
    }
  }

  const ranked = [...assessed.entries()]
    .filter(([, a]) => !a.conflicting)
    .map(([goldenId, a]) => ({ goldenId, ...a }))
    .sort((x, y) => y.score - x.score || (x.goldenId < y.goldenId ? -1 : x.goldenId > y.goldenId ? 1 : 0));

  const [best, runnerUp] = ranked;
  if (!best) return { kind: 'new' };
  const leads = runnerUp === undefined || basisPoints(best.score - runnerUp.score) >= basisPoints(margin);
  if (basisPoints(best.score) >= basisPoints(autoMerge) && !best.legalFormsDiffer && leads) {
    return { kind: 'auto', goldenId: best.goldenId, score: best.score, reasons: best.reasons };
  }
  const inReview = ranked
    .filter((c) => basisPoints(c.score) >= basisPoints(review))
    .map(({ goldenId, score, reasons }) => ({ goldenId, score, reasons }));
  return inReview.length > 0 ? { kind: 'review', candidates: inReview } : { kind: 'new' };
}
