import type { Clock } from '../core/clock.ts';
import { conflict, forbidden, notFound } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { nfc } from '../core/text.ts';
import type { Database, Queryable } from '../db/database.ts';
import { recordChange } from '../db/history.ts';
import { type Principal, SYSTEM_ACTOR, hasRole, requireCoordinator, seesEverything } from '../registry/index.ts';
import type { ComplianceRule, Detected, Evidence, Severity } from './rules.ts';

/**
 * Compliance findings (R-18.2 inspection): what the rules found, kept as evidence (Art. 19) —
 * open → acknowledged → resolved, with who and why at each step. A run of the rules opens a
 * finding for each subject newly found and closes, with a record, those whose cause has gone;
 * a finding is never deleted.
 */

export type FindingStatus = 'open' | 'acknowledged' | 'resolved';

export interface Finding {
  id: string;
  rule: string;
  severity: Severity;
  owner_agency: string;
  subject_type: string;
  subject_id: string;
  summary_vi: string;
  summary_en: string;
  evidence: Evidence[];
  status: FindingStatus;
  opened_at: Date;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
  acknowledge_note: string | null;
  closed_at: Date | null;
  closed_by: string | null;
  close_reason: string | null;
  closed_automatically: boolean | null;
  version: number;
}

const COLUMNS = `id, rule, severity, owner_agency, subject_type, subject_id, summary_vi, summary_en, evidence, status, opened_at,
  acknowledged_by, acknowledged_at, acknowledge_note, closed_at, closed_by, close_reason, closed_automatically, version`;

export interface RunResult {
  opened: number;
  closed: number;
  open_now: number;
  by_rule: { rule: string; subject_type: string | null; found: number; opened: number; closed: number }[];
}

