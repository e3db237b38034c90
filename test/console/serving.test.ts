import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../src/console/static.ts';
import { DRIVERS, type TestEnv, startEnv } from '../helpers/platform.ts';

const INDEX =
  '<!doctype html><html lang="vi"><head><script type="module" src="/assets/index-AbC123.js"></script></head><body><div id="root"></div></body></html>';

for (const driver of DRIVERS) {
  describe(`[${driver}] the web console's build served at /`, () => {
    let env: TestEnv;
    let dir: string;
    beforeAll(async () => {
      // A stand-in for web/dist: the console's build output.
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-console-'));
      fs.mkdirSync(path.join(dir, 'assets'));
      fs.writeFileSync(path.join(dir, 'index.html'), INDEX);
      fs.writeFileSync(path.join(dir, 'assets', 'index-AbC123.js'), 'console.log("liên thông");');
      fs.writeFileSync(path.join(dir, 'assets', 'index-AbC123.css'), 'body{margin:0}');
      fs.writeFileSync(path.join(dir, 'assets', 'index-AbC123.js.gz'), zlib.gzipSync('console.log("liên thông");'));
      fs.writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
      env = await startEnv(driver, { LIENTHONG_CONSOLE_DIR: dir });
    });
    afterAll(async () => {
      await env.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const get = (url: string, accept = 'text/html,application/xhtml+xml,*/*;q=0.8') => env.app.inject({ method: 'GET', url, headers: { accept } });

    it('/ is index.html, not cached, with the strict Content-Security-Policy', async () => {
      const res = await get('/');
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe(INDEX);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
      for (const directive of [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
      ]) {
        expect(res.headers['content-security-policy']).toContain(directive);
      }
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    });

    it('assets/* are served with their type and cached for a year, immutable', async () => {
      const js = await get('/assets/index-AbC123.js', '*/*');
      expect(js.statusCode).toBe(200);
      expect(js.headers['content-type']).toMatch(/^text\/javascript/);
      expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(js.body).toContain('liên thông');
      expect((await get('/assets/index-AbC123.css', 'text/css')).headers['content-type']).toMatch(/^text\/css/);
      const missing = await get('/assets/khong-co.js', '*/*');
      expect(missing.statusCode).toBe(404);
      expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((await get('/assets/..%2f..%2fetc%2fpasswd', '*/*')).statusCode).toBe(404);
      expect((await get('/assets/%2e%2e/index.html', '*/*')).statusCode).toBe(404);
    });

    it('assets are sent as their gzip copy to a browser that accepts gzip, and as they are otherwise', async () => {
      const gz = await env.app.inject({ method: 'GET', url: '/assets/index-AbC123.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });
      expect(gz.headers).toMatchObject({ 'content-encoding': 'gzip', vary: 'accept-encoding', 'content-type': 'text/javascript; charset=utf-8' });
      expect(zlib.gunzipSync(gz.rawPayload).toString('utf8')).toBe('console.log("liên thông");');
      const plain = await env.app.inject({ method: 'GET', url: '/assets/index-AbC123.js', headers: { 'accept-encoding': 'identity' } });
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body).toBe('console.log("liên thông");');
      const css = await env.app.inject({ method: 'GET', url: '/assets/index-AbC123.css', headers: { 'accept-encoding': 'gzip' } });
      expect([css.headers['content-encoding'], css.body]).toEqual([undefined, 'body{margin:0}']); // no copy built: sent as it is
    });

    it('SPA fallback: /enrol/x and /agreements/1 load the console when a browser asks for a page', async () => {
      for (const url of ['/enrol/lte_abc', '/agreements/1', '/agreements/1?tab=history']) {
        const res = await get(url);
        expect(res.statusCode).toBe(200);
        expect(res.body).toBe(INDEX);
        expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
      }
      // Not a page request: the 404 problem.
      expect((await get('/agreements/1', 'application/json')).statusCode).toBe(404);
      expect((await get('/favicon.svg', 'image/*')).headers['content-type']).toBe('image/svg+xml');
    });

    it('the API, the gateway and the operations routes are never answered with the console', async () => {
      const api = await get('/api/nothing');
      expect(api.statusCode).toBe(404);
      expect(api.headers['content-type']).toMatch(/^application\/problem\+json/);
      const data = await get('/data/v1/khong-co/records');
      expect(data.headers['content-type']).not.toMatch(/^text\/html/);
      for (const url of ['/oauth/nothing', '/.well-known/nothing', '/problems/khong-co', '/metrics/x', '/healthz/x']) {
        const res = await get(url);
        expect(res.statusCode).toBe(404);
        expect(res.body).not.toBe(INDEX);
      }
      expect((await get('/healthz')).json()).toEqual({ status: 'ok' });
      expect((await env.app.inject({ method: 'POST', url: '/agreements/1', headers: { accept: 'text/html' } })).statusCode).toBe(404);
    });
  });

  describe(`[${driver}] without a console build`, () => {
    let env: TestEnv;
    beforeAll(async () => {
      env = await startEnv(driver, { LIENTHONG_CONSOLE_DIR: path.join(os.tmpdir(), 'lt-console-khong-co') });
    });
    afterAll(() => env.close());

    it('/ shows the start page, saying the console is not built (npm run build:web)', async () => {
      const res = await env.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('Liên Thông');
      expect(res.body).toContain('npm run build:web');
      expect(res.body).toMatch(/chưa được dựng/);
      expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
    });
  });
}
