/**
 * `npm run bench`: bare Fastify vs the platform's authenticated
 * GET /api/v1/datasets/{code}, in one run, under identical load; writes
 * docs/BENCHMARKS.md and prints the same table. See the "How measured"
 * section of that file for the method.
 *
 * Then the data gateway (bench/gateway.ts) against its own baselines, and on the PostgreSQL server
 * the bulk export against COPY (bench/export.ts), the change stream's latency (bench/push-stream.ts) and
 * the webhooks' (bench/push-webhook.ts).
 *
 * Environment: BENCH_DURATION (seconds, default 10), BENCH_CONNECTIONS
 * (default 10), BENCH_GATEWAY_CONNECTIONS (default 50), DATABASE_URL (optional: benchmark on PostgreSQL instead of
 * PGlite — point it at a throwaway database, the run creates a user and a session).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { totpCode } from '../src/registry/credentials.ts';
import { type LoadOptions, type Measurement, measure } from './measure.ts';
import { gatewaySection, section, writeReport } from './report.ts';
import { benchGateway } from './gateway.ts';
import { type RunningServer, serveArgs, startServer } from './servers.ts';
import { teardown } from './cleanup.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPORT = path.join(ROOT, 'docs', 'BENCHMARKS.md');
const DATASET = 'to-chuc-dang';
// Credentials for the first admin of the throwaway database the platform starts on.
const ADMIN_PASSWORD = 'bench-only-password-0001';
const ADMIN_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const TOTP_PERIOD_MS = 30_000;

const cleanups = teardown();
const cleanUp = cleanups.run;

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

/** The command as typed, for the report; a password in DATABASE_URL is masked. */
function commandLine(): string {
  const env: string[] = [];
  for (const name of ['BENCH_DURATION', 'BENCH_CONNECTIONS', 'BENCH_GATEWAY_CONNECTIONS']) if (process.env[name]) env.push(`${name}=${process.env[name]}`);
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    if (url.password) url.password = '***';
    env.push(`DATABASE_URL=${url.href}`);
  }
  const cmd = process.env.npm_lifecycle_event === 'bench' ? 'npm run bench' : 'node --import tsx bench/run.ts';
  return [...env, cmd].join(' ');
}

async function start(spec: Parameters<typeof startServer>[0]): Promise<RunningServer> {
  const server = await startServer(spec);
  cleanups.push(() => server.stop());
  return server;
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(url, { headers });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function benchBare(load: LoadOptions): Promise<Measurement> {
  const server = await start({
    name: 'bare server',
    args: ['--import', 'tsx', path.join(ROOT, 'bench', 'bare-server.ts')],
    env: process.env,
    readyPattern: /listening on port (\d+)/,
  });
  const url = `${server.url}/bare`;
  await getJson(url);
  const m = await measure('bare Fastify `GET /bare`', url, {}, load);
  await server.stop(); // the platform gets the machine to itself
  return m;
}

/** Signs in as the first admin. A TOTP code is accepted once, so a reused database may need the next step's code. */
async function login(baseUrl: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD, totp: totpCode(ADMIN_TOTP_SECRET, new Date()) }),
    });
    if (res.ok) return ((await res.json()) as { token: string }).token;
    const body = await res.text();
    if (res.status !== 401 || attempt > 1) {
      throw new Error(
        `login failed: ${res.status} ${body}\n(the benchmark signs in as the "admin" it creates on a fresh database; is DATABASE_URL a throwaway database?)`,
      );
    }
    await new Promise((r) => setTimeout(r, TOTP_PERIOD_MS - (Date.now() % TOTP_PERIOD_MS) + 500));
  }
}

/**
 * One key-encryption key for the whole run: on PostgreSQL every server of the run opens the same
 * database, whose sealed datasets the first start sealed with it (a server with another KEK is
 * refused, as it should be).
 */
const kekDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lienthong-bench-kek-'));
cleanups.push(() => fs.rmSync(kekDir, { recursive: true, force: true }));

