import { COORDINATOR_AGENCY } from '../../registry/index.ts';
import { vietnamDate } from '../../core/time.ts';
import { renderPdf } from '../yearly/document.ts';
import { dmy } from '../yearly/tables.ts';
import type { Audit } from './service.ts';
import { auditTables } from './tables.ts';

/**
 * The audit report as a Party document of the Central Party Office (R-18.2: VPTW inspects and
 * audits), laid out as the yearly report is (Hướng dẫn 36-HD/VPTW) and holding the same tables
 * as the workbook. Left without a number: the Office numbers it when it issues it.
 */
export function auditPdf(a: Audit): Promise<Buffer> {
  const r = a.result;
  const period = `từ ngày ${dmy(a.period_from)} đến ngày ${dmy(a.period_to)}`;
  return renderPdf({
    parent: 'Ban Chấp hành Trung ương',
    issuer: 'Văn phòng Trung ương Đảng',
    issuer_code: COORDINATOR_AGENCY,
    number: null,
    date: vietnamDate(new Date(a.opened_at)),
    place: 'Hà Nội',
    subject: `Kết quả kiểm toán dữ liệu của ${a.custodian_code} ${period}`,
    intro: [
      `Thực hiện nhiệm vụ kiểm tra, kiểm toán dữ liệu theo Điều 18 Quy định số 384-QĐ/TW, cuộc kiểm toán ${a.id} đã kiểm tra nhật ký chia sẻ của ${a.custodian_code} (${r.verification.entries} mục, ${r.verification.checkpoints} điểm kiểm tra), sự nhất quán với điểm kiểm tra đã thấy trước đó, và kiểm tra lại ${r.sample.size} giao dịch trong kỳ theo các thỏa thuận có hiệu lực tại thời điểm giao dịch.`,
      `Kết luận chung: ${a.ok ? 'đạt' : 'không đạt'}; ${r.sample.violations} giao dịch vi phạm trong mẫu; ${r.findings.open} phát hiện đang mở. Mỗi số liệu dưới đây kèm bằng chứng (vị trí nhật ký, mã biên nhận, đường dẫn API) để kiểm chứng lại.`,
    ],
    tables: auditTables(a),
    closing: ['Văn phòng Trung ương Đảng báo cáo kết quả kiểm toán để các cơ quan liên quan biết, xử lý các phát hiện theo quy định.'],
    recipients: [`- ${a.custodian_code},`, '- Lưu Văn phòng Trung ương Đảng.'],
    signature: { on_behalf: 'Văn phòng Trung ương Đảng', title: 'Người kiểm toán', name: a.opened_by },
    facts: [],
  });
}
