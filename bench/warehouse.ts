/**
 * The shared data warehouse, measured on the PostgreSQL server:
 *
 * 1. Ingestion: BENCH_WH_CHANGES records (default 200,000) written to can-bo-dang-vien through the
 *    platform, then one ingestion pass timed (feed → typed DuckDB table, masks computed, history
 *    kept). Baseline in the same run: reading the same changes from the feed alone, the part of
 *    the pass that is not the warehouse's.
 * 2. A grouped aggregation over BENCH_WH_ROWS rows (default 10,000,000: the ingested records copied
 *    in DuckDB until there are that many), asked by an analyst through the platform's own path
 *    (grants, compiled views, masks, the sharing-log entry before the answer), against the same SQL
 *    run straight on the PostgreSQL server over a table of the same rows (made from the hosted
 *    records the same way). Both answers must be equal.
 *
 * Run: `npm run bench:warehouse` (BENCH_DATABASE_URL or DATABASE_URL, default the local server).
 * Writes its section of docs/BENCHMARKS.md.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import type { Principal } from '../src/registry/principal.ts';
import { type Platform, openPlatform } from '../src/platform.ts';
import { memberOf, startSyncWorld, writeSection } from './sync-setup.ts';

const CHANGES = Number(process.env.BENCH_WH_CHANGES ?? 200_000);
const ROWS = Number(process.env.BENCH_WH_ROWS ?? 10_000_000);
const ROUNDS = Number(process.env.BENCH_WH_ROUNDS ?? 10);
const DATASET = 'can-bo-dang-vien';
const SQL = 'SELECT province_code, count(*) AS n FROM can_bo_dang_vien GROUP BY province_code ORDER BY province_code';

const analyst: Principal = {
  userId: crypto.randomUUID(),
  username: 'bench.analyst',
  fullName: 'Bench analyst',
  agencyCode: 'VPCP',
  roles: ['analyst'],
  sessionId: 'bench',
  sessionExpiresAt: new Date(Date.now() + 86_400_000),
};

/** The provinces of the shipped administrative units (34 since 2025), spread over the records. */
const PROVINCES = (JSON.parse(fs.readFileSync(new URL('../reference/don-vi-hanh-chinh/units-2025.json', import.meta.url), 'utf8')) as { Code: string }[]).map(
  (p) => p.Code,
);
const member = (i: number) => ({ ...memberOf(i), province_code: PROVINCES[i % PROVINCES.length]! });

const seconds = (t0: number) => (performance.now() - t0) / 1000;
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

async function timed<T>(rounds: number, fn: () => Promise<T>): Promise<{ ms: number[]; last: T }> {
  let last = await fn(); // warm-up, not measured
  const ms: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    last = await fn();
    ms.push(performance.now() - t0);
  }
  return { ms, last };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-wh-'));
