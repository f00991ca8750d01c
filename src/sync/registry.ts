/**
 * Connectors by type name. The registry knows no concrete connector: connectors/index.ts registers the built-in
 * ones, and a deployment can register its own the same way before the hub starts.
 */
import { z } from 'zod';
import { DomainError, ValidationError, type FieldIssue } from '../errors';
import type { Connector } from './connector';

/** A connector of any settings and credentials; the registry only hands out what the schemas validated. */
export type AnyConnector = Connector<unknown, unknown>;

/** JSON Schema (draft 2020-12), as zod writes it. */
export type JsonSchema = z.core.JSONSchema.BaseSchema;

/** What a user needs to set up a connection of one type (the GraphQL ConnectorType). */
export interface ConnectorInfo {
  type: string;
  title: string;
  description: string;
  /** The settings a connection takes, for forms and documentation (the input side: defaults are optional). */
  settingsSchema: JsonSchema;
  /** Names of the credential fields; never a value, a default or an example. */
  credentialFields: string[];
}

/** A connection type nobody registered; BAD_USER_INPUT on `type`, listing the known types. */
export class UnknownConnectorError extends DomainError {
  constructor(
    type: string,
    readonly knownTypes: string[],
  ) {
    const known = knownTypes.length ? `known types: ${knownTypes.join(', ')}` : 'no connector types are registered';
    super('BAD_USER_INPUT', `unknown connector type "${type}"; ${known}`, 'type', { knownTypes });
    this.name = 'UnknownConnectorError';
  }
}

/** A connection's configuration after validation, with its connector. */
export interface ParsedConnection<S = unknown, C = unknown> {
  connector: Connector<S, C>;
  settings: S;
  credentials: C;
}

const TYPE_NAME = /^[a-z][a-z0-9-]*$/;
const connectors = new Map<string, AnyConnector>();

/**
 * Adds a connector under its type name. Registering the same object again is a no-op (a module may be loaded
 * twice); a different connector under a taken name is a programming error.
 */
export function registerConnector<S, C>(connector: Connector<S, C>): void {
  if (!TYPE_NAME.test(connector.type))
    throw new Error(`connector type "${connector.type}" must be lower case letters, digits and dashes`);
  const existing = connectors.get(connector.type);
  if (existing === connector) return;
  if (existing) throw new Error(`connector type "${connector.type}" is already registered`);
  connectors.set(connector.type, connector as AnyConnector);
}

/** The connector for a type name; throws UnknownConnectorError, naming the known types, for any other name. */
export function getConnector(type: string): AnyConnector {
  const connector = connectors.get(type);
  if (connector) return connector;
  throw new UnknownConnectorError(type, [...connectors.keys()].sort());
}

/** Every registered connector with the fields its connections take, sorted by type. */
export function listConnectors(): ConnectorInfo[] {
  return [...connectors.values()]
    .sort((a, b) => a.type.localeCompare(b.type))
    .map((c) => ({
      type: c.type,
      title: c.title,
      description: c.description,
      settingsSchema: describe(c.settingsSchema),
      credentialFields: fieldNames(describe(c.credentialsSchema)),
    }));
}

/**
 * Validates a connection's settings and credentials against its connector's schemas, applying their defaults.
 * Every problem of both is reported at once, with paths such as `settings.streams.0.path` or `credentials.token`.
 * Zod's messages name expected types and formats, not the values received, so no credential leaks into them.
 * Absent credentials (undefined or null) are read as `{}`, so a connector whose credentials are all optional needs
 * none. An unknown type throws UnknownConnectorError rather than a ValidationError.
 */
export function parseConnectorSettings(type: string, settings: unknown, credentials: unknown): ParsedConnection {
  const connector = getConnector(type);
  const s = connector.settingsSchema.safeParse(settings);
  const c = connector.credentialsSchema.safeParse(credentials ?? {});
  const issues = [...issuesOf('settings', s.error), ...issuesOf('credentials', c.error)];
  if (issues.length) throw new ValidationError(issues);
  return { connector, settings: s.data, credentials: c.data };
}

function issuesOf(root: string, error: z.ZodError | undefined): FieldIssue[] {
  if (!error) return [];
  return error.issues.flatMap((issue) => {
    const at = [root, ...issue.path.map(String)].join('.');
    // Zod reports unknown keys on their parent; naming each key is what lets a form point at the typo.
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({ field: `${at}.${key}`, reason: 'unknown field' }));
    return [{ field: at, reason: issue.message }];
  });
}

function describe(schema: z.ZodType): JsonSchema {
  // 'any' keeps one exotic field (a transform, a custom check) from hiding the whole description.
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

/** Field names of an object schema, or of every branch of a union of them (alternative ways to authenticate). */
function fieldNames(schema: JsonSchema): string[] {
  const names = new Set<string>();
  for (const branch of schema.anyOf ?? schema.oneOf ?? [schema]) {
    if (typeof branch === 'object') for (const name of Object.keys(branch.properties ?? {})) names.add(name);
  }
  return [...names];
}
