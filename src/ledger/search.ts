import type { SequencedIndex } from './log/index.ts';

/**
 * The search copies of a batch of leaves, as column arrays for one `unnest` insert. Read
 * here, with JSON.parse, rather than by the database: PostgreSQL's per-row JSON extraction (and
 * the sub-select that turns `record_keys` into an array) cost ~50 µs a leaf, three quarters of
 * sequencing. Record keys travel flat, with each leaf's offset and count, so the database slices
 * its array without parsing anything.
 */
export interface SearchColumns {
  requestedAt: string[];
  agency: (string | null)[];
  system: (string | null)[];
  dataset: (string | null)[];
  status: number[];
  keys: string[];
  keysFrom: number[];
  keysCount: number[];
}

interface SearchFields {
  requested_at: string;
  requester: { agency: string | null; system: string | null };
  dataset: string | null;
  record_keys: string[];
  response: { status: number };
}

/** `leaves`: the canonical JSON text of each leaf (what append wrote), in sequencing order. */
export function searchColumns(leaves: readonly string[]): SearchColumns {
  const out: SearchColumns = { requestedAt: [], agency: [], system: [], dataset: [], status: [], keys: [], keysFrom: [], keysCount: [] };
  for (const text of leaves) {
    const e = JSON.parse(text) as SearchFields;
    out.requestedAt.push(e.requested_at);
    out.agency.push(e.requester.agency);
    out.system.push(e.requester.system);
    out.dataset.push(e.dataset);
    out.status.push(e.response.status);
    out.keysFrom.push(out.keys.length);
    out.keysCount.push(e.record_keys.length);
    for (const k of e.record_keys) out.keys.push(k);
  }
  return out;
}

/** The INSERT … SELECT of `searchColumns`, parameters from `$first` on (log and first leaf index are $1, $2). */
function searchInsert(first: number): string {
  const p = (k: number) => `$${first + k}`;
  return `INSERT INTO ledger_search (custodian_code, leaf_index, requested_at, requester_agency, requester_system, dataset_code, record_keys, status)
    SELECT $1, $2::bigint + x.ord - 1, x.at::timestamptz, x.agency, x.system, x.dataset, (${p(7)}::text[])[x.kf + 1 : x.kf + x.kn], x.status
      FROM unnest(${p(0)}::text[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::int[], ${p(5)}::int[], ${p(6)}::int[])
           WITH ORDINALITY AS x(at, agency, system, dataset, status, kf, kn, ord)`;
}

const searchParams = (c: SearchColumns): unknown[] => [c.requestedAt, c.agency, c.system, c.dataset, c.status, c.keysFrom, c.keysCount, c.keys];

/** The search copies as the rows the integrator writes with each batch it sequences. */
export const searchIndex: SequencedIndex = { sql: searchInsert, params: (leaves) => searchParams(searchColumns(leaves)) };
