// The console's build: `npm run build:web` (also run by `npm run build`) writes web/dist/ with
// hashed assets, which the platform serves at '/' (src/console/). `npm run dev:web` serves it
// with hot reload and forwards the platform's routes to a server on 127.0.0.1:8080 (`npm start`).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const PLATFORM = process.env.LIENTHONG_DEV_API ?? 'http://127.0.0.1:8080';
const proxy = Object.fromEntries(['/api', '/oauth', '/data', '/.well-known', '/openapi.json'].map((p) => [p, { target: PLATFORM, changeOrigin: false }]));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
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
