/**
 * Generates the typed resolver signatures in src/graphql/generated/ from the SDL in schema/.
 * Run with `npm run codegen` after changing any .graphql file; CI checks the output is up to date.
 */
import fs from 'node:fs';
import path from 'node:path';
import { codegen } from '@graphql-codegen/core';
import * as typescriptPlugin from '@graphql-codegen/typescript';
import * as resolversPlugin from '@graphql-codegen/typescript-resolvers';
import { ENUM_VALUES } from '../src/graphql/enums';
import { loadSchemaDocument } from '../src/graphql/sdl';

async function main() {
  const out = path.join(__dirname, '..', 'src', 'graphql', 'generated', 'types.ts');
  const schemaAst = loadSchemaDocument();
  const config = {
    useIndexSignature: true,
    contextType: '../context#GraphContext',
    enumsAsTypes: true,
    scalars: { Decimal: 'string', DateTime: 'Date | string', Date: 'string', JSON: 'unknown', ID: 'string' },
    enumValues: ENUM_VALUES,
    mappers: {
      Customer: '../../master/store#GoldenRow',
      Supplier: '../../master/store#GoldenRow',
      Item: '../../master/store#GoldenRow',
      Warehouse: '../../master/store#GoldenRow',
      GoldenRecord: '../../master/store#GoldenRow',
      Unit: '../../master/units#UnitRow',
      ItemUnit: '../../master/units#ItemUnitRow',
      SupplierItem: '../../master/supplier-items#SupplierItemRow',
      SourceRef: '../../master/crosswalk#CrosswalkEntry',
      RecordVersion: '../../master/history#HistoryEntry',
      Connection: '../../sync/connections#ConnectionView',
      SyncRun: '../../sync/runner#SyncRunRow',
      SyncRunError: '../../sync/reads#SyncRunErrorRow',
      SourceRecord: '../../sync/reads#SourceRecordRow',
      FieldLineage: '../../sync/reads#LineageRow',
      StewardTask: '../../mdm/steward#StewardTaskRow',
      MatchCandidate: '../../mdm/steward#CandidateView',
      FieldOverride: '../../mdm/overrides#OverrideView',
      StewardTaskConnection: '../resolvers/connection#ConnectionParent<StewardTaskRow>',
      CustomerConnection: '../resolvers/connection#ConnectionParent<GoldenRow>',
      SupplierConnection: '../resolvers/connection#ConnectionParent<GoldenRow>',
      ItemConnection: '../resolvers/connection#ConnectionParent<GoldenRow>',
      WarehouseConnection: '../resolvers/connection#ConnectionParent<GoldenRow>',
      Document: '../../orders/store#DocumentRow',
      DocumentLine: '../../orders/store#DocumentLineRow',
      DocumentConnection: '../../orders/resolvers#DocumentPage',
      DocumentRecordResult: '../../orders/resolvers#RecordResult',
      DocumentLink: '../../orders/links#StoredLink',
      SalesOrder: '../../orders/store#DocumentRow',
      StockLevel: '../../orders/stock#StockLevelRow',
      SalesOrderLine: '../../orders/view#SalesOrderLineView',
      ServingOrder: '../../orders/view#ServingView',
      TimelineEvent: '../../orders/view#TimelineEntry',
      DocumentEnd: '../../orders/resolvers#DocumentEndView',
      SalesOrderStatus: '../../orders/status#OrderStatusView',
      InvoiceStatus: '../../orders/status#InvoiceStatusView',
      SalesOrderConnection: '../../orders/order-lists#SalesOrderPage',
      SalesOrderEdge: '../../orders/order-lists#SalesOrderPageRow',
      Customer360: '../../orders/status-resolvers#Customer360View',
      OrderMargin: '../../orders/customer360#OrderMarginView',
      OrderMarginPage: '../../orders/status-resolvers#OrderMarginPageView',
      Bom: '../../bom/store#BomRow',
      BomLine: '../../bom/store#BomLineRow',
      BomSubstitute: '../../bom/store#BomSubstituteRow',
      BomConnection: '../../bom/views#BomPage',
      BomExplosion: '../../bom/service#Explosion',
      BomNode: '../../bom/views#NodeView',
      BomNodeConnection: '../../bom/views#NodePage<NodeView>',
      BomComponentTotal: '../../bom/explode#ComponentTotal',
      WhereUsed: '../../bom/service#WhereUsedResult',
      WhereUsedNode: '../../bom/views#WhereUsedNodeView',
      WhereUsedNodeConnection: '../../bom/views#NodePage<WhereUsedNodeView>',
      WhereUsedTop: '../../bom/views#WhereUsedTopView',
      BomCost: '../../bom/service#CostView',
      BomCostLevel: '../../bom/views#CostLevelView',
      BomComponentCost: '../../bom/views#ComponentCostView',
      BomAssemblyCost: '../../bom/views#AssemblyCostView',
      Quotation: '../../bom/service#QuotationView',
      BomDiff: '../../bom/views#DiffView',
      BomLineDiff: '../../bom/views#LineDiffView',
      BomLineChange: '../../bom/views#BomFieldChange',
      EngineeringChangeEffect: '../../bom/views#EffectView',
      EngineeringChange: '../../bom/views#EngineeringChangeView',
      EngineeringChangePreview: '../../bom/views#EngineeringChangePreviewView',
      EngineeringChangeConnection: '../../bom/views#EngineeringChangePage',
    },
  };
  const output = await codegen({
    filename: out,
    schema: schemaAst,
    documents: [],
    config,
    plugins: [{ typescript: {} }, { typescriptResolvers: {} }],
    pluginMap: { typescript: typescriptPlugin, typescriptResolvers: resolversPlugin },
  });
  const banner = '/* Generated by scripts/codegen.ts from schema/*.graphql. Do not edit. */\n/* eslint-disable */\n';
  const text = banner + output;
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
    if (current !== text) {
      console.error('src/graphql/generated/types.ts is out of date: run npm run codegen');
      process.exit(1);
    }
    return;
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, text);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
