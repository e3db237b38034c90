#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` runs through `prepare`).
// A checkout without dist/ falls back to the TypeScript sources through tsx, and says so.
import fs from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (fs.existsSync(compiled) && process.env.LIENTHONG_FROM_SOURCE !== '1') {
  await import(compiled.href);
} else {
  if (process.env.LIENTHONG_FROM_SOURCE !== '1')
    console.error('(dist/ chưa được dựng; chạy mã nguồn qua tsx / dist/ not built: running the sources through tsx — npm run build)');
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
