/**
 * Platform servers under fault: real `lienthong serve` child processes (bench/servers.ts), each on
 * its own database of the suite's PostgreSQL and its own temporary key/data directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { loadConfig } from '../../src/core/config.ts';
import { totpCode } from '../../src/registry/credentials.ts';
import { HOSTED, prepareGatewayWorld } from '../../bench/gateway-setup.ts';
import { type RunningServer, serveArgs, startServer } from '../../bench/servers.ts';
import type { Suite } from './context.ts';
import { sleep } from './context.ts';

export { HOSTED };

const ADMIN_PASSWORD = 'faults-only-password-0001';
const ADMIN_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const READY = /Console:\s+http:\/\/[^\s/]+:(\d+)/;

/** Environment of a platform server: DATABASE_URL, a fresh key/data directory, known admin credentials. */
export function platformEnv(suite: Suite, databaseUrl: string | undefined, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lienthong-faults-'));
  suite.cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: '0',
    LIENTHONG_DATA_DIR: dataDir,
    LIENTHONG_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LIENTHONG_ADMIN_TOTP_SECRET: ADMIN_TOTP_SECRET,
    LIENTHONG_LOG_LEVEL: 'warn',
    LIENTHONG_ACCESS_TOKEN_TTL_SECONDS: '3600',
    ...extra,
  };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;
  return env;
}

/** Starts `lienthong serve`; stopped by the suite's teardown if the scenario does not stop it. */
/** What `serve` prints while it waits for its database (it listens meanwhile, answering 503). */
export const WAITING = /waiting for the database[^\n]*?http:\/\/[^\s/]+:(\d+)/;

export async function startPlatform(suite: Suite, name: string, env: NodeJS.ProcessEnv, startTimeoutMs = 90_000, readyPattern = READY): Promise<RunningServer> {
  const server = await startServer({ name, args: serveArgs(), env, readyPattern, startTimeoutMs });
  suite.cleanups.push(() => server.stop());
  return server;
}

/** Whether the child is still running. */
export function alive(server: RunningServer): boolean {
  return server.child.exitCode === null && server.child.signalCode === null;
}

/** Consumer system, agreements, one hosted record and a connection account (bench/gateway-setup.ts). */
export async function prepareWorld(env: NodeJS.ProcessEnv): Promise<{ clientId: string; clientSecret: string }> {
  // The proxy dataset's service is registered but never called by the suite.
  return prepareGatewayWorld(loadConfig(env), 'http://127.0.0.1:9');
}

async function json<T>(res: Awaited<ReturnType<typeof request>>, what: string): Promise<T> {
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${what}: ${res.statusCode} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** Signs in as the first admin (coordinator: sees every sharing log and receipt). */
export async function login(baseUrl: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const res = await request(`${baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD, totp: totpCode(ADMIN_TOTP_SECRET, new Date()) }),
    });
    if (res.statusCode === 200) return ((await res.body.json()) as { token: string }).token;
    const body = await res.body.text();
    // A TOTP step is accepted once: a second sign-in in the same 30 s waits for the next code.
    if (res.statusCode !== 401 || attempt > 1) throw new Error(`admin login failed: ${res.statusCode} ${body}`);
    await sleep(30_000 - (Date.now() % 30_000) + 500);
  }
}

export async function accessToken(baseUrl: string, clientId: string, clientSecret: string): Promise<string> {
  const res = await request(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
  });
  return (await json<{ access_token: string }>(res, 'POST /oauth/token')).access_token;
}

export async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  return json<T>(await request(url, { headers }), `GET ${url}`);
}

export interface VerifyOutcome {
  code: number | null;
  ms: number;
  reports: Array<{ log: string; entries: number; checkpoints: number; ok: boolean; divergence: unknown }> | null;
  output: string;
}

/** `lienthong ledger verify --json` on the platform's database, as an operator runs it. */
export async function ledgerVerify(env: NodeJS.ProcessEnv): Promise<VerifyOutcome> {
  const { spawn } = await import('node:child_process');
  const bin = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'bin', 'lienthong.mjs');
  const t0 = Date.now();
  const child = spawn(process.execPath, [bin, 'ledger', 'verify', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => void (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => void (err = (err + c.toString()).slice(-4000)));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  let reports: VerifyOutcome['reports'] = null;
  try {
    reports = JSON.parse(out) as VerifyOutcome['reports'];
  } catch {
    /* reported through output */
  }
  return { code, ms: Date.now() - t0, reports, output: `${out.slice(-2000)}${err}` };
}
