import { formatIsoDate, formatVietnamTime } from '../../core/time.ts';
import type { Cell, Table } from '../yearly/tables.ts';
import type { Audit, Evidence } from './service.ts';

/**
 * The audit report's content, written once for both files: a summary whose every number
 * has its evidence beside it (log positions, receipt ids, API paths), the sample exchange by
 * exchange, quality and open findings. Vietnamese first, English beside it.
 */

const links = (e: readonly Evidence[]) => e.map((x) => x.href).join('\n');
const pct = (r: number | null) => (r === null ? '—' : `${Math.round(r * 10_000) / 100}%`);
const verdict = (ok: boolean) => (ok ? 'Đạt / Pass' : 'Không đạt / Fail');
const href = (h: string): Evidence => ({ label_vi: '', label_en: '', href: h });

function summary(a: Audit): Table {
  const r = a.result;
  const rows: Cell[][] = [];
  const row = (item: string, value: string | number | boolean, evidence: readonly Evidence[] = []) =>
    rows.push([item, typeof value === 'boolean' ? verdict(value) : value, links(evidence)]);
  row('Cơ quan chủ quản (nhật ký) / Custodian (log)', a.custodian_code);
  row('Kỳ kiểm toán / Period', `${formatIsoDate(a.period_from)} – ${formatIsoDate(a.period_to)}`);
  row('Người mở / Opened by', a.opened_by);
  row('Thời điểm / Opened at (Asia/Ho_Chi_Minh)', formatVietnamTime(new Date(a.opened_at)));
  row('Mã cuộc kiểm toán / Audit id', a.id, [href(`/api/v1/reports/audits/${a.id}`)]);
  row('Kết luận chung / Overall', a.ok);
  row('Kiểm tra nhật ký / Log verification', r.verification.ok, r.verification.evidence);
  row('Số mục đã kiểm tra / Entries verified', r.verification.entries, r.verification.evidence);
  row('Số điểm kiểm tra / Checkpoints verified', r.verification.checkpoints, r.verification.evidence);
  if (r.verification.divergence) row('Sai lệch / Divergence', `${r.verification.divergence.what} @${r.verification.divergence.index ?? '—'}`);
  row(
    'Nhất quán với điểm kiểm tra đã thấy / Consistent with the checkpoint seen',
    r.consistency.ok === null ? 'Không kiểm tra / not checked' : r.consistency.ok,
    r.consistency.evidence,
  );
  row('Chi tiết / Detail', `${r.consistency.detail_vi} / ${r.consistency.detail_en}`);
  row('Số giao dịch trong kỳ / Exchanges in the period', r.population.entries, r.population.evidence);
  row(
    'Vị trí nhật ký / Log positions',
    r.population.first_index === null ? '—' : `${r.population.first_index} – ${r.population.last_index}`,
    r.population.evidence,
  );
  row('Giao dịch đã cung cấp dữ liệu / Served reads', r.population.served, r.population.evidence);
  row('Giao dịch khác (từ chối, ghi) / Other (refused, writes)', r.population.refused, r.population.evidence);
  row('Cỡ mẫu kiểm tra lại / Sample re-checked', r.sample.size, [href('sheet: Mẫu - Sample')]);
  row(
    'Giao dịch vi phạm trong mẫu / Violations in the sample',
    r.sample.violations,
    r.sample.items.filter((i) => !i.ok).map((i) => href(`${a.custodian_code}#${i.leaf_index} /api/v1/ledger/receipts/${i.receipt_id}`)),
  );
  row('Phát hiện đang mở / Open findings', r.findings.open, [
    ...r.findings.evidence,
    ...r.findings.by_rule.flatMap((b) => b.ids.map((id) => href(`/api/v1/reports/findings/${id}`))),
  ]);
  return {
    sheet: 'Tóm tắt - Summary',
    title_vi: 'Kết quả kiểm toán',
    title_en: 'Results of the audit',
    columns: [
      { vi: 'Mục', en: 'Item', kind: 'text' },
      { vi: 'Giá trị', en: 'Value', kind: 'text' },
      { vi: 'Bằng chứng', en: 'Evidence', kind: 'text' },
    ],
    rows,
  };
}

function sample(a: Audit): Table {
  return {
    sheet: 'Mẫu - Sample',
    title_vi: 'Mẫu giao dịch đã kiểm tra lại theo thỏa thuận có hiệu lực khi đó',
    title_en: 'The sample, re-checked against the agreements in force at the time',
    columns: [
      { vi: 'Vị trí nhật ký', en: 'Log position', kind: 'int' },
      { vi: 'Biên nhận', en: 'Receipt id', kind: 'text' },
      { vi: 'Thời điểm', en: 'Requested at (UTC)', kind: 'text' },
      { vi: 'Cơ quan khai thác', en: 'Consumer', kind: 'text' },
      { vi: 'Bộ dữ liệu', en: 'Dataset', kind: 'text' },
      { vi: 'Trường đã cung cấp', en: 'Fields served', kind: 'text' },
      { vi: 'Thỏa thuận', en: 'Agreements', kind: 'text' },
      { vi: 'Kết quả', en: 'Result', kind: 'text' },
      { vi: 'Vấn đề', en: 'Problems', kind: 'text' },
      { vi: 'Bằng chứng', en: 'Evidence', kind: 'text' },
    ],
    rows: a.result.sample.items.map((i) => [
      i.leaf_index,
      i.receipt_id,
      i.requested_at,
      `${i.consumer_agency ?? ''} / ${i.consumer_system ?? ''}`,
      i.dataset,
      i.fields.join(', '),
      i.agreement_ids.join(', '),
      i.ok ? 'Đạt / Pass' : 'Vi phạm / Violation',
      i.problems.map((p) => `${p.vi} / ${p.en}`).join('\n'),
      links(i.evidence),
    ]),
  };
}

function quality(a: Audit): Table {
  return {
    sheet: 'Chất lượng - Quality',
    title_vi: 'Chất lượng dữ liệu',
    title_en: 'Data quality',
    columns: [
      { vi: 'Bộ dữ liệu', en: 'Dataset', kind: 'text' },
      { vi: 'Bản ghi', en: 'Live records', kind: 'int' },
      { vi: 'Đủ', en: 'Completeness', kind: 'text' },
      { vi: 'Sạch', en: 'Validity', kind: 'text' },
      { vi: 'Sống', en: 'Fresh', kind: 'text' },
      { vi: 'Bằng chứng', en: 'Evidence', kind: 'text' },
    ],
    rows: a.result.quality.map((q) => [
      q.dataset,
      q.live_records,
      pct(q.completeness),
      pct(q.validity),
      q.fresh === null ? '—' : q.fresh ? 'Có / Yes' : 'Không / No',
      links(q.evidence),
    ]),
  };
}

function findings(a: Audit): Table {
  return {
    sheet: 'Phát hiện - Findings',
    title_vi: 'Phát hiện đang mở theo quy tắc',
    title_en: 'Open findings by rule',
    columns: [
      { vi: 'Quy tắc', en: 'Rule', kind: 'text' },
      { vi: 'Số lượng', en: 'Count', kind: 'int' },
      { vi: 'Bằng chứng', en: 'Evidence', kind: 'text' },
    ],
    rows: a.result.findings.by_rule.map((b) => [b.rule, b.count, b.ids.map((id) => `/api/v1/reports/findings/${id}`).join('\n')]),
  };
}

export const auditTables = (a: Audit): Table[] => [summary(a), sample(a), quality(a), findings(a)];
