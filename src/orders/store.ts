/**
 * Order-to-cash documents recorded directly (for systems without a connector) or by connectors: one write path,
 * one transaction per document with its lines, history row and outbox event. A document is keyed by its kind and
 * number; recording it again updates it (a new version) or, when nothing differs, changes nothing.
 */
import { decodeCursor, encodeCursor } from '../cursor';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Actor, actorLabel } from '../actor';
import { bulkInsert } from '../db/bulk';
import { mapDbError } from '../db/errors';
import { type Db, executePrepared, sqlArray } from '../db/pool';
import { canonicalDecimal, Dec, minorUnits, parseDecimal } from '../decimal';
import { DomainError, ValidationError } from '../errors';
import type { Tx } from '../master/codes';
import { cleanSourceRef, linkSourceRefs, type SourceRef } from '../master/crosswalk';
import { normaliseUnitCode } from '../master/fields';
import { recordChanges } from '../master/history';
import { normaliseCurrency, normaliseName, normaliseOptionalText } from '../master/normalise';
import { IssueList, parseDate } from '../validation';
import {
  cleanLinks,
  deleteLinks,
  type LinkInput,
  type LinkKind,
  type LinkRow,
  linksOf,
  replaceOutgoingLinks,
  type StoredLink,
  writeLinks,
} from './links';
import { documentLines, documents } from './tables';
// Derived status (status.ts): recomputed in every write's transaction.
import { linkTargetsOf, refreshOrderStatus } from './status';

export type DocumentKind =
  'quotation' | 'sales_order' | 'production_order' | 'purchase_order' | 'shipment' | 'invoice' | 'payment';
export type DocumentState = 'draft' | 'open' | 'on_hold' | 'done' | 'cancelled';

/** History and event names: salesOrder.created, purchaseOrder.updated, ... */
export const ENTITY_OF: Record<DocumentKind, string> = {
  quotation: 'quotation',
  sales_order: 'salesOrder',
  production_order: 'productionOrder',
  purchase_order: 'purchaseOrder',
  shipment: 'shipment',
  invoice: 'invoice',
  payment: 'payment',
};

/** What each kind must name: its party, an item, a currency, lines. */
const RULES: Record<
  DocumentKind,
  {
    party?: 'customer' | 'supplier';
    item?: boolean;
    currency?: boolean;
    lines: 'required' | 'optional' | 'none';
    prices?: boolean;
  }
> = {
  quotation: { party: 'customer', currency: true, lines: 'required', prices: true },
  sales_order: { party: 'customer', currency: true, lines: 'required', prices: true },
  production_order: { item: true, lines: 'optional' },
  purchase_order: { party: 'supplier', currency: true, lines: 'required', prices: true },
  shipment: { party: 'customer', lines: 'required' },
  invoice: { party: 'customer', currency: true, lines: 'required', prices: true },
  payment: { party: 'customer', currency: true, lines: 'none' },
};

export interface RefInput {
  id?: string | null;
  code?: string | null;
}

export interface DocumentLineInput {
  lineNo?: number | null;
  item: RefInput;
  description?: string | null;
  quantity: unknown;
  unit?: string | null;
  unitPrice?: unknown;
  amount?: unknown;
  receivedQuantity?: unknown;
  promisedDate?: string | null;
  /** The sales order line this line delivers (shipment), bills (invoice) or serves (purchase order). */
  salesOrder?: { number: string; lineNo: number } | null;
}

export interface DocumentInput {
  kind: DocumentKind;
  number: string;
  state?: DocumentState | null;
  customer?: RefInput | null;
  supplier?: RefInput | null;
  item?: RefInput | null;
  warehouse?: RefInput | null;
  quantity?: unknown;
  producedQuantity?: unknown;
  currency?: string | null;
  totalAmount?: unknown;
  documentDate: string;
  promisedDate?: string | null;
  dueDate?: string | null;
  creditNote?: boolean | null;
  subcontract?: boolean | null;
  carrier?: string | null;
  trackingNumber?: string | null;
  sourceRef?: SourceRef | null;
  lines?: DocumentLineInput[] | null;
  /** A production order: the sales order line it serves (for its whole quantity, or `quantity` of it). */
  salesOrder?: { number: string; lineNo: number; quantity?: unknown } | null;
  /** A sales order: the quotation it came from. */
  quotationNumber?: string | null;
  /** A payment: the invoices it pays, and how much of each. */
  allocations?: { invoiceNumber: string; amount: unknown }[] | null;
}

