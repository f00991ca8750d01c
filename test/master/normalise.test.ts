import {
  FieldError,
  normaliseCode,
  normaliseCountry,
  normaliseCurrency,
  normaliseEmail,
  normaliseName,
  normaliseOptionalText,
  normalisePhone,
  normaliseTaxId,
  normaliseUrl,
  searchText,
} from '../../src/master/normalise';

/** Runs fn and returns the FieldError it threw; fails the test if it returned or threw something else. */
function fieldErrorOf(fn: () => unknown): FieldError {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    if (error instanceof FieldError) return error;
    throw error;
  }
  throw new Error(`expected a FieldError, got ${JSON.stringify(result)}`);
}

const IDEOGRAPHIC_SPACE = '\u3000';
const NBSP = '\u00A0';

describe('FieldError', () => {
  it('carries the field path and reason and formats its message from them', () => {
    const error = new FieldError('records.3.phone', 'not a valid phone number for region DE');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('FieldError');
    expect(error.field).toBe('records.3.phone');
    expect(error.reason).toBe('not a valid phone number for region DE');
    expect(error.message).toBe('records.3.phone: not a valid phone number for region DE');
  });
});

describe('normaliseName', () => {
  it.each([
    [
      'Chinese with ideographic spaces around it',
      `${IDEOGRAPHIC_SPACE}上海电气集团股份有限公司${IDEOGRAPHIC_SPACE}`,
      '上海电气集团股份有限公司',
    ],
    ['Japanese with an ideographic space inside', `株式会社${IDEOGRAPHIC_SPACE}日立製作所`, '株式会社 日立製作所'],
    ['German with NBSP, tab and newline', `  Robert${NBSP}Bosch\tGmbH\r\n Stuttgart `, 'Robert Bosch GmbH Stuttgart'],
    ['English, already clean', 'Rolls-Royce Holdings plc', 'Rolls-Royce Holdings plc'],
    ['zero-width and BOM residue from copy-paste', '\uFEFFTrumpf\u200B SE + Co.\u00AD KG', 'Trumpf SE + Co. KG'],
    ['control characters from broken encodings', 'KUKA\u0000\u0007AG', 'KUKA AG'],
  ])('cleans %s', (_case, input, expected) => {
    expect(normaliseName(input, 'name')).toBe(expected);
  });

  it('composes decomposed umlauts to NFC so equal names compare equal', () => {
    const decomposed = 'Mu\u0308ller Maschinenbau GmbH';
    const result = normaliseName(decomposed, 'name');
    expect(result).toBe('M\u00FCller Maschinenbau GmbH');
    expect(result).toHaveLength('Müller Maschinenbau GmbH'.length);
  });

  it.each(['', '   ', `${IDEOGRAPHIC_SPACE}${IDEOGRAPHIC_SPACE}`, `\t\n${NBSP}`, '\u200B'])(
    'rejects %j as empty',
    (input) => {
      const error = fieldErrorOf(() => normaliseName(input, 'customer.name'));
      expect(error.field).toBe('customer.name');
      expect(error.reason).toBe('must not be empty');
    },
  );

  it('accepts exactly 300 characters by default and rejects 301', () => {
    expect(normaliseName('a'.repeat(300), 'name')).toHaveLength(300);
    const error = fieldErrorOf(() => normaliseName('a'.repeat(301), 'name'));
    expect(error.field).toBe('name');
    expect(error.reason).toMatch(/at most 300 characters/);
  });

  it('measures length in code points, after collapsing whitespace', () => {
    // U+2000B is outside the BMP: two UTF-16 units, one character.
    const rareKanji = '𠀋';
    expect(normaliseName(rareKanji.repeat(5), 'name', 5)).toBe(rareKanji.repeat(5));
    expect(normaliseName(`日立${IDEOGRAPHIC_SPACE.repeat(10)}製作所`, 'name', 6)).toBe('日立 製作所');
    const error = fieldErrorOf(() => normaliseName('電'.repeat(11), 'items.0.name', 10));
    expect(error.field).toBe('items.0.name');
    expect(error.reason).toMatch(/at most 10 characters/);
  });

  it('rejects values that are not text or not valid Unicode', () => {
    expect(fieldErrorOf(() => normaliseName(42 as unknown as string, 'name')).reason).toBe('must be text');
    expect(fieldErrorOf(() => normaliseName('Siemens \uD800AG', 'name')).reason).toMatch(/Unicode/);
  });
});

