import { sqlArray } from '../db/pool';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/pool';
import { codingRules } from './tables';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- drizzle's transaction type is generic over the schema; only execute() is used.
export type Tx = Db | Parameters<Parameters<Db['transaction']>[0]>[0] | any;

export interface CodingRule {
  prefix: string;
  width: number;
}

/** Writes the coding rules: the configured ones replace what is stored, defaults only fill gaps. */
export async function ensureCodingRules(
  db: Db,
  defaults: Record<string, CodingRule>,
  configured: Record<string, CodingRule>,
): Promise<void> {
  for (const [entity, rule] of Object.entries(defaults)) {
    const given = configured[entity];
    const insert = db.insert(codingRules).values({ entity, ...(given ?? rule) });
    await (given
      ? insert.onConflictDoUpdate({ target: codingRules.entity, set: { prefix: given.prefix, width: given.width } })
      : insert.onConflictDoNothing());
  }
}

export function formatCode(rule: CodingRule, n: number): string {
  return rule.prefix + String(n).padStart(rule.width, '0');
}

/**
 * Takes the next `count` codes of an entity's rule. The row lock on the rule serialises concurrent callers for
 * the rest of their transaction, which is what keeps two creates from drawing the same number.
 */
export async function allocateCodes(tx: Tx, entity: string, count: number): Promise<string[]> {
  if (count === 0) return [];
  const res = await tx.execute(sql`
    UPDATE coding_rules SET next_value = next_value + ${count}
    WHERE entity = ${entity}
    RETURNING prefix, width, next_value - ${count} AS first`);
  const row = res.rows[0] as { prefix: string; width: number; first: string } | undefined;
  if (!row) throw new Error(`no coding rule for ${entity}`);
  const first = Number(row.first);
  return Array.from({ length: count }, (_, i) => formatCode(row, first + i));
}

/**
 * A code given by the caller is kept. When it has the rule's own shape (CUST-000123), the sequence moves past it
 * so a later generated code cannot collide with it.
 */
export async function reserveGivenCodes(tx: Tx, entity: string, codes: string[]): Promise<void> {
  if (codes.length === 0) return;
  await tx.execute(sql`
    UPDATE coding_rules r SET next_value = GREATEST(r.next_value, m.n + 1)
    FROM (
      SELECT max(substr(c, length(r2.prefix) + 1)::bigint) AS n
      FROM unnest(${sqlArray(codes)}::text[]) AS c, coding_rules r2
      WHERE r2.entity = ${entity}
        AND starts_with(c, r2.prefix)
        AND substr(c, length(r2.prefix) + 1) ~ '^[0-9]{1,18}$'
    ) m
    WHERE r.entity = ${entity} AND m.n IS NOT NULL`);
}