export interface DocumentRow {
  id: string;
  kind: DocumentKind;
  number: string;
  state: DocumentState;
  customerId: string | null;
  supplierId: string | null;
  itemId: string | null;
  warehouseId: string | null;
  quantity: string | null;
  producedQuantity: string | null;
  currency: string | null;
  totalAmount: string | null;
  documentDate: string;
  promisedDate: string | null;
  dueDate: string | null;
  creditNote: boolean;
  subcontract: boolean;
  carrier: string | null;
  trackingNumber: string | null;
  sourceSystem: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  createdBy: string;
  updatedBy: string;
}

export interface DocumentLineRow {
  id: string;
  documentId: string;
  lineNo: number;
  itemId: string;
  description: string | null;
  quantity: string;
  unit: string;
  unitPrice: string | null;
  amount: string | null;
  receivedQuantity: string | null;
  promisedDate: string | null;
  /** The document's currency, which the line's price and amount are in. */
  currency?: string | null;
}

export type RecordOutcome = 'created' | 'updated' | 'unchanged';

/** Exported for the derived-status lists (order-lists.ts), which read documents in the same statement. */
export const DOC_COLUMNS = sql.raw(`id::text, kind::text, number, state::text, customer_id::text AS "customerId",
  supplier_id::text AS "supplierId", item_id::text AS "itemId", warehouse_id::text AS "warehouseId",
  quantity::text, produced_quantity::text AS "producedQuantity", currency, total_amount::text AS "totalAmount",
  document_date AS "documentDate", promised_date AS "promisedDate", due_date AS "dueDate", credit_note AS "creditNote",
  subcontract, carrier, tracking_number AS "trackingNumber", source_system AS "sourceSystem", version,
  created_at AS "createdAt", updated_at AS "updatedAt", created_by AS "createdBy", updated_by AS "updatedBy"`);

const canon = canonicalDecimal;

export function reviveDocument(r: Record<string, unknown>): DocumentRow {
  const d = r as unknown as DocumentRow;
  for (const k of ['quantity', 'producedQuantity', 'totalAmount'] as const) d[k] = canon(d[k]);
  d.createdAt = documents.createdAt.mapFromDriverValue(r.createdAt as string) as Date;
  d.updatedAt = documents.updatedAt.mapFromDriverValue(r.updatedAt as string) as Date;
  return d;
}

export class DocumentStore {
  constructor(readonly db: Db) {}

  async byIds(ids: readonly string[], tx: Tx = this.db): Promise<DocumentRow[]> {
    const valid = ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
    if (valid.length === 0) return [];
    const res = await tx.execute(sql`SELECT ${DOC_COLUMNS} FROM documents WHERE id = ANY(${sqlArray(valid)}::uuid[])`);
    return (res.rows as Record<string, unknown>[]).map(reviveDocument);
  }

  async byNumber(kind: DocumentKind, number: string): Promise<DocumentRow | null> {
    const res = await executePrepared(
      this.db,
      sql`SELECT ${DOC_COLUMNS} FROM documents WHERE kind = ${kind}::document_kind AND number = ${number.trim()}`,
    );
    const row = res.rows[0] as Record<string, unknown> | undefined;
    return row ? reviveDocument(row) : null;
  }

