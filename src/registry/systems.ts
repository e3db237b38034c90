import { type Problem, conflict, forbidden, invalid, notFound, staleVersion } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { nfc } from '../core/text.ts';
import type { Clock } from '../core/clock.ts';
import type { Database, Queryable } from '../db/database.ts';
import { historyOf, recordChange } from '../db/history.ts';
import { type Page, Where, updateVersioned } from '../db/rows.ts';
import type { AgencyService } from './agencies.ts';
import { type Principal, administers, hasRole, seesEverything } from './principal.ts';
import {
  type DecisionInput,
  MIN_SHARING_SECURITY_LEVEL,
  type SecurityLevelDecision,
  checkDecisionDate,
  decisionsOf,
  effectiveSecurityLevel,
  insertDecision,
  latestDecisions,
  requireSecurityLevelDecider,
  securityLevelPending,
} from './security-levels.ts';

type Zone = 'internet' | 'tslcd';
type SystemStatus = 'active' | 'suspended' | 'retired';

interface SystemRow {
  code: string;
  agency_code: string;
  name_vi: string;
  name_en: string;
  /** The level the owner declares; it counts only up to `approved_security_level`. */
  security_level: number;
  /** The level of the coordinator's latest decision; null before any. */
  approved_security_level: number | null;
  zone: Zone;
  base_url: string | null;
  status: SystemStatus;
  /** Public JWK that secret / top-secret data is encrypted to; never a private key. */
  encryption_key: PublicJwk | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface InformationSystem extends SystemRow {
  /** the level the system shares at — the declared one, capped by the approved one. */
  effective_security_level: number | null;
  /** True while a declared level of 3 or more waits for the coordinator's decision. */
  security_level_pending: boolean;
  security_level_decision: SecurityLevelDecision | null;
  /** False when the system may not take part in sharing; `sharing_refusal` says why. */
  sharing_allowed: boolean;
  sharing_refusal: { rule: string; reason: string; reason_en: string } | null;
}

type PublicJwk = Record<string, unknown> & { kty: string };

export interface SystemInput {
  code: string;
  agency_code: string;
  name_vi: string;
  name_en: string;
  security_level: number;
  zone: Zone;
  base_url?: string | null | undefined;
  encryption_key?: PublicJwk | null | undefined;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/** Accepts only public encryption keys: EC P-256/384/521, RSA ≥ 2048 bits, OKP X25519/X448. */
function checkEncryptionKey(jwk: PublicJwk | null | undefined): void {
  if (!jwk) return;
  const bad = (vi: string, en: string) => invalid('/encryption_key', vi, en);
  if (PRIVATE_MEMBERS.some((m) => m in jwk))
    throw bad('Chỉ đăng ký khoá công khai; khoá bí mật không được gửi lên.', 'Register the public key only; never send a private key.');
  if (jwk.use !== undefined && jwk.use !== 'enc') throw bad('Khoá phải dùng để mã hoá (use = "enc").', 'The key must be an encryption key (use = "enc").');
  const ok =
    (jwk.kty === 'EC' && ['P-256', 'P-384', 'P-521'].includes(String(jwk.crv)) && typeof jwk.x === 'string' && typeof jwk.y === 'string') ||
    (jwk.kty === 'RSA' && typeof jwk.n === 'string' && typeof jwk.e === 'string' && Buffer.from(jwk.n, 'base64url').length >= 256) ||
    (jwk.kty === 'OKP' && ['X25519', 'X448'].includes(String(jwk.crv)) && typeof jwk.x === 'string');
  if (!ok)
    throw bad(
      'Khoá không hợp lệ: cần EC P-256/384/521, RSA ≥ 2048 bit hoặc OKP X25519/X448.',
      'Invalid key: EC P-256/384/521, RSA ≥ 2048 bits or OKP X25519/X448 expected.',
    );
}

export type SystemPatch = Partial<Omit<SystemInput, 'code'>> & { status?: SystemStatus | undefined };

const COLUMNS =
  'code, agency_code, name_vi, name_en, security_level, approved_security_level, zone, base_url, status, encryption_key, version, created_at, updated_at';
const ADMIN_ROLES = ['custodian_admin', 'consumer_admin'] as const;

/**
 * The rule as data, so the console, the API and the gateway give the same answer. The
 * level judged is the approved one: a declared level of 3 without the coordinator's decision
 * does not let a system share.
 */
function sharingEligibility(s: Pick<SystemRow, 'security_level' | 'approved_security_level' | 'status'>): InformationSystem['sharing_refusal'] {
  const effective = effectiveSecurityLevel(s.security_level, s.approved_security_level);
  if (effective === null || effective < MIN_SHARING_SECURITY_LEVEL) {
    if (s.security_level >= MIN_SHARING_SECURITY_LEVEL) return unapproved(s.security_level, s.approved_security_level);
    return {
      rule: 'R-13.3',
      reason: `Hệ thống có cấp độ an toàn thông tin ${s.security_level}, thấp hơn cấp độ tối thiểu ${MIN_SHARING_SECURITY_LEVEL}; không được tham gia kết nối, chia sẻ dữ liệu.`,
      reason_en: `The system is at information-security level ${s.security_level}, below the minimum of ${MIN_SHARING_SECURITY_LEVEL}; it may not take part in data sharing.`,
    };
  }
  if (s.status !== 'active') {
    return { rule: 'R-13.3', reason: `Hệ thống đang ở trạng thái "${s.status}".`, reason_en: `The system is "${s.status}".` };
  }
  return null;
}

function unapproved(declared: number, approved: number | null): NonNullable<InformationSystem['sharing_refusal']> {
  const vi = approved === null ? 'chưa có cấp độ nào được phê duyệt' : `cấp độ đã phê duyệt là ${approved}`;
  const en = approved === null ? 'no level has been approved' : `the approved level is ${approved}`;
  return {
    rule: 'R-13.3',
    reason: `Hệ thống khai báo cấp độ an toàn thông tin ${declared} nhưng chưa có quyết định phê duyệt cấp độ này (${vi}); chưa được tham gia kết nối, chia sẻ dữ liệu.`,
    reason_en: `The system declares information-security level ${declared}, but no decision approves that level (${en}); it may not take part in data sharing yet.`,
  };
}

function present(row: SystemRow, decision: SecurityLevelDecision | null): InformationSystem {
  const refusal = sharingEligibility(row);
  return {
    ...row,
    effective_security_level: effectiveSecurityLevel(row.security_level, row.approved_security_level),
    security_level_pending: securityLevelPending(row.security_level, row.approved_security_level),
    security_level_decision: decision,
    sharing_allowed: refusal === null,
    sharing_refusal: refusal,
  };
}

/** Rows with their latest security-level decisions, in one query. */
async function presentAll(q: Queryable, rows: SystemRow[]): Promise<InformationSystem[]> {
  const decisions = await latestDecisions(
    q,
    rows.map((r) => r.code),
  );
  return rows.map((r) => present(r, decisions.get(r.code) ?? null));
}

function denyAdmin(): Problem {
  return forbidden(
    'Chỉ quản trị viên của cơ quan sở hữu hệ thống (hoặc Văn phòng Trung ương Đảng) được thay đổi hệ thống này.',
    "Only the owning agency's administrators (or the coordinator) may change this system.",
  );
}

export function createSystemService(db: Database, clock: Clock, agencies: AgencyService) {
  async function load(code: string, q: Queryable = db): Promise<SystemRow> {
    const r = await q.query<SystemRow>(`SELECT ${COLUMNS} FROM information_systems WHERE code = $1`, [code]);
    if (!r.rows[0]) throw notFound('hệ thống thông tin', 'information system', code);
    return r.rows[0];
  }
  const loadPresented = async (code: string, q: Queryable = db) => (await presentAll(q, [await load(code, q)]))[0]!;

  return {
    /** For other modules' rule checks (agreements, accounts): no authorisation here, the caller decides what to show. */
    byCode: (code: string, q: Queryable = db): Promise<InformationSystem> => loadPresented(code, q),

    /** Every system, for the policy decision cache (no authorisation: internal use). */
    async all(): Promise<InformationSystem[]> {
      return presentAll(db, (await db.query<SystemRow>(`SELECT ${COLUMNS} FROM information_systems ORDER BY code`)).rows);
    },

    /** Reads one system; other agencies' systems are hidden (404) from non-inspecting users. */
    async get(p: Principal, code: string): Promise<InformationSystem> {
      const row = await loadPresented(code);
      if (!seesEverything(p) && row.agency_code !== p.agencyCode) throw notFound('hệ thống thông tin', 'information system', code);
      return row;
    },

    async list(
      p: Principal,
      f: { agency?: string | undefined; zone?: string | undefined; status?: string | undefined; limit: number; offset: number },
    ): Promise<Page<InformationSystem>> {
      const w = new Where()
        .addIf(!seesEverything(p), 'agency_code = ?', p.agencyCode)
        .addIf(f.agency !== undefined, 'agency_code = ?', f.agency)
        .addIf(f.zone !== undefined, 'zone = ?', f.zone)
        .addIf(f.status !== undefined, 'status = ?', f.status);
      const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM information_systems ${w}`, w.params);
      const rows = await db.query<SystemRow>(
        `SELECT ${COLUMNS} FROM information_systems ${w} ORDER BY code LIMIT ${w.next(f.limit)} OFFSET ${w.next(f.offset)}`,
        w.params,
      );
      return { items: await presentAll(db, rows.rows), total: total.rows[0]!.n, limit: f.limit, offset: f.offset };
    },

    async create(p: Principal, input: SystemInput): Promise<InformationSystem> {
      if (!administers(p, input.agency_code, ...ADMIN_ROLES)) throw denyAdmin();
      checkEncryptionKey(input.encryption_key);
      return db.transaction(async (tx) => {
        await agencies.requireExisting(input.agency_code, tx);
        const now = clock.now();
        const r = await tx.query(
          `INSERT INTO information_systems (id, code, agency_code, name_vi, name_en, security_level, zone, base_url, encryption_key, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) ON CONFLICT (code) DO NOTHING`,
          [
            newId(),
            input.code,
            input.agency_code,
            nfc(input.name_vi),
            input.name_en,
            input.security_level,
            input.zone,
            input.base_url ?? null,
            input.encryption_key ? JSON.stringify(input.encryption_key) : null,
            now,
          ],
        );
        if (r.rowCount === 0) throw conflict(`Mã hệ thống "${input.code}" đã tồn tại.`, `System code "${input.code}" already exists.`);
        await recordChange(tx, { entity: 'system', key: input.code, action: 'create', actor: p.username, after: { ...input }, at: now });
        return loadPresented(input.code, tx);
      });
    },

    async update(p: Principal, code: string, patch: SystemPatch, expectedVersion?: number): Promise<InformationSystem> {
      return db.transaction(async (tx) => {
        const current = await load(code, tx);
        if (!administers(p, current.agency_code, ...ADMIN_ROLES)) {
          if (!seesEverything(p) && current.agency_code !== p.agencyCode) throw notFound('hệ thống thông tin', 'information system', code);
          throw denyAdmin();
        }
        if (patch.agency_code !== undefined && patch.agency_code !== current.agency_code) {
          if (!administers(p, patch.agency_code, ...ADMIN_ROLES)) throw denyAdmin();
          await agencies.requireExisting(patch.agency_code, tx);
        }
        // A suspension is the coordinator's (and, later, the custodian's) decision, not the owner's to lift.
        const touchesSuspension =
          patch.status !== undefined && patch.status !== current.status && (patch.status === 'suspended' || current.status === 'suspended');
        if (touchesSuspension && !hasRole(p, 'coordinator')) {
          throw forbidden(
            'Chỉ Văn phòng Trung ương Đảng được tạm dừng hoặc khôi phục hệ thống.',
            'Only the coordinator suspends a system or lifts its suspension.',
            'R-13.3',
          );
        }
        checkEncryptionKey(patch.encryption_key);
        const clean: Record<string, unknown> = { ...patch };
        if (patch.name_vi !== undefined) clean.name_vi = nfc(patch.name_vi);
        if (patch.encryption_key !== undefined) clean.encryption_key = patch.encryption_key ? JSON.stringify(patch.encryption_key) : null;
        const out = await updateVersioned<SystemRow>(tx, {
          table: 'information_systems',
          keyColumn: 'code',
          key: code,
          patch: clean,
          expectedVersion,
          now: clock.now(),
        });
        if (out.status === 'missing') throw notFound('hệ thống thông tin', 'information system', code);
        if (out.status === 'stale') throw staleVersion(out.current.version);
        await recordChange(tx, { entity: 'system', key: code, action: 'update', actor: p.username, before: out.before, after: out.after, at: clock.now() });
        return loadPresented(code, tx);
      });
    },

    /**
     * the coordinator records the decision approving a level; the system then shares at
     * up to that level. Recorded with the system's history, in the same transaction.
     */
    async recordDecision(p: Principal, code: string, input: DecisionInput, expectedVersion?: number): Promise<InformationSystem> {
      requireSecurityLevelDecider(p);
      checkDecisionDate(input, clock.now());
      return db.transaction(async (tx) => {
        const now = clock.now();
        const out = await updateVersioned<SystemRow>(tx, {
          table: 'information_systems',
          keyColumn: 'code',
          key: code,
          patch: { approved_security_level: input.security_level },
          expectedVersion,
          now,
        });
        if (out.status === 'missing') throw notFound('hệ thống thông tin', 'information system', code);
        if (out.status === 'stale') throw staleVersion(out.current.version);
        const d = await insertDecision(tx, code, input, p.username, now);
        const decided = { decision_number: d.decision_number, decided_on: d.decided_on, issuer: d.issuer, document_reference: d.document_reference };
        await recordChange(tx, {
          entity: 'system',
          key: code,
          action: 'security_level_decision',
          actor: p.username,
          reason: d.decision_number,
          before: { approved_security_level: out.before.approved_security_level },
          after: { approved_security_level: d.security_level, ...decided },
          at: now,
        });
        return loadPresented(code, tx);
      });
    },

    /** Every decision on a system's level, newest first (same visibility as the system). */
    async decisions(p: Principal, code: string): Promise<SecurityLevelDecision[]> {
      const row = await load(code);
      if (!seesEverything(p) && row.agency_code !== p.agencyCode) throw notFound('hệ thống thông tin', 'information system', code);
      return decisionsOf(db, code);
    },

    async history(p: Principal, code: string) {
      const row = await load(code);
      if (!seesEverything(p) && row.agency_code !== p.agencyCode) throw notFound('hệ thống thông tin', 'information system', code);
      return historyOf(db, 'system', code);
    },
  };
}

export type SystemService = ReturnType<typeof createSystemService>;
