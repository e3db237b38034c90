import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Files, crossModuleSql, deepImports, moduleCycles, servicesImportingHttp } from './rules.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Every .ts and .sql file under src/, by its path from the repository root. */
function sourceTree(): Files {
  const files: Files = new Map();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|sql)$/.test(e.name)) files.set(path.relative(ROOT, p), fs.readFileSync(p, 'utf8'));
    }
  };
  walk(path.join(ROOT, 'src'));
  return files;
}

/** A small tree of two modules that keeps every rule. */
const clean = (): Files =>
  new Map([
    ['src/alpha/migrations/0001_alpha.sql', 'CREATE TABLE alpha_rows (id text);'],
    ['src/beta/migrations/0002_beta.sql', 'CREATE TABLE beta_rows (id text);'],
    ['src/alpha/index.ts', "export { createAlpha } from './service.ts';"],
    ['src/alpha/service.ts', "import type { Beta } from '../beta/index.ts';\nexport const q = 'SELECT id FROM alpha_rows';"],
    ['src/alpha/routes.ts', "import { errors } from '../http/schemas.ts';"],
    ['src/beta/index.ts', "export const beta = 'SELECT * FROM beta_rows';"],
  ]);

describe('architecture: the boundaries of ARCHITECTURE.md, checked', () => {
  it('a clean tree passes every check', () => {
    const f = clean();
    expect([crossModuleSql(f), deepImports(f), servicesImportingHttp(f), moduleCycles(f)]).toEqual([[], [], [], []]);
  });

  it("fails on SQL naming another module's table", () => {
    const f = clean().set('src/alpha/store.ts', "const q = 'SELECT n.id FROM beta_rows n JOIN alpha_rows a ON a.id = n.id';");
    expect(crossModuleSql(f)).toEqual(['src/alpha/store.ts: SQL names beta_rows (owned by beta)']);
  });

  it("fails on an import of another module's internals", () => {
    const f = clean().set('src/beta/helper.ts', 'export const x = 1;').set('src/alpha/more.ts', "import { x } from '../beta/helper.ts';");
    expect(deepImports(f)).toEqual(['src/alpha/more.ts imports src/beta/helper.ts (only beta/index.ts is public)']);
  });

  it('fails on a service importing the HTTP layer', () => {
    const f = clean().set('src/alpha/service.ts', "import { toProblem } from '../http/problems.ts';");
    expect(servicesImportingHttp(f)).toEqual(['src/alpha/service.ts imports src/http/problems.ts']);
  });

  it('fails on an import cycle between modules, a type-only import included', () => {
    const f = clean().set('src/beta/index.ts', "import type { Alpha } from '../alpha/index.ts';");
    expect(moduleCycles(f)).toEqual(['alpha → beta → alpha']);
  });

  it('the platform keeps them: no cross-module SQL, no deep import, no service importing http/, no cycle', () => {
    const f = sourceTree();
    expect(crossModuleSql(f)).toEqual([]);
    expect(deepImports(f)).toEqual([]);
    expect(servicesImportingHttp(f)).toEqual([]);
    expect(moduleCycles(f)).toEqual([]);
  });
});