  async linesOf(documentIds: readonly string[]): Promise<Map<string, DocumentLineRow[]>> {
    const out = new Map<string, DocumentLineRow[]>(documentIds.map((id) => [id, []]));
    if (documentIds.length === 0) return out;
    const res = await this.db.execute(sql`
      SELECT l.id::text, l.document_id::text AS "documentId", l.line_no AS "lineNo", l.item_id::text AS "itemId",
        l.description, l.quantity::text, l.unit, l.unit_price::text AS "unitPrice", l.amount::text,
        l.received_quantity::text AS "receivedQuantity", l.promised_date AS "promisedDate", d.currency
      FROM document_lines l JOIN documents d ON d.id = l.document_id
      WHERE l.document_id = ANY(${sqlArray(documentIds)}::uuid[]) ORDER BY l.document_id, l.line_no`);
    for (const r of res.rows as unknown as DocumentLineRow[]) {
      r.quantity = canon(r.quantity)!;
      r.unitPrice = canon(r.unitPrice);
      r.amount = canon(r.amount);
      r.receivedQuantity = canon(r.receivedQuantity);
      out.get(r.documentId)?.push(r);
    }
    return out;
  }

  /**
   * Records a document: validated first (every bad field named, nothing written), then created or updated by kind
   * and number in one transaction with its lines, history and event. Line amounts default to quantity × unit price
   * rounded half up to the currency's minor unit; given ones must equal it, and a given total must equal the lines'.
   */
  async record(
    input: DocumentInput,
    actor: Actor,
    reason?: string | null,
  ): Promise<{ document: DocumentRow; outcome: RecordOutcome }> {
    const issues = new IssueList();
    const kind = input.kind;
    const rule = RULES[kind];
    if (!rule) throw new ValidationError([{ field: 'input.kind', reason: `unknown document kind ${String(kind)}` }]);
    const number = issues.attempt(() => normaliseName(input.number, 'input.number', 100)) ?? '';
    const documentDate = issues.attempt(() => parseDate(input.documentDate, 'input.documentDate'));
    if (input.documentDate == null) issues.add('input.documentDate', 'is required');
    const promisedDate = issues.attempt(() => parseDate(input.promisedDate, 'input.promisedDate')) ?? null;
    const dueDate = issues.attempt(() => parseDate(input.dueDate, 'input.dueDate')) ?? null;
    const currency = issues.attempt(() => normaliseCurrency(input.currency, 'input.currency')) ?? null;
    if (rule.currency && !currency && input.currency == null)
      issues.add('input.currency', `a ${kind.replace('_', ' ')} needs a currency`);
    const decimal = (v: unknown, field: string, scale: number, sign: 'positive' | 'nonNegative' = 'nonNegative') =>
      v == null
        ? null
        : (issues.attempt(() => parseDecimal(v, field, { sign, maxScale: scale, maxIntegerDigits: 12 })) ?? null);
    const quantity = decimal(input.quantity, 'input.quantity', 6, 'positive');
    const producedQuantity = decimal(input.producedQuantity, 'input.producedQuantity', 6);
    const totalAmount = decimal(input.totalAmount, 'input.totalAmount', 4);
    if (kind === 'production_order' && quantity === null && input.quantity == null)
      issues.add('input.quantity', 'a production order needs a quantity');
    if (kind === 'payment' && totalAmount === null && input.totalAmount == null)
      issues.add('input.totalAmount', 'a payment needs an amount');
    const party = rule.party;
    const partyRef = party ? input[party] : null;
    if (party && !partyRef) issues.add(`input.${party}`, `a ${kind.replace('_', ' ')} needs a ${party}`);
    if (rule.item && !input.item) issues.add('input.item', 'a production order needs the item it makes');
    const carrier = issues.attempt(() => normaliseOptionalText(input.carrier, 'input.carrier', 200)) ?? null;
    const trackingNumber =
      issues.attempt(() => normaliseOptionalText(input.trackingNumber, 'input.trackingNumber', 200)) ?? null;
    const lines = input.lines ?? [];
    if (rule.lines === 'required' && lines.length === 0)
      issues.add('input.lines', `a ${kind.replace('_', ' ')} needs at least one line`);
    if (rule.lines === 'none' && lines.length > 0) issues.add('input.lines', `a ${kind} has no lines`);
    const seen = new Set<number>();
    const cleanLines = lines.map((l, i) => {
      const f = `input.lines.${i}`;
      const lineNo = l.lineNo ?? i + 1;
      if (!Number.isInteger(lineNo) || lineNo < 1) issues.add(`${f}.lineNo`, 'must be a whole number from 1');
      else if (seen.has(lineNo)) issues.add(`${f}.lineNo`, `line ${lineNo} is given twice`);
      seen.add(lineNo);
      if (!l.item || (l.item.id == null) === (l.item.code == null))
        issues.add(`${f}.item`, 'give exactly one of itemId or itemCode');
      const q = decimal(l.quantity, `${f}.quantity`, 6, 'positive');
      if (l.quantity == null) issues.add(`${f}.quantity`, 'is required');
      const unitPrice = decimal(l.unitPrice, `${f}.unitPrice`, 6);
      if (rule.prices && unitPrice === null && l.unitPrice == null) issues.add(`${f}.unitPrice`, 'is required');
      let amount = decimal(l.amount, `${f}.amount`, 4);
      if (q !== null && unitPrice !== null && currency) {
        const expected = new Dec(q).mul(unitPrice).toDecimalPlaces(minorUnits(currency), Dec.ROUND_HALF_UP).toFixed();
        if (amount !== null && !new Dec(amount).eq(expected))
          issues.add(`${f}.amount`, `is ${amount} but quantity × unit price is ${expected}`);
        amount = expected;
      }
      return {
        lineNo,
        itemRef: l.item,
        description: issues.attempt(() => normaliseOptionalText(l.description, `${f}.description`, 1000)) ?? null,
        quantity: q ?? '0',
        unit: l.unit == null ? null : (issues.attempt(() => normaliseUnitCode(l.unit!, `${f}.unit`)) ?? null),
        unitPrice,
        amount,
        receivedQuantity: decimal(l.receivedQuantity, `${f}.receivedQuantity`, 6),
        promisedDate: issues.attempt(() => parseDate(l.promisedDate, `${f}.promisedDate`)) ?? null,
        field: f,
      };
    });
    let total = totalAmount;
    if (cleanLines.length && cleanLines.every((l) => l.amount !== null)) {
      const sum = cleanLines.reduce((a, l) => a.plus(l.amount!), new Dec(0)).toFixed();
      if (totalAmount !== null && !new Dec(totalAmount).eq(sum))
        issues.add('input.totalAmount', `is ${totalAmount} but the lines add up to ${sum}`);
      total = sum;
    }
    const links = this.linksFrom(kind, number, input, cleanLines, quantity, issues);
    const sourceRef = input.sourceRef ? cleanSourceRef(input.sourceRef) : null;
    issues.throwIfAny();

    try {
      return await this.db.transaction(async (tx) => {
        const refs = await this.resolveRefs(tx, {
          customer: input.customer ?? null,
          supplier: input.supplier ?? null,
          item: input.item ?? null,
          warehouse: input.warehouse ?? null,
          lineItems: cleanLines.map((l) => l.itemRef),
        });
        const missing = new IssueList();
        const one = (
          what: 'customer' | 'supplier' | 'item' | 'warehouse',
          ref: RefInput | null | undefined,
          field: string,
        ) => {
          if (!ref) return null;
          const id = refs.get(`${what}:${ref.id ? ref.id.toLowerCase() : refCode(ref)}`);
          if (!id) missing.add(field, `no ${what} ${ref.id ?? ref.code}`);
          return id ?? null;
        };
        const customerId = one('customer', input.customer, 'input.customer');
        const supplierId = one('supplier', input.supplier, 'input.supplier');
        const itemId = one('item', input.item, 'input.item');
        const warehouseId = one('warehouse', input.warehouse, 'input.warehouse');
        const lineItems = cleanLines.map((l) => one('item', l.itemRef, `${l.field}.item`));
        missing.throwIfAny();
        const baseUnits = refs.baseUnits;

        const existingRes = await tx.execute(
          sql`SELECT ${DOC_COLUMNS} FROM documents WHERE kind = ${kind}::document_kind AND number = ${number} FOR UPDATE`,
        );
        const existing = existingRes.rows[0] ? reviveDocument(existingRes.rows[0] as Record<string, unknown>) : null;
        const now = new Date();
        const row: DocumentRow = {
          id: existing?.id ?? randomUUID(),
          kind,
          number,
          state: input.state ?? existing?.state ?? 'open',
          customerId,
          supplierId,
          itemId,
          warehouseId,
          quantity,
          producedQuantity,
          currency,
          totalAmount: total,
          documentDate: documentDate!,
          promisedDate,
          dueDate,
          creditNote: input.creditNote ?? false,
          subcontract: input.subcontract ?? false,
          carrier,
          trackingNumber,
          sourceSystem: sourceRef?.system ?? existing?.sourceSystem ?? null,
          version: (existing?.version ?? 0) + 1,
          createdAt: existing?.createdAt ?? now,
          updatedAt: now,
          createdBy: existing?.createdBy ?? actorLabel(actor),
          updatedBy: actorLabel(actor),
        };
        const lineRows: DocumentLineRow[] = cleanLines.map((l, i) => ({
          id: randomUUID(),
          documentId: row.id,
          lineNo: l.lineNo,
          itemId: lineItems[i]!,
          description: l.description,
          quantity: l.quantity,
          unit: l.unit ?? baseUnits.get(lineItems[i]!) ?? 'pcs',
          unitPrice: l.unitPrice,
          amount: l.amount,
          receivedQuantity: l.receivedQuantity,
          promisedDate: l.promisedDate,
        }));
        let outcome: RecordOutcome = existing ? 'updated' : 'created';
        if (existing) {
          const oldLines = (await this.linesIn(tx, existing.id)).map(lineKey);
          const same =
            sameDocument(existing, row) &&
            oldLines.length === lineRows.length &&
            lineRows.map(lineKey).every((k, i) => k === oldLines[i]);
          const oldLinks = (await linksOf(tx, [{ kind, number }]))
            .filter((l) => l.fromKind === kind && l.fromNumber === number && l.statedByDocument)
            .map(linkKey)
            .sort();
          const newLinks = links.map(linkKey).sort();
          if (same && oldLinks.length === newLinks.length && oldLinks.every((k, i) => k === newLinks[i]))
            return { document: existing, outcome: 'unchanged' as const };
          await tx.execute(sql`DELETE FROM document_lines WHERE document_id = ${existing.id}::uuid`);
          outcome = 'updated';
        }
        await bulkInsert(tx, documents, [row as unknown as Record<string, unknown>], {
          onConflict: { target: ['id'], keep: ['createdAt', 'createdBy'] },
        });
        await bulkInsert(tx, documentLines, lineRows as unknown as Record<string, unknown>[]);
        // Derived status: the orders and invoices this document's old links pointed at are recomputed too.
        const formerTargets = existing ? await linkTargetsOf(tx, [{ kind, number }]) : [];
        await replaceOutgoingLinks(tx, { kind, number }, links, actor);
        await refreshOrderStatus(tx, [{ kind, number }, ...formerTargets]);
        if (sourceRef)
          await linkSourceRefs(tx, ENTITY_OF[kind], [{ ref: sourceRef, goldenId: row.id, field: 'input.sourceRef' }]);
        await recordChanges(
          tx,
          [
            {
              entity: ENTITY_OF[kind],
              row: { ...row, code: row.number, lines: lineRows } as never,
              operation: outcome === 'created' ? 'created' : 'updated',
              changed: [],
            },
          ],
          actor,
          reason,
        );
        return { document: row, outcome };
      });
    } catch (e) {
      if (e instanceof DomainError) throw e;
      throw mapDbError(e, 'input.');
    }
  }

