/**
 * Dashboard figures at national scale (R-18.2): `GET /api/v1/reports/figures` over the daily figures
 * of BENCH_EXCHANGES exchanges (default 10,000,000) in one year, the four questions the console's
 * dashboards ask, each timed over real HTTP with a coordinator's session. Baseline in the same run:
 * `GET /api/v1/datasets/to-chuc-dang` (same session, same server, one indexed row).
 *
 *   npm run bench:figures                      (PGlite, a temporary data directory)
 *   DATABASE_URL=postgres://…/throwaway npm run bench:figures
 *
 * The figures are written as the counter writes them (`report_daily`: one row a day, custodian,
 * consumer system, dataset, form, status and refusal rule), generated in SQL rather than counted
 * from 10 million log entries, which would take most of an hour to build: what a dashboard reads
 * is those rows, and their number, not the log's, is what its time depends on. Every seeded agency
 * is a custodian with 4 datasets, each used by 20 consumer systems; each day about half of the
 * (system, dataset) pairs exchange, in 4 kinds (read 200, read refused 403 by R-8.2, feed 200,
 * export 200) — about 1.5 million rows for a year — and the rollups are added from them as the
 * counter adds a batch (src/reports/rollups.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/core/config.ts';
import { buildServer } from '../src/http/server.ts';
import { openPlatform } from '../src/platform.ts';
import { ensureFirstAdmin } from '../src/registry/bootstrap.ts';
import { addToRollups } from '../src/reports/rollups.ts';
import { totpCode } from '../src/registry/credentials.ts';
import { teardown } from './cleanup.ts';
import { latencyRun } from './ledger-util.ts';
import { writeSection } from './report.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXCHANGES = Number(process.env.BENCH_EXCHANGES ?? 10_000_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const YEAR = 2026;
const ADMIN_PASSWORD = 'bench-only-password-0001';
const ADMIN_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const GOAL_P99_MS = 100;

const cleanups = teardown();
process.on('SIGINT', () => void cleanups.run().then(() => process.exit(130)));

/** The daily rows of EXCHANGES exchanges, spread evenly over the rows (the dashboards' time depends on the rows, not the split). */
const GENERATE = `
WITH custodians AS (SELECT code, row_number() OVER (ORDER BY code) AS n FROM agencies),
kinds(form, status, rule, k) AS (VALUES ('read', 200, '', 0), ('read', 403, 'R-8.2', 1), ('feed', 200, '', 2), ('export', 200, '', 3)),
base AS (
  SELECT c.code AS custodian, d::date AS day, s, ds, kinds.form, kinds.status, kinds.rule,
         row_number() OVER () AS rn
    FROM custodians c
    CROSS JOIN generate_series(make_date($1, 1, 1), make_date($1, 12, 31), interval '1 day') AS d
    CROSS JOIN generate_series(1, 20) AS s
    CROSS JOIN generate_series(1, 4) AS ds
    CROSS JOIN kinds
   WHERE (hashtext(c.code || d::text || s || '/' || ds) & 1) = 0 AND (kinds.k = 0 OR (hashtext(d::text || s || kinds.k) & 3) = 0)
),
total AS (SELECT count(*) AS r FROM base)
INSERT INTO report_daily (custodian_code, day, consumer_agency, consumer_system, dataset_code, form, status, rule,
                          exchanges, bytes, latency_ms_sum, lat_b2, counted_to)
SELECT b.custodian, b.day, (SELECT code FROM custodians WHERE n = 1 + (b.s % (SELECT count(*) FROM custodians))),
       'HT-' || b.s, lower(b.custodian) || '-du-lieu-' || b.ds, b.form, b.status, b.rule,
       e.x, e.x * 828, e.x * 12, e.x, b.rn
  FROM base b CROSS JOIN total t
  CROSS JOIN LATERAL (SELECT $2::bigint / t.r + CASE WHEN b.rn <= $2::bigint % t.r THEN 1 ELSE 0 END AS x) e`;

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-figures-'));
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const config = loadConfig({ ...process.env, LIENTHONG_DATA_DIR: dataDir, LIENTHONG_KEY_DIR: path.join(dataDir, 'keys'), LIENTHONG_LOG_LEVEL: 'warn' });
  const platform = await openPlatform(config);
  cleanups.push(() => platform.close());
  const driver = platform.db.driver;
  const existing = await platform.db.query<{ n: string }>('SELECT count(*) AS n FROM report_daily');
  if (Number(existing.rows[0]!.n) > 0) throw new Error('report_daily is not empty: point DATABASE_URL at a throwaway database');

  console.log(`generating the daily figures of ${EXCHANGES.toLocaleString('en-US')} exchanges in ${YEAR} (${driver})…`);
  const g0 = performance.now();
  await platform.db.query(GENERATE, [YEAR, EXCHANGES]);
  // The rollups, as the counter adds a batch to them (here: every daily row at once).
  await platform.db.transaction((tx) => addToRollups(tx, 'SELECT * FROM report_daily', []));
  await platform.db.exec('ANALYZE report_daily, report_daily_totals, report_daily_custodian, report_monthly, report_monthly_totals, report_monthly_custodian');
  const facts = (await platform.db.query<{ rows: string; total: string }>('SELECT count(*) AS rows, sum(exchanges) AS total FROM report_daily')).rows[0]!;
  if (Number(facts.total) !== EXCHANGES) throw new Error(`generated ${facts.total} exchanges, not ${EXCHANGES}`);
  console.log(`  ${Number(facts.rows).toLocaleString('en-US')} rows in ${((performance.now() - g0) / 1000).toFixed(1)} s`);

  await ensureFirstAdmin(platform.registry.users, { adminPassword: ADMIN_PASSWORD, adminTotpSecret: ADMIN_TOTP_SECRET });
  const app = await buildServer(platform, { logger: false });
  cleanups.push(() => app.close());
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD, totp: totpCode(ADMIN_TOTP_SECRET, new Date()) }),
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const headers = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };

  const custodian = (await platform.db.query<{ c: string }>('SELECT custodian_code AS c FROM report_daily GROUP BY 1 ORDER BY sum(exchanges) DESC LIMIT 1'))
    .rows[0]!.c;
  const consumer = (await platform.db.query<{ c: string }>('SELECT consumer_agency AS c FROM report_daily GROUP BY 1 ORDER BY sum(exchanges) DESC LIMIT 1'))
    .rows[0]!.c;
  const year = `from=${YEAR}-01-01&to=${YEAR}-12-31`;
  const questions = [
    { label: 'baseline: `GET /api/v1/datasets/to-chuc-dang`', url: '/api/v1/datasets/to-chuc-dang' },
    { label: 'national, by day and status, the year', url: `/api/v1/reports/figures?group_by=day,status&${year}` },
    { label: 'national, by custodian and status, the year', url: `/api/v1/reports/figures?group_by=custodian,status&${year}` },
    { label: `one custodian (${custodian}), by day and status`, url: `/api/v1/reports/figures?custodian=${custodian}&group_by=day,status&${year}` },
    { label: `one consumer agency (${consumer}), by dataset and status`, url: `/api/v1/reports/figures?consumer=${consumer}&group_by=dataset,status&${year}` },
  ];
  const runs = [];
  for (const q of questions) {
    const samples: number[] = [];
    let exchanges = 0;
    for (let i = 0; i < REQUESTS + 10; i++) {
      const t0 = performance.now();
      const res = await fetch(`${base}${q.url}`, { headers });
      const body = await res.text();
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`GET ${q.url}: ${res.status} ${body}`);
      if (i >= 10) samples.push(ms);
      if (i === 0 && q.url.includes('figures')) exchanges = (JSON.parse(body) as { rows: { exchanges: number }[] }).rows.reduce((a, r) => a + r.exchanges, 0);
    }
    const run = latencyRun(q.label, samples);
    console.log(
      `  ${q.label}: p50 ${run.p50Ms.toFixed(1)} ms, p99 ${run.p99Ms.toFixed(1)} ms${exchanges ? `, ${exchanges.toLocaleString('en-US')} exchanges` : ''}`,
    );
    runs.push({ ...run, exchanges });
  }
  // The national questions must add up to every exchange generated: a fast wrong answer is no answer.
  for (const r of runs.slice(1, 3)) if (r.exchanges !== EXCHANGES) throw new Error(`${r.label} summed ${r.exchanges}, not ${EXCHANGES}`);

  const baseline = runs[0]!;
  const worst = Math.max(...runs.slice(1).map((r) => r.p99Ms));
  const f1 = (x: number) => x.toFixed(1);
  const section = [
    `<!-- figures-${driver}:begin -->`,
    `## Dashboard figures at 10 million exchanges (${driver})`,
    '',
    `\`npm run bench:figures\` (bench/figures.ts), ${new Date().toISOString().slice(0, 16)} UTC, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(2)} at the end. ${EXCHANGES.toLocaleString('en-US')} exchanges of ${YEAR} as ${Number(facts.rows).toLocaleString('en-US')} daily figure rows (generated as the counter writes them; see the file's header). ${REQUESTS} requests a question, one at a time over HTTP (keep-alive) with a coordinator's session, after 10 unmeasured; ratios against the baseline in the same run.`,
    '',
    '| question | p50 ms | p99 ms | p99 × baseline | goal |',
    '|---|--:|--:|--:|---|',
    ...runs.map(
      (r, i) =>
        `| ${r.label} | ${f1(r.p50Ms)} | ${f1(r.p99Ms)} | ${i === 0 ? '1.0×' : `${(r.p99Ms / baseline.p99Ms).toFixed(1)}×`} | ${i === 0 ? '' : `≤ ${GOAL_P99_MS} ms: ${r.p99Ms <= GOAL_P99_MS ? 'met' : '**not met**'}`} |`,
    ),
    '',
    `Worst p99: ${f1(worst)} ms. The two national questions summed to ${EXCHANGES.toLocaleString('en-US')} exchanges, as generated.`,
    `<!-- figures-${driver}:end -->`,
  ].join('\n');
  console.log(section);
  writeSection(path.join(ROOT, 'docs/BENCHMARKS.md'), `figures-${driver}`, section);
}

try {
  await main();
} finally {
  await cleanups.run();
}
