/**
 * The one place where values from users, APIs and connectors are cleaned and validated before they are written.
 * Every function either returns the canonical form or throws a FieldError naming the input path, so callers can
 * collect errors per field and report them back verbatim.
 */
import countries from 'i18n-iso-countries';
import de from 'i18n-iso-countries/langs/de.json';
import en from 'i18n-iso-countries/langs/en.json';
import { domainToASCII } from 'node:url';
// The 'max' metadata checks numbers against the full per-region patterns; the default 'min' metadata only checks
// lengths and would accept e.g. '12345' as a German number.
import {
  type CountryCode,
  isSupportedCountry,
  type PhoneNumber,
  parsePhoneNumberFromString,
} from 'libphonenumber-js/max';
import { z } from 'zod';

// The package's main entry registers every locale as a side effect; registering ours explicitly keeps name lookup
// working should that entry ever stop doing so.
countries.registerLocale(en);
countries.registerLocale(de);

/**
 * A value that failed validation: `field` is the input path (e.g. 'email' or 'records.3.phone'), `reason` a short
 * human sentence.
 */
export class FieldError extends Error {
  override readonly name = 'FieldError';

  constructor(
    public readonly field: string,
    public readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

const DEFAULT_MAX_LENGTH = 300;

// Characters that render as nothing but break equality and matching; typical residue of copy-paste from web pages,
// Word and Excel. ZWJ/ZWNJ are deliberately kept because they change how Indic, Persian and emoji text renders.
const INVISIBLE = /[\u00AD\u180E\u200B\u2060\uFEFF]/g;
// Control characters other than whitespace (NUL, BEL, C1 controls) come from broken encodings; PostgreSQL rejects NUL
// in text columns, so they are treated like whitespace rather than stored.
const SPACE_RUN = /[\s\p{Cc}]+/gu;
const LONE_SURROGATE = /\p{Cs}/u;

function requireString(value: unknown, field: string): string {
  // Connectors hand over parsed JSON and CSV, so the static type is no guarantee.
  if (typeof value !== 'string') throw new FieldError(field, 'must be text');
  if (LONE_SURROGATE.test(value)) throw new FieldError(field, 'contains broken Unicode (an unpaired surrogate)');
  return value;
}

function collapseSpaces(value: string): string {
  return value.replace(INVISIBLE, '').replace(SPACE_RUN, ' ').trim();
}

/** The cleaned text of an optional input, or null when there is nothing in it. */
function optionalInput(value: unknown, field: string): string | null {
  if (value === null || value === undefined) return null;
  const text = collapseSpaces(requireString(value, field).normalize('NFC'));
  return text === '' ? null : text;
}

function codePointLength(value: string): number {
  let length = 0;
  for (const _ of value) length++;
  return length;
}

/** Trim, Unicode NFC, collapse every run of whitespace to one ASCII space; reject empty and over-long values. */
export function normaliseName(value: string, field: string, maxLength: number = DEFAULT_MAX_LENGTH): string {
  const text = collapseSpaces(requireString(value, field).normalize('NFC'));
  if (text === '') throw new FieldError(field, 'must not be empty');
  const length = codePointLength(text);
  if (length > maxLength) {
    throw new FieldError(field, `must be at most ${maxLength} characters (got ${length})`);
  }
  return text;
}

/** Like normaliseName, but an absent or blank value gives null (for optional text fields). */
export function normaliseOptionalText(
  value: string | null | undefined,
  field: string,
  maxLength: number = DEFAULT_MAX_LENGTH,
): string | null {
  const text = optionalInput(value, field);
  return text === null ? null : normaliseName(text, field, maxLength);
}

const emailSchema = z.email();
const MAX_EMAIL_LENGTH = 254; // RFC 5321 forward-path limit

/**
 * Lower-cased e-mail address, or null when absent. A 'mailto:' prefix is dropped and full-width forms typed with a
 * Japanese or Chinese IME are folded to ASCII.
 *
 * Internationalised domains ('info@müller.de', 'info@日立.jp') are accepted and stored in their ASCII (punycode) form,
 * which is what SMTP and most ERP/CRM systems can carry; convert with url.domainToUnicode() for display. Non-ASCII
 * local parts (SMTPUTF8) are rejected because few of the systems we sync with can deliver to them.
 */
export function normaliseEmail(value: string | null | undefined, field: string): string | null {
  const text = optionalInput(value, field);
  if (text === null) return null;
  const invalid = () => new FieldError(field, 'not a valid e-mail address');

  const address = text
    .normalize('NFKC')
    .replace(/^mailto:/i, '')
    .trim()
    .toLowerCase();
  if (address === '') return null;

  const at = address.lastIndexOf('@');
  if (at <= 0) throw invalid();
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  // UTS #46 mapping (IDN to punycode); it returns '' for a domain it cannot encode.
  const asciiDomain = domain === '' ? '' : domainToASCII(domain);
  if (asciiDomain === '') throw invalid();

  const result = `${local}@${asciiDomain}`;
  if (result.length > MAX_EMAIL_LENGTH || !emailSchema.safeParse(result).success) throw invalid();
  return result;
}

function parsePhone(text: string, defaultCountry: CountryCode | undefined): PhoneNumber | undefined {
  // extract: false makes the whole input the number, so text around it ('Zentrale: 030 ...', '030 ... (Fax)') is an
  // error instead of being silently dropped.
  return parsePhoneNumberFromString(text, { defaultCountry, extract: false });
}

/**
 * E.164 phone number ('+49301234567'), or null when absent. National numbers are read in `region` (the record's
 * country) if given, else in `defaultRegion`; international numbers may use '+', the region's own exit code, or
 * '00'. A leading 'tel:' (URI or label) is dropped. Extensions are rejected rather than dropped, since E.164 cannot
 * hold them.
 */
export function normalisePhone(
  value: string | null | undefined,
  field: string,
  region: string | null | undefined,
  defaultRegion: string,
): string | null {
  const text = optionalInput(value, field);
  if (text === null) return null;
  const input = text.normalize('NFKC').replace(/^tel:/i, '').trim();
  if (input === '') return null;

  const regionCode = (region?.trim() || defaultRegion).toUpperCase();
  const defaultCountry = isSupportedCountry(regionCode) ? regionCode : undefined;

  let phone = parsePhone(input, defaultCountry);
  // '00' is the exit code in most of Europe and China but not in North America (011) or Japan (010). Numbers written
  // European-style turn up in every region's data, so try them as international when the local reading fails.
  if (!phone?.isValid() && input.startsWith('00')) {
    phone = parsePhone(`+${input.slice(2)}`, undefined);
  }

  if (!phone?.isValid()) {
    const international = input.startsWith('+') || input.startsWith('00');
    if (international) throw new FieldError(field, 'not a valid international phone number');
    if (defaultCountry === undefined) {
      throw new FieldError(field, `cannot read a national phone number for unknown region ${regionCode}`);
    }
    throw new FieldError(field, `not a valid phone number for region ${regionCode}`);
  }
  if (phone.ext) {
    throw new FieldError(field, `has extension ${phone.ext}, which an E.164 number cannot hold`);
  }
  return phone.number;
}

const ALPHA2 = countries.getAlpha2Codes();

/**
 * ISO 3166-1 alpha-2 code, upper-case, or null when absent. Accepts alpha-2 and alpha-3 codes in any case and
 * English or German country names ('Germany', 'Deutschland', 'Vereinigtes Königreich'). Numeric codes ('276') are
 * not accepted: in free-text connector fields they are more often something else than a country.
 */
export function normaliseCountry(value: string | null | undefined, field: string): string | null {
  const text = optionalInput(value, field);
  if (text === null) return null;
  const input = collapseSpaces(text.normalize('NFKC'));

  if (/^[A-Za-z]{2}$/.test(input) && Object.hasOwn(ALPHA2, input.toUpperCase())) return input.toUpperCase();
  if (/^[A-Za-z]{3}$/.test(input)) {
    const alpha2 = countries.alpha3ToAlpha2(input.toUpperCase());
    if (alpha2) return alpha2;
  }
  // The "simple" lookup ignores case and diacritics, so 'Osterreich' and 'Grossbritannien' still match.
  const byName = countries.getSimpleAlpha2Code(input, 'en') ?? countries.getSimpleAlpha2Code(input, 'de');
  if (byName) return byName;
  throw new FieldError(field, 'not an ISO 3166-1 country code');
}

// Intl's list follows the ICU data of the running Node and holds currencies in current use; withdrawn ones such as
// DEM are therefore rejected, which is what new master data wants.
const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** ISO 4217 alphabetic currency code, upper-case, or null when absent. */
export function normaliseCurrency(value: string | null | undefined, field: string): string | null {
  const text = optionalInput(value, field);
  if (text === null) return null;
  const code = text.normalize('NFKC').trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code) || !CURRENCIES.has(code)) {
    throw new FieldError(field, 'not an ISO 4217 currency code');
  }
  return code;
}

