import {
  decideMatch,
  deterministicKeys,
  isPlaceholder,
  isRoleAddress,
  type MatchCandidate,
  type MatchThresholds,
  nameSimilarity,
  scoreCandidate,
} from '../../src/mdm/match';

const thresholds: MatchThresholds = { autoMerge: 0.92, review: 0.75 };
const none: ReadonlySet<string> = new Set();

const input = (values: Record<string, unknown>) => ({ values });
const candidate = (goldenId: string, values: Record<string, unknown>): MatchCandidate => ({ goldenId, values });

/** Every ordering of a list: decisions must not depend on the order blocking returned candidates in. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

// 'northwind' has 10 pg_trgm trigrams, 'nortwind' 9, 7 shared; 'motors' adds 7 to both: 14 shared of 19.
const TYPO_SIMILARITY = 14 / 19;

describe('isPlaceholder', () => {
  it.each([
    'N/A',
    'n/a',
    'n.a.',
    '-',
    '--',
    '?',
    '0',
    '000000',
    'unknown',
    'Unbekannt',
    'TBD',
    'xxx',
    '不明',
    '',
    '  ',
  ])('treats %p as no value', (value) => {
    expect(isPlaceholder('taxId', value)).toBe(true);
    expect(isPlaceholder('name', value)).toBe(true);
  });

  it('treats missing and non-text values as no value, and numbers by their digits', () => {
    expect(isPlaceholder('taxId', null)).toBe(true);
    expect(isPlaceholder('taxId', undefined)).toBe(true);
    expect(isPlaceholder('taxId', { id: 1 })).toBe(true);
    expect(isPlaceholder('code', 0)).toBe(true);
    expect(isPlaceholder('code', 4711)).toBe(false);
  });

  it('catches dummy identifiers but keeps real ones', () => {
    expect(isPlaceholder('taxId', 'DE000000000')).toBe(true);
    expect(isPlaceholder('taxId', 'DE123456789')).toBe(true); // the textbook example VAT id
    expect(isPlaceholder('taxId', 'DE811234567')).toBe(false);
    expect(isPlaceholder('gtin', '00000000000000')).toBe(true);
    expect(isPlaceholder('postalCode', '00000')).toBe(true);
    expect(isPlaceholder('postalCode', '12345')).toBe(false); // a real ZIP code in Schenectady, NY
    expect(isPlaceholder('phone', '+11111111111')).toBe(true);
    expect(isPlaceholder('phone', '+49301234567')).toBe(false);
  });

  it('does not mistake short real values for placeholders', () => {
    expect(isPlaceholder('country', 'NA')).toBe(false); // Namibia
    expect(isPlaceholder('country', 'ZZ')).toBe(true);
    expect(isPlaceholder('name', 'AAA Logistics')).toBe(false);
    expect(isPlaceholder('name', 'Nord AG')).toBe(false);
  });

  it('catches dummy e-mail addresses but not role addresses, which are real', () => {
    for (const email of [
      'test@example.com',
      'noreply@acme.de',
      'no-reply@acme.de',
      'do_not_reply@acme.de',
      'anna@example.org',
      'x@shop.test',
      'not-an-address',
    ]) {
      expect(isPlaceholder('email', email)).toBe(true);
    }
    expect(isPlaceholder('email', 'info@acme.de')).toBe(false);
    expect(isPlaceholder('email', 'anna.schmidt@acme.de')).toBe(false);
  });
});

describe('isRoleAddress', () => {
  it('knows shared mailboxes from personal ones', () => {
    for (const email of [
      'info@acme.de',
      'Sales@acme.com',
      'buchhaltung@acme.de',
      'sales.de@acme.com',
      'info+crm@acme.de',
    ]) {
      expect(isRoleAddress(email)).toBe(true);
    }
    for (const email of ['anna.schmidt@acme.de', 'information.systems.lead@acme.de', 'infoservices@acme.de']) {
      expect(isRoleAddress(email)).toBe(false);
    }
  });
});

describe('deterministicKeys', () => {
  it('uses an explicit code, the tax id and a personal e-mail for customers and suppliers', () => {
    expect(
      deterministicKeys('customer', { code: 'cust-000042', taxId: 'DE811234567', email: 'Anna.Schmidt@acme.de' }),
    ).toEqual([
      { key: 'code', value: 'CUST-000042' },
      { key: 'taxId', value: 'DE811234567' },
      { key: 'email', value: 'anna.schmidt@acme.de' },
    ]);
  });

  it('never keys on placeholders or shared role mailboxes', () => {
    expect(deterministicKeys('supplier', { taxId: 'N/A', email: 'info@acme.de', code: '-' })).toEqual([]);
    expect(deterministicKeys('customer', { taxId: '000000', email: 'test@example.com' })).toEqual([]);
    expect(deterministicKeys('customer', { email: 'sales.de@acme.de' })).toEqual([]);
  });

  it('uses the GTIN for items, as the 14 digits golden records store', () => {
    expect(deterministicKeys('item', { gtin: '4006381333931', taxId: 'DE811234567' })).toEqual([
      { key: 'gtin', value: '04006381333931' },
    ]);
    expect(deterministicKeys('item', { gtin: '00000000000000' })).toEqual([]);
  });

  it('has only the code for other entities', () => {
    expect(deterministicKeys('warehouse', { code: 'WH-001', taxId: 'DE811234567' })).toEqual([
      { key: 'code', value: 'WH-001' },
    ]);
  });
});

describe('nameSimilarity', () => {
  it("computes pg_trgm's similarity for Latin words", () => {
    // The example in the pg_trgm documentation: 4 shared trigrams of 11.
    expect(nameSimilarity('word', 'two words')).toBeCloseTo(4 / 11, 10);
    expect(nameSimilarity('Northwind Motors', 'Northwind Motors')).toBe(1);
    expect(nameSimilarity('Northwind', 'Contoso')).toBe(0);
    expect(nameSimilarity('', 'Contoso')).toBe(0);
  });

  it('scores a typo as close but not equal', () => {
    expect(nameSimilarity('Northwind Motors', 'Nortwind Motors')).toBeCloseTo(TYPO_SIMILARITY, 10);
    // Another word is further away than a typo: 11 shared trigrams of 24.
    expect(nameSimilarity('Northwind Motors', 'Northwind Traders')).toBeCloseTo(11 / 24, 10);
  });

  it('ignores case, accents, punctuation and legal forms', () => {
    // ü and written-out ue fold alike, GmbH & Co. KG is legal form and noise: the names are the same name.
    expect(nameSimilarity('Müller GmbH', 'Mueller GmbH & Co. KG')).toBe(1);
    expect(nameSimilarity('ACME Ltd.', 'Acme Limited')).toBe(1);
    expect(nameSimilarity('Industrias S. A.', 'INDUSTRIAS SA')).toBe(1);
    expect(nameSimilarity('Kowalski Sp. z o.o.', 'Kowalski')).toBe(1);
    expect(nameSimilarity('The Boeing Company', 'Boeing')).toBe(1);
    // A name that is only a legal form is still compared.
    expect(nameSimilarity('AG', 'AG')).toBe(1);
  });

  it('compares Chinese and Japanese by characters and bigrams after dropping legal forms', () => {
    expect(nameSimilarity('上海电气集团股份有限公司', '上海电气集团')).toBe(1);
    expect(nameSimilarity('株式会社日立製作所', '日立製作所')).toBe(1);
    expect(nameSimilarity('㈱日立製作所', '（株）日立製作所')).toBe(1);
    // Shanghai Electric vs Shanghai Electric Power: 上 海 电 and 上海 海电 shared, 气 电气 and 力 电力 not: 5 of 9.
    expect(nameSimilarity('上海电气', '上海电力')).toBeCloseTo(5 / 9, 10);
    expect(nameSimilarity('日立製作所', '東芝')).toBe(0);
    // Two characters swapped keep every character: 8 characters and 4 of 7 bigrams shared, 12 of 18.
    expect(nameSimilarity('天津东方五金制品有限公司', '天津方东五金制品有限公司')).toBeCloseTo(12 / 18, 10);
  });

  it('reads a mistyped legal form as that form', () => {
    expect(nameSimilarity('Schäfer mGbH', 'Schäfer GmbH')).toBe(1);
    expect(nameSimilarity('Hughes & Bennett Lzd', 'Hughes & Bennett Ltd')).toBe(1);
    expect(nameSimilarity('Bennett Copr.', 'Bennett Corp.')).toBe(1);
    expect(nameSimilarity('株式社加藤精機', '株式会社加藤精機')).toBe(1);
    expect(nameSimilarity('佐藤工業限会社', '佐藤工業有限会社')).toBe(1);
    // An extra character inside 股份有限公司 is not a clean 有限公司 with 股份有 left over.
    expect(nameSimilarity('苏州金达轴承股份有有限公司', '苏州金达轴承股份有限公司')).toBe(1);
    // A word one edit from a form elsewhere in the name is a word: 'Inco' is not Inc.
    expect(nameSimilarity('Inco Metals Ltd', 'Metals Ltd')).toBeLessThan(1);
    // Two-letter forms are left alone: 'AB' is one edit from 'AG' and a Swedish form of its own.
    expect(
      scoreCandidate('customer', input({ name: 'Nordic Steel AB' }), candidate('g', { name: 'Nordic Steel AG' }))
        .reasons,
    ).toContain('legal forms differ (ab / ag)');
  });

  it('is symmetric', () => {
    const names = ['Müller GmbH', 'Nortwind Motors', '上海电气集团', 'Hitachi 日立', 'two words'];
    for (const a of names) for (const b of names) expect(nameSimilarity(a, b)).toBe(nameSimilarity(b, a));
  });
});

describe('scoreCandidate', () => {
  it('gives an exact name alone 0.8: enough for a steward to look, not enough to merge', () => {
    expect(
      scoreCandidate('customer', input({ name: 'Northwind Motors' }), candidate('g', { name: 'Northwind Motors' })),
    ).toEqual({
      score: 0.8,
      reasons: ['name similarity 1.00'],
    });
  });

  it('weighs agreeing attributes: 0.8 x sqrt(similarity) + country 0.02 + postal code 0.07 + city 0.05', () => {
    const result = scoreCandidate(
      'customer',
      input({ name: 'Northwind Motors', country: 'DE', postalCode: '80331', city: 'München' }),
      candidate('g', { name: 'Northwind Traders', country: 'DE', postalCode: '80331', city: 'Muenchen' }),
    );
    expect(result.score).toBe(Math.round((0.8 * Math.sqrt(11 / 24) + 0.14) * 10_000) / 10_000);
    expect(result.score).toBe(0.6816);
    expect(result.reasons).toEqual(['name similarity 0.46', 'same country', 'same postal code', 'same city']);
  });

  it('counts a word one typo off as 0.8 of a word, where that beats the trigrams', () => {
    // Trigrams give 'Nortwind Motors' 14/19; word by word it is one typo in two words: (0.8 + 1) / 2.
    const typo = scoreCandidate(
      'customer',
      input({ name: 'Northwind Motors' }),
      candidate('g', { name: 'Nortwind Motors' }),
    );
    expect(typo).toEqual({
      score: Math.round(0.8 * Math.sqrt(0.9) * 10_000) / 10_000,
      reasons: ['name similarity 0.90 (typos)'],
    });
    expect(TYPO_SIMILARITY).toBeLessThan(0.9);
    // One name, one word: 'Bceker' shares 2 of 12 trigrams with 'Becker' but is one swap away.
    expect(
      scoreCandidate('customer', input({ name: 'Bceker GmbH' }), candidate('g', { name: 'Becker GmbH' })).reasons,
    ).toEqual(['name similarity 0.80 (typos)']);
    // Short words must match: 'Lee' and 'Lea' are different names; so must the number of words.
    expect(
      scoreCandidate('customer', input({ name: 'Lee Ltd' }), candidate('g', { name: 'Lea Ltd' })).score,
    ).toBeLessThan(0.5);
    expect(
      scoreCandidate('customer', input({ name: 'Becker Metall' }), candidate('g', { name: 'Bceker' })).reasons[0],
    ).not.toContain('typos');
  });

  it('weighs the same street and website, and counts another street or city against', () => {
    const at = { name: 'Northwind Motors', country: 'DE', postalCode: '80331', city: 'München' };
    const same = scoreCandidate(
      'customer',
      input({ ...at, street: 'Hauptstraße 5', website: 'https://www.northwind.de/' }),
      candidate('g', { ...at, street: 'Hauptstrasse 5', website: 'http://northwind.de' }),
    );
    expect(same).toEqual({
      score: 1,
      reasons: ['name similarity 1.00', 'same country', 'same website', 'same postal code', 'same street', 'same city'],
    });
    // The same name at the same postal code in another street and city is another company: 0.8 + 0.02 + 0.07 -
    // 0.03 - 0.05 = 0.81, review rather than merge.
    const elsewhere = scoreCandidate(
      'customer',
      input({ ...at, street: 'Hauptstraße 5' }),
      candidate('g', { ...at, street: 'Bahnhofstraße 1', city: 'Augsburg' }),
    );
    expect(elsewhere.score).toBe(0.81);
    expect(elsewhere.reasons).toEqual([
      'name similarity 1.00',
      'same country',
      'same postal code',
      'different street',
      'different city',
    ]);
  });

  it('expects Müller GmbH and Mueller GmbH & Co. KG to score 0.8 with the legal-form difference named', () => {
    // Same name once legal forms are set aside, so 0.8 like any exact name; the differing forms are reported
    // because a GmbH is often the general partner of the GmbH & Co. KG of the same name (see decideMatch).
    expect(
      scoreCandidate('customer', input({ name: 'Müller GmbH' }), candidate('g', { name: 'Mueller GmbH & Co. KG' })),
    ).toEqual({
      score: 0.8,
      reasons: ['name similarity 1.00', 'legal forms differ (gmbh / gmbh kg)'],
    });
  });

  it('counts a different country against, and then ignores postal code and city', () => {
    const result = scoreCandidate(
      'customer',
      input({ name: 'Siemens', country: 'DE', postalCode: '1010', city: 'Wien' }),
      candidate('g', { name: 'Siemens', country: 'AT', postalCode: '1010', city: 'Wien' }),
    );
    expect(result).toEqual({ score: 0.6, reasons: ['name similarity 1.00', 'different country'] });
  });

  it('caps the score at 0.5 when tax ids conflict, however much else agrees', () => {
    const values = { name: 'Acme GmbH', phone: '+49301234567', country: 'DE', postalCode: '80331', city: 'München' };
    const result = scoreCandidate(
      'customer',
      input({ ...values, taxId: 'DE811234567' }),
      candidate('g', { ...values, taxId: 'DE129273398' }),
    );
    expect(result.score).toBe(0.5);
    expect(result.reasons).toContain('tax ids differ');
  });

  it('ignores placeholders on either side', () => {
    const result = scoreCandidate(
      'customer',
      input({ name: 'Acme', phone: '0', postalCode: '00000', taxId: 'N/A', email: 'test@example.com' }),
      candidate('g', {
        name: 'Acme',
        phone: '0',
        postalCode: '00000',
        taxId: 'DE811234567',
        email: 'test@example.com',
      }),
    );
    expect(result).toEqual({ score: 0.8, reasons: ['name similarity 1.00'] });
  });

  it('falls back to searchText when the candidate has no name column', () => {
    expect(
      scoreCandidate(
        'supplier',
        input({ name: 'Northwind Motors' }),
        candidate('g', { searchText: 'northwind motors' }),
      ).score,
    ).toBe(0.8);
  });

  it('scores items by name, GTIN, base unit and type', () => {
    const bolt = { name: 'Hex bolt M8x40 DIN 933', baseUnit: 'pc', type: 'purchased' };
    expect(
      scoreCandidate(
        'item',
        input({ ...bolt, gtin: '04006381333931' }),
        candidate('g', { ...bolt, gtin: '4006381333931' }),
      ),
    ).toEqual({
      score: 1,
      reasons: ['name similarity 1.00', 'same gtin', 'same base unit', 'same type'],
    });
    expect(
      scoreCandidate(
        'item',
        input({ ...bolt, gtin: '04006381333931' }),
        candidate('g', { ...bolt, gtin: '04012345678901' }),
      ).score,
    ).toBe(0.5);
  });
});

describe('decideMatch', () => {
  const northwind = {
    name: 'Northwind Motors',
    phone: '+49301234567',
    country: 'DE',
    postalCode: '80331',
    city: 'München',
  };

  it('takes a deterministic hit as it is', () => {
    expect(decideMatch('customer', input(northwind), { goldenId: 'g1', key: 'taxId' }, [], thresholds, none)).toEqual({
      kind: 'deterministic',
      goldenId: 'g1',
      key: 'taxId',
    });
  });

  it('never returns a golden id the steward rejected, not even for a key hit', () => {
    const candidates = [candidate('g1', northwind)];
    expect(
      decideMatch(
        'customer',
        input(northwind),
        { goldenId: 'g1', key: 'email' },
        candidates,
        thresholds,
        new Set(['g1']),
      ),
    ).toEqual({
      kind: 'new',
    });
    const other = candidate('g2', { name: 'Northwind Motors' });
    expect(
      decideMatch('customer', input(northwind), null, [...candidates, other], thresholds, new Set(['g1'])),
    ).toEqual({
      kind: 'review',
      candidates: [{ goldenId: 'g2', score: 0.8, reasons: ['name similarity 1.00'] }],
    });
  });

  it('drops a key hit whose golden record has a different tax id', () => {
    // A person's address shared by two legal entities: the e-mail matched, the tax ids say otherwise.
    const hit = candidate('g1', { name: 'Müller GmbH', taxId: 'DE129273398', email: 'hans@mueller.de' });
    const decision = decideMatch(
      'customer',
      input({ name: 'Müller GmbH & Co. KG', taxId: 'DE811234567', email: 'hans@mueller.de' }),
      { goldenId: 'g1', key: 'email' },
      [hit],
      thresholds,
      none,
    );
    expect(decision).toEqual({ kind: 'new' });
  });

  it('sorts records into the auto, review and new bands', () => {
    const decide = (values: Record<string, unknown>) =>
      decideMatch('customer', input(northwind), null, [candidate('g1', values)], thresholds, none).kind;
    // Exact name and phone: 0.8 + 0.12 = 0.92, exactly autoMerge, which is inclusive.
    expect(decide({ name: 'Northwind Motors', phone: '+49301234567' })).toBe('auto');
    // Typo and the same address: 0.8267.
    expect(decide({ name: 'Nortwind Motors', country: 'DE', postalCode: '80331', city: 'Muenchen' })).toBe('review');
    // Typo, address and phone: 0.9467.
    expect(
      decide({ name: 'Nortwind Motors', country: 'DE', postalCode: '80331', city: 'München', phone: '+49301234567' }),
    ).toBe('auto');
    // Another company in the same street: 0.8 x sqrt(11/24) + 0.14 = 0.6816.
    expect(decide({ name: 'Northwind Traders', country: 'DE', postalCode: '80331', city: 'München' })).toBe('new');
    expect(decideMatch('customer', input(northwind), null, [], thresholds, none)).toEqual({ kind: 'new' });
  });

  it('reports the auto-merged candidate with its score and reasons', () => {
    expect(decideMatch('customer', input(northwind), null, [candidate('g1', northwind)], thresholds, none)).toEqual({
      kind: 'auto',
      goldenId: 'g1',
      score: 1,
      reasons: ['name similarity 1.00', 'same phone', 'same country', 'same postal code', 'same city'],
    });
  });

  it('merges the best of several candidates only when it leads the runner-up by the margin', () => {
    const nameAndPhone = { name: 'Northwind Motors', phone: '+49301234567' }; // 0.92
    const plusCity = { ...nameAndPhone, city: 'München' }; // 0.97
    const plusCountry = { ...nameAndPhone, country: 'DE' }; // 0.94
    const incoming = input({ ...northwind, email: 'anna@northwind.de' });
    const decide = (...values: Record<string, unknown>[]) =>
      decideMatch(
        'customer',
        incoming,
        null,
        values.map((v, i) => candidate(`g${i + 1}`, v)),
        thresholds,
        none,
      );

    // 0.97 leads 0.92 by exactly 0.05: auto.
    expect(decide(nameAndPhone, plusCity)).toMatchObject({ kind: 'auto', goldenId: 'g2', score: 0.97 });
    // 0.94 leads 0.92 by 0.02: both above autoMerge, too close to choose.
    const close = decide(nameAndPhone, plusCountry);
    expect(close.kind).toBe('review');
    expect(close.kind === 'review' && close.candidates.map((c) => [c.goldenId, c.score])).toEqual([
      ['g2', 0.94],
      ['g1', 0.92],
    ]);
    // A runner-up below autoMerge but within the margin makes it just as ambiguous: 0.94 against 0.90.
    expect(decide(plusCountry, { name: 'Northwind Motors', country: 'DE', email: 'anna@northwind.de' }).kind).toBe(
      'review',
    );
    // A wider margin can be configured.
    expect(
      decideMatch(
        'customer',
        input(northwind),
        null,
        [candidate('g1', nameAndPhone), candidate('g2', plusCity)],
        { ...thresholds, margin: 0.1 },
        none,
      ).kind,
    ).toBe('review');
  });

  it('never merges different legal forms automatically, however much else agrees', () => {
    const mueller = { phone: '+49891234567', country: 'DE', postalCode: '80331', city: 'München' };
    const decision = decideMatch(
      'customer',
      input({ name: 'Müller GmbH', ...mueller }),
      null,
      [candidate('g1', { name: 'Mueller GmbH & Co. KG', ...mueller })],
      thresholds,
      none,
    );
    expect(decision).toMatchObject({ kind: 'review', candidates: [{ goldenId: 'g1', score: 1 }] });
  });

  it('never proposes a candidate with a conflicting tax id, whatever the thresholds', () => {
    const decision = decideMatch(
      'customer',
      input({ ...northwind, taxId: 'DE811234567' }),
      null,
      [candidate('g1', { ...northwind, taxId: 'DE129273398' })],
      { autoMerge: 0.4, review: 0.3 },
      none,
    );
    expect(decision).toEqual({ kind: 'new' });
  });

  it('matches CJK names with their legal forms left out', () => {
    const shanghai = decideMatch(
      'customer',
      input({ name: '上海电气集团股份有限公司', country: 'CN', phone: '+862161234567' }),
      null,
      [candidate('g1', { name: '上海电气集团', country: 'CN', phone: '+862161234567' })],
      thresholds,
      none,
    );
    expect(shanghai).toMatchObject({ kind: 'auto', goldenId: 'g1', score: 0.94 });
    const hitachi = decideMatch(
      'supplier',
      input({ name: '株式会社日立製作所' }),
      null,
      [candidate('g1', { name: '日立製作所' })],
      thresholds,
      none,
    );
    expect(hitachi).toMatchObject({ kind: 'review', candidates: [{ goldenId: 'g1', score: 0.8 }] });
  });

  it('does not depend on the order or repetition of candidates', () => {
    const candidates = [
      candidate('b', { name: 'Northwind Motors', country: 'DE' }),
      candidate('a', { name: 'Northwind Motors', country: 'DE' }),
      candidate('c', { name: 'Nortwind Motors', postalCode: '80331', city: 'München' }),
      candidate('a', { name: 'Northwind' }),
    ];
    const expected = decideMatch('customer', input(northwind), null, candidates, thresholds, none);
    // c: one typo in two words (0.9) with postal code and city; a and b tie and are ordered by id.
    expect(expected.kind === 'review' && expected.candidates.map((c) => [c.goldenId, c.score])).toEqual([
      ['c', 0.8789],
      ['a', 0.82],
      ['b', 0.82],
    ]);
    for (const order of permutations(candidates)) {
      expect(decideMatch('customer', input(northwind), null, order, thresholds, none)).toEqual(expected);
    }
  });

  it('refuses inconsistent thresholds and unknown keys', () => {
    expect(() => decideMatch('customer', input({}), null, [], { autoMerge: 0.7, review: 0.8 }, none)).toThrow(
      RangeError,
    );
    expect(() => decideMatch('customer', input({}), { goldenId: 'g', key: 'name' }, [], thresholds, none)).toThrow(
      TypeError,
    );
  });
});