  /** The links a document states itself, from its lines' sales order references, allocations and the like. */
  private linksFrom(
    kind: DocumentKind,
    number: string,
    input: DocumentInput,
    lines: { lineNo: number; quantity: string; field: string }[],
    quantity: string | null,
    issues: IssueList,
  ): LinkRow[] {
    const out: LinkInput[] = [];
    const fields: string[] = [];
    const lineLink: Partial<Record<DocumentKind, LinkKind>> = {
      shipment: 'delivers',
      invoice: 'bills',
      purchase_order: 'serves',
    };
    (input.lines ?? []).forEach((l, i) => {
      if (!l.salesOrder) return;
      const linkKind = lineLink[kind];
      if (!linkKind)
        return issues.add(
          `input.lines.${i}.salesOrder`,
          `a ${kind.replace('_', ' ')} line does not refer to a sales order`,
        );
      out.push({
        kind: linkKind,
        from: { kind, number, lineNo: lines[i]!.lineNo },
        to: { kind: 'sales_order', number: l.salesOrder.number, lineNo: l.salesOrder.lineNo },
        quantity: lines[i]!.quantity,
      });
      fields.push(`input.lines.${i}.salesOrder`);
    });
    if (input.salesOrder) {
      if (kind !== 'production_order')
        issues.add('input.salesOrder', 'only a production order serves a sales order as a whole; give it per line');
      else {
        out.push({
          kind: 'serves',
          from: { kind, number },
          to: { kind: 'sales_order', number: input.salesOrder.number, lineNo: input.salesOrder.lineNo },
          quantity: input.salesOrder.quantity ?? quantity,
        });
        fields.push('input.salesOrder');
      }
    }
    if (input.quotationNumber != null) {
      if (kind !== 'sales_order') issues.add('input.quotationNumber', 'only a sales order comes from a quotation');
      else {
        out.push({ kind: 'quotes', from: { kind, number }, to: { kind: 'quotation', number: input.quotationNumber } });
        fields.push('input.quotationNumber');
      }
    }
    (input.allocations ?? []).forEach((a, i) => {
      if (kind !== 'payment') return issues.add(`input.allocations.${i}`, 'only a payment is allocated to invoices');
      out.push({
        kind: 'pays',
        from: { kind, number },
        to: { kind: 'invoice', number: a.invoiceNumber },
        amount: a.amount,
      });
      fields.push(`input.allocations.${i}`);
    });
    return cleanLinks(out, (i) => fields[i]!, issues);
  }

