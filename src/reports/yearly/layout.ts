import { formatVietnamTime, vietnamDate } from '../../core/time.ts';
import type { YearlyContent } from './content.ts';
import type { PartyDocument } from './document.ts';
import type { OverviewRow, Submission } from './types.ts';
import { type Table, basisLine, reportTables } from './tables.ts';

/** The custodian's yearly report as a Party document addressed to the Central Party Office. */
export function reportDocument(
  c: YearlyContent,
  o: { parent: string | null; number: string | null; date: string; signer_name: string; signer_title: string },
): PartyDocument {
  const basis = basisLine(c);
  return {
    parent: o.parent,
    issuer: c.custodian.name_vi,
    issuer_code: c.custodian.code,
    number: o.number,
    date: o.date,
    place: 'Hà Nội',
    subject: `Kết quả kết nối, chia sẻ dữ liệu năm ${c.year}`,
    intro: [
      `Thực hiện Quy định số 384-QĐ/TW của Ban Bí thư về kết nối, chia sẻ dữ liệu trong các cơ quan Đảng, ${c.custodian.name_vi} báo cáo kết quả kết nối, chia sẻ dữ liệu năm ${c.year} như sau.`,
      `Trong năm, hệ thống ghi nhận ${c.totals.exchanges.toLocaleString('vi-VN')} lượt trao đổi dữ liệu (${c.totals.refused.toLocaleString('vi-VN')} lượt bị từ chối), cung cấp ${c.totals.bytes.toLocaleString('vi-VN')} byte dữ liệu; ${c.agreements.opened.length} thỏa thuận chia sẻ được mở mới và ${c.agreements.closed.length} thỏa thuận kết thúc.`,
      basis.vi,
    ],
    tables: reportTables(c),
    closing: [`${c.custodian.name_vi} kính báo cáo Văn phòng Trung ương Đảng.`],
    recipients: ['- Văn phòng Trung ương Đảng (để tổng hợp),', '- Lưu Văn phòng.'],
    signature: { on_behalf: c.custodian.name_vi, title: o.signer_title, name: o.signer_name },
    facts: [
      ['Cơ quan chủ quản / Custodian', `${c.custodian.name_vi} (${c.custodian.code})`],
      ['Năm báo cáo / Year', String(c.year)],
      ['Lập lúc / Generated at', formatVietnamTime(new Date(c.generated_at))],
      ['Căn cứ số liệu', basis.vi],
      ['Basis', basis.en],
    ],
  };
}

const STATUS_VI: Record<OverviewRow['status'], string> = {
  submitted: 'Đã nộp',
  submitted_late: 'Nộp muộn',
  pending: 'Chưa nộp',
  overdue: 'Quá hạn, chưa nộp',
};

/** The aggregate for the Secretariat: one line per custodian, from the latest version it submitted. */
export function aggregateTables(year: number, overview: OverviewRow[], latest: Map<string, { s: Submission; content: YearlyContent }>): Table[] {
  const sum = (f: (c: YearlyContent) => number) => [...latest.values()].reduce((a, x) => a + f(x.content), 0);
  const forms = new Map<string, { exchanges: number; refused: number; bytes: number }>();
  for (const { content } of latest.values()) {
    for (const f of content.by_form) {
      const had = forms.get(f.form) ?? { exchanges: 0, refused: 0, bytes: 0 };
      forms.set(f.form, { exchanges: had.exchanges + f.exchanges, refused: had.refused + f.refused, bytes: had.bytes + f.bytes });
    }
  }
  return [
    {
      sheet: 'Tinh hinh nop',
      title_vi: `Tình hình nộp báo cáo năm ${year}`,
      title_en: `Submissions of the ${year} report`,
      columns: [
        { vi: 'Cơ quan chủ quản', en: 'Custodian', kind: 'text' },
        { vi: 'Tình trạng', en: 'Status', kind: 'text' },
        { vi: 'Phiên bản', en: 'Version', kind: 'int' },
        { vi: 'Ngày nộp', en: 'Submitted on', kind: 'date' },
      ],
      rows: overview.map((o) => [
        `${o.name_vi} (${o.custodian_code})`,
        STATUS_VI[o.status],
        o.latest?.version ?? null,
        o.latest ? vietnamDate(new Date(o.latest.submitted_at)) : null,
      ]),
    },
    {
      sheet: 'Tong hop',
      title_vi: 'Kết quả chia sẻ theo cơ quan chủ quản',
      title_en: 'Sharing results by custodian',
      basis_vi: 'Mỗi dòng theo căn cứ số liệu của báo cáo cơ quan đã nộp (điểm chốt của nhật ký chia sẻ nêu trong cột cuối).',
      basis_en: "Each line as of the basis of the custodian's submitted report (the sharing-log checkpoint in the last column).",
      columns: [
        { vi: 'Cơ quan chủ quản', en: 'Custodian', kind: 'text' },
        { vi: 'Lượt trao đổi', en: 'Exchanges', kind: 'int' },
        { vi: 'Lượt từ chối', en: 'Refused', kind: 'int' },
        { vi: 'Dung lượng (byte)', en: 'Bytes', kind: 'int' },
        { vi: 'Bộ dữ liệu', en: 'Datasets', kind: 'int' },
        { vi: 'Thỏa thuận mở mới', en: 'Agreements opened', kind: 'int' },
        { vi: 'Thỏa thuận kết thúc', en: 'Agreements closed', kind: 'int' },
        { vi: 'Sự cố', en: 'Incidents', kind: 'int' },
        { vi: 'Phát hiện', en: 'Findings', kind: 'int' },
        { vi: 'Điểm chốt', en: 'Checkpoint', kind: 'int' },
      ],
      rows: [
        ...[...latest.values()].map(({ content: c }) => [
          c.custodian.code,
          c.totals.exchanges,
          c.totals.refused,
          c.totals.bytes,
          c.datasets.length,
          c.agreements.opened.length,
          c.agreements.closed.length,
          c.incidents.length,
          c.findings.length,
          c.basis.position,
        ]),
        [
          'Cộng / Total',
          sum((c) => c.totals.exchanges),
          sum((c) => c.totals.refused),
          sum((c) => c.totals.bytes),
          sum((c) => c.datasets.length),
          sum((c) => c.agreements.opened.length),
          sum((c) => c.agreements.closed.length),
          sum((c) => c.incidents.length),
          sum((c) => c.findings.length),
          null,
        ],
      ],
    },
    {
      sheet: 'Theo hinh thuc',
      title_vi: 'Lượt trao đổi theo hình thức kết nối (các cơ quan đã nộp)',
      title_en: 'Exchanges by form (custodians that submitted)',
      columns: [
        { vi: 'Hình thức', en: 'Form', kind: 'text' },
        { vi: 'Lượt trao đổi', en: 'Exchanges', kind: 'int' },
        { vi: 'Lượt từ chối', en: 'Refused', kind: 'int' },
        { vi: 'Dung lượng (byte)', en: 'Bytes', kind: 'int' },
      ],
      rows: [...forms.entries()].sort((a, b) => b[1].exchanges - a[1].exchanges).map(([form, m]) => [form, m.exchanges, m.refused, m.bytes]),
    },
  ];
}
