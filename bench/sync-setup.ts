/**
 * The world of the export and stream benchmarks: a throwaway PostgreSQL database made from
 * BENCH_DATABASE_URL (or DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres) and
 * dropped at the end, the platform listening on a free port in this process, a consumer account
 * granted can-bo-dang-vien (bench/gateway-setup.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../src/core/config.ts';
import { buildServer, listenAll } from '../src/http/server.ts';
import { type Platform, openPlatform } from '../src/platform.ts';
import { HOSTED, prepareGatewayWorld } from './gateway-setup.ts';
import { wallNow } from './push-consumers.ts';

const REPORT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'BENCHMARKS.md');

/** Puts `body` between this benchmark's markers in docs/BENCHMARKS.md (appended the first time), leaving every other part as it is. */
export function writeSection(name: string, body: string): void {
  const text = fs.readFileSync(REPORT, 'utf8');
  const block = `<!-- bench:${name} -->\n${body}<!-- /bench:${name} -->\n`;
  const re = new RegExp(`<!-- bench:${name} -->\\n[\\s\\S]*?<!-- /bench:${name} -->\\n?`);
  fs.writeFileSync(REPORT, re.test(text) ? text.replace(re, block) : `${text.trimEnd()}\n\n${block}`);
}

export const BASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface SyncWorld {
  platform: Platform;
  url: string;
  databaseUrl: string;
  consumer: { clientId: string; clientSecret: string };
  /** Each a consumer system of its own with the same grants (`consumer` is the first). */
  consumers: { clientId: string; clientSecret: string }[];
  dataset: string;
  purpose: string;
  close(): Promise<void>;
}

export const memberOf = (i: number) => ({
  member_number: `01.${String(i).padStart(6, '0')}`,
  full_name: `Nguyễn Văn ${i}`,
  citizen_id: `0010850${String(i).padStart(5, '0')}`.slice(0, 12),
  date_of_birth: '1985-01-01',
  gender: i % 2 ? '1' : '2',
  province_code: '01',
  admission_date: '2010-05-19',
  party_organisation_code: 'DB-01',
});

export async function startSyncWorld(env: Record<string, string> = {}, systems = 1): Promise<SyncWorld> {
  const name = `lt_bench_${crypto.randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(BASE_URL);
  u.pathname = `/${name}`;
  const databaseUrl = u.toString();
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-keys-'));
  const config = loadConfig({ DATABASE_URL: databaseUrl, LIENTHONG_KEY_DIR: keyDir, LIENTHONG_RATE_LIMIT_PER_SECOND: '100000', ...env });
  const consumers = [];
  for (let i = 0; i < systems; i++) consumers.push(await prepareGatewayWorld(config, 'http://127.0.0.1:9'));
  const consumer = consumers[0]!;
  const platform = await openPlatform(config);
  const app = await buildServer(platform, { logger: false });
  const [bound] = await listenAll(app, [{ zone: 'internet', host: '127.0.0.1', port: 0 }]);
  return {
    platform,
    url: bound!.url,
    databaseUrl,
    consumer,
    consumers,
    dataset: HOSTED.dataset,
    purpose: HOSTED.purpose,
    async close() {
      await app.close();
      await platform.close().catch(() => undefined);
      const c = new pg.Client({ connectionString: BASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      fs.rmSync(keyDir, { recursive: true, force: true });
    },
  };
}

/**
 * Writes `rate` changes a second in batches of `batch`, in an open loop: each batch is written when
 * due, not when the one before has committed — a slow commit must show as latency, not as a lower
 * rate (no coordinated omission). The first `warmup` seconds warm the platform (code compiled,
 * pools and caches filled, every consumer caught up once) and are not measured; their commit times
 * go to `warming`. Then `seconds` are measured: `committed` gets each key's commit time
 * (`wallNow`). The rate achieved is the changes whose commit fell inside the window ÷ the window
 * (throughput as completions a second); `commitP99Ms` is the writes' own latency, from when each
 * batch was due to its commit, over the window's batches.
 */
export async function writeOpenLoop(
  w: SyncWorld,
  o: { prefix: string; rate: number; batch: number; seconds: number; warmup: number },
  committed: Map<string, number>,
  warming: Map<string, number>,
): Promise<{ written: number; total: number; late: number; achieved: number; commitP99Ms: number }> {
  const intervalMs = (1000 * o.batch) / o.rate;
  const started = performance.now();
  const measuredFrom = started + o.warmup * 1000;
  let written = 0;
  let total = 0;
  let late = 0;
  let inWindow = 0;
  const commitMs: number[] = [];
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; performance.now() - measuredFrom < o.seconds * 1000; i++) {
    const due = started + i * intervalMs;
    const measured = due >= measuredFrom;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else if (measured) late++;
    const keys = Array.from({ length: o.batch }, (_, j) => `${o.prefix}-${i}-${j}`);
    const write = w.platform.sync.records
      .writeAs(
        'bench',
        w.dataset,
        keys.map((key, j) => ({ key, data: memberOf(i * o.batch + j) })),
      )
      .then(() => {
        const at = wallNow();
        const now = performance.now();
        for (const k of keys) (measured ? committed : warming).set(k, at);
        total += o.batch;
        if (measured) {
          written += o.batch;
          commitMs.push(now - due);
        }
        if (now >= measuredFrom && now <= measuredFrom + o.seconds * 1000) inWindow += o.batch;
      });
    inFlight.add(write);
    void write.finally(() => inFlight.delete(write));
  }
  await Promise.all(inFlight);
  commitMs.sort((a, b) => a - b);
  return { written, total, late, achieved: inWindow / o.seconds, commitP99Ms: commitMs[Math.floor(0.99 * commitMs.length)] ?? NaN };
}
