/**
 * Match thresholds per entity, from MDHUB_MATCH_THRESHOLDS. Kept free of database imports: the configuration reads
 * it at start-up.
 */
import { z } from 'zod';
import type { FieldIssue } from '../errors';
import type { MasterEntity } from '../master/specs';
import { DEFAULT_MATCH_MARGIN, type MatchThresholds } from './match';

const ENTITIES: readonly MasterEntity[] = ['customer', 'supplier', 'item', 'warehouse'];

/**
 * The built-in thresholds. A party typed in once more with a typo in its name scores about 0.85 to 0.95 with the
 * same postal code, street and city (more with the same phone or e-mail); an exact name alone 0.8, which is review;
 * the same name at the same postal code in another city and street 0.8. On generated data with retyped duplicates
 * (bench/sync-ingest.ts) these settings merged no pair wrongly and found about 96 % of the duplicate pairs; most of
 * the rest become steward tasks. Items have only a GTIN, base unit and type besides the name, so an exact name with
 * the same base unit and type (0.85) merges, and a typo goes to review.
 */
export const DEFAULT_MATCH_THRESHOLDS: Readonly<Record<MasterEntity, Required<MatchThresholds>>> = {
  customer: { autoMerge: 0.85, review: 0.7, margin: DEFAULT_MATCH_MARGIN },
  supplier: { autoMerge: 0.85, review: 0.7, margin: DEFAULT_MATCH_MARGIN },
  item: { autoMerge: 0.85, review: 0.65, margin: DEFAULT_MATCH_MARGIN },
  warehouse: { autoMerge: 0.9, review: 0.7, margin: DEFAULT_MATCH_MARGIN },
};

/** A match threshold configuration that failed validation; each issue names its path ('customer.review'). */
export class MatchThresholdsError extends Error {
  override readonly name = 'MatchThresholdsError';

  constructor(readonly issues: FieldIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.reason}`).join('; '));
  }
}

const score = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
const entitySchema = z.strictObject({
  autoMerge: score.optional(),
  review: score.optional(),
  margin: score.optional(),
});
const configSchema = z.strictObject(
  Object.fromEntries(ENTITIES.map((e) => [e, entitySchema.optional()])) as Record<
    MasterEntity,
    z.ZodOptional<typeof entitySchema>
  >,
);

/**
 * Reads MDHUB_MATCH_THRESHOLDS (JSON text or its parsed value), e.g. `{"customer": {"autoMerge": 0.9, "review":
 * 0.75}}`, into complete thresholds per entity: what is left out keeps its default. Throws MatchThresholdsError
 * naming every bad key, including a review threshold above the auto-merge one once defaults are filled in.
 */
export function parseMatchThresholds(json: unknown): Record<MasterEntity, Required<MatchThresholds>> {
  let input = json;
  if (typeof json === 'string') {
    if (json.trim() === '') input = {};
    else {
      try {
        input = JSON.parse(json);
      } catch (e) {
        throw new MatchThresholdsError([{ field: '(root)', reason: `not valid JSON: ${(e as Error).message}` }]);
      }
    }
  }
  const parsed = configSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new MatchThresholdsError(
      parsed.error.issues.flatMap((issue) => {
        const at = (path: readonly PropertyKey[]) => path.map(String).join('.') || '(root)';
        if (issue.code === 'unrecognized_keys') {
          const reason =
            issue.path.length === 0
              ? `not an entity (${ENTITIES.join(', ')})`
              : 'unknown key (autoMerge, review, margin)';
          return issue.keys.map((key) => ({ field: at([...issue.path, key]), reason }));
        }
        const reason = issue.code === 'invalid_type' ? 'must be a number between 0 and 1' : issue.message;
        return [{ field: at(issue.path), reason: issue.path.length === 0 ? 'must be a JSON object' : reason }];
      }),
    );
  }
  const out = {} as Record<MasterEntity, Required<MatchThresholds>>;
  const issues: FieldIssue[] = [];
  for (const entity of ENTITIES) {
    const given = parsed.data[entity] ?? {};
    const t = { ...DEFAULT_MATCH_THRESHOLDS[entity], ...given };
    if (t.review > t.autoMerge) {
      issues.push({
        field: `${entity}.${given.review !== undefined ? 'review' : 'autoMerge'}`,
        reason: `review (${t.review}) must not be above autoMerge (${t.autoMerge})`,
      });
    }
    out[entity] = t;
  }
  if (issues.length) throw new MatchThresholdsError(issues);
  return out;
}
