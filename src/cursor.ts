/** Opaque keyset cursors: the sort values of a list's last row, as base64url JSON. */
import { ValidationError } from './errors';

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * The values a cursor carries, or null for none; a cursor this hub did not make (or of another list) is
 * BAD_USER_INPUT naming the argument, never a failed statement.
 */
export function decodeCursor<T extends Record<string, string>>(
  cursor: string | null | undefined,
  keys: readonly (keyof T & string)[],
  field = 'after',
): T | null {
  if (cursor == null) return null;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (v && typeof v === 'object' && keys.every((k) => typeof v[k] === 'string')) return v as T;
  } catch {
    // reported below
  }
  throw new ValidationError([{ field, reason: 'is not a cursor from this list' }]);
}
