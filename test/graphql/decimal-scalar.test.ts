import { canonicalDecimal } from '../../src/decimal';
import { DecimalScalar } from '../../src/graphql/scalars';

describe('the Decimal scalar sends canonical text', () => {
  it('drops the trailing zeros of a numeric scale and keeps every digit', () => {
    const cases: [string, string][] = [
      ['12.500000', '12.5'],
      ['100', '100'],
      ['100.000', '100'],
      ['0.000100', '0.0001'],
      ['0.000', '0'],
      ['-0.000', '0'],
      ['-0', '0'],
      ['-1.50', '-1.5'],
      ['123456789012345678901234567890.123456789000', '123456789012345678901234567890.123456789'],
      ['1e5', '100000'],
      ['007.50', '7.5'],
    ];
    for (const [input, out] of cases) expect([input, DecimalScalar.serialize(input)]).toEqual([input, out]);
    expect(DecimalScalar.serialize(42)).toBe('42');
  });

  it('answers as decimal.js would for any text PostgreSQL writes for a numeric', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    for (let i = 0; i < 5_000; i++) {
      const int = String(next() % 10 ** (next() % 10));
      const scale = next() % 8;
      const frac = scale ? '.' + String(next() % 10 ** scale).padStart(scale, '0') : '';
      const text = (next() % 3 === 0 ? '-' : '') + int + frac;
      expect([text, DecimalScalar.serialize(text)]).toEqual([text, canonicalDecimal(text)]);
    }
  });
});
