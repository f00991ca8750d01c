/**
 * GraphQL enum names (ACTIVE) mapped to the values the services and database use ('active'). Shared by the
 * server (enum resolvers) and by codegen (so resolver types use the internal values too).
 */
export const ENUM_VALUES = {
  RecordStatus: { ACTIVE: 'active', BLOCKED: 'blocked', ARCHIVED: 'archived' },
  ItemType: {
    PURCHASED: 'purchased',
    MANUFACTURED: 'manufactured',
    SUBCONTRACTED: 'subcontracted',
    PHANTOM: 'phantom',
  },
  SortDirection: { ASC: 'asc', DESC: 'desc' },
  RecordSortField: { CODE: 'code', NAME: 'name', CREATED_AT: 'createdAt', UPDATED_AT: 'updatedAt' },
  UpsertKey: { CODE: 'code', SOURCE_REF: 'sourceRef' },
  UpsertOutcome: { INSERTED: 'inserted', UPDATED: 'updated', UNCHANGED: 'unchanged' },
  ActorKind: { USER: 'user', API_KEY: 'apiKey', CONNECTION: 'connection', SYSTEM: 'system' },
  MasterEntity: { CUSTOMER: 'customer', SUPPLIER: 'supplier', ITEM: 'item', WAREHOUSE: 'warehouse' },
  SyncMode: { FULL: 'full', INCREMENTAL: 'incremental' },
  SyncRunStatus: { QUEUED: 'queued', RUNNING: 'running', SUCCEEDED: 'succeeded', FAILED: 'failed' },
  StewardTaskStatus: { OPEN: 'open', MERGED: 'merged', REJECTED: 'rejected' },
  StewardDecision: { MERGE: 'merge', REJECT: 'reject' },
  BomStatus: { DRAFT: 'draft', RELEASED: 'released', OBSOLETE: 'obsolete' },
  PriceSource: {
    STANDARD_COST: 'standardCost',
    SUPPLIER_PRICE: 'supplierPrice',
    LAST_PURCHASE_PRICE: 'lastPurchasePrice',
  },
  EngineeringChangeKind: { REPLACE: 'replace', QUANTITY: 'quantity' },
  DocumentKind: {
    QUOTATION: 'quotation',
    SALES_ORDER: 'sales_order',
    PRODUCTION_ORDER: 'production_order',
    PURCHASE_ORDER: 'purchase_order',
    SHIPMENT: 'shipment',
    INVOICE: 'invoice',
    PAYMENT: 'payment',
  },
  DocumentState: { DRAFT: 'draft', OPEN: 'open', ON_HOLD: 'on_hold', DONE: 'done', CANCELLED: 'cancelled' },
  RecordOutcome: { CREATED: 'created', UPDATED: 'updated', UNCHANGED: 'unchanged' },
  LinkKind: { DELIVERS: 'delivers', BILLS: 'bills', SERVES: 'serves', PAYS: 'pays', QUOTES: 'quotes' },
  SalesOrderStatusCode: {
    TO_DELIVER_AND_BILL: 'to_deliver_and_bill',
    TO_BILL: 'to_bill',
    TO_DELIVER: 'to_deliver',
    COMPLETED: 'completed',
    CLOSED: 'closed',
    ON_HOLD: 'on_hold',
    CANCELLED: 'cancelled',
  },
  InvoiceStatusCode: { UNPAID: 'unpaid', PARTLY_PAID: 'partly_paid', PAID: 'paid', OVERDUE: 'overdue' },
} as const;
