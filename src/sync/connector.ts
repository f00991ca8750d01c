/**
 * The contract between the sync runtime and a connector (one per external system, in connectors/). A connector
 * only talks to its system and translates: the runner owns checkpoints, retries, staging, matching and writes to
 * the hub, so a connector holds no state between calls. Errors it throws are those of ./errors.
 */
import type { z } from 'zod';
import type { RecordError } from './errors';

/** One kind of record a connector can read, such as a CRM's companies or an ERP's articles. */
export interface StreamDefinition {
  /** Unique within the connection; checkpoints and runs are kept per stream name. */
  name: string;
  /** The hub entity the records become ('customer', 'supplier', 'item', 'warehouse', ...). */
  entity: string;
  /** The source field holding the record's id in that system. */
  primaryKey: string;
  /** The source field incremental reads filter on; without one the stream is only read in full. */
  cursorField?: string;
  /**
   * How deletions become visible: 'tombstones' when reads return deleted records, 'fullScan' when a record is gone
   * only by its absence from a full read. Absent: the stream does not report deletions.
   */
  supportsDeletes?: 'tombstones' | 'fullScan';
  /**
   * How far an incremental read starts before the checkpoint, for sources whose cursor values are not committed
   * in order (a transaction that commits late with an earlier timestamp). The runner applies it to `since`.
   */
  lookbackSeconds?: number;
}

/** A record as the source gave it, before mapping. */
export interface SourceRecord {
  /** The record's id in the source system, as text (numeric ids are converted). */
  externalId: string;
  /** The cursor value: an ISO 8601 timestamp or another string that sorts in change order; null when absent. */
  cursor: string | null;
  /** The record as received; the runner stores it as is, with a content hash. */
  payload: Record<string, unknown>;
  /** True for a tombstone: the record was deleted in the source. */
  deleted: boolean;
}

/** One page to read. The runner loops with `pageToken` until a page says it is the last. */
export interface ReadRequest {
  stream: StreamDefinition;
  /** 'full' reads everything; 'incremental' reads records changed at or after `since`. */
  mode: 'full' | 'incremental';
  /**
   * Inclusive lower bound on the cursor, already moved back by the look-back. Inclusive so that records sharing a
   * cursor value across a page or run boundary are not skipped; the runner drops the repeats by content hash.
   * Null in full mode and on a stream's first incremental read.
   */
  since: string | null;
  /** The previous page's `nextPageToken`; null for the first page. */
  pageToken: string | null;
  /** How many records the runner wants per page; a connector may return fewer, never many more. */
  pageSize: number;
  /** Aborts the request when the run is cancelled or shut down. */
  signal?: AbortSignal;
}

/** A page of records. */
export interface ReadPage {
  records: SourceRecord[];
  /** The token for the next page of the same read; null when this read is complete. */
  nextPageToken: string | null;
  /**
   * Records on the page that could not be turned into a SourceRecord (no usable id, say). Returned rather than
   * thrown, because one broken record must not stop the page; the runner keeps them on the run.
   */
  rejected?: RecordError[];
}

/** Structured logging (pino-compatible): the object first, then the message. Never pass credentials. */
export interface ConnectorLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What `map` may see: the connection's settings, not its credentials, as mapping is pure and does no I/O. */
export interface MapContext<S> {
  connectionId: string;
  settings: S;
}

/** Everything a connector call gets from the runner for one connection. */
export interface ConnectorContext<S, C> extends MapContext<S> {
  /** Already validated with the connector's credentials schema; decrypted for this call only. */
  credentials: C;
  /**
   * The only way a connector should reach the network: the runner wraps it to rate-limit, time and count requests
   * per connection.
   */
  fetch: typeof fetch;
  log: ConnectorLog;
}

/** The outcome of writing a golden record back to the source system. */
export interface WriteResult {
  /** The record's id in the source system (new on a create); the runner links it in the crosswalk. */
  externalId: string;
}

/** An inbound webhook call as the HTTP layer received it. */
export interface WebhookRequest {
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  /** The body exactly as received: signatures are computed over these bytes, not over re-serialised JSON. */
  rawBody: Buffer;
  receivedAt: Date;
}

/** One change a webhook reports; the runner fetches or applies it like a read record. */
export interface WebhookEvent {
  /** The source's id for the event; redeliveries carry the same one, so the runner can drop duplicates. */
  eventId: string;
  /** The stream name the record belongs to. */
  stream: string;
  externalId: string;
  /** ISO 8601 time of the change in the source. */
  occurredAt: string;
  deleted: boolean;
  /** The record when the webhook carries it; without it the runner reads the record. */
  payload?: Record<string, unknown>;
}

/**
 * An external system the hub keeps in step with. Generic over its validated settings S and credentials C; the
 * registry validates both with the schemas below before any call. Methods are declared as methods (not function
 * properties) so a Connector<S, C> can be kept in a registry of Connector<unknown, unknown>.
 */
export interface Connector<S, C> {
  /** The type name connections refer to, such as 'http-json'; lower case, digits and dashes. */
  type: string;
  title: string;
  description: string;
  settingsSchema: z.ZodType<S>;
  /** Credentials are stored sealed and only their field names are ever shown. */
  credentialsSchema: z.ZodType<C>;

  /** The streams this connection offers; may depend on the settings or ask the source. */
  streams(ctx: ConnectorContext<S, C>): StreamDefinition[] | Promise<StreamDefinition[]>;

  /**
   * Reads one page. Throws RetryableError or PermanentError for the request as a whole; a record it cannot
   * identify goes into `rejected`. Rethrows the abort when `req.signal` is aborted.
   */
  read(ctx: ConnectorContext<S, C>, req: ReadRequest): Promise<ReadPage>;

  /**
   * Turns a source record into the canonical input of the stream's entity (the GraphQL input shape, such as
   * CustomerInput without sourceRef). Pure, so the runner can re-map stored records after a mapping change.
   * Throws RecordError (or FieldError) for a record it cannot map; the hub normalises the values afterwards.
   */
  map(ctx: MapContext<S>, stream: StreamDefinition, record: SourceRecord): Record<string, unknown>;

  /** Checks settings and credentials against the source with a cheap request; throws what `read` would. */
  test(ctx: ConnectorContext<S, C>): Promise<void>;

  /**
   * Writes a golden record (canonical shape) back: creates it when `externalId` is null, else updates that
   * record. Optional: read-only connectors leave it out.
   */
  write?(
    ctx: ConnectorContext<S, C>,
    stream: StreamDefinition,
    golden: Record<string, unknown>,
    externalId: string | null,
  ): Promise<WriteResult>;

  /** Inbound webhooks, for sources that push changes. Optional. */
  webhook?: {
    /** Throws PermanentError when the signature (or timestamp) does not check out; nothing is parsed before. */
    verify(ctx: ConnectorContext<S, C>, req: WebhookRequest): void;
    /** The changes a verified call reports. */
    parse(ctx: ConnectorContext<S, C>, req: WebhookRequest): WebhookEvent[];
  };
}
