/**
 * Input checks shared by the modules that take structured documents (BOMs, order-to-cash documents): collecting
 * every field's problem before refusing, and calendar dates.
 */
import { type FieldIssue, ValidationError } from './errors';
import { FieldError } from './master/normalise';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date as YYYY-MM-DD, or null; refuses dates that do not exist (2026-02-30). */
export function parseDate(value: unknown, field: string): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') throw new FieldError(field, 'must be a date as YYYY-MM-DD');
  const m = DATE.exec(value.trim());
  if (!m) throw new FieldError(field, `'${value}' is not a date as YYYY-MM-DD`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) {
    throw new FieldError(field, `'${value}' is not a calendar date`);
  }
  return m[0];
}

/** Collects field errors so one call reports every bad field at once. */
export class IssueList {
  readonly issues: FieldIssue[] = [];

  attempt<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      if (e instanceof FieldError) this.issues.push({ field: e.field, reason: e.reason });
      else throw e;
      return undefined;
    }
  }

  add(field: string, reason: string): void {
    this.issues.push({ field, reason });
  }

  throwIfAny(): void {
    if (this.issues.length) throw new ValidationError(this.issues);
  }
}
