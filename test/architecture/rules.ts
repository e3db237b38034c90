/**
 * The boundaries ARCHITECTURE.md draws, as checks over source text: pure functions of a file map
 * (path → content), so each can be shown to fail on a broken fixture and pass on the tree.
 *
 * - a module's SQL names only its own tables (those its migrations create);
 * - a module imports another module only through its `index.ts` (`core/` and `db/` are shared);
 * - services never import `http/` (route and schema files — `routes.ts`, `*-routes.ts`, `schemas.ts` —
 *   and `console/` are the HTTP layer, which may use any of `http/`);
 * - no import cycle between modules, type-only imports included.
 */
export type Files = Map<string, string>;

/** Folders under src/ that are not modules with their own tables and services: composition and shared layers. */
const COMPOSITION = new Set(['cli', 'http', 'platform.ts', 'migrations.ts']);
const SHARED = new Set(['core', 'db']);

export const moduleOf = (file: string): string => file.replace(/^src\//, '').split('/')[0]!;
/** The HTTP layer of a module: its routes and their schemas; and `console/`, which serves the web console. */
const isHttpLayer = (file: string) => /(^|\/)(routes|[a-z-]+-routes|schemas)\.ts$/.test(file) || moduleOf(file) === 'console';

/** table → owning module, from `CREATE TABLE` in each module's migrations. */
export function tableOwners(files: Files): Map<string, string> {
  const owners = new Map<string, string>();
  for (const [file, text] of files) {
    if (!/\/migrations\/[^/]+\.sql$/.test(file)) continue;
    for (const m of text.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?([a-z_][a-z0-9_]*)/g)) owners.set(m[1]!, moduleOf(file));
  }
  return owners;
}

/** SQL in a module's TypeScript that names a table another module owns. */
export function crossModuleSql(files: Files): string[] {
  const owners = tableOwners(files);
  const out: string[] = [];
  for (const [file, text] of files) {
    if (!file.endsWith('.ts')) continue;
    const mod = moduleOf(file);
    if (COMPOSITION.has(mod)) continue;
    for (const m of text.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+([a-z_][a-z0-9_]*)\b/g)) {
      const owner = owners.get(m[1]!);
      if (owner && owner !== mod) out.push(`${file}: SQL names ${m[1]} (owned by ${owner})`);
    }
  }
  return out;
}

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

/** Relative imports between files of src/ (static, dynamic and type-only), resolved to src/ paths. */
export function imports(files: Files): Import[] {
  const out: Import[] = [];
  for (const [file, text] of files) {
    if (!file.endsWith('.ts') || !file.startsWith('src/')) continue;
    const pattern = /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;
    for (const m of text.matchAll(pattern)) {
      const spec = m[3] ?? m[4]!;
      out.push({ from: file, to: resolve(file, spec), typeOnly: Boolean(m[2]) });
    }
  }
  return out;
}

function resolve(from: string, spec: string): string {
  const parts = from.split('/').slice(0, -1);
  for (const p of spec.split('/')) {
    if (p === '..') parts.pop();
    else if (p !== '.') parts.push(p);
  }
  return parts.join('/');
}

/** Imports of another module's internals (anything but its index.ts). */
export function deepImports(files: Files): string[] {
  return imports(files)
    .filter(({ from, to }) => {
      const [a, b] = [moduleOf(from), moduleOf(to)];
      const shared = SHARED.has(b) || (b === 'http' && isHttpLayer(from));
      return a !== b && !COMPOSITION.has(a) && !shared && !to.endsWith('/index.ts');
    })
    .map(({ from, to }) => `${from} imports ${to} (only ${moduleOf(to)}/index.ts is public)`);
}

/** Files other than routes that import the HTTP layer. */
export function servicesImportingHttp(files: Files): string[] {
  return imports(files)
    .filter(({ from, to }) => moduleOf(to) === 'http' && !COMPOSITION.has(moduleOf(from)) && !isHttpLayer(from))
    .map(({ from, to }) => `${from} imports ${to}`);
}

/** Cycles in the module graph (type-only imports included): each as "a → b → … → a". */
export function moduleCycles(files: Files): string[] {
  const edges = new Map<string, Set<string>>();
  for (const { from, to } of imports(files)) {
    const [a, b] = [moduleOf(from), moduleOf(to)];
    if (a === b || COMPOSITION.has(a)) continue;
    if (!edges.has(a)) edges.set(a, new Set());
    edges.get(a)!.add(b);
  }
  const cycles = new Set<string>();
  const visit = (node: string, path: string[]) => {
    for (const next of edges.get(node) ?? []) {
      const at = path.indexOf(next);
      if (at >= 0) {
        const loop = path.slice(at);
        const start = loop.indexOf([...loop].sort()[0]!);
        cycles.add([...loop.slice(start), ...loop.slice(0, start), loop[start]].join(' → '));
      } else {
        visit(next, [...path, next]);
      }
    }
  };
  for (const node of edges.keys()) visit(node, [node]);
  return [...cycles];
}
