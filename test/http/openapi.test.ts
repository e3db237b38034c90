import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileErrors, validate } from '@readme/openapi-parser';
import openapiTS, { type OpenAPI3, astToString } from 'openapi-typescript';
import type { OpenAPIV3_1 } from 'openapi-types';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: { default?: unknown };
}
interface Operation {
  parameters?: Parameter[];
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
}

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Every parameter of every operation, named by where it is: `get /api/v1/datasets query limit`. */
function parameters(doc: Document): { where: string; p: Parameter }[] {
  return Object.entries(doc.paths).flatMap(([url, item]) =>
    Object.entries(item).flatMap(([method, op]) => (op.parameters ?? []).map((p) => ({ where: `${method} ${url} ${p.in} ${p.name}`, p }))),
  );
}

/**
 * What a consumer writes with the generated types: the gateway's paged read and the catalog.
 * The @ts-expect-error lines check the types are real — were they `any`, those lines would be errors.
 */
const USAGE = `import createClient from 'openapi-fetch';
import type { paths } from './api.js';

const client = createClient<paths>({ baseUrl: 'https://lienthong.example.vn' });

export async function page(dataset: string, cursor?: string): Promise<boolean> {
  const { response } = await client.GET('/data/v1/{dataset}/records', {
    params: { path: { dataset }, query: { limit: 100, cursor, fields: 'ho_ten,ngay_sinh' } },
    headers: { 'lienthong-purpose': 'to-chuc-can-bo' },
  });
  await client.GET('/data/v1/{dataset}/records', { params: { path: { dataset }, query: { limit: '1000' } } });
  // @ts-expect-error limit is an integer or its text, not a boolean
  await client.GET('/data/v1/{dataset}/records', { params: { path: { dataset }, query: { limit: true } } });
  // @ts-expect-error the dataset is a required path parameter
  await client.GET('/data/v1/{dataset}/records', { params: { path: {} } });
  return response.ok;
}

export async function datasetCodes(): Promise<string[]> {
  const { data, error } = await client.GET('/api/v1/datasets', { params: { query: { q: 'dang vien', limit: 20 } } });
  if (error) throw new Error('refused');
  const all = await client.GET('/api/v1/datasets');
  return [...data.items, ...(all.data?.items ?? [])].map((d) => d.code);
}
`;

/** Type-checks the generated types and the usage file with the compiler API: every diagnostic, formatted. */
function typeCheck(dir: string): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const program = ts.createProgram([path.join(dir, 'api.ts'), path.join(dir, 'usage.ts')], options);
  const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => dir, getNewLine: () => '\n' };
  return ts.getPreEmitDiagnostics(program).map((d) => ts.formatDiagnostic(d, host));
}

for (const driver of DRIVERS) {
  describe(`[${driver}] OpenAPI document: valid, and a client generator accepts it`, () => {
    let env: TestEnv;
    let doc: Document;
    let dir: string;
    beforeAll(async () => {
      env = await startEnv(driver);
      doc = (await env.app.inject({ method: 'GET', url: '/openapi.json' })).json();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-openapi-'));
    });
    afterAll(async () => {
      await env.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('passes an independent OpenAPI 3.1 validator (@readme/openapi-parser)', async () => {
      // The validator dereferences what it is given: a copy keeps the document intact for the other tests.
      const result = await validate(structuredClone(doc) as unknown as OpenAPIV3_1.Document);
      expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
      expect(result.warnings).toEqual([]);
    });

    it('has no schema keyword turned into a parameter, no defaulted parameter required, every path parameter required', () => {
      const all = parameters(doc);
      const keywords = ['type', 'description', 'additionalProperties', 'properties', 'patternProperties'];
      expect(all.filter(({ p }) => keywords.includes(p.name)).map((x) => x.where)).toEqual([]);
      expect(all.filter(({ p }) => p.required && p.schema?.default !== undefined).map((x) => x.where)).toEqual([]);
      expect(all.filter(({ p }) => p.in === 'path' && p.required !== true).map((x) => x.where)).toEqual([]);
    });

    it('declares the gateway list query (limit, cursor, fields) as optional parameters; filters are described', () => {
      const list = doc.paths['/data/v1/{dataset}/records']!.get as Operation & { description: string };
      const query = Object.fromEntries((list.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p]));
      expect(Object.keys(query).sort()).toEqual(['cursor', 'fields', 'limit']);
      expect(Object.values(query).every((p) => p.required === false)).toBe(true);
      expect(query.limit!.schema).toMatchObject({ type: ['integer', 'string'], minimum: 1, maximum: 1000 });
      expect(list.description).toContain('<granted field>=<value>');
    });

    it('generates TypeScript types (openapi-typescript) that a typed openapi-fetch client type-checks against', async () => {
      const types = astToString(await openapiTS(structuredClone(doc) as unknown as OpenAPI3, { silent: true }));
      fs.writeFileSync(path.join(dir, 'api.ts'), types);
      fs.writeFileSync(path.join(dir, 'usage.ts'), USAGE);
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
      // openapi-fetch is found from the temporary folder through a link to this project's packages.
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
      expect(typeCheck(dir)).toEqual([]);
    });
  });
}
