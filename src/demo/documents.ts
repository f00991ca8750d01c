/**
 * The demo's BOMs, stock and one sales order followed through production, delivery, invoicing and payment, so that
 * a first look at the BOM engine and the order-to-cash view has something to show. Loaded through the same services
 * as the API (validated, versioned, with history and events), after the master data of ./seed.ts; running it again
 * changes nothing.
 */
import type { Actor } from '../actor';
import type { BomService } from '../bom/service';
import type { DocumentInput, DocumentStore } from '../orders/store';
import type { StockService } from '../orders/stock';

const actor: Actor = { kind: 'system', id: 'demo' };

type Line = { c: string; q: string; unit?: string; scrap?: string };

/** Parent item → its lines (component codes); phantoms (ITEM-000057 to 061) pass their lines through. */
const BOMS: Record<string, Line[]> = {
  // Machined casing and impeller from their castings, with machining scrap.
  'ITEM-000053': [{ c: 'ITEM-000004', q: '1', scrap: '2' }],
  'ITEM-000054': [{ c: 'ITEM-000006', q: '1', scrap: '3' }],
  'ITEM-000057': [
    { c: 'ITEM-000009', q: '2' },
    { c: 'ITEM-000008', q: '1' },
    { c: 'ITEM-000016', q: '1' },
  ],
  'ITEM-000059': [
    { c: 'ITEM-000017', q: '8' },
    { c: 'ITEM-000018', q: '8' },
    { c: 'ITEM-000015', q: '2' },
  ],
  'ITEM-000061': [
    { c: 'ITEM-000030', q: '1' },
    { c: 'ITEM-000031', q: '0.25' },
    { c: 'ITEM-000032', q: '300', unit: 'g' },
  ],
  'ITEM-000050': [
    { c: 'ITEM-000053', q: '1' },
    { c: 'ITEM-000054', q: '1' },
    { c: 'ITEM-000037', q: '1' },
    { c: 'ITEM-000012', q: '1' },
    { c: 'ITEM-000014', q: '2' },
    { c: 'ITEM-000057', q: '1' },
    { c: 'ITEM-000033', q: '150', unit: 'g', scrap: '10' },
    { c: 'ITEM-000035', q: '1' },
  ],
  'ITEM-000058': [
    { c: 'ITEM-000025', q: '1' },
    { c: 'ITEM-000026', q: '2' },
  ],
  'ITEM-000047': [
    { c: 'ITEM-000024', q: '1' },
    { c: 'ITEM-000058', q: '1' },
    { c: 'ITEM-000041', q: '1' },
    { c: 'ITEM-000028', q: '1' },
    { c: 'ITEM-000029', q: '2' },
    { c: 'ITEM-000036', q: '200', unit: 'mm' },
  ],
  'ITEM-000043': [
    { c: 'ITEM-000050', q: '1' },
    { c: 'ITEM-000022', q: '1' },
    { c: 'ITEM-000047', q: '1' },
    { c: 'ITEM-000059', q: '1' },
    { c: 'ITEM-000019', q: '2.5' },
    { c: 'ITEM-000061', q: '1' },
  ],
};

const STOCK = [
  { itemCode: 'ITEM-000004', warehouseCode: 'WH-001', onHand: '12', reserved: '4' },
  { itemCode: 'ITEM-000006', warehouseCode: 'WH-001', onHand: '30', inTransit: '20' },
  { itemCode: 'ITEM-000022', warehouseCode: 'WH-001', onHand: '3' },
  { itemCode: 'ITEM-000009', warehouseCode: 'WH-001', onHand: '480', reserved: '40' },
  { itemCode: 'ITEM-000043', warehouseCode: 'WH-001', onHand: '2' },
  { itemCode: 'ITEM-000043', warehouseCode: 'WH-002', onHand: '5', reserved: '5' },
];

const DOCUMENTS: DocumentInput[] = [
  {
    kind: 'sales_order',
    number: 'SO-DEMO-1001',
    customer: { code: 'CUST-000001' },
    currency: 'EUR',
    documentDate: '2026-11-02',
    promisedDate: '2026-12-04',
    lines: [
      { item: { code: 'ITEM-000043' }, quantity: '4', unitPrice: '2480' },
      { item: { code: 'ITEM-000052' }, quantity: '10', unitPrice: '64.5' },
    ],
  },
  {
    kind: 'production_order',
    number: 'MO-DEMO-501',
    item: { code: 'ITEM-000043' },
    quantity: '4',
    producedQuantity: '2',
    documentDate: '2026-11-04',
    promisedDate: '2026-12-10',
    salesOrder: { number: 'SO-DEMO-1001', lineNo: 1 },
  },
  {
    kind: 'shipment',
    number: 'SH-DEMO-7001',
    customer: { code: 'CUST-000001' },
    documentDate: '2026-11-20',
    carrier: 'DB Schenker',
    trackingNumber: 'DBS-4471-0093',
    lines: [
      { item: { code: 'ITEM-000043' }, quantity: '2', salesOrder: { number: 'SO-DEMO-1001', lineNo: 1 } },
      { item: { code: 'ITEM-000052' }, quantity: '10', salesOrder: { number: 'SO-DEMO-1001', lineNo: 2 } },
    ],
  },
  {
    kind: 'invoice',
    number: 'INV-DEMO-9001',
    customer: { code: 'CUST-000001' },
    currency: 'EUR',
    documentDate: '2026-11-21',
    dueDate: '2026-12-21',
    lines: [
      {
        item: { code: 'ITEM-000043' },
        quantity: '2',
        unitPrice: '2480',
        salesOrder: { number: 'SO-DEMO-1001', lineNo: 1 },
      },
      {
        item: { code: 'ITEM-000052' },
        quantity: '10',
        unitPrice: '64.5',
        salesOrder: { number: 'SO-DEMO-1001', lineNo: 2 },
      },
    ],
  },
  {
    kind: 'payment',
    number: 'PAY-DEMO-3001',
    customer: { code: 'CUST-000001' },
    currency: 'EUR',
    totalAmount: '3000',
    documentDate: '2026-12-01',
    allocations: [{ invoiceNumber: 'INV-DEMO-9001', amount: '3000' }],
  },
];

/** Loads the demo BOMs (for items that have none yet), stock levels and the order chain. */
export async function seedDemoDocuments(services: {
  bom: BomService;
  orders: DocumentStore;
  stock: StockService;
}): Promise<Record<string, number>> {
  const parents = await Promise.all(Object.keys(BOMS).map((code) => services.bom.item({ itemCode: code })));
  const existing = new Set((await services.bom.store.byItems(parents.map((p) => p.id))).map((b) => b.itemId));
  let boms = 0;
  // Components first (the phantoms and sub-assemblies are listed before the products that use them).
  for (const [i, [code, lines]] of Object.entries(BOMS).entries()) {
    if (existing.has(parents[i]!.id)) continue;
    await services.bom.store.create(
      {
        item: { code },
        release: true,
        lines: lines.map((l) => ({ component: { code: l.c }, quantity: l.q, unit: l.unit, scrapPercent: l.scrap })),
      },
      actor,
      'demo data',
    );
    boms++;
  }
  await services.stock.set(STOCK, actor);
  for (const d of DOCUMENTS) await services.orders.record(d, actor, 'demo data');
  return { boms, stockLevels: STOCK.length, documents: DOCUMENTS.length };
}