describe('normaliseOptionalText', () => {
  it.each([null, undefined, '', '   ', `${IDEOGRAPHIC_SPACE}\t`])('gives null for %j', (input) => {
    expect(normaliseOptionalText(input, 'notes')).toBeNull();
  });

  it('cleans present values like normaliseName', () => {
    expect(normaliseOptionalText(` Werk 2\tHalle${IDEOGRAPHIC_SPACE}3 `, 'site.building')).toBe('Werk 2 Halle 3');
    expect(normaliseOptionalText('大阪工場', 'site.name')).toBe('大阪工場');
  });

  it('enforces maxLength', () => {
    expect(normaliseOptionalText('Lager Nord', 'site.name', 10)).toBe('Lager Nord');
    const error = fieldErrorOf(() => normaliseOptionalText('Lager Nord 2', 'site.name', 10));
    expect(error.field).toBe('site.name');
    expect(error.reason).toMatch(/at most 10 characters/);
  });
});

describe('normaliseEmail', () => {
  it.each([
    [' Info@Siemens.COM ', 'info@siemens.com'],
    ['MAILTO:Einkauf@Mueller-Maschinenbau.de', 'einkauf@mueller-maschinenbau.de'],
    ['mailto:zhang.wei+rfq@shanghai-electric.com.cn', 'zhang.wei+rfq@shanghai-electric.com.cn'],
    ["o'brien@example.co.uk", "o'brien@example.co.uk"],
    // Full-width forms as typed with a Japanese IME.
    ['ｉｎｆｏ＠ｈｉｔａｃｈｉ．ｃｏ．ｊｐ', 'info@hitachi.co.jp'],
  ])('normalises %j', (input, expected) => {
    expect(normaliseEmail(input, 'email')).toBe(expected);
  });

  it('stores internationalised domains in punycode', () => {
    expect(normaliseEmail('Vertrieb@Müller.de', 'email')).toBe('vertrieb@xn--mller-kva.de');
    expect(normaliseEmail('info@日立.jp', 'email')).toBe('info@xn--wgv287b.jp');
  });

  it.each([null, undefined, '', '  ', 'mailto:'])('gives null for %j', (input) => {
    expect(normaliseEmail(input, 'email')).toBeNull();
  });

  it.each([
    'siemens.com',
    'info@',
    '@siemens.com',
    'info@siemens',
    'info..sales@siemens.com',
    'info@siemens..com',
    'info@siemens.com.',
    'info@-siemens.com',
    'info siemens@siemens.com',
    'info@siemens.com; sales@siemens.com',
    'Hans Müller <hans.mueller@example.de>',
    // Non-ASCII local parts (SMTPUTF8) are deliberately not accepted.
    'müller@example.de',
    '張偉@example.cn',
    `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`,
  ])('rejects %j', (input) => {
    const error = fieldErrorOf(() => normaliseEmail(input, 'contacts.1.email'));
    expect(error.field).toBe('contacts.1.email');
    expect(error.reason).toBe('not a valid e-mail address');
  });
});

