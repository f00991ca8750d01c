import fs from 'node:fs';
import { buildASTSchema, concatAST, type DocumentNode, type GraphQLSchema, parse, printSchema } from 'graphql';
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

/** All SDL files as one document; `extend type` stays as written and is merged when the schema is built. */
export function loadTypeDefs(): DocumentNode {
  return concatAST(loadSdlSources().map((s) => parse(s.body, { noLocation: true })));
}

/** The schema without resolvers (for codegen and checks). */
export function buildSchemaFromSdl(): GraphQLSchema {
  return buildASTSchema(loadTypeDefs());
}

/** The merged schema as a single document, extensions folded into their types. */
export function loadSchemaDocument(): DocumentNode {
  return parse(printSchema(buildSchemaFromSdl()));
}
