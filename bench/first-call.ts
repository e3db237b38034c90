/**
 * `node --import tsx bench/first-call.ts`: the latency of the first gateway read after `serve`
 * starts (what warm-up at start saves), then of the next ones, on DATABASE_URL or PGlite.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/core/config.ts';
import { prepareGatewayWorld } from './gateway-setup.ts';
import { serveArgs, startServer } from './servers.ts';
import { HOSTED } from './gateway-setup.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-first-call-'));
let url = process.env.DATABASE_URL ?? '';
if (url) {
  const name = `lt_first_${Date.now()}`;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  url = u.toString();
}
const env = {
  ...process.env,
  DATABASE_URL: url,
  LIENTHONG_DATA_DIR: dir,
  PORT: '0',
  LIENTHONG_LOG_LEVEL: 'warn',
  LIENTHONG_ADMIN_PASSWORD: 'mat-khau-do-goi-dau-2025',
};
const { clientId, clientSecret } = await prepareGatewayWorld(loadConfig(env), 'http://127.0.0.1:9');
const server = await startServer({ name: 'serve', args: serveArgs(), env, readyPattern: /Console:\s+http:\/\/[^\s/]+:(\d+)/ });
const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
let t = performance.now();
const tok = (await (await fetch(`${server.url}/oauth/token`, { method: 'POST', body: form })).json()) as { access_token: string };
console.log(`token: ${(performance.now() - t).toFixed(0)} ms`);
for (let i = 0; i < 4; i++) {
  t = performance.now();
  const res = await fetch(`${server.url}/data/v1/${HOSTED.dataset}/records/${HOSTED.key}`, {
    headers: { authorization: `Bearer ${tok.access_token}`, 'lienthong-purpose': HOSTED.purpose },
  });
  await res.arrayBuffer();
  console.log(`read ${i + 1}: ${res.status} ${(performance.now() - t).toFixed(0)} ms`);
}
await server.stop();
fs.rmSync(dir, { recursive: true, force: true });