  private async linesIn(tx: Tx, documentId: string): Promise<DocumentLineRow[]> {
    const res = await tx.execute(sql`
      SELECT line_no AS "lineNo", item_id::text AS "itemId", description, quantity::text, unit,
        unit_price::text AS "unitPrice", amount::text, received_quantity::text AS "receivedQuantity",
        promised_date AS "promisedDate"
      FROM document_lines WHERE document_id = ${documentId}::uuid ORDER BY line_no`);
    return (res.rows as unknown as DocumentLineRow[]).map((r) => ({
      ...r,
      quantity: canon(r.quantity)!,
      unitPrice: canon(r.unitPrice),
      amount: canon(r.amount),
      receivedQuantity: canon(r.receivedQuantity),
    }));
  }

  /** Parties, items and warehouses named by id or code, in one statement; also the items' base units. */
  private async resolveRefs(
    tx: Tx,
    r: {
      customer: RefInput | null;
      supplier: RefInput | null;
      item: RefInput | null;
      warehouse: RefInput | null;
      lineItems: RefInput[];
    },
  ): Promise<Map<string, string> & { baseUnits: Map<string, string> }> {
    const wanted: { kind: string; id: string | null; code: string | null }[] = [];
    const add = (kind: string, ref: RefInput | null) => {
      if (ref) wanted.push({ kind, id: ref.id?.toLowerCase() ?? null, code: ref.id ? null : refCode(ref) });
    };
    add('customer', r.customer);
    add('supplier', r.supplier);
    add('item', r.item);
    add('warehouse', r.warehouse);
    for (const l of r.lineItems) add('item', l);
    const ids = wanted.filter((w) => w.id && /^[0-9a-f-]{36}$/i.test(w.id));
    const codes = wanted.filter((w) => w.code);
    const res = await tx.execute(sql`
      WITH w AS (SELECT * FROM jsonb_to_recordset(${JSON.stringify([...ids, ...codes])}::jsonb)
        AS w(kind text, id uuid, code text))
      SELECT w.kind, coalesce(w.id::text, w.code) AS key, x.id::text AS id, x.base_unit FROM w
      CROSS JOIN LATERAL (
        SELECT c.id, NULL AS base_unit FROM customers c WHERE w.kind = 'customer' AND (c.id = w.id OR c.code = w.code)
        UNION ALL SELECT s.id, NULL FROM suppliers s WHERE w.kind = 'supplier' AND (s.id = w.id OR s.code = w.code)
        UNION ALL SELECT i.id, i.base_unit FROM items i WHERE w.kind = 'item' AND (i.id = w.id OR i.code = w.code)
        UNION ALL SELECT h.id, NULL FROM warehouses h WHERE w.kind = 'warehouse' AND (h.id = w.id OR h.code = w.code)
        LIMIT 1
      ) x`);
    const out = new Map<string, string>() as Map<string, string> & { baseUnits: Map<string, string> };
    out.baseUnits = new Map();
    for (const row of res.rows as { kind: string; key: string; id: string; base_unit: string | null }[]) {
      out.set(`${row.kind}:${row.key}`, row.id);
      if (row.base_unit) out.baseUnits.set(row.id, row.base_unit);
    }
    return out;
  }