// Separators people type inside tax ids. U+30FC (katakana prolonged sound mark) is what Japanese IMEs produce when a
// user means a dash, and U+2212 is the minus sign word processors substitute; neither ever belongs in an id.
const TAX_ID_SEPARATORS = /[\s._/\p{Pd}\u2212\u30FC]+/gu;

/**
 * Tax / VAT id with separators removed and letters upper-cased, or null when absent. Only the shape is checked (2 to
 * 30 letters and digits); the issuing country's format and check digits are left to callers that know the country.
 */
export function normaliseTaxId(value: string | null | undefined, field: string): string | null {
  const text = optionalInput(value, field);
  if (text === null) return null;
  const id = text.normalize('NFKC').toUpperCase().replace(TAX_ID_SEPARATORS, '');
  if (!/^[A-Z0-9]*$/.test(id)) {
    throw new FieldError(field, 'may only contain letters A-Z, digits and the separators space . - / _');
  }
  if (id.length < 2 || id.length > 30) {
    throw new FieldError(field, `must be 2 to 30 letters or digits without separators (got ${id.length})`);
  }
  return id;
}

const MAX_URL_LENGTH = 2048;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * Website URL in WHATWG serialisation ('siemens.com' -> 'https://siemens.com/'), or null when absent. International
 * host names come back in punycode, as new URL() serialises them.
 */
