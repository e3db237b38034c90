import { vietnamDate } from '../core/time.ts';
import type { LedgerEntry } from '../ledger/index.ts';

/**
 * Counting exchanges from sharing-log entries (R-17.2 → ): pure code, used both by the job
 * that keeps the daily figures current and by the recount that verifies them, so the two cannot
 * count differently.
 */

/** Upper bounds (ms) of the latency histogram's buckets; the last bucket is everything slower. */
const LATENCY_BOUNDS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000] as const;
export const BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/** What a figure is counted by (empty string: none — an unidentified caller, no dataset, no rule). */
export interface FigureKey {
  day: string;
  consumer_agency: string;
  consumer_system: string;
  dataset_code: string;
  form: string;
  status: number;
  rule: string;
}

export interface Figure extends FigureKey {
  exchanges: number;
  bytes: number;
  latency_ms_sum: number;
  buckets: number[];
}

export const KEY_COLUMNS = ['day', 'consumer_agency', 'consumer_system', 'dataset_code', 'form', 'status', 'rule'] as const;

export const keyOf = (k: FigureKey): string => KEY_COLUMNS.map((c) => String(k[c])).join('\u0001');

function bucketOf(ms: number): number {
  const i = LATENCY_BOUNDS_MS.findIndex((b) => ms <= b);
  return i === -1 ? LATENCY_BOUNDS_MS.length : i;
}

/**
 * The figures one entry adds. A summary of refusals to unidentified callers (gateway
 * unidentified.ts: `query.summary = 'unidentified-refusals'`, `statuses = "401:12,429:3"`) stands
 * for that many exchanges, counted by their statuses; it states no bytes or latency of each.
 */
export function figuresOf(e: LedgerEntry): Figure[] {
  const base = {
    day: vietnamDate(new Date(e.requested_at)),
    consumer_agency: e.requester.agency ?? '',
    consumer_system: e.requester.system ?? '',
    dataset_code: e.dataset ?? '',
    form: e.form,
    rule: e.response.rule ?? '',
  };
  const q = e.request.query;
  if (q.summary === 'unidentified-refusals' && typeof q.statuses === 'string') {
    return q.statuses.split(',').flatMap((part) => {
      const [status, n] = part.split(':').map(Number);
      if (!Number.isInteger(status) || !Number.isInteger(n) || n! <= 0) return [];
      return [{ ...base, status: status!, exchanges: n!, bytes: 0, latency_ms_sum: 0, buckets: new Array<number>(BUCKETS).fill(0) }];
    });
  }
  const latency = Math.max(0, Date.parse(e.responded_at) - Date.parse(e.requested_at)) || 0;
  const buckets = new Array<number>(BUCKETS).fill(0);
  buckets[bucketOf(latency)] = 1;
  return [{ ...base, status: e.response.status, exchanges: 1, bytes: e.response.bytes ?? 0, latency_ms_sum: latency, buckets }];
}

/** Adds `f` into the map of figures by key. */
function addFigure(into: Map<string, Figure>, f: Figure): void {
  const k = keyOf(f);
  const had = into.get(k);
  if (!had) {
    into.set(k, { ...f, buckets: [...f.buckets] });
    return;
  }
  had.exchanges += f.exchanges;
  had.bytes += f.bytes;
  had.latency_ms_sum += f.latency_ms_sum;
  f.buckets.forEach((n, i) => (had.buckets[i]! += n));
}

/** The figures of a run of entries (archived leaves are passed as null and only counted apart). */
export function tally(entries: readonly (LedgerEntry | null)[], into = new Map<string, Figure>()): { figures: Map<string, Figure>; archived: number } {
  let archived = 0;
  for (const e of entries) {
    if (e === null) archived++;
    else for (const f of figuresOf(e)) addFigure(into, f);
  }
  return { figures: into, archived };
}

/** The value under which `share` (0–1) of the exchanges fall, as the upper bound of its bucket (null: none, or beyond the last bound). */
export function quantileMs(buckets: readonly number[], share: number): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i]!;
    if (seen >= share * total) return LATENCY_BOUNDS_MS[i] ?? null;
  }
  return null;
}
