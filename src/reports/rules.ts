import { vietnamDate } from '../core/time.ts';
import type { Queryable } from '../db/database.ts';
import type { Accounts } from '../accounts/index.ts';
import type { Agreements } from '../agreements/index.ts';
import type { Lifecycle } from '../lifecycle/index.ts';
import { COORDINATOR_AGENCY, type Principal, type Registry, SYSTEM_ACTOR } from '../registry/index.ts';

/**
 * The compliance rules an inspection runs (R-18.2). Each looks at the platform through the other
 * modules' services and returns what it finds now; findings.ts opens a finding for each new
 * subject and closes those whose cause has gone. A rule is a requirement of the regulation: its
 * id is the finding's `rule`.
 */

export type Severity = 'low' | 'medium' | 'high';

export interface Evidence {
  label_vi: string;
  label_en: string;
  /** An API path that shows the evidence. */
  href: string;
}

export interface Detected {
  owner_agency: string;
  subject_type: string;
  subject_id: string;
  severity: Severity;
  summary_vi: string;
  summary_en: string;
  evidence: Evidence[];
}

export interface ComplianceRule {
  /** The requirement (R-x.y); several rules may check one requirement, each on its own subject type. */
  id: string;
  /** When set, a run closes only this rule's findings of this subject type (rules sharing an id do not close each other's). */
  subject_type?: string;
  /**
   * The cause is a past event (an exchange logged, a notice sent late): it cannot go away, so a
   * finding a person resolved is not opened again for the same subject.
   */
  historical?: boolean;
  title_vi: string;
  title_en: string;
  detect(q: Queryable, now: Date): Promise<Detected[]>;
}

export interface RuleDeps {
  registry: Registry;
  agreements: Agreements;
  lifecycle: Lifecycle;
  accounts: Accounts;
}

/** R-14: an account unused this long is a credential nobody watches. */
const UNUSED_ACCOUNT_DAYS = 90;
const DAY_MS = 86_400_000;

/** The inspection reads as an auditor of the Central Party Office (R-18.2): it sees everything and changes nothing. */
export const INSPECTOR: Principal = {
  userId: SYSTEM_ACTOR,
  username: SYSTEM_ACTOR,
  fullName: 'Kiểm tra tự động / Automated inspection',
  agencyCode: COORDINATOR_AGENCY,
  roles: ['auditor'],
  sessionId: '',
  sessionExpiresAt: new Date(8.64e15),
};

export function complianceRules(deps: RuleDeps): ComplianceRule[] {
  return [
    {
      // R-13.3: only systems at security level 3 or above take part in sharing; a grant held by one
      // below (its level lowered, or its decision withdrawn) is a grant that should not be in force.
      id: 'R-13.3',
      title_vi: 'Hệ thống dưới cấp độ 3 đang có quyền khai thác',
      title_en: 'System below security level 3 holding active grants',
      async detect() {
        const out: Detected[] = [];
        for (const s of await deps.registry.systems.all()) {
          if (s.status !== 'active' || (s.effective_security_level ?? 0) >= 3) continue;
          const datasets = await deps.agreements.datasetsFor(s.code);
          if (datasets.length === 0) continue;
          out.push({
            owner_agency: s.agency_code,
            subject_type: 'system',
            subject_id: s.code,
            severity: 'high',
            summary_vi: `Hệ thống ${s.code} có cấp độ an toàn thông tin hiệu lực ${s.effective_security_level ?? 'chưa được phê duyệt'} nhưng đang được khai thác ${datasets.length} bộ dữ liệu.`,
            summary_en: `System ${s.code} has an effective security level of ${s.effective_security_level ?? 'none approved'} yet holds grants on ${datasets.length} datasets.`,
            evidence: [
              { label_vi: 'Hệ thống', label_en: 'System', href: `/api/v1/systems/${s.code}` },
              ...datasets.map((d) => ({
                label_vi: `Thỏa thuận khai thác ${d}`,
                label_en: `Agreements on ${d}`,
                href: `/api/v1/agreements?system=${s.code}&dataset=${d}`,
              })),
            ],
          });
        }
        return out;
      },
    },
    {
      // R-15.4: a force-majeure stop's public notice is due within its deadline; past it and still
      // unpublished, the consumers do not know why the service is down.
      id: 'R-15.4',
      title_vi: 'Quá hạn đăng thông báo ngừng cung cấp do sự cố',
      title_en: 'Force-majeure stop notice past its deadline',
      async detect(_q, now) {
        const stops = await deps.lifecycle.services.list(INSPECTOR, { open: true });
        return stops
          .filter((s) => s.kind === 'force_majeure' && s.notice === null && s.notice_due_at !== null && now > s.notice_due_at)
          .map((s) => ({
            owner_agency: s.custodian_code,
            subject_type: 'service_suspension',
            subject_id: s.id,
            severity: 'high' as const,
            summary_vi: `Bộ dữ liệu ${s.dataset_code} ngừng cung cấp do sự cố nhưng chưa đăng thông báo, đã quá hạn ${vietnamDate(s.notice_due_at!)}.`,
            summary_en: `Dataset ${s.dataset_code} was stopped by force majeure and no notice is published; it was due by ${vietnamDate(s.notice_due_at!)}.`,
            evidence: [{ label_vi: 'Lịch ngừng cung cấp', label_en: 'The stop', href: `/api/v1/service-suspensions/${s.id}` }],
          }));
      },
    },
    {
      // R-14.1: connection accounts identify who connects; one unused for 90 days is a live
      // credential nobody needs — it should be revoked (counted from the sharing logs).
      id: 'R-14.1',
      title_vi: 'Tài khoản kết nối không sử dụng 90 ngày',
      title_en: 'Connection account unused for 90 days',
      async detect(q, now) {
        const cutoff = new Date(now.getTime() - UNUSED_ACCOUNT_DAYS * DAY_MS);
        const used = new Map(
          (await q.query<{ client_id: string; last_exchange_at: Date }>('SELECT client_id, last_exchange_at FROM report_account_use')).rows.map((r) => [
            r.client_id,
            r.last_exchange_at,
          ]),
        );
        return (await deps.accounts.accounts.active())
          .filter((a) => a.created_at < cutoff && (used.get(a.client_id) ?? a.created_at) < cutoff)
          .map((a) => {
            const last = used.get(a.client_id);
            return {
              owner_agency: a.agency_code,
              subject_type: 'account',
              subject_id: a.client_id,
              severity: 'medium' as const,
              summary_vi: `Tài khoản kết nối ${a.client_id} của hệ thống ${a.system_code} ${last ? `không được sử dụng từ ngày ${vietnamDate(last)}` : 'chưa từng được sử dụng'} (quá ${UNUSED_ACCOUNT_DAYS} ngày).`,
              summary_en: `Connection account ${a.client_id} of system ${a.system_code} ${last ? `has not been used since ${vietnamDate(last)}` : 'has never been used'} (over ${UNUSED_ACCOUNT_DAYS} days).`,
              evidence: [{ label_vi: 'Tài khoản kết nối', label_en: 'Connection account', href: `/api/v1/accounts/${a.client_id}` }],
            };
          });
      },
    },
  ];
}