/** A platform server's environment: a fresh temporary data directory (PGlite) or DATABASE_URL. */
function platformEnv(): NodeJS.ProcessEnv {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lienthong-bench-'));
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  return {
    ...process.env,
    LIENTHONG_KEK_FILE: path.join(kekDir, 'kek.key'),
    PORT: '0',
    HOST: '127.0.0.1',
    LIENTHONG_DATA_DIR: dataDir,
    LIENTHONG_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LIENTHONG_ADMIN_TOTP_SECRET: ADMIN_TOTP_SECRET,
    LIENTHONG_LOG_LEVEL: 'warn',
  };
}

async function benchPlatform(load: LoadOptions): Promise<{ m: Measurement; driver: string }> {
  const server = await start({
    name: 'platform',
    args: serveArgs(),
    env: platformEnv(),
    readyPattern: /Console:\s+http:\/\/[^\s/]+:(\d+)/,
  });
  const { database: driver } = (await getJson(`${server.url}/readyz`)) as { database: string };
  const headers = { authorization: `Bearer ${await login(server.url)}` };
  const url = `${server.url}/api/v1/datasets/${DATASET}`;
  const probe = (await getJson(url, headers)) as { code?: string };
  if (probe.code !== DATASET) throw new Error(`GET ${url} returned an unexpected body: ${JSON.stringify(probe)}`);
  const m = await measure(`platform \`GET /api/v1/datasets/${DATASET}\` (${driver})`, url, headers, load);
  await server.stop();
  return { m, driver };
}

/** How idle the cores are right now (the load average lags by minutes), sampled over one second. */
async function machineBusyness(): Promise<{ loadAvg1: number; idlePercent: number }> {
  const sum = (): { idle: number; total: number } =>
    os.cpus().reduce((a, c) => ({ idle: a.idle + c.times.idle, total: a.total + Object.values(c.times).reduce((x, y) => x + y, 0) }), { idle: 0, total: 0 });
  const t0 = sum();
  await new Promise((r) => setTimeout(r, 1000));
  const t1 = sum();
  return { loadAvg1: os.loadavg()[0]!, idlePercent: (100 * (t1.idle - t0.idle)) / Math.max(1, t1.total - t0.total) };
}

async function main(): Promise<void> {
  const before = await machineBusyness();
  const load: LoadOptions = { connections: positiveInt('BENCH_CONNECTIONS', 10), durationS: positiveInt('BENCH_DURATION', 10), warmupS: 2 };
  console.log(`Benchmarking: ${load.connections} connections, ${load.warmupS} s warm-up + ${load.durationS} s measured per server…`);
  const bare = await benchBare(load);
  console.log(`  bare: ${Math.round(bare.rps)} req/s`);
  const { m: platform, driver } = await benchPlatform(load);
  console.log(`  platform: ${Math.round(platform.rps)} req/s\n`);
  const facts = { driver, load, command: commandLine(), when: new Date(), before };
  writeReport(REPORT, driver, section(bare, platform, facts));
  console.log(section(bare, platform, facts));

  const gatewayLoad: LoadOptions = { ...load, connections: positiveInt('BENCH_GATEWAY_CONNECTIONS', 50) };
  console.log(`Data gateway: ${gatewayLoad.connections} connections…`);
  const gateway = await benchGateway(start, platformEnv(), gatewayLoad);
  const gatewayReport = gatewaySection(gateway, { ...facts, when: new Date() });
  writeReport(REPORT, `gateway-${driver}`, gatewayReport);
  console.log(gatewayReport);
  // The export, the stream and the webhooks need the PostgreSQL server (COPY is the export's baseline); each runs alone.
  if (driver === 'postgres') for (const script of ['export.ts', 'push-stream.ts', 'push-webhook.ts']) runAlone(script);
  console.log(`Written to ${path.relative(process.cwd(), REPORT)}`);
}

/** A benchmark in a process of its own (it writes its own section of the report). */
function runAlone(script: string): void {
  console.log(`\n${script}…`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', script)], { stdio: 'inherit', env: { ...process.env, BENCH_WRITE: '1' } });
  if (r.status !== 0) throw new Error(`bench/${script} failed (${r.status ?? r.signal})`);
}

// Ctrl-C or a kill must not leave a server or a data directory behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping servers and removing temporary files…`);
    void cleanUp().finally(() => process.exit(128 + os.constants.signals[signal]));
  });
}

try {
  await main();
} catch (err) {
  console.error(`\nBenchmark FAILED: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
