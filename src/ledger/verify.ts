import type { Queryable, Transaction } from '../db/database.ts';
import type { Divergence, LeafRule, LogVerifyOptions } from './log/index.ts';

/**
 * Verification of a sharing log: the log's own (every leaf, tile, checkpoint; log/verify.ts) with
 * what only the sharing log knows about its leaves — each names its log, and each has a search
 * copy that must say what the leaf says.
 */
export interface VerifyOptions {
  /** Leaf indexes per page (default 50,000; the tests use small pages to cross page boundaries). */
  pageSize?: number;
  /**
   * Also compare every search copy (ledger_search, R-4.5) with its leaf. Off by default: it is a
   * derived index that the integrator fills from the leaves and that can be rebuilt from them,
   * not part of what the tree commits to, and checking it costs about a third of verify's time.
   */
  searchCopies?: boolean;
  /**
   * More handles on the same snapshot (`withSnapshotReaders`): pages are read round-robin on
   * `q` and these, so several server backends read while this process hashes.
   */
  readers?: Transaction[];
}

/** The log's verification options for a sharing log: its leaves' own log, and optionally their search copies. */
export function sharingLogChecks(options: VerifyOptions): LogVerifyOptions<SearchPage> {
  return { pageSize: options.pageSize, readers: options.readers, belongs: leafOfLog, leafRule: options.searchCopies ? searchCopies : undefined };
}

/**
 * The leaf's own log, checked on its bytes: in RFC 8785 JSON the top-level "log" member is the
 * first `"log":` (members before it — agreement_ids, dataset, form, gateway_instance — hold only
 * strings, whose quotes are escaped). A leaf failing this fast test is parsed to be sure. On
 * 0x00 ‖ leaf: no view of the leaf alone is made for the million leaves that pass.
 */
function leafOfLog(log: string): (framed: Buffer) => boolean {
  const logKey = Buffer.from('"log":');
  const logMember = Buffer.from(`"log":${JSON.stringify(log)},`);
  return (framed) => {
    const at = framed.indexOf(logKey, 1);
    if (at >= 0 && framed.compare(logMember, 0, logMember.length, at, at + logMember.length) === 0) return true;
    try {
      return (JSON.parse(framed.toString('utf8', 1)) as { log?: unknown }).log === log;
    } catch {
      return false;
    }
  };
}

/** every leaf has a search copy saying what it says, and no copy lies beyond the tree. */
interface SearchPage {
  first: number;
  rows: (SearchRow | undefined)[];
}

const searchCopies: LeafRule<SearchPage> = {
  async read(q, log, first, last) {
    const r = await q.query<SearchRow>(
      `SELECT leaf_index, to_char(requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS requested_at, requester_agency, requester_system,
              dataset_code, array_to_json(record_keys)::text AS record_keys, status
         FROM ledger_search WHERE custodian_code = $1 AND leaf_index BETWEEN $2 AND $3 ORDER BY leaf_index`,
      [log, first, last],
    );
    const rows: (SearchRow | undefined)[] = [];
    for (const row of r.rows) rows[Number(row.leaf_index) - first] = row;
    return { first, rows };
  },
  check:
    ({ first, rows }) =>
    (i, leaf) => {
      const copy = rows[i - first];
      if (!copy) return `entry ${i} has no search copy (ledger_search)`;
      return searchMatches(leaf, copy) ? null : `entry ${i}: its search copy (ledger_search) does not match the leaf`;
    },
  async finish(q: Queryable, log: string, size: number): Promise<Divergence | null> {
    const extra = await q.query<{ i: number | null }>('SELECT min(leaf_index) AS i FROM ledger_search WHERE custodian_code = $1 AND leaf_index >= $2', [
      log,
      size,
    ]);
    const i = extra.rows[0]!.i;
    return i === null ? null : { index: Number(i), what: `search row ${i} has no entry` };
  },
};

interface SearchRow {
  leaf_index: number;
  /** formatted as JavaScript's toISOString, the form entries carry */
  requested_at: string;
  requester_agency: string | null;
  requester_system: string | null;
  dataset_code: string | null;
  /** JSON text */
  record_keys: string;
  status: number;
}

const J = JSON.stringify;

const scratch = Buffer.alloc(64 * 1024);
/** `expected` is in `leaf` at byte `pos` (compared through a reused buffer: no allocation a field). */
function at(leaf: Buffer, pos: number, expected: string): boolean {
  if (pos < 0 || expected.length * 3 > scratch.length) return false;
  const n = scratch.write(expected, 0, 'utf8');
  return leaf.compare(scratch, 0, n, pos, pos + n) === 0;
}
const KEY = {
  dataset: Buffer.from('"dataset":'),
  recordKeys: Buffer.from('"record_keys":'),
  requestedAt: Buffer.from('"requested_at":'),
  agency: Buffer.from('"agency":'),
  status: Buffer.from('"status":'),
};

/**
 * the search copy must say what the leaf says — an edited copy would answer "who received
 * record X" falsely. The leaf is RFC 8785 JSON (its hash was just checked against the tree), so
 * each member has one spelling at one place: members before `request` are the first occurrence of
 * their key (only strings come before them, whose quotes are escaped), members after it the last
 * (only strings, `requester` and `response` follow `request`, whose `query` may hold any key).
 * Comparing those bytes costs a few searches a leaf where JSON.parse cost 8 µs; a leaf that does
 * not match them (another time format, say) is parsed and compared field by field.
 */
function searchMatches(leaf: Buffer, s: SearchRow): boolean {
  if (
    at(leaf, leaf.indexOf(KEY.dataset), `"dataset":${J(s.dataset_code)},"form":`) &&
    at(leaf, leaf.indexOf(KEY.recordKeys), `"record_keys":${s.record_keys},"request":`) &&
    at(leaf, leaf.lastIndexOf(KEY.requestedAt), `"requested_at":${J(s.requested_at)},"requester":`) &&
    at(leaf, leaf.lastIndexOf(KEY.agency), `"agency":${J(s.requester_agency)},"system":${J(s.requester_system)}},"responded_at":`) &&
    at(leaf, leaf.lastIndexOf(KEY.status), `"status":${s.status}},"trace_id":`)
  )
    return true;
  try {
    const e = JSON.parse(leaf.toString('utf8')) as {
      requested_at: string;
      requester: { agency: string | null; system: string | null };
      dataset: string | null;
      record_keys: string[];
      response: { status: number };
    };
    return (
      Date.parse(e.requested_at) === Date.parse(s.requested_at) &&
      e.requester.agency === s.requester_agency &&
      e.requester.system === s.requester_system &&
      e.dataset === s.dataset_code &&
      J(e.record_keys) === J(JSON.parse(s.record_keys)) &&
      e.response.status === Number(s.status)
    );
  } catch {
    return false;
  }
}
