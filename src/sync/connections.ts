import { CronExpressionParser } from 'cron-parser';
import { asc, eq } from 'drizzle-orm';
import { type Actor, actorLabel } from '../actor';
import { mapDbError } from '../db/errors';
import type { Db } from '../db/pool';
import { parseDecimal } from '../decimal';
import { ConflictError, DomainError, NotFoundError, ValidationError, type FieldIssue } from '../errors';
import { log } from '../log';
import { recordChanges } from '../master/history';
import { FieldError } from '../master/normalise';
import { isUuid } from '../master/store';
import { getConnector, parseConnectorSettings } from './registry';
import type { SecretBox } from './secrets';
import { connections } from './tables';

export type ConnectionRow = typeof connections.$inferSelect;

/** A connection as the API shows it: never the credentials, only whether there are some and their field names. */
export type ConnectionView = Omit<ConnectionRow, 'credentials'> & { hasCredentials: boolean };

export interface ConnectionInput {
  name: string;
  type: string;
  settings: unknown;
  credentials?: unknown;
  schedule?: { everySeconds?: number | null; cron?: string | null } | null;
  enabled?: boolean | null;
  rateLimitPerSecond?: unknown;
}

export type ConnectionPatch = Partial<Omit<ConnectionInput, 'name' | 'type'>>;

const NAME = /^[a-z][a-z0-9-]{1,62}$/;

function view(row: ConnectionRow): ConnectionView {
  const { credentials, ...rest } = row;
  return { ...rest, hasCredentials: credentials !== null };
}

/** What history keeps of a connection: its configuration, never its credentials. */
function snapshot(row: ConnectionRow): Record<string, unknown> & { id: string; version: number; code: string } {
  const { credentials: _credentials, ...rest } = row;
  return { ...rest, code: row.name, hasCredentials: row.credentials !== null };
}

/**
 * Connections to external systems. Settings are validated by the connector's own schema; credentials are
 * sealed before they reach the database and are opened only to run the connector, never to answer a query.
 */
export class ConnectionService {
  constructor(
    private readonly db: Db,
    private readonly secrets: SecretBox | null,
  ) {}

  async list(): Promise<ConnectionView[]> {
    return (await this.db.select().from(connections).orderBy(asc(connections.name))).map(view);
  }

  async get(key: { id?: string | null; name?: string | null }): Promise<ConnectionView | null> {
    const row = await this.row(key);
    return row ? view(row) : null;
  }

  async create(input: ConnectionInput, actor: Actor): Promise<ConnectionView> {
    const issues: FieldIssue[] = [];
    if (!NAME.test(input.name ?? '')) {
      issues.push({
        field: 'input.name',
        reason: 'must be 2-63 lower-case letters, digits or dashes, starting with a letter',
      });
    }
    const parsed = this.parse(input.type, input.settings, input.credentials ?? {}, issues);
    const schedule = this.schedule(input.schedule, issues);
    const rate = this.rate(input.rateLimitPerSecond, issues);
    if (issues.length) throw new ValidationError(issues);
    const id = crypto.randomUUID();
    const who = actorLabel(actor);
    try {
      return await this.db.transaction(async (tx) => {
        const [row] = await tx
          .insert(connections)
          .values({
            id,
            name: input.name,
            type: input.type,
            settings: parsed.settings,
            credentials: this.seal(parsed.credentials, id),
            credentialFields: Object.keys(parsed.credentials as object),
            ...schedule,
            enabled: input.enabled ?? true,
            rateLimitPerSecond: rate,
            createdBy: who,
            updatedBy: who,
          })
          .returning();
        await recordChanges(
          tx,
          [{ entity: 'connection', row: snapshot(row!), operation: 'created', changed: [] }],
          actor,
        );
        return view(row!);
      });
    } catch (e) {
      const mapped = mapDbError(e);
      if (mapped instanceof ConflictError)
        throw new ConflictError(`a connection named ${input.name} exists already`, 'input.name');
      throw mapped;
    }
  }

  /** Changes settings, credentials, schedule or state at the expected version. Credentials given replace the old ones. */
  async update(id: string, expectedVersion: number, patch: ConnectionPatch, actor: Actor): Promise<ConnectionView> {
    return this.db.transaction(async (tx) => {
      const current = await this.row({ id }, tx, true);
      if (!current) throw new NotFoundError(`connection ${id}`, 'id');
      if (current.version !== expectedVersion) {
        throw new ConflictError(
          `connection ${current.name} is at version ${current.version}, not ${expectedVersion}`,
          'expectedVersion',
          {
            currentVersion: current.version,
          },
        );
      }
      const issues: FieldIssue[] = [];
      const next: Partial<ConnectionRow> = {};
      const changed: string[] = [];
      if (patch.settings !== undefined || patch.credentials !== undefined) {
        const credentials = patch.credentials !== undefined ? (patch.credentials ?? {}) : this.open(current);
        const parsed = this.parse(current.type, patch.settings ?? current.settings, credentials, issues);
        if (patch.settings !== undefined) {
          next.settings = parsed.settings as ConnectionRow['settings'];
          changed.push('settings');
        }
        if (patch.credentials !== undefined) {
          next.credentials = this.seal(parsed.credentials, current.id);
          next.credentialFields = Object.keys(parsed.credentials as object);
          changed.push('credentials');
        }
      }
      if (patch.schedule !== undefined) {
        Object.assign(next, this.schedule(patch.schedule, issues));
        changed.push('schedule');
      }
      if (patch.rateLimitPerSecond !== undefined) {
        next.rateLimitPerSecond = this.rate(patch.rateLimitPerSecond, issues);
        changed.push('rateLimitPerSecond');
      }
      if (patch.enabled !== undefined && patch.enabled !== null && patch.enabled !== current.enabled) {
        next.enabled = patch.enabled;
        changed.push('enabled');
      }
      if (issues.length) throw new ValidationError(issues);
      if (changed.length === 0) return view(current);
      const [row] = await tx
        .update(connections)
        .set({ ...next, version: current.version + 1, updatedAt: new Date(), updatedBy: actorLabel(actor) })
        .where(eq(connections.id, current.id))
        .returning();
      await recordChanges(tx, [{ entity: 'connection', row: snapshot(row!), operation: 'updated', changed }], actor);
      return view(row!);
    });
  }

