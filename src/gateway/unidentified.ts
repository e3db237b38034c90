import { newId } from '../core/ids.ts';
import type { LedgerEntry } from '../ledger/index.ts';
import { GATEWAY_INSTANCE, type Exchange, type LogAppend } from './exchange.ts';
import type { RateLimiter } from '../core/rate-limit.ts';

/** Distinct (log, address) counts kept between two summaries; past it, addresses share one count per log. */
const MAX_TALLIES = 10_000;
const ANY_ADDRESS = '*';

interface Tally {
  log: string;
  address: string;
  dataset: string | null;
  first: Date;
  last: Date;
  statuses: Map<number, number>;
  methods: Set<string>;
}

export interface UnidentifiedOptions {
  /** Refusals of callers without a valid identity logged one by one, per client address (a rate and a burst). */
  limiter: RateLimiter;
  append: LogAppend;
  now: () => Date;
}

/**
 * Refusals of callers the gateway could not identify (no token, a malformed or forged one). Each
 * would be a permanent leaf of a custodian's log (R-17.1 keeps them), so an anonymous flood
 * could grow the log without bound. Per client address, the first `burst` refusals and then
 * `perSecond` of them are logged one by one; past that the caller gets 429 with Retry-After,
 * and those refusals are counted, not logged alone: `flush` writes one summary entry per log and
 * address — how many, which statuses, from when to when — so the log still records that they
 * happened and grows by one entry per address and period however large the flood.
 */
export function createUnidentifiedRefusals(opts: UnidentifiedOptions) {
  const { limiter } = opts;
  let tallies = new Map<string, Tally>();

  function count(ex: Exchange, status: number): void {
    let address = ex.req.ip;
    let key = `${ex.log}\u0000${address}`;
    if (!tallies.has(key) && tallies.size >= MAX_TALLIES) {
      address = ANY_ADDRESS;
      key = `${ex.log}\u0000${address}`;
    }
    const at = opts.now();
    let t = tallies.get(key);
    if (!t) {
      t = { log: ex.log, address, dataset: ex.dataset, first: at, last: at, statuses: new Map(), methods: new Set() };
      tallies.set(key, t);
    }
    t.last = at;
    if (t.dataset !== ex.dataset) t.dataset = null; // (several datasets: the summary names none)
    t.statuses.set(status, (t.statuses.get(status) ?? 0) + 1);
    t.methods.add(ex.req.method);
  }

  return {
    /** 0 when this refusal may be logged on its own, else the seconds the caller should wait. */
    take: (ip: string) => limiter.take(`ip:${ip}`),
    /** A refusal over the bound: counted into its log's summary for the address. */
    count,
    /** Writes one summary entry per log and address counted since the last flush; kept for the next one if the log refuses. */
    async flush(): Promise<number> {
      const due = tallies;
      tallies = new Map();
      let written = 0;
      for (const [key, t] of due) {
        try {
          await opts.append(t.log, summaryEntry(t));
          written += 1;
        } catch {
          mergeBack(key, t);
        }
      }
      return written;
    },
    get pending(): number {
      return tallies.size;
    },
  };

  function mergeBack(key: string, t: Tally): void {
    const now = tallies.get(key);
    if (!now) return void tallies.set(key, t);
    now.first = t.first;
    for (const [s, n] of t.statuses) now.statuses.set(s, (now.statuses.get(s) ?? 0) + n);
    for (const m of t.methods) now.methods.add(m);
  }
}

/** One entry standing for many refusals: `query` says how many, of which statuses, from which address. */
function summaryEntry(t: Tally): LedgerEntry {
  const total = [...t.statuses.values()].reduce((a, b) => a + b, 0);
  const statuses = [...t.statuses]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${s}:${n}`)
    .join(',');
  return {
    requested_at: t.first.toISOString(),
    responded_at: t.last.toISOString(),
    form: 'api',
    requester: { agency: null, system: null, account: null },
    request: {
      method: t.methods.size === 1 ? [...t.methods][0]! : '*',
      resource: t.dataset ? `/data/v1/${t.dataset}` : '/data/v1',
      query: { summary: 'unidentified-refusals', client_address: t.address, refusals: String(total), statuses },
      purpose: null,
      fields: [],
    },
    dataset: t.dataset,
    record_keys: [],
    response: { status: 429, content_sha256: null, content_kept: false },
    agreement_ids: [],
    policy_version: null,
    trace_id: newId(),
    gateway_instance: GATEWAY_INSTANCE,
  };
}
