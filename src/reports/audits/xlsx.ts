import { formatIsoDate, formatVietnamTime } from '../../core/time.ts';
import type { Audit, Evidence } from './service.ts';

/**
 * The audit report as a workbook: a summary sheet whose every number has its evidence
 * beside it (log positions, receipt ids, API paths), the sample exchange by exchange, quality and
 * open findings. Vietnamese headings first, English beside them.
 */

const links = (e: readonly Evidence[]) => e.map((x) => x.href).join('\n');
const pct = (r: number | null) => (r === null ? '—' : `${Math.round(r * 10_000) / 100}%`);

export async function auditWorkbook(a: Audit): Promise<Buffer> {
  // Loaded on first use: a third of a second of every start otherwise, for a rare download.
  const ExcelJS = (await import('exceljs')).default;
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Liên Thông';
  wb.created = new Date(a.opened_at);
  const r = a.result;

  const sum = wb.addWorksheet('Tóm tắt - Summary');
  sum.columns = [
    { header: 'Mục / Item', key: 'item', width: 48 },
    { header: 'Giá trị / Value', key: 'value', width: 28 },
    { header: 'Bằng chứng / Evidence', key: 'evidence', width: 90 },
  ];
  sum.getRow(1).font = { bold: true };
  const row = (item: string, value: string | number | boolean, evidence: readonly Evidence[] = []) =>
    sum.addRow({ item, value: typeof value === 'boolean' ? (value ? 'Đạt / Pass' : 'Không đạt / Fail') : value, evidence: links(evidence) });
  row('Cơ quan chủ quản (nhật ký) / Custodian (log)', a.custodian_code);
  row('Kỳ kiểm toán / Period', `${formatIsoDate(a.period_from)} – ${formatIsoDate(a.period_to)}`);
  row('Người mở / Opened by', a.opened_by);
  row('Thời điểm / Opened at (Asia/Ho_Chi_Minh)', formatVietnamTime(new Date(a.opened_at)));
  row('Mã cuộc kiểm toán / Audit id', a.id, [{ label_vi: '', label_en: '', href: `/api/v1/reports/audits/${a.id}` }]);
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
  row('Cỡ mẫu kiểm tra lại / Sample re-checked', r.sample.size, [{ label_vi: '', label_en: '', href: 'sheet: Mẫu - Sample' }]);
  row(
    'Giao dịch vi phạm trong mẫu / Violations in the sample',
    r.sample.violations,
    r.sample.items.filter((i) => !i.ok).map((i) => ({ label_vi: '', label_en: '', href: `${a.custodian_code}#${i.leaf_index} /api/v1/ledger/receipts/${i.receipt_id}` })),
  );
  row('Phát hiện đang mở / Open findings', r.findings.open, [
    ...r.findings.evidence,
    ...r.findings.by_rule.flatMap((b) => b.ids.map((id) => ({ label_vi: '', label_en: '', href: `/api/v1/reports/findings/${id}` }))),
  ]);
  sum.getColumn('evidence').alignment = { wrapText: true, vertical: 'top' };

  const sample = wb.addWorksheet('Mẫu - Sample');
  sample.columns = [
    { header: 'Vị trí nhật ký / Log position', key: 'leaf_index', width: 14 },
    { header: 'Biên nhận / Receipt id', key: 'receipt_id', width: 38 },
    { header: 'Thời điểm / Requested at (UTC)', key: 'requested_at', width: 26 },
    { header: 'Cơ quan khai thác / Consumer', key: 'consumer', width: 22 },
    { header: 'Bộ dữ liệu / Dataset', key: 'dataset', width: 22 },
    { header: 'Trường đã cung cấp / Fields served', key: 'fields', width: 40 },
    { header: 'Thỏa thuận / Agreements', key: 'agreements', width: 40 },
    { header: 'Kết quả / Result', key: 'ok', width: 16 },
    { header: 'Vấn đề / Problems', key: 'problems', width: 60 },
    { header: 'Bằng chứng / Evidence', key: 'evidence', width: 60 },
  ];
  sample.getRow(1).font = { bold: true };
  for (const i of r.sample.items)
    sample.addRow({
      leaf_index: i.leaf_index,
      receipt_id: i.receipt_id,
      requested_at: i.requested_at,
      consumer: `${i.consumer_agency ?? ''} / ${i.consumer_system ?? ''}`,
      dataset: i.dataset,
      fields: i.fields.join(', '),
      agreements: i.agreement_ids.join(', '),
      ok: i.ok ? 'Đạt / Pass' : 'Vi phạm / Violation',
      problems: i.problems.map((p) => `${p.vi} / ${p.en}`).join('\n'),
      evidence: links(i.evidence),
    });

  const quality = wb.addWorksheet('Chất lượng - Quality');
  quality.columns = [
    { header: 'Bộ dữ liệu / Dataset', key: 'dataset', width: 26 },
    { header: 'Bản ghi / Live records', key: 'live', width: 14 },
    { header: 'Đủ / Completeness', key: 'completeness', width: 16 },
    { header: 'Sạch / Validity', key: 'validity', width: 16 },
    { header: 'Sống / Fresh', key: 'fresh', width: 12 },
    { header: 'Bằng chứng / Evidence', key: 'evidence', width: 50 },
  ];
  quality.getRow(1).font = { bold: true };
  for (const q of r.quality)
    quality.addRow({
      dataset: q.dataset,
      live: q.live_records,
      completeness: pct(q.completeness),
      validity: pct(q.validity),
      fresh: q.fresh === null ? '—' : q.fresh ? 'Có / Yes' : 'Không / No',
      evidence: links(q.evidence),
    });

  const findings = wb.addWorksheet('Phát hiện - Findings');
  findings.columns = [
    { header: 'Quy tắc / Rule', key: 'rule', width: 12 },
    { header: 'Số lượng / Count', key: 'count', width: 12 },
    { header: 'Bằng chứng / Evidence', key: 'evidence', width: 90 },
  ];
  findings.getRow(1).font = { bold: true };
  for (const b of r.findings.by_rule) findings.addRow({ rule: b.rule, count: b.count, evidence: b.ids.map((id) => `/api/v1/reports/findings/${id}`).join('\n') });

  return Buffer.from(await wb.xlsx.writeBuffer());
}
