import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEMS, Problem } from '../core/errors.ts';
import { landingPage } from '../http/landing.ts';

/**
 * The console's Content-Security-Policy: its own scripts only, no inline script, no framing, no
 * other origin to talk to. `style-src` allows 'unsafe-inline' because Ant Design (CSS-in-JS)
 * writes its component styles into <style> elements at run time; styles cannot run code, and a
 * nonce would need the HTML rendered per request.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** Paths that belong to the platform's other surfaces: never answered with the console's page. */
const NOT_CONSOLE = ['/api', '/data', '/oauth', '/.well-known', '/docs', '/openapi.json', '/healthz', '/readyz', '/metrics', '/problems'];

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** Is this path the console's (an SPA route or one of its files) rather than another surface's? */
function isConsolePath(p: string): boolean {
  return !NOT_CONSOLE.some((prefix) => p === prefix || p.startsWith(prefix + '/') || (prefix.includes('.') && p.startsWith(prefix)));
}

/** A file under `root` named by a URL path, or null when it escapes `root` or is not a file. */
async function fileUnder(root: string, urlPath: string): Promise<{ file: string; size: number } | null> {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  const file = path.resolve(root, '.' + path.posix.normalize('/' + rel));
  if (!file.startsWith(root + path.sep)) return null;
  try {
    const st = await fs.promises.stat(file);
    return st.isFile() ? { file, size: st.size } : null;
  } catch {
    return null;
  }
}

function sendFile(reply: FastifyReply, f: { file: string; size: number }, cacheControl: string, gzipped?: { file: string; size: number }): FastifyReply {
  void reply.header('cache-control', cacheControl).type(TYPES[path.extname(f.file).toLowerCase()] ?? 'application/octet-stream');
  if (gzipped) void reply.header('content-encoding', 'gzip');
  const sent = gzipped ?? f;
  return reply.header('content-length', String(sent.size)).send(fs.createReadStream(sent.file));
}

/** The build's gzip copy of an asset (web/vite.config.ts), when the browser accepts gzip. */
async function gzipCopy(request: FastifyRequest, reply: FastifyReply, f: { file: string }): Promise<{ file: string; size: number } | undefined> {
  void reply.header('vary', 'accept-encoding');
  if (!/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) return undefined;
  try {
    const st = await fs.promises.stat(`${f.file}.gz`);
    return st.isFile() ? { file: `${f.file}.gz`, size: st.size } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serves the web console's build (`web/dist`, or LIENTHONG_CONSOLE_DIR): `index.html` at `/` and
 * for every other browser navigation that is not the API's (the console routes in the browser:
 * /enrol/<token>, /agreements/123), `assets/*` (content-hashed names) cached for a year. The
 * directory is looked at on each request, so a console built while the server runs is served at
 * once; until it exists `/` shows the start page saying how to build it.
 */
export function createConsoleServing(dir: string) {
  const root = path.resolve(dir);
  const assets = path.join(root, 'assets');

  async function sendIndex(reply: FastifyReply): Promise<FastifyReply> {
    let html: Buffer | string;
    try {
      html = await fs.promises.readFile(path.join(root, 'index.html'));
    } catch {
      html = landingPage();
    }
    return reply.header('content-security-policy', CONSOLE_CSP).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html);
  }

  return {
    /** Routes `/` and `/assets/*`. */
    routes: async function routes(app: FastifyInstance): Promise<void> {
      app.get('/', { schema: { hide: true } }, (_req, reply) => sendIndex(reply));
      app.get('/assets/*', { schema: { hide: true } }, async (req, reply) => {
        const f = await fileUnder(assets, (req.params as { '*': string })['*']);
        if (!f) throw new Problem(PROBLEMS.notFound, { detail: 'Không có tệp này trong bảng điều khiển.', detail_en: 'No such file in the console.' });
        return sendFile(reply, f, IMMUTABLE, await gzipCopy(req, reply, f));
      });
    },

    /**
     * For the not-found handler: a GET of a console path answers a file at the build's top level
     * (favicon…), or `index.html` when a browser asks for a page. Null: not the console's.
     */
    async fallback(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | null> {
      if (request.method !== 'GET' && request.method !== 'HEAD') return null;
      const p = pathOf(request.url);
      if (!isConsolePath(p)) return null;
      const top = p.lastIndexOf('/') === 0 && p !== '/index.html' ? await fileUnder(root, p) : null;
      if (top) return sendFile(reply, top, 'no-cache');
      if (!String(request.headers.accept ?? '').includes('text/html')) return null;
      return sendIndex(reply);
    },
  };
}
