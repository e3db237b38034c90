import type { SequencedIndex } from './log/index.ts';

/**
 * The search copies of a batch of leaves, as column arrays for one `unnest` insert. Read
 * here, with JSON.parse, rather than by the database: PostgreSQL's per-row JSON extraction (and
 * the sub-select that turns `record_keys` into an array) cost ~50 µs a leaf, three quarters of
 * sequencing. Each leaf's record keys travel as one array literal, which the database parses on
 * its own: slicing each leaf's keys out of one flat array parameter would walk the array from its
 * start every row, a batch costing the square of its size (~20 µs a leaf at 4,096 a batch).
 */
export interface SearchColumns {
  requestedAt: string[];
  agency: (string | null)[];
  system: (string | null)[];
  dataset: (string | null)[];
  status: number[];
  keys: string[];
}

interface SearchFields {
  requested_at: string;
  requester: { agency: string | null; system: string | null };
  dataset: string | null;
  record_keys: string[];
  response: { status: number };
}

/** A text[] literal: every element quoted, so commas, braces, spaces and the empty string stay as they are. */
export function arrayLiteral(values: readonly string[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) out += `${i ? ',' : ''}"${values[i]!.replace(/["\\]/g, '\\$&')}"`;
  return `${out}}`;
}

/** `leaves`: the canonical JSON text of each leaf (what append wrote), in sequencing order. */
export function searchColumns(leaves: readonly string[]): SearchColumns {
  const out: SearchColumns = { requestedAt: [], agency: [], system: [], dataset: [], status: [], keys: [] };
  for (const text of leaves) {
    const e = JSON.parse(text) as SearchFields;
    out.requestedAt.push(e.requested_at);
    out.agency.push(e.requester.agency);
    out.system.push(e.requester.system);
    out.dataset.push(e.dataset);
    out.status.push(e.response.status);
    out.keys.push(arrayLiteral(e.record_keys));
  }
  return out;
}

/** The INSERT … SELECT of `searchColumns`, parameters from `$first` on (log and first leaf index are $1, $2). */
function searchInsert(first: number): string {
  const p = (k: number) => `$${first + k}`;
  return `INSERT INTO ledger_search (custodian_code, leaf_index, requested_at, requester_agency, requester_system, dataset_code, record_keys, status)
    SELECT $1, $2::bigint + x.ord - 1, x.at::timestamptz, x.agency, x.system, x.dataset, x.keys::text[], x.status
      FROM unnest(${p(0)}::text[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::int[], ${p(5)}::text[])
           WITH ORDINALITY AS x(at, agency, system, dataset, status, keys, ord)`;
}

const searchParams = (c: SearchColumns): unknown[] => [c.requestedAt, c.agency, c.system, c.dataset, c.status, c.keys];

/** The search copies as the rows the integrator writes with each batch it sequences. */
export const searchIndex: SequencedIndex = { sql: searchInsert, params: (leaves) => searchParams(searchColumns(leaves)) };
