// The console's build: `npm run build:web` (also run by `npm run build`) writes web/dist/ with
// hashed assets, which the platform serves at '/' (src/console/). `npm run dev:web` serves it
// with hot reload and forwards the platform's routes to a server on 127.0.0.1:8080 (`npm start`).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import react from '@vitejs/plugin-react';
import { type Plugin, defineConfig } from 'vite';

/**
 * A gzip copy (level 9) beside each script, style sheet and SVG of the build: the platform sends it
 * to browsers that accept gzip (src/console/static.ts) — compressed once here, not per request.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'lienthong-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const assets = path.join(outDir, 'assets');
      for (const name of fs.existsSync(assets) ? fs.readdirSync(assets) : []) {
        if (!/\.(js|css|svg)$/.test(name)) continue;
        const file = path.join(assets, name);
        fs.writeFileSync(`${file}.gz`, zlib.gzipSync(fs.readFileSync(file), { level: 9 }));
      }
    },
  };
}

const PLATFORM = process.env.LIENTHONG_DEV_API ?? 'http://127.0.0.1:8080';
const proxy = Object.fromEntries(['/api', '/oauth', '/data', '/.well-known', '/openapi.json'].map((p) => [p, { target: PLATFORM, changeOrigin: false }]));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react(), precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // The CSP allows no inline script: the entry is always a file, never inlined.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1500,
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: false, proxy },
  preview: { host: '127.0.0.1', proxy },
});
