/**
 * The connectors that ship with the hub. Importing this module registers them; the registry itself imports no
 * concrete connector, so a deployment can leave this out and register only its own.
 */
import { registerConnector } from '../src/sync/registry';
import { httpJsonConnector } from './http-json';

/** Every built-in connector, in registration order. */
export const builtInConnectors = [httpJsonConnector] as const;

for (const connector of builtInConnectors) registerConnector(connector);
