/**
 * Survivorship: which value of which contributing source record becomes the golden value of each field.
 *
 * A golden record is a function of its contributors and the steward's overrides, so `survive` is pure and
 * deterministic: the same inputs give the same values and lineage whatever order the contributors arrive in, which
 * is what lets an unmerge (or any recompute) reproduce a record exactly.
 *
 * Decisions:
 * - Empty means null, undefined or ''. Values are taken as given; callers hand in normalised values.
 * - Lineage lists only the fields that got a value, plus every field a steward decided (a null override is a
 *   decision too, so its lineage entry is what tells "cleared on purpose" from "nobody knows"). A field no one has a
 *   value for is null and has no lineage entry.
 * - Grouped columns (an amount and its currency, the parts of an address) come from ONE contributor, chosen by
 *   whether it has any non-empty value in the group; its empty columns stay empty rather than being filled from
 *   elsewhere, because a city from one system beside a street from another describes no real place.
 * - An override on any column of a group takes the whole group: columns the steward did not set are null (with
 *   override lineage). A steward's amount beside a source's currency could change the meaning of the amount, so a
 *   service that edits part of a group writes overrides for the whole group (copying the current values it keeps).
 * - A per-field rule on one column of a group applies to the whole group; different rules within a group are an
 *   error.
 * - Ties end with the smaller sourceRecordId: integer strings ('7', '42') order numerically and before all others,
 *   the rest by UTF-16 code units (not locale collation, which differs between machines). Keeping the two classes
 *   apart keeps the order transitive, so it cannot depend on input order.
 */
import { z } from 'zod';
import type { FieldIssue } from '../errors';
import { fieldColumns } from '../master/fields';
import { SPECS, type MasterEntity } from '../master/specs';

/** How the winning contributor of a field (or group of columns) is chosen among those that have a value. */
export type SurvivorshipRule =
  /** The first listed system with a value wins; unlisted systems rank after all listed ones, most recent first. */
  | { kind: 'sourcePriority'; systems: string[] }
  /** The value from the contributor changed most recently. */
  | { kind: 'mostRecent' }
  /** The contributor with the most non-empty fields overall (a fuller record is more trustworthy), then most recent. */
  | { kind: 'mostComplete' };

/** One source record's contribution to a golden record. */
export interface Contributor {
  sourceRecordId: string;
  system: string;
  changedAt: Date;
  /** Golden column -> normalised value; null, undefined and '' are empty. */
  values: Record<string, unknown>;
}

/** A steward's value for a field; it wins until it is cleared. A null value means "empty on purpose". */
export interface Override {
  field: string;
  value: unknown;
  setBy: string;
  setAt: Date;
}

/** The rules for one entity. */
export interface SurvivorshipConfig {
  default: SurvivorshipRule;
  /** Per-column rules; a rule on a grouped column applies to its whole group. */
  fields?: Record<string, SurvivorshipRule>;
  /** Column groups taken together from one contributor (money, address); see `defaultGroups`. */
  groups?: string[][];
}

/** Where a golden field's value came from. */
export interface FieldLineage {
  field: string;
  /** Null for an override. */
  sourceRecordId: string | null;
  /** Null for an override. */
  system: string | null;
  rule: 'override' | SurvivorshipRule['kind'];
  /** The contributor's change time, or when the override was set. */
  changedAt: Date;
}

/** The golden values (every requested field, null when empty) and the lineage of those that have one. */
export interface SurvivedRecord {
  values: Record<string, unknown>;
  lineage: FieldLineage[];
}

/** Whether a contributed value counts as absent. */
export function isEmptyValue(value: unknown): boolean {
  return value === null || value === undefined || value === '';
}

/** The golden columns of an entity, in spec order (a money field gives its amount and currency columns). */
export function goldenColumns(entity: MasterEntity): string[] {
  return fieldColumns(SPECS[entity].fields);
}

/**
 * The column groups that must survive together, derived from the entity's field specs: each money field's amount
 * and currency, and the fields that share an input object (`address.*`) as one group.
 */
