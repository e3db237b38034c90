import type { Clock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { Ledger, LedgerEntry } from '../ledger/index.ts';

/**
 * What the inspection keeps about the sharing logs themselves: when each log was
 * last verified and with what result, and each agreement's first and last served exchange as the
 * logs show it.
 */

export interface LogVerification {
  id: string;
  log: string;
  verified_at: Date;
  ok: boolean;
  entries: number;
  checkpoints: number;
  divergence: { index: number | null; what: string } | null;
  verified_by: string;
  audit_id: string | null;
}

const COLUMNS = 'id, log, verified_at, ok, entries, checkpoints, divergence, verified_by, audit_id';

export function createLogChecks(db: Database, clock: Clock, ledger: Ledger) {
  return {
    /** verifies `log` from its rows (tiles, checkpoints, leaves) and records the result. */
    async verify(log: string, by: string, auditId: string | null = null): Promise<LogVerification> {
      const [report] = await ledger.verify(log);
      const v: LogVerification = {
        id: newId(),
        log,
        verified_at: clock.now(),
        ok: report!.ok,
        entries: report!.entries,
        checkpoints: report!.checkpoints,
        divergence: report!.divergence,
        verified_by: by,
        audit_id: auditId,
      };
      await db.query(`INSERT INTO report_log_verifications (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
        v.id,
        v.log,
        v.verified_at,
        v.ok,
        v.entries,
        v.checkpoints,
        v.divergence ? JSON.stringify(v.divergence) : null,
        v.verified_by,
        v.audit_id,
      ]);
      return v;
    },

    /** The scheduled job: every log. */
    async verifyAll(by: string): Promise<LogVerification[]> {
      const out: LogVerification[] = [];
      for (const log of await ledger.logs()) out.push(await this.verify(log, by));
      return out;
    },

    /** The job: each log whose newest verification is older than `everyMs` (or that has none). */
    async verifyDue(by: string, everyMs: number): Promise<LogVerification[]> {
      const latest = await this.latest();
      const cutoff = clock.now().getTime() - everyMs;
      const out: LogVerification[] = [];
      for (const log of await ledger.logs()) {
        const v = latest.get(log);
        if (!v || v.verified_at.getTime() < cutoff) out.push(await this.verify(log, by));
      }
      return out;
    },

    /** The newest verification of each log. */
    async latest(): Promise<Map<string, LogVerification>> {
      const r = await db.query<LogVerification>(`SELECT DISTINCT ON (log) ${COLUMNS} FROM report_log_verifications ORDER BY log, verified_at DESC, id DESC`);
      return new Map(r.rows.map((v) => [v.log, { ...v, entries: Number(v.entries), checkpoints: Number(v.checkpoints) }]));
    },

    async history(log: string, limit = 50): Promise<LogVerification[]> {
      const r = await db.query<LogVerification>(`SELECT ${COLUMNS} FROM report_log_verifications WHERE log = $1 ORDER BY verified_at DESC, id DESC LIMIT $2`, [
        log,
        limit,
      ]);
      return r.rows.map((v) => ({ ...v, entries: Number(v.entries), checkpoints: Number(v.checkpoints) }));
    },
  };
}

export type LogChecks = ReturnType<typeof createLogChecks>;

export interface AgreementUse {
  agreement_id: string;
  log: string;
  first_at: Date;
  first_index: number;
  last_at: Date;
  last_index: number;
}

/** R-4.2: the first and last served exchange of each agreement in a batch of one log, kept with the figures' pass. */
export async function recordAgreementUse(tx: Queryable, log: string, rows: readonly { leaf_index: number; entry: LedgerEntry | null }[]): Promise<void> {
  const first = new Map<string, { at: string; index: number }>();
  const last = new Map<string, { at: string; index: number }>();
  for (const { leaf_index, entry } of rows) {
    if (!entry || entry.response.status >= 400) continue;
    for (const a of entry.agreement_ids) {
      const f = first.get(a);
      if (!f || entry.requested_at < f.at) first.set(a, { at: entry.requested_at, index: leaf_index });
      const l = last.get(a);
      if (!l || entry.requested_at >= l.at) last.set(a, { at: entry.requested_at, index: leaf_index });
    }
  }
  if (first.size === 0) return;
  const ids = [...first.keys()];
  await tx.query(
    `INSERT INTO report_agreement_use (agreement_id, log, first_at, first_index, last_at, last_index)
     SELECT x.a, $1, x.fa::timestamptz, x.fi, x.la::timestamptz, x.li FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[]) AS x(a, fa, fi, la, li)
     ON CONFLICT (agreement_id, log) DO UPDATE SET
       first_at = CASE WHEN EXCLUDED.first_at < report_agreement_use.first_at THEN EXCLUDED.first_at ELSE report_agreement_use.first_at END,
       first_index = CASE WHEN EXCLUDED.first_at < report_agreement_use.first_at THEN EXCLUDED.first_index ELSE report_agreement_use.first_index END,
       last_at = CASE WHEN EXCLUDED.last_at >= report_agreement_use.last_at THEN EXCLUDED.last_at ELSE report_agreement_use.last_at END,
       last_index = CASE WHEN EXCLUDED.last_at >= report_agreement_use.last_at THEN EXCLUDED.last_index ELSE report_agreement_use.last_index END`,
    [log, ids, ids.map((a) => first.get(a)!.at), ids.map((a) => first.get(a)!.index), ids.map((a) => last.get(a)!.at), ids.map((a) => last.get(a)!.index)],
  );
}

export async function agreementUses(q: Queryable): Promise<AgreementUse[]> {
  const r = await q.query<AgreementUse>('SELECT agreement_id, log, first_at, first_index, last_at, last_index FROM report_agreement_use ORDER BY agreement_id, log');
  return r.rows.map((u) => ({ ...u, first_index: Number(u.first_index), last_index: Number(u.last_index) }));
}
