import { ConflictError, DomainError, ValidationError } from '../errors';

interface PgError {
  code?: string;
  constraint?: string;
  detail?: string;
}

/** The pg error behind a driver or drizzle wrapper, if any. */
export function pgErrorOf(e: unknown): PgError | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur; i++) {
    const c = cur as PgError & { cause?: unknown };
    if (typeof c.code === 'string' && /^[0-9A-Z]{5}$/.test(c.code)) return c;
    cur = c.cause;
  }
  return undefined;
}

/**
 * Constraint names are the contract between the schema and the error a caller sees: each maps to the input
 * field that broke it. A constraint missing here still yields CONFLICT or BAD_USER_INPUT, just without a field.
 */
const CONSTRAINT_FIELDS: Record<string, string> = {
  customers_code_uq: 'code',
  suppliers_code_uq: 'code',
  items_code_uq: 'code',
  warehouses_code_uq: 'code',
  crosswalk_ref_uq: 'sourceRef',
  supplier_items_pair_uq: 'itemId',
  items_base_unit_units_code_fk: 'baseUnit',
  item_units_unit_units_code_fk: 'unit',
  supplier_items_price_unit_units_code_fk: 'priceUnit',
  supplier_items_item_id_items_id_fk: 'itemId',
  supplier_items_supplier_id_suppliers_id_fk: 'supplierId',
  item_units_item_id_items_id_fk: 'itemId',
};

/** Turns integrity violations into caller errors; anything else is returned unchanged. */
export function mapDbError(e: unknown, fieldPrefix = ''): unknown {
  if (e instanceof DomainError) return e;
  const pg = pgErrorOf(e);
  if (!pg) return e;
  const field = pg.constraint ? CONSTRAINT_FIELDS[pg.constraint] : undefined;
  const path = field ? fieldPrefix + field : undefined;
  if (pg.code === '23505') {
    return new ConflictError(`${path ?? 'value'} already exists${pg.detail ? ` (${pg.detail})` : ''}`, path);
  }
  if (pg.code === '23503') {
    return new ValidationError([
      {
        field: path ?? 'reference',
        reason: `refers to something that does not exist${pg.detail ? ` (${pg.detail})` : ''}`,
      },
    ]);
  }
  if (pg.code === '40001' || pg.code === '40P01') {
    return new ConflictError('the record was changed at the same time by another request; try again');
  }
  return e;
}

/**
 * Whether an error means the database could not be reached (down, restarting, connection dropped), as opposed
 * to a fault in the request: the caller should retry later.
 */
export function isDatabaseUnavailable(e: unknown): boolean {
  const pg = pgErrorOf(e);
  if (
    pg?.code &&
    ((pg.code.startsWith('08') && pg.code !== '08P01') ||
      pg.code === '57P01' ||
      pg.code === '57P02' ||
      pg.code === '57P03')
  )
    return true;
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur; i++) {
    const c = cur as { code?: string; message?: string; cause?: unknown };
    if (c.code === 'ECONNREFUSED' || c.code === 'ECONNRESET' || c.code === 'ETIMEDOUT') return true;
    if (
      typeof c.message === 'string' &&
      /Connection terminated|Cannot use a pool after calling end|timeout exceeded when trying to connect/.test(
        c.message,
      )
    )
      return true;
    cur = c.cause;
  }
  return false;
}