export function normaliseUrl(value: string | null | undefined, field: string): string | null {
  const text = optionalInput(value, field);
  if (text === null) return null;

  let input = text;
  if (input.startsWith('//')) {
    input = `https:${input}`;
  } else {
    const scheme = SCHEME.exec(input);
    // 'example.com:8080' parses like scheme 'example.com' followed by a port; digits after the colon mean a port.
    if (!scheme || /^\d+(?:[/?#]|$)/.test(input.slice(scheme[0].length))) input = `https://${input}`;
  }

  let parsed: URL;
  try {
    parsed = new URL(input);
  } catch {
    throw new FieldError(field, 'not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new FieldError(field, 'must be an http or https URL');
  }
  // A bare word such as 'n/a' or 'none' would otherwise become the host 'https://n/a'.
  if (!parsed.hostname.includes('.') && !parsed.hostname.startsWith('[')) {
    throw new FieldError(field, 'must name a full host such as example.com');
  }
  if (parsed.username || parsed.password) {
    throw new FieldError(field, 'must not contain a user name or password');
  }
  if (parsed.href.length > MAX_URL_LENGTH) {
    throw new FieldError(field, `must be at most ${MAX_URL_LENGTH} characters`);
  }
  return parsed.href;
}

// Letters that are not composed with a combining mark, so NFD does not reach them; folded to what people type on a
// keyboard without them.
const LETTER_FOLDS: Readonly<Record<string, string>> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd' };
const FOLDABLE_LETTER = /[ßæœøłđ]/g;
// Only marks on Latin, Greek and Cyrillic letters are diacritics in the accent sense. Elsewhere marks carry meaning:
// Japanese dakuten (ブ vs フ), Devanagari and Thai vowel signs. Dropping those would merge different names.
const DIACRITIC = /([\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}])\p{M}+/gu;

/**
 * The text used for searching and matching names: compatibility forms folded (full-width to ASCII, half-width kana
 * to full-width), lower-cased, accents removed, whitespace collapsed. CJK text is otherwise kept as it is.
 */
export function searchText(value: string): string {
  const folded = value
    .normalize('NFKC')
    .toLocaleLowerCase('und')
    .replace(FOLDABLE_LETTER, (letter) => LETTER_FOLDS[letter] ?? letter)
    .normalize('NFD')
    .replace(DIACRITIC, '$1')
    .normalize('NFC');
  return collapseSpaces(folded);
}

const MAX_CODE_LENGTH = 64;

/** Human-facing record code ('CUST-000123', 'MAT/4711.A'): trimmed, NFKC, upper-case, 1..64 of [A-Z0-9._/-]. */
export function normaliseCode(value: string, field: string): string {
  const code = requireString(value, field).normalize('NFKC').trim().toUpperCase();
  if (code === '') throw new FieldError(field, 'must not be empty');
  if (!/^[A-Z0-9._/-]*$/.test(code)) {
    throw new FieldError(field, 'may only contain letters A-Z, digits and . _ / - (no spaces)');
  }
  if (code.length > MAX_CODE_LENGTH) {
    throw new FieldError(field, `must be at most ${MAX_CODE_LENGTH} characters (got ${code.length})`);
  }
  return code;
}