describe('normalisePhone', () => {
  it.each([
    // [input, record country, default region, expected]
    ['030 1234567', 'DE', 'DE', '+49301234567'],
    ['030/123 45 67', null, 'DE', '+49301234567'],
    ['+49 (0)30 1234567', 'US', 'DE', '+49301234567'],
    ['0049 30 1234567', null, 'DE', '+49301234567'],
    ['0171 1234567', 'de', 'US', '+491711234567'],
    ['(415) 555-2671', 'US', 'DE', '+14155552671'],
    ['415.555.2671', undefined, 'US', '+14155552671'],
    ['+1 415 555 2671', 'CN', 'DE', '+14155552671'],
    ['011 44 20 7946 0958', 'US', 'DE', '+442079460958'],
    ['090-1234-5678', 'JP', 'DE', '+819012345678'],
    ['03-1234-5678', 'jp', 'DE', '+81312345678'],
    ['+81 3-1234-5678', null, 'DE', '+81312345678'],
    ['+86 138 0013 8000', null, 'DE', '+8613800138000'],
    ['138 0013 8000', 'CN', 'DE', '+8613800138000'],
    ['021 6321 0000', 'CN', 'US', '+862163210000'],
    ['１３８　００１３　８０００', 'CN', 'DE', '+8613800138000'],
    ['020 7946 0958', 'GB', 'DE', '+442079460958'],
    ['+44 (0)20 7946 0958', null, 'DE', '+442079460958'],
    ['0044 20 7946 0958', null, 'DE', '+442079460958'],
    ['tel:+49-30-1234567', null, 'DE', '+49301234567'],
    ['Tel: 030 1234567', null, 'DE', '+49301234567'],
  ])('reads %j (country %s, default %s) as %s', (input, region, defaultRegion, expected) => {
    expect(normalisePhone(input, 'phone', region, defaultRegion)).toBe(expected);
  });

  it('accepts 00-prefixed international numbers even where 00 is not the exit code', () => {
    expect(normalisePhone('0044 20 7946 0958', 'phone', 'US', 'DE')).toBe('+442079460958');
    expect(normalisePhone('0044 20 7946 0958', 'phone', 'JP', 'DE')).toBe('+442079460958');
    expect(normalisePhone('00 86 21 6321 0000', 'phone', 'US', 'DE')).toBe('+862163210000');
  });

  it('reads national numbers in the record country, not the default region', () => {
    expect(normalisePhone('090-1234-5678', 'phone', 'JP', 'DE')).toBe('+819012345678');
    expect(fieldErrorOf(() => normalisePhone('090-1234-5678', 'phone', null, 'DE')).reason).toBe(
      'not a valid phone number for region DE',
    );

    expect(normalisePhone('138 0013 8000', 'phone', 'CN', 'DE')).toBe('+8613800138000');
    expect(fieldErrorOf(() => normalisePhone('138 0013 8000', 'phone', '', 'DE')).reason).toBe(
      'not a valid phone number for region DE',
    );

    expect(normalisePhone('(415) 555-2671', 'phone', 'US', 'DE')).toBe('+14155552671');
    expect(normalisePhone('(415) 555-2671', 'phone', null, 'DE')).not.toBe('+14155552671');
  });

  it.each([null, undefined, '', '   ', 'tel:'])('gives null for %j', (input) => {
    expect(normalisePhone(input, 'phone', 'DE', 'DE')).toBeNull();
  });

  it.each([
    ['12345', 'DE', 'not a valid phone number for region DE'],
    ['030 1234567', 'JP', 'not a valid phone number for region JP'],
    ['030 1234567', 'us', 'not a valid phone number for region US'],
    ['138 0013', 'CN', 'not a valid phone number for region CN'],
    ['090-1234-567', 'JP', 'not a valid phone number for region JP'],
    ['n/a', 'DE', 'not a valid phone number for region DE'],
    ['Zentrale: 030 1234567', 'DE', 'not a valid phone number for region DE'],
    ['030 1234567 (Zentrale)', 'DE', 'not a valid phone number for region DE'],
    ['+49 123', 'DE', 'not a valid international phone number'],
    ['+86 138 0013', 'CN', 'not a valid international phone number'],
    ['0049 30', 'DE', 'not a valid international phone number'],
  ])('rejects %j in region %s', (input, region, reason) => {
    const error = fieldErrorOf(() => normalisePhone(input, 'records.3.phone', region, 'DE'));
    expect(error.field).toBe('records.3.phone');
    expect(error.reason).toBe(reason);
  });

  it('rejects extensions instead of silently dropping them', () => {
    const error = fieldErrorOf(() => normalisePhone('+1 415 555 2671 ext. 12', 'phone', 'US', 'US'));
    expect(error.reason).toMatch(/extension 12/);
  });

  it('reads international numbers but not national ones when the region is unknown', () => {
    expect(normalisePhone('+49 30 1234567', 'phone', 'XX', 'DE')).toBe('+49301234567');
    const error = fieldErrorOf(() => normalisePhone('030 1234567', 'phone', 'XX', 'DE'));
    expect(error.field).toBe('phone');
    expect(error.reason).toMatch(/region XX/);
  });
});

