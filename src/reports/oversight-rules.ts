import { formatIsoDate, vietnamDate } from '../core/time.ts';
import type { Agreements } from '../agreements/index.ts';
import { type Catalog, type Dataset, reviewDeadline } from '../catalog/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { Lifecycle } from '../lifecycle/index.ts';
import type { Sync } from '../sync/index.ts';
import { type AgreementUse, type LogChecks, agreementUses } from './log-checks.ts';
import { type ComplianceRule, type Detected, INSPECTOR } from './rules.ts';

/**
 * The inspection's rules on the catalog, agreements, notices, quality and the logs themselves
 * (R-18.2): each names its requirement and looks through the other modules' services.
 */

export interface OversightDeps {
  catalog: Catalog;
  sync: Sync;
  agreements: Agreements;
  lifecycle: Lifecycle;
  ledger: Ledger;
  logChecks: LogChecks;
}

/** R-17.1: a log not verified for this long is a log nobody checks. */
const VERIFY_EVERY_DAYS = 7;
/** R-4.7: quality below these ratios is a finding (completeness of required fields, validity). */
const QUALITY_THRESHOLD = 0.95;
const DAY_MS = 86_400_000;
const SECRET = new Set(['secret', 'top_secret']);

async function allDatasets(catalog: Catalog): Promise<Dataset[]> {
  const out: Dataset[] = [];
  for (let offset = 0; ; offset += 200) {
    const page = await catalog.datasets.list({ limit: 200, offset });
    out.push(...page.items);
    if (page.items.length < 200) return out;
  }
}

const datasetLink = (code: string) => ({ label_vi: 'Bộ dữ liệu', label_en: 'Dataset', href: `/api/v1/datasets/${code}` });

