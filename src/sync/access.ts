import { forbidden } from '../core/errors.ts';
import type { Dataset } from '../catalog/index.ts';
import { type Principal, hasRole } from '../registry/index.ts';

/**
 * R-4.1: the level that produces data updates it — through the platform's API only the custodian's
 * own administrators write and read hosted records, and grant other agencies' systems the right to
 * write (producers.ts).
 */
export function requireCustodian(p: Principal, d: Dataset): void {
  if (!(p.agencyCode === d.custodian_code && hasRole(p, 'custodian_admin'))) {
    throw forbidden(
      'Chỉ quản trị viên của cơ quan chủ quản được ghi và xem dữ liệu của bộ dữ liệu này.',
      "Only the custodian's administrators write and read this dataset's records.",
      'R-4.1',
    );
  }
}