  /** Adds links (or changes their quantity or amount) in one transaction; returns them as stored. */
  async link(inputs: LinkInput[], actor: Actor): Promise<StoredLink[]> {
    const issues = new IssueList();
    const links = cleanLinks(inputs, 'links.', issues);
    issues.throwIfAny();
    return this.db.transaction(async (tx) => {
      await writeLinks(tx, links, actor);
      await refreshOrderStatus(tx, linkEnds(links)); // derived status
      const keys = new Set(links.map(linkIdentity));
      const docs = [
        ...new Map(
          links.map((l) => [`${l.fromKind}|${l.fromNumber}`, { kind: l.fromKind, number: l.fromNumber }]),
        ).values(),
      ];
      return (await linksOf(tx, docs)).filter((l) => keys.has(linkIdentity(l)));
    });
  }

  /** Removes links; returns how many there were. */
  async unlink(inputs: LinkInput[]): Promise<number> {
    const issues = new IssueList();
    const links = cleanLinks(
      inputs.map((l) => ({ ...l, quantity: l.quantity ?? '1', amount: l.amount ?? '1' })),
      'links.',
      issues,
    );
    issues.throwIfAny();
    return this.db.transaction(async (tx) => {
      const removed = await deleteLinks(tx, links);
      await refreshOrderStatus(tx, linkEnds(links)); // derived status
      return removed;
    });
  }