export function oversightRules(deps: OversightDeps): ComplianceRule[] {
  return [
    {
      // R-18.1: each custodian reviews its datasets' specifications every year before 25 December.
      id: 'R-18.1',
      subject_type: 'dataset_review',
      title_vi: 'Bộ dữ liệu chưa được rà soát hằng năm trước ngày 25/12',
      title_en: 'Dataset not reviewed before 25 December',
      async detect(_q, now) {
        const today = vietnamDate(now);
        const thisYear = Number(today.slice(0, 4));
        // The latest review whose deadline has passed: this year's from 25/12, otherwise last year's.
        const year = today > reviewDeadline(thisYear) ? thisYear : thisYear - 1;
        const due = reviewDeadline(year);
        const items = await deps.catalog.reviews.items(year);
        return items
          .filter((i) => !i.review && vietnamDate(i.created_at) <= due)
          .map((i) => ({
            owner_agency: i.custodian_code,
            subject_type: 'dataset_review',
            subject_id: `${i.dataset_code}/${year}`,
            severity: 'medium' as const,
            summary_vi: `Bộ dữ liệu ${i.dataset_code} chưa được rà soát đặc tả của năm ${year} (hạn cuối ${formatIsoDate(due)}).`,
            summary_en: `Dataset ${i.dataset_code} has not had its ${year} specification review (due by ${due}).`,
            evidence: [
              datasetLink(i.dataset_code),
              { label_vi: `Rà soát năm ${year}`, label_en: `Review of ${year}`, href: `/api/v1/catalog/reviews/${year}?custodian=${i.custodian_code}` },
            ],
          }));
      },
    },
    {
      // R-18.1: the custodian publishes the sharing specification of each dataset — fields, frequency, format.
      id: 'R-18.1',
      subject_type: 'dataset_spec',
      title_vi: 'Bộ dữ liệu công bố thiếu đặc tả chia sẻ (trường, tần suất, định dạng)',
      title_en: 'Published dataset without a complete sharing specification',
      async detect() {
        const out: Detected[] = [];
        for (const d of await allDatasets(deps.catalog)) {
          if (d.status !== 'published') continue;
          const spec = d.sharing_spec;
          const missing: [string, string][] = [];
          if (spec.fields.length === 0) missing.push(['trường thông tin', 'fields']);
          if (!spec.frequency) missing.push(['tần suất', 'frequency']);
          if (!spec.format?.trim()) missing.push(['định dạng', 'format']);
          if (spec.fields.some((f) => !f.dictionary && !f.label_vi)) missing.push(['tên trường tiếng Việt', 'field labels']);
          if (missing.length === 0) continue;
          out.push({
            owner_agency: d.custodian_code,
            subject_type: 'dataset_spec',
            subject_id: d.code,
            severity: 'medium',
            summary_vi: `Bộ dữ liệu ${d.code} đã công bố nhưng đặc tả chia sẻ thiếu: ${missing.map((m) => m[0]).join(', ')}.`,
            summary_en: `Dataset ${d.code} is published without a complete sharing specification: missing ${missing.map((m) => m[1]).join(', ')}.`,
            evidence: [datasetLink(d.code)],
          });
        }
        return out;
      },
    },
    {
      // R-4.2: data is shared only under an agreement in force; an exchange served under one before
      // its validity began or after it ended is sharing without an agreement.
      id: 'R-4.2',
      subject_type: 'agreement',
      historical: true,
      title_vi: 'Thỏa thuận được sử dụng ngoài thời hạn hiệu lực',
      title_en: 'Agreement used outside its validity',
      async detect(q) {
        const out: Detected[] = [];
        const uses = new Map<string, AgreementUse[]>();
        for (const u of await agreementUses(q)) uses.set(u.agreement_id, [...(uses.get(u.agreement_id) ?? []), u]);
        for (const [id, list] of uses) {
          const a = await deps.agreements.service.get(INSPECTOR, id).catch(() => null);
          if (!a) continue;
          const outside = list.flatMap((u) => [
            ...(vietnamDate(u.first_at) < a.valid_from ? [{ log: u.log, index: u.first_index, at: u.first_at }] : []),
            ...(vietnamDate(u.last_at) > a.valid_to ? [{ log: u.log, index: u.last_index, at: u.last_at }] : []),
          ]);
          if (outside.length === 0) continue;
          out.push({
            owner_agency: a.custodian_code,
            subject_type: 'agreement',
            subject_id: id,
            severity: 'high',
            summary_vi: `Thỏa thuận ${id} (${a.dataset_code}, hệ thống ${a.system_code}) có hiệu lực từ ${formatIsoDate(a.valid_from)} đến ${formatIsoDate(a.valid_to)} nhưng nhật ký ghi nhận dữ liệu được cung cấp ngày ${outside.map((o) => formatIsoDate(vietnamDate(o.at))).join(', ')}.`,
            summary_en: `Agreement ${id} (${a.dataset_code}, system ${a.system_code}) is valid ${a.valid_from} to ${a.valid_to}, yet the log shows data served on ${outside.map((o) => vietnamDate(o.at)).join(', ')}.`,
            evidence: [
              { label_vi: 'Thỏa thuận', label_en: 'Agreement', href: `/api/v1/agreements/${id}` },
              ...outside.map((o) => ({
                label_vi: `Mục nhật ký ${o.log} số ${o.index}`,
                label_en: `Log ${o.log} entry ${o.index}`,
                href: `/api/v1/ledger/${o.log}/entries?after=${o.index - 1}&limit=1`,
              })),
            ],
          });
        }
        return out;
      },
    },
    {
      // R-11: secret and top-secret data is shared only after a competent person approves, a
      // different person than the custodian's first decision. An agreement in force on such data
      // without that second approval — a dataset reclassified after approval, say — is a finding.
      id: 'R-11',
      subject_type: 'agreement',
      title_vi: 'Dữ liệu mật được chia sẻ khi chưa có người có thẩm quyền phê duyệt',
      title_en: 'Secret data shared without the competent second approval',
      async detect() {
        const secret = new Map((await allDatasets(deps.catalog)).filter((d) => SECRET.has(d.classification)).map((d) => [d.code, d]));
        const out: Detected[] = [];
        for (const status of ['active', 'suspended']) {
          for (let offset = 0; ; offset += 200) {
            const page = await deps.agreements.service.list(INSPECTOR, { status, limit: 200, offset });
            for (const a of page.items) {
              if (!secret.has(a.dataset_code)) continue;
              const full = await deps.agreements.service.get(INSPECTOR, a.id);
              const second = full.events.find((e) => e.action === 'approve_secret' && e.actor !== full.custodian_approved_by);
              if (second) continue;
              out.push({
                owner_agency: a.custodian_code,
                subject_type: 'agreement',
                subject_id: a.id,
                severity: 'high',
                summary_vi: `Thỏa thuận ${a.id} chia sẻ dữ liệu mật ${a.dataset_code} cho hệ thống ${a.system_code} nhưng chưa có phê duyệt của người có thẩm quyền.`,
                summary_en: `Agreement ${a.id} shares secret dataset ${a.dataset_code} with system ${a.system_code} without the competent second approval.`,
                evidence: [{ label_vi: 'Thỏa thuận và lịch sử phê duyệt', label_en: 'Agreement and its approvals', href: `/api/v1/agreements/${a.id}` }, datasetLink(a.dataset_code)],
              });
            }
            if (page.items.length < 200) break;
          }
        }
        return out;
      },
    },
    {
      // R-15.5: a consumer is told within 1 day of the violation being found; a notice recorded later is a finding.
      id: 'R-15.5',
      subject_type: 'consumer_suspension',
      historical: true,
      title_vi: 'Thông báo tạm ngừng kết nối gửi cơ quan khai thác quá hạn 1 ngày',
      title_en: 'Consumer suspension notice sent past its 1-day deadline',
      async detect() {
        return (await deps.lifecycle.consumers.list(INSPECTOR, {}))
          .filter((s) => s.notice_late)
          .map((s) => ({
            owner_agency: s.custodian_code,
            subject_type: 'consumer_suspension',
            subject_id: s.id,
            severity: 'medium' as const,
            summary_vi: `Thông báo tạm ngừng kết nối của thỏa thuận ${s.agreement_id} được gửi lúc ${s.notified_at.toISOString()}, quá hạn ${s.notice_due_at.toISOString()}.`,
            summary_en: `The suspension notice of agreement ${s.agreement_id} was sent at ${s.notified_at.toISOString()}, after its deadline ${s.notice_due_at.toISOString()}.`,
            evidence: [{ label_vi: 'Quyết định tạm ngừng', label_en: 'The suspension', href: `/api/v1/consumer-suspensions/${s.id}` }],
          }));
      },
    },
    {
      // R-4.7: shared data is complete, clean and live; hosted data below the thresholds is a finding of its custodian.
      id: 'R-4.7',
      subject_type: 'dataset',
      title_vi: 'Chất lượng dữ liệu dưới ngưỡng (đủ, sạch, sống)',
      title_en: 'Data quality below thresholds (completeness, validity, freshness)',
      async detect() {
        const out: Detected[] = [];
        for (const f of await deps.sync.quality.report(INSPECTOR, {})) {
          if (f.records.live === 0) continue;
          const low: [string, string][] = [];
          if (f.completeness.required_ratio !== null && f.completeness.required_ratio < QUALITY_THRESHOLD)
            low.push([`đủ ${Math.round(f.completeness.required_ratio * 100)}%`, `completeness ${Math.round(f.completeness.required_ratio * 100)}%`]);
          if (f.validity.ratio !== null && f.validity.ratio < QUALITY_THRESHOLD)
            low.push([`sạch ${Math.round(f.validity.ratio * 100)}%`, `validity ${Math.round(f.validity.ratio * 100)}%`]);
          if (f.freshness.fresh === false) low.push(['không còn sống (quá hạn cập nhật)', 'not fresh (update overdue)']);
          if (low.length === 0) continue;
          out.push({
            owner_agency: f.custodian,
            subject_type: 'dataset',
            subject_id: f.dataset,
            severity: 'low',
            summary_vi: `Chất lượng bộ dữ liệu ${f.dataset} dưới ngưỡng ${QUALITY_THRESHOLD * 100}%: ${low.map((l) => l[0]).join('; ')}.`,
            summary_en: `Quality of dataset ${f.dataset} is below the ${QUALITY_THRESHOLD * 100}% threshold: ${low.map((l) => l[1]).join('; ')}.`,
            evidence: [{ label_vi: 'Chỉ số chất lượng', label_en: 'Quality figures', href: `/api/v1/datasets/${f.dataset}/quality` }],
          });
        }
        return out;
      },
    },
    {
      // R-17.1: the log must be traceable and its history unedited; that is known only by verifying it, regularly.
      id: 'R-17.1',
      subject_type: 'sharing_log',
      title_vi: 'Nhật ký chia sẻ không được kiểm tra gần đây hoặc kiểm tra không đạt',
      title_en: 'Sharing log not verified recently, or failing verification',
      async detect(_q, now) {
        const latest = await deps.logChecks.latest();
        const cutoff = new Date(now.getTime() - VERIFY_EVERY_DAYS * DAY_MS);
        const out: Detected[] = [];
        for (const log of await deps.ledger.logs()) {
          const v = latest.get(log);
          const evidence = [
            { label_vi: 'Các lần kiểm tra nhật ký', label_en: 'Verifications of the log', href: `/api/v1/reports/logs/${log}/verifications` },
            { label_vi: 'Điểm kiểm tra mới nhất', label_en: 'Newest checkpoint', href: `/api/v1/ledger/${log}/checkpoint` },
          ];
          if (v && !v.ok) {
            out.push({
              owner_agency: log,
              subject_type: 'sharing_log',
              subject_id: log,
              severity: 'high',
              summary_vi: `Nhật ký chia sẻ của ${log} không đạt khi kiểm tra lúc ${v.verified_at.toISOString()}: ${v.divergence?.what ?? ''} (vị trí ${v.divergence?.index ?? '—'}).`,
              summary_en: `The sharing log of ${log} failed verification at ${v.verified_at.toISOString()}: ${v.divergence?.what ?? ''} (index ${v.divergence?.index ?? '—'}).`,
              evidence,
            });
            continue;
          }
          if (v && v.verified_at >= cutoff) continue;
          // Never verified: due once its first entry is older than the period.
          if (!v) {
            const [first] = await deps.ledger.entriesAfter(log, 0, 1);
            if (!first?.entry || new Date(first.entry.requested_at) >= cutoff) continue;
          }
          out.push({
            owner_agency: log,
            subject_type: 'sharing_log',
            subject_id: log,
            severity: 'medium',
            summary_vi: `Nhật ký chia sẻ của ${log} ${v ? `được kiểm tra lần cuối lúc ${v.verified_at.toISOString()}` : 'chưa từng được kiểm tra'} (quá ${VERIFY_EVERY_DAYS} ngày).`,
            summary_en: `The sharing log of ${log} ${v ? `was last verified at ${v.verified_at.toISOString()}` : 'has never been verified'} (over ${VERIFY_EVERY_DAYS} days).`,
            evidence,
          });
        }
        return out;
      },
    },
  ];
}
