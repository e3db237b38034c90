import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE, apiTypes, openApiDocument } from '../../scripts/openapi.ts';

describe('console API types (web/src/api/schema.d.ts)', () => {
  it('are what `npm run api:types` generates from the current OpenAPI document', async () => {
    const fresh = await apiTypes(await openApiDocument());
    const committed = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, 'utf8') : '';
    // Not toEqual on 400 kB of text: a short message that says what to do.
    expect(committed === fresh, 'web/src/api/schema.d.ts is stale: run npm run api:types and commit the result').toBe(true);
  });
});