  /** Documents by kind and number, in one statement. */
  async byNumbers(keys: readonly { kind: DocumentKind; number: string }[]): Promise<DocumentRow[]> {
    if (keys.length === 0) return [];
    const res = await this.db.execute(sql`
      SELECT ${DOC_COLUMNS} FROM documents WHERE (kind, number) IN (
        SELECT * FROM unnest(${sqlArray(keys.map((k) => k.kind))}::document_kind[], ${sqlArray(keys.map((k) => k.number))}::text[]))`);
    return (res.rows as Record<string, unknown>[]).map(reviveDocument);
  }

  /** A page of documents of one kind, newest first. */
  async list(args: {
    kind: DocumentKind;
    customerId?: string | null;
    supplierId?: string | null;
    first?: number | null;
    after?: string | null;
  }): Promise<{ rows: DocumentRow[]; hasNextPage: boolean }> {
    const first = Math.min(Math.max(args.first ?? 50, 1), 500);
    const after = decodeCursor<{ d: string; id: string }>(args.after, ['d', 'id']);
    const res = await this.db.execute(sql`
      SELECT ${DOC_COLUMNS} FROM documents
      WHERE kind = ${args.kind}::document_kind
        AND (${args.customerId ?? null}::uuid IS NULL OR customer_id = ${args.customerId ?? null}::uuid)
        AND (${args.supplierId ?? null}::uuid IS NULL OR supplier_id = ${args.supplierId ?? null}::uuid)
        AND (${after?.d ?? null}::date IS NULL OR (document_date, id) < (${after?.d ?? null}::date, ${after?.id ?? null}::uuid))
      ORDER BY document_date DESC, id DESC LIMIT ${first + 1}`);
    const rows = (res.rows as Record<string, unknown>[]).map(reviveDocument);
    return { rows: rows.slice(0, first), hasNextPage: rows.length > first };
  }