export function createFindings(db: Database, clock: Clock, rules: readonly ComplianceRule[]) {
  async function load(q: Queryable, id: string, lock = false): Promise<Finding> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('phát hiện', 'finding', id);
    const r = await q.query<Finding>(`SELECT ${COLUMNS} FROM report_findings WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (!r.rows[0]) throw notFound('phát hiện', 'finding', id);
    return r.rows[0];
  }

  /** The owner agency's own findings; coordinators and auditors see all. */
  function requireVisible(p: Principal, f: Finding): void {
    if (!seesEverything(p) && f.owner_agency !== p.agencyCode) throw notFound('phát hiện', 'finding', f.id);
  }

  /** The owner's administrators and the coordinator act on a finding; an auditor only reads. */
  function requireActor(p: Principal, f: Finding): void {
    const owner = f.owner_agency === p.agencyCode && hasRole(p, 'custodian_admin', 'consumer_admin');
    if (!owner && !hasRole(p, 'coordinator')) {
      throw forbidden(
        'Chỉ cơ quan liên quan hoặc Văn phòng Trung ương Đảng được xử lý phát hiện này.',
        'Only the owner agency or the coordinator acts on this finding.',
        'R-18.2',
      );
    }
  }

  async function openOne(tx: Queryable, rule: string, d: Detected, now: Date, historical: boolean): Promise<boolean> {
    if (historical) {
      const done = await tx.query("SELECT 1 FROM report_findings WHERE rule = $1 AND subject_type = $2 AND subject_id = $3 AND status = 'resolved' AND closed_automatically = false", [
        rule,
        d.subject_type,
        d.subject_id,
      ]);
      if (done.rows.length > 0) return false;
    }
    const r = await tx.query(
      `INSERT INTO report_findings (id, rule, severity, owner_agency, subject_type, subject_id, summary_vi, summary_en, evidence, status, opened_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10)
       ON CONFLICT (rule, subject_type, subject_id) WHERE status <> 'resolved' DO NOTHING`,
      [newId(), rule, d.severity, d.owner_agency, d.subject_type, d.subject_id, nfc(d.summary_vi), d.summary_en, JSON.stringify(d.evidence), now],
    );
    if ((r.rowCount ?? 0) > 0) return true;
    // Still found, but the cause reads differently now (a log overdue that now fails verification): the finding says what is found today.
    await tx.query(
      `UPDATE report_findings SET severity = $4, summary_vi = $5, summary_en = $6, evidence = $7, version = version + 1
        WHERE rule = $1 AND subject_type = $2 AND subject_id = $3 AND status <> 'resolved' AND (severity <> $4 OR summary_vi <> $5)`,
      [rule, d.subject_type, d.subject_id, d.severity, nfc(d.summary_vi), d.summary_en, JSON.stringify(d.evidence)],
    );
    return false;
  }

  /** The cause has gone: the finding resolves itself, saying so. */
  async function closeGone(tx: Queryable, f: Finding, now: Date): Promise<void> {
    const reason = `Nguyên nhân không còn khi kiểm tra lại lúc ${now.toISOString()} / the cause was gone when checked again at ${now.toISOString()}`;
    await tx.query(
      `UPDATE report_findings SET status = 'resolved', closed_at = $2, closed_by = $3, close_reason = $4, closed_automatically = true, version = version + 1 WHERE id = $1`,
      [f.id, now, SYSTEM_ACTOR, reason],
    );
    await recordChange(tx, {
      entity: 'finding',
      key: f.id,
      action: 'close',
      actor: SYSTEM_ACTOR,
      reason,
      at: now,
      before: { status: f.status },
      after: { status: 'resolved' },
    });
  }

  return {
    rules,

    /** Runs every rule (the scheduled job, or a coordinator on demand): opens what is new, closes what is gone. */
    async run(): Promise<RunResult> {
      const now = clock.now();
      let opened = 0;
      let closed = 0;
      const byRule: RunResult['by_rule'] = [];
      for (const rule of rules) {
        const found = await rule.detect(db, now);
        const counts = { rule: rule.id, subject_type: rule.subject_type ?? null, found: found.length, opened: 0, closed: 0 };
        byRule.push(counts);
        await db.transaction(async (tx) => {
          const live = (
            await tx.query<Finding>(
              `SELECT ${COLUMNS} FROM report_findings WHERE rule = $1 AND ($2::text IS NULL OR subject_type = $2) AND status <> 'resolved' FOR UPDATE`,
              [rule.id, rule.subject_type ?? null],
            )
          ).rows;
          const still = new Set(found.map((d) => `${d.subject_type}\u0001${d.subject_id}`));
          for (const f of live) {
            if (still.has(`${f.subject_type}\u0001${f.subject_id}`)) continue;
            await closeGone(tx, f, now);
            counts.closed++;
          }
          for (const d of found) if (await openOne(tx, rule.id, d, now, rule.historical === true)) counts.opened++;
        });
        opened += counts.opened;
        closed += counts.closed;
      }
      const n = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM report_findings WHERE status <> 'resolved'");
      return { opened, closed, open_now: n.rows[0]!.n, by_rule: byRule };
    },

    async runAs(p: Principal): Promise<RunResult> {
      requireCoordinator(p, 'chạy kiểm tra tuân thủ', 'run the compliance checks');
      return this.run();
    },

    async list(p: Principal, f: { status?: FindingStatus | undefined; rule?: string | undefined; owner?: string | undefined; limit: number; offset: number }) {
      const owner = seesEverything(p) ? f.owner : p.agencyCode;
      const params = [f.status ?? null, f.rule ?? null, owner ?? null];
      const cond = 'WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR rule = $2) AND ($3::text IS NULL OR owner_agency = $3)';
      const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM report_findings ${cond}`, params);
      const rows = await db.query<Finding>(
        `SELECT ${COLUMNS} FROM report_findings ${cond} ORDER BY (status = 'resolved'), opened_at DESC, id LIMIT $4 OFFSET $5`,
        [...params, f.limit, f.offset],
      );
      return { items: rows.rows, total: total.rows[0]!.n, limit: f.limit, offset: f.offset };
    },

    async get(p: Principal, id: string): Promise<Finding> {
      const f = await load(db, id);
      requireVisible(p, f);
      return f;
    },

    /** The owner (or the coordinator) has seen it and is acting on it. */
    async acknowledge(p: Principal, id: string, note?: string): Promise<Finding> {
      return db.transaction(async (tx) => {
        const f = await load(tx, id, true);
        requireVisible(p, f);
        requireActor(p, f);
        if (f.status !== 'open') throw conflict('Chỉ ghi nhận được phát hiện đang mở.', 'Only an open finding can be acknowledged.');
        const now = clock.now();
        const r = await tx.query<Finding>(
          `UPDATE report_findings SET status = 'acknowledged', acknowledged_by = $2, acknowledged_at = $3, acknowledge_note = $4, version = version + 1 WHERE id = $1 RETURNING ${COLUMNS}`,
          [id, p.username, now, note ? nfc(note) : null],
        );
        await recordChange(tx, {
          entity: 'finding',
          key: id,
          action: 'acknowledge',
          actor: p.username,
          reason: note,
          at: now,
          before: { status: f.status },
          after: { status: 'acknowledged' },
        });
        return r.rows[0]!;
      });
    },

    /** Closed by a person, who says why (the cause may remain: a decision to accept it is recorded as such). */
    async resolve(p: Principal, id: string, reason: string): Promise<Finding> {
      return db.transaction(async (tx) => {
        const f = await load(tx, id, true);
        requireVisible(p, f);
        requireActor(p, f);
        if (f.status === 'resolved') throw conflict('Phát hiện đã được xử lý xong.', 'The finding is already resolved.');
        const now = clock.now();
        const r = await tx.query<Finding>(
          `UPDATE report_findings SET status = 'resolved', closed_at = $2, closed_by = $3, close_reason = $4, closed_automatically = false, version = version + 1 WHERE id = $1 RETURNING ${COLUMNS}`,
          [id, now, p.username, nfc(reason)],
        );
        await recordChange(tx, {
          entity: 'finding',
          key: id,
          action: 'resolve',
          actor: p.username,
          reason,
          at: now,
          before: { status: f.status },
          after: { status: 'resolved' },
        });
        return r.rows[0]!;
      });
    },
  };
}
