import fs from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  concatAST,
  type DocumentNode,
  GraphQLObjectType,
  GraphQLSchema,
  isSpecifiedDirective,
  isTypeExtensionNode,
  Kind,
  parse,
  printSchema,
} from 'graphql';
import { projectPath } from '../paths';

/** The SDL files in schema/, one per module, common.graphql first (it declares the root types others extend). */
export function loadSdlSources(): { name: string; body: string }[] {
  const dir = projectPath('schema');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort((a, b) => (a === 'common.graphql' ? -1 : b === 'common.graphql' ? 1 : a.localeCompare(b)))
    .map((name) => ({ name, body: fs.readFileSync(`${dir}/${name}`, 'utf8') }));
}

/**
 * All SDL files as one document; `extend type` stays as written and is merged when the schema is built. It links
 * the federation spec and uses its directives (@key, @shareable), so it is built with `buildSubgraphSchema`.
 */
export function loadTypeDefs(): DocumentNode {
  return concatAST(loadSdlSources().map((s) => parse(s.body, { noLocation: true })));
}

/**
 * The schema without resolvers (for codegen and checks): built and validated by @apollo/subgraph exactly as the
 * server builds it, then without what federation adds (`_entities`, `_service`, `_Any`, `_Entity`, `link__*`,
 * `federation__*` and the directive definitions), which the library declares and resolves itself; so codegen
 * types only the hub's own API.
 */
export function buildSchemaFromSdl(): GraphQLSchema {
  const typeDefs = loadTypeDefs();
  const served = buildSubgraphSchema(typeDefs);
  // Each of the hub's own types and directives, at the place of its first definition in the SDL: built in that order,
  // the schema lists its types as graphql's buildASTSchema would, so the generated code keeps its order.
  const own = new Map<string, number>();
  const ownQueryFields = new Set<string>();
  for (const d of typeDefs.definitions) {
    if (!('name' in d) || !d.name) continue;
    if (!isTypeExtensionNode(d) && !own.has(d.name.value)) own.set(d.name.value, own.size);
    if (d.name.value === 'Query' && (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.OBJECT_TYPE_EXTENSION)) {
      for (const f of d.fields ?? []) ownQueryFields.add(f.name.value);
    }
  }
  const config = served.toConfig();
  const servedQuery = served.getQueryType()!.toConfig();
  const query = new GraphQLObjectType({
    ...servedQuery,
    fields: Object.fromEntries(Object.entries(servedQuery.fields).filter(([name]) => ownQueryFields.has(name))),
  });
  return new GraphQLSchema({
    ...config,
    query,
    types: config.types
      .filter((t) => own.has(t.name))
      .sort((a, b) => own.get(a.name)! - own.get(b.name)!)
      .map((t) => (t.name === 'Query' ? query : t)),
    directives: config.directives.filter((d) => isSpecifiedDirective(d) || own.has(d.name)),
    extensionASTNodes: [],
  });
}

/** The merged schema as a single document, extensions folded into their types. */
export function loadSchemaDocument(): DocumentNode {
  return parse(printSchema(buildSchemaFromSdl()));
}
