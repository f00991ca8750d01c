import { z } from 'zod';
import { SPECS } from '../../src/master/specs';

const ENTITIES = ['customer', 'supplier', 'item', 'warehouse', 'bom'] as const;
type StreamEntity = (typeof ENTITIES)[number];

/** A BOM's fields (src/bom/sync.ts): the product and components named by their ids in the source system. */
const BOM_LEAVES = [
  'itemRef',
  'versionLabel',
  'baseQuantity',
  'validFrom',
  'validTo',
  'description',
  'active',
  'isDefault',
  'lines',
];

// Field paths end up as object keys on both sides of a mapping; these would reach Object.prototype.
const UNSAFE_SEGMENT = /(^|\.)(__proto__|prototype|constructor)(\.|$)/;

const fieldPath = z
  .string()
  .regex(/^[^.\s]+(\.[^.\s]+)*$/, 'must be a field name, or a dot path such as address.city')
  .refine((p) => !UNSAFE_SEGMENT.test(p), 'must not name __proto__, prototype or constructor');

/**
 * The canonical input paths of an entity a source value can fill: the GraphQL input fields (from the entity
 * specs, so a new field is mappable without touching this connector), with money split into amount and currency.
 */
export function canonicalLeaves(entity: StreamEntity): string[] {
  if (entity === 'bom') return BOM_LEAVES;
  const paths = SPECS[entity].fields.flatMap((f) =>
    f.kind === 'money' ? [`${f.path}.amount`, `${f.path}.currency`] : [f.path],
  );
  return ['code', ...paths];
}

/** Leaves plus their parents, so a whole source object can fill 'address' or 'creditLimit'. */
function mappableTargets(entity: StreamEntity): Set<string> {
  const targets = new Set<string>();
  for (const leaf of canonicalLeaves(entity)) {
    const parts = leaf.split('.');
    for (let i = 1; i <= parts.length; i++) targets.add(parts.slice(0, i).join('.'));
  }
  return targets;
}

const streamSettings = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'must be lower case letters, digits, dashes or underscores'),
  entity: z.enum(ENTITIES),
  path: z.string().regex(/^\/[^?#\s]*$/, 'must start with / and hold no query, fragment or spaces'),
  primaryKey: fieldPath.default('id'),
  cursorField: fieldPath.default('updatedAt'),
  /** How far back an incremental read starts before the checkpoint, for rows committed late with an older cursor. */
  lookbackSeconds: z.number().int().min(0).max(86_400).optional(),
  /** Canonical path → source path. Without it, fields whose source names are the canonical ones pass through. */
  fields: z.record(z.string(), fieldPath).optional(),
});

/** The settings of an http-json connection. */
export const settingsSchema = z
  .strictObject({
    baseUrl: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).refine((u) => {
      // Refinements run even when the format check failed, which is reported already.
      if (!URL.canParse(u)) return true;
      const url = new URL(u);
      return !url.username && !url.password && !url.search && !url.hash;
    }, 'must hold no user name, password, query or fragment (put the token in the credentials)'),
    streams: z.array(streamSettings).min(1, 'name at least one stream'),
    /** The largest page the source serves; pages are never requested larger, whatever the runner asks. */
    pageSize: z.number().int().min(1).max(10000).optional(),
  })
  .superRefine((settings, ctx) => {
    const seen = new Set<string>();
    settings.streams.forEach((stream, i) => {
      if (seen.has(stream.name))
        ctx.addIssue({ code: 'custom', path: ['streams', i, 'name'], message: 'is used by another stream' });
      seen.add(stream.name);
      if (!stream.fields) return;
      const targets = mappableTargets(stream.entity);
      for (const target of Object.keys(stream.fields)) {
        if (!targets.has(target))
          ctx.addIssue({
            code: 'custom',
            path: ['streams', i, 'fields', target],
            message: `is not a ${stream.entity} field; known: ${[...targets].join(', ')}`,
          });
      }
    });
  });

/** The credentials of an http-json connection: an optional bearer token. */
export const credentialsSchema = z.strictObject({
  // Checked so that a pasted newline cannot make fetch throw an error that quotes the header value.
  token: z
    .string()
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional(),
});

export type HttpJsonSettings = z.output<typeof settingsSchema>;
export type HttpJsonStreamSettings = HttpJsonSettings['streams'][number];
export type HttpJsonCredentials = z.output<typeof credentialsSchema>;
