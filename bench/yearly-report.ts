/**
 * `node --import tsx bench/yearly-report.ts`: the yearly report of one custodian with
 * many exchanges — goal: 10 million exchanges in the year, preview + XLSX + PDF in ≤ 10 s.
 *
 * The volume is made in the figures directly, not through the gateway: `report_daily` rows for
 * every day of the year × BENCH_YEARLY_DATASETS datasets × BENCH_YEARLY_SYSTEMS consumer systems ×
 * 2 forms × 3 statuses (INSERT … SELECT over generate_series), with exchanges per row chosen so
 * they add up to BENCH_YEARLY_EXCHANGES (default 10,000,000), and the log's counted position set
 * to that total — which is what the counting job leaves after counting that many entries. The
 * report reads only these rows (and the control plane), so the time measured is the report's.
 * Runs on a fresh embedded database in a temporary folder, or on DATABASE_URL when set.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/core/config.ts';
import { openPlatform } from '../src/platform.ts';
import type { Principal } from '../src/registry/index.ts';

const TOTAL = Number(process.env.BENCH_YEARLY_EXCHANGES ?? 10_000_000);
const DATASETS = Number(process.env.BENCH_YEARLY_DATASETS ?? 10);
const SYSTEMS = Number(process.env.BENCH_YEARLY_SYSTEMS ?? 25);
const YEAR = 2026;
const LOG = 'BTCTW';

const office: Principal = {
  userId: 'bench',
  username: 'bench',
  fullName: 'Đo hiệu năng',
  agencyCode: 'VPTW',
  roles: ['coordinator'],
  sessionId: 'bench',
  sessionExpiresAt: new Date(8.64e15),
};

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const out = await fn();
  return [out, performance.now() - t];
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lt-bench-yearly-'));
  const config = loadConfig({ ...process.env, LIENTHONG_DATA_DIR: dataDir, LIENTHONG_ADMIN_PASSWORD: 'mat-khau-do-hieu-nang-2026' });
  const platform = await openPlatform(config);
  try {
    const rows = 365 * DATASETS * SYSTEMS * 2 * 3;
    const per = Math.floor(TOTAL / rows);
    const rest = TOTAL - per * rows;
    const [, fill] = await timed(() =>
      platform.db.query(
        `INSERT INTO report_daily (custodian_code, day, consumer_agency, consumer_system, dataset_code, form, status, rule, exchanges, bytes, latency_ms_sum, lat_b3, counted_to)
         SELECT $1, d::date, 'A' || (s % 5), 'SYS-' || s, 'ds-' || k, f, st, CASE WHEN st = 200 THEN '' ELSE 'R-5.2' END,
                x, x * 2048, x * 30, x, $4
           FROM generate_series($2::date, $3::date, interval '1 day') AS d, generate_series(1, ${DATASETS}) AS k, generate_series(1, ${SYSTEMS}) AS s,
                unnest(ARRAY['api', 'sync']) AS f, unnest(ARRAY[200, 403, 404]) AS st,
                LATERAL (SELECT ${per} + CASE WHEN d::date = $2::date AND k = 1 AND s = 1 AND f = 'api' AND st = 200 THEN ${rest} ELSE 0 END AS x) AS v`,
        [LOG, `${YEAR}-01-01`, `${YEAR}-12-31`, TOTAL],
      ),
    );
    await platform.db.query(
      'INSERT INTO report_positions (custodian_code, position, updated_at) VALUES ($1, $2, now()) ON CONFLICT (custodian_code) DO UPDATE SET position = EXCLUDED.position',
      [LOG, TOTAL],
    );
    const yearly = platform.reports.yearly;
    const [preview, previewMs] = await timed(() => yearly.preview(office, LOG, YEAR));
    if (preview.content.totals.exchanges !== TOTAL) throw new Error(`counted ${preview.content.totals.exchanges}, expected ${TOTAL}`);
    const [xlsx, xlsxMs] = await timed(() => yearly.draft(office, LOG, YEAR, 'xlsx'));
    const [pdf, pdfMs] = await timed(() => yearly.draft(office, LOG, YEAR, 'pdf'));
    const driver = config.databaseUrl ? 'PostgreSQL server' : 'PGlite (embedded)';
    const line = (what: string, ms: number) => `| ${what} | ${(ms / 1000).toFixed(2)} s |`;
    console.log(
      [
        `Yearly report, ${driver}: ${TOTAL.toLocaleString('en')} exchanges in ${rows.toLocaleString('en')} daily rows (${DATASETS} datasets × ${SYSTEMS} systems × 2 forms × 3 statuses × 365 days), filled in ${(fill / 1000).toFixed(1)} s`,
        '| step | time |',
        '|---|---|',
        line('preview (figures in one GROUPING SETS pass + control plane)', previewMs),
        line(`draft XLSX (${xlsx.length.toLocaleString('en')} bytes)`, xlsxMs),
        line(`draft PDF (${pdf.length.toLocaleString('en')} bytes)`, pdfMs),
        line('all three', previewMs + xlsxMs + pdfMs),
      ].join('\n'),
    );
  } finally {
    await platform.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