export function defaultGroups(entity: MasterEntity): string[][] {
  const groups: string[][] = [];
  const byObject = new Map<string, string[]>();
  for (const f of SPECS[entity].fields) {
    if (f.kind === 'money') {
      groups.push([f.amountColumn, f.currencyColumn]);
      continue;
    }
    const dot = f.path.indexOf('.');
    if (dot < 0) continue;
    const object = f.path.slice(0, dot);
    let group = byObject.get(object);
    if (!group) {
      group = [];
      byObject.set(object, group);
      groups.push(group);
    }
    group.push(f.column);
  }
  return groups;
}

/** The built-in rules: the most recent value wins everywhere, with the entity's default groups. */
export function defaultSurvivorship(entity: MasterEntity): SurvivorshipConfig {
  return { default: { kind: 'mostRecent' }, groups: defaultGroups(entity) };
}

const INTEGER = /^\d+$/;

/** Orders source record ids for tie-breaks: integer strings numerically and first, then the rest by code units. */
export function compareSourceRecordIds(a: string, b: string): number {
  const aInt = INTEGER.test(a);
  const bInt = INTEGER.test(b);
  if (aInt !== bInt) return aInt ? -1 : 1;
  if (aInt) {
    const diff = BigInt(a) - BigInt(b);
    if (diff !== 0n) return diff < 0n ? -1 : 1;
    // '007' and '7' are equal as numbers; the text still tells them apart.
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Unit {
  columns: string[];
  rule: SurvivorshipRule;
}

function ruleKey(rule: SurvivorshipRule): string {
  return rule.kind === 'sourcePriority' ? `sourcePriority:${JSON.stringify(rule.systems)}` : rule.kind;
}

/** Splits the requested fields into units that survive as one: the configured groups, then single columns. */
function planUnits(fields: readonly string[], config: SurvivorshipConfig): Unit[] {
  const wanted = new Set(fields);
  const grouped = new Map<string, number>();
  const units: Unit[] = [];
  for (const [index, group] of (config.groups ?? []).entries()) {
    const columns = [...new Set(group)].filter((c) => wanted.has(c));
    for (const c of columns) {
      if (grouped.has(c)) throw new Error(`survivorship groups ${grouped.get(c)} and ${index} both hold column ${c}`);
      grouped.set(c, index);
    }
    if (columns.length === 0) continue;
    const rules = new Map<string, SurvivorshipRule>();
    for (const c of columns) {
      const rule = config.fields?.[c];
      if (rule) rules.set(ruleKey(rule), rule);
    }
    if (rules.size > 1) throw new Error(`survivorship group [${columns.join(', ')}] has different rules per column`);
    units.push({ columns, rule: [...rules.values()][0] ?? config.default });
  }
  for (const c of wanted) {
    if (!grouped.has(c)) units.push({ columns: [c], rule: config.fields?.[c] ?? config.default });
  }
  return units;
}

interface Ranked {
  contributor: Contributor;
  time: number;
  filled: number;
}

function byRecency(a: Ranked, b: Ranked): number {
  if (a.time !== b.time) return b.time - a.time;
  return compareSourceRecordIds(a.contributor.sourceRecordId, b.contributor.sourceRecordId);
}

function comparatorFor(rule: SurvivorshipRule): (a: Ranked, b: Ranked) => number {
  switch (rule.kind) {
    case 'mostRecent':
      return byRecency;
    case 'mostComplete':
      return (a, b) => b.filled - a.filled || byRecency(a, b);
    case 'sourcePriority': {
      const rank = (r: Ranked) => {
        const i = rule.systems.indexOf(r.contributor.system);
        return i < 0 ? rule.systems.length : i;
      };
      return (a, b) => rank(a) - rank(b) || byRecency(a, b);
    }
  }
}

/** The best contributor for a unit among those with a value in it; a linear scan, so input order cannot matter. */
function winnerOf(unit: Unit, ranked: readonly Ranked[]): Ranked | undefined {
  const compare = comparatorFor(unit.rule);
  let best: Ranked | undefined;
  for (const r of ranked) {
    if (!unit.columns.some((c) => !isEmptyValue(r.contributor.values[c]))) continue;
    if (!best || compare(r, best) < 0) best = r;
  }
  return best;
}

function validTime(date: Date, what: string): number {
  const time = date instanceof Date ? date.getTime() : NaN;
  if (Number.isNaN(time)) throw new Error(`${what} is not a valid date`);
  return time;
}

/** The override that counts per field: the latest; a same-instant double write goes to the smaller setBy, then value. */
function latestOverrides(overrides: readonly Override[], wanted: ReadonlySet<string>): Map<string, Override> {
  const latest = new Map<string, Override>();
  for (const o of overrides) {
    if (!wanted.has(o.field)) continue;
    const time = validTime(o.setAt, `override of ${o.field}`);
    const current = latest.get(o.field);
    if (!current) {
      latest.set(o.field, o);
      continue;
    }
    const diff = time - current.setAt.getTime();
    const wins =
      diff > 0 ||
      (diff === 0 &&
        (o.setBy < current.setBy ||
          (o.setBy === current.setBy && String(JSON.stringify(o.value)) < String(JSON.stringify(current.value)))));
    if (wins) latest.set(o.field, o);
  }
  return latest;
}

/**
 * Computes the golden values of `fields` from the contributors and overrides under `config`. Every field appears in
 * `values` (null when empty); lineage follows the order of `fields`. Throws on duplicate source record ids, invalid
 * dates, a column in two groups or a group with conflicting rules, all of which are programming errors.
 */
export function survive(
  fields: readonly string[],
  contributors: readonly Contributor[],
  overrides: readonly Override[],
  config: SurvivorshipConfig,
): SurvivedRecord {
  const wanted = new Set(fields);
  const seen = new Set<string>();
  const ranked: Ranked[] = contributors.map((c) => {
    // A record contributing twice would make the tie-break between its two versions depend on input order.
    if (seen.has(c.sourceRecordId)) throw new Error(`source record ${c.sourceRecordId} contributes twice`);
    seen.add(c.sourceRecordId);
    const filled = [...wanted].filter((f) => !isEmptyValue(c.values[f])).length;
    return { contributor: c, time: validTime(c.changedAt, `changedAt of source record ${c.sourceRecordId}`), filled };
  });
  const held = latestOverrides(overrides, wanted);

  const values: Record<string, unknown> = {};
  for (const f of wanted) values[f] = null;
  const lineage = new Map<string, FieldLineage>();

  for (const unit of planUnits(fields, config)) {
    const unitOverrides = unit.columns.flatMap((c) => held.get(c) ?? []);
    if (unitOverrides.length > 0) {
      const groupTime = Math.max(...unitOverrides.map((o) => o.setAt.getTime()));
      for (const c of unit.columns) {
        const o = held.get(c);
        values[c] = o === undefined || isEmptyValue(o.value) ? null : o.value;
        lineage.set(c, {
          field: c,
          sourceRecordId: null,
          system: null,
          rule: 'override',
          changedAt: new Date(o?.setAt.getTime() ?? groupTime),
        });
      }
      continue;
    }

    const winner = winnerOf(unit, ranked);
    if (!winner) continue;
    const { contributor } = winner;
    for (const c of unit.columns) {
      const value = contributor.values[c];
      if (isEmptyValue(value)) continue;
      values[c] = value;
      lineage.set(c, {
        field: c,
        sourceRecordId: contributor.sourceRecordId,
        system: contributor.system,
        rule: unit.rule.kind,
        changedAt: new Date(winner.time),
      });
    }
  }

  return { values, lineage: [...wanted].flatMap((f) => lineage.get(f) ?? []) };
}

/** A survivorship configuration that failed validation; each issue names its path ('customer.fields.colour'). */
export class SurvivorshipConfigError extends Error {
  override readonly name = 'SurvivorshipConfigError';

  constructor(readonly issues: FieldIssue[]) {
    super(`invalid survivorship configuration: ${issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`);
  }
}

const systemsSchema = z
  .array(z.string().trim().min(1, 'must not be empty'))
  .min(1, 'must name at least one system')
  .superRefine((systems, ctx) => {
    systems.forEach((s, i) => {
      if (systems.indexOf(s) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `${s} is listed twice` });
    });
  });

const ruleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('sourcePriority'), systems: systemsSchema }),
  z.strictObject({ kind: z.literal('mostRecent') }),
  z.strictObject({ kind: z.literal('mostComplete') }),
]);

