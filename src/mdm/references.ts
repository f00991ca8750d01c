/**
 * Tables elsewhere in the hub that point at golden records (a BOM line's item, an order line's customer). A module
 * declares such a column here once; merge and unmerge then re-point its rows set-based, one statement per declared
 * column:
 * - a merge points every row at the merged record to the survivor;
 * - an unmerge moves the rows that were resolved from the split-off source record (the row's source system and
 *   external id are that record's) to the record it now belongs to. Rows without source columns stay.
 */
import { sql } from 'drizzle-orm';
import type { Tx } from '../master/codes';
import type { MasterEntity } from '../master/specs';

export interface GoldenReference {
  /** The golden entity the column refers to. */
  entity: MasterEntity;
  /** The referencing table, optionally schema-qualified ('bom_lines', 'planning.demand'). */
  table: string;
  /** The column holding the golden id (uuid). */
  goldenColumn: string;
  /** The columns of the source reference the golden id was resolved from, if the rows came from a source. */
  source?: { systemColumn: string; externalIdColumn: string };
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

function quoted(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part}"`)
    .join('.');
}

/** The declared references, by entity. Registration is code, at module load, so a process knows its tables. */
export class ReferenceRegistry {
  private readonly refs: GoldenReference[] = [];

  /** Declares a referencing column; returns a function that removes the declaration again (for tests). */
  register(ref: GoldenReference): () => void {
    for (const name of [ref.table, ref.goldenColumn, ref.source?.systemColumn, ref.source?.externalIdColumn]) {
      if (name !== undefined && !IDENTIFIER.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
    }
    if (this.refs.some((r) => r.table === ref.table && r.goldenColumn === ref.goldenColumn)) {
      throw new Error(`${ref.table}.${ref.goldenColumn} is already registered`);
    }
    this.refs.push(ref);
    return () => {
      const i = this.refs.indexOf(ref);
      if (i >= 0) this.refs.splice(i, 1);
    };
  }

  forEntity(entity: MasterEntity): readonly GoldenReference[] {
    return this.refs.filter((r) => r.entity === entity);
  }

  /** Points every row that refers to `from` at `to` (a merge). */
  async repointAll(tx: Tx, entity: MasterEntity, from: string, to: string): Promise<void> {
    for (const r of this.forEntity(entity)) {
      const column = sql.raw(quoted(r.goldenColumn));
      await tx.execute(
        sql`UPDATE ${sql.raw(quoted(r.table))} SET ${column} = ${to}::uuid WHERE ${column} = ${from}::uuid`,
      );
    }
  }

  /** Points the rows that refer to `from` and were resolved from one source record at `to` (an unmerge). */
  async repointSource(
    tx: Tx,
    entity: MasterEntity,
    from: string,
    to: string,
    ref: { system: string; externalId: string },
  ): Promise<void> {
    for (const r of this.forEntity(entity)) {
      if (!r.source) continue;
      const column = sql.raw(quoted(r.goldenColumn));
      await tx.execute(sql`
        UPDATE ${sql.raw(quoted(r.table))} SET ${column} = ${to}::uuid
        WHERE ${column} = ${from}::uuid AND ${sql.raw(quoted(r.source.systemColumn))} = ${ref.system}
          AND ${sql.raw(quoted(r.source.externalIdColumn))} = ${ref.externalId}`);
    }
  }
}

/** The hub's registry: modules with tables that refer to golden records register them here. */
export const goldenReferences = new ReferenceRegistry();
