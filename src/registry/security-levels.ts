import { forbidden, invalid } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { vietnamDate } from '../core/time.ts';
import { nfc } from '../core/text.ts';
import type { Queryable } from '../db/database.ts';
import { type Principal, hasRole } from './principal.ts';
import { COORDINATOR_AGENCY } from './users.ts';

/** systems taking part in sharing must be at information-security level 3 or above. */
export const MIN_SHARING_SECURITY_LEVEL = 3;

/** The coordinator's decision approving a system's security level: evidence, not a claim. */
export interface SecurityLevelDecision {
  id: string;
  system_code: string;
  security_level: number;
  decision_number: string;
  /** YYYY-MM-DD, a calendar date in Viet Nam. */
  decided_on: string;
  issuer: string;
  document_reference: string;
  recorded_by: string;
  recorded_at: Date;
}

export interface DecisionInput {
  security_level: number;
  decision_number: string;
  decided_on: string;
  issuer: string;
  document_reference: string;
}

const COLUMNS = 'id, system_code, security_level, decision_number, decided_on, issuer, document_reference, recorded_by, recorded_at';

/**
 * the level a system shares at. A declared level below 3 needs no decision (it shares at
 * nothing either way); a level of 3 or more counts only up to the level a decision approved, so an
 * owner who raises the declared level alone changes nothing, and one who lowers it is believed.
 */
export function effectiveSecurityLevel(declared: number, approved: number | null): number | null {
  if (approved === null) return declared < MIN_SHARING_SECURITY_LEVEL ? declared : null;
  return Math.min(declared, approved);
}

/** Whether the declared level waits for a decision (it is above what was approved, and ≥ 3). */
export function securityLevelPending(declared: number, approved: number | null): boolean {
  return declared >= MIN_SHARING_SECURITY_LEVEL && (approved === null || declared > approved);
}

/**
 * Who records the decision: the coordinator, or an approver of the Central Party Office
 * (COORDINATOR_AGENCY) — the approver role there is how the coordinator delegates decisions.
 */
function decidesSecurityLevels(p: Principal): boolean {
  return hasRole(p, 'coordinator') || (p.agencyCode === COORDINATOR_AGENCY && hasRole(p, 'approver'));
}

export function requireSecurityLevelDecider(p: Principal): void {
  if (!decidesSecurityLevels(p)) {
    throw forbidden(
      'Chỉ Văn phòng Trung ương Đảng (điều phối viên hoặc người phê duyệt được giao) được ghi quyết định phê duyệt cấp độ an toàn thông tin.',
      "Only the coordinator (or an approver of the Central Party Office) records a decision approving a system's security level.",
      'R-13.3',
    );
  }
}

export function checkDecisionDate(input: DecisionInput, now: Date): void {
  if (input.decided_on > vietnamDate(now)) {
    throw invalid('/decided_on', 'Ngày quyết định không được sau ngày hôm nay (giờ Việt Nam).', 'The decision date may not be after today (Viet Nam time).');
  }
}

export async function insertDecision(tx: Queryable, systemCode: string, input: DecisionInput, actor: string, at: Date): Promise<SecurityLevelDecision> {
  const r = await tx.query<SecurityLevelDecision>(
    `INSERT INTO security_level_decisions (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
    [newId(), systemCode, input.security_level, nfc(input.decision_number), input.decided_on, nfc(input.issuer), nfc(input.document_reference), actor, at],
  );
  return r.rows[0]!;
}

/** The latest decision of each system named (a map by system code). */
export async function latestDecisions(q: Queryable, codes: string[]): Promise<Map<string, SecurityLevelDecision>> {
  if (codes.length === 0) return new Map();
  const r = await q.query<SecurityLevelDecision>(
    `SELECT DISTINCT ON (system_code) ${COLUMNS} FROM security_level_decisions
      WHERE system_code = ANY($1::text[]) ORDER BY system_code, recorded_at DESC, id DESC`,
    [codes],
  );
  return new Map(r.rows.map((d) => [d.system_code, d]));
}

export async function decisionsOf(q: Queryable, code: string): Promise<SecurityLevelDecision[]> {
  const r = await q.query<SecurityLevelDecision>(`SELECT ${COLUMNS} FROM security_level_decisions WHERE system_code = $1 ORDER BY recorded_at DESC, id DESC`, [
    code,
  ]);
  return r.rows;
}