  static cursorOf(row: DocumentRow): string {
    return encodeCursor({ d: row.documentDate, id: row.id });
  }

  /** The document a source ref points at, through the crosswalk. */
  async bySourceRef(kind: DocumentKind, ref: SourceRef): Promise<DocumentRow | null> {
    const r = cleanSourceRef(ref);
    const res = await this.db.execute(sql`
      SELECT ${DOC_COLUMNS} FROM documents WHERE id = (
        SELECT golden_id FROM crosswalk WHERE system = ${r.system} AND entity = ${ENTITY_OF[kind]} AND external_id = ${r.externalId}
      )`);
    const row = res.rows[0] as Record<string, unknown> | undefined;
    if (!row) return null;
    return reviveDocument(row);
  }

  async require(kind: DocumentKind, key: { id?: string | null; number?: string | null; sourceRef?: SourceRef | null }) {
    const given = [key.id, key.number, key.sourceRef].filter((v) => v != null).length;
    if (given !== 1)
      throw new ValidationError([{ field: 'id', reason: 'give exactly one of id, number or sourceRef' }]);
    const row = key.id
      ? ((await this.byIds([key.id]))[0] ?? null)
      : key.number
        ? await this.byNumber(kind, key.number)
        : await this.bySourceRef(kind, key.sourceRef!);
    if (row && row.kind !== kind) return null;
    return row;
  }
}

/** Codes are compared as the hub stores them: trimmed and upper-cased. */
const refCode = (ref: RefInput): string | null => ref.code?.trim().toUpperCase() ?? null;

function sameDocument(a: DocumentRow, b: DocumentRow): boolean {
  const keys: (keyof DocumentRow)[] = [
    'state',
    'customerId',
    'supplierId',
    'itemId',
    'warehouseId',
    'quantity',
    'producedQuantity',
    'currency',
    'totalAmount',
    'documentDate',
    'promisedDate',
    'dueDate',
    'creditNote',
    'subcontract',
    'carrier',
    'trackingNumber',
  ];
  return keys.every(
    (k) =>
      (a[k] ?? null) === (b[k] ?? null) ||
      (typeof a[k] === 'string' && typeof b[k] === 'string' && canonEq(a[k] as string, b[k] as string)),
  );
}

function canonEq(a: string, b: string): boolean {
  return /^-?\d+(\.\d+)?$/.test(a) && /^-?\d+(\.\d+)?$/.test(b) && new Dec(a).eq(b);
}

/** Both ends of links, for the derived status's recompute. */
function linkEnds(links: readonly LinkRow[]): { kind: DocumentKind; number: string }[] {
  return links.flatMap((l) => [
    { kind: l.fromKind, number: l.fromNumber },
    { kind: l.toKind, number: l.toNumber },
  ]);
}

function linkIdentity(l: LinkRow): string {
  return JSON.stringify([l.kind, l.fromKind, l.fromNumber, l.fromLineNo, l.toKind, l.toNumber, l.toLineNo]);
}

function linkKey(l: LinkRow): string {
  const n = (v: string | null) => (v === null ? null : new Dec(v).toFixed());
  return JSON.stringify([l.kind, l.fromLineNo, l.toKind, l.toNumber, l.toLineNo, n(l.quantity), n(l.amount)]);
}

function lineKey(l: Omit<DocumentLineRow, 'id' | 'documentId'>): string {
  const n = (v: string | null) => (v === null ? null : new Dec(v).toFixed());
  return JSON.stringify([
    l.lineNo,
    l.itemId,
    l.description,
    n(l.quantity),
    l.unit,
    n(l.unitPrice),
    n(l.amount),
    n(l.receivedQuantity),
    l.promisedDate,
  ]);
}
