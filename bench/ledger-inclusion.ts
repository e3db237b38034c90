/**
 * Inclusion-proof latency, run by bench/ledger.ts as a child process so that it measures a
 * process like `serve` — not one whose heap still holds the million leaves verify just read
 * (its garbage collections would show up in the p99). Opens the platform on the benchmark's
 * database and times, one call at a time, against the log's current size:
 *   0. the service with the tile cache still empty (what a proof costs before `serve` has warmed it);
 *      then `ledger.warmTiles()`, which `serve` runs at start-up, and:
 *   1. `platform.ledger.inclusion(log, index, size)` — what the route calls;
 *   2. `GET /api/v1/ledger/{log}/proof/inclusion` through `buildServer` + `app.inject`;
 *   3. the same over a listening socket with keep-alive `fetch`.
 * Prints progress, then one line `RESULT {json}`.
 *
 * Environment (set by bench/ledger.ts): LT_BENCH_DATABASE_URL, LT_BENCH_KEY_DIR, LT_BENCH_LOG,
 * LT_BENCH_PROOFS.
 */
import { performance } from 'node:perf_hooks';
import { systemClock } from '../src/core/clock.ts';
import { loadConfig } from '../src/core/config.ts';
import { openDatabase } from '../src/db/open.ts';
import { buildServer } from '../src/http/server.ts';
import { verifyInclusion } from '../src/ledger/log/merkle.ts';
import { openPlatform } from '../src/platform.ts';
import { ensureFirstAdmin } from '../src/registry/bootstrap.ts';
import { totpCode } from '../src/registry/credentials.ts';
import type { LatencyRun } from './ledger-report.ts';
import { cpuSnapshot, latencyRun, otherCpu, prng } from './ledger-util.ts';

const ADMIN_PASSWORD = 'bench-only-password-0001';
const ADMIN_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const WARMUP = 200;
export const TILE_CACHE_MB = 1024;

