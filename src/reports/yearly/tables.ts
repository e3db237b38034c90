import { vietnamDate } from '../../core/time.ts';
import type { YearlyContent } from './content.ts';

/**
 * The report's sections as tables, written once for both files: the PDF prints them in the body
 * of the Party document, the XLSX gives each its sheet. Vietnamese first, English beside it.
 */

type ColumnKind = 'text' | 'int' | 'date' | 'ratio';

interface Column {
  vi: string;
  en: string;
  kind: ColumnKind;
}

export type Cell = string | number | null;

export interface Table {
  /** The sheet's name in the XLSX (≤ 31 characters, no `/`). */
  sheet: string;
  title_vi: string;
  title_en: string;
  /** What the numbers are counted from (R-18.1: every figure states its basis). */
  basis_vi?: string | undefined;
  basis_en?: string | undefined;
  columns: Column[];
  rows: Cell[][];
}

const FORM_VI: Record<string, string> = {
  api: 'Khai thác qua API',
  sync: 'Đồng bộ, cập nhật dữ liệu',
  push: 'Đẩy dữ liệu',
  export: 'Xuất dữ liệu',
  direct: 'Tích hợp trực tiếp',
};
const ACTION_VI: Record<string, string> = {
  schedule: 'Lên lịch tạm dừng',
  record_stop: 'Ghi nhận dừng đột xuất',
  publish_notice: 'Đăng thông báo công khai',
  correct: 'Đính chính',
  end: 'Khôi phục dịch vụ',
  suspend: 'Tạm dừng bên khai thác',
  restore: 'Khôi phục bên khai thác',
  remedied: 'Bên khai thác khắc phục',
  terminate: 'Chấm dứt chia sẻ',
};
const ENTITY_VI: Record<string, string> = {
  service_suspension: 'Tạm dừng dịch vụ',
  consumer_suspension: 'Tạm dừng bên khai thác',
  agreement: 'Thỏa thuận chia sẻ',
  notice: 'Thông báo công khai',
};

const int = (vi: string, en: string): Column => ({ vi, en, kind: 'int' });
const text = (vi: string, en: string): Column => ({ vi, en, kind: 'text' });
const EXCHANGES = int('Lượt trao đổi', 'Exchanges');
const REFUSED = int('Lượt từ chối', 'Refused');
const BYTES = int('Dung lượng (byte)', 'Bytes');

/** "As of checkpoint N of log X", in both languages. */
export function basisLine(c: Pick<YearlyContent, 'basis' | 'period'>): { vi: string; en: string } {
  const { log, position } = c.basis;
  return {
    vi: `Căn cứ số liệu: nhật ký chia sẻ của ${log}, tính đến điểm chốt có chữ ký cỡ ${position} (các mục 0 đến ${Math.max(position - 1, 0)}), các ngày từ ${dmy(c.period.from)} đến ${dmy(c.period.to)}.`,
    en: `Basis: sharing log ${log} as of its signed checkpoint of size ${position} (entries 0 to ${Math.max(position - 1, 0)}), days ${c.period.from} to ${c.period.to}.`,
  };
}

export const dmy = (iso: string) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;

