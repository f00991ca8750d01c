import fs from 'node:fs';
import path from 'node:path';
import { parse, validate } from 'graphql';
import { buildSchemaFromSdl } from '../../src/graphql/sdl';

// The README's GraphQL examples are what a new user types first: each must parse and validate against the schema.
const docs = ['README.md', 'docs/ARCHITECTURE.md', 'connectors/http-json/README.md'];

describe('GraphQL examples in the docs', () => {
  const schema = buildSchemaFromSdl();
  for (const doc of docs) {
    const text = fs.readFileSync(path.join(__dirname, '..', '..', doc), 'utf8');
    const blocks = [...text.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]!);
    blocks.forEach((block, i) => {
      it(`${doc} example ${i + 1} is valid`, () => {
        const errors = validate(schema, parse(block)).map((e) => e.message);
        expect(errors).toEqual([]);
      });
    });
  }
});
