import { createHash } from 'node:crypto';
import { contentHash } from '../../src/sync/runner';

// The definition hashes stored by earlier versions were made with: SHA-256 of JSON with keys sorted at every level.
function reference(payload: unknown, deleted: boolean): string {
  const stable = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, stable((v as Record<string, unknown>)[k])]),
        )
      : Array.isArray(v)
        ? v.map(stable)
        : v;
  return createHash('sha256')
    .update(JSON.stringify(stable(payload)) + (deleted ? '#deleted' : ''))
    .digest('base64url');
}

describe('contentHash', () => {
  const record = {
    id: 'C-1',
    name: '東京精機株式会社',
    address: { street: 'Hauptstraße 1', country: 'DE', region: null },
    tags: ['b', 'a', { z: 1, y: [2, { x: 'ü' }] }],
    creditLimit: { currency: 'EUR', amount: '1000.50' },
    note: undefined,
    blocked: false,
  };

  it('is the same whatever order the keys come in, at every level', () => {
    const reordered = {
      blocked: false,
      tags: ['b', 'a', { y: [2, { x: 'ü' }], z: 1 }],
      creditLimit: { amount: '1000.50', currency: 'EUR' },
      address: { region: null, country: 'DE', street: 'Hauptstraße 1' },
      name: '東京精機株式会社',
      id: 'C-1',
    };
    expect(contentHash(reordered, false)).toBe(contentHash(record, false));
  });

  it('keeps the hashes stored before: SHA-256 of key-sorted JSON', () => {
    expect(contentHash(record, false)).toBe(reference(record, false));
    expect(contentHash(record, true)).toBe(reference(record, true));
    expect(contentHash([1, 'x', null], false)).toBe(reference([1, 'x', null], false));
  });

  it('changes with any value, with array order and with the deleted flag', () => {
    const base = contentHash(record, false);
    expect(contentHash({ ...record, name: '東京精機株式会社 ' }, false)).not.toBe(base);
    expect(contentHash({ ...record, tags: ['a', 'b', record.tags[2]] }, false)).not.toBe(base);
    expect(contentHash({ ...record, blocked: null }, false)).not.toBe(base);
    expect(contentHash(record, true)).not.toBe(base);
  });
});