/** The per-field rules of one entity: known columns only, and one rule per group. */
function fieldRulesSchema(entity: MasterEntity) {
  const columns = new Set(goldenColumns(entity));
  const groups = defaultGroups(entity);
  // Checked on the record itself rather than the whole config, so a mistake elsewhere does not hide these.
  return z.record(z.string(), ruleSchema).superRefine((fields, ctx) => {
    for (const name of Object.keys(fields)) {
      if (!columns.has(name)) ctx.addIssue({ code: 'custom', path: [name], message: `not a ${entity} field` });
    }
    for (const group of groups) {
      const ruled = group.filter((c) => fields[c] !== undefined);
      const keys = new Set(ruled.map((c) => ruleKey(fields[c] as SurvivorshipRule)));
      if (keys.size > 1) {
        ctx.addIssue({
          code: 'custom',
          path: [ruled[1] as string],
          message: `${group.join(', ')} survive together and need one rule (differs from ${ruled[0]})`,
        });
      }
    }
  });
}

const ENTITIES = Object.keys(SPECS) as MasterEntity[];

const configSchema = z.strictObject(
  Object.fromEntries(
    ENTITIES.map((entity) => [
      entity,
      z.strictObject({ default: ruleSchema.optional(), fields: fieldRulesSchema(entity).optional() }).optional(),
    ]),
  ) as Record<
    MasterEntity,
    z.ZodOptional<
      z.ZodObject<{
        default: z.ZodOptional<typeof ruleSchema>;
        fields: z.ZodOptional<ReturnType<typeof fieldRulesSchema>>;
      }>
    >
  >,
);

