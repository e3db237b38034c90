import type { Queryable } from '../db/database.ts';
import { BUCKETS, type Figure } from './tally.ts';

/**
 * Coarser copies of the daily figures, so that a dashboard over a year of national exchanges reads
 * thousands of rows instead of millions (docs/reports.md, `npm run bench:figures`). Each rollup
 * drops the consumer columns, or counts by month instead of by day, or both. The counter adds to
 * them in the same transaction as to `report_daily` (so they never disagree with it), the recount
 * checks them against `report_daily`, and a question is answered from the smallest one that holds
 * every column it filters or groups by.
 */
export interface Rollup {
  table: string;
  /** `month`: the period column `day` holds the first day of its month. */
  grain: 'day' | 'month';
  /** Whether the consumer columns (agency, system) are kept. */
  consumers: boolean;
  /** Whether the dataset column is kept. */
  datasets: boolean;
}

/** Smallest first: the order in which a question tries them. `report_daily` is the figures themselves. */
const ROLLUPS: readonly Rollup[] = [
  { table: 'report_monthly_totals', grain: 'month', consumers: false, datasets: false },
  { table: 'report_monthly_custodian', grain: 'month', consumers: false, datasets: true },
  { table: 'report_daily_totals', grain: 'day', consumers: false, datasets: false },
  { table: 'report_daily_custodian', grain: 'day', consumers: false, datasets: true },
  { table: 'report_monthly', grain: 'month', consumers: true, datasets: true },
];
const DAILY: Rollup = { table: 'report_daily', grain: 'day', consumers: true, datasets: true };

const MEASURES = ['exchanges', 'bytes', 'latency_ms_sum', ...Array.from({ length: BUCKETS }, (_, i) => `lat_b${i}`)];

/** The key columns of a rollup, in its primary key's order. */
function keyColumns(r: Rollup): string[] {
  return ['custodian_code', 'day', ...(r.consumers ? ['consumer_agency', 'consumer_system'] : []), ...(r.datasets ? ['dataset_code'] : []), 'form', 'status', 'rule'];
}

/** The period a daily row falls in, in a rollup (`d` is a date expression). */
const periodOf = (r: Rollup, d: string): string => (r.grain === 'month' ? `date_trunc('month', ${d})::date` : d);

/**
 * Adds the daily rows `source` (a SELECT of `report_daily`'s columns, aliased `x`) into every rollup:
 * grouped first, so one statement never updates a row twice.
 */
export async function addToRollups(tx: Queryable, source: string, params: unknown[]): Promise<void> {
  for (const r of ROLLUPS) {
    const keys = keyColumns(r);
    const select = keys.map((k) => (k === 'day' ? periodOf(r, 'x.day') : `x.${k}`));
    await tx.query(
      `INSERT INTO ${r.table} (${keys.join(', ')}, ${MEASURES.join(', ')})
       SELECT ${select.join(', ')}, ${MEASURES.map((m) => `sum(x.${m})`).join(', ')} FROM (${source}) AS x GROUP BY ${select.map((_, i) => i + 1).join(', ')}
       ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${MEASURES.map((m) => `${m} = ${r.table}.${m} + EXCLUDED.${m}`).join(', ')}`,
      params,
    );
  }
}

export interface RollupDifference {
  table: string;
  key: Record<string, string | number>;
  measure: string;
  stored: number;
  recounted: number;
}

/** A figure's measures in MEASURES order. */
const measuresOf = (f: Figure): number[] => [f.exchanges, f.bytes, f.latency_ms_sum, ...f.buckets];

/**
 * Each rollup of `log` against the figures recounted from its entries (not against `report_daily`,
 * which may be the table tampered with): any row that differs, named.
 */
export async function checkRollups(q: Queryable, log: string, recounted: ReadonlyMap<string, Figure>, limit: number): Promise<RollupDifference[]> {
  const out: RollupDifference[] = [];
  for (const r of ROLLUPS) {
    const keys = keyColumns(r).filter((k) => k !== 'custodian_code');
    const keyOfRow = (row: Record<string, unknown>) => keys.map((k) => String(row[k])).join('\u0001');
    const expected = new Map<string, { key: Record<string, string | number>; values: number[] }>();
    for (const f of recounted.values()) {
      const { buckets: _, ...key } = f;
      const row: Record<string, string | number> = { ...key, day: r.grain === 'month' ? `${f.day.slice(0, 7)}-01` : f.day };
      const k = keyOfRow(row);
      const had = expected.get(k);
      if (had) measuresOf(f).forEach((v, i) => (had.values[i]! += v));
      else expected.set(k, { key: Object.fromEntries(keys.map((c) => [c, row[c]!])), values: measuresOf(f) });
    }
    const stored = await q.query<Record<string, string | number>>(
      `SELECT ${keys.map((k) => (k === 'day' ? "to_char(day, 'YYYY-MM-DD') AS day" : k)).join(', ')}, ${MEASURES.map((m) => `${m}::float8 AS ${m}`).join(', ')}
         FROM ${r.table} WHERE custodian_code = $1`,
      [log],
    );
    const zero = MEASURES.map(() => 0);
    const seen = new Set<string>();
    for (const row of stored.rows) {
      const k = keyOfRow(row);
      seen.add(k);
      const want = expected.get(k)?.values ?? zero;
      MEASURES.forEach((m, i) => {
        if (Number(row[m]) !== want[i]) out.push({ table: r.table, key: Object.fromEntries(keys.map((c) => [c, row[c]!])), measure: m, stored: Number(row[m]), recounted: want[i]! });
      });
    }
    for (const [k, e] of expected) {
      if (seen.has(k)) continue;
      MEASURES.forEach((m, i) => e.values[i] !== 0 && out.push({ table: r.table, key: e.key, measure: m, stored: 0, recounted: e.values[i]! }));
    }
    if (out.length >= limit) break;
  }
  return out.slice(0, limit);
}

/**
 * The smallest table that can answer: it must keep the consumer columns when the question filters
 * or groups by them (or the reader may see only its own consumption), the dataset column when it
 * filters or groups by dataset, and may count by month only when the question does not group by
 * day and its period is whole months.
 */
export function tableFor(q: {
  needsConsumers: boolean;
  needsDatasets: boolean;
  byDay: boolean;
  from?: string | undefined;
  to?: string | undefined;
}): Rollup {
  const wholeMonths = !q.byDay && (!q.from || q.from.endsWith('-01')) && (!q.to || isLastDayOfMonth(q.to));
  return (
    ROLLUPS.find((r) => (r.consumers || !q.needsConsumers) && (r.datasets || !q.needsDatasets) && (r.grain === 'day' || wholeMonths)) ?? DAILY
  );
}

function isLastDayOfMonth(day: string): boolean {
  const d = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return false;
  d.setUTCDate(d.getUTCDate() + 1);
  return d.getUTCDate() === 1;
}