describe('normaliseCountry', () => {
  it.each([
    ['DE', 'DE'],
    [' de ', 'DE'],
    ['cN', 'CN'],
    ['ＪＰ', 'JP'],
    ['DEU', 'DE'],
    ['chn', 'CN'],
    ['JPN', 'JP'],
    ['GBR', 'GB'],
    ['USA', 'US'],
    ['Germany', 'DE'],
    ['GERMANY', 'DE'],
    ['Deutschland', 'DE'],
    ['China', 'CN'],
    ['Japan', 'JP'],
    ['United Kingdom', 'GB'],
    [`United${NBSP} Kingdom`, 'GB'],
    ['UK', 'GB'],
    ['Vereinigtes Königreich', 'GB'],
    ['Großbritannien', 'GB'],
    ['Grossbritannien', 'GB'],
    ['United States', 'US'],
    ['Vereinigte Staaten', 'US'],
    ['Österreich', 'AT'],
    ['Osterreich', 'AT'],
    ['Schweiz', 'CH'],
  ])('reads %j as %s', (input, expected) => {
    expect(normaliseCountry(input, 'country')).toBe(expected);
  });

  it.each([null, undefined, '', ` ${IDEOGRAPHIC_SPACE}`])('gives null for %j', (input) => {
    expect(normaliseCountry(input, 'country')).toBeNull();
  });

  it.each(['XX', 'ZZZ', 'EU', '276', 'Germ', 'Atlantis', 'D', 'Deutschland GmbH'])('rejects %j', (input) => {
    const error = fieldErrorOf(() => normaliseCountry(input, 'address.country'));
    expect(error.field).toBe('address.country');
    expect(error.reason).toBe('not an ISO 3166-1 country code');
  });
});

describe('normaliseCurrency', () => {
  it.each([
    ['EUR', 'EUR'],
    ['eur', 'EUR'],
    [' cny ', 'CNY'],
    ['Jpy', 'JPY'],
    ['USD', 'USD'],
    ['GBP', 'GBP'],
    ['ＣＨＦ', 'CHF'],
  ])('reads %j as %s', (input, expected) => {
    expect(normaliseCurrency(input, 'currency')).toBe(expected);
  });

  it.each([null, undefined, '', '  '])('gives null for %j', (input) => {
    expect(normaliseCurrency(input, 'currency')).toBeNull();
  });

  it.each(['EURO', '€', 'US$', 'RMB', 'XYZ', 'DEM', 'EU', 'E U R'])('rejects %j', (input) => {
    const error = fieldErrorOf(() => normaliseCurrency(input, 'priceList.currency'));
    expect(error.field).toBe('priceList.currency');
    expect(error.reason).toBe('not an ISO 4217 currency code');
  });
});

describe('normaliseTaxId', () => {
  it.each([
    ['German VAT id', 'de 123.456.789', 'DE123456789'],
    ['German VAT id, full-width', 'ＤＥ　１２３４５６７８９', 'DE123456789'],
    ['German Steuernummer', '21/815/08150', '2181508150'],
    ['UK VAT number', 'GB 123 4567 89', 'GB123456789'],
    ['Chinese unified social credit code', '91310000-MA1FL8XQ30', '91310000MA1FL8XQ30'],
    ['Chinese USCC in lower case with a full-width dash', '91310000－ma1fl8xq30', '91310000MA1FL8XQ30'],
    ['Japanese invoice registration number', 'T1234567890123', 'T1234567890123'],
    ['Japanese number with katakana long-vowel marks as dashes', 'T1234ー5678ー90123', 'T1234567890123'],
    ['US EIN', '12-3456789', '123456789'],
    ['id with underscores and an en dash', 'ATU_1234–5678', 'ATU12345678'],
  ])('cleans a %s', (_case, input, expected) => {
    expect(normaliseTaxId(input, 'taxId')).toBe(expected);
  });

  it.each([null, undefined, '', '   '])('gives null for %j', (input) => {
    expect(normaliseTaxId(input, 'taxId')).toBeNull();
  });

  it.each([
    ['X', /2 to 30/],
    ['---', /2 to 30/],
    ['DE'.padEnd(31, '1'), /2 to 30/],
    ['DE123456789#', /letters A-Z, digits/],
    ['ÖSTERREICH1', /letters A-Z, digits/],
    ['税号91310000', /letters A-Z, digits/],
  ])('rejects %j', (input, reason) => {
    const error = fieldErrorOf(() => normaliseTaxId(input, 'suppliers.0.taxId'));
    expect(error.field).toBe('suppliers.0.taxId');
    expect(error.reason).toMatch(reason);
  });

  it('accepts the 2 and 30 character limits', () => {
    expect(normaliseTaxId('d e', 'taxId')).toBe('DE');
    expect(normaliseTaxId('9'.repeat(30), 'taxId')).toBe('9'.repeat(30));
  });
});