/**
 * Reads a survivorship configuration (the MDHUB_SURVIVORSHIP JSON text, or its parsed value), for example
 * `{"customer": {"default": {"kind": "sourcePriority", "systems": ["erp", "crm"]}, "fields": {"email":
 * {"kind": "mostRecent"}}}}`, into a complete configuration per entity: entities left out get
 * `defaultSurvivorship`, a left-out default is mostRecent, and groups are always `defaultGroups`. Throws
 * SurvivorshipConfigError listing every problem with its path.
 */
export function parseSurvivorshipConfig(json: unknown): Record<MasterEntity, SurvivorshipConfig> {
  let input = json;
  if (typeof json === 'string') {
    try {
      input = JSON.parse(json);
    } catch (error) {
      throw new SurvivorshipConfigError([{ field: '(root)', reason: `not valid JSON: ${(error as Error).message}` }]);
    }
  }
  const parsed = configSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new SurvivorshipConfigError(
      parsed.error.issues.flatMap((issue) => {
        const at = (path: readonly PropertyKey[]) => path.map(String).join('.') || '(root)';
        // zod reports unknown keys at the enclosing object; naming the key itself points at the typo.
        if (issue.code === 'unrecognized_keys') {
          const reason = issue.path.length === 0 ? `not an entity (${ENTITIES.join(', ')})` : 'unknown key';
          return issue.keys.map((key) => ({ field: at([...issue.path, key]), reason }));
        }
        return [{ field: at(issue.path), reason: issue.message }];
      }),
    );
  }
  const result = {} as Record<MasterEntity, SurvivorshipConfig>;
  for (const entity of ENTITIES) {
    const given = parsed.data[entity];
    result[entity] = {
      default: given?.default ?? { kind: 'mostRecent' },
      ...(given?.fields ? { fields: given.fields } : {}),
      groups: defaultGroups(entity),
    };
  }
  return result;
}