  /** Runs the connector's own check (credentials accepted, endpoint reachable) and says what went wrong. */
  async test(id: string): Promise<{ ok: boolean; message: string | null }> {
    const row = await this.row({ id });
    if (!row) throw new NotFoundError(`connection ${id}`, 'id');
    const connector = getConnector(row.type);
    try {
      await connector.test(this.context(row));
      return { ok: true, message: null };
    } catch (e) {
      // The connector's error texts never carry credentials; log the connection, not its settings.
      log.info({ connection: row.name, type: row.type, error: (e as Error).message }, 'connection test failed');
      return { ok: false, message: (e as Error).message };
    }
  }

  /** The stored connection with what its connector needs to run. For the sync runtime only. */
  async forRun(id: string): Promise<{ row: ConnectionRow; ctx: ReturnType<ConnectionService['context']> } | null> {
    const row = await this.row({ id });
    return row ? { row, ctx: this.context(row) } : null;
  }

  /** What a connector needs to run: settings and the opened credentials. For the sync runtime only. */
  context(row: ConnectionRow) {
    return {
      connectionId: row.id,
      settings: row.settings,
      credentials: this.open(row),
      fetch: globalThis.fetch,
      log: log.child({ connection: row.name }),
    };
  }

  private async row(
    key: { id?: string | null; name?: string | null },
    tx: Db = this.db,
    lock = false,
  ): Promise<ConnectionRow | null> {
    const where = key.id
      ? isUuid(key.id)
        ? eq(connections.id, key.id)
        : null
      : key.name
        ? eq(connections.name, key.name)
        : null;
    if (!where) return null;
    const q = tx.select().from(connections).where(where);
    const rows = lock ? await q.for('update') : await q;
    return rows[0] ?? null;
  }

  private parse(type: string, settings: unknown, credentials: unknown, issues: FieldIssue[]) {
    try {
      return parseConnectorSettings(type, settings, credentials);
    } catch (e) {
      if (e instanceof ValidationError) issues.push(...e.issues.map((i) => ({ ...i, field: `input.${i.field}` })));
      else if (e instanceof DomainError) issues.push({ field: 'input.type', reason: e.message });
      else throw e;
      return { settings: {}, credentials: {} };
    }
  }

  private schedule(
    s: ConnectionInput['schedule'],
    issues: FieldIssue[],
  ): { scheduleEverySeconds: number | null; scheduleCron: string | null } {
    if (!s) return { scheduleEverySeconds: null, scheduleCron: null };
    if (s.everySeconds != null && s.cron != null)
      issues.push({ field: 'input.schedule', reason: 'give everySeconds or cron, not both' });
    if (
      s.everySeconds != null &&
      (!Number.isInteger(s.everySeconds) || s.everySeconds < 10 || s.everySeconds > 7 * 86400)
    ) {
      issues.push({
        field: 'input.schedule.everySeconds',
        reason: 'must be a whole number of seconds from 10 to 604800',
      });
    }
    if (s.cron != null) {
      try {
        CronExpressionParser.parse(s.cron);
      } catch (e) {
        issues.push({ field: 'input.schedule.cron', reason: `not a cron expression: ${(e as Error).message}` });
      }
    }
    return { scheduleEverySeconds: s.everySeconds ?? null, scheduleCron: s.cron ?? null };
  }

  private rate(value: unknown, issues: FieldIssue[]): string | null {
    if (value === undefined || value === null) return null;
    try {
      return parseDecimal(value, 'input.rateLimitPerSecond', { sign: 'positive', maxScale: 3, maxIntegerDigits: 6 });
    } catch (e) {
      if (e instanceof FieldError) issues.push({ field: e.field, reason: e.reason });
      else throw e;
      return null;
    }
  }

  private seal(credentials: unknown, id: string): Buffer | null {
    if (!credentials || Object.keys(credentials as object).length === 0) return null;
    if (!this.secrets) {
      throw new ValidationError([
        { field: 'input.credentials', reason: 'the hub has no secret key: set MDHUB_SECRET_KEY to store credentials' },
      ]);
    }
    return this.secrets.seal(credentials, `connection:${id}`);
  }

  private open(row: ConnectionRow): unknown {
    if (!row.credentials) return {};
    if (!this.secrets)
      throw new DomainError('INTERNAL', 'the hub has no secret key to open stored credentials (MDHUB_SECRET_KEY)');
    return this.secrets.open(row.credentials, `connection:${row.id}`);
  }
}