export interface InclusionResult {
  size: number;
  cold: LatencyRun;
  warm: { tiles: number; seconds: number; cacheMb: number };
  service: LatencyRun;
  inject: LatencyRun;
  tcp: LatencyRun;
  proofsChecked: number;
  proofLength: number;
  /** CPU seconds other processes used while this ran, and the machine's capacity over it */
  otherCpu: { other: number; capacity: number } | null;
}

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (this file is run by bench/ledger.ts)`);
  return v;
}

async function main(): Promise<InclusionResult> {
  const url = need('LT_BENCH_DATABASE_URL');
  const log = need('LT_BENCH_LOG');
  const proofs = Number(need('LT_BENCH_PROOFS'));
  // The tile cache is sized so every log of the benchmark's database fits (about 3 million entries
  // in all, 16 KiB an expanded tile of 256): what an operator sizes LIENTHONG_LEDGER_TILE_CACHE_MB for.
  const config = loadConfig({
    DATABASE_URL: url,
    LIENTHONG_KEY_DIR: need('LT_BENCH_KEY_DIR'),
    LIENTHONG_LOG_LEVEL: 'warn',
    LIENTHONG_LEDGER_TILE_CACHE_MB: String(TILE_CACHE_MB),
  });
  const platform = await openPlatform(config, { clock: systemClock, db: await openDatabase({ databaseUrl: url }) });
  try {
    const { db, ledger } = platform;
    const cpu0 = await cpuSnapshot(db);
    const size = await ledger.treeSize(log);
    // A fresh list of random indexes per path (the process's proof caches warm up as it goes).
    const indexes = (seed: number) => {
      const random = prng(seed);
      return Array.from({ length: proofs + WARMUP }, () => Math.floor(random() * size));
    };
    const timeEach = async (list: number[], call: (index: number) => Promise<void>): Promise<number[]> => {
      const ms: number[] = [];
      for (const [i, index] of list.entries()) {
        const s = performance.now();
        await call(index);
        if (i >= WARMUP) ms.push(performance.now() - s);
      }
      return ms;
    };
    console.log(
      `inclusion (child process ${process.pid}): ${proofs} random proofs per path at size ${size.toLocaleString('en-US')} (+${WARMUP} warm-up), one at a time…`,
    );

    let proofLength = 0;
    const cold = latencyRun(
      'service, tile cache not yet warmed (each tile read from the database)',
      await timeEach(indexes(383), async (index) => {
        await ledger.inclusion(log, index, size);
      }),
    );
    console.log(`  service, cold: p50 ${cold.p50Ms.toFixed(3)} ms, p99 ${cold.p99Ms.toFixed(3)} ms`);
    const w0 = performance.now();
    const warm = { tiles: await ledger.warmTiles(), seconds: (performance.now() - w0) / 1000, cacheMb: TILE_CACHE_MB };
    console.log(`  warmTiles: ${warm.tiles} tiles in ${warm.seconds.toFixed(2)} s`);

    const service = latencyRun(
      'service `ledger.inclusion`',
      await timeEach(indexes(384), async (index) => {
        proofLength = (await ledger.inclusion(log, index, size)).hashes.length;
      }),
    );
    console.log(`  service: p50 ${service.p50Ms.toFixed(3)} ms, p99 ${service.p99Ms.toFixed(3)} ms`);

    // A fast wrong answer is no answer: check a sample against the newest checkpoint's root.
    const cp = await ledger.checkpoint(log);
    if (cp.tree_size !== size) throw new Error(`newest checkpoint ${cp.tree_size} != tree size ${size}`);
    const root = Buffer.from(cp.root_hash, 'base64');
    const sample = indexes(17).slice(0, 50);
    const leafRows = await db.query<{ leaf_index: number; leaf_hash: Uint8Array }>(
      'SELECT e.leaf_index, q.leaf_hash FROM ledger_entries e JOIN ledger_queue q ON q.id = e.queue_id WHERE e.custodian_code = $1 AND e.leaf_index = ANY($2::bigint[])',
      [log, sample],
    );
    const leafAt = new Map(leafRows.rows.map((r) => [Number(r.leaf_index), r.leaf_hash]));
    for (const index of sample) {
      const proof = (await ledger.inclusion(log, index, size)).hashes.map((h) => Buffer.from(h, 'base64'));
      if (!verifyInclusion(leafAt.get(index)!, index, size, proof, root)) throw new Error(`inclusion proof for ${index} does not verify`);
    }

    // Through HTTP: the platform's server and a coordinator's session (the first admin).
    await ensureFirstAdmin(platform.registry.users, { adminPassword: ADMIN_PASSWORD, adminTotpSecret: ADMIN_TOTP_SECRET });
    const app = await buildServer(platform, { logger: false });
    try {
      const login = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'admin', password: ADMIN_PASSWORD, totp: totpCode(ADMIN_TOTP_SECRET, new Date()) },
      });
      if (login.statusCode !== 200) throw new Error(`login failed: ${login.statusCode} ${login.body}`);
      const authorization = `Bearer ${(login.json() as { token: string }).token}`;
      const path = (index: number) => `/api/v1/ledger/${log}/proof/inclusion?index=${index}&size=${size}`;

      const inject = latencyRun(
        'HTTP `GET …/proof/inclusion` (inject)',
        await timeEach(indexes(385), async (index) => {
          const res = await app.inject({ method: 'GET', url: path(index), headers: { authorization } });
          if (res.statusCode !== 200) throw new Error(`GET ${path(index)}: ${res.statusCode} ${res.body}`);
        }),
      );
      console.log(`  HTTP (inject): p50 ${inject.p50Ms.toFixed(3)} ms, p99 ${inject.p99Ms.toFixed(3)} ms`);

      const address = await app.listen({ port: 0, host: '127.0.0.1' });
      const tcp = latencyRun(
        'HTTP `GET …/proof/inclusion` (TCP, keep-alive fetch)',
        await timeEach(indexes(386), async (index) => {
          const res = await fetch(`${address}${path(index)}`, { headers: { authorization } });
          const body = await res.text();
          if (res.status !== 200) throw new Error(`GET ${path(index)} over TCP: ${res.status} ${body}`);
        }),
      );
      console.log(`  HTTP (TCP): p50 ${tcp.p50Ms.toFixed(3)} ms, p99 ${tcp.p99Ms.toFixed(3)} ms`);
      return { size, cold, warm, service, inject, tcp, proofsChecked: sample.length, proofLength, otherCpu: otherCpu(cpu0, await cpuSnapshot(db)) };
    } finally {
      await app.close();
    }
  } finally {
    await platform.close();
  }
}

try {
  console.log(`RESULT ${JSON.stringify(await main())}`);
} catch (err) {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
}
