/**
 * Links between order-to-cash documents, by kind, number and line number on both ends (see tables.ts), so they can
 * arrive before the documents they join. This module checks a link's shape and writes links set-based.
 */
import { sql } from 'drizzle-orm';
import { type Actor, actorLabel } from '../actor';
import { bulkInsert } from '../db/bulk';
import { sqlArray } from '../db/pool';
import { canonicalDecimal, parseDecimal } from '../decimal';
import type { Tx } from '../master/codes';
import { normaliseName } from '../master/normalise';
import type { IssueList } from '../validation';
import type { DocumentKind } from './store';
import { documentLinks } from './tables';

export type LinkKind = 'delivers' | 'bills' | 'serves' | 'pays' | 'quotes';

/** Which documents each kind of link joins, whether each end is a line, and what it carries. */
export const LINK_RULES: Record<
  LinkKind,
  { from: DocumentKind[]; fromLine: boolean; to: DocumentKind; toLine: boolean; carries: 'quantity' | 'amount' | null }
> = {
  delivers: { from: ['shipment'], fromLine: true, to: 'sales_order', toLine: true, carries: 'quantity' },
  bills: { from: ['invoice'], fromLine: true, to: 'sales_order', toLine: true, carries: 'quantity' },
  serves: {
    from: ['production_order', 'purchase_order'],
    fromLine: true,
    to: 'sales_order',
    toLine: true,
    carries: 'quantity',
  },
  pays: { from: ['payment'], fromLine: false, to: 'invoice', toLine: false, carries: 'amount' },
  quotes: { from: ['sales_order'], fromLine: false, to: 'quotation', toLine: false, carries: null },
};

export interface DocumentEnd {
  kind: DocumentKind;
  number: string;
  /** 0 or absent: the document as a whole. */
  lineNo?: number | null;
}

export interface LinkInput {
  kind: LinkKind;
  from: DocumentEnd;
  to: DocumentEnd;
  quantity?: unknown;
  amount?: unknown;
}

export interface LinkRow {
  kind: LinkKind;
  fromKind: DocumentKind;
  fromNumber: string;
  fromLineNo: number;
  toKind: DocumentKind;
  toNumber: string;
  toLineNo: number;
  quantity: string | null;
  amount: string | null;
}

/**
 * Checks links against LINK_RULES, naming fields under `prefix` ('links.2.to.lineNo'). A production order serves
 * as a whole (line 0); every other line end needs a line number.
 */
export function cleanLinks(
  inputs: readonly LinkInput[],
  fieldOf: string | ((i: number) => string),
  issues: IssueList,
): LinkRow[] {
  return inputs
    .map((l, i) => {
      const f = typeof fieldOf === 'string' ? `${fieldOf}${i}` : fieldOf(i);
      const rule = LINK_RULES[l.kind];
      if (!rule) {
        issues.add(`${f}.kind`, `unknown link kind ${String(l.kind)}`);
        return null;
      }
      if (!rule.from.includes(l.from?.kind))
        issues.add(`${f}.from.kind`, `a ${l.kind} link starts at a ${rule.from.join(' or ')}`);
      if (l.to?.kind !== rule.to) issues.add(`${f}.to.kind`, `a ${l.kind} link ends at a ${rule.to}`);
      const number = (end: DocumentEnd | undefined, field: string) =>
        issues.attempt(() => normaliseName(end?.number as string, `${field}.number`, 100)) ?? '';
      const lineNo = (end: DocumentEnd | undefined, wanted: boolean, field: string) => {
        const n = end?.lineNo ?? 0;
        if (!Number.isInteger(n) || n < 0) issues.add(`${field}.lineNo`, 'must be a whole number from 0');
        else if (wanted && n === 0) issues.add(`${field}.lineNo`, `a ${l.kind} link joins lines: give the line number`);
        else if (!wanted && n !== 0) issues.add(`${field}.lineNo`, `a ${l.kind} link joins whole documents`);
        return n;
      };
      const fromLine = rule.fromLine && l.from?.kind !== 'production_order';
      const quantity =
        rule.carries === 'quantity'
          ? (issues.attempt(() =>
              parseDecimal(l.quantity, `${f}.quantity`, { sign: 'positive', maxScale: 6, maxIntegerDigits: 12 }),
            ) ?? null)
          : null;
      const amount =
        rule.carries === 'amount'
          ? (issues.attempt(() =>
              parseDecimal(l.amount, `${f}.amount`, { sign: 'positive', maxScale: 4, maxIntegerDigits: 14 }),
            ) ?? null)
          : null;
      return {
        kind: l.kind,
        fromKind: l.from?.kind,
        fromNumber: number(l.from, `${f}.from`),
        fromLineNo: lineNo(l.from, fromLine, `${f}.from`),
        toKind: l.to?.kind,
        toNumber: number(l.to, `${f}.to`),
        toLineNo: lineNo(l.to, rule.toLine, `${f}.to`),
        quantity,
        amount,
      };
    })
    .filter((l): l is LinkRow => l !== null);
}