export function reportTables(c: YearlyContent): Table[] {
  const basis = basisLine(c);
  const figures = { basis_vi: basis.vi, basis_en: basis.en };
  return [
    {
      sheet: 'Tong hop',
      title_vi: 'Tổng hợp kết quả chia sẻ',
      title_en: 'Totals',
      ...figures,
      columns: [text('Chỉ tiêu', 'Measure'), int('Giá trị', 'Value')],
      rows: [
        ['Tổng số lượt trao đổi / Exchanges', c.totals.exchanges],
        ['Số lượt từ chối / Refused', c.totals.refused],
        ['Dung lượng đã cung cấp (byte) / Bytes delivered', c.totals.bytes],
        ['Số bộ dữ liệu / Datasets', c.datasets.length],
        ['Thỏa thuận mở mới / Agreements opened', c.agreements.opened.length],
        ['Thỏa thuận kết thúc / Agreements closed', c.agreements.closed.length],
      ],
    },
    {
      sheet: 'Theo thang',
      title_vi: 'Lượt trao đổi theo tháng',
      title_en: 'Exchanges by month',
      ...figures,
      columns: [int('Tháng', 'Month'), EXCHANGES, REFUSED, BYTES],
      rows: c.by_month.map((m) => [m.month, m.exchanges, m.refused, m.bytes]),
    },
    {
      sheet: 'Theo bo du lieu',
      title_vi: 'Lượt trao đổi theo bộ dữ liệu',
      title_en: 'Exchanges by dataset',
      ...figures,
      columns: [text('Bộ dữ liệu', 'Dataset'), EXCHANGES, REFUSED, BYTES],
      rows: c.by_dataset.map((d) => [d.dataset || '(không xác định / none)', d.exchanges, d.refused, d.bytes]),
    },
    {
      sheet: 'Theo ben khai thac',
      title_vi: 'Lượt trao đổi theo cơ quan, hệ thống khai thác',
      title_en: 'Exchanges by consumer',
      ...figures,
      columns: [text('Cơ quan', 'Agency'), text('Hệ thống', 'System'), EXCHANGES, REFUSED, BYTES],
      rows: c.by_consumer.map((d) => [d.consumer_agency || '(chưa xác thực / unidentified)', d.consumer_system, d.exchanges, d.refused, d.bytes]),
    },
    {
      sheet: 'Theo hinh thuc',
      title_vi: 'Lượt trao đổi theo hình thức kết nối',
      title_en: 'Exchanges by form',
      ...figures,
      columns: [text('Hình thức', 'Form'), EXCHANGES, REFUSED, BYTES],
      rows: c.by_form.map((d) => [`${FORM_VI[d.form] ?? d.form} (${d.form})`, d.exchanges, d.refused, d.bytes]),
    },
    {
      sheet: 'Theo trang thai',
      title_vi: 'Lượt trao đổi theo trạng thái phản hồi',
      title_en: 'Exchanges by response status',
      ...figures,
      columns: [int('Mã trạng thái', 'Status'), EXCHANGES, BYTES],
      rows: c.by_status.map((d) => [d.status, d.exchanges, d.bytes]),
    },
    {
      sheet: 'Bo du lieu',
      title_vi: 'Danh mục dữ liệu và đặc tả chia sẻ',
      title_en: 'Datasets and their sharing specification',
      columns: [
        text('Mã', 'Code'),
        text('Tên bộ dữ liệu', 'Name'),
        text('Trạng thái', 'Status'),
        text('Mức độ mật', 'Classification'),
        int('Số trường', 'Fields'),
        text('Tần suất', 'Frequency'),
        text('Định dạng', 'Format'),
        text('Đặc tả đủ', 'Spec complete'),
        { vi: 'Rà soát gần nhất', en: 'Last reviewed', kind: 'date' },
      ],
      rows: c.datasets.map((d) => [
        d.code,
        d.name_vi,
        d.status,
        d.classification,
        d.fields,
        d.frequency,
        d.format,
        d.spec_complete ? 'Có / yes' : 'Chưa / no',
        d.last_reviewed_on,
      ]),
    },
    {
      sheet: 'Thoa thuan',
      title_vi: 'Thỏa thuận chia sẻ mở mới, kết thúc trong năm',
      title_en: 'Agreements opened and closed in the year',
      columns: [
        text('Diễn biến', 'Event'),
        text('Bộ dữ liệu', 'Dataset'),
        text('Cơ quan khai thác', 'Consumer'),
        text('Hệ thống', 'System'),
        text('Trạng thái', 'Status'),
        { vi: 'Hiệu lực từ', en: 'Valid from', kind: 'date' },
        { vi: 'Hiệu lực đến', en: 'Valid to', kind: 'date' },
      ],
      rows: [
        ...c.agreements.opened.map((a) => ['Mở mới / opened', a.dataset, a.consumer, a.system, a.status, a.valid_from, a.valid_to]),
        ...c.agreements.closed.map((a) => ['Kết thúc / closed', a.dataset, a.consumer, a.system, a.status, a.valid_from, a.valid_to]),
      ],
    },
    {
      sheet: 'Tam dung cham dut',
      title_vi: 'Tạm dừng, chấm dứt chia sẻ',
      title_en: 'Suspensions and terminations',
      columns: [text('Đối tượng', 'Subject'), text('Hành động', 'Action'), int('Số lần', 'Count')],
      rows: c.lifecycle.map((e) => [ENTITY_VI[e.entity] ?? e.entity, `${ACTION_VI[e.action] ?? e.action} (${e.action})`, e.count]),
    },
    {
      sheet: 'Su co',
      title_vi: 'Sự cố, vi phạm',
      title_en: 'Incidents',
      columns: [{ vi: 'Thời điểm', en: 'At', kind: 'date' }, text('Đối tượng', 'Subject'), text('Hành động', 'Action'), text('Lý do', 'Reason')],
      rows: c.incidents.map((e) => [vietnamDate(new Date(e.at)), ENTITY_VI[e.entity] ?? e.entity, ACTION_VI[e.action] ?? e.action, e.reason]),
    },
    {
      sheet: 'Chat luong',
      title_vi: 'Chất lượng dữ liệu (tại thời điểm lập báo cáo)',
      title_en: 'Data quality (when the report was made)',
      columns: [
        text('Bộ dữ liệu', 'Dataset'),
        int('Bản ghi', 'Live records'),
        { vi: 'Độ đầy đủ', en: 'Completeness', kind: 'ratio' },
        { vi: 'Độ hợp lệ', en: 'Validity', kind: 'ratio' },
        text('Cập nhật kịp thời', 'Fresh'),
      ],
      rows: c.quality.map((q) => [q.dataset, q.live, q.completeness, q.validity, q.fresh === null ? '—' : q.fresh ? 'Có / yes' : 'Không / no']),
    },
    {
      sheet: 'Phat hien',
      title_vi: 'Phát hiện kiểm tra tuân thủ trong năm',
      title_en: 'Compliance findings in the year',
      columns: [
        text('Quy định', 'Rule'),
        text('Mức độ', 'Severity'),
        text('Trạng thái', 'Status'),
        text('Đối tượng', 'Subject'),
        text('Nội dung', 'Summary'),
        { vi: 'Ngày phát hiện', en: 'Opened', kind: 'date' },
      ],
      rows: c.findings.map((f) => [f.rule, f.severity, f.status, f.subject, f.summary_vi, vietnamDate(new Date(f.opened_at))]),
    },
  ];
}
