/**
 * The errors a connector throws, by what the sync runner should do about them: try again later
 * (RetryableError), stop and ask a human (PermanentError), or note one bad source record and go on (RecordError).
 * Messages are shown to stewards and logged, so they never carry credentials, request headers or full URLs.
 */

/** Options shared by the connector errors. */
export interface ConnectorErrorOptions {
  /** The HTTP status that caused the error, when there was one. */
  status?: number;
  /** The underlying error (a network failure, a parse error); kept for logs, not shown in the message. */
  cause?: unknown;
}

/**
 * A transient failure (network error, timeout, HTTP 408 / 425 / 429 / 5xx): the same request may succeed later.
 * `retryAfterMs` is the source's own hint (Retry-After); the runner caps it and falls back to its back-off without it.
 */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  readonly status?: number;
  readonly retryAfterMs?: number;

  constructor(message: string, options: ConnectorErrorOptions & { retryAfterMs?: number } = {}) {
    super(message, { cause: options.cause });
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * A failure that repeating will not fix (bad settings, refused credentials, HTTP 4xx other than 429, a response
 * that is not the documented shape): the runner stops the run and reports it.
 */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  readonly status?: number;

  constructor(message: string, options: ConnectorErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.status = options.status;
  }
}

/**
 * One source record the hub cannot take (no usable primary key, a value that cannot be read): the runner keeps it
 * on the run for a steward and goes on with the rest. `externalId` is null when the record could not even be
 * identified; `field` is the source field at fault.
 */
export class RecordError extends Error {
  override readonly name = 'RecordError';

  constructor(
    readonly externalId: string | null,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${externalId === null ? 'record without id' : `record ${externalId}`}: ${field}: ${reason}`);
  }
}

// Every HTTP-date form (IMF-fixdate, RFC 850, asctime) has a time of day; requiring one keeps Date.parse, which
// reads almost anything ('foo 1' is a date to it), from turning junk into a delay.
const HTTP_DATE_TIME = /\b\d{1,2}:\d{2}:\d{2}\b/;

/**
 * The delay a Retry-After header asks for, in milliseconds: delay-seconds ('120') or an HTTP-date (a date in the
 * past gives 0). Undefined when the header is absent or unreadable, so the caller uses its own back-off.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date | number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    return Number.isSafeInteger(seconds * 1000) ? seconds * 1000 : undefined;
  }
  if (!HTTP_DATE_TIME.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - (typeof now === 'number' ? now : now.getTime()));
}

// 408 and 425 say "too early / too slow, send it again"; 501 and 505 will not change by waiting.
const RETRYABLE_4XX = new Set([408, 425, 429]);
const PERMANENT_5XX = new Set([501, 505]);

/**
 * The error for a response the caller did not expect. `what` names the request for the message (e.g.
 * 'GET /customers'); pass a path, not the full URL, as query strings may carry keys. Only the status line and the
 * Retry-After header are read: the request's headers (credentials) and the response body (which some servers fill
 * with the request) never reach the message. The caller still owns the body and should discard it.
 */
export function errorFromResponse(res: Response, what: string): RetryableError | PermanentError {
  const status = res.status;
  const line = `HTTP ${status}${res.statusText ? ` ${res.statusText}` : ''}`;
  if (RETRYABLE_4XX.has(status) || (status >= 500 && status <= 599 && !PERMANENT_5XX.has(status))) {
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
    const hint = retryAfterMs === undefined ? '' : ` (retry after ${Math.ceil(retryAfterMs / 1000)} s)`;
    return new RetryableError(`${what}: ${line}${hint}`, { status, retryAfterMs });
  }
  const hint = status === 401 || status === 403 ? ': the credentials were refused' : '';
  return new PermanentError(`${what}: ${line}${hint}`, { status });
}
