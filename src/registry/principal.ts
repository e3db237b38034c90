import { forbidden } from '../core/errors.ts';

/** Roles of officials (R-11 approver, R-18.2 coordinator/inspection). */
export const ROLES = ['coordinator', 'custodian_admin', 'consumer_admin', 'approver', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that must use TOTP MFA: security level 3 for the most powerful accounts. */
export const MFA_ROLES: readonly Role[] = ['coordinator', 'approver'];

/** The authenticated official behind a request. */
export interface Principal {
  userId: string;
  username: string;
  fullName: string;
  agencyCode: string;
  roles: Role[];
  sessionId: string;
  sessionExpiresAt: Date;
}

export const SYSTEM_ACTOR = 'system';

export function hasRole(p: Principal, ...roles: Role[]): boolean {
  return p.roles.some((r) => roles.includes(r));
}

/** Coordinators and auditors see everything (R-18.2: the Central Party Office inspects). */
export function seesEverything(p: Principal): boolean {
  return hasRole(p, 'coordinator', 'auditor');
}

/** May `p` administer objects owned by `agencyCode`? Coordinators anywhere; agency admins at home only. */
export function administers(p: Principal, agencyCode: string, ...adminRoles: Role[]): boolean {
  if (hasRole(p, 'coordinator')) return true;
  return p.agencyCode === agencyCode && hasRole(p, ...adminRoles);
}

export function requiresMfa(roles: readonly string[]): boolean {
  return roles.some((r) => (MFA_ROLES as readonly string[]).includes(r));
}

/** what only the Central Party Office (the coordinator role) may do. */
export function requireCoordinator(p: Principal, actionVi: string, actionEn: string): void {
  if (!hasRole(p, 'coordinator')) {
    throw forbidden(`Chỉ Văn phòng Trung ương Đảng (vai trò điều phối) được ${actionVi}.`, `Only the coordinator (Central Party Office) may ${actionEn}.`, 'R-18.2');
  }
}
