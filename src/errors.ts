/** The error codes a caller can act on; GraphQL puts them in `extensions.code`. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export interface FieldIssue {
  field: string;
  reason: string;
}

/** An error meant for the caller: its message is safe to show and its code says what to do about it. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** Bad input, with every offending field named; raised before anything is written. */
export class ValidationError extends DomainError {
  constructor(readonly issues: FieldIssue[]) {
    const first = issues[0];
    const message =
      issues.length === 1 && first
        ? `${first.field}: ${first.reason}`
        : `${issues.length} invalid fields: ${issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`;
    super('BAD_USER_INPUT', message, first?.field, { fields: issues });
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, field?: string) {
    super('NOT_FOUND', `${what} not found`, field);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, field?: string, details?: Record<string, unknown>) {
    super('CONFLICT', message, field, details);
    this.name = 'ConflictError';
  }
}
