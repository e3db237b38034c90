import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODULES } from '../../src/migrations.ts';
import { type Files, imports, moduleOf, tableOwners } from './rules.ts';

const SRC = path.resolve(import.meta.dirname, '../../src');
/** Shared layers every module may use without declaring it. */
const SHARED = new Set(['core', 'db', 'http']);

function sourceFiles(): Files {
  const files: Files = new Map();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|sql)$/.test(e.name)) files.set(`src/${path.relative(SRC, p)}`, fs.readFileSync(p, 'utf8'));
    }
  };
  walk(SRC);
  return files;
}

/** The modules each module uses: those it imports, and those whose tables its migrations name (a foreign key, a trigger). */
function usedModules(files: Files): Map<string, Set<string>> {
  const used = new Map<string, Set<string>>();
  const add = (a: string, b: string) => {
    if (a !== b && !SHARED.has(b)) used.set(a, (used.get(a) ?? new Set()).add(b));
  };
  for (const { from, to } of imports(files)) add(moduleOf(from), moduleOf(to));
  const owners = tableOwners(files);
  for (const [file, text] of files) {
    if (!/\/migrations\/[^/]+\.sql$/.test(file)) continue;
    for (const m of text.matchAll(/\b(?:REFERENCES|ON|ALTER TABLE)\s+([a-z_][a-z0-9_]*)/g)) {
      const owner = owners.get(m[1]!);
      if (owner) add(moduleOf(file), owner);
    }
  }
  return used;
}

describe('modules: every module declares itself, truthfully', () => {
  it('each declaration is its own folder, and every folder with migrations is declared (else they would never run)', () => {
    for (const m of MODULES) {
      expect(fs.existsSync(path.join(SRC, m.name, 'module.ts')), `src/${m.name}/module.ts`).toBe(true);
      for (const migration of m.migrations) expect(fs.existsSync(path.join(SRC, m.name, 'migrations', `${migration.id.split('/')[1]}.sql`))).toBe(true);
    }
    const withMigrations = fs.readdirSync(SRC).filter((d) => d !== 'db' && fs.existsSync(path.join(SRC, d, 'migrations')));
    expect(withMigrations.sort()).toEqual(MODULES.map((m) => m.name).sort());
  });

  it('each declares every module it imports or whose tables its migrations name', () => {
    const used = usedModules(sourceFiles());
    for (const m of MODULES) {
      const missing = [...(used.get(m.name) ?? [])].filter((d) => !m.dependsOn.includes(d));
      expect(missing, `${m.name} uses ${missing.join(', ')} without declaring it in src/${m.name}/module.ts`).toEqual([]);
    }
  });
});
