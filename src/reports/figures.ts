import type { Clock } from '../core/clock.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { Ledger } from '../ledger/index.ts';
import { addToRollups } from './rollups.ts';
import { BUCKETS, type Figure, KEY_COLUMNS, tally } from './tally.ts';
import { recordAgreementUse } from './log-checks.ts';

/**
 * The daily figures of each custodian's sharing log, kept current incrementally (R-18.2): a job
 * reads the entries after the position counted so far — up to the newest signed checkpoint, so
 * every figure is "as of checkpoint N of log X" — and adds them to `report_daily`, moving the
 * position in the same transaction. Never a scan of the log per request.
 */

/** Entries read and added per transaction: bounded so a large backlog is counted in steps others can interleave with. */
const COUNT_BATCH = 5000;
/** Batches per log and run of the job: a log with a large backlog does not hold up the others for long. */
const BATCHES_PER_RUN = 20;

const bucketCols = Array.from({ length: BUCKETS }, (_, i) => `lat_b${i}`);

/** A batch's figures as daily rows of `log` ($1), from their JSON ($2). */
const BATCH_ROWS = `SELECT $1::text AS custodian_code, x.day, x.consumer_agency, x.consumer_system, x.dataset_code, x.form, x.status, x.rule,
         x.exchanges, x.bytes, x.latency_ms_sum, ${bucketCols.map((c, i) => `(x.buckets->>${i})::bigint AS ${c}`).join(', ')}
    FROM jsonb_to_recordset($2::jsonb) AS x(day date, consumer_agency text, consumer_system text, dataset_code text, form text, status integer, rule text,
                                            exchanges bigint, bytes bigint, latency_ms_sum bigint, buckets jsonb)`;

const UPSERT = `INSERT INTO report_daily (custodian_code, ${KEY_COLUMNS.join(', ')}, exchanges, bytes, latency_ms_sum, ${bucketCols.join(', ')}, counted_to)
  SELECT b.*, $3 FROM (${BATCH_ROWS}) AS b
  ON CONFLICT (custodian_code, ${KEY_COLUMNS.join(', ')}) DO UPDATE SET
    exchanges = report_daily.exchanges + EXCLUDED.exchanges, bytes = report_daily.bytes + EXCLUDED.bytes,
    latency_ms_sum = report_daily.latency_ms_sum + EXCLUDED.latency_ms_sum,
    ${bucketCols.map((c) => `${c} = report_daily.${c} + EXCLUDED.${c}`).join(', ')}, counted_to = EXCLUDED.counted_to`;

export interface Position {
  position: number;
  archived: number;
}

export async function positionOf(q: Queryable, log: string, lock = false): Promise<Position> {
  const r = await q.query<{ position: string | number; archived: string | number }>(
    `SELECT position, archived FROM report_positions WHERE custodian_code = $1${lock ? ' FOR UPDATE' : ''}`,
    [log],
  );
  const row = r.rows[0];
  return row ? { position: Number(row.position), archived: Number(row.archived) } : { position: 0, archived: 0 };
}

export function createCounter(db: Database, clock: Clock, ledger: Ledger) {
  /** Counts one batch of `log` (at most COUNT_BATCH entries, never past `upTo`); returns how many entries it counted. */
  async function countBatch(log: string, upTo: number): Promise<number> {
    return db.transaction(async (tx) => {
      const now = clock.now();
      // The row lock makes instances running the job together count each entry once.
      await tx.query('INSERT INTO report_positions (custodian_code, position, updated_at) VALUES ($1, 0, $2) ON CONFLICT (custodian_code) DO NOTHING', [
        log,
        now,
      ]);
      const at = await positionOf(tx, log, true);
      if (at.position >= upTo) return 0;
      const rows = await ledger.entriesAfter(log, at.position, Math.min(COUNT_BATCH, upTo - at.position), tx);
      // Only a run without gaps moves the position: figures must be exactly entries [0, position).
      let n = 0;
      while (n < rows.length && rows[n]!.leaf_index === at.position + n) n++;
      if (n === 0) return 0;
      const entries = rows.slice(0, n).map((r) => r.entry);
      const { figures, archived } = tally(entries);
      const end = at.position + n;
      if (figures.size > 0) {
        const json = JSON.stringify([...figures.values()].map(rowOf));
        await tx.query(UPSERT, [log, json, end]);
        await addToRollups(tx, BATCH_ROWS, [log, json]);
      }
      await recordAccountUse(tx, entries);
      await recordAgreementUse(tx, log, rows.slice(0, n));
      await tx.query('UPDATE report_positions SET position = $2, archived = archived + $3, updated_at = $4 WHERE custodian_code = $1', [
        log,
        end,
        archived,
        now,
      ]);
      return n;
    });
  }

  /** The latest exchange of each connection account in a batch (R-14: accounts left unused). */
  async function recordAccountUse(tx: Queryable, entries: readonly ({ requester: { account: string | null }; requested_at: string } | null)[]): Promise<void> {
    const last = new Map<string, string>();
    for (const e of entries) {
      const a = e?.requester.account;
      if (a && (last.get(a) ?? '') < e.requested_at) last.set(a, e.requested_at);
    }
    if (last.size === 0) return;
    await tx.query(
      `INSERT INTO report_account_use (client_id, last_exchange_at) SELECT x.a, x.t::timestamptz FROM unnest($1::text[], $2::text[]) AS x(a, t)
        ON CONFLICT (client_id) DO UPDATE SET last_exchange_at = GREATEST(report_account_use.last_exchange_at, EXCLUDED.last_exchange_at)`,
      [[...last.keys()], [...last.values()]],
    );
  }

  return {
    /** Counts `log` up to its newest signed checkpoint, a bounded number of batches; returns the entries counted. */
    async countLog(log: string): Promise<number> {
      const upTo = await ledger.checkpointedSize(log);
      let total = 0;
      for (let i = 0; i < BATCHES_PER_RUN; i++) {
        const n = await countBatch(log, upTo);
        total += n;
        if (n < COUNT_BATCH) break;
      }
      return total;
    },
    /** The job: every log. */
    async countAll(): Promise<number> {
      let total = 0;
      for (const log of await ledger.logs()) total += await this.countLog(log);
      return total;
    },
  };
}

const rowOf = (f: Figure) => ({
  day: f.day,
  consumer_agency: f.consumer_agency,
  consumer_system: f.consumer_system,
  dataset_code: f.dataset_code,
  form: f.form,
  status: f.status,
  rule: f.rule,
  exchanges: f.exchanges,
  bytes: f.bytes,
  latency_ms_sum: f.latency_ms_sum,
  buckets: f.buckets,
});
