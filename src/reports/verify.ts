import type { Database, Queryable } from '../db/database.ts';
import type { Ledger } from '../ledger/index.ts';
import { BUCKETS, type Figure, type FigureKey, KEY_COLUMNS, keyOf, tally } from './tally.ts';
import { positionOf } from './figures.ts';
import { type RollupDifference, checkRollups } from './rollups.ts';

/**
 * The recount (R-18.2, R-17.1): an auditor's check that the stored figures of a log are exactly
 * what its entries [0, position) add up to — read from the log itself, counted by the same code
 * as the job (tally.ts), compared figure by figure. Any difference is named: the figure's key,
 * the measure, the stored and the recounted value.
 */

interface FigureDifference {
  key: FigureKey;
  measure: string;
  stored: number;
  recounted: number;
}

export interface FiguresVerification {
  log: string;
  position: number;
  ok: boolean;
  entries_recounted: number;
  archived: number;
  differences: FigureDifference[];
  /** Rollup rows that do not add up to the daily figures (rollups.ts). */
  rollup_differences: RollupDifference[];
}

/** Entries read per page of the recount. */
const PAGE = 10_000;
/** Differences named at most (a wholesale change would otherwise make an unreadable report). */
const MAX_DIFFERENCES = 200;

const bucketCols = Array.from({ length: BUCKETS }, (_, i) => `lat_b${i}`);

async function storedFigures(q: Queryable, log: string): Promise<{ figures: Map<string, Figure>; beyond: { key: FigureKey; counted_to: number }[] }> {
  const r = await q.query<Record<string, string | number>>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, consumer_agency, consumer_system, dataset_code, form, status, rule,
            exchanges::float8 AS exchanges, bytes::float8 AS bytes, latency_ms_sum::float8 AS latency_ms_sum,
            ${bucketCols.map((c) => `${c}::float8 AS ${c}`).join(', ')}, counted_to::float8 AS counted_to
       FROM report_daily WHERE custodian_code = $1`,
    [log],
  );
  const figures = new Map<string, Figure>();
  const beyond: { key: FigureKey; counted_to: number }[] = [];
  const position = (await positionOf(q, log)).position;
  for (const row of r.rows) {
    const f: Figure = {
      day: String(row.day),
      consumer_agency: String(row.consumer_agency),
      consumer_system: String(row.consumer_system),
      dataset_code: String(row.dataset_code),
      form: String(row.form),
      status: Number(row.status),
      rule: String(row.rule),
      exchanges: Number(row.exchanges),
      bytes: Number(row.bytes),
      latency_ms_sum: Number(row.latency_ms_sum),
      buckets: bucketCols.map((c) => Number(row[c])),
    };
    figures.set(keyOf(f), f);
    // A row claiming to count entries the position does not cover was not written by the job.
    if (Number(row.counted_to) > position) beyond.push({ key: keyPart(f), counted_to: Number(row.counted_to) });
  }
  return { figures, beyond };
}

const keyPart = (f: FigureKey): FigureKey => Object.fromEntries(KEY_COLUMNS.map((c) => [c, f[c]])) as unknown as FigureKey;

function compare(stored: Map<string, Figure>, recounted: Map<string, Figure>): FigureDifference[] {
  const out: FigureDifference[] = [];
  const zero = (f: Figure): Figure => ({ ...f, exchanges: 0, bytes: 0, latency_ms_sum: 0, buckets: new Array<number>(BUCKETS).fill(0) });
  for (const k of new Set([...stored.keys(), ...recounted.keys()])) {
    const s = stored.get(k) ?? zero(recounted.get(k)!);
    const c = recounted.get(k) ?? zero(s);
    const measures: [string, number, number][] = [
      ['exchanges', s.exchanges, c.exchanges],
      ['bytes', s.bytes, c.bytes],
      ['latency_ms_sum', s.latency_ms_sum, c.latency_ms_sum],
      ...s.buckets.map((n, i): [string, number, number] => [`latency_bucket_${i}`, n, c.buckets[i]!]),
    ];
    for (const [measure, a, b] of measures) if (a !== b) out.push({ key: keyPart(s), measure, stored: a, recounted: b });
    if (out.length >= MAX_DIFFERENCES) break;
  }
  return out;
}

/** Recounts `log`'s figures from its entries, in one transaction that holds the job back (its position row is locked). */
export async function verifyFigures(db: Database, ledger: Ledger, log: string): Promise<FiguresVerification> {
  return db.transaction(async (tx) => {
    const at = await positionOf(tx, log, true);
    const { figures: stored, beyond } = await storedFigures(tx, log);
    const recounted = new Map<string, Figure>();
    let archived = 0;
    for (let from = 0; from < at.position; from += PAGE) {
      const rows = await ledger.entriesAfter(log, from, Math.min(PAGE, at.position - from), tx);
      archived += tally(
        rows.map((r) => r.entry),
        recounted,
      ).archived;
    }
    const differences = compare(stored, recounted);
    for (const b of beyond) differences.push({ key: b.key, measure: 'counted_to', stored: b.counted_to, recounted: at.position });
    if (archived !== at.archived)
      differences.push({
        key: { day: '', consumer_agency: '', consumer_system: '', dataset_code: '', form: '', status: 0, rule: '' },
        measure: 'archived',
        stored: at.archived,
        recounted: archived,
      });
    const rollupDifferences = await checkRollups(tx, log, recounted, MAX_DIFFERENCES);
    const ok = differences.length === 0 && rollupDifferences.length === 0;
    return { log, position: at.position, ok, entries_recounted: at.position, archived, differences, rollup_differences: rollupDifferences };
  });
}
