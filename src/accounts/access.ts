import { createCache } from '../core/cache.ts';
import type { Invalidations } from '../core/invalidations.ts';
import { forbidden, notFound } from '../core/errors.ts';
import type { Queryable } from '../db/database.ts';
import { type Principal, type Role, administers, seesEverything } from '../registry/index.ts';

/** Administrators of an intermediary operator agency issue accounts under a delegation. */
export const OPERATOR_ROLES: Role[] = ['consumer_admin', 'custodian_admin'];

/**
 * an agency's administrators — whichever side they administer — manage the connection
 * accounts of their own agency's systems: a custodian's writer system needs one as much as a
 * consumer's reader does, and the custodian administrator should not have to ask the coordinator.
 */
export const SYSTEM_ADMIN_ROLES: Role[] = ['consumer_admin', 'custodian_admin'];

export interface AccountOwnership {
  client_id: string;
  agency_code: string;
  issued_by_agency: string;
  custodian_code: string | null;
  delegation_id: string | null;
}

/**
 * Who sees an account: its system's agency, the operator that issued it, the custodian whose
 * delegation it was issued under, and the inspectors. Everyone else gets a 404, so an
 * account's existence does not leak.
 */
export function seesAccount(p: Principal, a: AccountOwnership): boolean {
  return seesEverything(p) || [a.agency_code, a.issued_by_agency, a.custodian_code].includes(p.agencyCode);
}

/** Who changes it: the system agency's admins, the issuing operator's admins, the coordinator. */
function managesAccount(p: Principal, a: AccountOwnership): boolean {
  if (administers(p, a.agency_code, ...SYSTEM_ADMIN_ROLES)) return true;
  return a.delegation_id !== null && administers(p, a.issued_by_agency, ...OPERATOR_ROLES);
}

export function accountNotFound(clientId: string) {
  return notFound('tài khoản kết nối', 'connection account', clientId);
}

/** 404 for those who may not see it, 403 for those who see but may not change it. */
export function requireManager(p: Principal, a: AccountOwnership): void {
  if (!seesAccount(p, a)) throw accountNotFound(a.client_id);
  if (!managesAccount(p, a)) {
    throw forbidden(
      'Chỉ quản trị viên của cơ quan sở hữu hệ thống, đơn vị trung gian đã cấp tài khoản, hoặc Văn phòng Trung ương Đảng được thay đổi tài khoản kết nối này.',
      "Only the system agency's administrators, the intermediary operator that issued the account, or the coordinator may change this connection account.",
      'R-14.1',
    );
  }
}

/**
 * The gateway asks "is this account still active?" on every request. The answer is read from the
 * database at most once a second per account, and a revocation on this instance clears it at
 * once: revocation takes effect immediately here, on other instances when they hear of it
 * (core/invalidations.ts), and within a second on them whatever happens to the announcement.
 */
export function createStatusCache(db: Queryable, ttlMs = 1000, invalidations?: Invalidations) {
  const entries = createCache<string, boolean>({ max: 100_000, ttlMs });
  invalidations?.on('accounts', (clientIds) => entries.invalidate(clientIds));
  const load = async (clientId: string): Promise<boolean> => {
    const r = await db.query<{ status: string }>('SELECT status FROM connection_accounts WHERE client_id = $1', [clientId]);
    return r.rows[0]?.status === 'active';
  };
  return {
    isActive: (clientId: string): Promise<boolean> => entries.get(clientId, load),
    /** Revoked here: a status read before the revocation (even one still loading) is not believed. */
    forget(clientIds: string[]): void {
      if (invalidations) invalidations.changed('accounts', clientIds);
      else entries.invalidate(clientIds);
    },
  };
}

export type StatusCache = ReturnType<typeof createStatusCache>;