/** Inserts links, or updates the quantity or amount of ones that exist (one statement). */
export async function writeLinks(
  tx: Tx,
  links: readonly LinkRow[],
  actor: Actor,
  statedByDocument = false,
): Promise<void> {
  if (links.length === 0) return;
  await bulkInsert(
    tx,
    documentLinks,
    links.map((l) => ({ ...l, statedByDocument, createdBy: actorLabel(actor) })),
    {
      onConflict: {
        target: ['kind', 'fromKind', 'fromNumber', 'fromLineNo', 'toKind', 'toNumber', 'toLineNo'],
        keep: ['createdAt', 'createdBy'],
      },
    },
  );
}

/**
 * A document recorded again states its own links anew: those it stated before and no longer gives go. Links
 * recorded on their own (by another system, through linkDocuments) are not the document's to remove.
 */
export async function replaceOutgoingLinks(
  tx: Tx,
  from: { kind: DocumentKind; number: string },
  links: readonly LinkRow[],
  actor: Actor,
): Promise<void> {
  await tx.execute(sql`
    DELETE FROM document_links
    WHERE from_kind = ${from.kind}::document_kind AND from_number = ${from.number} AND stated_by_document`);
  await writeLinks(tx, links, actor, true);
}

/** Removes links; returns how many there were. */
export async function deleteLinks(tx: Tx, links: readonly LinkRow[]): Promise<number> {
  if (links.length === 0) return 0;
  const json = JSON.stringify(links);
  const res = await tx.execute(sql`
    DELETE FROM document_links d USING jsonb_to_recordset(${json}::jsonb) AS x(kind text, "fromKind" text,
      "fromNumber" text, "fromLineNo" int, "toKind" text, "toNumber" text, "toLineNo" int)
    WHERE d.kind::text = x.kind AND d.from_kind::text = x."fromKind" AND d.from_number = x."fromNumber"
      AND d.from_line_no = x."fromLineNo" AND d.to_kind::text = x."toKind" AND d.to_number = x."toNumber"
      AND d.to_line_no = x."toLineNo"
    RETURNING d.id`);
  return res.rows.length;
}

export interface StoredLink extends LinkRow {
  id: number;
  statedByDocument: boolean;
  createdAt: Date;
  createdBy: string;
}

/** The links from or to the given documents (by kind and number), in one statement. */
export async function linksOf(tx: Tx, docs: readonly { kind: DocumentKind; number: string }[]): Promise<StoredLink[]> {
  if (docs.length === 0) return [];
  const kinds = sqlArray(docs.map((d) => d.kind));
  const numbers = sqlArray(docs.map((d) => d.number));
  const cols = sql`id, kind::text, from_kind::text AS "fromKind", from_number AS "fromNumber", from_line_no AS "fromLineNo",
      to_kind::text AS "toKind", to_number AS "toNumber", to_line_no AS "toLineNo", quantity::text, amount::text,
      stated_by_document AS "statedByDocument", created_at AS "createdAt", created_by AS "createdBy"`;
  // Two index probes per document (from and to), united; an OR over both would read the whole table.
  const res = await tx.execute(sql`
    WITH d AS (SELECT * FROM unnest(${kinds}::document_kind[], ${numbers}::text[]) AS d(kind, number))
    SELECT ${cols} FROM document_links l WHERE (l.from_kind, l.from_number) IN (SELECT kind, number FROM d)
    UNION
    SELECT ${cols} FROM document_links l WHERE (l.to_kind, l.to_number) IN (SELECT kind, number FROM d)
    ORDER BY id`);
  const rows = res.rows as unknown as StoredLink[];
  for (const r of rows) {
    r.quantity = canonicalDecimal(r.quantity);
    r.amount = canonicalDecimal(r.amount);
  }
  return rows;
}
