#!/usr/bin/env node
// `npm run build`: compiles src/ to dist/ (tsconfig.build.json), then copies what the compiled
// code reads beside itself — migrations (*.sql), seed data, the queue thread's boot module.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const root = path.resolve(import.meta.dirname, '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
fs.cpSync(path.join(root, 'src'), path.join(root, 'dist'), {
  recursive: true,
  filter: (from) => fs.statSync(from).isDirectory() || !from.endsWith('.ts'),
});

// The initdb template of the embedded database (src/db/pglite.ts INITDB_TEMPLATE): made once per
// PGlite version, since initdb is most of a first start.
const { INITDB_TEMPLATE } = await import(path.join(root, 'dist/db/pglite.js'));
if (!fs.existsSync(INITDB_TEMPLATE)) {
  const { PGlite } = await import('@electric-sql/pglite');
  const pg = await PGlite.create();
  const tar = Buffer.from(await (await pg.dumpDataDir('none')).arrayBuffer());
  await pg.close();
  fs.writeFileSync(`${INITDB_TEMPLATE}.part`, tar);
  fs.renameSync(`${INITDB_TEMPLATE}.part`, INITDB_TEMPLATE);
}

// The console (web/ → web/dist/, served by the platform at '/'): built when a file under web/ or
// the lock file is newer than the last build; `npm run build:web` always builds. Vite is a
// development dependency: an install without them (`--omit=dev`) serves no console, and says so.
const web = path.join(root, 'web');
const built = path.join(web, 'dist/index.html');
function newest(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'dist' && dir === web) continue;
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}
const stale = !fs.existsSync(built) || fs.statSync(built).mtimeMs < Math.max(newest(web), fs.statSync(path.join(root, 'package-lock.json')).mtimeMs);
if (stale || process.argv.includes('--web')) {
  let vite;
  try {
    vite = await import('vite');
  } catch {
    console.warn('console not built: vite is not installed (development dependencies omitted)');
  }
  if (vite) await vite.build({ configFile: path.join(web, 'vite.config.ts'), logLevel: 'warn' });
}