describe('normaliseUrl', () => {
  it.each([
    ['siemens.com', 'https://siemens.com/'],
    [' www.hitachi.co.jp/ja/ ', 'https://www.hitachi.co.jp/ja/'],
    ['http://www.shanghai-electric.com', 'http://www.shanghai-electric.com/'],
    ['HTTPS://Example.COM/Produkte?lang=de', 'https://example.com/Produkte?lang=de'],
    ['//cdn.example.com/catalogue.pdf', 'https://cdn.example.com/catalogue.pdf'],
    ['example.com:8080/shop', 'https://example.com:8080/shop'],
    ['https://müller.de', 'https://xn--mller-kva.de/'],
    ['ｗｗｗ．ｓｉｅｍｅｎｓ．ｃｏｍ', 'https://www.siemens.com/'],
  ])('normalises %j', (input, expected) => {
    expect(normaliseUrl(input, 'website')).toBe(expected);
  });

  it.each([null, undefined, '', '  '])('gives null for %j', (input) => {
    expect(normaliseUrl(input, 'website')).toBeNull();
  });

  it.each([
    ['ftp://files.example.com', /http or https/],
    ['mailto:info@example.com', /http or https/],
    ['javascript:alert(1)', /http or https/],
    ['n/a', /full host/],
    ['localhost:3000', /full host/],
    ['https://user:secret@example.com', /user name or password/],
    ['https://acme gmbh.de', /not a valid URL/],
    ['http://', /not a valid URL/],
    [`https://example.com/${'a'.repeat(2048)}`, /at most 2048/],
  ])('rejects %j', (input, reason) => {
    const error = fieldErrorOf(() => normaliseUrl(input, 'customer.website'));
    expect(error.field).toBe('customer.website');
    expect(error.reason).toMatch(reason);
  });
});

describe('searchText', () => {
  it.each([
    ['Müller GmbH', 'muller gmbh'],
    ['Mu\u0308ller GmbH', 'muller gmbh'],
    ['Straße', 'strasse'],
    ['GROẞE', 'grosse'],
    ['Société Générale', 'societe generale'],
    ['Łódź Øresund Æble', 'lodz oresund aeble'],
    ['İSTANBUL', 'istanbul'],
    ['ＡＢＣ株式会社', 'abc株式会社'],
    [`  株式会社${IDEOGRAPHIC_SPACE}日立製作所 `, '株式会社 日立製作所'],
    ['上海电气集团股份有限公司', '上海电气集团股份有限公司'],
    ['㈱日立', '(株)日立'],
    ['ｶﾞｽ', 'ガス'],
    ['한국전력공사', '한국전력공사'],
  ])('folds %j to %j', (input, expected) => {
    expect(searchText(input)).toBe(expected);
  });

  it('keeps marks that are not accents, such as Japanese dakuten and Devanagari vowel signs', () => {
    expect(searchText('ブリヂストン')).toBe('ブリヂストン');
    expect(searchText('ブリヂストン')).not.toBe(searchText('フリチストン'));
    expect(searchText('मुंबई')).toBe('मुंबई');
  });

  it('makes differently typed spellings of one name match', () => {
    expect(searchText('MÜLLER  Maschinenbau')).toBe(searchText('muller maschinenbau'));
    expect(searchText('ＳＯＮＹ　グループ')).toBe(searchText('Sony グループ'));
  });
});

describe('normaliseCode', () => {
  it.each([
    [' cust-000123 ', 'CUST-000123'],
    ['mat/4711.a', 'MAT/4711.A'],
    ['ｍａｔ／４７１１．ａ', 'MAT/4711.A'],
    ['sup_de_01', 'SUP_DE_01'],
    ['X'.repeat(64), 'X'.repeat(64)],
  ])('normalises %j', (input, expected) => {
    expect(normaliseCode(input, 'code')).toBe(expected);
  });

  it.each([
    ['', 'must not be empty'],
    [`  ${IDEOGRAPHIC_SPACE}`, 'must not be empty'],
    ['CUST 001', /letters A-Z, digits/],
    ['Kunde#1', /letters A-Z, digits/],
    ['Ä-100', /letters A-Z, digits/],
    ['部品-001', /letters A-Z, digits/],
    ['X'.repeat(65), /at most 64/],
  ])('rejects %j', (input, reason) => {
    const error = fieldErrorOf(() => normaliseCode(input, 'items.7.code'));
    expect(error.field).toBe('items.7.code');
    expect(error.reason).toMatch(reason);
  });
});
