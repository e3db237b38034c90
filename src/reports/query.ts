import { PROBLEMS, Problem } from '../core/errors.ts';
import type { Queryable } from '../db/database.ts';
import { type Principal, seesEverything } from '../registry/index.ts';
import { tableFor } from './rollups.ts';
import { BUCKETS, quantileMs } from './tally.ts';

/**
 * Reading the figures (R-18.2): sums of the daily rows, grouped as asked, each answer stating the
 * log positions it is counted up to. Who sees what: a custodian its own log, a consumer agency its
 * own consumption in every log, coordinators and auditors everything.
 */

/** What figures may be grouped by, and the column each is. */
const GROUPS = {
  custodian: 'custodian_code',
  day: 'day',
  consumer_agency: 'consumer_agency',
  consumer_system: 'consumer_system',
  dataset: 'dataset_code',
  form: 'form',
  status: 'status',
  rule: 'rule',
} as const;
export type Group = keyof typeof GROUPS;
export const GROUP_NAMES = Object.keys(GROUPS) as Group[];

export interface FiguresQuery {
  custodian?: string | undefined;
  consumer?: string | undefined;
  dataset?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  group_by: Group[];
}

export interface FigureRow {
  group: Partial<Record<Group, string | number>>;
  exchanges: number;
  bytes: number;
  latency: { sum_ms: number; count: number; mean_ms: number | null; p50_ms: number | null; p95_ms: number | null; buckets: number[] };
}

/** At most this many groups in one answer (a day × system × dataset grouping over a year stays well under it). */
const MAX_ROWS = 10_000;

const bucketCols = Array.from({ length: BUCKETS }, (_, i) => `lat_b${i}`);

export async function readFigures(q: Queryable, p: Principal, f: FiguresQuery) {
  if (f.from && f.to && f.from > f.to)
    throw new Problem(PROBLEMS.badRequest, { detail: 'Ngày bắt đầu phải trước ngày kết thúc.', detail_en: '`from` must not be after `to`.' });
  const params: unknown[] = [];
  const arg = (v: unknown) => (params.push(v), `$${params.length}`);
  const where: string[] = [];
  if (!seesEverything(p)) {
    const me = arg(p.agencyCode);
    where.push(`(custodian_code = ${me} OR consumer_agency = ${me})`);
  }
  if (f.custodian) where.push(`custodian_code = ${arg(f.custodian)}`);
  if (f.consumer) where.push(`consumer_agency = ${arg(f.consumer)}`);
  if (f.dataset) where.push(`dataset_code = ${arg(f.dataset)}`);
  if (f.from) where.push(`day >= ${arg(f.from)}::date`);
  if (f.to) where.push(`day <= ${arg(f.to)}::date`);
  const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const groups = [...new Set(f.group_by)];
  const table = tableFor({
    needsConsumers: !seesEverything(p) || !!f.consumer || groups.includes('consumer_agency') || groups.includes('consumer_system'),
    needsDatasets: !!f.dataset || groups.includes('dataset'),
    byDay: groups.includes('day'),
    from: f.from,
    to: f.to,
  }).table;
  // Grouped by the columns themselves (a date sorts and hashes cheaper than its text), formatted once a group.
  const cols = groups.map((g) => (g === 'day' ? `to_char(day, 'YYYY-MM-DD') AS day` : `${GROUPS[g]} AS ${g}`));
  const by = groups.map((g) => GROUPS[g]).join(', ');
  const r = await q.query<Record<string, string | number>>(
    `SELECT ${[
      ...cols,
      'sum(exchanges)::float8 AS exchanges',
      'sum(bytes)::float8 AS bytes',
      'sum(latency_ms_sum)::float8 AS latency_ms_sum',
      ...bucketCols.map((c) => `sum(${c})::float8 AS ${c}`),
    ].join(', ')}
       FROM ${table} ${cond}${groups.length ? ` GROUP BY ${by} ORDER BY ${by}` : ''}
      LIMIT ${MAX_ROWS + 1}`,
    params,
  );
  if (r.rows.length > MAX_ROWS) {
    throw new Problem(PROBLEMS.badRequest, {
      detail: `Quá ${MAX_ROWS} nhóm: hãy thu hẹp khoảng thời gian hoặc bớt tiêu chí nhóm.`,
      detail_en: `More than ${MAX_ROWS} groups: narrow the period or group by less.`,
    });
  }
  // An empty selection still sums to one row of nulls: no figures.
  const rows: FigureRow[] = r.rows.filter((x) => x.exchanges !== null).map((x) => figureRow(x, groups));
  return { as_of: await asOf(q, f.custodian), group_by: groups, rows };
}

function figureRow(x: Record<string, string | number>, groups: Group[]): FigureRow {
  const buckets = bucketCols.map((c) => Number(x[c] ?? 0));
  const count = buckets.reduce((a, b) => a + b, 0);
  const sum = Number(x.latency_ms_sum ?? 0);
  return {
    group: Object.fromEntries(groups.map((g) => [g, g === 'status' ? Number(x[g]) : String(x[g])])),
    exchanges: Number(x.exchanges),
    bytes: Number(x.bytes),
    latency: {
      sum_ms: sum,
      count,
      mean_ms: count ? Math.round(sum / count) : null,
      p50_ms: quantileMs(buckets, 0.5),
      p95_ms: quantileMs(buckets, 0.95),
      buckets,
    },
  };
}

/**
 * The position each log in the answer is counted up to — the size of a signed checkpoint of it
 * (the job counts no further), so anyone can recount against that checkpoint. Public anyway:
 * checkpoints are.
 */
async function asOf(q: Queryable, custodian: string | undefined) {
  const r = await q.query<{ custodian_code: string; position: string | number; updated_at: Date }>(
    `SELECT custodian_code, position, updated_at FROM report_positions WHERE ($1::text IS NULL OR custodian_code = $1) ORDER BY custodian_code`,
    [custodian ?? null],
  );
  return r.rows.map((x) => ({ log: x.custodian_code, position: Number(x.position), checkpoint_size: Number(x.position), counted_at: x.updated_at }));
}
