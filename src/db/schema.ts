/** Every table of every module, for drizzle-kit and for typed queries. */
export * from '../master/tables';
export * from '../sync/tables';
export * from '../mdm/tables';
export * from '../bom/tables';
export * from '../orders/tables';
export * from '../orders/status-tables';