const file = path.join(dir, 'warehouse.duckdb');
const world = await startSyncWorld({ LIENTHONG_WAREHOUSE_FILE: file });
/** The platform opened again on the filled warehouse. */
let platform: Platform | undefined;
const started = new Date();
try {
  // 1. Ingestion.
  const t0 = performance.now();
  for (let i = 0; i < CHANGES; i += 5_000) {
    const n = Math.min(5_000, CHANGES - i);
    await world.platform.sync.records.writeAs(
      'bench',
      DATASET,
      Array.from({ length: n }, (_, j) => ({ key: `wh-${i + j}`, data: member(i + j) })),
    );
  }
  const writeSeconds = seconds(t0);
  const f0 = performance.now();
  let read = 0;
  for (let after = 0; ;) {
    // (the batch size ingestion reads with, src/warehouse/ingest.ts)
    const page = await world.platform.sync.feed.changesAsText(DATASET, after, 20_000);
    if (page.length === 0) break;
    read += page.length;
    after = page.at(-1)!.position;
  }
  const feedSeconds = seconds(f0);
  const i0 = performance.now();
  const ingested = await world.platform.warehouse.ingest();
  const ingestSeconds = seconds(i0);
  const changes = ingested.changes;

  // 2. The same rows, many times over, in both engines.
  await world.platform.close();
  const copies = Math.max(1, Math.ceil(ROWS / changes));
  const d0 = performance.now();
  const duck = await DuckDBInstance.create(file);
  const c = await duck.connect();
  const t = `base."${DATASET}"`;
  await c.run(`INSERT INTO ${t} SELECT * EXCLUDE (copy) REPLACE (_key || '-' || copy AS _key)
    FROM ${t}, range(1, ${copies}) AS r(copy) WHERE _key NOT LIKE '%-%-%'`);
  const duckRows = Number((await c.runAndReadAll(`SELECT count(*) FROM ${t} WHERE _valid_to IS NULL`)).getRows()[0]![0]);
  c.closeSync();
  duck.closeSync();
  const duckFillSeconds = seconds(d0);

  const sql = new pg.Client({ connectionString: world.databaseUrl });
  await sql.connect();
  const p0 = performance.now();
  await sql.query(
    `CREATE TABLE can_bo_dang_vien AS
    SELECT data->>'member_number' AS member_number, data->>'full_name' AS full_name,
           (data->>'date_of_birth')::date AS date_of_birth, data->>'province_code' AS province_code
      FROM records, generate_series(1, $1::int) AS copy WHERE dataset_code = $2 AND NOT deleted`,
    [copies, DATASET],
  );
  await sql.query('VACUUM ANALYZE can_bo_dang_vien');
  const pgFillSeconds = seconds(p0);

  platform = await openPlatform(world.platform.config);
  const again = platform;
  const asked = await timed(ROUNDS, () => again.warehouse.query(analyst, { sql: SQL, limit: 10_000 }, 'bench'));
  const direct = await timed(ROUNDS, () => sql.query(SQL));
  await sql.end();
  const warehouseAnswer = JSON.stringify(asked.last.rows.map((r) => [String(r[0]), Number(r[1])]));
  const pgAnswer = JSON.stringify(direct.last.rows.map((r: { province_code: string; n: string }) => [r.province_code, Number(r.n)]));
  if (warehouseAnswer !== pgAnswer) throw new Error('the warehouse and PostgreSQL answer differently');
  const total = asked.last.rows.reduce((s, r) => s + Number(r[1]), 0);
  if (total !== duckRows) throw new Error(`the analyst's view counts ${total} rows of ${duckRows}`);

  const [wP50, wP99, gP50, gP99] = [percentile(asked.ms, 50), percentile(asked.ms, 99), percentile(direct.ms, 50), percentile(direct.ms, 99)];
  const ingestRate = changes / ingestSeconds;
  const load = os.loadavg()[0]!;
  const body = `## Shared data warehouse (R-7.3) on the PostgreSQL server

Command: \`npm run bench:warehouse\` (BENCH_WH_CHANGES=${CHANGES}, BENCH_WH_ROWS=${ROWS}, ${ROUNDS} rounds after a warm-up), ${started.toISOString()}; 1-min load average at the end ${fmt(load, 2)} on ${os.cpus().length} cores.

| what | measured | baseline (same run) | ratio | goal |
|---|--:|--:|--:|---|
| ingestion: one pass, ${fmt(changes)} changes → typed DuckDB table with history and masks | ${fmt(ingestRate)} changes/s (${fmt(ingestSeconds, 2)} s) | reading the same changes from the feed: ${fmt(read / feedSeconds)} changes/s | ${fmt(ingestSeconds / feedSeconds, 2)}× the feed read's time | ≥ 50,000 changes/s: ${ingestRate >= 50_000 ? 'met' : 'not met'} |
| grouped aggregation over ${fmt(duckRows)} rows, as an analyst (grants, compiled view, log entry), p50 / p99 | ${fmt(wP50, 1)} / ${fmt(wP99, 1)} ms | the same SQL on PostgreSQL: ${fmt(gP50, 1)} / ${fmt(gP99, 1)} ms | PostgreSQL ÷ warehouse (p50): **${fmt(gP50 / wP50, 1)}×** | ≤ 1 s and ≥ 10× faster: ${wP99 <= 1000 && gP50 / wP50 >= 10 ? 'met' : 'not met'} |

The SQL: \`${SQL}\`; both answers are checked equal (one group per province, summing to every row). Setup, not measured:
${fmt(CHANGES)} records written through the platform in ${fmt(writeSeconds, 1)} s; DuckDB filled to ${fmt(duckRows)} rows by copying
the ingested ones (${fmt(duckFillSeconds, 1)} s); the PostgreSQL table made from the hosted records the same way (\`CREATE TABLE … AS\`,
four columns, then \`VACUUM ANALYZE\`: ${fmt(pgFillSeconds, 1)} s). PostgreSQL runs with its defaults (parallel workers allowed);
DuckDB with the warehouse's settings (2 threads, external access locked).

An ingestion pass is the feed's read from PostgreSQL (one binary COPY of 20,000 changes a batch, the
content kept as JSON text: \`feed.changesAsText\`, the baseline here) plus the warehouse's own work (staging
the batch as one text of JSON lines parsed by one DuckDB statement, masks (in SQL where they equal the gateway's), typed columns, closing the previous versions); the next batch is read
while DuckDB writes this one, so the pass costs more than the read alone only by what DuckDB and the
masks take beyond it.
`;
  writeSection('warehouse', body);
  console.log(body);
} finally {
  await platform?.close();
  await world.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
